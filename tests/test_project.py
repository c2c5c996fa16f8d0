"""The project around the code: a light import, the command line, and dependency lists that agree.

`import demystify` must need only NumPy and tqdm, so the optional libraries are
imported lazily; and environment.yml (conda) must list the same packages, with
the same lower bounds, as pyproject.toml's core dependencies and "dev" extra.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
OPTIONAL = [
    "matplotlib",
    "ipywidgets",
    "pyspark",
    "torch",
    "cupy",
    "pooch",
    "array_api_compat",
    "array_api_strict",
    "pandas",
    "sklearn",
]


def test_import_demystify_loads_no_optional_library():
    code = (
        "import sys, demystify; "
        f"print(sorted(name for name in {OPTIONAL!r} if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
    # and the check itself can see a module when it is loaded
    code = code.replace("import sys, demystify;", "import sys, demystify, pooch;")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode == 0:
        assert "pooch" in result.stdout


def normalise(requirement: str) -> tuple[str, str]:
    """``"Scikit_Learn >= 1.3"`` -> ``("scikit-learn", ">=1.3")``: name and version bound."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(3).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    """Core dependencies plus the dev extra, with ``demystify[a,b]`` expanded to those extras."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]

    def expand(requirements):
        for requirement in requirements:
            name, _ = normalise(requirement)
            if name == "demystify":
                for extra in re.search(r"\[(.*)\]", requirement).group(1).split(","):
                    yield from expand(extras[extra.strip()])
            else:
                yield normalise(requirement)

    return dict(expand(project["dependencies"] + extras["dev"]))


def read_environment(text: str) -> tuple[list[str], list[str]]:
    """The conda and pip entries under ``dependencies:`` (the YAML shape environment.yml uses)."""
    conda, pip, section, pip_indent = [], [], None, None
    for line in text.splitlines():
        content = line.split(" #", 1)[0].rstrip()
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        indent = len(content) - len(content.lstrip())
        if indent == 0:  # a top-level key such as "channels:" or "dependencies:"
            section, pip_indent = content.rstrip(":"), None
            continue
        if section != "dependencies" or not content.lstrip().startswith("- "):
            continue
        entry = content.lstrip()[2:].strip()
        if pip_indent is not None and indent > pip_indent:
            pip.append(entry)
        elif entry == "pip:":
            pip_indent = indent
        else:
            conda.append(entry)
            pip_indent = None
    return conda, pip


def environment_requirements() -> dict[str, str]:
    text = (REPO / "environment.yml").read_text()
    try:
        import yaml
    except ImportError:
        conda, pip = read_environment(text)
    else:
        data = yaml.safe_load(text)
        assert data["channels"] == ["conda-forge"]
        conda = [d for d in data["dependencies"] if isinstance(d, str)]
        pip = [p for d in data["dependencies"] if isinstance(d, dict) for p in d["pip"]]
        assert (conda, pip) == read_environment(text)  # the tiny reader agrees with PyYAML
    assert "conda-forge" in text
    requirements = [entry for entry in conda if normalise(entry)[0] not in {"python", "pip"}]
    requirements += [entry for entry in pip if not entry.startswith("-e")]  # the package itself
    assert "python>=3.10" in [entry.replace(" ", "") for entry in conda]
    assert any(entry.startswith("-e") for entry in pip)
    return dict(normalise(entry) for entry in requirements)


def test_environment_yml_matches_pyproject():
    expected, found = pyproject_requirements(), environment_requirements()
    assert {"numpy", "tqdm", "pytest", "hypothesis", "matplotlib", "pooch"} <= set(expected)
    assert set(found) == set(expected), (
        f"only in pyproject: {sorted(set(expected) - set(found))}; "
        f"only in environment.yml: {sorted(set(found) - set(expected))}"
    )
    assert found == expected  # the same lower bounds too


def test_the_tiny_yaml_reader():
    conda, pip = read_environment(
        "channels:\n  - conda-forge\ndependencies:\n  - a>=1  # note\n"
        "  - pip\n  - pip:\n      - b\n      - -e .\n  - c\nother: 1\n"
    )
    assert conda == ["a>=1", "pip", "c"] and pip == ["b", "-e ."]


def run_cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "demystify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_the_demo_command_trains_reports_and_saves(tmp_path):
    import demystify as dm

    out = tmp_path / "digits-model.npz"
    result = run_cli(
        "demo", "--epochs", "8", "--hidden", "64", "--seed", "1", "--out", str(out), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"held-out accuracy: ([0-9.]+)", result.stdout).group(1))
    assert accuracy >= 0.9
    assert f"saved the model to {out}" in result.stdout
    assert "training" in result.stderr and "8/8" in result.stderr  # the progress bar
    model = dm.load(out)
    assert model.layers[0].weights.shape == (64, 64)
    # the saved model is the one that was measured
    X, y = dm.datasets.digits()
    X_train, X_test, _, y_test = dm.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    _, X_test = dm.datasets.standardize(X_train, X_test)
    assert round(dm.accuracy(model.predict(X_test), y_test), 4) == accuracy


def test_the_demo_command_default_path_and_help(tmp_path):
    result = run_cli("demo", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demystify-digits.npz").exists()
    help_text = run_cli("demo", "--help", cwd=tmp_path).stdout
    for option in ("--epochs", "--hidden", "--seed", "--out"):
        assert option in help_text
    assert "demo" in run_cli("--help", cwd=tmp_path).stdout
    assert run_cli(cwd=tmp_path).returncode != 0  # no command: usage error, not a traceback


@pytest.mark.parametrize(
    "option, words",
    [
        (("--out", ""), "--out must name a file to write the model to, got ''"),
        (("--out", "."), "--out must name a file"),
        (("--epochs", "0"), "--epochs and --hidden must be at least 1, got 0, 256"),
        (("--hidden", "-3"), "--epochs and --hidden must be at least 1"),
    ],
)
def test_the_demo_command_refuses_bad_settings_before_training(tmp_path, option, words):
    """issue #25: `--out ''` trained, then died in a traceback; `--epochs 0` died in CosineDecay."""
    result = run_cli("demo", *option, cwd=tmp_path)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "training" not in result.stderr
    assert not list(tmp_path.iterdir())  # nothing trained, nothing written
