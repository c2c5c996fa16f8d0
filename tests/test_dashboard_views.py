"""The dashboard's views: the static figure has the live layout, a kernel gets the live
view and a PNG, the live view answers each message with one frame, and the front end
ships as package data.
"""

from pathlib import Path

import numpy as np
import pytest
from helpers import FakeKernelShell, assert_same_weights, images_of, pyplot_on_agg

pyplot_on_agg()  # skips this file without matplotlib
from matplotlib.figure import Figure  # noqa: E402

from demystify import viz  # noqa: E402


def test_static_view_has_the_live_layout(capsys):
    dash = viz.Dashboard("spiral", hidden="8,8", resolution=20)
    dash.step(10)
    fig = dash.show(static=True)
    assert "(static figure" in capsys.readouterr().out
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() == dash.status()
    titles = [ax.get_title() for ax in fig.axes]
    assert "Δ 0.weights" in titles and "loss" in titles
    # a picture per unit (2 inputs + 16 hidden + 2 outputs), the surface, 2 x 3 heatmaps
    assert len(images_of(fig)) == 20 + 1 + 6
    copy = dash.trained_figure()  # already trained: drawn as it is
    assert copy.get_suptitle().startswith("step 10 of 10")


def test_a_larger_layer_is_summarised_in_the_static_view():
    fig = viz.Dashboard("moons", hidden="20", resolution=12).static_figure()
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "+5 more" in texts  # 15 of 20 units drawn


def test_show_in_a_kernel_gives_the_live_view_and_a_png(monkeypatch):
    import IPython

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    dash = viz.Dashboard("xor", hidden="3", resolution=12)
    assert dash.show(preview_steps=10) is None
    (bundle,) = shown
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["text/plain"].startswith("<Dashboard('xor'")
    assert dash.ui is not None and dash.trainer.step_count == 0  # the picture trained a copy


@pytest.fixture
def live():
    """A dashboard's live view, its messages to the browser collected instead of sent."""
    from demystify.viz.dashboard.view import Live

    dash = viz.Dashboard("moons", hidden="4", steps_per_frame=7, resolution=12)
    ui = Live(dash)
    dash.ui = ui
    sent = []
    ui.view.send = lambda content, buffers=None: sent.append((content, buffers))
    return dash, ui, sent


def test_the_live_view_answers_each_message_with_one_frame(live):
    dash, ui, sent = live
    ui.receive(ui.view, {"type": "hello"}, [])
    assert [m["type"] for m, _ in sent] == ["data", "frame"]
    data, buffers = sent[0]
    np.testing.assert_array_equal(
        np.frombuffer(buffers[0], np.float32), dash.trainer.data.X.ravel()
    )
    sent.clear()
    ui.receive(ui.view, {"type": "next"}, [])
    ui.receive(ui.view, {"type": "next"}, [])
    assert [m["step"] for m, _ in sent] == [7, 14] and dash.trainer.step_count == 14
    assert sent[1][0]["curve"]["from"] == 2  # only the new loss point
    ui.receive(ui.view, {"type": "step"}, [])
    ui.receive(ui.view, {"type": "scrub", "position": 1}, [])
    assert [m["step"] for m, _ in sent[2:]] == [15, 7]
    ui.receive(ui.view, {"type": "edit", "name": "2.weights", "i": 3, "j": 0, "value": "0.25"}, [])
    assert dash.model.get_weights()[2][3, 0] == 0.25 and sent[-1][0]["event"].startswith("edited")
    ui.receive(ui.view, {"type": "code"}, [])
    assert sent[-1][0] == {"type": "code", "text": dash.code()}


def test_the_live_view_reports_a_bad_setting_and_keeps_the_old_ones(live):
    dash, ui, sent = live
    ui.receive(ui.view, {"type": "settings", "settings": {"hidden": "8,x"}}, [])
    assert sent[0][0]["type"] == "error" and "'8,x'" in sent[0][0]["message"]
    assert sent[-1][0]["type"] == "frame" and dash.settings.hidden == (4,)
    ui.receive(ui.view, {"type": "settings", "settings": {"hidden": "3,2", "l2": 0.01}}, [])
    assert dash.settings.hidden == (3, 2) and ui.view.config["settings"]["hidden"] == "3,2"
    assert dash.trainer.optimizer.weight_decay == 0.01 and sent[-1][0]["step"] == 0
    assert ui.view.config["noise"] == 0.15  # the noise slider starts at the data set's own
    ui.receive(ui.view, {"type": "settings", "settings": {"noise": 0.4, "train_fraction": 0.7}}, [])
    assert ui.view.config["noise"] == 0.4 and len(dash.trainer.X) == 140


def test_the_stepper_button_opens_the_stepper_on_the_next_batch(live, monkeypatch):
    dash, ui, _ = live
    dash.step(4)
    opened = []

    class Stepper:
        def __init__(self, model, loss, X, y):
            opened.append((model, loss, X, y))

        def show(self):
            pass

    monkeypatch.setattr("demystify.viz.stepper.BackpropStepper", Stepper)
    rows = dash.trainer.next_rows()
    ui.receive(ui.view, {"type": "stepper"}, [])
    ((model, loss, X, y),) = opened
    assert model is not dash.model  # a copy: stepping it does not train the dashboard
    assert_same_weights(model, dash.model)
    np.testing.assert_array_equal(X, dash.trainer.X[rows])
    np.testing.assert_array_equal(y, dash.trainer.y[rows])
    dash.step(1)  # the batch the stepper showed is the one the next step trains on
    assert dash.trainer.step_count == 5


def test_the_front_end_ships_as_package_data():
    from importlib import resources

    from demystify.viz.dashboard.view import SCRIPTS, View

    front = resources.files("demystify.viz.dashboard").joinpath("front")
    shipped = sorted(p.name for p in front.iterdir())
    assert shipped == sorted([*SCRIPTS, "dashboard.css"])
    assert View._esm.count("export default") == 1 and View._esm.rstrip().endswith("{ render };")
    assert "http" not in View._esm and "import " not in View._esm  # nothing fetched
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert '"demystify.viz.dashboard" = ["front/*.js", "front/*.css"]' in text


def test_playing_trains_at_the_chosen_speed_or_a_fixed_count_per_frame():
    auto = viz.Dashboard("moons", hidden="4", speed=300)
    assert [auto.frame_steps(t) for t in (1 / 30, 0.1, 0.0001, 60)] == [10, 30, 1, 1000]
    fixed = viz.Dashboard("moons", hidden="4", steps_per_frame=7)
    assert fixed.frame_steps(0.1) == 7
    with pytest.raises(ValueError, match=r"speed must be a whole number in \[1, 10000\]"):
        viz.Dashboard(speed=0)
