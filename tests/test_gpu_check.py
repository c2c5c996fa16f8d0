"""benchmarks/gpu_check.py without a GPU: its dry path, its report and verdicts, its wheels.

The GPU run itself needs a machine with one (benchmarks/README.md says how). What can be
checked anywhere is checked here: without CuPy, or with a CuPy that sees no device, the script
says so in one line and exits 0 (the path CI runs); the report and its verdicts from made-up
results; a phase cut short by its time limit, its workers with it; installing wheels from a
folder offline; and, with a stand-in CuPy that claims a GPU but cannot compute, a whole run whose
phases all fail and which still writes its report. A stand-in `cupy` package put first on the
path makes each case the same on every machine, one with a real GPU included.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from helpers import load_script

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "gpu_check.py"

AVAILABLE = "class cuda:\n    @staticmethod\n    def is_available():\n        return {}\n"
STAND_INS = {
    "missing": 'raise ImportError("hidden by the test")\n',
    "no device": AVAILABLE.format(False),
    "broken driver": (
        "class cuda:\n    @staticmethod\n    def is_available():\n"
        '        raise RuntimeError("CUDA driver version is insufficient\\nfor CUDA runtime")\n'
    ),
    "claims a GPU": AVAILABLE.format(True),
}


@pytest.fixture(scope="module")
def gpu_check():
    """The check's parts (benchmarks/gpu/), reached the way the script reaches them."""
    load_script("gpu_check", SCRIPT)  # puts benchmarks/ first on the path, for `gpu`
    from gpu import process, profile, report, targets

    return types.SimpleNamespace(
        **{name: getattr(process, name) for name in ("run_command", "status_of", "junit_counts")},
        **{name: getattr(report, name) for name in ("render", "write_report")},
        targets=targets.targets,
        profile=profile,
    )


