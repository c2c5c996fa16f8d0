"""Checkers for the exercises of notebook 09; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

from __future__ import annotations

import numpy as np

from .. import activations, layers, losses, model, optim, training
from ..datasets import blobs
from .harness import checker

__all__: list[str] = ["averaging_round"]


def _averaging_problem(sizes, seed: int):
    """Uneven blocks of a 3-class problem, a network maker, SGD with momentum (state matters)."""
    X, y = blobs(n=sum(sizes), centers=3, spread=1.0, seed=seed)
    X = X.astype("float64")
    cuts = np.cumsum([0, *sizes])
    blocks = [(X[a:b], y[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]

    def make_model():
        return model.Sequential(
            [layers.Dense(2, 8), activations.Tanh(), layers.Dense(8, 3)], seed=seed, dtype="float64"
        )

    def make_optimizer(network):
        return optim.SGD(network.parameters(), lr=0.1, momentum=0.9)

    return blocks, make_model, make_optimizer


def _trained(weights, make_model, make_optimizer, loss, blocks, batch_size, seeds, *, start=None):
    """Each block's weights after one dm.fit epoch from `weights` (or from where `start` says)."""
    results, current = [], weights
    for (X, y), seed in zip(blocks, seeds):
        network = make_model()
        if start != "fresh":
            network.set_weights(current if start == "sequential" else weights)
        optimizer = make_optimizer(network)
        training.fit(network, loss, optimizer, X, y, 1, batch_size, seed=seed, verbose=0)
        results.append(network.get_weights())
        current = results[-1]
    return results


def _mean(trained, shares):
    return [sum(share * w for share, w in zip(shares, layer)) for layer in zip(*trained)]


def _round_mistakes(args: tuple, trained: list, shares: list) -> list:
    """What each known mistake of averaging_round returns, with its hint; `args` are the
    round's ``(weights, make_model, make_optimizer, loss, blocks, batch_size, seeds)``."""
    blocks, seeds = args[4], args[6]
    even = [1 / len(blocks)] * len(blocks)
    return [
        (
            "a plain mean counts a small block as much as a big one: weight block k by its "
            "share of the rows, n_k / N",
            _mean(trained, even),
        ),
        (
            "that is a sum of the blocks' weights; weight each by n_k / N (the shares add "
            "up to 1, so the result is an average)",
            _mean(trained, [1.0] * len(blocks)),
        ),
        (
            "every block must start from the same `weights` (the round's), not from the "
            "weights the previous block ended with",
            _mean(_trained(*args, start="sequential"), shares),
        ),
        (
            "that is the last block's training alone, continued from block to block: train "
            "each block from `weights`, then average",
            _trained(*args, start="sequential")[-1],
        ),
        (
            "start every block from `weights` (model.set_weights(weights)): make_model() "
            "alone gives freshly drawn, untrained weights",
            _mean(_trained(*args, start="fresh"), shares),
        ),
        (
            "block k shuffles with its own seed, seeds[k], not all with the same one",
            _mean(_trained(*args[:-1], [seeds[0]] * len(blocks)), shares),
        ),
    ]


@checker
def averaging_round(run, averaging_round):
    """Check ``averaging_round(weights, make_model, make_optimizer, loss, blocks, ...)``.

    The arguments end with ``batch_size, seeds``; it returns the new weights.
    Every block ``(X_k, y_k)`` trains a fresh model holding `weights` with a
    fresh optimizer for one epoch of ``dm.fit`` (seed ``seeds[k]``), and the
    blocks' weights are averaged, each weighted by its share of the rows
    ``n_k / N``. The reference is ``dm.fit`` on each block.
    """
    loss = losses.SoftmaxCrossEntropy()
    for number, (sizes, batch_size, seed) in enumerate(
        (((30, 50, 20), 8, 0), ((45, 15), 16, 1)), start=1
    ):
        blocks, make_model, make_optimizer = _averaging_problem(sizes, seed)
        rng = np.random.default_rng(seed)  # the round's weights: not those make_model() draws
        weights = [w + 0.3 * rng.normal(size=w.shape) for w in make_model().get_weights()]
        seeds = [[seed, 0, k] for k in range(len(blocks))]
        run.case = f"{number}, blocks of {', '.join(map(str, sizes))} rows, batch_size={batch_size}"
        received = run.call(
            averaging_round,
            "averaging_round",
            {
                "weights": [w.copy() for w in weights],
                "make_model": make_model,
                "make_optimizer": make_optimizer,
                "loss": loss,
                "blocks": blocks,
                "batch_size": batch_size,
                "seeds": seeds,
            },
        )
        names = tuple(name for name, _ in make_model().named_parameters())
        received = run.outputs(received, names)
        args = (weights, make_model, make_optimizer, loss, blocks, batch_size, seeds)
        trained = _trained(*args)
        shares = [len(X) / sum(sizes) for X, _ in blocks]
        expected = _mean(trained, shares)
        mistakes = _round_mistakes(args, trained, shares)
        for index, (name, want, got) in enumerate(zip(names, expected, received)):
            run.compare(
                f"the averaged {name}",
                want,
                got,
                mistakes=[(hint, wrong[index]) for hint, wrong in mistakes],
            )
