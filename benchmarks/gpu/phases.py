"""Each phase started in a process of its own and read back: the backend tests on the GPU (pytest),
train_speed.py (its JSON), and the phases this script runs itself (``--phase digits|profile``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .plan import BATCHES, CUPY, HERE, REPO, SCRIPT, TORCH_CUDA
from .process import junit_counts, run_command, status_of, tail

DIGITS_EPOCHS = 10  # enough epochs for float32 rounding to pile up, if it is going to
PHASE_LOG = 40
DIGITS_MAX = 16.0  # the shipped digits are 8x8 images of 0-16 grey levels
# the digits comparison: a small ReLU network, plain SGD with momentum, a fifth held out
DIGITS_SETUP = {
    "hidden": (64, 64),
    "lr": 0.05,
    "momentum": 0.9,
    "batch_size": 64,
    "validation": 0.2,
    "seed": 0,
}  # lines of a phase's output kept for the report


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


def digits_phase(epochs: int = DIGITS_EPOCHS) -> dict:
    """The shipped digits, trained from the same seed on NumPy and on CuPy: losses per epoch."""
    sys.path.insert(0, str(REPO))
    import demystify as dm

    X, y = dm.datasets.digits()
    X = X / DIGITS_MAX  # pixels in [0, 1]
    setup = DIGITS_SETUP
    sizes = "-".join(map(str, (X.shape[1], *setup["hidden"], 10)))
    found = {
        "epochs": epochs,
        "setup": f"{sizes} ReLU, SGD lr {setup['lr']} momentum {setup['momentum']}, "
        f"batch {setup['batch_size']}, {setup['validation']:.0%} held out, "
        f"seed {setup['seed']}, float32",
    }
    for name in ("numpy", "cupy"):
        with dm.use(name):
            found[name] = _digits_run(dm, X, y, epochs, **setup)
    return found


def _digits_run(dm, X, y, epochs, hidden, lr, momentum, batch_size, validation, seed) -> dict:
    """`dm.fit` on the current backend: its history, its time, and what its weights are."""
    layers, n_in = [], X.shape[1]
    for width in hidden:
        layers += [dm.Dense(n_in, width), dm.ReLU()]
        n_in = width
    model = dm.Sequential([*layers, dm.Dense(n_in, 10)], seed=seed)
    optimizer = dm.SGD(model.parameters(), lr=lr, momentum=momentum)
    start = time.perf_counter()
    history = dm.fit(
        model, dm.SoftmaxCrossEntropy(), optimizer, X, y, epochs=epochs, batch_size=batch_size,
        validation=validation, seed=seed, verbose=0,
    )  # fmt: skip
    return {
        "seconds": time.perf_counter() - start,
        "array_type": type(next(iter(model.parameters())).value).__module__,
        **{key: [float(v) for v in values] for key, values in history.items()},
    }


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
            SCRIPT,
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
        "log": tail(
            run["stdout"] + ("\n" + run["stderr"] if run["stderr"].strip() else ""), PHASE_LOG
        ),
    }
