"""The notebook series: in order, and every notebook built the same way.

A learner walks 00, 01, 02, ... in order, so the numbering must be whole and
the README must list the notebooks in that order. Each notebook opens with a
title and what the learner will be able to do, imports the finished
`demystify` package (it teaches a piece inline, then shows the package agrees),
and closes with a summary and what comes next. Outputs are saved, because
nbval compares them and a notebook without outputs would pass trivially.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
# the series the issues ask for; later issues may add more numbers, never remove these
REQUIRED = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}


def number(path: Path) -> str:
    return path.name[:2]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_notebooks_are_numbered_in_order_without_gaps():
    names = [path.name for path in NOTEBOOKS]
    assert all(NAME.match(name) for name in names), f"not named NN_words.ipynb: {names}"
    numbers = [int(number(path)) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), (
        f"the series must run 00, 01, 02, ... without gaps: {names}"
    )
    assert REQUIRED <= {number(path) for path in NOTEBOOKS}, (
        f"missing notebooks: {REQUIRED - set(map(number, NOTEBOOKS))}"
    )


def test_the_readme_lists_every_notebook_in_order():
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d\d) \| ([^|]+?) \|", readme, flags=re.M)
    assert [n for n, _ in rows] == [number(path) for path in NOTEBOOKS], rows
    assert not [title for _, title in rows if "not written" in title], (
        "the README still marks notebooks missing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_opens_with_title_and_goals_and_closes_with_summary(path):
    cells = read(path).cells
    first = cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number(path)} · "), (
        f"{path.name} must open with a title '# {number(path)} · ...'"
    )
    assert "**What you will be able to do**" in first.source, (
        f"{path.name}: no learning goals in the first cell"
    )
    assert re.search(
        r"^\s*[*-] ", first.source.split("**What you will be able to do**")[1], flags=re.M
    ), f"{path.name}: the learning goals should be a list"
    headings = [
        line.strip()
        for cell in cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]
    assert "## Summary" in headings and "## What next" in headings, f"{path.name}: {headings[-4:]}"
    tail = [cell for cell in cells[-3:] if cell.cell_type == "markdown"]
    assert any("## Summary" in cell.source or "## What next" in cell.source for cell in tail), (
        f"{path.name}: the summary and what next belong at the end"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_imports_demystify_and_is_saved_with_outputs(path):
    code = [cell for cell in read(path).cells if cell.cell_type == "code"]
    assert any(
        re.search(r"^\s*(import demystify|from demystify)", cell.source, flags=re.M)
        for cell in code
    ), f"{path.name} never imports demystify"
    unexecuted = [
        cell.source.splitlines()[0]
        for cell in code
        if cell.source.strip() and cell.execution_count is None
    ]
    assert not unexecuted, (
        f"{path.name} has cells saved without outputs (nbval would skip them): {unexecuted[:3]}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_notebook_keeps_a_copy_of_a_package_class(path):
    """Notebooks build pieces inline under their own names; a class named like the package's would drift."""
    import demystify as dm

    public = {name for name in dir(dm) if isinstance(getattr(dm, name), type)}
    defined = {
        match
        for cell in read(path).cells
        if cell.cell_type == "code"
        for match in re.findall(r"^class (\w+)", cell.source, flags=re.M)
    }
    assert not defined & public, f"{path.name} redefines package classes {defined & public}"
