"""Shared test set-up: every test starts on the NumPy backend with a fixed seed, and in its lanes.

Lanes (markers declared in pyproject.toml) are given here by file, so no test file
has to carry them: ``make test-fast`` runs everything not marked slow, browser, spark
or notebooks; ``pytest -m part04`` runs what notebook 04 teaches (minitorch's
``task0_1`` style). The exercise checkers are marked by the notebook whose
``checks_NN`` module holds them, and nbval's notebook cells by their notebook.

Also here: matplotlib's figures closed after every test, the talk deck built once
per run (`build`, `deck`) for ``test_slides.py`` and ``test_slides_browser.py``, and the
local Spark (`sessions`, `spark`) of the ``test_spark*.py`` files that import
``spark_helpers`` (one session per file).
"""

import re
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
from helpers import ROOT, has_browser, load_script

import demystify as dm

# test file -> its lanes (a part is the notebook, 00-11, that teaches what the file tests)
LANES = {
    "test_autograd.py": ("part11",),
    "test_backends.py": ("gpu", "part08"),
    "test_bad_app_input.py": ("part10",),  # evolution, among others
    "test_bad_picture_input.py": ("part07",),
    "test_benchmark.py": ("slow",),
    "test_browser_lab.py": ("browser", "slow", "part00"),
    "test_browser_rise.py": ("browser", "slow"),
    "test_browser_widgets.py": ("browser", "slow", "part04", "part07"),
    "test_browser_stepper.py": ("browser", "slow", "part04"),
    "test_evolve.py": ("part10",),
    "test_gpu_check.py": ("gpu", "part08"),
    "test_gpu_wheels.py": ("gpu",),
    "test_lab_setup.py": ("part07",),
    "test_layers.py": ("part01", "part02"),
    "test_load_untrusted.py": ("part06",),
    "test_losses.py": ("part03",),
    "test_model.py": ("part01",),
    "test_optim.py": ("part05",),
    "test_parts.py": ("part06",),
    "test_saving.py": ("part06",),
    "test_slides.py": ("browser", "slow"),
    "test_slides_browser.py": ("browser", "slow"),
    "test_spark.py": ("spark", "slow", "part09"),
    "test_spark_averaging.py": ("spark", "slow", "part09"),
    "test_spark_bad_input.py": ("spark", "slow", "part09"),
    "test_spark_cluster.py": ("spark", "slow", "part09"),
    "test_spark_data.py": ("spark", "slow", "part09"),
    "test_spark_failures.py": ("spark", "slow", "part09"),
    "test_spark_speed.py": ("spark", "slow", "part09"),
    "test_stepper.py": ("part04",),
    "test_stepper_consistency.py": ("part04",),
    "test_stepper_views.py": ("part04",),
    "test_training.py": ("part06",),
    "test_callbacks.py": ("part06",),
    "test_viz.py": ("part07",),
    "test_dashboard.py": ("part07",),
    "test_dashboard_views.py": ("part07",),
    "test_pandas_input.py": ("part06",),
    "test_bad_spark_input.py": (),  # by test, below
}
# files whose tests sit in different lanes: the start of a test's name -> its lanes
BY_TEST = {
    "test_pandas_input.py": {
        "test_spark_": ("spark", "slow", "part09"),
        "test_the_dash": ("part07",),
    },
    "test_bad_spark_input.py": {
        "test_spark_": ("spark", "slow", "part09"),
        "test_dash": ("part07",),
    },
}
# single tests that take seconds (measured with --durations, quiet and loaded), by file:
# the start of the test's name (its parameters included)
SLOW = {
    # a hundred epochs on the array API's reference namespace and on torch: 1-20 s each on a
    # quiet machine, minutes when torch's threads fight other work for the cores
    "test_backends.py": (
        "test_training_converges_and_matches_numpy[array_api_strict",
        "test_training_converges_and_matches_numpy[torch",
    ),
    # whole runs of the GPU check in a subprocess, cut by its time limits
    "test_gpu_check.py": (
        "test_a_run_whose_phases_all_fail_still_writes_its_report",
        "test_run_command_kills_a_phase_and_its_workers_at_the_time_limit",
    ),
    # a kernel started, or a notebook's exercises run, per test: 1-3 s each, 5-20 s loaded
    "test_workshop.py": (
        "test_the_command_line_makes_copies",
        "test_the_fixture_notebook_says_your_turn_then_passes_when_solved",
    ),
    "test_workshop_notebooks.py": (
        "test_each_exercise_says_your_turn_then_passes_when_solved",
        "test_the_capstone_runs_on_the_stubs_with_the_revisit_exercise_message",
    ),
}
NOTEBOOK = re.compile(r"^(\d\d)_")


def _checker_parts(nodeid: str) -> set[str]:
    """``partNN`` for each exercise checker a test's id names (its ``checks_NN`` module)."""
    from demystify.exercises import check

    parts = set()
    for word in re.split(r"[^A-Za-z0-9_]+", nodeid):
        module = getattr(getattr(check, word, None), "__module__", "")
        if re.search(r"checks_\d\d$", module):
            parts.add(f"part{module[-2:]}")
    return parts


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path
        names = set(LANES.get(path.name, ()))
        if item.name.startswith(SLOW.get(path.name, ())):
            names.add("slow")
        for start, lanes in BY_TEST.get(path.name, {}).items():
            names |= set(lanes) if item.name.startswith(start) else set()
        if path.suffix == ".ipynb":  # nbval: one item per cell of a stored notebook
            names.add("notebooks")
            match = NOTEBOOK.match(path.name)
            if match:
                names.add(f"part{match.group(1)}")
        elif path.name.startswith("test_exercises"):
            names |= _checker_parts(item.nodeid)
        for name in sorted(names):
            item.add_marker(name)


@pytest.fixture(autouse=True)
def numpy_backend():
    with dm.use("numpy"):
        yield


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test left open (when pyplot was imported at all)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --- a local Spark, one per test file (tests/spark_helpers.py skips a file without PySpark) ---


@pytest.fixture(scope="module")
def sessions():
    from spark_helpers import Sessions

    shared = Sessions()
    yield shared
    shared.stop()


@pytest.fixture
def spark(sessions):
    """A local Spark with 2 cores that tries a failing task up to 4 times."""
    return sessions.get(task_attempts=4)


# --- the talk deck, built once for test_slides and test_slides_browser -------------------------


@pytest.fixture(scope="session")
def build():
    """The deck builder's modules (`talk`, `source`), skipping without the slides' extras."""
    pytest.importorskip("matplotlib", reason="the slides' figures need the viz extra")
    pytest.importorskip("mistune", reason="the slides' markdown needs mistune (jupyterlab has it)")
    load_script("slides_build", ROOT / "slides" / "build.py")  # puts slides/deck in reach
    from deck import source, talk

    return types.SimpleNamespace(
        parse=talk.parse, sections=talk.sections, source_of=source.source_of, talk=talk
    )


@pytest.fixture(scope="session")
def deck(build, tmp_path_factory):
    """The deck's ``index.html`` from ``slides/build.py`` (and its PDF when Chromium is there)."""
    if shutil.which("npm") is None and not (ROOT / "slides" / "node_modules").exists():
        pytest.skip("npm is needed once to install reveal.js for the slides")
    out = tmp_path_factory.mktemp("deck")
    command = [sys.executable, str(ROOT / "slides" / "build.py"), "--out", str(out)]
    result = subprocess.run(
        command + (["--pdf"] if has_browser() else []), capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out / "index.html"
