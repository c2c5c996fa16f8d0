"""The GPU half, proved in one run: CuPy against NumPy and PyTorch CUDA, in one Markdown report.

    python benchmarks/gpu_check.py [--wheels DIR] [--out benchmarks/gpu_report.md] [--budget 420]
    make gpu-check ARGS="--wheels .whl"

On a machine with an NVIDIA GPU and CuPy (``cupy-cuda12x`` or ``cupy-cuda13x``) it runs, each
phase in a process of its own under a time limit:

1. ``tests/test_backends.py`` on the cupy backend, and on torch with CUDA tensors where PyTorch
   sees the GPU (pass / fail / skip counts);
2. the shipped digits trained on CuPy and on NumPy from one seed: the largest loss difference
   of every epoch, against a float32 tolerance;
3. ``benchmarks/train_speed.py`` at batch 128 and 8192 for demystify[cupy], the hand CuPy loop,
   PyTorch eager CUDA and the GPU's float32 matmul FLOP limit, with peak device memory over
   three epochs;
4. one training step taken apart (gathering the batch, moving it, the label check, ``float()``
   of the loss, the running accuracy), to say where the time goes;

and writes one report (``--out``; also copied into ``$OUT`` when that is set), rewritten after
every phase: a phase that fails or runs out of time is marked, the others are still reported.
Nothing is downloaded. Pure-Python packages this machine lacks (array-api-compat, ...) come from
a folder of wheels (``--wheels DIR``; ``.whl/`` when it exists); without them the script says in
one line what is missing. Without a CUDA GPU it says so in one line and exits 0.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "benchmarks"
DEFAULT_OUT = HERE / "gpu_report.md"
DEFAULT_WHEELS = REPO / ".whl"

# the pure-Python packages the phases import: import name -> project name on PyPI
PURE = {
    "array_api_compat": "array-api-compat",
    "tqdm": "tqdm",
    "threadpoolctl": "threadpoolctl",
    "pytest": "pytest",
}
CUPY, HAND_CUPY, TORCH_CUDA = "demystify[cupy]", "hand CuPy loop", "PyTorch eager CUDA"
GPU_FLOP_LIMIT = "FLOP limit, GPU (matmuls only)"
BATCHES = (128, 8192)
RTOL, ATOL = 1e-4, 1e-6  # float32: CuPy's losses within RTOL * |NumPy's| + ATOL, every epoch
TOLERANCE = "|CuPy - NumPy| <= 1e-4 x |NumPy| + 1e-6"
BOUNDS = {128: 1.0, 8192: 1.25}  # demystify[cupy]'s time over PyTorch CUDA eager's, at most
RESERVE = 20  # seconds of the budget kept back for each phase still to run
# the profile's step variants, each one thing fewer than the one before
WHOLE, NO_ACCURACY = "whole step, as fit takes it", "- without the running accuracy"
NO_FLOAT = "- and without float(loss) (value left on the GPU)"
NO_CHECK = "- and without the label check"
HAND_STEP, TORCH_STEP = "hand CuPy loop step (the floor)", "PyTorch eager CUDA step"

# key, title, time limit in seconds; run in this order, the most telling first
PHASES = [
    ("tests_cupy", "tests/test_backends.py on cupy", 120),
    ("digits", "digits on CuPy and on NumPy, same seed", 60),
    ("bench", "train_speed.py at batch 128 and 8192", 210),
    ("profile", "one step taken apart", 60),
    ("tests_torch", "tests/test_backends.py on torch, CUDA tensors", 90),
]


# --- is there anything to verify? ----------------------------------------------------------------


def gpu_status() -> str | None:
    """None when CuPy sees a CUDA GPU; otherwise why not, in a few words."""
    try:
        import cupy
    except ImportError:
        return "CuPy not installed"
    except Exception as error:  # a broken install says anything
        return f"CuPy does not import: {_first_line(error)}"
    try:
        return None if cupy.cuda.is_available() else "CuPy is installed but sees no CUDA device"
    except Exception as error:  # a driver missing or too old
        return f"CuPy cannot reach a GPU: {_first_line(error)}"


def no_gpu_line(reason: str) -> str:
    return f"gpu-check: no CUDA GPU visible ({reason}) — nothing to verify"


def _first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- packages from a folder of wheels ----------------------------------------------------------


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


# --- running a phase ----------------------------------------------------------------------------


def run_command(command, timeout: float, env=None, cwd=REPO) -> dict:
    """Run `command`; after `timeout` seconds kill it and everything it started.

    Returns ``{"rc", "stdout", "stderr", "seconds", "timed_out"}``; output written before a
    timeout is kept.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its workers too: they hold the GPU
        except ProcessLookupError:
            pass
        stdout, stderr = process.communicate()
        timed_out = True
    return {
        "rc": process.returncode,
        "stdout": stdout or "",
        "stderr": stderr or "",
        "seconds": time.perf_counter() - start,
        "timed_out": timed_out,
    }


