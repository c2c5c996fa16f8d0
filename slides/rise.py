"""Slideshow metadata for RISE, so every notebook presents well with Alt+R in JupyterLab.

    python slides/rise.py notebooks/*.ipynb            # assign it (idempotent)
    python slides/rise.py --check notebooks/*.ipynb    # change nothing; report; exit 1 on problems

Without slideshow metadata RISE shows a notebook as one endless slide. This tool
gives every cell a ``slideshow.slide_type`` by fixed rules, keeps every cell id
and every output as it is, sets RISE's theme to "white" (which needs no web
fonts) unless the notebook chose one, and copies ``slides/rise.css`` next to the
notebooks (RISE reads that file from the notebook's folder). Running it twice
changes nothing.

The rules (and what a screenful is) are in ``slides/rise_rules.py``; the check of
stored metadata, which ``--check`` prints, in ``slides/rise_check.py``. What the rules
cannot fix is a single cell taller than a screen (a long code cell with its figure):
``--check`` names each one, to be shortened or split by hand (which re-executes the
notebook); until then RISE scrolls that slide (``rise.scroll``, which the rules set) instead of
shrinking its text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rise_rules and rise_check beside it
# the tool's interface (tests/test_rise.py reads the rules and the check through it)
from rise_check import Analysis, Slide, analyse, summary  # noqa: E402
from rise_rules import (  # noqa: E402
    CODE_PAGE,
    LINE_PX,
    RISE_CSS,
    SCREEN_LINES,
    as_lines,
    heading_level,
    is_setup,
    markdown_lines,
    presentable,
    slide_type,
    source,
)

__all__ = [
    "CODE_PAGE",
    "LINE_PX",
    "RISE_CSS",
    "SCREEN_LINES",
    "Analysis",
    "Slide",
    "analyse",
    "as_lines",
    "dumps",
    "heading_level",
    "is_setup",
    "main",
    "markdown_lines",
    "presentable",
    "run",
    "slide_type",
    "source",
    "summary",
]

# --- files ------------------------------------------------------------------------------------


def dumps(notebook: dict) -> str:
    """JSON exactly as nbformat writes it (so an untouched notebook stays byte-identical)."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def run(paths: list[Path], check: bool) -> int:
    failed = 0
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        wanted = presentable(notebook)
        stale = dumps(wanted) != dumps(notebook)
        css = path.with_name("rise.css")
        css_stale = not css.exists() or css.read_text(encoding="utf-8") != RISE_CSS
        if not check:
            if stale:
                path.write_text(dumps(wanted), encoding="utf-8")
            if css_stale:
                css.write_text(RISE_CSS, encoding="utf-8")
            stale = css_stale = False
        analysis = analyse(wanted, path.name)
        problems = list(analysis.problems)
        if stale:
            problems.insert(0, f"its slideshow metadata is missing or stale: run python "
                            f"slides/rise.py {path.as_posix()}")  # fmt: skip
        if css_stale:
            problems.insert(0, f"{css.as_posix()} is missing or stale: run python slides/rise.py")
        state = "OK" if not problems else f"{len(problems)} problem(s)"
        print(f"{path.as_posix()}: {summary(analysis)}: {state}")
        for problem in problems:
            print(f"    {problem}")
        for tall in analysis.scrolling:
            print(f"    (to split by hand) {tall}")
        failed += bool(problems)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Slideshow metadata for RISE.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report only; exit 1 on problems")
    args = parser.parse_args(argv)
    return run(args.notebooks, args.check)


if __name__ == "__main__":
    sys.exit(main())
