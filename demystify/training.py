"""The training loop: show the network the data in minibatches, over and over.

One *step* (`train_step`) is five verbs: run a batch forward, measure the
loss, clear the old gradients, run backward to get every new gradient, and let
the optimizer move the weights. One *epoch* (`train_epoch`): as many steps as
it takes to see every training example once, in a fresh random order
(`minibatches`). After each epoch (`end_epoch`) we record the mean loss (and
accuracy, for a classifier) on the training batches and on held-out
validation data, which the network never learns from -- the honest measure of
how well it generalises.

These pieces are the one epoch engine of the package: `fit` is a loop over
them, and so are the Spark trainer and the widgets. `guard` begins and ends a
run the same way for all of them: whenever training stops -- at the end, when
the loss or the weights stop being finite (`TrainingError`), when a callback
raises, or on Ctrl-C -- the model holds finite weights (its own, or else the
last finite ones, those of the end of the previous epoch), the history so far
is returned or attached to the error as ``error.history``, and every
callback's `on_train_end` is called.

Callbacks let other code watch or steer training without a second loop:
``on_step_end`` and ``on_epoch_end`` receive the numbers so far and may
return True to stop. `dm.EarlyStopping` and the progress bar are two, written
on this public contract like any user's, in ``apps/callbacks.py`` (the ring).
"""

import contextlib
import math
from collections.abc import Iterator

import numpy as np

from . import checks, metrics
from .backend import Array, asarray
from .init import as_generator
from .layers import ShapeError


class TrainingError(ValueError):
    """Training cannot go on: the loss or the weights stopped being finite.

    The model keeps its last finite weights; ``error.history`` holds the epochs before.
    """


class History(dict):
    """Per-epoch lists: ``history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ...

    ``stop_reason`` says why training ended early (None if it ran every epoch).
    During a run, ``last_good`` holds the weights of the last finite epoch.
    """

    stop_reason: str | None = None
    last_good: list | None = None

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


# what training asks of each part: one that cannot do it is the wrong thing, or in the wrong place
NEEDS = dict(model="outputs", loss="check_targets", optimizer="step", callback="on_epoch_end")


def check_parts(owner: str, callbacks=(), **parts) -> None:
    """Plain words for the usual slips in passing the parts of training (named in `parts`):
    a class where an object goes (``dm.Adam`` for ``dm.Adam(...)``), loss and optimizer
    swapped, or an optimizer built for another model (or for this one before it was built
    again: it would train nothing). `owner` names the function they were given to.
    """
    for name, part in [*parts.items(), *(("callback", callback) for callback in callbacks)]:
        if isinstance(part, type) or not hasattr(part, NEEDS[name]):
            raise TypeError(f"{owner}: got {part!r:.60} as the {name}, which is no {name} object")
    optimizer = parts.get("optimizer")
    # another model's, or this one's from before it was built again (a notebook cell run twice)
    if optimizer and [*map(id, optimizer.parameters)] != [*map(id, parts["model"].parameters())]:
        raise ValueError(
            f"{owner}: the optimizer holds other parameters; build it again from model.parameters()"
        )


def check_data(model, loss, X, y, name: str = "training data") -> tuple[np.ndarray, np.ndarray]:
    """Plain-words checks before any work: shapes, emptiness, NaNs, and the loss's targets.

    This is where data enters training, and the only place it is checked.
    Returns X in the model's dtype and y, both as NumPy arrays.
    """
    X = checks.real_array(X, f"{name}: X", model.dtype, ndim=2, products=True)
    y = checks.real_array(y, f"{name}: y", model.dtype)
    if len(X) == 0:
        raise ValueError(f"{name} is empty: there is nothing to learn from")
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} examples but y has {len(y)} targets")
    if model.n_in not in (None, X.shape[1]):
        raise ShapeError(f"{name}: X has shape {X.shape}; the network takes {model.n_in} features")
    targets = f"{name}: {'labels' if loss.classifier else 'y'}"
    loss.check_targets(y, model.n_out or X.shape[1], targets)
    return X.astype(model.dtype, copy=False), y


