"""The line count a slide quotes, measured at build time by the rule the test suite enforces.

The rule lives in ``tests/loc_counter.py`` (checked against ``../shared/tools/loc.py``
by tests/test_loc.py); it is loaded here by its path, so nothing is put on `sys.path`.
``{{loc core}}``, ``{{loc ring}}``, ``{{loc extras}}``, ``{{loc budget}}``,
``{{loc verdict}}``, ``{{loc panel}}`` and ``{{loc table}}`` in talk.md become `loc_text`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import BuildError

ROOT = Path(__file__).resolve().parents[2]
COUNTER = ROOT / "tests" / "loc_counter.py"
LARGEST_SHOWN = 6  # core modules named on the slide, largest first


def _counter():
    spec = importlib.util.spec_from_file_location("loc_counter", COUNTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_count() -> dict:
    """core, ring and extras of the package, by the rule the test suite enforces."""
    counter = _counter()
    counts = counter.count_package(ROOT / "demystify")
    ring = {name: n for name, n in counts.items() if counter.is_ring(name)}
    extras = {name: n for name, n in counts.items() if counter.is_extra(name)}
    core = {name: n for name, n in counts.items() if name not in ring and name not in extras}
    return {
        "core": counter.core(counts),
        "ring": sum(ring.values()),
        "extras": sum(extras.values()),
        "budget": counter.BUDGET,
        "files": core,
    }


def loc_text(what: str, loc: dict) -> str:
    """What ``{{loc WHAT}}`` shows: a number, a sentence or a piece of HTML."""
    if what in ("core", "ring", "extras", "budget"):
        return f"{loc[what]:,}"
    if what == "verdict":
        over = loc["core"] - loc["budget"]
        if over <= 0:
            spare = f"{-over} line{'' if over == -1 else 's'} to spare"
            return f"within the {loc['budget']:,}-line budget, {spare}"
        return f"{over} lines over the {loc['budget']:,}-line budget"
    if what == "panel":
        cells = [("core", loc["core"]), ("ring: Spark, evolution, apps", loc["ring"])]
        cells.append(("extras: plots, widgets, data, checkers", loc["extras"]))
        items = "".join(f"<div><b>{n:,}</b><span>{name}</span></div>" for name, n in cells)
        return f'<div class="numbers">{items}</div>'
    if what == "table":
        biggest = sorted(loc["files"].items(), key=lambda item: -item[1])[:LARGEST_SHOWN]
        rows = " · ".join(f"{name} {n}" for name, n in biggest)
        return f'<p class="small">largest core modules: {rows}</p>'
    raise BuildError(
        f"unknown {{{{loc {what}}}}}: core, ring, extras, budget, verdict, panel, table"
    )
