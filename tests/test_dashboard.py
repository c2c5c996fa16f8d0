"""The dashboard's numbers: its frames carry the model's true numbers, it trains
deterministically with the engine, its code rebuilds the exact weights, and bad
settings or data get a plain message.

Its frames are decoded here from the header's layout and compared with numbers computed
independently from the model's own weights (NumPy formulas, not the dashboard's code).
"""

import numpy as np
import pytest
from helpers import assert_same_weights, pyplot_on_agg

pyplot_on_agg()  # skips this file without matplotlib

import demystify as dm  # noqa: E402
from demystify import viz  # noqa: E402


def run_code(dash) -> dict:
    namespace = {}
    exec(compile(dash.code(), "<dashboard.code()>", "exec"), namespace)
    return namespace


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
