"""The whole GPU check, start to end: is there a GPU, wheels, the phases in order under one
budget, the report after each, the verdicts at the end (exit 1 when a target is not met)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .machine import first_line, gpu_status, machine_info, no_gpu_line, torch_sees_gpu
from .phases import DIGITS_EPOCHS, digits_phase, run_phase
from .plan import DEFAULT_OUT, DEFAULT_WHEELS, PHASES, REPO, RESERVE, SHORTEST
from .profile import profile_phase
from .report import write_report
from .targets import targets
from .wheels import install_wheels, missing_line, missing_projects, use_site

BUDGET = 420  # seconds for the whole run: a lent GPU machine's ten minutes, less its start


def arguments(argv, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the report (Markdown)")
    parser.add_argument(
        "--wheels", type=Path, help="a folder of wheels for what this machine lacks (default .whl/)"
    )
    parser.add_argument("--budget", type=float, default=BUDGET, help="seconds for the whole run")
    parser.add_argument("--rounds", type=int, default=2, help="train_speed.py's --rounds")
    parser.add_argument("--repeats", type=int, default=2, help="train_speed.py's --repeats")
    parser.add_argument("--rows", type=int, default=60_000, help="train_speed.py's --rows")
    parser.add_argument(
        "--epochs", type=int, default=DIGITS_EPOCHS, help="epochs of the digits comparison"
    )
    parser.add_argument("--phase", choices=["digits", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def prepare(args, argv, workdir: Path) -> tuple[dict, dict]:
    """The run's state (wheels installed, what is missing, the machine) and the phases' env."""
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
    return state, env


def one_phase(key: str, title: str, timeout: float, args, env: dict, workdir: Path) -> dict:
    """A phase's record: not run (and why), or its status, seconds, data and output."""
    phase = {"timeout": timeout}
    if timeout < SHORTEST:
        phase["status"] = "not run (out of time)"
    elif key == "tests_torch" and not torch_sees_gpu():
        phase["status"] = "not run (PyTorch sees no GPU)"
    else:
        print(f"gpu-check: {title} (at most {timeout:.0f} s) ...", flush=True)
        try:
            phase.update(run_phase(key, args, timeout, env, workdir))
        except Exception as error:  # this script's own mistake: the other phases still run
            phase.update(status=f"crashed ({first_line(error)})", seconds=None, log=None)
        print(f"gpu-check: {title}: {phase['status']}", flush=True)
    return phase


def main(argv=None, description: str = "The GPU check") -> int:
    args = arguments(argv, description)
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
    state, env = prepare(args, argv, workdir)
    write_report(state, args.out)
    for number, (key, title, limit) in enumerate(PHASES, start=1):
        still_to_run = len(PHASES) - number
        timeout = min(limit, deadline - time.perf_counter() - RESERVE * still_to_run)
        state["phases"][key] = one_phase(key, title, timeout, args, env, workdir)
        state["seconds"] = time.perf_counter() - started
        write_report(state, args.out)
    state["finished"] = True
    state["seconds"] = time.perf_counter() - started
    write_report(state, args.out)
    verdicts = targets(state)
    for label, verdict, detail in verdicts:
        print(f"gpu-check: {verdict:<12} {label}: {detail}")
    print(f"gpu-check: report written to {args.out} ({state['seconds']:.0f} s)")
    return 0 if all(verdict.verdict == "MET" for verdict in verdicts) else 1
