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
    assert names, "no notebooks found in notebooks/"
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


def run_of_markdown(cells) -> list[str]:
    """The sources of the markdown cells before the first code cell."""
    texts = []
    for cell in cells:
        if cell.cell_type != "markdown":
            break
        texts.append(cell.source)
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_opens_with_title_and_goals_and_closes_with_summary(path):
    cells = read(path).cells
    first = cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number(path)} · "), (
        f"{path.name} must open with a title '# {number(path)} · ...'"
    )
    # slides/rise.py may split a long opening between paragraphs: read it as one text
    opening = "\n\n".join(run_of_markdown(cells))
    assert "**What you will be able to do**" in opening, (
        f"{path.name}: no learning goals in the first cell"
    )
    assert re.search(
        r"^\s*[*-] ", opening.split("**What you will be able to do**")[1], flags=re.M
    ), f"{path.name}: the learning goals should be a list"
    headings = [
        line.strip()
        for cell in cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]
    assert "## Summary" in headings and "## What next" in headings, f"{path.name}: {headings[-4:]}"
    tail = run_of_markdown(cells[::-1])  # the closing markdown, however rise.py split it
    assert any("## Summary" in text or "## What next" in text for text in tail), (
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
    """Notebooks build pieces inline under their own names: a copied package class would drift."""
    import demystify as dm

    public = {name for name in dir(dm) if isinstance(getattr(dm, name), type)}
    defined = {
        match
        for cell in read(path).cells
        if cell.cell_type == "code"
        for match in re.findall(r"^class (\w+)", cell.source, flags=re.M)
    }
    assert not defined & public, f"{path.name} redefines package classes {defined & public}"


# --- the exercises ask for something new --------------------------------------------------------

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# at least this many exercises per notebook: two in 01-06, one in 00 and 07-10
MINIMUM_EXERCISES = {f"{n:02d}": (2 if 1 <= n <= 6 else 1) for n in range(11)}
MINIMUM_EXERCISES["11"] = 2  # 11.1 a backward closure (tanh), 11.2 the topological order


def normalised(line: str) -> str:
    return " ".join(line.split())


def solution_lines(source: str) -> list[str]:
    """The lines between the solution markers of a cell."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def exercises(path: Path) -> list[tuple[int, str]]:
    """(cell index, source) of every exercise cell: one with a solution block."""
    return [
        (index, cell.source)
        for index, cell in enumerate(read(path).cells)
        if cell.cell_type == "code" and BEGIN in cell.source
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_has_its_exercises(path):
    found = exercises(path)
    assert len(found) >= MINIMUM_EXERCISES.get(number(path), 0), (
        f"{path.name} has {len(found)} exercises; it needs {MINIMUM_EXERCISES[number(path)]}"
    )
    cells = read(path).cells
    for index, _ in found:
        before = [cell.source for cell in cells[max(0, index - 3) : index]]
        labels = re.findall(r"Exercise (\d+)\.(\d+)", "\n".join(before))
        assert labels and labels[-1][0] == str(int(number(path))), (
            f"{path.name}, cell {index}: an exercise is introduced by a heading "
            f"'Exercise {int(number(path))}.k' in the cells just before it"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_exercise_answer_is_shown_earlier_in_its_notebook(path):
    """An exercise asks for something the notebook has not shown worked: no line of its
    solution (longer than 20 characters, whitespace aside) appears in an earlier code cell."""
    cells = read(path).cells
    for index, source in exercises(path):
        earlier = {
            normalised(line)
            for cell in cells[:index]
            if cell.cell_type == "code"
            for line in cell.source.splitlines()
        }
        shown = [
            line.strip()
            for line in solution_lines(source)
            if len(normalised(line)) > 20 and normalised(line) in earlier
        ]
        assert not shown, f"{path.name}, cell {index}: the answer is shown earlier: {shown}"


def test_one_stored_output_shows_what_a_failing_check_looks_like():
    failing = [
        path.name
        for path in NOTEBOOKS
        for cell in read(path).cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error" and output.get("ename") == "ExerciseFailed"
    ]
    assert failing, "no notebook shows a failing check, so a learner cannot recognise one"


def test_every_public_name_is_used_or_taught_somewhere():
    import demystify as dm

    text = "\n".join(cell.source for path in NOTEBOOKS for cell in read(path).cells)
    unused = [name for name in dm.__all__ if not re.search(rf"\b{re.escape(name)}\b", text)]
    assert not unused, f"no notebook uses or teaches {unused}"
