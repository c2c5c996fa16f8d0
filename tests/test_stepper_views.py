"""The backprop stepper's views: the picture labels the arrows with the numbers the stage uses
(a gradient at a gradient stage), labels do not overlap, one colour scale per stage,
and the widgets (buttons, Play, keys) walk the stages, headless.
"""

import re

import numpy as np
import pytest
from helpers import FakeKernelShell, by_name, pyplot_on_agg, xor_stepper

plt = pyplot_on_agg()
import matplotlib.text  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.mathtext import MathTextParser  # noqa: E402

import demystify as dm  # noqa: E402
from demystify.viz import notebook  # noqa: E402
from demystify.viz.stepper import BackpropStepper, number  # noqa: E402
from demystify.viz.stepper.tables import rgb  # noqa: E402


@pytest.fixture
def stepper():
    return xor_stepper()


# --- pictures and widgets ------------------------------------------------------------------------


def test_formulas_are_valid_mathtext_and_the_static_figure_draws(stepper, capsys):
    parser = MathTextParser("path")
    for stage in stepper.stages:
        parser.parse(f"${stage.formula}$")  # the static figure draws them with mathtext
    stepper.go(6)
    fig = stepper.show(static=True)
    assert isinstance(fig, Figure) and "static figure" in capsys.readouterr().out
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert any("dW2 = A1ᵀ @ dZ2" in t for t in texts) and any("dW2[0,0] =" in t for t in texts)
    fig.canvas.draw()


def arrow_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "dm-arrow-label"]


def test_the_network_picture_follows_the_stage(stepper):
    stages = by_name(stepper)
    stepper.go(0)  # Z1[0,0] = X[0,0]·W1[0,0] + X[0,1]·W1[1,0] + b1[0]: the two weights, labelled
    fig = stepper.network_figure()
    assert fig.axes[0].get_title().startswith("forward")
    W1 = stages["Z1 = X @ W1 + b1"].arrays["W1"]
    assert arrow_labels(fig) == [number(W1[0, 0]), number(W1[1, 0])]
    stepper.go(8)  # dA1[0,1] = Σ_m dZ2[0,m]·W2ᵀ[m,1]: the arrows out of hidden unit 1, weights
    stepper.choose(0, 1)
    W2 = stages["Z2 = A1 @ W2 + b2"].arrays["W2"]
    assert arrow_labels(stepper.network_figure()) == [number(w) for w in W2[1]]
    stepper.go(14)  # W2 ← W2 − 0.5·dW2: the arrow carries its new weight
    new = stages["W2 ← W2 − 0.5·dW2"].arrays["W2 new"]
    assert arrow_labels(stepper.network_figure()) == [number(new[0, 1])]


@pytest.mark.parametrize("name", ["dW2 = A1ᵀ @ dZ2", "dW1 = Xᵀ @ dZ1"])
def test_a_gradient_stage_labels_the_arrow_with_its_gradient(stepper, name):
    stage = by_name(stepper)[name]
    stepper.go(stepper.stages.index(stage))
    dW = stage.arrays[stage.result]
    for i, j in np.ndindex(dW.shape):
        stepper.choose(i, j)
        fig = stepper.network_figure()
        assert arrow_labels(fig) == [number(dW[i, j])], (i, j)
        assert stage.result in fig.axes[0].get_title()
        plt.close(fig)


def test_the_labels_of_the_picture_do_not_overlap():
    """A 2-4-3-3 network, at every stage whose entries use arrows (and the first), first and
    last entry: no two texts of the picture meet (labels, unit numbers, names, captions)."""
    X, y = dm.datasets.spirals(n=3, classes=3, seed=0)  # 9 rows
    model = dm.Sequential(
        [dm.Dense(2, 4), dm.Tanh(), dm.Dense(4, 3), dm.ReLU(), dm.Dense(3, 3)], seed=1
    )
    stepper_ = BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y)
    for index, stage in enumerate(stepper_.stages):
        stepper_.go(index)
        rows, cols = stage.arrays[stage.result].shape
        for i, j in {(0, 0), (rows - 1, cols - 1)}:
            if index and not stage.entry(i, j).arrows:
                continue
            stepper_.choose(i, j)
            fig = stepper_.network_figure()
            renderer = FigureCanvasAgg(fig).get_renderer()
            fig.draw(renderer)
            boxes = [
                (t.get_text(), (t.get_bbox_patch() or t).get_window_extent(renderer))
                for t in fig.axes[0].texts
                if t.get_text().strip()
            ]
            for a in range(len(boxes)):
                for b in range(a):
                    overlap = boxes[a][1].overlaps(boxes[b][1])
                    assert not overlap, (
                        f"{stage.name} [{i},{j}]: {boxes[a][0]!r} on {boxes[b][0]!r}"
                    )
            plt.close(fig)


