"""Pure-Python packages this machine lacks (array-api-compat, ...), installed offline from a folder.

A GPU machine may have no network at all: the wheels come along in a folder
(``--wheels DIR``; ``.whl/`` when it exists) and are installed with pip ``--no-index``,
or simply unpacked where pip is missing (a pure-Python wheel is a zip of the package).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

# the pure-Python packages the phases import: import name -> project name on PyPI
PURE = {
    "array_api_compat": "array-api-compat",
    "tqdm": "tqdm",
    "threadpoolctl": "threadpoolctl",
    "pytest": "pytest",
}


def project_of(wheel: Path) -> str:
    """The normalised project name of a wheel file: ``array_api_compat-1.9-py3-none-any.whl``
    -> ``array-api-compat``."""
    return re.sub(r"[-_.]+", "-", Path(wheel).name.split("-")[0]).lower()


def is_installed(project: str) -> bool:
    try:
        importlib.metadata.distribution(project)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def install_wheels(folder: Path, target: Path, use_pip: bool = True) -> list[str]:
    """Install into `target` the wheels in `folder` whose projects are not installed here.

    With pip, offline (``--no-index --no-deps``); where pip is missing or fails, pure-Python
    wheels (``*-none-any.whl``) are unpacked, which is all installing one amounts to. Returns
    one line per wheel saying what happened to it.
    """
    lines, todo = [], []
    wheels = sorted(Path(folder).glob("*.whl"))
    if not wheels:
        return [f"{folder}: no wheels there"]
    for wheel in wheels:
        if is_installed(project_of(wheel)):
            lines.append(f"{wheel.name}: already installed here, not used")
        else:
            todo.append(wheel)
    if not todo:
        return lines
    target.mkdir(parents=True, exist_ok=True)
    if use_pip:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *map(str, todo),
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            return lines + [f"{wheel.name}: installed (pip, offline)" for wheel in todo]
        why = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        lines.append(f"pip could not install them ({why}); unpacking the pure-Python ones")
    for wheel in todo:
        if wheel.name.endswith("-none-any.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)
            lines.append(f"{wheel.name}: installed (unpacked)")
        else:
            lines.append(f"{wheel.name}: not pure Python and no pip to install it: not used")
    return lines


def use_site(target: Path) -> None:
    """Make `target` importable here and in every process started from here."""
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(target), *filter(None, [os.environ.get("PYTHONPATH")])]
    )


def missing_projects(modules=PURE) -> list[str]:
    """The projects (PyPI names) of the `modules` that cannot be imported here."""
    return [
        project for module, project in modules.items() if importlib.util.find_spec(module) is None
    ]


def missing_line(projects) -> str:
    their = "its wheel" if len(projects) == 1 else "their wheels"
    return (
        f"gpu-check: missing: {', '.join(projects)} (give --wheels DIR holding {their}; "
        "see benchmarks/README.md)"
    )
