"""The capstone's collector: your functions, gathered from your notebooks, or what to revisit.

`learners_parts` reads the exercise cells of notebooks 01-05, runs each one's
code without its checker call, and checks the function quietly. In the solved
notebooks every piece passes; in a student copy every piece names the exercise
to revisit; a wrong solution is reported in the checker's own words.
"""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from demystify.exercises import ExerciseFailed, make_student_copies
from demystify.exercises.parts import PIECES, exercise_source, learners_parts
from demystify.exercises.student import BEGIN, END

pytest.importorskip("nbformat", reason="nbformat comes with JupyterLab (the [dev] extra)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REVISIT = re.compile(r"^revisit exercise (\d)\.(\d) in (\d\d_[a-z0-9_]+)\.ipynb")


def copy_of_the_notebooks(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for stem, *_ in PIECES.values():
        shutil.copy(NOTEBOOKS / f"{stem}.ipynb", folder)
    return folder


def replace_solution(notebook: Path, function: str, body: list[str]) -> None:
    """Put `body` (lines, indented as in a function) in place of `function`'s solution block."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and f"def {function}(" in source and BEGIN in source:
            lines = source.split("\n")
            start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
            end = next(i for i, line in enumerate(lines) if line.strip() == END)
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            lines[start : end + 1] = [indent + line for line in body]
            cell["source"] = "\n".join(lines)
            break
    else:
        raise AssertionError(f"no solved exercise cell defines {function} in {notebook.name}")
    notebook.write_text(json.dumps(data), encoding="utf-8")


def test_the_pieces_name_their_exercises_and_notebooks():
    for piece, (stem, label, checker, names) in PIECES.items():
        assert (NOTEBOOKS / f"{stem}.ipynb").is_file(), stem
        assert stem.startswith(f"0{label.split('.')[0]}_"), (piece, stem, label)
        assert piece in names
        source = exercise_source(NOTEBOOKS / f"{stem}.ipynb", piece)
        assert source and f"check.{checker}(" in source, f"{stem} has no exercise for {piece}"


def test_the_solved_notebooks_give_every_part_and_each_passes(capsys):
    parts = learners_parts(NOTEBOOKS)
    assert parts.problems == {}
    assert parts.ready and set(parts.functions) == set(PIECES)
    parts.require()  # nothing to revisit: no error
    parts.report()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PIECES)
    for line, (piece, (stem, label, _, _)) in zip(lines, PIECES.items()):
        assert line == f"✅ {piece}: your exercise {label} ({stem}) passes its checks"
    # the functions are the learner's own, and they work
    x, weights, bias = np.ones((2, 3)), np.arange(12.0).reshape(3, 4), np.ones(4)
    np.testing.assert_allclose(parts.dense_forward(x, weights, bias), x @ weights + bias)
    np.testing.assert_array_equal(parts.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert "dense_forward" in dir(parts) and "your parts" in repr(parts)


def test_a_student_copy_names_every_exercise_to_revisit(tmp_path, capsys):
    folder = tmp_path / "workshop"
    make_student_copies(copy_of_the_notebooks(tmp_path), folder)
    parts = learners_parts(folder)
    assert set(parts.problems) == set(PIECES) and parts.functions == {}
    for piece, (stem, label, _, _) in PIECES.items():
        problem = parts.problems[piece]
        assert problem.startswith(f"revisit exercise {label} in {stem}.ipynb"), problem
        assert "still the stub" in problem
    parts.report()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PIECES) and all(line.startswith("❌ ") for line in lines)
    with pytest.raises(ExerciseFailed) as caught:
        parts.require()
    message = str(caught.value)
    for stem, label, _, _ in PIECES.values():
        assert f"revisit exercise {label} in {stem}.ipynb" in message
    with pytest.raises(ExerciseFailed, match=r"revisit exercise 1\.2 in 01_"):
        parts.dense_forward  # noqa: B018  (a missing piece says where to go, not AttributeError)


def test_a_wrong_solution_is_reported_in_the_checkers_words(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    stem = PIECES["dense_forward"][0]
    replace_solution(folder / f"{stem}.ipynb", "dense_forward", ["return x @ weights.T + bias"])
    parts = learners_parts(folder)
    assert set(parts.problems) == {"dense_forward"}  # the other pieces are untouched
    problem = parts.problems["dense_forward"]
    assert REVISIT.match(problem).groups() == ("1", "2", stem), problem
    assert "the output is wrong" in problem
    assert "hint: the weights look transposed" in problem  # the checker's own hint
    assert "\n" not in problem  # one line in the report
    with pytest.raises(ExerciseFailed, match="the weights look transposed"):
        parts.require()


def test_a_cell_that_does_not_run_or_a_missing_notebook_is_reported(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    replace_solution(
        folder / f"{PIECES['softmax_cross_entropy'][0]}.ipynb",
        "softmax_cross_entropy",
        ["return helper_from_an_earlier_cell(logits, labels)"],
    )
    (folder / f"{PIECES['dense_backward'][0]}.ipynb").unlink()
    parts = learners_parts(folder)
    assert set(parts.problems) == {"softmax_cross_entropy", "dense_backward"}
    assert "raises NameError" in parts.problems["softmax_cross_entropy"]
    assert "helper_from_an_earlier_cell" in parts.problems["softmax_cross_entropy"]
    assert "the notebook is not in" in parts.problems["dense_backward"]
    assert parts.problems["dense_backward"].startswith("revisit exercise 4.1 in 04_")


# --- each part runs with the learner's other parts in scope ---------------------------------------

DENSE = PIECES["dense_forward"][0]  # the notebook of exercises 1.1 (neuron_forward) and 1.2


def insert_cell(notebook: Path, source: str, at: int = 2) -> None:
    """Put an ordinary code cell (not an exercise) at position `at` of the notebook."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
    data["cells"].insert(at, dict(cell, execution_count=None))
    notebook.write_text(json.dumps(data), encoding="utf-8")


def test_a_dense_forward_that_reuses_the_learners_neuron_forward_is_a_part(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    notebook = folder / f"{DENSE}.ipynb"
    replace_solution(notebook, "neuron_forward", ["return np.dot(inputs, weights) + bias"])
    replace_solution(notebook, "dense_forward", ["return neuron_forward(x, weights, bias)"])
    parts = learners_parts(folder)
    assert parts.problems == {}, parts.problems
    x, weights, bias = np.ones((2, 3)), np.arange(12.0).reshape(3, 4), np.ones(4)
    np.testing.assert_allclose(parts.dense_forward(x, weights, bias), x @ weights + bias)


def test_a_name_from_an_ordinary_cell_is_named_with_what_to_do(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    notebook = folder / f"{DENSE}.ipynb"
    insert_cell(notebook, "def add_bias(y, bias):\n    return y + bias")
    replace_solution(notebook, "dense_forward", ["return add_bias(x @ weights, bias)"])
    problem = learners_parts(folder).problems["dense_forward"]
    assert problem == (
        f"exercise 1.2 in {DENSE}.ipynb: this cell uses `add_bias`, defined in another cell: "
        "define it inside this cell"
    )


def test_an_import_from_another_cell_is_named_with_what_to_do(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    notebook = folder / f"{DENSE}.ipynb"
    replace_solution(notebook, "dense_forward", ["return dm.Dense and x @ weights + bias"])
    parts = learners_parts(folder)
    assert set(parts.problems) == {"dense_forward"}
    assert parts.problems["dense_forward"] == (
        f"exercise 1.2 in {DENSE}.ipynb: this cell uses `dm`, imported in another cell: "
        "import it inside this cell"
    )
    with pytest.raises(ExerciseFailed) as caught:
        parts.require()
    assert "revisit" not in str(caught.value), str(caught.value)


def test_a_name_missing_in_the_part_it_calls_names_that_part(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    notebook = folder / f"{DENSE}.ipynb"
    insert_cell(notebook, "offset = 0.0")
    replace_solution(notebook, "neuron_forward", ["return np.dot(inputs, weights) + bias + offset"])
    replace_solution(notebook, "dense_forward", ["return neuron_forward(x, weights, bias)"])
    problem = learners_parts(folder).problems["dense_forward"]
    assert problem == (
        f"exercise 1.1 in {DENSE}.ipynb (your `dense_forward` calls its `neuron_forward`): this "
        "cell uses `offset`, defined in another cell: define it inside this cell"
    )


def test_a_part_that_calls_a_stub_names_the_stubs_exercise(tmp_path):
    folder = copy_of_the_notebooks(tmp_path)
    notebook = folder / f"{DENSE}.ipynb"
    replace_solution(notebook, "neuron_forward", ['raise NotImplementedError("your turn")'])
    replace_solution(notebook, "dense_forward", ["return neuron_forward(x, weights, bias)"])
    problem = learners_parts(folder).problems["dense_forward"]
    assert problem == (
        f"revisit exercise 1.1 in {DENSE}.ipynb: your `dense_forward` calls its `neuron_forward`, "
        "which is still the stub `raise NotImplementedError`"
    )
