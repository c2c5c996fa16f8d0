"""The training loop: show the network the data in minibatches, over and over.

One *step* (`train_step`) is five verbs: run a batch forward, measure the
loss, clear the old gradients, run backward to get every new gradient, and let
the optimizer move the weights. One *epoch*: as many steps as it takes to see
every training example once, in a fresh random order. After each epoch we
record the mean loss (and accuracy, for a classifier) on the training batches
and on held-out validation data, which the network never learns from -- the
honest measure of how well it generalises.

Training never destroys what it learned: when the loss or the weights stop
being finite, when a callback raises, or on Ctrl-C, the model is left with the
last finite weights it had (those of the end of the previous epoch, checked),
the history so far is returned or attached to the error, and every
callback's `on_train_end` is called.

Callbacks let other code watch or steer training without a second loop:
``on_step_end`` and ``on_epoch_end`` receive the numbers so far and may
return True to stop. `EarlyStopping` is one.
"""

import math

import numpy as np

from . import backend, checks
from .backend import Array
from .datasets import train_test_split
from .init import as_generator
from .layers import ShapeError
from .metrics import accuracy


class TrainingError(ValueError):
    """Training cannot go on (the loss or the weights stopped being finite).

    The model keeps its last finite weights; the history up to that point is
    kept in ``error.history``.
    """

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history


class History(dict):
    """Per-epoch lists: ``history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ...

    ``stop_reason`` says why training ended early (None if it ran every epoch).
    """

    stop_reason: str | None = None

    def append(self, logs: dict) -> None:
        for key, value in logs.items():
            self.setdefault(key, []).append(value)


class Callback:
    """Hooks into `fit`; return True from `on_step_end` / `on_epoch_end` to stop training."""

    def on_train_begin(self, model) -> None:
        """Called once, before the first step, with the model being trained."""

    def on_step_end(self, step: int, logs: dict) -> bool | None:
        """Called after every optimizer step (`step` counts them); `logs` has the batch's "loss"."""

    def on_epoch_end(self, epoch: int, logs: dict) -> bool | None:
        """Called after every epoch with that epoch's numbers (the ones `History` keeps)."""

    def on_train_end(self, history: History) -> None:
        """Called once when training ends, however it ends (an error and Ctrl-C too)."""


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs; keep the best weights."""

    def __init__(self, monitor: str = "val_loss", patience: int = 10, restore_best: bool = True):
        self.monitor = monitor
        self.patience = checks.number("patience", patience, "[1, inf)", True, "EarlyStopping")
        self.restore_best = restore_best

    def on_train_begin(self, model) -> None:
        self.model = model
        self.best = math.inf
        self.best_weights = None
        self.waited = 0

    # shown in notebooks/06_the_training_loop.ipynb
    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping watches {self.monitor!r}: give fit validation data")
        score = logs[self.monitor]
        if "acc" in self.monitor:  # higher is better: turn it around
            score = -score
        if score < self.best:
            self.best = score
            self.best_weights = self.model.get_weights()
            self.waited = 0
            return False
        self.waited += 1
        return self.waited >= self.patience

    def on_train_end(self, history: History) -> None:
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def check_data(model, loss, X, y, name: str = "training data") -> tuple[np.ndarray, np.ndarray]:
    """Plain-words checks before any work: shapes, emptiness, NaNs, and the loss's targets.

    Returns X in the model's dtype and y, both as NumPy arrays.
    """
    X = checks.real_array(X, f"{name}: X", model.dtype, ndim=2)
    y = checks.real_array(y, f"{name}: y", model.dtype)
    if len(X) == 0:
        raise ValueError(f"{name} is empty: there is nothing to learn from")
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} examples but y has {len(y)} targets")
    try:
        n_outputs = model.predict(X[:1]).shape[1]  # one row through the network
    except ShapeError as error:
        raise ShapeError(f"{name}: X has shape {X.shape}; {error.layer}", error.detail) from None
    loss.check_targets(y, n_outputs, where=f"{name}: labels" if loss.classifier else f"{name}: y")
    return X.astype(model.dtype, copy=False), y


# shown in notebooks/06_the_training_loop.ipynb
def train_step(model, loss, optimizer, x: Array, y) -> float:
    """One step of gradient descent on the batch ``(x, y)``; returns the batch's loss."""
    outputs = model.forward(x)
    value = loss(outputs, y)
    optimizer.zero_grad()
    model.backward(loss.backward(), input_grad=False)  # nobody needs d(loss)/d(data)
    optimizer.step()
    return value