def status_of(run: dict) -> str:
    if run["timed_out"]:
        return f"timed out after {run['seconds']:.0f} s"
    return "ok" if run["rc"] == 0 else f"failed (exit {run['rc']})"


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def junit_counts(path: Path) -> dict | None:
    """passed / failed / errors / skipped (and the tests that failed) from pytest's JUnit XML."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    counts = {
        key: sum(int(suite.get(key, 0)) for suite in suites)
        for key in ("tests", "failures", "errors", "skipped")
    }
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    counts["failed_tests"] = [
        case.get("name", "?")
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]
    counts["skip_reasons"] = sorted(
        {
            skip.get("message", "")
            for case in root.iter("testcase")
            for skip in case.findall("skipped")
        }
    )
    return counts


def tests_phase(keyword: str, timeout: float, env: dict, workdir: Path) -> dict:
    """tests/test_backends.py, the tests whose ids contain `keyword`, in a pytest of its own."""
    xml = workdir / f"junit-{keyword}.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_backends.py",
        "-k",
        keyword,
        "-q",
        "-rfEs",
        f"--junitxml={xml}",
    ]
    run = run_command(command, timeout, env)
    return {"run": run, "data": junit_counts(xml)}


def json_phase(command, timeout: float, env: dict, path: Path) -> dict:
    """A phase that leaves its results as JSON in `path` (read even after a failure or timeout)."""
    run = run_command(command, timeout, env)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = None
    return {"run": run, "data": data}


# --- the phases that run inside their own process (--phase NAME) --------------------------------


def digits_phase(epochs: int = 10) -> dict:
    """The shipped digits, trained from the same seed on NumPy and on CuPy: losses per epoch."""
    sys.path.insert(0, str(REPO))
    import demystify as dm

    X, y = dm.datasets.digits()
    X = X / 16.0
    found = {
        "epochs": epochs,
        "setup": "64-64-64-10 ReLU, SGD lr 0.05 momentum 0.9, batch 64, "
        "20 % held out, seed 0, float32",
    }
    for name in ("numpy", "cupy"):
        with dm.use(name):
            layers = [dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 10)]
            model = dm.Sequential(layers, seed=0)
            optimizer = dm.SGD(model.parameters(), lr=0.05, momentum=0.9)
            start = time.perf_counter()
            history = dm.fit(
                model,
                dm.SoftmaxCrossEntropy(),
                optimizer,
                X,
                y,
                epochs=epochs,
                batch_size=64,
                validation=0.2,
                seed=0,
                verbose=0,
            )
            found[name] = {
                "seconds": time.perf_counter() - start,
                "array_type": type(next(iter(model.parameters())).value).__module__,
                **{key: [float(v) for v in values] for key, values in history.items()},
            }
    return found


class _LossOnDevice:
    """Softmax cross-entropy as demystify computes it, but the value left on the device (no
    ``float()``, so no wait for the GPU) and the label check optional: the profile's variants."""

    def __init__(self, check_labels: bool):
        self.check = check_labels

    def forward(self, pred, target):
        from demystify import SoftmaxCrossEntropy, backend

        xp = backend.namespace()
        if self.check:
            SoftmaxCrossEntropy().check_targets(target, pred.shape[1])
        labels = backend.asarray(target, "int64")
        onehot = xp.astype(labels[:, None] == xp.arange(pred.shape[1])[None, :], pred.dtype)
        shifted = pred - xp.max(pred, axis=1, keepdims=True)
        exps = xp.exp(shifted)
        sums = xp.sum(exps, axis=1, keepdims=True)
        self.cache = (exps / sums, onehot)
        return -xp.sum((shifted - xp.log(sums)) * onehot) / pred.shape[0]

    def backward(self):
        probabilities, onehot = self.cache
        return (probabilities - onehot) / probabilities.shape[0]


