"""demystify's line counter: what counts against the 1,000-line budget.

A line of code is a physical line holding at least one token that is neither
a comment nor part of a docstring (the string that opens a module, class or
function). Blank lines, comments and docstrings are free. The budget covers the
core; files matching `RING` (applications built on the core: Spark, evolution,
``apps/``) and `EXTRAS` (plots and widgets, data sets, exercise checkers) are
counted apart, outside it. Run ``python tests/loc_counter.py [PACKAGE_DIR]``:
it exits 1 when the core is over `BUDGET`, like the shared tool
``../shared/tools/loc.py``, whose rule this is (tests/test_loc.py proves they
agree file by file, and on the verdict).
"""

import ast
import fnmatch
import io
import sys
import tokenize
from pathlib import Path

BUDGET = 1000  # the core's most lines of code; CI fails at BUDGET + 1
EXTRAS = ["viz/*", "viz.py", "widgets*", "exercises*", "*/exercises*", "datasets*", "*/datasets*"]
RING = ["spark.py", "spark/*", "evolve.py", "evolve/*", "distributed*", "apps/*"]
NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


def count(source: str) -> int:
    """Lines of code in one file's text."""
    free = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and ast.get_docstring(node, clean=False) is not None
        ):
            free.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in NOT_CODE:  # a token may span lines (a multi-line string)
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - free)


def is_extra(relative: str) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in EXTRAS)


def is_ring(relative: str) -> bool:
    return not is_extra(relative) and any(fnmatch.fnmatch(relative, p) for p in RING)


def count_package(root) -> dict[str, int]:
    """``{relative path: lines of code}`` for every ``.py`` file under `root`."""
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): count(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
    }


def core(counts: dict[str, int]) -> int:
    """The lines that count against the budget: neither extras nor the ring."""
    return sum(n for name, n in counts.items() if not is_extra(name) and not is_ring(name))


def main(package="demystify") -> int:
    """Print every file's count and the verdict; 1 when the core is over `BUDGET`, else 0."""
    counts = count_package(package)
    for name, n in counts.items():
        tag = "  (extra)" if is_extra(name) else "  (ring)" if is_ring(name) else ""
        print(f"{n:6d}  {name}{tag}")
    total = core(counts)
    ring = sum(n for name, n in counts.items() if is_ring(name))
    extras = sum(n for name, n in counts.items() if is_extra(name))
    verdict = "within" if total <= BUDGET else f"OVER by {total - BUDGET}"
    print(f"core {total} lines of code, budget {BUDGET}: {verdict}; ring {ring}; extras {extras}")
    return 0 if total <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
