"""Checkers for the exercises of notebook 06 that are newer than those in `check`.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

from __future__ import annotations

import numpy as np

from .. import activations, layers, losses, model, optim, training
from ..datasets import moons
from .harness import checker

__all__: list[str] = ["fit_with_early_stopping"]

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
    run.compare(
        "val_losses (one validation loss per epoch that ran)",
        history["val_loss"],
        received[1],
        mistakes=[
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
                "watch the validation loss, not the training loss: that is what tells "
                "learning from memorising",
                part(1, monitor="train"),
            ),
            (
                "measure the validation loss after the epoch's steps, not before them",
                part(1, measure_first=True),
            ),
            (
                "set the count back to 0 whenever the validation loss reaches a new lowest "
                "value: patience counts epochs *in a row* without improvement",
                part(1, reset=False),
            ),
            (
                "these look like the training losses: return (losses, val_losses) in this order",
                history["loss"],
            ),
            *order_hints,
        ],
    )
    run.compare(
        "losses (the mean training loss of each epoch)",
        history["loss"],
        received[0],
        mistakes=[
            (
                "these look like the validation losses: return (losses, val_losses) in this order",
                history["val_loss"],
            ),
            *order_hints,
        ],
    )
    final = learner[0].get_weights()
    for index, (name, _) in enumerate(learner[0].named_parameters()):
        run.compare(
            f"the model's {name} after your function returned",
            expected_weights[index],
            final[index],
            mistakes=[
                (
                    "the model kept the weights of the last epoch: at the end, put back the "
                    "weights of the best epoch, model.set_weights(best_weights), with "
                    "best_weights a copy (model.get_weights()) taken when the validation loss "
                    "was lowest",
                    lambda index=index: variant(restore=False)()[2][index],
                ),
            ],
        )