def stand_in_cupy(folder: Path, kind: str) -> dict:
    """An environment whose `import cupy` finds the stand-in of this `kind` first."""
    (folder / "cupy").mkdir(parents=True)
    (folder / "cupy" / "__init__.py").write_text(STAND_INS[kind])
    path = os.pathsep.join([str(folder), str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}


# --- without a GPU: one line, exit 0 --------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("missing", "CuPy not installed"),
        ("no device", "CuPy is installed but sees no CUDA device"),
        ("broken driver", "CuPy cannot reach a GPU: CUDA driver version is insufficient"),
    ],
)
def test_without_a_gpu_it_says_so_in_one_line_and_exits_0(tmp_path, kind, reason):
    env = {**stand_in_cupy(tmp_path / "site", kind), "OUT": str(tmp_path / "out")}
    report = tmp_path / "report.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(report), "--wheels", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"gpu-check: no CUDA GPU visible ({reason}) — nothing to verify\n"
    assert result.stderr == ""
    assert not report.exists() and not (tmp_path / "out").exists()  # nothing written


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_gpu_check_runs_it_with_or_without_the_venv(tmp_path):
    env = stand_in_cupy(tmp_path / "site", "missing")
    line = "gpu-check: no CUDA GPU visible (CuPy not installed) — nothing to verify\n"
    for extra in ([], ["BIN=/nonexistent"]):  # the venv's Python, or a plain python3
        if extra and shutil.which("python3") is None:
            continue
        result = subprocess.run(
            ["make", "-s", "gpu-check", *extra],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (result.returncode, result.stdout) == (0, line), result.stderr


# --- the report and its verdicts ----------------------------------------------------------------


def made_up_bench(cupy_128: float, cupy_8192: float, peaks) -> dict:
    """train_speed.py's JSON with demystify[cupy]'s seconds and peak MiB as given."""
    mib = 2**20
    return {
        "rows": 60_000,
        "rounds": 2,
        "repeats": 2,
        "threads": 16,
        "rate": 1e12,
        "gpu_rate": 5e13,
        "complete": True,
        "errors": {},
        "results": [
            {"system": "FLOP limit, GPU (matmuls only)", "batch": 128, "seconds": 0.006},
            {"system": "demystify[cupy]", "batch": 128, "seconds": cupy_128},
            {"system": "hand CuPy loop", "batch": 128, "seconds": 0.40},
            {"system": "PyTorch eager CUDA", "batch": 128, "seconds": 0.60},
            {"system": "demystify[cupy]", "batch": 8192, "seconds": cupy_8192},
            {"system": "PyTorch eager CUDA", "batch": 8192, "seconds": 0.100},
        ],
        "memory": {
            "demystify[cupy]": [p * mib for p in peaks],
            "PyTorch eager CUDA": [9 * mib] * 3,
        },
    }


def made_up_state(cupy_128=0.50, cupy_8192=0.110, peaks=(40, 40, 40), cupy_shift=1e-6):
    """What a finished run records, with demystify[cupy]'s numbers as given."""
    losses = [1.2, 0.5, 0.3]
    bench = made_up_bench(cupy_128, cupy_8192, peaks)
    whole, bare = "whole step, as fit takes it", "- without the running accuracy"
    floor, peer = "hand CuPy loop step (the floor)", "PyTorch eager CUDA step"
    profile = {
        "batches": {
            "128": [
                {"piece": whole, "us": 1000.0},
                {"piece": bare, "us": 900.0, "host_us": 850.0},
                {"piece": floor, "us": 500.0, "host_us": 300.0},
                {"piece": peer, "us": 800.0, "host_us": 700.0},
            ]
        }
    }
    tests = {
        "tests": 27,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "passed": 27,
        "failed_tests": [],
        "skip_reasons": [],
    }
    digits = {
        "epochs": 3,
        "setup": "64-64-64-10 ReLU",
        "numpy": {"seconds": 0.5, "array_type": "numpy", "loss": losses, "val_loss": losses},
        "cupy": {
            "seconds": 0.9,
            "array_type": "cupy",
            "loss": [v + cupy_shift for v in losses],
            "val_loss": losses,
        },
    }
    ok = {"status": "ok", "seconds": 1.0, "timeout": 60, "log": ""}
    return {
        "started": "2026-12-01T12:00:00+00:00",
        "command": "python3 benchmarks/gpu_check.py",
        "budget": 420,
        "seconds": 300,
        "finished": True,
        "wheels": [],
        "missing": [],
        "machine": {"GPU (nvidia-smi)": "NVIDIA H200, 143771 MiB, 570.00"},
        "phases": {
            "tests_cupy": {**ok, "data": tests},
            "tests_torch": {**ok, "data": tests},
            "digits": {**ok, "data": digits},
            "bench": {**ok, "data": bench},
            "profile": {**ok, "data": profile},
        },
    }


def test_the_profile_pieces_here_are_the_ones_it_measures(gpu_check):
    state = made_up_state()
    pieces = {row["piece"] for row in state["phases"]["profile"]["data"]["batches"]["128"]}
    names = gpu_check.profile
    assert pieces == {names.WHOLE, names.NO_ACCURACY, names.HAND_STEP, names.TORCH_STEP}


def test_every_target_met(gpu_check):
    state = made_up_state()
    verdicts = gpu_check.targets(state)
    assert [verdict.verdict for verdict in verdicts] == ["MET"] * 5, verdicts
    values = {verdict.target.key: verdict.value for verdict in verdicts}
    assert values["speed_128"] == pytest.approx(0.50 / 0.60)  # against PyTorch's, same batch
    assert values["speed_8192"] == pytest.approx(0.110 / 0.100)
    assert values["tests_cupy"] == 0 and values["memory"] == 0
    # the worst epoch's difference over its bound: 1e-6 at a loss of 0.3, 1e-4 * 0.3 + 1e-6
    assert values["digits"] == pytest.approx(1e-6 / (1e-4 * 0.3 + 1e-6), rel=1e-6)
    details = {label: detail for label, _, detail in verdicts}
    assert details["CuPy at batch 128 no slower than PyTorch CUDA eager"].startswith("0.83x")
    report = gpu_check.render(state)
    assert "| tests/test_backends.py passes on cupy | MET | 27 passed, 0 failed" in report
    assert "| demystify[cupy] | 0.500 | 0.110 | 40.0 | no |" in report
    assert "* demystify[cupy], batch 8192: 1.10x" in report
    assert "NVIDIA H200" in report and "Missed:" not in report
    assert "| 2 | 0.500000 | 0.500001 | 1.0e-06 |" in report  # the digits, epoch by epoch


def test_missed_targets_are_named_and_the_step_taken_apart(gpu_check):
    state = made_up_state(cupy_128=0.75, cupy_8192=0.130, peaks=(40, 48, 56), cupy_shift=1e-3)
    values = {verdict.target.key: verdict.value for verdict in gpu_check.targets(state)}
    assert values["speed_128"] == pytest.approx(0.75 / 0.60)
    assert values["speed_8192"] == pytest.approx(0.130 / 0.100)
    assert values["memory"] == 1 and values["digits"] == pytest.approx(1e-3 / 3.1e-5, rel=1e-6)
    verdicts = {label: (verdict, detail) for label, verdict, detail in gpu_check.targets(state)}
    assert verdicts["CuPy at batch 128 no slower than PyTorch CUDA eager"][0] == "MISSED"
    assert verdicts["CuPy at batch 8192 at most 1.25x PyTorch CUDA eager's time"][0] == "MISSED"
    memory = [v for label, v in verdicts.items() if label.startswith("device memory")][0]
    assert memory == ("MISSED", "40.0 -> 48.0 -> 56.0 MiB")
    digits = [v for label, v in verdicts.items() if label.startswith("CuPy training")][0]
    assert digits[0] == "MISSED" and "largest difference 1.00e-03" in digits[1]
    report = gpu_check.render(state)
    assert "Missed: CuPy at batch 128 no slower than PyTorch CUDA eager;" in report
    # where the time goes, from the step variants: accuracy 100 µs, the rest 900 - 500
    assert (
        "A demystify step takes 1000 µs against the hand loop's 500 µs: running accuracy +100 µs, "
        "the rest (float(loss) waiting for the GPU, layer calls, out-of-place arrays) +400 µs."
        in report
    )
    assert "PyTorch eager CUDA takes 800 µs" in report and "launch-bound" in report
    assert "| 2 | 0.500000 | 0.501000 | 1.0e-03 | 0.500000 | 0.500000 | 0.0e+00 | NO |" in report


def test_a_phase_that_failed_or_timed_out_is_marked_and_the_rest_reported(gpu_check):
    state = made_up_state()
    state["phases"]["bench"] = {
        "status": "timed out after 210 s",
        "seconds": 210.0,
        "timeout": 210,
        "data": None,
        "log": "  round 1  batch   128 ...",
    }
    state["phases"]["digits"] = {
        "status": "failed (exit 1)",
        "seconds": 2.0,
        "data": None,
        "log": "ImportError: no array_api_compat",
    }
    del state["phases"]["tests_torch"]
    verdicts = {label: (verdict, detail) for label, verdict, detail in gpu_check.targets(state)}
    assert verdicts["CuPy at batch 128 no slower than PyTorch CUDA eager"] == (
        "not measured",
        "no time for demystify[cupy] and PyTorch eager CUDA; phase timed out after 210 s",
    )
    assert verdicts["tests/test_backends.py passes on cupy"][0] == "MET"
    report = gpu_check.render(state)
    assert (
        "| train_speed.py at batch 128 and 8192 | timed out after 210 s | 210.0 | 210 |" in report
    )
    assert "| tests/test_backends.py on torch, CUDA tensors | not run | - | - |" in report
    assert "ImportError: no array_api_compat" in report  # a failure shows its output


def test_run_command_kills_a_phase_and_its_workers_at_the_time_limit(gpu_check):
    child = (
        "import subprocess, sys, time\n"
        "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(worker.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    start = time.perf_counter()
    run = gpu_check.run_command([sys.executable, "-c", child], timeout=2)
    assert run["timed_out"] and time.perf_counter() - start < 20
    assert gpu_check.status_of(run).startswith("timed out after")
    worker = int(run["stdout"].split()[0])  # the output from before the timeout is kept
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        try:
            if "State:\tZ" in Path(f"/proc/{worker}/status").read_text():
                break  # dead, waiting to be reaped
        except FileNotFoundError:
            break  # gone
        time.sleep(0.1)
    else:
        raise AssertionError("the worker outlived the time limit")
    ok = gpu_check.run_command([sys.executable, "-c", "print('fine')"], timeout=30)
    assert (gpu_check.status_of(ok), ok["stdout"]) == ("ok", "fine\n")


def test_junit_counts(gpu_check, tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuites><testsuite name="pytest" tests="4" failures="1" errors="0" skipped="1">'
        '<testcase classname="tests.test_backends" name="test_a[cupy]"/>'
        '<testcase classname="tests.test_backends" name="test_b[cupy]"/>'
        '<testcase classname="tests.test_backends" name="test_c[cupy]"><failure message="x"/>'
        '</testcase><testcase classname="tests.test_backends" name="test_d[cupy]">'
        '<skipped message="CuPy is installed but no CUDA GPU is visible"/></testcase>'
        "</testsuite></testsuites>"
    )
    counts = gpu_check.junit_counts(xml)
    assert (counts["passed"], counts["failures"], counts["skipped"]) == (2, 1, 1)
    assert counts["failed_tests"] == ["test_c[cupy]"]
    assert counts["skip_reasons"] == ["CuPy is installed but no CUDA GPU is visible"]
    assert gpu_check.junit_counts(tmp_path / "absent.xml") is None  # pytest killed before writing


def test_write_report_also_copies_into_out(gpu_check, tmp_path, monkeypatch):
    monkeypatch.setenv("OUT", str(tmp_path / "out"))
    gpu_check.write_report(made_up_state(), tmp_path / "benchmarks" / "gpu_report.md")
    for folder in (tmp_path / "benchmarks", tmp_path / "out"):
        assert (folder / "gpu_report.md").read_text().startswith("# GPU check")
        assert json.loads((folder / "gpu_report.json").read_text())["budget"] == 420


# --- a whole run on a stand-in that claims a GPU ------------------------------------------------


def test_a_run_whose_phases_all_fail_still_writes_its_report(tmp_path):
    env = {**stand_in_cupy(tmp_path / "site", "claims a GPU"), "OUT": str(tmp_path / "out")}
    env["CUDA_VISIBLE_DEVICES"] = ""  # a real GPU stays out of it: PyTorch's phase is not run
    report = tmp_path / "report.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(report), "--budget", "120", "--rows", "512"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # nothing could be verified
    assert "nothing to verify" not in result.stdout
    text = report.read_text()
    assert text == (tmp_path / "out" / "report.md").read_text()
    assert "## Targets" in text and "| MET |" not in text
    assert text.count("| not measured |") >= 4  # the tests may run, and fail: MISSED
    assert "| digits on CuPy and on NumPy, same seed | failed (exit 1) |" in text
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["finished"] and set(data["phases"]) == {
        "tests_cupy",
        "digits",
        "bench",
        "profile",
        "tests_torch",
    }


def test_the_profile_runs_its_pieces_on_numpy(gpu_check, tmp_path, monkeypatch):
    """The profile's code, dry, on the CPU: every piece timed, written after each, reported."""
    profile = gpu_check.profile
    for name, value in (("TIMED_ROWS", 0), ("MIN_CALLS", 1), ("BEST_OF", 1)):
        monkeypatch.setattr(profile, name, value)  # one call per timing: this is no benchmark
    path = tmp_path / "profile.json"
    found = profile.profile_phase(batches=(16,), json_path=path, backend="numpy")
    assert json.loads(path.read_text()) == found
    rows = found["batches"]["16"]
    pieces = [row["piece"] for row in rows]
    assert {profile.WHOLE, profile.NO_ACCURACY, profile.HAND_STEP} <= set(pieces)
    assert len(pieces) == len(set(pieces)) >= 9 and all(row["us"] > 0 for row in rows)
    state = made_up_state()
    state["phases"]["profile"]["data"] = found
    whole, floor = (
        next(r["us"] for r in rows if r["piece"] == p) for p in (profile.WHOLE, profile.HAND_STEP)
    )
    assert f"A demystify step takes {whole:.0f} µs against the hand loop's {floor:.0f} µs" in (
        gpu_check.render(state)
    )