def fit(
    model,
    loss,
    optimizer,
    X,
    y,
    epochs: int = 10,
    batch_size: int = 32,
    validation: float | tuple | None = None,
    seed=0,
    callbacks=(),
    early_stopping: int | None = None,
    verbose: int = 1,
) -> History:
    """Train `model` on (X, y) with minibatch gradient descent; returns the per-epoch `History`.

    validation: a fraction of (X, y) to hold out (chosen with the seeded
    generator), or the pair ``(X_val, y_val)``; either way the network never
    learns from it. early_stopping: a patience in epochs (on the validation
    loss, best weights restored). verbose=0 hides the progress bar. Ctrl-C
    stops cleanly, keeping the last finite weights and the history so far.
    """
    epochs = checks.number("epochs", epochs, "[1, inf)", whole=True, owner="fit")
    batch_size = checks.number("batch_size", batch_size, "[1, inf)", whole=True, owner="fit")
    rng = as_generator(seed)
    X, y = check_data(model, loss, X, y)
    if validation is not None and not isinstance(validation, (tuple, list)):
        checks.number("validation", validation, "(0, 1)", owner="fit")
        X, X_val, y, y_val = train_test_split(X, y, test_size=validation, seed=rng)
        validation = (X_val, y_val)
    if validation is not None:
        if len(validation) != 2:
            raise ValueError("fit: validation must be a fraction or a pair (X_val, y_val)")
        validation = check_data(model, loss, *validation, name="validation data")
    callbacks = list(callbacks)
    if early_stopping:
        callbacks.append(EarlyStopping(patience=early_stopping))
    history = History()
    for callback in callbacks:
        callback.on_train_begin(model)
    from tqdm.auto import tqdm  # its notebook widget inside Jupyter, text elsewhere

    progress = tqdm(total=epochs, desc="training", unit="epoch", disable=not verbose)
    last_good = model.get_weights()
    model.train()
    try:
        for epoch in range(epochs):
            logs, stop = _train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks)
            if not (math.isfinite(logs["loss"]) and _finite(model)):
                model.set_weights(last_good)
                history.stop_reason = (
                    f"the loss or the weights became NaN or infinite in epoch {epoch + 1}; kept "
                    f"the last finite weights. Try a lower learning rate (now {optimizer.lr:g})."
                )
                raise TrainingError(history.stop_reason, history)
            last_good = model.get_weights()
            if validation is not None:
                results = evaluate(model, loss, *validation)
                logs.update({f"val_{key}": value for key, value in results.items()})
            history.append(logs)
            progress.update(1)
            progress.set_postfix({name: f"{value:.4f}" for name, value in logs.items()})
            for callback in callbacks:  # every callback hears of the epoch, even after a stop
                stop = bool(callback.on_epoch_end(epoch, logs)) or stop
            if stop:
                history.stop_reason = f"stopped by a callback after epoch {epoch + 1}"
                break
    except KeyboardInterrupt:
        if not _finite(model):
            model.set_weights(last_good)
        history.stop_reason = "interrupted by Ctrl-C; kept the last finite weights and the history"
    except Exception as error:
        error.history = history  # whatever went wrong, the finished epochs are not lost
        raise
    finally:
        progress.close()
        model.eval()
        for callback in callbacks:
            callback.on_train_end(history)
    return history


def _finite(model) -> bool:
    xp = backend.namespace()
    return all(bool(xp.all(xp.isfinite(p.value))) for p in model.parameters())


# shown in notebooks/06_the_training_loop.ipynb
def _train_epoch(model, loss, optimizer, X, y, batch_size: int, rng, callbacks) -> tuple:
    """One pass over the shuffled data: mean loss (and accuracy), and whether to stop."""
    order = rng.permutation(len(X))
    total_loss = 0.0
    correct = 0.0
    seen = 0
    stop = False
    for start in range(0, len(X), batch_size):
        rows = order[start : start + batch_size]
        batch_loss = train_step(model, loss, optimizer, backend.asarray(X[rows]), y[rows])
        if not math.isfinite(batch_loss):
            return {"loss": batch_loss}, True
        total_loss += batch_loss * len(rows)
        if loss.classifier:  # of the outputs the loss judged, before the step
            correct += accuracy(backend.to_numpy(loss.pred), y[rows]) * len(rows)
        seen += len(rows)
        for callback in callbacks:
            stop = bool(callback.on_step_end(optimizer.steps, {"loss": batch_loss})) or stop
        if stop:
            break
    logs = {"loss": total_loss / seen}
    if loss.classifier:
        logs["accuracy"] = correct / seen
    return logs, stop


def evaluate(model, loss, X, y, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss (and accuracy, for classifiers) of `model` on (X, y), in inference mode."""
    X, y = check_data(model, loss, X, y, name="evaluation data")
    outputs = model.outputs(X, batch_size)  # stays on the backend for the loss
    results = {"loss": loss(outputs, y)}
    if loss.classifier:
        results["accuracy"] = accuracy(backend.to_numpy(outputs), y)
    return results
