"""Checkers for the exercises of notebook 08; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.

`logsumexp` is checked on every backend this machine has, not only NumPy:
the same function must run unchanged under ``dm.use(name)`` for each name in
``dm.available_backends()``. ``array_api_strict`` goes right after NumPy,
because it is the strictest referee: it refuses the NumPy-only habits
(``x.max()``, ``np.exp`` on its arrays, integer-array assignment) that NumPy
itself lets pass, and the checker names the habit.
"""

import re

import numpy as np

from .. import activations, backend
from .harness import RaisedInYourCode, cases, checker, describe

__all__: list[str] = ["logsumexp"]

# NumPy's names for functions the array API standard spells differently
RENAMED = {
    "concatenate": "concat",
    "power": "pow",
    "absolute": "abs",
    "amax": "max",
    "amin": "min",
    "transpose": "permute_dims",
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
}


def _backends() -> list[str]:
    """NumPy first, then the strict standard, then whatever else this machine has."""
    names = backend.available_backends()
    strict = [name for name in names if name == "array_api_strict"]
    return ["numpy", *strict, *[name for name in names if name not in ("numpy", *strict)]]


def _habit(error: Exception, name: str) -> str | None:
    """The NumPy-only habit an error from a non-NumPy backend points to, in words."""
    text = str(error)
    if "return_types" in text:  # torch: x.max(axis=...) answers (values, indices)
        return (
            "`x.max(...)` on a torch tensor returns a pair (values, indices); the standard's "
            "function `xp.max(x, axis=1, keepdims=True)` returns the values on every backend"
        )
    method = re.search(r"'(?:Array|Tensor|ndarray)' object has no attribute '(\w+)'", text)
    if isinstance(error, AttributeError) and method:
        call = method.group(1)
        return (
            f"`x.{call}(...)` is a NumPy array method; the array API standard has the function "
            f"instead: `xp.{RENAMED.get(call, call)}(x, ...)`, with `xp = dm.namespace()`"
        )
    missing = re.search(r"module '[\w.]+' has no attribute '(\w+)'", text)
    if isinstance(error, AttributeError) and missing:
        call = missing.group(1)
        better = f"; the standard's name is `xp.{RENAMED[call]}`" if call in RENAMED else ""
        return f"`xp.{call}` is a NumPy name that the array API standard does not have{better}"
    if isinstance(error, IndexError) or "Fancy indexing" in text:
        return (
            "assigning through integer-array indices (x[rows, cols] = ...) is not in the "
            "standard: build the change from a comparison (a one-hot mask) and xp.where"
        )
    if "positional argument" in text:
        return "the standard's reductions take the axis by name: `xp.max(x, axis=1, keepdims=True)`"
    if "numpy" in text.lower() or "ndarray" in text:
        return (
            f"a NumPy array met an array of the {name} backend: call xp's functions "
            "(`xp = dm.namespace()`, inside your function), not np's"
        )
    return None


def _reference(x: np.ndarray) -> np.ndarray:
    """The library's own answer: log softmax(x) = x - logsumexp(x), so logsumexp = x - log softmax.

    (Any column would do; the first is taken.)
    """
    _, log_probabilities = activations.softmax_with_log(x)
    return x[:, 0] - log_probabilities[:, 0]


