"""Your own parts: the functions you wrote in the exercises, gathered from your notebooks.

The capstone at the end of notebook 06 builds a whole network from the
learner's own code, in plain NumPy. The pieces live in the exercise cells of
notebooks 01 to 05, so `learners_parts` reads those notebooks (your saved
copies: JupyterLab saves as you go), runs each exercise cell's code without
its checker call, then runs the checker quietly on the function it made::

    parts = learners_parts()          # from the notebooks in this folder
    parts.report()                    # one line per piece: ✅, or which exercise to revisit
    parts.require()                   # stops, naming the exercises, if a piece is missing or wrong
    parts.dense_forward(x, W, b)      # your function

Nothing here changes your notebooks. The exercise cells of 01 to 05 run, in
order, in one namespace holding ``np``, ``math`` and every function your
exercise cells define, so one part may call another (a ``dense_forward`` that
reuses your ``neuron_forward``). Other cells do not run: a part that uses a
name from an ordinary cell is told so precisely, "this cell uses `sigmoid`,
defined in another cell: define it inside this cell". A piece that is missing,
still the workshop stub, wrong, or whose cell does not run is not handed out:
its problem names the exercise to revisit, in the notebook it lives in, and
says why in the checker's own words.
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import math
import re
from pathlib import Path

import numpy as np

from . import check
from .harness import ExerciseFailed, RaisedInYourCode

# piece -> (notebook, exercise label, checker in `check`, the functions its checker takes)
PIECES = {
    "dense_forward": (
        "01_one_neuron_then_a_dense_layer",
        "1.2",
        "dense_forward",
        ["dense_forward"],
    ),
    "relu": ("02_activations", "2.1", "relu", ["relu", "relu_derivative"]),
    "relu_derivative": ("02_activations", "2.1", "relu", ["relu", "relu_derivative"]),
    "softmax_cross_entropy": (
        "03_losses",
        "3.1",
        "softmax_cross_entropy",
        ["softmax_cross_entropy"],
    ),
    "dense_backward": ("04_backpropagation", "4.1", "dense_backward", ["dense_backward"]),
    "sgd_momentum_step": ("05_optimizers", "5.1", "sgd_momentum_step", ["sgd_momentum_step"]),
}


class Parts:
    """The learner's functions by name, with what the checkers said of each."""

    def __init__(self, functions: dict, problems: dict):
        self.functions = functions
        self.problems = problems  # piece -> "revisit exercise N.k in NN_name.ipynb: why"

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("functions", "problems"):
            raise AttributeError(name)  # copy, pickle and IPython's display look for such names
        if name not in self.functions:
            raise ExerciseFailed(self.problems.get(name, f"there is no piece called {name!r}"))
        return self.functions[name]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.functions))

    def __repr__(self) -> str:
        ready = ", ".join(self.functions) or "none"
        waiting = f"; not ready: {', '.join(self.problems)}" if self.problems else ""
        return f"<your parts: {ready}{waiting}>"

    @property
    def ready(self) -> bool:
        """True when every piece passes its checks."""
        return not self.problems

    def report(self) -> None:
        """One line per piece: ✅ and where it came from, or ❌ and which exercise to revisit."""
        for piece, (notebook, label, _, _) in PIECES.items():
            if piece in self.problems:
                print(f"❌ {piece}: {self.problems[piece]}")
            else:
                print(f"✅ {piece}: your exercise {label} ({notebook}) passes its checks")

    def require(self) -> None:
        """Raise `ExerciseFailed` naming every exercise to see to (nothing, if all pass)."""
        if self.problems:
            lines = [f"  {piece}: {problem}" for piece, problem in self.problems.items()]
            raise ExerciseFailed(
                "some of your parts are not ready yet; do what each line says, run that "
                "exercise's checker until it passes, save the notebooks, then run this cell "
                "again:\n" + "\n".join(lines)
            )


