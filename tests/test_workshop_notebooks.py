"""Workshop mode on the real ``notebooks/``: each teaching notebook holds its exercises;
the student copies hold no solutions, say "your turn" and pass once solved; the capstone
of notebook 06, run on the stubs, stops at its first cell naming every exercise to revisit.
The details (indentation, outputs, bad markers, the command line) are in ``test_workshop.py``.
"""

import re
from pathlib import Path

import nbformat
import pytest
from exercise_runs import CHECK_CALL, YOUR_TURN, run_and_check
from nbformat.v4 import new_code_cell, new_notebook

from demystify.exercises import make_student_copies
from demystify.exercises.student import BEGIN, END, is_exercise

nbclient = pytest.importorskip(
    "nbclient", reason="nbclient comes with JupyterLab (the [dev] extra)"
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def exercise_notebooks():
    return [
        path
        for path in sorted(NOTEBOOKS.glob("*.ipynb"))
        if any(is_exercise(cell) for cell in nbformat.read(path, as_version=4).cells)
    ]


# which checkers each teaching notebook must exercise (by its number)
EXPECTED_EXERCISES = {
    "01": {"neuron_forward", "dense_forward"},
    "02": {"relu"},
    "03": {"softmax_cross_entropy"},
    "04": {"dense_backward", "sequential_backward"},
    "05": {"sgd_momentum_step", "adam_step"},
    "06": {"training_loop", "fit_with_early_stopping"},
    "07": {"largest_change"},
    "08": {"logsumexp"},
    "10": {"es_gradient"},
    "11": {"tanh", "topological_order"},
}


def test_every_present_teaching_notebook_holds_its_exercises():
    tagged = [
        (
            path.name,
            CHECK_CALL.search(cell.source).group(1) if CHECK_CALL.search(cell.source) else None,
        )
        for path in sorted(NOTEBOOKS.glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if "exercise" in cell.get("metadata", {}).get("tags", [])
    ]
    assert tagged, "no exercise cells found in notebooks/"
    assert all(name for _, name in tagged), (
        f"an exercise cell without a check.<name>(...) call: {tagged}"
    )
    found: dict[str, set] = {}
    for notebook, name in tagged:
        found.setdefault(notebook[:2], set()).add(name)
    present = {path.name[:2] for path in NOTEBOOKS.glob("*.ipynb")}
    for number, names in EXPECTED_EXERCISES.items():
        if number in present:
            assert names <= found.get(number, set()), (
                f"notebook {number} lacks exercises {names}: {tagged}"
            )
    assert len(tagged) >= 5, f"only {len(tagged)} exercise cells in notebooks/: {tagged}"


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("workshop")
    make_student_copies(NOTEBOOKS, out)
    return out


def test_student_copies_hold_no_solutions(student_copies):
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        solved = nbformat.read(path, as_version=4)
        student = nbformat.read(student_copies / path.name, as_version=4)
        assert len(student.cells) == len(solved.cells)
        for before, after in zip(solved.cells, student.cells):
            if (
                before.cell_type != "code"
            ):  # prose may mention the markers; only code holds solutions
                assert after.source == before.source
                continue
            assert BEGIN not in after.source and END not in after.source
            if BEGIN not in before.source:
                assert after.source == before.source
                continue
            for solution_line in re.findall(
                rf"{BEGIN}\n(.*?)\n[ \t]*{END}", before.source, re.DOTALL
            ):
                for line in solution_line.splitlines():
                    if line.strip():
                        assert line not in after.source.splitlines(), (
                            f"{path.name}: {line!r} left in"
                        )
            assert CHECK_CALL.findall(after.source) == CHECK_CALL.findall(before.source)
            assert YOUR_TURN in after.source and after.outputs == []


@pytest.mark.parametrize("path", exercise_notebooks(), ids=lambda path: path.stem)
def test_each_exercise_says_your_turn_then_passes_when_solved(path, student_copies):
    student = nbformat.read(student_copies / path.name, as_version=4)
    assert run_and_check(student, nbformat.read(path, as_version=4), student_copies)


# --- the capstone ---------------------------------------------------------------------------

CAPSTONE = "06_the_training_loop.ipynb"
CAPSTONE_HEADING = "## Your own network, from your own parts"


def test_the_capstone_runs_on_the_stubs_with_the_revisit_exercise_message(student_copies):
    """In a workshop copy the capstone's first cell gathers the student's own parts (all still
    stubs here), reports each one, and stops with one error naming every exercise to revisit."""
    from demystify.exercises.parts import PIECES

    notebook = nbformat.read(student_copies / CAPSTONE, as_version=4)
    headings = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.startswith(CAPSTONE_HEADING)
    ]
    assert len(headings) == 1, f"{CAPSTONE} needs one section {CAPSTONE_HEADING!r}"
    first = next(
        cell for cell in notebook.cells[headings[0] :] if cell.cell_type == "code"
    )  # the capstone's first code cell: gather, report, require
    assert "learners_parts(" in first.source, first.source
    assert first.source.index("parts.report()") < first.source.index("parts.require()")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    setup_end = next(
        i for i, cell in enumerate(code) if "from demystify.exercises import check" in cell.source
    )
    cells = [new_code_cell(cell.source) for cell in code[: setup_end + 1]]
    run = new_notebook(cells=[*cells, new_code_cell(first.source)], metadata=notebook.metadata)
    nbclient.NotebookClient(
        run,
        kernel_name="python3",
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": str(student_copies)}},
    ).execute()
    outputs = run.cells[-1].outputs
    printed = "".join(
        output.get("text", "") for output in outputs if output.output_type == "stream"
    )
    errors = [output for output in outputs if output.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "ExerciseFailed", outputs
    assert "not ready yet" in errors[0].evalue
    for piece, (stem, label, _, _) in PIECES.items():
        revisit = f"revisit exercise {label} in {stem}.ipynb"
        assert f"❌ {piece}: {revisit}: it is still the stub" in printed, printed
        assert f"{piece}: {revisit}" in errors[0].evalue, errors[0].evalue
    assert "✅" not in printed
