"""Checkers for the exercises of notebook 06; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations, layers, losses, model, optim, training
from ..apps.accuracy import accuracy
from ..datasets import moons
from .harness import checker, same

__all__: list[str] = ["training_loop", "fit_with_early_stopping"]

NAMES = ("model", "loss", "optimizer", "X", "y", "X_val", "y_val")
NAMES += ("epochs", "batch_size", "seed", "patience")


def _overfitting_problem(seed: int):
    """40 noisy moons to train on, 220 to validate on, and a fresh float64 network for them."""
    X_all, y_all = moons(n=260, noise=0.3, seed=seed)
    X_all = X_all.astype("float64")
    data = (X_all[:40], y_all[:40], X_all[40:], y_all[40:])

    def fresh():
        network = model.Sequential(
            [layers.Dense(2, 32), activations.ReLU(), layers.Dense(32, 2)],
            seed=seed,
            dtype="float64",
        )
        return network, losses.SoftmaxCrossEntropy(), optim.Adam(network.parameters(), lr=0.05)

    return data, fresh


def _variant(
    network,
    loss,
    optimizer,
    X,
    y,
    X_val,
    y_val,
    epochs,
    batch_size,
    seed,
    patience,
    *,
    restore=True,
    late=False,
    monitor="val",
    measure_first=False,
    reset=True,
    stop=True,
    shuffle=True,
):
    """Early stopping with one known mistake switched on: (losses, val_losses, final weights)."""
    rng = np.random.default_rng(seed)
    history, val_history = [], []
    best, best_weights, waited = np.inf, network.get_weights(), 0
    for _ in range(epochs):
        before = loss.forward(network.predict(X_val), y_val) if measure_first else None
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            batch_losses.append(training.train_step(network, loss, optimizer, X[rows], y[rows])[0])
        history.append(float(np.mean(batch_losses)))
        after = before if measure_first else loss.forward(network.predict(X_val), y_val)
        val_history.append(after)
        score = val_history[-1] if monitor == "val" else history[-1]
        if score < best:
            best, best_weights = score, network.get_weights()
            waited = 0 if reset else waited
        else:
            waited += 1
            if stop and (waited > patience if late else waited >= patience):
                break
    if restore:
        network.set_weights(best_weights)
    return history, val_history, network.get_weights()


@checker
def fit_with_early_stopping(run, fit_with_early_stopping):
    """Check ``fit_with_early_stopping(model, loss, optimizer, X, y, X_val, y_val, epochs,
    batch_size, seed, patience) -> (losses, val_losses)`` and the weights it leaves in the model.

    The reference is ``dm.fit(..., validation=(X_val, y_val), early_stopping=patience)`` on an
    identical fresh network with the same seed: the same shuffles, the same stopping epoch,
    the same restored weights.
    """
    # (data seed, epochs, patience): case 1 stops early, case 2 runs every epoch
    settings = ((2, 60, 4), (1, 8, 4))
    batch_size = 10  # 40 examples: four whole batches, so a plain mean is the weighted one
    for number, (seed, epochs, patience) in enumerate(settings, start=1):
        _early_stopping_case(
            run, fit_with_early_stopping, number, seed, epochs, patience, batch_size
        )


def _early_stopping_case(run, fit_with_early_stopping, number, seed, epochs, patience, batch_size):
    """One check case: dm.fit with early stopping, the learner's function, the known mistakes."""
    (X, y, X_val, y_val), fresh = _overfitting_problem(seed)
    reference = fresh()
    history = training.fit(
        *reference,
        X,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation=(X_val, y_val),
        early_stopping=patience,
        seed=seed,
        verbose=0,
    )
    expected_weights = reference[0].get_weights()
    learner = fresh()
    values = (*learner, X, y, X_val, y_val, epochs, batch_size, seed, patience)
    args = dict(zip(NAMES, values))
    stopped = "stops early" if len(history["loss"]) < epochs else "runs every epoch"
    run.case = (
        f"{number}, 40 noisy moons to train on and 220 to validate on, epochs={epochs}, "
        f"batch_size={batch_size}, seed={seed}, patience={patience}: dm.fit {stopped}, "
        f"after {len(history['loss'])} epochs"
    )
    received = run.outputs(
        run.call(fit_with_early_stopping, "fit_with_early_stopping", args),
        ("losses", "val_losses"),
    )

    def variant(**mistake):
        return lambda: _variant(
            *fresh(), X, y, X_val, y_val, epochs, batch_size, seed, patience, **mistake
        )

    def part(index, **mistake):
        make = variant(**mistake)
        return lambda: make()[index]

    order_hints = [
        (
            "shuffle the data every epoch, with one generator made once from the seed",
            part(1, shuffle=False),
        ),
    ]
    swapped = "these look like the {} losses: return (losses, val_losses) in this order"
    run.compare(
        "val_losses (one validation loss per epoch that ran)",
        history["val_loss"],
        received[1],
        mistakes=_stopping_mistakes(part)
        + [(swapped.format("training"), history["loss"]), *order_hints],
    )
    run.compare(
        "losses (the mean training loss of each epoch)",
        history["loss"],
        received[0],
        mistakes=[(swapped.format("validation"), history["val_loss"]), *order_hints],
    )
    _best_weights_restored(run, learner[0], expected_weights, variant)