def profile_phase(batches=BATCHES, json_path: Path | None = None) -> dict:
    """One training step at each batch size, taken apart: microseconds per step of each piece.

    With `json_path`, what is measured is written there after each batch size.
    """
    sys.path[:0] = [str(REPO), str(HERE)]
    import cupy
    import numpy as np
    from train_speed import LR, SIZES, hand_backward, hand_forward, hand_loss_gradient, init_weights

    import demystify as dm
    from demystify import backend
    from demystify.metrics import accuracy

    sync = cupy.cuda.Device().synchronize
    rows = 2 * max(batches)
    rng = np.random.default_rng(0)
    X = rng.random((rows, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], rows)
    try:
        import torch

        torch_model = None
        if torch.cuda.is_available():
            torch.manual_seed(0)
            layers = [torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
            torch_model = torch.nn.Sequential(
                layers[0], torch.nn.ReLU(), layers[1], torch.nn.ReLU(), layers[2]
            ).cuda()
            torch_optimizer = torch.optim.SGD(torch_model.parameters(), lr=LR * 1e-3)
            torch_loss = torch.nn.CrossEntropyLoss()
    except ImportError:
        torch_model = None

    with dm.use("cupy"):
        layers = [dm.Dense(784, 256), dm.ReLU(), dm.Dense(256, 128), dm.ReLU(), dm.Dense(128, 10)]
        model = dm.Sequential(layers)
        model.set_weights([array for pair in init_weights() for array in pair])
        loss = dm.SoftmaxCrossEntropy()
        optimizer = dm.SGD(model.parameters(), lr=LR * 1e-3)  # tiny steps: the weights stay put
        params = [(cupy.asarray(w), cupy.asarray(b)) for w, b in init_weights()]

        found = {"batches": {}}

        def save():
            if json_path:
                json_path.write_text(json.dumps(found, indent=1))

        def profile_batch(batch: int, rows_out: list) -> None:
            index = np.random.default_rng(1).permutation(rows)[:batch]
            xb, yb = X[index], y[index]
            on_device = backend.asarray(xb)
            outputs = model.forward(on_device)
            loss.forward(outputs, yb)
            grad = loss.backward()
            number = max(3, 6_400 // batch)

            def timed(function, wait=True):
                """Best of 3: microseconds per call, waiting for the GPU at the end (or not)."""
                best = float("inf")
                for _ in range(3):
                    sync()
                    start = time.perf_counter()
                    for _ in range(number):
                        function()
                    if wait:
                        sync()
                    best = min(best, time.perf_counter() - start)
                    sync()
                return best / number * 1e6

            def step(with_accuracy=True, lossfn=loss):  # what fit does with one batch
                outputs = model.forward(backend.asarray(X[index]))
                lossfn.forward(outputs, y[index])
                optimizer.zero_grad()
                model.backward(lossfn.backward(), input_grad=False)
                optimizer.step()
                if with_accuracy:
                    accuracy(backend.to_numpy(outputs), y[index])

            def backward_and_update():
                optimizer.zero_grad()
                model.backward(grad, input_grad=False)
                optimizer.step()

            def hand_step():
                acts = hand_forward(params, cupy.asarray(X[index]), cupy)
                g = hand_loss_gradient(acts[-1], cupy.asarray(y[index]), cupy)
                hand_backward(params, acts, g, LR * 1e-3)

            no_float, no_check = _LossOnDevice(check_labels=True), _LossOnDevice(check_labels=False)
            pieces = [  # (what, function, waits for the GPU at the end, also its launch time)
                ("X[index]: gather the batch on the host", lambda: X[index], False, False),
                (
                    "backend.asarray(batch): copy it to the GPU",
                    lambda: backend.asarray(xb),
                    True,
                    False,
                ),
                (
                    "check_targets(labels): the label check (host)",
                    lambda: dm.SoftmaxCrossEntropy().check_targets(yb, 10),
                    False,
                    False,
                ),
                (
                    "loss.forward: one-hot, softmax, float() waits for the GPU",
                    lambda: loss.forward(outputs, yb),
                    True,
                    False,
                ),
                (
                    "running accuracy: outputs to the host, argmax",
                    lambda: accuracy(backend.to_numpy(outputs), yb),
                    True,
                    False,
                ),
                ("forward (3 matmuls, 2 ReLUs)", lambda: model.forward(on_device), True, True),
                ("backward and SGD update", backward_and_update, True, True),
                (WHOLE, step, True, False),
                (NO_ACCURACY, lambda: step(False), True, False),
                (NO_FLOAT, lambda: step(False, no_float), True, True),
                (NO_CHECK, lambda: step(False, no_check), True, True),
                (HAND_STEP, hand_step, True, True),
            ]
            if torch_model is not None:

                def torch_step():
                    x = torch.from_numpy(X[index]).to("cuda")
                    target = torch.from_numpy(y[index]).to("cuda")
                    torch_optimizer.zero_grad(set_to_none=True)
                    torch_loss(torch_model(x), target).backward()
                    torch_optimizer.step()

                torch_step()  # warm up
                pieces.append((TORCH_STEP, torch_step, True, True))
            for what, function, wait, launch in pieces:  # saved piece by piece: a timeout
                rows_out.append({"piece": what, "us": timed(function, wait)})  # keeps the rest
                if launch:
                    rows_out[-1]["host_us"] = timed(function, wait=False)
                save()

        for batch in batches:
            profile_batch(batch, found["batches"].setdefault(str(batch), []))
        return found


# --- verdicts -----------------------------------------------------------------------------------


def digits_differences(found: dict) -> list[dict] | None:
    """Per epoch: NumPy's and CuPy's training and validation losses, and how far apart."""
    if not found or "numpy" not in found or "cupy" not in found:
        return None
    rows = []
    for key in ("loss", "val_loss"):
        for epoch, (ref, got) in enumerate(zip(found["numpy"][key], found["cupy"][key]), 1):
            rows.append(
                {
                    "epoch": epoch,
                    "key": key,
                    "numpy": ref,
                    "cupy": got,
                    "diff": abs(got - ref),
                    "bound": RTOL * abs(ref) + ATOL,
                }
            )
    return rows


def grows(peaks) -> bool:
    """train_speed.py's rule: the last epoch's peak over 5 % and 1 MiB above the first's."""
    return peaks[-1] > 1.05 * peaks[0] + 2**20


def bench_results(data: dict | None) -> dict:
    """train_speed.py's JSON: (system, batch) -> seconds."""
    if not data:
        return {}
    return {(row["system"], row["batch"]): row["seconds"] for row in data.get("results", [])}


def targets(state: dict) -> list[tuple[str, str, str]]:
    """(target, MET / MISSED / not measured, what was measured) for the issue's targets."""
    phases = state["phases"]
    out = []

    tests = (phases.get("tests_cupy") or {}).get("data")
    label = "tests/test_backends.py passes on cupy"
    if not tests or not tests["tests"]:
        out.append((label, "not measured", _why_not(phases.get("tests_cupy"))))
    else:
        ok = tests["passed"] == tests["tests"]
        out.append((label, "MET" if ok else "MISSED", _count_text(tests)))

    rows = digits_differences((phases.get("digits") or {}).get("data"))
    label = f"CuPy training matches NumPy's losses (float32: {TOLERANCE})"
    if not rows:
        out.append((label, "not measured", _why_not(phases.get("digits"))))
    else:
        worst = max(rows, key=lambda row: row["diff"] / row["bound"])
        ok = all(row["diff"] <= row["bound"] for row in rows)
        out.append(
            (
                label,
                "MET" if ok else "MISSED",
                f"largest difference {worst['diff']:.2e} ({worst['key']}, epoch "
                f"{worst['epoch']}; allowed {worst['bound']:.2e})",
            )
        )

    bench = (phases.get("bench") or {}).get("data")
    results = bench_results(bench)
    for batch, bound in BOUNDS.items():
        label = (
            f"CuPy at batch {batch} no slower than PyTorch CUDA eager"
            if bound == 1.0
            else f"CuPy at batch {batch} at most {bound:g}x PyTorch CUDA eager's time"
        )
        mine, peer = results.get((CUPY, batch)), results.get((TORCH_CUDA, batch))
        if mine is None or peer is None:
            missing = [name for name, value in ((CUPY, mine), (TORCH_CUDA, peer)) if value is None]
            out.append(
                (
                    label,
                    "not measured",
                    f"no time for {' and '.join(missing)}"
                    + _why_not(phases.get("bench"), prefix="; ", if_ok=""),
                )
            )
        else:
            ratio = mine / peer
            out.append(
                (
                    label,
                    "MET" if ratio <= bound else "MISSED",
                    f"{ratio:.2f}x ({mine:.3f} s against {peer:.3f} s per epoch)",
                )
            )

    peaks = (bench or {}).get("memory", {}).get(CUPY)
    label = "device memory flat across epochs (demystify[cupy], 3 epochs at batch 128)"
    if not peaks:
        out.append((label, "not measured", _why_not(phases.get("bench"))))
    else:
        out.append(
            (
                label,
                "MISSED" if grows(peaks) else "MET",
                " -> ".join(f"{peak / 2**20:.1f}" for peak in peaks) + " MiB",
            )
        )
    return out


def _count_text(tests: dict) -> str:
    return (
        f"{tests['passed']} passed, {tests['failures']} failed, {tests['errors']} errors, "
        f"{tests['skipped']} skipped"
    )


def _why_not(
    phase: dict | None, prefix: str = "", if_ok: str = "the phase reported nothing"
) -> str:
    if not phase:
        return f"{prefix}phase not run"
    if phase.get("status") == "ok":
        return f"{prefix}{if_ok}" if if_ok else ""
    return f"{prefix}phase {phase.get('status')}"


# --- the report ---------------------------------------------------------------------------------


def render(state: dict) -> str:
    """The whole report as Markdown, from what has been measured so far."""
    phases, machine = state["phases"], state.get("machine", {})
    lines = ["# GPU check: demystify on CuPy against NumPy and PyTorch CUDA", ""]
    lines += [
        f"Run {state.get('started', '?')} with `{state.get('command', 'benchmarks/gpu_check.py')}`"
        + (f", {state['seconds']:.0f} s in all" if state.get("seconds") else "")
        + f" (budget {state.get('budget', 0):.0f} s)."
        + ("" if state.get("finished") else " **The run had not finished when this was written.**"),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    for key, value in machine.items():
        lines.append(f"| {key} | {value} |")
    for line in state.get("wheels", []):
        lines.append(f"| wheels | {line} |")
    if state.get("missing"):
        lines.append(f"| missing | {', '.join(state['missing'])} |")

    verdicts = targets(state)
    lines += ["", "## Targets", "", "| target | verdict | measured |", "|---|---|---|"]
    lines += [f"| {label} | {verdict} | {detail} |" for label, verdict, detail in verdicts]
    lines += ["", "| phase | status | seconds | time limit |", "|---|---|---|---|"]
    for key, title, _ in PHASES:
        phase = phases.get(key) or {}
        seconds = f"{phase['seconds']:.1f}" if phase.get("seconds") is not None else "-"
        limit = f"{phase['timeout']:.0f}" if phase.get("timeout") else "-"
        lines.append(f"| {title} | {phase.get('status', 'not run')} | {seconds} | {limit} |")

    lines += ["", "## 1. tests/test_backends.py on the GPU", ""]
    for key, name in (("tests_cupy", "cupy"), ("tests_torch", "torch with CUDA tensors")):
        phase = phases.get(key) or {}
        tests = phase.get("data")
        if tests:
            lines.append(f"* **{name}** (`pytest -k {name.split()[0]}`): {_count_text(tests)}.")
            lines += [f"  * failed: `{test}`" for test in tests["failed_tests"]]
            lines += [f"  * skipped: {reason}" for reason in tests["skip_reasons"]]
        else:
            lines.append(f"* **{name}**: {phase.get('status', 'not run')}.")
        if phase.get("log") and (not tests or tests["failures"] or tests["errors"]):
            lines += ["", "```", phase["log"], "```", ""]

    lines += ["", "## 2. The digits on CuPy and on NumPy, from the same seed", ""]
    digits = (phases.get("digits") or {}).get("data")
    rows = digits_differences(digits)
    if rows:
        lines += [
            f"{digits['setup']}; {digits['epochs']} epochs "
            f"(NumPy {digits['numpy']['seconds']:.2f} s, CuPy {digits['cupy']['seconds']:.2f} s; "
            "CuPy's weights were "
            f"`{digits['cupy']['array_type']}` arrays). Tolerance, every epoch: {TOLERANCE}.",
            "",
            "| epoch | loss NumPy | loss CuPy | difference | val_loss NumPy | val_loss CuPy "
            "| difference | within tolerance |",
            "|---|---|---|---|---|---|---|---|",
        ]
        by_key = {(row["key"], row["epoch"]): row for row in rows}
        for epoch in range(1, digits["epochs"] + 1):
            train, val = by_key.get(("loss", epoch)), by_key.get(("val_loss", epoch))
            if not train or not val:
                continue
            ok = all(row["diff"] <= row["bound"] for row in (train, val))
            lines.append(
                f"| {epoch} | {train['numpy']:.6f} | {train['cupy']:.6f} | {train['diff']:.1e} "
                f"| {val['numpy']:.6f} | {val['cupy']:.6f} | {val['diff']:.1e} "
                f"| {'yes' if ok else 'NO'} |"
            )
    else:
        lines.append(f"Not measured: {(phases.get('digits') or {}).get('status', 'not run')}.")
        if (phases.get("digits") or {}).get("log"):
            lines += ["", "```", phases["digits"]["log"], "```"]

    lines += _bench_section(phases.get("bench") or {})
    lines += _profile_section(phases.get("profile") or {}, verdicts)
    return "\n".join(lines) + "\n"


def _bench_section(phase: dict) -> list[str]:
    lines = ["", "## 3. train_speed.py on the GPU: seconds per epoch", ""]
    data = phase.get("data")
    results = bench_results(data)
    if not results:
        lines.append(f"Not measured: {phase.get('status', 'not run')}.")
        return lines + (["", "```", phase["log"], "```"] if phase.get("log") else [])
    batches = sorted({batch for _, batch in results})
    lines += [
        f"{data['rows']:,} x 784 float32, 784-256-128-10 ReLU, softmax cross-entropy, SGD; best of "
        f"{data['rounds']} rounds x {data['repeats']} epochs, each system in a fresh process"
        + (
            f"; GPU float32 matmul rate {data['gpu_rate'] / 1e12:.1f} TFLOP/s"
            if data.get("gpu_rate")
            else ""
        )
        + ("" if data.get("complete") else f"; **incomplete: {phase.get('status')}**")
        + ". Peak device memory of one epoch at batch 128 (CuPy: its memory pool, emptied before "
        "each epoch; PyTorch: `torch.cuda.max_memory_allocated()`), over 3 epochs.",
        "",
        "| system | "
        + " | ".join(f"batch {b}" for b in batches)
        + " | peak MiB | grows over 3 epochs? |",
        "|---|" + "---|" * (len(batches) + 2),
    ]
    memory = data.get("memory", {})
    for name in dict.fromkeys(name for name, _ in results):
        cells = " | ".join(
            f"{results[(name, b)]:.3f}" if (name, b) in results else "-" for b in batches
        )
        peaks = memory.get(name)
        mib = f"{max(peaks) / 2**20:.1f}" if peaks else "n/a"
        grown = ("yes" if grows(peaks) else "no") if peaks else "n/a"
        lines.append(f"| {name} | {cells} | {mib} | {grown} |")
    ratios = [
        f"* {name}, batch {batch}: {results[(name, batch)] / results[(TORCH_CUDA, batch)]:.2f}x"
        for name in (CUPY, HAND_CUPY, GPU_FLOP_LIMIT)
        for batch in batches
        if (name, batch) in results and (TORCH_CUDA, batch) in results
    ]
    if ratios:
        lines += ["", "Time over PyTorch eager CUDA's (below 1 is faster):", "", *ratios]
    else:
        lines += ["", "No PyTorch eager CUDA times to compare with."]
    for name, error in data.get("errors", {}).items():
        lines += ["", f"{name} failed:", "", "```", error, "```"]
    if phase.get("log"):
        lines += [
            "",
            "<details><summary>train_speed.py's output</summary>",
            "",
            "```",
            phase["log"],
            "```",
            "",
            "</details>",
        ]
    return lines


def _profile_section(phase: dict, verdicts) -> list[str]:
    lines = ["", "## 4. Where the time goes: one step taken apart", ""]
    missed = [label for label, verdict, _ in verdicts if verdict == "MISSED" and "batch" in label]
    data = phase.get("data")
    if missed:
        lines.append(f"Missed: {'; '.join(missed)}. The pieces below say where a step's time goes.")
        lines.append("")
    if not data:
        lines.append(f"Not measured: {phase.get('status', 'not run')}.")
        return lines + (["", "```", phase["log"], "```"] if phase.get("log") else [])
    lines += [
        "Microseconds per step on one batch (best of 3 runs), timed until the GPU has finished "
        "(the host-only pieces have nothing to wait for); `launch µs` is how long Python takes to "
        "queue the same work without waiting for it. 'ms per epoch' multiplies by the steps of a "
        "60,000-row epoch.",
    ]
    for batch, rows in data["batches"].items():
        steps = -(-60_000 // int(batch))
        lines += [
            "",
            f"Batch {batch} ({steps} steps per epoch):",
            "",
            "| piece | µs per step | launch µs | ms per epoch |",
            "|---|---|---|---|",
        ]
        for row in rows:
            host = f"{row['host_us']:.0f}" if "host_us" in row else ""
            lines.append(
                f"| {row['piece']} | {row['us']:.0f} | {host} | {row['us'] * steps / 1e3:.1f} |"
            )
        lines += _explain(rows, steps)
    return lines


def _explain(rows, steps: int) -> list[str]:
    """One sentence from the step variants: what demystify's step spends beyond the floor."""
    us = {row["piece"]: row["us"] for row in rows}
    host = {row["piece"]: row.get("host_us") for row in rows}
    whole, floor = us.get(WHOLE), us.get(HAND_STEP)
    if whole is None or floor is None:
        return []
    no_acc = us.get(NO_ACCURACY, whole)
    no_float = us.get(NO_FLOAT, no_acc)
    no_check = us.get(NO_CHECK, no_float)
    parts = [
        f"running accuracy {whole - no_acc:+.0f} µs",
        f"float(loss) {no_acc - no_float:+.0f} µs",
        f"label check {no_float - no_check:+.0f} µs",
        f"the rest (layer calls, one-hot, out-of-place arrays) {no_check - floor:+.0f} µs",
    ]
    text = (
        f"A demystify step takes {whole:.0f} µs against the hand loop's {floor:.0f} µs: "
        + ", ".join(parts)
        + "."
    )
    torch_us = us.get(TORCH_STEP)
    if torch_us:
        text += f" PyTorch eager CUDA takes {torch_us:.0f} µs."
    launch = host.get(NO_CHECK)
    if launch and launch > 0.8 * no_check:
        text += (
            f" Without its waits the step is launch-bound: queuing it takes {launch:.0f} of "
            f"its {no_check:.0f} µs, so the GPU waits on Python."
        )
    return ["", text]


def write_report(state: dict, out: Path) -> None:
    """The report and its data as JSON beside it; both copied into $OUT when that is set."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(state), encoding="utf-8")
    data = out.with_suffix(".json")
    data.write_text(json.dumps(state, indent=1, default=str), encoding="utf-8")
    if os.environ.get("OUT"):
        folder = Path(os.environ["OUT"])
        folder.mkdir(parents=True, exist_ok=True)
        for path in (out, data):
            if (folder / path.name).resolve() != path.resolve():
                shutil.copyfile(path, folder / path.name)


# --- the machine ----------------------------------------------------------------------------------


def machine_info() -> dict:
    info = {}
    smi = shutil.which("nvidia-smi")
    if smi:
        query = run_command(
            [smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"], 20
        )
        info["GPU (nvidia-smi)"] = "; ".join(query["stdout"].strip().splitlines()) or "?"
        header = re.search(r"CUDA Version:\s*([\d.]+)", run_command([smi], 20)["stdout"])
        info["driver's CUDA version (nvidia-smi)"] = header[1] if header else "?"
    else:
        info["GPU (nvidia-smi)"] = "nvidia-smi not found"
    for project in ("cupy-cuda13x", "cupy-cuda12x", "cupy", "torch", "numpy", "array-api-compat"):
        try:
            info[project] = importlib.metadata.version(project)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        import cupy

        runtime = cupy.cuda.runtime
        name = runtime.getDeviceProperties(0)["name"]
        info["CuPy sees"] = (
            f"{name.decode() if isinstance(name, bytes) else name}, CUDA runtime "
            f"{runtime.runtimeGetVersion()}, driver {runtime.driverGetVersion()}"
        )
    except Exception as error:  # reported, not raised
        info["CuPy sees"] = f"? ({_first_line(error)})"
    try:
        import torch

        sees = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
        info["PyTorch"] = f"{torch.__version__} (CUDA {torch.version.cuda}), sees {sees}"
    except ImportError:
        info["PyTorch"] = "not installed"
    info["Python"] = platform.python_version()
    cpu = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())[1]
    except (OSError, TypeError):
        pass
    info["CPU"] = f"{cpu}, {os.cpu_count()} logical cores"
    return info


def torch_sees_gpu() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


# --- the whole run ------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the report (Markdown)")
    parser.add_argument(
        "--wheels", type=Path, help="a folder of wheels for what this machine lacks (default .whl/)"
    )
    parser.add_argument("--budget", type=float, default=420, help="seconds for the whole run")
    parser.add_argument("--rounds", type=int, default=2, help="train_speed.py's --rounds")
    parser.add_argument("--repeats", type=int, default=2, help="train_speed.py's --repeats")
    parser.add_argument("--rows", type=int, default=60_000, help="train_speed.py's --rows")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of the digits comparison")
    parser.add_argument("--phase", choices=["digits", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:  # one phase, inside the process the whole run started for it
        if args.phase == "digits":
            args.json.write_text(json.dumps(digits_phase(args.epochs), indent=1))
        else:
            profile_phase(json_path=args.json)
        return 0

    reason = gpu_status()
    if reason:
        print(no_gpu_line(reason))
        return 0

    started = time.perf_counter()
    deadline = started + args.budget
    workdir = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    state = {
        "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python3", "benchmarks/gpu_check.py", *(argv or sys.argv[1:])]),
        "budget": args.budget,
        "phases": {},
        "wheels": [],
        "missing": [],
        "finished": False,
    }
    wheels = args.wheels or (DEFAULT_WHEELS if DEFAULT_WHEELS.is_dir() else None)
    if wheels:
        site = workdir / "site"
        state["wheels"] = install_wheels(wheels, site)
        if site.is_dir():
            use_site(site)
    state["missing"] = missing_projects()
    if state["missing"]:
        print(missing_line(state["missing"]), flush=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # whatever else is installed stays out of it
    if not os.access(Path.home(), os.W_OK) and "CUPY_CACHE_DIR" not in env:
        env["CUPY_CACHE_DIR"] = str(workdir / "cupy-kernels")  # CuPy compiles kernels there
    state["machine"] = machine_info()
    write_report(state, args.out)

    remaining = [key for key, _, _ in PHASES]
    for key, title, limit in PHASES:
        remaining.remove(key)
        timeout = min(limit, deadline - time.perf_counter() - RESERVE * len(remaining))
        phase = {"timeout": timeout}
        if timeout < 10:
            phase["status"] = "not run (out of time)"
        elif key == "tests_torch" and not torch_sees_gpu():
            phase["status"] = "not run (PyTorch sees no GPU)"
        else:
            print(f"gpu-check: {title} (at most {timeout:.0f} s) ...", flush=True)
            try:
                phase.update(run_phase(key, args, timeout, env, workdir))
            except Exception as error:  # this script's own mistake: the other phases still run
                phase.update(status=f"crashed ({_first_line(error)})", seconds=None, log=None)
            print(f"gpu-check: {title}: {phase['status']}", flush=True)
        state["phases"][key] = phase
        state["seconds"] = time.perf_counter() - started
        write_report(state, args.out)
    state["finished"] = True
    state["seconds"] = time.perf_counter() - started
    write_report(state, args.out)
    verdicts = targets(state)
    for label, verdict, detail in verdicts:
        print(f"gpu-check: {verdict:<12} {label}: {detail}")
    print(f"gpu-check: report written to {args.out} ({state['seconds']:.0f} s)")
    return 0 if all(verdict == "MET" for _, verdict, _ in verdicts) else 1


def run_phase(key: str, args, timeout: float, env: dict, workdir: Path) -> dict:
    """Run one phase in its own process: status, seconds, its data, the end of its output."""
    if key in ("tests_cupy", "tests_torch"):
        keyword = "cupy" if key == "tests_cupy" else "torch"
        phase_env = {**env, "DEMYSTIFY_TORCH_DEVICE": "cuda"} if keyword == "torch" else env
        result = tests_phase(keyword, timeout, phase_env, workdir)
    elif key == "bench":
        path = workdir / "train_speed.json"
        command = [
            sys.executable,
            HERE / "train_speed.py",
            "--batch",
            *map(str, BATCHES),
            "--rows",
            args.rows,
            "--rounds",
            args.rounds,
            "--repeats",
            args.repeats,
            "--only",
            CUPY,
            "hand CuPy",
            TORCH_CUDA,
            "--json",
            path,
        ]
        result = json_phase(command, timeout, env, path)
    else:
        path = workdir / f"{key}.json"
        command = [
            sys.executable,
            Path(__file__).resolve(),
            "--phase",
            key,
            "--json",
            path,
            "--epochs",
            args.epochs,
        ]
        result = json_phase(command, timeout, env, path)
    run = result["run"]
    return {
        "status": status_of(run),
        "seconds": run["seconds"],
        "data": result["data"],
        "log": tail(run["stdout"] + ("\n" + run["stderr"] if run["stderr"].strip() else ""), 40),
    }


if __name__ == "__main__":
    sys.exit(main())
