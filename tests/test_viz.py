"""The pictures and the dashboard: right number of panels, one shared colour scale,
the recorder keeps what it should, and the dashboard trains deterministically.

matplotlib runs with the Agg backend here (inside this test process only).
"""

import asyncio
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the viz extra (matplotlib) is not installed")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import demystify as dm  # noqa: E402
from demystify import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def small_model(seed=0, hidden=(5, 4), classes=2):
    sizes = (2, *hidden, classes)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(dm.Dense(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(dm.Tanh())
    return dm.Sequential(layers, seed=seed)


def images_of(fig):
    return [image for ax in fig.axes for image in ax.images]


def colorbars_of(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def train(model, steps=6, recorder=None, seed=0):
    X, y = dm.datasets.moons(n=64, seed=seed)
    callbacks = [recorder] if recorder is not None else []
    return dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.5),
        X,
        y,
        epochs=steps * 16 // 64,
        batch_size=16,
        seed=seed,
        callbacks=callbacks,
        verbose=0,
    )


# --- the package stays light -------------------------------------------------------------------


def test_import_demystify_does_not_import_matplotlib_but_dm_viz_works():
    code = (
        "import sys, demystify as dm; assert 'matplotlib' not in sys.modules; "
        "f = dm.viz.plot_history; assert 'matplotlib' in sys.modules; print(f.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "plot_history"


def test_unknown_attribute_of_demystify_still_raises():
    with pytest.raises(AttributeError, match="vizz"):
        dm.vizz  # noqa: B018


def test_missing_matplotlib_gives_the_install_hint():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "try:\n    import demystify.viz\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "demystify[viz]"' in out.stdout


# --- static plots --------------------------------------------------------------------------------


def test_plot_history_draws_train_and_validation_curves():
    model = small_model()
    X, y = dm.datasets.moons(n=80, seed=0)
    history = dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=0.01),
        X,
        y,
        epochs=4,
        validation=0.25,
        verbose=0,
    )
    fig = viz.plot_history(history, metrics=("loss", "accuracy"))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    loss_ax = fig.axes[0]
    assert len(loss_ax.lines) == 2  # training and validation
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history["loss"])
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), history["val_loss"])


def test_plot_history_on_given_axes_and_bad_metric():
    fig, ax = plt.subplots()
    assert viz.plot_history({"loss": [3, 2, 1]}, ax=ax) is fig
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="no 'accuracy'"):
        viz.plot_history({"loss": [1.0]}, metrics=("accuracy",))


@pytest.mark.parametrize("classes", [2, 3])
def test_plot_decision_boundary_fills_the_plane_and_shows_the_points(classes):
    model = small_model(classes=classes)
    X, y = (
        dm.datasets.moons(n=50, seed=1)
        if classes == 2
        else dm.datasets.spirals(n=60, classes=3, seed=1)
    )
    fig = viz.plot_decision_boundary(model, X, y, resolution=40)
    ax = fig.axes[0]
    assert len(ax.collections) >= 2  # the filled contour and the scatter of points
    points = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(points, X, rtol=1e-6)
    assert ax.get_xlim()[0] < X[:, 0].min() and ax.get_xlim()[1] > X[:, 0].max()


def test_plot_decision_boundary_rejects_non_2d_points():
    with pytest.raises(ValueError, match=r"\(n, 2\).*\(10, 3\)"):
        viz.plot_decision_boundary(small_model(), np.zeros((10, 3)), np.zeros(10))


def test_plot_weights_one_heatmap_per_matrix_with_one_symmetric_scale():
    model = small_model(hidden=(5, 4))
    fig = viz.plot_weights(model)
    images = images_of(fig)
    assert len(images) == 3  # 2x5, 5x4, 4x2
    assert len(colorbars_of(fig)) == 1
    limits = {image.get_clim() for image in images}
    assert len(limits) == 1, f"heatmaps use different colour scales: {limits}"
    vmin, vmax = limits.pop()
    assert vmin == -vmax
    assert vmax == pytest.approx(max(np.abs(w).max() for w in model.get_weights()))
    shapes = [image.get_array().shape for image in images]
    assert shapes == [(2, 5), (5, 4), (4, 2)]
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles[0].startswith("0.weights") and "2×5" in titles[0]


