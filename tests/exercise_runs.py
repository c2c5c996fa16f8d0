"""Running a student copy's exercises in a kernel, as ``test_workshop*.py`` do: each
exercise cell must stop with the checker's "not implemented yet — your turn" (not a
NumPy traceback), and the same cell with its solution pasted back must print the
checker's success line.
"""

import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from demystify.exercises.student import is_exercise

nbclient = pytest.importorskip(
    "nbclient", reason="nbclient comes with JupyterLab (the [dev] extra)"
)

YOUR_TURN = "not implemented yet — your turn"
CHECK_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)


def run_exercises(notebook, solved, folder: Path, everything_before: bool = False):
    """Execute the set-up cells, every exercise cell as the student gets it, then each with
    its solution pasted back; returns ``[(student_cell, solved_cell), ...]`` after the run.

    The set-up is every code cell up to the one that imports the checkers: an exercise
    usually needs nothing else (it defines a function and calls its checker), which keeps
    this quick however long the notebook runs. `everything_before` runs every code cell
    up to the last exercise instead, for exercises that use an earlier cell's names.
    """
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    setup_end = next(
        i for i in code if "from demystify.exercises import check" in notebook.cells[i].source
    )
    exercises = [i for i in code if is_exercise(notebook.cells[i])]
    assert exercises, "no exercise cell (tag `exercise`) in this notebook"
    assert all(i > setup_end for i in exercises), (
        "the checker import must come before the exercises"
    )
    if everything_before:
        setup_end = max(exercises)
    cells = [notebook.cells[i] for i in code if i <= setup_end and i not in exercises]
    students = [notebook.cells[i] for i in exercises]
    answers = [new_code_cell(solved.cells[i].source) for i in exercises]
    run = new_notebook(cells=cells + students + answers, metadata=notebook.metadata)
    client = nbclient.NotebookClient(
        run,
        kernel_name="python3",
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return list(zip(students, answers))


def needs_an_earlier_name(output) -> bool:
    """A NameError: raised by the cell itself, or inside the function, where the checker says it
    in words (`RaisedInYourCode`, "your code raised NameError ...")."""
    return output.get("ename") == "NameError" or (
        output.get("ename") == "RaisedInYourCode"
        and "your code raised NameError" in output.get("evalue", "")
    )


def run_and_check(student, solved, folder: Path):
    """Run the exercises quickly; again after every earlier cell if a solution missed a name."""
    pairs = run_exercises(student, solved, folder)
    if any(needs_an_earlier_name(output) for _, answer in pairs for output in answer.outputs):
        pairs = run_exercises(student, solved, folder, everything_before=True)
    for student_cell, answer in pairs:
        assert_your_turn_then_pass(student_cell, answer)
    return pairs


def assert_your_turn_then_pass(student, answer):
    name = CHECK_CALL.search(student.source).group(1)
    errors = [output for output in student.outputs if output.output_type == "error"]
    assert len(errors) == 1, (
        f"{name}: the student cell should stop with one error, got {student.outputs}"
    )
    assert errors[0].ename == "NotImplementedYet", errors[0]
    assert errors[0].evalue.startswith(f"{YOUR_TURN}: write the body of `"), errors[0].evalue
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", entry) for entry in errors[0].traceback]  # drop colours
    frames = [entry for entry in plain if re.match(r"(Cell|File) ", entry)]
    assert len(frames) == 2, (
        "a short traceback: the learner's cell and the checker's one `raise` line"
    )
    printed = "".join(
        output.get("text", "") for output in answer.outputs if output.output_type == "stream"
    )
    assert not [o for o in answer.outputs if o.output_type == "error"], answer.outputs
    assert re.search(rf"✅ {name} passed \d+ checks\.", printed), printed
