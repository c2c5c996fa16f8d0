"""A phase in a process of its own under a time limit (killed with everything it started), and
pytest's pass / fail / skip counts read back from its JUnit XML."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .plan import REPO

LOG_LINES = 25  # the end of a phase's output that the report shows


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


def tail(text: str, lines: int = LOG_LINES) -> str:
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