def exercise_source(notebook: Path, function: str) -> str | None:
    """The code of the exercise cell of `notebook` that defines `function` (None if none)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and f"def {function}(" in source:
            if "### BEGIN SOLUTION" in source or "exercise" in cell["metadata"].get("tags", []):
                return source
    return None


def _checker_words(failure: ExerciseFailed) -> str:
    """The checker's message in one line: what is wrong, and its hint when it has one."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    hint = next((line for line in lines[1:] if line.startswith("hint:")), None)
    return lines[0] + (f" ({hint})" if hint else "")


def _cells(notebook: Path) -> list[dict]:
    """The cells of `notebook`, each with its source as one string."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return cells


def _is_exercise(cell: dict) -> bool:
    """A code cell with a solution block, or tagged ``exercise``."""
    return cell["cell_type"] == "code" and (
        "### BEGIN SOLUTION" in cell["source"] or "exercise" in cell["metadata"].get("tags", [])
    )


class _Scope:
    """The learner's exercise cells, run in order in one namespace (np, math, their functions).

    Each cell is compiled under its own file name, ``<stem>.ipynb, cell N``, so an error can be
    traced back to the cell whose code raised it. `defined[where]` holds what that cell made,
    `broken[where]` the error its code raised when it ran, if any."""

    def __init__(self, folder: Path, stems):
        self.namespace = {"np": np, "math": math}
        self.defined, self.broken, self.cells, self.labels = {}, {}, {}, {}
        for stem in dict.fromkeys(stems):
            try:
                cells = _cells(folder / f"{stem}.ipynb")
            except Exception:  # a missing or unreadable notebook: its pieces say so
                continue
            self.cells[stem] = cells
            for index, cell in enumerate(cells):
                if _is_exercise(cell):
                    where = f"{stem}.ipynb, cell {index}"
                    before = "\n".join(c["source"] for c in cells[max(0, index - 3) : index])
                    heading = re.findall(r"Exercise (\d+\.\d+)", before)
                    self.labels[where] = f"exercise {heading[-1]}" if heading else f"cell {index}"
                    self._run(where, cell["source"])

    def _run(self, where: str, source: str) -> None:
        code = "\n".join(line for line in source.splitlines() if not line.startswith("check."))
        before = dict(self.namespace)
        # kept where `inspect` and tracebacks look, as IPython keeps a cell's code: the checkers
        # read a function's source (no Python loop asked for), and name the line that raised
        linecache.cache[where] = (len(code), None, code.splitlines(keepends=True), where)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # a print in the cell is not news
                exec(compile(code, where, "exec"), self.namespace)
        except Exception as error:
            self.broken[where] = error
        self.defined[where] = {
            name: value for name, value in self.namespace.items() if before.get(name) is not value
        }

    def where(self, stem: str, function: str) -> str | None:
        """The file name of the exercise cell of `stem` that defines `function`."""
        for index, cell in enumerate(self.cells.get(stem, [])):
            if _is_exercise(cell) and f"def {function}(" in cell["source"]:
                return f"{stem}.ipynb, cell {index}"
        return None

    def raised_in(self, error: BaseException) -> tuple[str, str] | None:
        """(cell, function) of the innermost frame of the learner's cells that `error` went
        through, following a chained error (a stub's NotImplementedError) too."""
        found = None
        while error is not None and found is None:
            tb = error.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename in self.defined:
                    found = (tb.tb_frame.f_code.co_filename, tb.tb_frame.f_code.co_name)
                tb = tb.tb_next
            error = error.__context__
        return found

    def defined_elsewhere(self, name: str) -> str | None:
        """How an ordinary (not exercise) cell makes `name`: "defined" or "imported"."""
        assigned = re.compile(rf"^(def |class )?{re.escape(name)}\b\s*[(:=,]", flags=re.M)
        imported = re.compile(rf"^\s*(from \S+ )?import (.*[ ,])?{re.escape(name)}\s*(,|$)", re.M)
        for cells in self.cells.values():
            for cell in cells:
                if _is_exercise(cell) or cell["cell_type"] != "code":
                    continue  # the exercise cells' names are in scope already
                if imported.search(cell["source"]):
                    return "imported"
                if assigned.search(cell["source"]):
                    return "defined"
        return None


def _label(scope: _Scope, where: str) -> str:
    """``exercise 1.1 in 01_x.ipynb``: the cell's 'Exercise N.k' heading, and its notebook."""
    return f"{scope.labels.get(where, where)} in {where.split(', cell ')[0]}"


def _unknown_name(scope: _Scope, error: NameError, piece: str, where: str, revisit: str) -> str:
    """A NameError: a name from an ordinary cell, said precisely; else the error itself."""
    name = getattr(error, "name", None) or (re.findall(r"'(\w+)'", str(error)) or ["?"])[0]
    how = scope.defined_elsewhere(name)
    if how is None:  # no cell makes it: a mistake in the answer itself
        return f"{revisit}: its code raises NameError: {error}"
    raised = scope.raised_in(error)
    cell = raised[0] if raised else where
    calls = f" (your `{piece}` calls its `{raised[1]}`)" if cell != where else ""
    verb = "import it" if how == "imported" else "define it"
    return (
        f"{_label(scope, cell)}{calls}: this cell uses `{name}`, {how} in another cell: "
        f"{verb} inside this cell"
    )


def learners_parts(folder=".") -> Parts:
    """Gather every piece of `PIECES` from the notebooks in `folder`, checking each quietly."""
    folder = Path(folder)
    scope = _Scope(folder, [stem for stem, _, _, _ in PIECES.values()])
    functions, problems = {}, {}
    for piece, (stem, label, checker, names) in PIECES.items():
        revisit = f"revisit exercise {label} in {stem}.ipynb"
        where = scope.where(stem, piece)
        try:
            found = _defined(scope, folder, stem, where, names)
            with contextlib.redirect_stdout(io.StringIO()):  # the checker's ✅ line is not news
                getattr(check, checker)(*[found[name] for name in names])
        except FileNotFoundError:
            problems[piece] = f"{revisit} (the notebook is not in {folder.resolve()})"
        except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
            problems[piece] = f"{revisit}: the file cannot be read as a notebook"
        except LookupError as error:
            problems[piece] = f"{revisit}: {error.args[0]}"
        except check.NotImplementedYet as failure:
            problems[piece] = _stub(scope, failure, where, piece, revisit)
        except RaisedInYourCode as failure:  # the function crashed: a name it lacks, or a bug
            problems[piece] = (
                _unknown_name(scope, failure.error, piece, where, revisit)
                if isinstance(failure.error, NameError)
                else f"{revisit}: " + " ".join(line.strip() for line in str(failure).splitlines())
            )
        except ExerciseFailed as failure:  # a wrong answer: the checker's own words
            problems[piece] = f"{revisit}: {_checker_words(failure)}"
        except NameError as error:  # run or called: a name this cell does not have
            problems[piece] = _unknown_name(scope, error, piece, where, revisit)
        except Exception as error:  # the cell itself does not run, or the function crashes
            problems[piece] = f"{revisit}: its code raises {type(error).__name__}: {error}"
        else:
            functions[piece] = found[piece]
    return Parts(functions, problems)


def _defined(scope: _Scope, folder: Path, stem: str, where: str | None, names) -> dict:
    """The functions `names` as the exercise cell `where` made them (or why it did not)."""
    if stem not in scope.cells:
        _cells(folder / f"{stem}.ipynb")  # raises what stopped the scope from reading it
    if where is None:
        raise LookupError(
            f"no exercise cell defines `{names[0]}` (is its `def {names[0]}(` line still there?)"
        )
    if where in scope.broken:
        raise scope.broken[where]
    missing = [name for name in names if name not in scope.defined[where]]
    if missing:
        raise LookupError(f"its cell does not define `{missing[0]}`")
    return scope.defined[where]


def _stub(scope: _Scope, failure, where, piece: str, revisit: str) -> str:
    """A stub was called: this piece's own, or the stub of another exercise it calls."""
    raised = scope.raised_in(failure)
    if raised is None or raised[0] == where:
        return f"{revisit}: it is still the stub `raise NotImplementedError`"
    other, function = raised
    return (
        f"revisit {_label(scope, other)}: your `{piece}` calls its `{function}`, which is "
        "still the stub `raise NotImplementedError`"
    )