# shown in notebooks/06_the_training_loop.ipynb
def train_step(model, loss, optimizer, x: Array, y, checked: bool = False) -> tuple[float, Array]:
    """One step of gradient descent on the batch ``(x, y)``.

    Returns the batch's mean loss and the outputs the loss judged (before the
    update). `y` is taken as checked: `fit` checks the data once, where it enters.
    The parts are checked here, unless the caller did so once already
    (``checked=True``: `train_epoch` in `fit`), which keeps the loop's steps lean.
    """
    if not checked:
        check_parts("train_step", model=model, loss=loss, optimizer=optimizer)
    outputs = model.forward(x)
    value = loss.forward(outputs, y)
    optimizer.zero_grad()
    model.backward(loss.backward(), input_grad=False)  # nobody needs d(loss)/d(data)
    optimizer.step()
    return value, outputs


def minibatches(n_rows: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """The row numbers of each minibatch of one epoch, in a fresh random order drawn from `rng`."""
    order = rng.permutation(n_rows)
    for start in range(0, n_rows, batch_size):
        yield order[start : start + batch_size]


# shown in notebooks/06_the_training_loop.ipynb
def train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks=()) -> tuple[dict, bool]:
    """One pass over the shuffled data: ``({"loss": mean, "accuracy": ...}, stop)``.

    The accuracy (for classifiers) is of the outputs the loss judged, before
    each step. `stop` is True when a callback asked for it or the loss stopped
    being finite (`end_epoch` says which). The parts and the data are taken as
    checked, once, by the caller (`fit`, `dm.spark.fit`: `check_parts`, `check_data`).
    """
    labels = metrics.labels(y) if loss.classifier else None
    total_loss = correct = seen = 0
    for rows in minibatches(len(X), batch_size, rng):
        x = asarray(X[rows], xp=model.xp)  # the batch goes where the model lives
        value, judged = train_step(model, loss, optimizer, x, y[rows], checked=True)
        if not math.isfinite(value):
            return {"loss": value}, True
        total_loss += value * len(rows)
        correct += metrics.hits(judged, labels[rows]) if labels is not None else 0
        seen += len(rows)
        # a list, not a generator: every callback hears of the step, even after one said stop
        stop = any([cb.on_step_end(optimizer.steps, {"loss": value}) for cb in callbacks])
        if stop:
            break
    logs = {"loss": total_loss / seen}
    if labels is not None:
        logs["accuracy"] = correct / seen
    return logs, stop


def _finite(model) -> bool:
    return all(bool(model.xp.all(model.xp.isfinite(p.value))) for p in model.parameters())


@contextlib.contextmanager
def guard(model, callbacks=()) -> Iterator[History]:
    """Begin and end one training run; yields its `History` (for `end_epoch`).

    Begins: every callback's `on_train_begin`, training mode, and the weights
    noted as the last finite ones. Ends, however the run ends: finite weights
    in the model (its own, else ``history.last_good``), the history attached to
    any error as ``error.history`` (Ctrl-C is no error: the run just stops, with
    a `stop_reason`), inference mode, and every callback's `on_train_end` (a second
    Ctrl-C while they run cuts them short: the history is kept all the same).
    """
    history = History()
    history.last_good = model.get_weights()
    for callback in callbacks:
        callback.on_train_begin(model)
    model.train()
    try:
        yield history
    except KeyboardInterrupt:
        history.stop_reason = "interrupted by Ctrl-C; kept the last finite weights and the history"
    except Exception as error:
        error.history = history  # whatever went wrong, the finished epochs are not lost
        raise
    finally:
        if not _finite(model):
            model.set_weights(history.last_good)
        history.last_good = None
        model.eval()
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: the history is still kept
            for callback in callbacks:
                callback.on_train_end(history)


