"""The training loop: show the network the data in minibatches, over and over.

One *step*: take a batch, run it forward, measure the loss, run backward to
get every gradient, and let the optimizer move the weights. One *epoch*: as
many steps as it takes to see every training example once, in a fresh
random order. After each epoch we record the mean loss (and accuracy) on the
training batches and on held-out validation data, which the network never
learns from -- the honest measure of how well it generalises.

Callbacks let other code watch or steer training without a second loop:
``on_step_end`` and ``on_epoch_end`` receive the numbers so far and may
return True to stop. `EarlyStopping` is one.
"""
import math

import numpy as np

from . import backend
from .init import as_generator
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy, check_labels
from .metrics import accuracy


class TrainingError(ValueError):
    """Training cannot go on (the loss became NaN); the model keeps its last finite weights.

    The history up to that point is kept in ``error.history``.
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
        """Called after every optimizer step; `logs` has the batch's "loss" and the "epoch"."""

    def on_epoch_end(self, epoch: int, logs: dict) -> bool | None:
        """Called after every epoch with that epoch's numbers (the ones `History` keeps)."""

    def on_train_end(self, history: History) -> None:
        """Called once when training ends, however it ends."""


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs; keep the best weights."""

    def __init__(self, monitor: str = "val_loss", patience: int = 10, restore_best: bool = True):
        self.monitor, self.patience, self.restore_best = monitor, patience, restore_best

    def on_train_begin(self, model) -> None:
        self.model, self.best, self.best_weights, self.waited = model, math.inf, None, 0

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping watches {self.monitor!r}, which training does not "
                             f"record (it records {', '.join(logs)}); add validation data?")
        score = -logs[self.monitor] if "acc" in self.monitor else logs[self.monitor]  # lower is better
        if score < self.best:
            self.best, self.best_weights, self.waited = score, self.model.get_weights(), 0
            return False
        self.waited += 1
        return self.waited >= self.patience

    def on_train_end(self, history: History) -> None:
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def _is_classifier(loss) -> bool:
    return isinstance(loss, (SoftmaxCrossEntropy, BinaryCrossEntropy))


def check_data(model, loss, X, y, name: str = "training data"):
    """Plain-words checks before any training: shapes, emptiness, NaNs, label range."""
    X, y = np.asarray(backend.to_numpy(X)), np.asarray(backend.to_numpy(y))
    if X.ndim != 2:
        raise ValueError(f"{name}: X must be a 2-D array (examples, features), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"{name} is empty: there is nothing to learn from")
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} examples but y has {len(y)} targets")
    for label, array in (("X", X), ("y", y)):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise ValueError(f"{name}: {label} must hold numbers, got dtype {array.dtype}")
    if not np.isfinite(X.sum()) and not np.all(np.isfinite(X)):  # one pass; exact check if the sum overflowed
        raise ValueError(f"{name}: X contains NaN or infinite values; clean or impute them first")
    if isinstance(loss, SoftmaxCrossEntropy) and y.ndim == 1:
        check_labels(y, model.predict(X[:1]).shape[1], where=f"{name}: labels")
    if isinstance(loss, BinaryCrossEntropy) and (np.any(y < 0) or np.any(y > 1)):
        raise ValueError(f"{name}: BinaryCrossEntropy needs targets between 0 and 1, found {y.min()} to {y.max()}")
    return X.astype(model.dtype, copy=False), y


def fit(model, loss, optimizer, X, y, epochs: int = 10, batch_size: int = 32,
        validation: float | None = None, validation_data=None, seed=0, callbacks=(),
        early_stopping: int | None = None, verbose: int = 1) -> History:
    """Train `model` on (X, y) with minibatch gradient descent; returns the per-epoch `History`.

    validation: a fraction of (X, y) held out (chosen with the seeded generator), or
    validation_data: an explicit ``(X_val, y_val)``. early_stopping: a patience in epochs
    (on the validation loss, best weights restored). verbose=0 hides the progress bar.
    Ctrl-C stops cleanly, keeping the weights and history so far.
    """
    rng = as_generator(seed)
    X, y = check_data(model, loss, X, y)
    if validation is not None:
        if not 0 < validation < 1:
            raise ValueError(f"validation must be a fraction between 0 and 1, got {validation!r}")
        order = rng.permutation(len(X))
        n_val = max(1, int(round(len(X) * validation)))
        validation_data = (X[order[:n_val]], y[order[:n_val]])
        X, y = X[order[n_val:]], y[order[n_val:]]
    if validation_data is not None:
        validation_data = check_data(model, loss, *validation_data, name="validation data")
    callbacks = list(callbacks) + ([EarlyStopping(patience=early_stopping)] if early_stopping else [])
    for callback in callbacks:
        callback.on_train_begin(model)

    history = History()
    from tqdm.auto import tqdm  # its notebook widget inside Jupyter, text elsewhere
    progress = tqdm(total=epochs, desc="training", unit="epoch", disable=not verbose)
    model.train()
    try:
        for epoch in range(epochs):
            last_good = model.get_weights()  # once an epoch: cheap insurance against divergence
            logs, stop = _train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks, epoch)
            if not math.isfinite(logs["loss"]):
                model.set_weights(last_good)  # the weights this epoch started from were finite
                history.stop_reason = (f"the loss became NaN or infinite in epoch {epoch + 1}; training stopped, "
                                       f"keeping the last finite weights. Try a lower learning rate (now {optimizer.lr:g}).")
                raise TrainingError(history.stop_reason, history)
            if validation_data is not None:
                logs.update({f"val_{key}": value for key, value in
                             evaluate(model, loss, *validation_data).items()})
            history.append(logs)
            progress.update(1)
            progress.set_postfix({key: f"{value:.4f}" for key, value in logs.items()}, refresh=False)
            stop = any([callback.on_epoch_end(epoch, logs) for callback in callbacks]) or stop
            if stop:
                history.stop_reason = history.stop_reason or f"stopped by a callback after epoch {epoch + 1}"
                break
    except KeyboardInterrupt:
        history.stop_reason = "interrupted (Ctrl-C); the weights and history so far are kept"
    finally:
        progress.close()
        model.eval()
    for callback in callbacks:
        callback.on_train_end(history)
    return history


def _train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks, epoch):
    """One pass over the shuffled data: mean loss (and accuracy), and whether to stop."""
    order, classifier = rng.permutation(len(X)), _is_classifier(loss)
    total_loss = correct = seen = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        outputs = model.forward(backend.asarray(X[batch]))
        batch_loss = loss.forward(outputs, y[batch])
        if not math.isfinite(batch_loss):
            return {"loss": batch_loss}, True
        optimizer.zero_grad()
        model.backward(loss.backward(), input_grad=False)  # nobody needs d(loss)/d(data)
        optimizer.step()
        total_loss, seen = total_loss + batch_loss * len(batch), seen + len(batch)
        if classifier:
            correct += accuracy(backend.to_numpy(outputs), y[batch]) * len(batch)
        stop = any([callback.on_step_end(optimizer.steps, {"epoch": epoch, "loss": batch_loss})
                    for callback in callbacks])
        if stop:
            break
    return {"loss": total_loss / seen, **({"accuracy": correct / seen} if classifier else {})}, stop


def evaluate(model, loss, X, y, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss (and accuracy, for classifiers) of `model` on (X, y), in inference mode."""
    outputs = model.predict(X, batch_size=batch_size)
    # the loss of the whole set at once: outputs are already on the host and small
    results = {"loss": loss.forward(backend.asarray(outputs), y)}
    return {**results, "accuracy": accuracy(outputs, y)} if _is_classifier(loss) else results


def grad_sums(model, loss, X, y) -> tuple[float, list[np.ndarray], int]:
    """The gradient of a batch as *sums* over its rows: ``(loss_sum, grads, n)``.

    This is the contract that makes data-parallel training exact. Our losses
    are means, ``L = (1/n) sum_i l_i``, so ``n * L`` and ``n * dL/dw`` are sums
    over the rows, and sums split freely: cut the data into parts anywhere, add
    the parts' sums, divide by the total row count, and you have the gradient of
    the whole set -- whatever the sizes of the parts (one row, or none at all).

    Uses the model's ordinary forward and backward (it overwrites the model's
    ``.grad``). `grads` are NumPy arrays in ``model.parameters()`` order. An
    empty batch gives ``(0.0, zeros, 0)``, the neutral element of the sum.
    """
    model.zero_grad()
    n, loss_sum = len(X), 0.0
    if n:  # an empty batch has no mean loss; its sums are zero
        loss_sum = loss.forward(model.forward(backend.asarray(X, model.dtype)), y) * n
        model.backward(loss.backward(), input_grad=False)
    return loss_sum, [backend.to_numpy(p.grad) * n for p in model.parameters()], n
