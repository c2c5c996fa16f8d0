"""Workshop mode: student copies have no solutions, say "your turn", and pass once solved.

A small fixture notebook, built here with nbformat, covers the details (indentation,
outputs kept or cleared, bad markers, the command line). The real ``notebooks/``
are then copied for students and run: every exercise cell must stop with the
checker's "not implemented yet — your turn" (not a NumPy traceback), and the same
cell with its solution pasted back must print the checker's success line. The capstone
of notebook 06, run on the stubs, must stop at its first cell naming every exercise to revisit.
"""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from demystify.exercises import make_student_copies, strip_solutions, student_notebook
from demystify.exercises.student import BEGIN, END, STUB, is_exercise

nbclient = pytest.importorskip(
    "nbclient", reason="nbclient comes with JupyterLab (the [dev] extra)"
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
YOUR_TURN = "not implemented yet — your turn"
CHECK_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)

EXERCISE = '''def dense_forward(x, weights, bias):
    """Return x @ weights + bias for a whole batch, the bias folded into the weights."""
    ### BEGIN SOLUTION
    return np.hstack([x, np.ones((len(x), 1)) - offset]) @ np.vstack([weights, bias])
    ### END SOLUTION

check.dense_forward(dense_forward)'''

NESTED = '''import numpy as np


def relu(x, ceiling=np.inf):
    """min(max(x, 0), ceiling) element by element."""
    ### BEGIN SOLUTION
    return np.minimum(np.maximum(x, 0), ceiling)
    ### END SOLUTION


def relu_derivative(x, ceiling=np.inf):
    """1 where 0 < x < ceiling, else 0."""
    if True:
        ### BEGIN SOLUTION
        secret_slope = ((x > 0) & (x < ceiling)).astype(float)
        return secret_slope
        ### END SOLUTION

check.relu(relu, relu_derivative)'''


def fixture_notebook():
    """A notebook like ours: set-up, a cell with outputs (a solution uses its name), 2 exercises."""
    cells = [
        new_markdown_cell("# A tiny notebook\nWhat you will be able to do: pass two checks."),
        new_code_cell(
            "import numpy as np\n\nfrom demystify.exercises import check", execution_count=1
        ),
        new_code_cell(
            "offset = 0.0  # an earlier cell's name that a solution uses\nprint(2 + 2)",
            execution_count=2,
            outputs=[new_output("stream", name="stdout", text="4\n")],
        ),
        new_code_cell(
            EXERCISE,
            execution_count=3,
            metadata={"tags": ["exercise"]},
            outputs=[
                new_output("stream", name="stdout", text="✅ dense_forward passed 3 checks.\n")
            ],
        ),
        new_code_cell(
            NESTED,
            execution_count=4,
            metadata={"tags": ["exercise"]},
            outputs=[new_output("stream", name="stdout", text="✅ relu passed 7 checks.\n")],
        ),
    ]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )


# --- the stub --------------------------------------------------------------------------------


def test_a_solution_becomes_the_stub_at_the_markers_indentation():
    assert strip_solutions(EXERCISE) == (
        "def dense_forward(x, weights, bias):\n"
        '    """Return x @ weights + bias for a whole batch, the bias folded into the weights."""\n'
        f"    {STUB}\n"
        "\n"
        "check.dense_forward(dense_forward)"
    )
    nested = strip_solutions(NESTED)
    assert f"\n    {STUB}\n" in nested and f"\n        {STUB}\n" in nested
    assert "secret_slope" not in nested and "np.maximum" not in nested
    assert BEGIN not in nested and END not in nested
    compile(nested, "student cell", "exec")  # still valid Python


def test_cells_without_markers_are_unchanged():
    source = "x = 1\n# ### not a marker\nprint(x)"
    assert strip_solutions(source) == source


@pytest.mark.parametrize(
    "source, problem",
    [
        (f"def f():\n    {BEGIN}\n    return 1\n", "never closed"),
        (f"def f():\n    return 1\n    {END}\n", "without a"),
        (f"{BEGIN}\n{BEGIN}\n{END}\n", "inside another"),
    ],
)
def test_broken_markers_are_reported_in_plain_words(source, problem):
    with pytest.raises(ValueError, match=problem):
        strip_solutions(source, where="01_x.ipynb, cell 3")


def test_exercise_outputs_are_cleared_and_other_outputs_kept():
    original = fixture_notebook()
    student = student_notebook(original)
    assert [cell.source for cell in original.cells][:3] == [cell.source for cell in student.cells][
        :3
    ]
    kept = student.cells[2]
    assert kept.execution_count == 2 and kept.outputs[0]["text"] == "4\n"
    for cell in student.cells[3:]:
        assert is_exercise(cell) and cell.outputs == [] and cell.execution_count is None
        assert YOUR_TURN in cell.source and CHECK_CALL.search(cell.source)
    assert "- offset]) @ np.vstack" in original.cells[3].source  # the original is untouched


def test_the_command_line_makes_copies(tmp_path):
    src, out = tmp_path / "solved", tmp_path / "workshop"
    src.mkdir()
    nbformat.write(fixture_notebook(), src / "01_tiny.ipynb")
    (src / "sanitize.cfg").write_text("[x]\nregex: a\nreplace: b\n")
    (src / ".ipynb_checkpoints").mkdir()
    help_text = subprocess.run(
        [sys.executable, "-m", "demystify.exercises", "student", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SRC_DIR" in help_text and "OUT_DIR" in help_text and "BEGIN SOLUTION" in help_text
    done = subprocess.run(
        [sys.executable, "-m", "demystify.exercises", "student", str(src), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote 1 student notebooks" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["01_tiny.ipynb", "sanitize.cfg"]
    text = (out / "01_tiny.ipynb").read_text()
    assert "np.maximum" not in text and "secret_slope" not in text and BEGIN not in text
    same = subprocess.run(
        [sys.executable, "-m", "demystify.exercises", "student", str(src), str(src)],
        capture_output=True,
        text=True,
    )
    assert same.returncode != 0 and "own folder" in same.stderr  # never overwrite the solutions


# --- running the copies -------------------------------------------------------------------------


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


def test_the_fixture_notebook_says_your_turn_then_passes_when_solved(tmp_path):
    src, out = tmp_path / "solved", tmp_path / "workshop"
    src.mkdir()
    nbformat.write(fixture_notebook(), src / "01_tiny.ipynb")
    make_student_copies(src, out)
    student = nbformat.read(out / "01_tiny.ipynb", as_version=4)
    pairs = run_exercises(student, fixture_notebook(), out)
    assert any(needs_an_earlier_name(output) for output in pairs[0][1].outputs)  # needs `offset`
    pairs = run_and_check(student, fixture_notebook(), out)
    assert len(pairs) == 2


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
