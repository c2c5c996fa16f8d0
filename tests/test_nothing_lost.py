"""Nothing learned is lost: after a failure, an exception from a callback or Ctrl-C, the
model holds finite weights no worse than its last good ones, and the history of the
finished epochs is returned or attached to the error.
"""

import numpy as np
import pytest
from helpers import tiny_fit as fit
from helpers import tiny_net as net

import demystify as dm
from demystify import evolve


def finite(model) -> bool:
    return all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize(
    "dtype, lr", [("float16", 1e4), ("float32", 1e30)], ids=["float16-overflow", "float32-huge-lr"]
)
def test_a_weight_overflow_on_the_last_step_keeps_finite_weights(dtype, lr):
    X, y = dm.datasets.blobs(n=64, centers=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0, dtype=dtype)

    class Snapshots(dm.Callback):  # the weights after every finished epoch
        def on_epoch_end(self, epoch, logs):
            self.last = model.get_weights()

    snapshots = Snapshots()
    snapshots.last = model.get_weights()
    optimizer = dm.SGD(model.parameters(), lr=lr)
    with pytest.raises(dm.TrainingError) as caught, np.errstate(all="ignore"):
        # one step an epoch, so the step that breaks the weights is an epoch's last
        dm.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer,
            X,
            y,
            epochs=20,
            batch_size=64,
            callbacks=[snapshots],
            verbose=0,
        )
    assert finite(model)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots.last))
    assert "kept the last finite weights" in str(caught.value)
    assert caught.value.history is not None


def test_on_train_end_runs_after_a_divergence_and_early_stopping_restores():
    X, y = dm.datasets.blobs(n=90, centers=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
    stopper = dm.EarlyStopping(patience=50)

    class BlowUp(dm.Callback):  # turns the learning rate up after three good epochs
        def __init__(self, optimizer):
            self.optimizer = optimizer

        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                self.optimizer.lr = 1e38

    optimizer = dm.SGD(model.parameters(), lr=0.05)
    with pytest.raises(dm.TrainingError) as caught, np.errstate(all="ignore"):
        dm.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer,
            X,
            y,
            epochs=20,
            batch_size=16,
            validation=0.3,
            callbacks=[stopper, BlowUp(optimizer)],
            verbose=0,
        )
    history = caught.value.history
    assert len(history["val_loss"]) == 3
    best = int(np.argmin(history["val_loss"]))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), stopper.best_weights))
    assert stopper.best == history["val_loss"][best]


def test_an_error_in_a_callback_keeps_the_history_and_a_sane_model():
    class Broken(dm.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                raise RuntimeError("my callback is broken")

    model = net()
    with pytest.raises(RuntimeError, match="my callback is broken") as caught:
        fit(model=model, epochs=5, callbacks=[Broken()])
    assert len(caught.value.history["loss"]) == 2  # both finished epochs are kept
    assert model.training is False and finite(model)


def test_a_callback_that_raises_after_the_weights_broke_leaves_the_last_finite_ones():
    """issue #23: `fit` once restored nothing when a callback raised (`dm.spark.fit` did)."""

    class BreakThenRaise(dm.Callback):
        def on_train_begin(self, model):
            self.model = model

        def on_epoch_end(self, epoch, logs):
            self.finished = self.model.get_weights()  # the weights at the end of this epoch

        def on_step_end(self, step, logs):
            if step == 5:
                self.model.layers[0].weights.value[0, 0] = np.nan  # the step went bad ...
                raise RuntimeError("my callback is broken")  # ... and the callback raised

    model, watcher = net(), BreakThenRaise()
    with pytest.raises(RuntimeError, match="my callback is broken") as caught:
        fit(model=model, epochs=10, batch_size=4, callbacks=[watcher])
    assert finite(model) and len(caught.value.history["loss"]) == 1
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), watcher.finished))


