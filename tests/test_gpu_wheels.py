"""benchmarks/gpu/wheels.py: pure-Python wheels installed offline from a folder, and what is
still missing said in one line (a GPU machine has no network; benchmarks/README.md)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, load_script


@pytest.fixture(scope="module")
def gpu_check():
    """The GPU check's wheels module, reached the way benchmarks/gpu_check.py reaches it."""
    load_script("gpu_check", ROOT / "benchmarks" / "gpu_check.py")  # puts benchmarks/ on the path
    from gpu import wheels

    return wheels


# --- wheels from a folder, offline ----------------------------------------------------------------


def make_wheel(folder: Path, name: str = "gpucheck_probe", version: str = "1.0") -> Path:
    """A real, tiny pure-Python wheel: one module that says hello."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "HELLO = 'from a wheel'\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.mark.parametrize("use_pip", [True, False], ids=["pip", "unpacked"])
def test_wheels_from_a_folder_are_installed_offline(gpu_check, tmp_path, use_pip):
    wheel = make_wheel(tmp_path / "wheels")
    make_wheel(tmp_path / "wheels", name="numpy", version="0.0.1")  # installed here: left alone
    target = tmp_path / "site"
    lines = gpu_check.install_wheels(tmp_path / "wheels", target, use_pip=use_pip)
    how = "pip, offline" if use_pip else "unpacked"
    assert lines == [
        "numpy-0.0.1-py3-none-any.whl: already installed here, not used",
        f"{wheel.name}: installed ({how})",
    ]
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import gpucheck_probe; print(gpucheck_probe.HELLO)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout == "from a wheel\n", result.stderr


def test_use_site_reaches_this_process_and_its_children(gpu_check, tmp_path, monkeypatch):
    make_wheel(tmp_path / "wheels", name="gpucheck_probe_two")
    gpu_check.install_wheels(tmp_path / "wheels", tmp_path / "site", use_pip=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    assert gpu_check.missing_projects({"gpucheck_probe_two": "gpucheck-probe-two"}) == [
        "gpucheck-probe-two"
    ]
    gpu_check.use_site(tmp_path / "site")
    assert (
        gpu_check.missing_projects({"gpucheck_probe_two": "gpucheck-probe-two", "json": "-"}) == []
    )
    assert os.environ["PYTHONPATH"] == os.pathsep.join([str(tmp_path / "site"), "/somewhere/else"])


def test_what_is_missing_is_said_in_one_line(gpu_check):
    assert gpu_check.missing_projects({"no_such_module_here": "no-such", "json": "json"}) == [
        "no-such"
    ]
    assert gpu_check.missing_line(["array-api-compat"]) == (
        "gpu-check: missing: array-api-compat (give --wheels DIR holding its wheel; "
        "see benchmarks/README.md)"
    )
    assert "array-api-compat, tqdm (give --wheels DIR holding their wheels" in (
        gpu_check.missing_line(["array-api-compat", "tqdm"])
    )
    assert gpu_check.project_of(Path("array_api_compat-1.16.0-py3-none-any.whl")) == (
        "array-api-compat"
    )