def test_plot_weights_from_a_list_with_biases_and_given_axes():
    weights = small_model().get_weights()
    fig, axes = plt.subplots(1, 6)
    assert viz.plot_weights(weights, axes=axes, bias=True) is fig
    assert len(images_of(fig)) == 6
    with pytest.raises(ValueError, match="need 3 axes"):
        viz.plot_weights(weights, axes=[plt.subplots()[1]])


def test_plot_weight_changes_shows_after_minus_before():
    model = small_model()
    before = model.get_weights()
    train(model)
    after = model.get_weights()
    fig = viz.plot_weight_changes(before, after)
    images = images_of(fig)
    assert len(images) == 3
    np.testing.assert_allclose(images[0].get_array(), after[0] - before[0], rtol=1e-6)
    ((vmin, vmax),) = {image.get_clim() for image in images}
    assert vmin == -vmax > -np.inf
    with pytest.raises(ValueError, match=r"\(2, 5\).*\(2, 3\)"):
        viz.plot_weight_changes(before, [np.zeros((2, 3))] + after[1:])


@pytest.mark.parametrize(
    "hidden,max_units,expected",
    [((5, 4), 12, 2 + 5 + 4 + 2), ((30,), 12, 2 + 12 + 2), ((30,), 6, 2 + 6 + 2)],
)
def test_draw_network_draws_one_circle_per_shown_unit(hidden, max_units, expected):
    fig = viz.draw_network(small_model(hidden=hidden), max_units=max_units)
    circles = [patch for patch in fig.axes[0].patches if isinstance(patch, Circle)]
    assert len(circles) == expected
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert ("⋮" in texts) == (max(hidden) > max_units)


def test_draw_network_edges_follow_the_weights():
    model = small_model(hidden=(3,))
    fig = viz.draw_network(model)
    edges = fig.axes[0].collections
    assert [len(edge.get_segments()) for edge in edges] == [2 * 3, 3 * 2]
    widths = edges[0].get_linewidths()
    strongest = np.abs(model.get_weights()[0]).ravel().argmax()
    assert int(np.argmax(widths)) == strongest


def test_plot_gradient_histograms_one_panel_per_parameter():
    model = small_model()
    X, y = dm.datasets.moons(n=20, seed=0)
    loss = dm.SoftmaxCrossEntropy()
    loss.forward(model.forward(dm.asarray(X)), y)
    model.backward(loss.backward())
    fig = viz.plot_gradient_histograms(model)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 6
    counts = sum(patch.get_height() for patch in panels[0].patches)
    assert counts == model.get_weights()[0].size


# --- recording ---------------------------------------------------------------------------------


