"""The pictures and the dashboard: right number of panels, one shared colour scale,
the recorder keeps what it should, and the dashboard trains deterministically.

matplotlib runs with the Agg backend here (inside this test process only).
"""

import subprocess
import sys
from pathlib import Path

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
# Its frames are decoded here from the header's layout and compared with numbers computed
# independently from the model's own weights (NumPy formulas, not the dashboard's code).


def run_code(dash) -> dict:
    namespace = {}
    exec(compile(dash.code(), "<dashboard.code()>", "exec"), namespace)
    return namespace


def assert_same_weights(model, other):
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def decode(header, buffers) -> dict:
    """A frame's buffers as arrays, by the layout its header states."""
    sizes = [int(np.prod(shape)) for shape in header["shapes"]]
    ends = np.cumsum(sizes)[:-1]

    def arrays(buffer):
        flat = np.frombuffer(buffer, np.float32)
        return [a.reshape(s) for a, s in zip(np.split(flat, ends), header["shapes"])]

    R, G = header["resolution"], header["unit_grid"]
    surface = np.frombuffer(buffers[2], np.uint8)
    per_unit = G * G if header["inputs"] == 2 else G
    units = np.frombuffer(buffers[3], np.uint8).reshape(-1, per_unit)
    return {
        "weights": arrays(buffers[0]),
        "changes": arrays(buffers[1]),
        "surface": surface,
        "cells": R * R if header["inputs"] == 2 else R,
        "units": np.split(units, np.cumsum(header["columns"])[:-1]),
    }


def plane_points(extent, size):
    """The grid the header describes: `size` columns left to right, rows top to bottom."""
    x1 = np.linspace(extent[0], extent[1], size)
    x2 = np.linspace(extent[3], extent[2], size)
    return np.array([(a, b) for b in x2 for a in x1], dtype=np.float32)


def by_hand(weights, X):
    """The network 2-h-h-k with tanh, computed from its weight list: each layer's output."""
    outputs, h = [X], X
    for k in range(0, len(weights), 2):
        z = h @ weights[k] + weights[k + 1]
        h = np.tanh(z) if k + 2 < len(weights) else z
        outputs.append(h)
    scores = outputs[-1] - outputs[-1].max(axis=1, keepdims=True)
    outputs[-1] = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)  # softmax
    return outputs


def test_frames_carry_the_models_true_numbers():
    dash = viz.Dashboard("moons", hidden="5,4", activation="tanh", resolution=24, seed=2)
    dash.step(3)
    before = dash.model.get_weights()
    dash.step(1)
    header, buffers = dash.frame()
    frame = decode(header, buffers)
    weights = dash.model.get_weights()
    assert header["step"] == 4 and header["status"].startswith("step 4 of 4")
    for shown, true, old, change in zip(frame["weights"], weights, before, frame["changes"]):
        np.testing.assert_array_equal(shown, true)  # float32 weights travel exactly
        np.testing.assert_allclose(change, true - old, atol=1e-7)  # the last step's change
    # the decision surface: most likely class and its probability at every grid cell
    points = plane_points(header["extent"], header["resolution"])
    probabilities = by_hand(weights, points)[-1]
    cells = frame["cells"]
    best, sure = frame["surface"][:cells], frame["surface"][cells:]
    agree = best == probabilities.argmax(axis=1)
    assert agree.mean() > 0.99  # a tie at float rounding may go either way
    np.testing.assert_allclose(sure / 255, probabilities.max(axis=1), atol=1 / 255 + 1e-6)
    # one picture per unit: inputs, hidden units (symmetric scale), output probabilities
    layers = by_hand(weights, plane_points(header["extent"], header["unit_grid"]))
    assert header["columns"] == [2, 5, 4, 2]
    for column, (pictures, values) in enumerate(zip(frame["units"], layers)):
        for unit, picture in enumerate(pictures):
            v = values[:, unit]
            if column == 3:
                expected = 255 * v
            else:
                expected = 128 + 127 * v / np.abs(v).max()
                assert header["unit_scales"][column][unit] == pytest.approx(np.abs(v).max(), 1e-5)
            np.testing.assert_allclose(picture, expected, atol=1.01)

    # the loss points: the loss on the training rows and on the test rows
    def cross_entropy(X, y):
        p = by_hand(weights, X)[-1]
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    step, train, test = header["curve"]["points"][-1]
    assert step == 4 and train == pytest.approx(cross_entropy(dash.trainer.X, dash.trainer.y), 1e-4)
    assert test == pytest.approx(cross_entropy(*dash.trainer.test), rel=1e-4)


