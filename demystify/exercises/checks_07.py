"""Checkers for the exercises of notebook 07; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

import numpy as np

from .. import activations, datasets, layers, losses, model, optim, training
from .harness import checker, describe

__all__: list[str] = ["largest_change"]

# (seed, which weight matrix): real snapshots, five SGD steps apart. In the first two the entry
# that moved most went *down*, and another went up the most, so a missing abs() shows; the
# matrices are not square, so swapped indices show too.
_SNAPSHOTS = ((0, "0.weights"), (3, "2.weights"), (1, "2.weights"))


def _snapshots(seed: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A weight matrix of a 2-5-3 network before and after five steps of `dm.train_step`."""
    X, y = datasets.blobs(n=60, centers=3, seed=seed)
    X = X.astype("float64")
    network = model.Sequential(
        [layers.Dense(2, 5), activations.Tanh(), layers.Dense(5, 3)], seed=seed, dtype="float64"
    )
    names = [n for n, _ in network.named_parameters()]
    optimizer = optim.SGD(network.parameters(), lr=0.5)
    before = network.get_weights()[names.index(name)]
    for k in range(5):
        rows = slice(12 * k, 12 * (k + 1))
        training.train_step(network, losses.SoftmaxCrossEntropy(), optimizer, X[rows], y[rows])
    return before, network.get_weights()[names.index(name)]


def _entry(flat_index, shape) -> np.ndarray:
    return np.array(np.unravel_index(flat_index, shape), dtype=float)


def _entry_mistakes(delta, after, expected, flat: int) -> list:
    """The entries the known mistakes of largest_change give, each with its hint."""
    return [
        (
            "that entry went up the most, but another moved further *down*: compare "
            "sizes, np.abs(after - before)",
            _entry(np.argmax(delta), delta.shape),
        ),
        (
            "that is the largest weight, not the largest change: subtract the snapshots "
            "first, after - before",
            _entry(np.argmax(np.abs(after)), delta.shape),
        ),
        (
            "row and column look swapped: i is the row (the unit the arrow comes from), "
            "j the column (the unit it goes to)",
            expected[::-1],
        ),
        (
            "np.argmax gives one flat index; np.unravel_index(flat, delta.shape) turns it "
            "into (row, column) (divmod needs the number of columns, not of rows)",
            np.array(divmod(flat, delta.shape[0]), dtype=float),
        ),
    ]


def _change_mistakes(delta, after, row: int, col: int) -> list:
    """The changes the known mistakes of largest_change give for entry (row, col)."""
    sign = (
        "keep the sign: the change is after - before, negative when the weight went down "
        "(not before - after, nor its size)"
    )
    return [
        (sign, -delta[row, col]),
        (sign, abs(delta[row, col])),
        (
            "that is the weight itself after the steps; the change is after - before",
            after[row, col],
        ),
    ]


@checker
def largest_change(run, largest_change):
    """Check ``largest_change(before, after) -> (i, j, change)``: the entry of a weight matrix
    that moved most between two snapshots (by size, up or down) and its signed change
    ``after[i, j] - before[i, j]``."""
    for number, (seed, name) in enumerate(_SNAPSHOTS, start=1):
        before, after = _snapshots(seed, name)
        delta = after - before
        args = {"before": before, "after": after}
        run.case = f"{number}, {name} of a 2-5-3 network five steps apart, with {describe(args)}"
        received = run.call(largest_change, "largest_change", args)
        i, j, change = run.outputs(received, ("i", "j", "change"))
        flat = int(np.argmax(np.abs(delta)))
        expected = _entry(flat, delta.shape)
        row, col = (int(v) for v in expected)
        try:
            where = np.array([float(i), float(j)])
        except (TypeError, ValueError):
            run.fail(
                f"i and j should be two whole numbers, the row and the column; got {i!r} and {j!r}",
                "np.unravel_index(flat_index, shape) gives them as a pair",
            )
        run.compare(
            "the entry (i, j)",
            expected,
            where,
            mistakes=_entry_mistakes(delta, after, expected, flat),
        )
        run.compare(
            f"the change of entry ({row}, {col})",
            delta[row, col],
            change,
            scalar=True,
            mistakes=_change_mistakes(delta, after, row, col),
        )
