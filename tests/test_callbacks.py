"""Training that does not end normally, and the callbacks that watch it: a NaN loss,
callbacks called with the right step numbers and able to stop, Ctrl-C, early
stopping and its restored weights, the history and `evaluate`, the progress bar.
"""

import re

import numpy as np
import pytest
from helpers import GOOD_X, GOOD_Y, quiet_fit, small_classifier, weights_equal

import demystify as dm
from demystify.datasets import xor

# --- divergence, interruption, callbacks ----------------------------------------------


def test_a_nan_loss_raises_training_error_and_keeps_finite_weights():
    X, y = dm.datasets.linear(n=200, features=3, seed=0)
    model = dm.Sequential([dm.Dense(3, 1)], seed=0)
    with pytest.raises(dm.TrainingError) as caught, np.errstate(over="ignore", invalid="ignore"):
        dm.fit(
            model,
            dm.MeanSquaredError(),
            dm.SGD(model.parameters(), lr=3.0),
            X,
            y,
            epochs=500,
            batch_size=200,
            verbose=0,
        )
    error = caught.value
    assert isinstance(error, ValueError)
    assert "lower learning rate" in str(error) and "now 3" in str(error)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    epoch = int(re.search(r"in epoch (\d+)", str(error)).group(1))
    assert epoch > 1 and len(error.history["loss"]) == epoch - 1  # every finished epoch kept
    assert all(np.isfinite(error.history["loss"]))
    assert error.history.stop_reason == str(error)


class Recorder(dm.Callback):
    """Writes down every call it receives."""

    def __init__(self, stop_at_step=None, interrupt_at_step=None):
        self.calls, self.steps, self.epochs = [], [], []
        self.stop_at_step, self.interrupt_at_step = stop_at_step, interrupt_at_step

    def on_train_begin(self, model):
        self.model = model
        self.calls.append("begin")

    def on_step_end(self, step, logs):
        self.steps.append(step)
        assert np.isfinite(logs["loss"])
        if step == self.interrupt_at_step:
            self.weights_at_interrupt = self.model.get_weights()
            raise KeyboardInterrupt
        return step == self.stop_at_step

    def on_epoch_end(self, epoch, logs):
        self.epochs.append(epoch)
        assert {"loss", "accuracy"} <= set(logs)

    def on_train_end(self, history):
        self.history = history
        self.calls.append("end")


def test_callbacks_are_called_with_the_right_step_numbers():
    model, _ = small_classifier()
    recorder = Recorder()
    history = quiet_fit(
        model, GOOD_X, GOOD_Y, lr=0.01, epochs=3, batch_size=4, callbacks=[recorder]
    )
    assert recorder.model is model and recorder.calls == ["begin", "end"]
    assert recorder.steps == list(range(1, 10))  # 10 examples / batch 4 = 3 steps per epoch
    assert recorder.epochs == [0, 1, 2]
    assert recorder.history is history and history.stop_reason is None
    assert len(history["loss"]) == 3


def test_a_callback_can_stop_training_mid_epoch():
    model, _ = small_classifier()
    recorder = Recorder(stop_at_step=5)
    history = quiet_fit(
        model, GOOD_X, GOOD_Y, lr=0.01, epochs=10, batch_size=4, callbacks=[recorder]
    )
    assert recorder.steps == [1, 2, 3, 4, 5]
    assert len(history["loss"]) == 2 and "callback" in history.stop_reason


def test_ctrl_c_returns_the_history_so_far_and_keeps_the_weights():
    model, before = small_classifier()
    recorder = Recorder(interrupt_at_step=5)
    history = quiet_fit(
        model, GOOD_X, GOOD_Y, lr=0.1, epochs=10, batch_size=4, callbacks=[recorder]
    )
    assert recorder.steps == [1, 2, 3, 4, 5]
    assert "interrupted" in history.stop_reason
    assert len(history["loss"]) == 1  # epoch 1 (steps 1-3) finished; epoch 2 was cut short
    assert weights_equal(model.get_weights(), recorder.weights_at_interrupt)
    assert not weights_equal(model.get_weights(), before)
    assert model.training is False and recorder.calls == ["begin", "end"]


def early_stopping_problem():
    """Validation labels that are a shuffled copy: the better the fit, the worse the val loss."""
    X, y = dm.datasets.blobs(n=120, centers=3, seed=0)
    X_val, y_val = X[:60], np.roll(y[:60], 1)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
    return model, X, y, X_val, y_val


@pytest.mark.parametrize("how", ["callback", "argument"])
def test_early_stopping_stops_and_restores_the_best_weights(how):
    model, X, y, X_val, y_val = early_stopping_problem()
    patience = 3
    options = (
        {"callbacks": [dm.EarlyStopping(patience=patience)]}
        if how == "callback"
        else {"early_stopping": patience}
    )
    loss = dm.SoftmaxCrossEntropy()
    history = dm.fit(
        model,
        loss,
        dm.Adam(model.parameters(), lr=0.01),
        X,
        y,
        epochs=100,
        batch_size=16,
        validation=(X_val, y_val),
        verbose=0,
        **options,
    )
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) < 100 and history.stop_reason is not None
    assert len(val) == best + 1 + patience  # stopped exactly `patience` epochs after the best
    assert np.isclose(dm.evaluate(model, loss, X_val, y_val)["loss"], val[best], rtol=1e-5)
    assert not np.isclose(val[-1], val[best], rtol=1e-3)  # so restoring really changed something


def test_early_stopping_needs_what_it_monitors():
    model, _ = small_classifier()
    with pytest.raises(ValueError, match="val_loss.*validation"):
        quiet_fit(model, GOOD_X, GOOD_Y, lr=0.01, epochs=2, early_stopping=2)


def test_history_and_evaluate():
    X, y = xor(n=40, seed=1)
    model = dm.Sequential([dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 2)], seed=0)
    loss = dm.SoftmaxCrossEntropy()
    history = dm.fit(
        model,
        loss,
        dm.Adam(model.parameters(), lr=0.05),
        X,
        y,
        epochs=4,
        batch_size=8,
        validation=0.25,
        verbose=0,
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 4 for values in history.values())
    scores = model.predict(X)
    result = dm.evaluate(model, loss, X, y)
    assert np.isclose(result["loss"], loss.forward(scores, y))
    assert result["accuracy"] == dm.accuracy(scores, y)


def test_verbose_training_shows_a_progress_bar(capsys):
    model, _ = small_classifier()
    dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters()),
        GOOD_X,
        GOOD_Y,
        epochs=2,
        verbose=1,
    )
    assert "training" in capsys.readouterr().err
    quiet_fit(model, GOOD_X, GOOD_Y, lr=0.01, epochs=2)
    assert capsys.readouterr().err == ""


def test_early_stopping_on_an_accuracy_waits_for_it_to_rise():
    """`mode="max"`: higher is better; the direction is said, not guessed from the name."""
    model, X, y, X_val, y_val = early_stopping_problem()
    stopper = dm.EarlyStopping(monitor="val_accuracy", patience=3, mode="max")
    history = dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=0.01),
        X,
        y,
        epochs=100,
        batch_size=16,
        validation=(X_val, y_val),
        callbacks=[stopper],
        verbose=0,
    )
    scores = history["val_accuracy"]
    best = int(np.argmax(scores))  # the first epoch with the highest accuracy
    assert len(scores) == best + 1 + 3 and stopper.best == -scores[best]
