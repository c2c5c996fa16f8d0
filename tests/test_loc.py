"""The line budget: the core counted on formatted code (the ring and extras apart), and held to it.

The core has at most 1,000 lines of code (`loc_counter.BUDGET`): CI fails at
1,001. Counted by tests/loc_counter.py, which must agree file by file, and on
the verdict, with the shared tool ``../shared/tools/loc.py`` wherever that exists.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import load_script as load_module

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "demystify"
SHARED_TOOL = REPO.parent / "shared" / "tools" / "loc.py"


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


def core_lines() -> tuple[int, dict[str, int]]:
    counts = loc_counter.count_package(PACKAGE)
    assert "layers.py" in counts and "model.py" in counts
    return loc_counter.core(counts), counts


def test_the_core_is_within_its_budget_of_1000_lines():
    total, counts = core_lines()
    in_core = [
        name for name in counts if not loc_counter.is_extra(name) | loc_counter.is_ring(name)
    ]
    assert loc_counter.BUDGET == 1000
    assert 0 < total <= loc_counter.BUDGET, (
        f"the core has {total} lines of code, over its {loc_counter.BUDGET}-line budget: "
        + ", ".join(f"{name} {counts[name]}" for name in in_core)
    )


def package_of(core_lines: int, folder: Path) -> Path:
    """A package whose core has exactly `core_lines` lines of code, and a ring and extras."""
    (folder / "viz").mkdir(parents=True)
    (folder / "viz" / "plots.py").write_text("a = 1\n" * 5000)  # extras: free
    (folder / "spark.py").write_text("b = 2\n" * 5000)  # the ring: free
    body = "".join(f"x{i} = {i}\n" for i in range(core_lines))
    (folder / "core.py").write_text(f'"""A docstring: free."""\n\n# a comment: free\n{body}')
    return folder


@pytest.mark.parametrize("lines, verdict", [(1000, 0), (1001, 1)])
def test_the_counter_fails_at_1001_lines(tmp_path, capsys, lines, verdict):
    package = package_of(lines, tmp_path / "pkg")
    assert loc_counter.main(str(package)) == verdict
    assert f"core {lines} lines of code, budget 1000" in capsys.readouterr().out
    if SHARED_TOOL.exists():  # the shared tool gives the same verdict on the same package
        run = subprocess.run([sys.executable, str(SHARED_TOOL), str(package)], capture_output=True)
        assert run.returncode == verdict and f"machinery {lines} lines".encode() in run.stdout


def test_the_readme_states_the_counts_as_measured():
    counts = loc_counter.count_package(PACKAGE)
    core = loc_counter.core(counts)
    ring = sum(n for name, n in counts.items() if loc_counter.is_ring(name))
    extras = sum(n for name, n in counts.items() if loc_counter.is_extra(name))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for what, value in (("core", core), ("ring", ring), ("extras", extras)):
        assert f"| {value:,} |" in readme, f"README does not state the {what}'s {value:,} lines"
    assert core <= loc_counter.BUDGET and "under 1,000" in readme


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