def _stopping_mistakes(part) -> list:
    """(hint, the validation losses that mistake gives) pairs; `part(1, ...)` runs one."""
    return [
        (
            "it never stopped: stop once `patience` epochs in a row brought no new lowest "
            "*validation* loss (the training loss keeps falling: it is not the one to watch)",
            part(1, stop=False),
        ),
        (
            "one epoch too many: stop as soon as the count of epochs without improvement "
            "reaches patience (count >= patience), not when it exceeds it",
            part(1, late=True),
        ),
        (
            "watch the validation loss, not the training loss: "
            "that is what tells learning from memorising",
            part(1, monitor="train"),
        ),
        (
            "measure the validation loss after the epoch's steps, not before them",
            part(1, measure_first=True),
        ),
        (
            "set the count back to 0 whenever the validation loss reaches a new lowest value: "
            "patience counts epochs *in a row* without improvement",
            part(1, reset=False),
        ),
    ]


def _best_weights_restored(run, network, expected_weights, variant) -> None:
    """The learner's model ends with the best epoch's weights, as dm.fit's does."""
    final = network.get_weights()
    for index, (name, _) in enumerate(network.named_parameters()):
        run.compare(
            f"the model's {name} after your function returned",
            expected_weights[index],
            final[index],
            mistakes=[
                (
                    "the model kept the weights of the last epoch: at the end, put back the "
                    "weights of the best epoch, model.set_weights(best_weights), with "
                    "best_weights a copy (model.get_weights()) taken "
                    "when the validation loss was lowest",
                    lambda index=index: variant(restore=False)()[2][index],
                ),
            ],
        )


def _problem(n: int, seed: int):
    """A small seeded 3-class problem and a fresh float64 network, loss and optimizer for it."""
    from ..datasets import blobs

    X, y = blobs(n=n, centers=3, spread=1.0, seed=seed)
    X = X.astype("float64")

    def fresh():
        network = model.Sequential(
            [layers.Dense(2, 16), activations.ReLU(), layers.Dense(16, 3)],
            seed=seed,
            dtype="float64",
        )
        return (
            network,
            losses.SoftmaxCrossEntropy(),
            optim.SGD(network.parameters(), lr=0.05, momentum=0.9),
        )

    return X, y, fresh


def _variant_loop(
    network,
    loss,
    optimizer,
    X,
    y,
    epochs,
    batch_size,
    seed,
    *,
    zero_grad=True,
    step=True,
    shuffle=True,
    rng_per_epoch=False,
    reduce="mean",
    last_batch=True,
):
    """The training loop with a known mistake switched on; the checker compares with its losses."""
    rng, history = np.random.default_rng(seed), []
    for _ in range(epochs):
        if rng_per_epoch:
            rng = np.random.default_rng(seed)
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        end = len(X) if last_batch else len(X) - len(X) % batch_size
        batch_losses = []
        for start in range(0, end, batch_size):
            batch = order[start : start + batch_size]
            value = loss.forward(network.forward(X[batch]), y[batch])
            if zero_grad:
                optimizer.zero_grad()
            network.backward(loss.backward())
            if step:
                optimizer.step()
            batch_losses.append(value)
        history.append(float(np.sum(batch_losses) if reduce == "sum" else np.mean(batch_losses)))
    return history


TRAINING_CASES = ((120, 8, 20, 0), (150, 6, 32, 1))  # (examples, epochs, batch_size, seed)
ACCURACY_SLACK = 0.02  # the learner's loop may end a little below fit's (a plain mean, say)


