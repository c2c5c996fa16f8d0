"""Student copies: the notebooks with every exercise's solution replaced by a stub.

A solution sits between two marker lines inside a code cell::

    def relu(x):
        \"\"\"max(x, 0), element by element.\"\"\"
        ### BEGIN SOLUTION
        return np.maximum(x, 0)
        ### END SOLUTION

The markers and everything between them become one line, indented like the
``### BEGIN SOLUTION`` marker::

        raise NotImplementedError("not implemented yet — your turn")

Everything else in the cell (the ``def`` line, the docstring, the checker
call) stays. Exercise cells (tag ``exercise``, or any cell that held a
solution) lose their stored outputs and execution counts, so the copy does
not give the answer away; every other cell keeps its outputs.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("not implemented yet — your turn")'


def strip_solutions(source: str, where: str = "a cell") -> str:
    """`source` with each BEGIN/END SOLUTION block (markers included) replaced by the stub."""
    lines, out, inside = source.split("\n"), [], False
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: '{BEGIN}' inside another solution block")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif marker == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def is_exercise(cell) -> bool:
    """An exercise cell: tagged ``exercise``, or a code cell holding a solution block."""
    return cell.get("cell_type") == "code" and (
        "exercise" in cell.get("metadata", {}).get("tags", []) or BEGIN in cell.get("source", "")
    )


def student_notebook(notebook, name: str = "notebook"):
    """A copy of an nbformat notebook with the solutions stubbed and exercise outputs cleared."""
    notebook = copy.deepcopy(notebook)
    for index, cell in enumerate(notebook.cells):
        if not is_exercise(cell):
            continue
        cell.source = strip_solutions(cell.source, where=f"{name}, cell {index}")
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)  # timings of the solved run
    return notebook


def make_student_copies(src_dir, out_dir) -> list[Path]:
    """Copy the files of `src_dir` into `out_dir`, each notebook as a student copy.

    Returns the notebooks written. Hidden files and folders (``.ipynb_checkpoints``)
    are skipped; `out_dir` is created and must not be `src_dir` itself.
    """
    import nbformat  # comes with JupyterLab; only needed here

    src, out = Path(src_dir), Path(out_dir)
    if not src.is_dir():
        raise ValueError(f"the notebook folder {str(src)!r} does not exist")
    if out.resolve() == src.resolve():
        raise ValueError(
            "the student copies need their own folder: writing them into the source "
            "folder would delete the solutions"
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".ipynb":
            notebook = student_notebook(nbformat.read(path, as_version=4), name=path.name)
            nbformat.write(notebook, out / path.name)
            written.append(out / path.name)
        else:
            shutil.copy2(
                path, out / path.name
            )  # data, images, sanitize.cfg: notebooks may read them
    return written