def test_ctrl_c_after_a_step_that_broke_the_weights_keeps_finite_ones():
    class InterruptAfterBreaking(dm.Callback):
        def on_train_begin(self, model):
            self.model = model

        def on_step_end(self, step, logs):
            if step == 5:
                self.model.layers[0].weights.value[0, 0] = np.inf  # the step went bad ...
                raise KeyboardInterrupt  # ... and the user pressed Ctrl-C right then

    model = net()
    history = fit(model=model, epochs=10, batch_size=4, callbacks=[InterruptAfterBreaking()])
    assert "Ctrl-C" in history.stop_reason and finite(model)
    assert len(history["loss"]) == 1  # the first epoch (steps 1-3) finished


@pytest.mark.parametrize("algorithm", [evolve.genetic, evolve.evolution_strategy])
@pytest.mark.parametrize("failure", ["raises", "nan", "ctrl-c"])
def test_evolution_keeps_the_best_vector_and_the_history(algorithm, failure):
    X, y = dm.datasets.xor(n=40, seed=0)
    model = dm.Sequential([dm.Dense(2, 4), dm.Tanh(), dm.Dense(4, 1)], seed=0)
    start = evolve.parameters_to_vector(model)
    score = evolve.data_fitness(X, y)
    calls = []

    def fitness(candidate):
        calls.append(1)
        if len(calls) > 25:  # part-way through the third generation
            if failure == "raises":
                raise RuntimeError("the simulator crashed")
            if failure == "nan":
                return float("nan")
            raise KeyboardInterrupt
        return score(candidate)

    if failure == "ctrl-c":
        model, history = algorithm(model, fitness, generations=10, population=10, verbose=0)
        assert "Ctrl-C" in history.stop_reason
    else:
        with pytest.raises((RuntimeError, ValueError)) as caught:
            algorithm(model, fitness, generations=10, population=10, verbose=0)
        history = caught.value.history
    assert len(history["fitness"]) == 2
    best = max(history["fitness"])
    assert score(model) == pytest.approx(best, rel=1e-6)  # the best vector seen, not a candidate
    assert not np.array_equal(evolve.parameters_to_vector(model), start) or best == score(model)


def test_a_second_ctrl_c_while_callbacks_finish_keeps_the_history():
    """Ctrl-C in a slow `on_train_end` (a second press, after the first stopped training)."""

    class SlowToFinish(dm.Callback):
        def on_epoch_end(self, epoch, logs):
            raise KeyboardInterrupt  # the first Ctrl-C: training stops after epoch 1

        def on_train_end(self, history):
            raise KeyboardInterrupt  # the second, while this callback is still writing

    model = net()
    history = fit(model=model, epochs=5, callbacks=[SlowToFinish(), dm.EarlyStopping(patience=2)])
    assert len(history["loss"]) == 1 and "Ctrl-C" in history.stop_reason
    assert finite(model)


def test_callbacks_none_or_a_lone_callback_are_understood():
    class Count(dm.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs):
            Count.epochs += 1

    assert len(fit(epochs=2, callbacks=None)["loss"]) == 2
    fit(epochs=3, callbacks=Count())  # one callback, not in a list
    assert Count.epochs == 3


def test_load_opens_the_file_once_and_a_pipe_swapped_in_is_refused_at_once(tmp_path, monkeypatch):
    """Between `load`'s look at the path and its open, the file is replaced by a FIFO."""
    import os
    import time

    from demystify import saving

    path = dm.save(net(), tmp_path / "m.npz")
    opened = []
    real_open = os.open

    def swap_then_open(name, flags, *args):
        opened.append(name)
        os.unlink(name)
        os.mkfifo(name)  # a writer never comes: a blocking open would wait forever
        return real_open(name, flags, *args)

    monkeypatch.setattr(saving.os, "open", swap_then_open)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="m.npz is not a readable demystify model: it is not a"):
        dm.load(path)
    assert time.perf_counter() - start < 2 and opened == [path]


def test_a_long_file_name_saves_and_loads(tmp_path):
    """A name of 250 characters fits a file system's 255; the temporary name must fit too."""
    model = net()
    path = dm.save(model, tmp_path / ("m" * 246))  # + ".npz": 250 characters
    assert len(path.name) == 250 and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    for before, after in zip(model.get_weights(), dm.load(path).get_weights(), strict=True):
        assert np.array_equal(before, after)