@checker
def training_loop(run, training_loop):
    """Check ``training_loop(model, loss, optimizer, X, y, epochs, batch_size, seed) -> losses``.

    The reference is ``dm.fit`` on an identical fresh network: the same seed gives
    the same shuffles, so a correct loop reproduces its per-epoch losses exactly.
    """
    for number, (n, epochs, batch_size, seed) in enumerate(TRAINING_CASES, start=1):
        _training_case(run, training_loop, number, n, epochs, batch_size, seed)


def _training_case(run, training_loop, number, n, epochs, batch_size, seed) -> None:
    """One case: the learner's losses against fit's, then the loss falls and accuracy is reached."""
    X, y, fresh = _problem(n, seed)
    reference = fresh()
    expected = training.fit(
        *reference, X, y, epochs=epochs, batch_size=batch_size, seed=seed, verbose=0
    )["loss"]
    target_accuracy = accuracy(reference[0].predict(X), y)
    learner = fresh()
    args = dict(zip(("model", "loss", "optimizer"), learner))
    args.update(X=X, y=y, epochs=epochs, batch_size=batch_size, seed=seed)
    run.case = (
        f"{number}, {n} examples of 3 blob classes, epochs={epochs}, batch_size={batch_size}, "
        f"seed={seed}"
    )
    received = run.call(training_loop, "training_loop", args)
    _one_loss_per_epoch(run, received, epochs, batches=math.ceil(n / batch_size))

    def variant(**mistake):
        return lambda: _variant_loop(*fresh(), X, y, epochs, batch_size, seed, **mistake)

    if n % batch_size:  # fit weights the smaller last batch less; a plain mean is fine too
        plain_mean = variant()()
        try:
            if same(np.asarray(received, dtype=float), plain_mean):
                expected = plain_mean
        except (TypeError, ValueError):
            pass  # not numbers: compare() below says so
    run.compare(
        "the list of per-epoch losses", expected, received, mistakes=_loop_mistakes(variant)
    )
    losses_seen = [float(value) for value in received]
    if not losses_seen[-1] < losses_seen[0]:
        run.fail(
            f"the loss did not go down ({losses_seen[0]:.4g} -> {losses_seen[-1]:.4g}).",
            "is optimizer.step() called after backward in every step?",
        )
    run.passed += 1
    reached = accuracy(learner[0].predict(X), y)
    if reached < target_accuracy - ACCURACY_SLACK:
        run.fail(
            f"after training, the model reaches accuracy {reached:.3f}; the library's "
            f"loop reaches {target_accuracy:.3f} on the same problem."
        )
    run.passed += 1


def _one_loss_per_epoch(run, received, epochs: int, batches: int) -> None:
    """Fail unless the learner returned a list with one loss per epoch."""
    if received is None:
        run.fail(
            "it returned None; it should return the list of per-epoch mean losses.",
            "did you forget the `return` line?",
        )
    try:
        count = len(received)
    except TypeError:
        run.fail(
            f"it should return a list of per-epoch losses, but it returned a "
            f"{type(received).__name__}."
        )
    if count != epochs:
        run.fail(
            f"it returned {count} losses for {epochs} epochs; expected one per epoch.",
            "record one number per epoch, the mean of that epoch's batch losses, not one per batch"
            if count == epochs * batches
            else None,
        )
    run.passed += 1


def _loop_mistakes(variant) -> list:
    """(hint, the losses that mistake gives) pairs; `variant` runs the loop with one mistake."""
    return [
        ("the losses stay flat: call optimizer.step() after backward", variant(step=False)),
        (
            "gradients piled up from step to step: "
            "call optimizer.zero_grad() before backward in every step",
            variant(zero_grad=False),
        ),
        ("shuffle the data every epoch: order = rng.permutation(len(X))", variant(shuffle=False)),
        (
            "make the generator once, before the epochs (rng = np.random.default_rng(seed)), "
            "so every epoch gets a fresh order",
            variant(rng_per_epoch=True),
        ),
        (
            "mean vs sum: record the mean of the batch losses in each epoch, not their sum",
            variant(reduce="sum"),
        ),
        (
            "the last, smaller batch was left out: range(0, len(X), batch_size) covers it",
            variant(last_batch=False),
        ),
    ]