def test_the_step_shown_is_the_step_drawn_and_scrubbing_shows_a_snapshot():
    dash = viz.Dashboard("xor", hidden="3", resolution=16)
    dash.step(5)
    dash.step(5)
    assert dash.history.steps == [0, 5, 10]
    header, buffers = dash.frame(1)
    assert header["step"] == 5 and header["status"].startswith("step 5 of 10")
    for shown, kept in zip(decode(header, buffers)["weights"], dash.history.weights[1]):
        np.testing.assert_array_equal(shown, kept)
    dash.scrub(0)
    header, _ = dash.frame()
    assert header["step"] == 0 and header["snapshots"] == 3
    dash.step(1)  # training goes on from the last snapshot, not the one on show
    assert dash.history.steps[-1] == 11 and dash.position == 3
    with pytest.raises(ValueError, match=r"position must be a whole number in 0\.\.3"):
        dash.scrub(7)


def test_training_uses_the_engine_on_the_training_rows_only(monkeypatch):
    from demystify.viz.dashboard import state

    batches = []
    monkeypatch.setattr(
        state, "train_step", lambda *args: batches.append(np.array(args[3])) or dm.train_step(*args)
    )
    dash = viz.Dashboard("moons", hidden="4", batch_size=7, train_fraction=0.7, seed=1)
    X = dash.trainer.X
    X_test, _ = dash.trainer.test
    assert len(X) == 140 and len(X_test) == 60  # 200 points, 70 % to train on
    steps = 2 * int(np.ceil(140 / 7))
    dash.step(steps)  # two epochs
    rng = np.random.default_rng(1)
    expected = [X[rows] for _ in range(2) for rows in dm.training.minibatches(140, 7, rng)]
    assert len(batches) == steps
    for seen, rows in zip(batches, expected):
        np.testing.assert_array_equal(seen, rows)  # the engine's minibatches, in its order
    trained = {tuple(row) for batch in batches for row in batch}
    assert trained == {tuple(row) for row in X}  # every training row, twice
    assert not trained & {tuple(row) for row in X_test}  # and never a test row


def test_reset_is_deterministic_and_grouping_steps_does_not_matter():
    dash = viz.Dashboard("moons", hidden="6,4", activation="relu", lr=0.05, seed=3)
    start = dash.model.get_weights()
    dash.step(5)
    after_five = dash.model.get_weights()
    dash.reset()
    for a, b in zip(dash.model.get_weights(), start):
        np.testing.assert_array_equal(a, b)
    dash.step(2)
    dash.step(3)
    for a, b in zip(dash.model.get_weights(), after_five):
        np.testing.assert_array_equal(a, b)


def test_edits_change_the_model_and_the_history_records_them():
    dash = viz.Dashboard("moons", hidden="4", resolution=16)
    dash.step(3)
    before = dash.model.predict(dash.trainer.X)
    event = dash.edit("0.weights", 1, 2, 2.5)
    assert dash.model.get_weights()[0][1, 2] == np.float32(2.5)
    assert event.startswith("edited 0.weights[1, 2]") and dash.history.events[-1] == event
    assert not np.allclose(dash.model.predict(dash.trainer.X), before)
    header, buffers = dash.frame()
    assert decode(header, buffers)["weights"][0][1, 2] == np.float32(2.5)
    assert event in header["status"]
    dash.edit("2.bias", 0, 1, -1.0)  # a bias: row 0
    assert dash.model.get_weights()[3][1] == -1.0
    dash.step(2)
    assert_same_weights(run_code(dash)["model"], dash.model)  # the weights written out
    with pytest.raises(ValueError, match=r"has shape \(2, 4\), no entry \[2, 0\]"):
        dash.edit("0.weights", 2, 0, 1.0)
    with pytest.raises(ValueError, match="no parameter '9.weights'"):
        dash.edit("9.weights", 0, 0, 1.0)


@pytest.mark.parametrize(
    "settings",
    [
        dict(dataset="spirals", hidden="8", activation="relu", optimizer="sgd", lr=0.1),
        dict(dataset="circle", hidden="4", features=["x1^2", "x2^2", "x1*x2"], l2=0.01),
        dict(dataset="gaussians", noise=0.9, train_fraction=0.3, optimizer="momentum", lr=0.01),
        dict(dataset="xor", hidden="3,3", features=["x1", "x2", "sin(x1)", "sin(x2)"]),
        dict(dataset="hills", hidden="6", optimizer="rmsprop", lr=0.01),
        dict(dataset="sine", hidden="5", activation="sigmoid"),
    ],
)
def test_code_rebuilds_the_exact_weights(settings):
    dash = viz.Dashboard(**settings, batch_size=9, steps_per_frame=4)
    dash.step(23)  # mid-epoch: the script stops there with a callback
    assert_same_weights(run_code(dash)["model"], dash.model)