def test_record_keeps_a_snapshot_per_step_and_they_change():
    model = small_model()
    recorder = viz.record(model)
    assert isinstance(recorder, dm.Callback) and isinstance(recorder, viz.WeightRecorder)
    initial = model.get_weights()
    train(model, steps=8, recorder=recorder)  # 2 epochs of 4 steps
    assert recorder.steps == list(range(9))  # the start, then every step
    assert len(recorder.weights) == len(recorder.losses) == 9
    assert np.isnan(recorder.losses[0]) and np.all(np.isfinite(recorder.losses[1:]))
    for a, b in zip(recorder.weights[0], initial):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(recorder.weights[-1], model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for earlier, later in zip(recorder.weights[:-1], recorder.weights[1:]):
        assert not np.array_equal(earlier[0], later[0]), "a step left the weights unchanged"


def test_record_every_n_steps_also_keeps_each_epochs_end():
    model = small_model()
    recorder = viz.record(model, every=3)
    train(model, steps=8, recorder=recorder)  # steps 1..8, epochs end at 4 and 8
    assert recorder.steps == [0, 3, 4, 6, 8]
    train(model, steps=4, recorder=recorder)  # a second fit call continues the count
    assert recorder.steps[-2:] == [9, 12]
    with pytest.raises(ValueError, match="every"):
        viz.record(model, every=0)


def test_plot_recording_shows_snapshots_on_one_scale_and_the_loss():
    model = small_model()
    recorder = viz.record(model)
    train(model, steps=8, recorder=recorder)
    fig = viz.plot_recording(recorder, snapshots=4)
    images = images_of(fig)
    assert len(images) == 4
    assert len({image.get_clim() for image in images}) == 1
    np.testing.assert_array_equal(images[-1].get_array(), recorder.weights[-1][0])
    assert any(ax.lines for ax in fig.axes)  # the loss panel
    with pytest.raises(ValueError, match="empty"):
        viz.plot_recording(viz.record(small_model()))


# --- the dashboard -------------------------------------------------------------------------------


def run_code(dash) -> dict:
    namespace = {}
    exec(compile(dash.code(), "<dashboard.code()>", "exec"), namespace)
    return namespace


def assert_same_weights(model, other, atol=1e-12):
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def test_dashboard_step_trains_through_train_step_and_reset_is_deterministic(monkeypatch):
    from demystify.viz import dashboard

    calls = []
    monkeypatch.setattr(
        dashboard, "train_step", lambda *args: calls.append(args) or dm.train_step(*args)
    )
    dash = viz.Dashboard(
        "moons", hidden="6,4", activation="relu", optimizer="adam", lr=0.05, seed=3
    )
    start = dash.model.get_weights()
    dash.step()
    assert len(calls) == 1 and calls[0][0] is dash.model and len(calls[0][3]) == 16
    assert dash.recorder.step == 1 and len(dash.recorder) == 2
    assert not np.array_equal(dash.model.get_weights()[0], start[0])
    dash.step(4)
    after_five = dash.model.get_weights()
    dash.reset()
    for a, b in zip(dash.model.get_weights(), start):
        np.testing.assert_array_equal(a, b)
    dash.step(2)
    dash.step(3)  # grouped differently, the same five minibatches
    for a, b in zip(dash.model.get_weights(), after_five):
        np.testing.assert_array_equal(a, b)
    other = viz.Dashboard(
        "moons", hidden="6,4", activation="relu", optimizer="adam", lr=0.05, seed=4
    )
    assert not np.array_equal(other.model.get_weights()[0], start[0])


@pytest.mark.parametrize("dataset", ["xor", "moons", "circles", "spirals", "blobs", "sine"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_dashboard_every_choice_builds_and_steps(dataset, optimizer):
    dash = viz.Dashboard(dataset, hidden="4", activation="leaky_relu", optimizer=optimizer, lr=0.01)
    dash.step(2)
    assert dash.recorder.step == 2
    outputs = {"spirals": 3, "blobs": 4, "sine": 1}.get(dataset, 2)
    assert dash.model.layers[-1].n_out == outputs
    assert dash.task == ("regression" if dataset == "sine" else "classification")


def test_dashboard_built_in_data_sets_are_written_as_they_are_made():
    from demystify.viz.dashboard import DATASETS

    for name, data_set in DATASETS.items():
        namespace = {"dm": dm}
        exec(data_set.code(seed=5), namespace)
        X, y = data_set.make(5)
        np.testing.assert_array_equal(namespace["X"], X, err_msg=name)
        np.testing.assert_array_equal(namespace["y"], y, err_msg=name)


def test_dashboard_on_your_own_three_class_data():
    X, y = dm.datasets.blobs(n=90, centers=3, seed=2)
    X = X.astype(np.float64) * 3 + 1  # a user's array, as it comes
    dash = viz.Dashboard(data=(X, y), hidden="5", optimizer="sgd", lr=0.1, batch_size=10)
    assert dash.dataset == "your data" and dash.task == "classification"
    assert dash.model.layers[-1].n_out == 3 and isinstance(dash.loss, dm.SoftmaxCrossEntropy)
    dash.step(12)
    assert dash.recorder.step == 12
    boundary = dash.figures()["boundary"].axes[0]
    np.testing.assert_allclose(boundary.collections[-1].get_offsets(), X)
    assert "your data" in boundary.get_title() and "accuracy" in dash.status()
    assert_same_weights(run_code(dash)["model"], dash.model)


def test_dashboard_regression_draws_the_fitted_curve():
    dash = viz.Dashboard("sine", hidden="8", resolution=20)
    assert isinstance(dash.loss, dm.MeanSquaredError) and dash.model.layers[-1].n_out == 1
    dash.step(3)
    ax = dash.figures()["boundary"].axes[0]
    (curve,) = ax.lines
    grid = curve.get_xdata()[:, None]
    np.testing.assert_allclose(curve.get_ydata(), dash.model.predict(grid).ravel(), rtol=1e-6)
    assert "accuracy" not in dash.status()

    x = np.linspace(-1, 1, 40)  # a user's own (x, y), x 1-D
    mine = viz.Dashboard(data=(x, x**2), task="regression", hidden="6", seed=1)
    assert mine.X.shape == (40, 1) and mine.task == "regression"
    mine.step(5)
    assert_same_weights(run_code(mine)["model"], mine.model)
    assert viz.Dashboard(task="regression").dataset == "sine"


def test_dashboard_wrong_data_gets_plain_errors():
    X, y = dm.datasets.moons(n=20)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(20, 3\)"):
        viz.Dashboard(data=(np.c_[X, X[:, :1]], y))
    with pytest.raises(ValueError, match=r"one input: X must have shape \(n,\) or \(n, 1\)"):
        viz.Dashboard(data=(X, y.astype(float)), task="regression")
    with pytest.raises(ValueError, match="X has 20 examples but y has 19 targets"):
        viz.Dashboard(data=(X, y[:19]))
    with pytest.raises(ValueError, match="whole numbers"):
        viz.Dashboard(data=(X, y + 0.5))
    with pytest.raises(ValueError, match="pass them 1-D"):
        viz.Dashboard(data=(X, y[:, None]))
    with pytest.raises(ValueError, match="at least two classes"):
        viz.Dashboard(data=(X, np.zeros(20)))
    with pytest.raises(ValueError, match="NaN"):
        viz.Dashboard(data=(np.where(X > 1, np.nan, X), y))
    with pytest.raises(ValueError, match="'moons' is classification, not regression"):
        viz.Dashboard("moons", task="regression")
    with pytest.raises(ValueError, match="unknown task"):
        viz.Dashboard(task="clustering")
    with pytest.raises(ValueError, match="pair"):
        viz.Dashboard(data=X)


@pytest.mark.parametrize(
    "settings",
    [
        dict(dataset="moons"),  # tanh, adam, He
        dict(dataset="spirals", activation="relu", optimizer="momentum", init="glorot_normal"),
        dict(dataset="sine", optimizer="rmsprop", batch_size=7),
    ],
)
def test_dashboard_code_reproduces_its_weights_after_play(settings):
    dash = viz.Dashboard(**settings, steps_per_frame=4)
    asyncio.run(dash.play(frames=4, delay=0))
    dash.step(5)  # 21 steps: in the middle of an epoch of 13, 19 or 15 steps
    code = dash.code()
    assert "dm.Sequential(" in code and "dm.fit(" in code and "StopAtStep" in code
    assert_same_weights(run_code(dash)["model"], dash.model)


def test_dashboard_code_at_the_start_and_after_whole_epochs():
    dash = viz.Dashboard("xor", hidden="3")  # 200 rows, batches of 16: 13 steps an epoch
    assert "no step yet" in dash.code() and "dm.fit" not in dash.code()
    assert_same_weights(run_code(dash)["model"], dash.model)
    dash.step(26)
    assert "StopAtStep" not in dash.code() and "epochs=2" in dash.code()
    assert_same_weights(run_code(dash)["model"], dash.model)


def test_dashboard_initialisation_is_a_visible_choice():
    he = viz.Dashboard("moons", hidden="8,8", activation="tanh", seed=0)
    # notebook 07's "seed 0" network: dm.Dense's default (He), the same numbers
    same = dm.Sequential(
        [dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 8), dm.Tanh(), dm.Dense(8, 2)], seed=0
    )
    assert he.init == "he_normal"
    assert_same_weights(he.model, same, atol=0)
    glorot = viz.Dashboard("moons", hidden="8,8", activation="tanh", init="glorot_normal")
    assert all(layer.init == "glorot_normal" for layer in glorot.model.layers[::2])
    assert not np.allclose(glorot.model.get_weights()[0], he.model.get_weights()[0])
    with pytest.raises(ValueError, match="unknown initialisation 'zeros'"):
        viz.Dashboard(init="zeros")


def test_dashboard_step_zero_shows_the_initial_loss_and_no_change_yet():
    dash = viz.Dashboard("moons", hidden="4", resolution=20)
    figures = dash.figures()
    initial = dm.evaluate(dash.model, dm.SoftmaxCrossEntropy(), dash.X, dash.y)["loss"]
    loss_ax = figures["loss"].axes[0]
    (start,) = [line for line in loss_ax.lines if line.get_marker() == "D"]
    assert start.get_ydata()[0] == pytest.approx(initial)
    assert any("no step yet" in t.get_text() for t in loss_ax.texts)
    weights = figures["weights"]
    assert len(images_of(weights)) == 2  # the two weight matrices, and no "change" heatmaps
    assert len(colorbars_of(weights)) == 1
    assert any("no step yet" in t.get_text() for t in weights.findobj(matplotlib.text.Text))
    assert f"loss on all the data {initial:.3f}" in dash.status()
    dash.step()
    assert len(images_of(dash.figures()["weights"])) == 4


def test_dashboard_draws_the_network_beside_the_heatmaps():
    dash = viz.Dashboard("xor", hidden="3", resolution=20)
    edges = dash.figures()["network"].axes[0].collections
    assert [len(edge.get_segments()) for edge in edges] == [2 * 3, 3 * 2]
    first = dash.model.get_weights()[0]
    assert int(np.argmax(edges[0].get_linewidths())) == np.abs(first).ravel().argmax()
    dash.step(40)
    moved = dash.figures()["network"].axes[0].collections[0].get_linewidths()
    assert not np.allclose(moved, edges[0].get_linewidths())
    dash.position = 0  # scrubbed back: the picture shows the old weights again
    again = dash.figures()["network"].axes[0].collections[0].get_linewidths()
    np.testing.assert_allclose(again, edges[0].get_linewidths())


def test_dashboard_figures_and_scrubbing():
    dash = viz.Dashboard("xor", hidden="8", activation="tanh", resolution=30)
    dash.step(3)
    figures = dash.figures()
    assert set(figures) == {"boundary", "loss", "network", "weights"}
    weights_images = images_of(figures["weights"])
    assert len(weights_images) == 4  # two matrices, now and their last change
    change = weights_images[2].get_array()
    np.testing.assert_allclose(change, dash.recorder.weights[3][0] - dash.recorder.weights[2][0])
    dash.position = 0  # what the slider does: show the untrained network
    assert "step 0 of 3" in dash.status()
    first = images_of(dash.figures()["weights"])[0].get_array()
    np.testing.assert_array_equal(first, dash.recorder.weights[0][0])
    assert dash.recorder.step == 3  # scrubbing does not train


def test_dashboard_play_runs_frames_as_an_asyncio_task():
    dash = viz.Dashboard("moons", hidden="4", steps_per_frame=2)
    asyncio.run(dash.play(frames=3, delay=0))
    assert dash.recorder.step == 6 and not dash.playing


def test_dashboard_stops_plainly_when_the_loss_blows_up():
    dash = viz.Dashboard("moons", hidden="8", optimizer="sgd", lr=1.0, activation="relu")
    dash.optimizer.lr = 1e30  # far beyond the slider: the next step overflows
    with np.errstate(all="ignore"):
        dash.step(3)
    assert dash.failed and "NaN or infinite" in dash.message and "Reset" in dash.message
    assert all(np.all(np.isfinite(w)) for w in dash.model.get_weights())
    dash.reset()
    assert not dash.failed


def test_dashboard_widget_builds_headless_with_stable_classes():
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    dash = viz.Dashboard("moons", hidden="4", resolution=20)
    box = dash.widget()
    ui = dash.ui
    for name in ("step", "play", "reset", "history", "weights", "loss", "boundary", "network"):
        assert f"dm-{name}" in ui[name]._dom_classes
    assert "dm-code-button" in ui["code_button"]._dom_classes
    assert ui["weights"].outputs[0]["data"]["image/png"]
    before = ui["weights"].outputs[0]["data"]["image/png"]
    network = ui["network"].outputs[0]["data"]["image/png"]
    ui["step"].click()
    assert ui["history"].max == 1 and ui["history"].value == 1
    assert ui["weights"].outputs[0]["data"]["image/png"] != before
    assert ui["network"].outputs[0]["data"]["image/png"] != network
    ui["history"].value = 0  # scrub back
    assert dash.position == 0
    assert ui["code"].layout.display == "none"
    ui["code_button"].click()  # show the code: the same run as a script
    assert ui["code"].layout.display == "block" and "dm.fit(" in ui["code"].value
    assert ui["code_button"].description == "Hide code"
    ui["init"].value = "glorot_normal"  # a new choice rebuilds the network
    assert dash.init == "glorot_normal" and dash.recorder.step == 0
    assert "no step yet" in ui["code"].value
    ui["hidden"].value = "3,3"
    assert dash.hidden == (3, 3) and dash.recorder.step == 0
    ui["dataset"].value = "sine"  # another task: a regression network
    assert dash.task == "regression" and dash.model.layers[-1].n_out == 1
    ui["hidden"].value = "three"
    assert "whole numbers" in ui["status"].value
    assert box is dash.widget()


def test_dashboard_widget_offers_your_data():
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    X, y = dm.datasets.spirals(n=30, classes=3, seed=0)
    dash = viz.Dashboard(data=(X, y), hidden="4", resolution=20)
    dash.widget()
    assert dash.ui["dataset"].options[-1] == "your data"
    dash.ui["dataset"].value = "moons"
    dash.ui["dataset"].value = "your data"
    assert dash.task == "classification" and dash.model.layers[-1].n_out == 3


def test_dashboard_static_fallback_outside_a_notebook(capsys):
    fig = viz.Dashboard("circles", hidden="4", resolution=20).show(static=True)
    assert "static figure" in capsys.readouterr().out
    assert isinstance(fig, Figure) and len(images_of(fig)) == 2  # step 0: no change row yet


def test_dashboard_trained_picture_for_viewers_without_widgets():
    dash = viz.Dashboard("moons", hidden="4", resolution=20)
    fig = dash.trained_figure(steps=30)
    assert "step 30 of 30" in fig.get_suptitle() and dash.recorder.step == 0
    assert len(images_of(fig)) == 4  # trained: the change row is there


def test_dashboard_falls_back_to_static_when_ipywidgets_is_missing(monkeypatch, capsys):
    import IPython

    from demystify.viz import notebook

    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets now fails
    monkeypatch.setattr("IPython.display.display", lambda *args, **kwargs: None)
    dash = viz.Dashboard("xor", hidden="3", resolution=20)
    assert dash.show() is None  # displayed (here: nowhere) instead of returned
    assert notebook.HINT.format(what="dashboard") in capsys.readouterr().out
    assert dash.ui is None


class FakeKernelShell:
    kernel = object()  # what in_a_kernel looks for: a shell attached to a kernel


def test_dashboard_shows_widgets_in_a_kernel_with_a_trained_picture(monkeypatch):
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    import IPython

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    dash = viz.Dashboard("xor", hidden="3", resolution=20)
    assert dash.show(preview_steps=10) is None
    (bundle,) = shown
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["text/plain"].startswith("<Dashboard('xor'")
    assert dash.ui is not None and dash.recorder.step == 0


def test_dashboard_rejects_bad_choices_plainly():
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        viz.Dashboard("mnist")
    with pytest.raises(ValueError, match="whole numbers"):
        viz.Dashboard(hidden="8;x")
    with pytest.raises(ValueError, match="optimizer"):
        viz.Dashboard(optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr must be a number in"):
        viz.Dashboard(lr=-1)


def test_dashboard_a_second_play_ends_the_first():
    dash = viz.Dashboard("moons", hidden="4", steps_per_frame=1)

    async def two_plays():
        first = asyncio.create_task(dash.play(delay=0.01))
        await asyncio.sleep(0.03)
        dash.pause()
        await dash.play(frames=2, delay=0)  # starts before the first loop has noticed
        await asyncio.wait_for(first, timeout=5)

    asyncio.run(two_plays())
    assert not dash.playing
    steps = dash.recorder.step
    assert steps >= 3 and dash.recorder.steps[-1] == steps
