"""What a checker learns about the learner's code itself: where it raised, how long it ran, and
whether it loops.

The harness (`harness.Run.call`) runs the learner's function inside `time_limit`, and names
the line of their code an error came from with `where_it_raised`; `no_python_loop` reads a
function's code with `ast` where an exercise asks for no Python loop.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import linecache
import os
import signal
import sysconfig
import textwrap
import threading
from pathlib import Path


class TooSlow(BaseException):
    """Raised by the alarm inside a call that ran past its time limit (a BaseException, so that
    an ``except Exception`` in the learner's code does not swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise `TooSlow` inside the block after `seconds`, with a timer signal.

    Signals reach only the main thread, which is where a notebook's cells and pytest run;
    elsewhere, where the platform has no timer signal, or inside another limited call, the
    block runs without a limit of its own."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# code that is not the learner's: this package, the standard library and installed packages
_NOT_YOURS = tuple(
    {str(Path(__file__).parents[1]) + os.sep}
    | {
        sysconfig.get_paths()[key] + os.sep
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
    }
)


def where_it_raised(error: BaseException) -> str:
    """``line 3 of your `f` (its cell): return x @ w`` -- the innermost frame of the learner's
    code that `error` went through, named without this machine's paths."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith(_NOT_YOURS) and filename != __file__:
            found = tb
        tb = tb.tb_next
    if found is None:
        return ""
    code, line = found.tb_frame.f_code, found.tb_lineno
    text = linecache.getline(code.co_filename, line).strip()
    name = Path(code.co_filename).name
    place = "its cell" if "ipykernel_" in code.co_filename or "<" in name else name
    if ".ipynb, cell " in code.co_filename:  # the capstone compiles each cell under its name
        place = code.co_filename
    what = "your code" if code.co_name in ("<module>", "<lambda>") else f"your `{code.co_name}`"
    return f"\n  the line that raised: line {line} of {what} ({place}): {text}"


def no_python_loop(run, function, name: str, hint: str) -> None:
    """Fail if the source of `function` holds a Python loop (``for``, ``while`` or a
    comprehension), where the exercise asks for one array operation.

    The source is read with `inspect` (a notebook cell's source is kept by IPython) and
    parsed with `ast`, so the answer is decided by the code as written, not by timing. A
    function whose source cannot be read (one built by ``exec``) is not judged."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return
    loops = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)
    found = next((node for node in ast.walk(tree) if isinstance(node, loops)), None)
    if found is not None:
        kind = (
            "a comprehension"
            if isinstance(found, ast.comprehension)
            else (f"a `{type(found).__name__.lower().replace('async', 'async ')}` loop")
        )
        lines = source.splitlines()
        line = lines[getattr(found, "lineno", getattr(found.target, "lineno", 1)) - 1].strip()
        run.fail(
            f"`{name}` runs {kind}, a Python loop ({line}); the exercise asks for no Python "
            "loop: one NumPy call does it for every entry at once.",
            hint,
        )
    run.passed += 1
