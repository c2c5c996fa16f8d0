"""The house rules, checked on the code itself: contracts, not catalogues.

* the public face (`demystify.__all__`) names things that exist;
* no module imports another module's private (``_name``) names;
* no module decides behaviour with ``isinstance`` against one of our own classes
  (it asks the object instead: ``loss.classifier``, ``layer.config()`` ...);
* the training loop knows no concrete loss;
* every function or class a notebook prints with ``inspect.getsource`` carries
  the comment ``# shown in notebooks/NAME.ipynb`` right above it, so that
  whoever edits it knows which notebook to re-run.
"""

import ast
import inspect
import json
import re
from pathlib import Path

import pytest

import demystify as dm

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "demystify"
MODULES = sorted(PACKAGE.rglob("*.py"))


def our_class_names() -> set[str]:
    names = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
    return names


def test_all_names_things_that_exist():
    assert len(dm.__all__) == len(set(dm.__all__)) > 40
    missing = [name for name in dm.__all__ if not hasattr(dm, name)]
    assert not missing, f"demystify.__all__ names missing things: {missing}"
    for name in ("train_step", "Step", "Array", "Loss", "Layer", "save", "load"):
        assert name in dm.__all__


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_private_names(path):
    tree = ast.parse(path.read_text())
    private = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert not private, f"{path.name} imports private names {private}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_isinstance_against_our_own_classes(path):
    ours = our_class_names()
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            kinds = node.args[1]
            names = [k.id for k in getattr(kinds, "elts", [kinds]) if isinstance(k, ast.Name)]
            names += [
                k.attr for k in getattr(kinds, "elts", [kinds]) if isinstance(k, ast.Attribute)
            ]
            found += [name for name in names if name in ours]
    assert not found, f"{path.name} asks isinstance of our classes {found}: use a contract"


def test_the_training_loop_knows_no_concrete_loss():
    tree = ast.parse((PACKAGE / "training.py").read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    losses = {"SoftmaxCrossEntropy", "BinaryCrossEntropy", "MeanSquaredError", "Huber"}
    assert not losses & set(imported)
    assert "losses" not in [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ]


def notebook_namespace(cells: list[str]) -> dict:
    """Run only the notebook's imports (and ``name = inspect.getmodule(...)`` or ``name = a.b``
    aliases), to resolve the names it prints."""
    namespace: dict = {}
    for source in cells:
        for node in ast.parse(source).body:
            alias = isinstance(node, ast.Assign) and (
                isinstance(node.value, ast.Attribute)
                or "inspect.getmodule(" in ast.unparse(node.value)
            )
            if isinstance(node, (ast.Import, ast.ImportFrom)) or alias:
                try:
                    exec(compile(ast.Module([node], []), "<notebook imports>", "exec"), namespace)
                except (NameError, AttributeError):  # an alias of a value, not of the package
                    pass
    return namespace


NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_printed_source_carries_its_notebook_marker(notebook):
    cells = [
        "".join(cell["source"])
        for cell in json.loads(notebook.read_text())["cells"]
        if cell["cell_type"] == "code"
    ]
    cells = [
        "\n".join(line for line in cell.splitlines() if not line.startswith(("%", "!")))
        for cell in cells
    ]
    targets = {t for cell in cells for t in re.findall(r"inspect\.getsource\(([\w.]+)\)", cell)}
    namespace = notebook_namespace(cells)
    marker = f"# shown in notebooks/{notebook.name}"
    unmarked = []
    for target in sorted(targets):
        obj = eval(target, namespace)
        lines, start = inspect.getsourcelines(obj)
        above = Path(inspect.getsourcefile(obj)).read_text().splitlines()[: start - 1]
        comments = []
        for line in reversed(above):  # the comment block right above the def (or class)
            if not line.strip().startswith("#"):
                break
            comments.append(line.strip())
        if marker not in comments:
            unmarked.append(target)
    assert not unmarked, f"{notebook.name} prints {unmarked}, which lack the line {marker!r}"
