"""The exercise harness: how a checker runs your function, compares, and explains a mistake.

Each notebook's checkers (in `check` and the ``checks_NN`` modules) are written
with these pieces: `checker` turns ``check(run, *functions)`` into the public
``check.name(function)``; a `Run` calls your function on copies of the inputs,
compares every output with the library's own answer (`Run.compare`), and fails
with plain words and, when the wrong answer is exactly what a well-known mistake
gives, a hint naming it.

Whatever goes wrong inside the learner's code is said in words too: an error it
raises becomes `RaisedInYourCode`, one paragraph (what was called, with which
inputs, the error, the line of *their* code that raised; no traceback); a call
still running after `TIME_LIMIT` seconds is stopped (a timer signal, on the main
thread where notebooks and tests run); text, complex numbers and True/False are
refused where numbers belong; `keep_inputs` catches an array changed in place; and
`learner_code.no_python_loop` reads a function's code with `ast` where an exercise asks for no
loop.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from .. import backend, layers
from .learner_code import TooSlow, time_limit, where_it_raised

RTOL, ATOL = 1e-5, 1e-7  # loose enough for float32 work, tight enough to catch any real mistake
TIME_LIMIT = 10.0  # seconds one call of the learner's function may take before the checker stops it


class ExerciseFailed(AssertionError):
    """Your function gave a wrong answer; the message says which output, where, and why, likely."""

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it: its usual traceback, with the checker's files named inside the
        package (``demystify/exercises/harness.py``), never by their path on this machine, so
        a notebook that stores the output carries no trace of the machine that ran it."""
        from IPython import get_ipython  # only IPython calls this, so it is there

        shell = get_ipython()
        if shell is None:
            return [f"{type(self).__name__}: {self}"]
        lines = shell.InteractiveTB.structured_traceback(type(self), self, self.__traceback__)
        for folder in _PACKAGE_FOLDERS:
            lines = [line.replace(folder, "") for line in lines]
        return lines


# where the package lies on this machine (as imported, and with links resolved), with the sep
_PACKAGE_FOLDERS = {
    str(Path(__file__).parents[2]) + os.sep,
    str(Path(__file__).resolve().parents[2]) + os.sep,
}


class NotImplementedYet(ExerciseFailed):
    """The exercise still holds its stub, ``raise NotImplementedError``."""


class RaisedInYourCode(ExerciseFailed):
    """Your function raised an error: the message says what was called, with which inputs, and
    the line of your code that raised; the error itself is kept as `error`."""

    def __init__(self, message: str, error: BaseException | None = None):
        super().__init__(message)
        self.error = error


def checker(check):
    """Turn ``check(run, *functions) -> None`` into a public checker.

    It forces the NumPy backend, prints the success line, and re-raises a
    failure from here with no traceback below, so the notebook shows the
    message and not the checker's insides.
    """
    name = check.__name__

    @functools.wraps(check)
    def public(*functions) -> None:
        try:
            with backend.use("numpy"):
                run = Run(name)
                for function in functions:
                    if not callable(function):
                        run.fail(
                            f"check.{name} wants your function itself, as in check.{name}({name}); "
                            f"it got {function!r}, a {type(function).__name__}"
                        )
                check(run, *functions)
        except ExerciseFailed as failure:
            raise failure.with_traceback(None) from None
        print(f"✅ {name} passed {run.passed} checks.")

    return public


def _inputs(arguments: dict, case: str) -> str:
    """``with x of shape (4, 3)``, or ``on this case's inputs`` when the case says them already."""
    described = describe(arguments)
    if not described:
        return "with no arguments"
    return "on this case's inputs" if described in case else f"with {described}"


def describe(arguments: dict) -> str:
    """``x of shape (4, 3), lr 0.1, model a Sequential`` for a failure message."""

    def one(key, value):
        if isinstance(value, np.ndarray):
            return f"{key} of shape {value.shape}"
        if isinstance(value, (int, float, np.number)):
            return f"{key} {value:.4g}"
        return f"{key} a {type(value).__name__}"

    return ", ".join(one(key, value) for key, value in arguments.items())


