"""The line budget: the core stays under 1000 lines of formatted code (the ring and extras apart).

Counted by tests/loc_counter.py, which must agree file by file with the
shared tool ``../shared/tools/loc.py`` (the one CI runs) wherever that exists.
"""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "demystify"
SHARED_TOOL = REPO.parent / "shared" / "tools" / "loc.py"


def load_module(name: str, path: Path):
    """Import a script by its path (the tests folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loc_counter = load_module("loc_counter", REPO / "tests" / "loc_counter.py")

SAMPLE = '''"""Module docstring,
over two lines."""
import os  # counts


def f(x):
    """Docstring: free."""
    # a comment: free

    text = """a multi-line string
that is not a docstring
counts on every line"""
    return (x +
            1)


class C:
    """Class docstring."""
    value = "a plain string"  # counts
'''


def test_the_counting_rule_on_a_sample():
    # import, def, text (3 lines), return (2 lines), class, value
    assert loc_counter.count(SAMPLE) == 1 + 1 + 3 + 2 + 1 + 1


def test_the_ring_and_the_extras_are_outside_the_budget():
    assert loc_counter.is_ring("spark.py") and loc_counter.is_ring("evolve.py")
    assert not loc_counter.is_ring("training.py") and not loc_counter.is_ring("viz/plots.py")
    counts = {"layers.py": 10, "spark.py": 20, "viz/plots.py": 40}
    assert loc_counter.core(counts) == 10


def test_extras_are_outside_the_budget():
    assert loc_counter.is_extra("viz/plots.py") and loc_counter.is_extra("datasets/__init__.py")
    assert loc_counter.is_extra("exercises.py")
    assert not loc_counter.is_extra("layers.py") and not loc_counter.is_extra("training.py")


def test_the_core_is_within_the_budget():
    counts = loc_counter.count_package(PACKAGE)
    assert "layers.py" in counts and "model.py" in counts
    total = loc_counter.core(counts)
    in_core = [
        name for name in counts if not (loc_counter.is_extra(name) or loc_counter.is_ring(name))
    ]
    assert 0 < total <= loc_counter.BUDGET, (
        f"the core has {total} lines of code, over the {loc_counter.BUDGET}-line budget: "
        + ", ".join(f"{name} {counts[name]}" for name in in_core)
    )


@pytest.mark.skipif(
    not SHARED_TOOL.exists(), reason=f"the shared counter {SHARED_TOOL} is not beside the repo"
)
def test_both_counters_agree_on_every_file(tmp_path):
    shared = load_module("shared_loc", SHARED_TOOL)
    files = sorted(PACKAGE.rglob("*.py")) + sorted((REPO / "tests").rglob("*.py"))
    assert len(files) > 10
    for path in files:
        assert loc_counter.count(path.read_text(encoding="utf-8")) == shared.code_lines(path), path
    assert sorted(loc_counter.EXTRAS) == sorted(shared.DEFAULT_EXTRAS)
    assert sorted(loc_counter.RING) == sorted(shared.DEFAULT_RING)
    (tmp_path / "sample.py").write_text(SAMPLE)
    assert shared.code_lines(tmp_path / "sample.py") == loc_counter.count(SAMPLE)
