"""Workshop mode: student copies have no solutions, say "your turn", and pass once solved.

A small fixture notebook, built here with nbformat, covers the details (indentation,
outputs kept or cleared, bad markers, the command line). The real ``notebooks/``
are then copied for students and run: every exercise cell must stop with the
checker's "not implemented yet — your turn" (not a NumPy traceback), and the same
cell with its solution pasted back must print the checker's success line. The capstone
of notebook 06, run on the stubs, must stop at its first cell naming every exercise to revisit.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from exercise_runs import CHECK_CALL, YOUR_TURN, needs_an_earlier_name, run_and_check, run_exercises
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from demystify.exercises import make_student_copies, strip_solutions, student_notebook
from demystify.exercises.student import BEGIN, END, STUB, is_exercise

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

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