def same(received: np.ndarray, wrong) -> bool:
    """Does the received array equal what a mistake would give (nan where the mistake has nan)?"""
    try:
        with np.errstate(all="ignore"):
            wrong = np.asarray(wrong() if callable(wrong) else wrong, dtype=float)
    except Exception:  # a mistake that cannot even run on this case (say a shape mismatch)
        return False
    return wrong.shape == received.shape and bool(
        np.allclose(received, wrong, RTOL, ATOL, equal_nan=True)
    )


class Run:
    """One checker's run: calls the learner's function, compares outputs, counts passes."""

    def __init__(self, name: str):
        self.name, self.passed, self.case = name, 0, ""

    def fail(self, message: str, hint: str | None = None):
        where = f" (check case {self.case})" if self.case else ""
        text = f"{self.name}{where}: {message}"
        raise ExerciseFailed(text + (f"\n  hint: {hint}" if hint else ""))

    def call(
        self,
        function,
        name: str,
        arguments: dict,
        copy: bool = True,
        keep_inputs: bool = False,
        limit: float | None = None,
    ):
        """Call the learner's `function` on copies of `arguments` (so ours stay intact).

        Whatever their code raises comes back as `RaisedInYourCode`, one paragraph: what was
        called, with which inputs, the error, and the line of their code that raised. A call
        still running after `limit` seconds (`TIME_LIMIT`) is stopped and said so. With
        `keep_inputs`, an array argument changed in place fails: the exercise asks for new
        arrays."""
        given = {
            key: np.copy(value) if copy and isinstance(value, np.ndarray) else value
            for key, value in arguments.items()
        }
        seconds = TIME_LIMIT if limit is None else limit
        try:
            with np.errstate(all="ignore"), time_limit(seconds):
                received = function(*given.values())
        except NotImplementedError:
            raise NotImplementedYet(
                f"not implemented yet — your turn: write the body of `{name}` (in place of the "
                "line "
                f"`raise NotImplementedError(...)`), then run this cell again."
            ) from None
        except ExerciseFailed:
            raise  # a checker's own words, from inside the call (a watched argument)
        except TooSlow:
            self.fail(
                f"`{name}` did not return within {seconds:g} seconds (called "
                f"{_inputs(arguments, self.case)}), so the checker stopped it.",
                "a loop that never ends? a `while` whose condition never turns false, or a "
                "counter that is never increased",
            )
        except Exception as error:  # their own bug: one paragraph, their line, no traceback
            self._raised(error, name, arguments)
        if keep_inputs:
            self._unchanged(name, arguments, given)
        return received

    def _raised(self, error: Exception, name: str, arguments: dict):
        """Fail with what their code raised, in plain words (the error is kept on the failure)."""
        where = f" (check case {self.case})" if self.case else ""
        first = (str(error).strip().splitlines() or [""])[0]
        text = (
            f"{self.name}{where}: your code raised {type(error).__name__} while running "
            f"`{name}` {_inputs(arguments, self.case)}:\n  {first}"
            f"{where_it_raised(error)}"
        )
        raise RaisedInYourCode(text, error) from None

    def _unchanged(self, name: str, arguments: dict, given: dict) -> None:
        """Fail if the learner's function wrote into one of the arrays it was given."""
        for key, value in arguments.items():
            if isinstance(value, np.ndarray) and not np.array_equal(
                given[key], value, equal_nan=True
            ):
                self.fail(
                    f"`{name}` changed its argument `{key}` in place (an edit such as "
                    f"`{key} -= ...` or `{key}[...] = ...` writes into the caller's array); "
                    "the exercise asks for new arrays.",
                    f"compute a new array instead, e.g. `new_{key} = {key} - ...`, and return it",
                )

    def outputs(self, received, names: tuple[str, ...]) -> tuple:
        """Check that a function meant to return several things returned that many."""
        listing = ", ".join(names)
        if received is None:
            self.fail(
                f"it returned None; it should return ({listing}).",
                "did you forget the `return` line?",
            )
        if not isinstance(received, (tuple, list)) or len(received) != len(names):
            kind = (
                f"{len(received)} things"
                if isinstance(received, (tuple, list))
                else f"one {type(received).__name__}"
            )
            self.fail(
                f"it should return {len(names)} things, ({listing}), but it returned {kind}.",
                f"end with `return {listing}`",
            )
        return tuple(received)

    def compare(self, what: str, expected, received, mistakes=(), scalar: bool = False) -> None:
        """Compare one output; `mistakes` are pairs ``(hint, what that mistake returns)``."""
        expected = np.asarray(expected, dtype=float)
        if received is None:
            self.fail(f"{what} is None.", "did you forget the `return` line?")
        self._numbers(what, received, scalar)
        got = np.asarray(received, dtype=float)
        if scalar and got.size == 1:
            got = got.reshape(())  # one number, whether float, 0-d array or shape (1,)
        if got.shape == expected.shape:
            wrong = ~np.isclose(got, expected, RTOL, ATOL)
            if not wrong.any():
                self.passed += 1
                return
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            at = f" at index {index}" if index else ""
            detail = (
                f"expected shape {expected.shape}, received shape {got.shape} (the shape is "
                "right)\n"
                f"  first difference{at}: expected {expected[index]:.6g}, received {got[index]:.6g}"
            )
        else:
            detail = f"expected shape {expected.shape}, received shape {got.shape}"
        hint = next((hint for hint, wrong_output in mistakes if same(got, wrong_output)), None)
        if hint is None and got.shape == expected.shape and not np.all(np.isfinite(got)):
            hint = (
                "your output holds nan or inf where the right answer is an ordinary number: "
                "something overflowed or divided by zero"
            )
        self.fail(f"{what} is wrong.\n  {detail}", hint)

    def _numbers(self, what: str, received, scalar: bool) -> None:
        """Fail, naming the mistake, unless `received` holds real numbers (not text, complex
        numbers or True/False, which NumPy would quietly turn into numbers)."""
        wanted = f"numbers (a NumPy array{' or a float' if scalar else ''})"
        try:
            kind = np.asarray(received).dtype.kind
            np.asarray(received, dtype=complex if kind == "c" else float)
        except (TypeError, ValueError):
            kind = "?"
        text = kind in "US" or isinstance(received, (str, bytes))
        if text:
            first = received if isinstance(received, (str, bytes)) else np.asarray(received).flat[0]
            self.fail(
                f"{what} should be {wanted}, but it is text, a {type(received).__name__} such as "
                f"{str(first)!r:.60}",
                "return the numbers themselves: text made with str(), an f-string or format() "
                "is not a number",
            )
        if kind in "O?":
            self.fail(
                f"{what} should be {wanted}, but it is a {type(received).__name__}: "
                f"{received!r:.80}"
            )
        if kind == "c":
            self.fail(
                f"{what} should be real {wanted}, but it holds complex numbers, such as "
                f"{np.asarray(received).ravel()[0]}.",
                "a square root, power or log of a negative number in complex arithmetic? "
                "the answer has no imaginary part",
            )
        if kind == "b":
            self.fail(
                f"{what} should be {wanted}, but it holds True/False (dtype bool).",
                "a comparison such as x > 0 gives booleans: turn them into numbers with "
                ".astype(float)",
            )


def cases(seeds=(0, 1, 2)):
    """Seeded generators, one per check case."""
    return [np.random.default_rng(1000 + seed) for seed in seeds]


def dense_layer(weights, bias) -> layers.Dense:
    """The library's dense layer holding the given weights and bias (float64)."""
    layer = layers.Dense(*weights.shape, dtype="float64")
    layer.weights.value[...] = weights
    layer.bias.value[...] = bias
    return layer