def end_epoch(
    model, loss, optimizer, history, epoch, logs, stop=False, validation=None, callbacks=()
) -> bool:
    """The bookkeeping after epoch number `epoch` (from 0) of a run begun by `guard`; True: stop.

    Arguments: the `model`, `loss` and `optimizer` being trained; `history`,
    the `History` that ``guard(model, callbacks)`` yielded; `logs`, the epoch's
    training numbers (``{"loss": mean, "accuracy": ...}`` from `train_epoch`, or
    summed by the Spark trainer); `stop`, whether something in the epoch asked
    to stop already (a callback's `on_step_end`); `validation`, None or the pair
    ``(X_val, y_val)`` as `check_data` returned it; `callbacks`, the run's.

    If the loss or the weights are not finite, the model gets
    ``history.last_good`` back and `TrainingError` says so (naming the
    optimizer's learning rate). Else those weights become the last good ones,
    the validation numbers ("val_loss", "val_accuracy") join `logs`, `history`
    records them, and every callback's `on_epoch_end` hears of the epoch (even
    after one asked to stop). Call it once per epoch, in order::

        with guard(model, callbacks) as history:
            for epoch in range(epochs):
                logs, stop = train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks)
                if end_epoch(model, loss, optimizer, history, epoch, logs, stop, val, callbacks):
                    break
    """
    if not (math.isfinite(logs["loss"]) and _finite(model)):
        model.set_weights(history.last_good)
        history.stop_reason = (
            f"the loss or the weights became NaN or infinite in epoch {epoch + 1}; kept the last "
            f"finite weights. The data were checked to fit {model.dtype} (and any eps too), so the "
            f"steps were too large: try a lower learning rate (now {optimizer.lr:g})."
        )
        raise TrainingError(history.stop_reason)
    history.last_good = model.get_weights()
    if validation is not None:
        logs.update({f"val_{k}": v for k, v in evaluate(model, loss, *validation).items()})
    history.append(logs)
    # a list, not a generator: every callback hears of the epoch, even after one said stop
    stop = any([callback.on_epoch_end(epoch, logs) for callback in callbacks]) or stop
    if stop:
        history.stop_reason = f"stopped by a callback after epoch {epoch + 1}"
    return stop


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
    loss, best weights restored). verbose=0 hides the progress bar. However
    training ends (a `TrainingError`, an error in a callback, Ctrl-C), the
    model keeps finite weights and the history so far (see `guard`).
    """
    epochs = checks.number("epochs", epochs, "[1, inf)", whole=True, owner="fit")
    batch_size = checks.number("batch_size", batch_size, "[1, inf)", whole=True, owner="fit")
    rng = as_generator(seed)
    callbacks = [callbacks] if hasattr(callbacks, "on_epoch_end") else list(callbacks or ())
    check_parts("fit", callbacks, model=model, loss=loss, optimizer=optimizer)
    X, y = check_data(model, loss, X, y)
    if validation is not None and not isinstance(validation, (tuple, list)):
        fraction = checks.number("validation", validation, "(0, 1)", owner="fit")
        n_val = max(1, round(len(X) * fraction))
        if n_val >= len(X):
            raise ValueError(f"fit: {validation=} of {len(X)} rows leaves none to train on")
        order = rng.permutation(len(X))  # the held-out rows first
        validation = X[order[:n_val]], y[order[:n_val]]
        X, y = X[order[n_val:]], y[order[n_val:]]
    elif validation is not None:
        if len(validation) != 2:
            raise ValueError("fit: validation must be a fraction or a pair (X_val, y_val)")
        validation = check_data(model, loss, *validation, name="validation data")
    from .apps.callbacks import EarlyStopping, ProgressBar  # plug-ins, in the ring

    callbacks += [ProgressBar(epochs)] if verbose else []
    callbacks += [EarlyStopping(patience=early_stopping)] if early_stopping else []
    with guard(model, callbacks) as history:
        for epoch in range(epochs):
            logs, stop = train_epoch(model, loss, optimizer, X, y, batch_size, rng, callbacks)
            if end_epoch(model, loss, optimizer, history, epoch, logs, stop, validation, callbacks):
                break
    return history


def evaluate(model, loss, X, y, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss (and accuracy, for classifiers) of `model` on (X, y), in inference mode."""
    check_parts("evaluate", model=model, loss=loss)
    X, y = check_data(model, loss, X, y, name="evaluation data")
    outputs = model.outputs(X, batch_size)  # stays on the backend for the loss
    results = {"loss": loss.forward(outputs, y)}
    if loss.classifier:
        results["accuracy"] = metrics.hits(outputs, metrics.labels(y)) / len(y)
    return results