def test_code_on_your_data_and_at_the_start():
    X, y = dm.datasets.blobs(n=60, centers=3, seed=4)
    dash = viz.Dashboard(data=(X, y), hidden="5", optimizer="sgd", lr=0.1)
    assert "no step yet" in dash.code()
    assert_same_weights(run_code(dash)["model"], dash.model)
    dash.step(12)
    script = run_code(dash)
    np.testing.assert_array_equal(script["X"], dash.trainer.X)  # the same split
    assert_same_weights(script["model"], dash.model)
    assert dash.model.layers[-1].n_out == 3


@pytest.mark.parametrize("dataset", list(viz.dashboard.DATASETS))
def test_every_data_set_builds_steps_and_draws(dataset):
    dash = viz.Dashboard(dataset, hidden="4", resolution=12)
    dash.step(3)
    header, buffers = dash.frame()
    regression = viz.dashboard.DATASETS[dataset].task == "regression"
    assert header["classes"] == (0 if regression else dash.trainer.data.classes)
    assert len(buffers[2]) == decode(header, buffers)["cells"] * (1 if regression else 2)
    assert ("accuracy" in header["status"]) != regression


def test_a_regression_surface_is_its_predictions_on_the_stated_scale():
    dash = viz.Dashboard("plane", hidden="4", resolution=10)
    dash.step(20)
    header, buffers = dash.frame()
    low, high = header["surface_range"]
    predictions = dash.model.predict(plane_points(header["extent"], 10))[:, 0]
    expected = np.clip(255 * (predictions - low) / (high - low), 0, 255)
    np.testing.assert_allclose(decode(header, buffers)["surface"], expected, atol=0.51)
    curve = viz.Dashboard(
        data=(np.linspace(-1, 1, 30), np.linspace(-1, 1, 30) ** 2), task="regression"
    )
    assert curve.trainer.data.inputs == 1 and curve.settings.features == ("x1",)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(hidden="8,x"), "hidden layer sizes must be whole numbers separated by commas"),
        (dict(resolution=0), r"resolution must be a whole number in \[8, 200\], got 0"),
        (dict(steps_per_frame=-5), r"steps_per_frame must be a whole number in \[1, 1000\]"),
        (dict(hidden="300"), "between 1 and 256 units"),
        (dict(dataset="mnist"), "unknown data set 'mnist'; choose one of moons, circle"),
        (dict(activation="swish"), "unknown activation 'swish'"),
        (dict(features=["x3"]), "unknown input feature 'x3'"),
        (dict(features=[]), "at least one input feature"),
        (dict(train_fraction=1.0), r"train_fraction must be a number in \[0.1, 0.9\]"),
        (dict(noise=-1), r"noise must be a number in \[0, 5\]"),
        (dict(lr=0), r"lr must be a number in \(0, inf\)"),
        (dict(dataset="moons", task="regression"), "'moons' is classification, not regression"),
    ],
)
def test_bad_settings_get_a_plain_message(settings, message):
    with pytest.raises(ValueError, match=message):
        viz.Dashboard(**settings)


def test_bad_data_gets_a_plain_message():
    X, y = dm.datasets.moons(n=20)
    big = y.copy()
    big[3] = 200000
    with pytest.raises(ValueError, match="labels go up to 200000; the dashboard draws 2 to 10"):
        viz.Dashboard(data=(X, big))
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(20, 3\)"):
        viz.Dashboard(data=(np.c_[X, X[:, :1]], y))
    with pytest.raises(ValueError, match=r"y must have shape \(20,\)"):
        viz.Dashboard(data=(X, y[:19]))
    with pytest.raises(ValueError, match="class labels 0, 1, 2"):
        viz.Dashboard(data=(X, y + 0.5))
    with pytest.raises(ValueError, match="needs x2, but the data has 1 input"):
        viz.Dashboard(data=(X[:, 0], y.astype(float)), task="regression", features=["x2"])
    with pytest.raises(ValueError, match="not both"):
        viz.Dashboard("moons", data=(X, y))


def test_a_blown_up_loss_stops_plainly_and_keeps_finite_weights():
    dash = viz.Dashboard("moons", hidden="8", optimizer="sgd", lr=1e6, activation="relu")
    with np.errstate(all="ignore"):  # the overflow is the point
        dash.step(50)
    assert "NaN or infinite" in dash.trainer.failure and "Lower the learning rate" in dash.status()
    assert all(np.all(np.isfinite(w)) for w in dash.model.get_weights())
    assert dash.history.steps[-1] == dash.trainer.step_count
    assert_same_weights(run_code(dash)["model"], dash.model)  # written out, exactly


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


class FakeKernelShell:
    kernel = object()  # what in_a_kernel looks for: a shell attached to a kernel


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
