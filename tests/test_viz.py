"""The pictures: right number of panels, one shared colour scale, and the recorder keeps
what it should. The dashboard is tested in ``test_dashboard.py`` (its numbers) and
``test_dashboard_views.py`` (its views).

matplotlib runs with the Agg backend here (inside this test process only).
"""

import subprocess
import sys

import numpy as np
import pytest
from helpers import images_of, pyplot_on_agg
from helpers import small_model as dense_net

plt = pyplot_on_agg()
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import demystify as dm  # noqa: E402
from demystify import viz  # noqa: E402


def small_model(seed=0, hidden=(5, 4), classes=2):
    """A seeded ``2-hidden-classes`` network with Tanh between its Dense layers."""
    return dense_net((2, *hidden, classes), dm.Tanh, seed)


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
