"""A Spark standalone cluster inside this machine: a master and workers on 127.0.0.1.

Started from the installed pyspark's own launcher (``bin/spark-class``; the pip
package has no ``sbin/start-master.sh``), each worker with its cores, its memory
and its own work folder, and stopped by PID. The shell commands it runs are in
`commands`, and the README's "On a cluster" section shows the same ones
(tests/test_spark_cluster.py checks that). Used by the cluster tests and by
benchmarks/spark_speed.py ``--cluster``.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"


def spark_home() -> Path:
    """The installed pyspark's folder: it holds ``bin/spark-class`` and Spark's jars."""
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bare_python(folder: Path) -> str:
    """A Python that has this environment's packages (NumPy, pandas, ...) but not demystify.

    A script running this interpreter with ``-S`` (no site-packages, so no editable
    install of demystify) and the site-packages folder put back on its path. Executors
    given it must be sent demystify, as a user's cluster must.
    """
    import numpy

    site = Path(numpy.__file__).parents[1]
    script = folder / "python-without-demystify"
    path = f'PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{site}"'
    script.write_text(f'#!/bin/sh\n{path} exec {sys.executable} -S "$@"\n')
    script.chmod(0o755)
    return str(script)


class StandaloneCluster:
    """A master and `workers` workers of `cores` cores each, all on 127.0.0.1, under `root`."""

    def __init__(
        self, root: Path, workers: int = 2, cores: int = 1, memory: str = "1g", port: int = 0
    ):
        self.root, self.cores, self.memory = Path(root), cores, memory
        self.port, self.ui_port = port or free_port(), free_port()  # port 0: any free one
        self.master = f"spark://127.0.0.1:{self.port}"
        self.workers: list[subprocess.Popen | None] = [None] * workers
        self.process: subprocess.Popen | None = None
        self.env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1"}
        self.env.pop("PYTHONPATH", None)  # executors find only what is installed or shipped

    def master_command(self) -> list[str]:
        return [
            str(spark_home() / "bin" / "spark-class"),
            MASTER_CLASS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--webui-port",
            str(self.ui_port),
        ]

    def worker_command(self, number: int) -> list[str]:
        return [
            str(spark_home() / "bin" / "spark-class"),
            WORKER_CLASS,
            self.master,
            "--host",
            "127.0.0.1",
            "--cores",
            str(self.cores),
            "--memory",
            self.memory,
            "--work-dir",
            str(self.root / f"worker-{number}"),
            "--webui-port",
            str(free_port()),
        ]

    def commands(self) -> list[str]:
        """The shell lines that start this cluster, as the README shows them (ports aside)."""
        lines = [self.master_command()] + [
            self.worker_command(n + 1) for n in range(len(self.workers))
        ]
        return ['"$SPARK_HOME/bin/spark-class" ' + shlex.join(line[1:]) for line in lines]

    def _launch(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "wb")
        with log:  # the child keeps its own copy of the file
            return subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive_workers(self) -> int:
        """Workers the master counts as alive (its JSON status page), 0 before it answers."""
        try:
            url = f"http://127.0.0.1:{self.ui_port}/json/"
            with urllib.request.urlopen(url, timeout=2) as answer:
                return int(json.load(answer).get("aliveworkers", 0))
        except (OSError, ValueError):
            return 0

    def wait_for(self, workers: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.alive_workers() != workers:
            if time.monotonic() > deadline:
                logs = sorted(self.root.glob("*.log"))
                tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in logs)
                raise RuntimeError(
                    f"the cluster has not {workers} workers after {timeout} s:\n{tail}"
                )
            time.sleep(0.5)

    def start(self) -> StandaloneCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = self._launch(self.master_command(), "master")
        for number in range(len(self.workers)):
            self.start_worker(number)
        self.wait_for(len(self.workers))
        return self

    def start_worker(self, number: int) -> None:
        (self.root / f"worker-{number + 1}").mkdir(exist_ok=True)
        self.workers[number] = self._launch(self.worker_command(number + 1), f"worker-{number + 1}")

    def kill_worker(self, number: int) -> None:
        """SIGKILL worker `number` and the executor it started (its process group), as a
        machine that crashes takes both with it."""
        process = self.workers[number]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """Stop every process started here: each by its PID, with the group it leads."""
        processes = [p for p in [*self.workers, self.process] if p is not None]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            try:  # executors the worker started sit in its group
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