def test_one_colour_scale_per_stage(stepper):
    """All tables of a stage are tinted on its largest number: equal numbers, equal tints."""
    for index, stage in enumerate(stepper.stages):
        page = stepper.tables_html(index)
        assert set(re.findall(r'data-scale="([^"]+)"', page)) == {f"{stage.scale:.6g}"}
        for name, array in stage.arrays.items():
            table = page.split(f'data-name="{name}"')[1].split("</table>")[0]
            colours = re.findall(r"background:(rgb\([^)]*\))", table)
            assert colours == [rgb(float(v), stage.scale) for v in array.ravel()], name
    update = by_name(stepper)["W2 ← W2 − 0.5·dW2"]  # small gradients look pale beside weights
    W2, dW2 = update.arrays["W2"], update.arrays["dW2"]
    assert update.scale == max(np.abs(W2).max(), np.abs(dW2).max(), np.abs(W2 - 0.5 * dW2).max())


def test_widget_walks_the_stages_headless(stepper):
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    box = stepper.widget()
    ui = stepper.ui
    assert box is stepper.widget() and "dm-stepper" in box._dom_classes
    assert "$$" in ui["formula"].value and "stage 1 of 17" in ui["formula"].value
    assert ui["back"].disabled and not ui["next"].disabled
    assert ui["network"].outputs[0]["data"]["image/png"]
    tables = ui["tables"].value
    assert 'title="Z1[0,0] = X[0,0]·W1[0,0]' in tables  # hover: the sum of each result entry
    ui["next"].click()
    assert stepper.index == 1 and ui["tables"].value != tables and not ui["back"].disabled
    ui["stage"].value = 6
    assert "dW2 = A1ᵀ @ dZ2" in ui["formula"].value
    ui["entry"].value = (2, 1)
    assert stepper.entry_index == (2, 1) and "dW2[2,1] = A1[0,2]·dZ2[0,1]" in ui["sum"].value
    ui["reset"].click()
    assert stepper.index == 0 and ui["stage"].value == 0 and stepper.entry_index == (2, 1)
    ui["stage"].value = 16
    assert ui["next"].disabled and ui["entry"].options == (("L after[0,0]", (0, 0)),)
    assert ui["play"].value == 16 and ui["play"].max == 16  # Play moves with the stages ...
    ui["play"].value = 3  # ... and the stages with Play (its timer ticks in the browser)
    assert stepper.index == 3 and "stage 4 of 17" in ui["formula"].value


def test_the_arrow_keys_step_through_the_stages(stepper):
    pytest.importorskip("anywidget", reason="anywidget is not installed")
    stepper.widget()
    keys = stepper.ui["keys"]
    assert keys is not None and "dm-keys" in keys._dom_classes
    assert "ArrowRight" in keys._esm and "ArrowLeft" in keys._esm  # the front end's own file
    keys._handle_custom_msg({"step": 1}, [])  # what keys.js sends on →
    keys._handle_custom_msg({"step": 1}, [])
    assert stepper.index == 2 and "stage 3 of 17" in stepper.ui["formula"].value
    keys._handle_custom_msg({"step": -1}, [])  # ... and on ←
    assert stepper.index == 1


def test_show_in_a_kernel_displays_the_widget_with_a_picture_beside_it(monkeypatch, stepper):
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    assert notebook.in_a_kernel()
    assert stepper.show() is None
    (bundle,) = shown
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["text/plain"].startswith("BackpropStepper(2-3-2 network, 4 rows")
