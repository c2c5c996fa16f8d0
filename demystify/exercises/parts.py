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

Nothing here changes your notebooks; a cell's code runs in a fresh namespace
holding only ``np`` and ``math``, so an exercise must not lean on a variable
defined in an earlier cell. A piece that is missing, still the workshop stub,
wrong, or whose cell does not run is not handed out: its problem names the
exercise to revisit, in the notebook it lives in, and says why in the
checker's own words.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np

from . import check
from .harness import ExerciseFailed

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
        """Raise `ExerciseFailed` naming every exercise to revisit (nothing, if all pass)."""
        if self.problems:
            lines = [f"  {piece}: {problem}" for piece, problem in self.problems.items()]
            raise ExerciseFailed(
                "some of your parts are not ready yet; revisit these exercises, run their "
                "checkers until they pass, save the notebooks, then run this cell again:\n"
                + "\n".join(lines)
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


def _load(notebook: Path, names: list[str]) -> dict:
    """Run the exercise cells that define `names`, without their checker calls."""
    namespace = {"np": np, "math": math}
    for name in names:
        source = exercise_source(notebook, name)
        if source is None:
            raise LookupError(
                f"no exercise cell defines `{name}` (is its `def {name}(` line still there?)"
            )
        code = "\n".join(line for line in source.splitlines() if not line.startswith("check."))
        with contextlib.redirect_stdout(io.StringIO()):  # a print in the cell is not news here
            exec(compile(code, f"{notebook.name}: {name}", "exec"), namespace)
    return {name: namespace[name] for name in names}


def _checker_words(failure: ExerciseFailed) -> str:
    """The checker's message in one line: what is wrong, and its hint when it has one."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    hint = next((line for line in lines[1:] if line.startswith("hint:")), None)
    return lines[0] + (f" ({hint})" if hint else "")


def learners_parts(folder=".") -> Parts:
    """Gather every piece of `PIECES` from the notebooks in `folder`, checking each quietly."""
    folder = Path(folder)
    functions, problems = {}, {}
    for piece, (stem, label, checker, names) in PIECES.items():
        notebook = folder / f"{stem}.ipynb"
        revisit = f"revisit exercise {label} in {stem}.ipynb"
        try:
            found = _load(notebook, names)
            with contextlib.redirect_stdout(io.StringIO()):  # the checker's ✅ line is not news
                getattr(check, checker)(*[found[name] for name in names])
        except FileNotFoundError:
            problems[piece] = f"{revisit} (the notebook is not in {folder.resolve()})"
        except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
            problems[piece] = f"{revisit}: the file cannot be read as a notebook"
        except LookupError as error:
            problems[piece] = f"{revisit}: {error.args[0]}"
        except check.NotImplementedYet:
            problems[piece] = f"{revisit}: it is still the stub `raise NotImplementedError`"
        except ExerciseFailed as failure:  # a wrong answer: the checker's own words
            problems[piece] = f"{revisit}: {_checker_words(failure)}"
        except Exception as error:  # the cell itself does not run, or the function crashes
            problems[piece] = f"{revisit}: its code raises {type(error).__name__}: {error}"
        else:
            functions[piece] = found[piece]
    return Parts(functions, problems)