def _mistakes(x: np.ndarray, expected: np.ndarray) -> list:
    """(hint, what that mistake returns) for the classic logsumexp errors, computed in NumPy."""
    row_max = x.max(axis=1, keepdims=True)
    flat_max = x.max(axis=1)  # without keepdims: x - flat_max pairs it with the columns

    def over_columns():
        column_max = x.max(axis=0, keepdims=True)
        return column_max[0] + np.log(np.exp(x - column_max).sum(axis=0))

    return [
        (
            "exp overflowed (or a row of tiny exps summed to 0, and log(0) = -inf): subtract "
            "each row's maximum m before exp and add it back, log sum e^x = m + log sum e^(x - m)",
            lambda: np.log(np.exp(x).sum(axis=1)),
        ),
        (
            "the row's maximum was subtracted but never added back: "
            "log sum e^x = m + log sum e^(x - m)",
            lambda: np.log(np.exp(x - row_max).sum(axis=1)),
        ),
        (
            "the maximum must be each row's own (axis=1): one maximum for the whole batch still "
            "lets exp underflow to 0 for rows far below it",
            lambda: x.max() + np.log(np.exp(x - x.max()).sum(axis=1)),
        ),
        (
            "the row maxima lost their axis: without keepdims=True, x - m pairs m with the "
            "columns, not the rows; keep it of shape (batch, 1) with keepdims=True",
            lambda: flat_max + np.log(np.exp(x - flat_max).sum(axis=1)),
        ),
        ("sum along each row (axis=1), not down the columns (axis=0)", over_columns),
        (
            "return one number per row, shape (batch,): drop the kept axis at the end "
            "(m[:, 0], or xp.squeeze(..., axis=1))",
            expected[:, None],
        ),
        (
            "that is log-softmax, x - logsumexp(x): return the logsumexp itself, one number "
            "per row",
            x - expected[:, None],
        ),
        (
            "that is the log of the mean of e^x: the sum has no division by the number of columns",
            expected - np.log(x.shape[1]),
        ),
    ]


def _logsumexp_inputs() -> list[np.ndarray]:
    """The scores logsumexp is checked on; the third are very large (no naive exp survives)."""
    rngs = cases((0, 1, 2, 3))
    large = np.array(
        [
            [1000.0, 999.0, 998.0, 990.0],
            [-1000.0, -1001.0, -1003.0, -999.5],
            [710.0, 0.0, -710.0, 300.0],
        ]
    )  # exp(1000) is inf and exp(-1000) is 0 in float64
    return [
        3 * rngs[0].normal(size=(4, 4)),
        3 * rngs[1].normal(size=(5, 3)),
        large,
        rngs[3].normal(size=(1, 6)),
    ]


@checker
def logsumexp(run, logsumexp):
    """Check ``logsumexp(x) -> (batch,)``, log sum_j exp(x[i, j]) per row, on every backend here.

    The reference is the library's `softmax_with_log` (``x - log softmax(x)``);
    each case runs under ``dm.use(name)`` for NumPy, ``array_api_strict`` and
    the rest of ``dm.available_backends()``, with ``x`` moved there by
    ``dm.asarray``, and the answer must come back as that backend's array.
    """
    inputs = _logsumexp_inputs()
    for number, x in enumerate(inputs, start=1):
        expected = _reference(x)
        before = run.passed
        for name in _backends():
            run.case = f"{number}, with {describe({'x': x})}, on the {name} backend" + (
                " -- very large scores" if number == 3 else ""
            )
            with backend.use(name):
                given = backend.asarray(np.array(x), "float64")  # a copy of our own
                kind = type(given)
                try:
                    received = run.call(logsumexp, "logsumexp", {"x": given}, copy=False)
                except RaisedInYourCode as failure:  # NotImplementedYet is raised first, on NumPy
                    if name == "numpy":
                        raise  # their own bug, in plain words
                    error = failure.error
                    first_line = (str(error).splitlines() or [""])[0]
                    run.fail(
                        f"it works on NumPy, but raised {type(error).__name__} on {name}: "
                        f"{first_line}",
                        _habit(error, name),
                    )
                if name == "numpy" and not np.array_equal(given, x):
                    run.fail(
                        "logsumexp changed the array it was given (x -= m writes into the "
                        "caller's scores).",
                        "compute a new array instead: shifted = x - m",
                    )
                if name != "numpy" and received is not None and type(received) is not kind:
                    run.fail(
                        f"on the {name} backend it returned a {type(received).__module__}."
                        f"{type(received).__name__}, not a {kind.__module__}.{kind.__name__}: "
                        "somewhere it used NumPy instead of xp.",
                        "call xp's functions (xp.exp, xp.log, xp.sum, xp.max with "
                        "xp = dm.namespace(), inside your function), not np's: on a GPU a "
                        "NumPy call copies the data to the host, or fails",
                    )
                got = None if received is None else backend.to_numpy(received)
            what = f"logsumexp(x) on the {name} backend"
            run.compare(what, expected, got, mistakes=_mistakes(x, expected))
        run.passed = before + 1  # one check per case, however many backends this machine has
