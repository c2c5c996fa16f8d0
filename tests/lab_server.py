"""Shared by the browser tests: wait until a JupyterLab they started answers."""

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def wait_for_lab(server: subprocess.Popen, url: str, token: str, log: Path, seconds: float = 60):
    """Return once ``url`` serves its API; fail the test with the end of `log` if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
