"""Stored notebook outputs carry no trace of the machine that executed them.

A notebook's outputs are saved, shown on GitHub and on the slides, and compared by nbval on
other machines. So no output may hold an absolute path (a home folder, a virtual environment,
an installed package's file) and no output may hold a traceback, except in a cell tagged
``raises-exception``: the cells that show a deliberate failure on purpose.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# where a path of this machine or of its Python installation shows through
MACHINE_PATH = re.compile(
    r"(/root/|/home/|/work/|/tmp/|/usr/|/opt/|site-packages|dist-packages|\.venv|"
    r"[A-Za-z]:\\\\|/Users/)"
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*File \"", flags=re.M)
TEXT_KINDS = ("text/plain", "text/html", "text/markdown", "text/latex")  # images are not text
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def output_texts(output) -> list[str]:
    """Every piece of text an output stores (stream text, text data, an error's parts)."""
    kind = output.get("output_type")
    if kind == "stream":
        return [output.get("text", "")]
    if kind == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    data = output.get("data", {})
    return [str(data[key]) for key in TEXT_KINDS if key in data]


def stored_outputs(path: Path):
    """(cell index, its tags, one output) for every stored output of the notebook."""
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                yield index, cell.metadata.get("tags", []), output


def leaks(path: Path) -> list[str]:
    """What the notebook's stored outputs give away, one line each (empty when nothing)."""
    found = []
    for index, tags, output in stored_outputs(path):
        text = ANSI.sub("", "\n".join(output_texts(output)))
        found += [
            f"cell {index}: a path of this machine: {line.strip()!r:.160}"
            for line in dict.fromkeys(text.splitlines())  # each distinct line once
            if MACHINE_PATH.search(line)
        ]
        if "raises-exception" in tags:
            continue  # a deliberate failure may show its error
        if output.get("output_type") == "error":
            name = output.get("ename")
            found.append(f"cell {index}: an error ({name}) in a cell not tagged raises-exception")
        elif TRACEBACK.search(text):
            found.append(f"cell {index}: a traceback in a cell not tagged raises-exception")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_outputs_hold_no_machine_paths_and_no_stray_tracebacks(path):
    found = leaks(path)
    assert not found, f"{path.name}:\n" + "\n".join(found)


def test_the_scan_finds_a_path_and_a_stray_traceback(tmp_path):
    """The scan itself can fail: a notebook with a leaked path and a traceback is caught."""
    notebook = nbformat.v4.new_notebook()
    leaky = nbformat.v4.new_code_cell("print(np.__file__)")
    leaky.outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text="/work/main/.venv/lib/python3.11/numpy/__init__.py\n"
        )
    ]
    noisy = nbformat.v4.new_code_cell("session.stop()")
    noisy.outputs = [
        nbformat.v4.new_output(
            "stream", name="stderr", text='Traceback (most recent call last):\n  File "daemon.py"'
        )
    ]
    failing = nbformat.v4.new_code_cell("check.f(f)", metadata={"tags": ["raises-exception"]})
    failing.outputs = [
        nbformat.v4.new_output("error", ename="ExerciseFailed", evalue="f: wrong", traceback=[])
    ]
    clean = nbformat.v4.new_code_cell("print(1 / 3)")
    clean.outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.333\n")]
    notebook.cells = [leaky, noisy, failing, clean]
    path = tmp_path / "leaky.ipynb"
    nbformat.write(notebook, path)

    found = leaks(path)
    assert any(line.startswith("cell 0: a path") for line in found), found
    assert any(line.startswith("cell 1: a traceback") for line in found), found
    assert not [line for line in found if line.startswith(("cell 2", "cell 3"))], found


def test_a_failing_check_stores_no_path_of_this_machine(tmp_path):
    """Executed in a real kernel, a failing checker's stored error names the checker's file
    inside the package (``demystify/exercises/harness.py``), not by its path here."""
    nbclient = pytest.importorskip("nbclient")
    source = """import numpy as np
from demystify.exercises.harness import checker


@checker
def double(run, double):
    received = run.call(double, "double", {"x": np.array([1.0, 2.0])})
    run.compare("the output", [2.0, 4.0], received)


double(lambda x: x + 1)"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()  # fmt: skip
    [error] = notebook.cells[0].outputs
    assert error.ename == "ExerciseFailed"
    assert "first difference at index (1,): expected 4, received 3" in error.evalue
    shown = ANSI.sub("", "\n".join(error.traceback))
    assert "demystify/exercises/harness.py" in shown, shown
    assert not MACHINE_PATH.search(shown), shown
