"""demystify.spark on a real Spark standalone cluster: a master and two one-core workers.

`local[*]` runs every task inside one Java process; a cluster does not. Here a
master and two workers are started on 127.0.0.1 from the installed pyspark
(tests/spark_cluster.py), once for the module, and the executors run a Python
*without* demystify installed (`bare_python`): it must travel with the job, as
on a user's cluster. On it: full-batch training equals local `dm.fit`,
averaging equals its replay by hand, a worker killed mid-fit changes nothing, and
the README's "On a cluster" recipe runs as written (`spark-submit --py-files
demystify.zip train.py`: the digits learned and `dms.predict` equal to
`model.predict` on every row, checked inside it).

Marked `spark` and `slow` (about a minute and a half on 2 cores). Skipped only
when PySpark or Java is genuinely absent; CI installs both.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from spark_cluster import StandaloneCluster, bare_python
from spark_helpers import (  # (skips without Spark)
    RTOL,
    averaging_by_hand,
    classifier,
    rel_error,
    spiral_data,
)

import demystify as dm
from demystify import spark as dms

pytestmark = [pytest.mark.spark, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The cluster, started once for this module and stopped (by PID) after it."""
    folder = tmp_path_factory.mktemp("spark-cluster")
    cluster = StandaloneCluster(folder, workers=2, cores=1).start()
    cluster.python = bare_python(folder)
    yield cluster
    cluster.stop()


class Session:
    """This process's session on the cluster: at most one, stopped to free the cluster's cores."""

    spark = None

    def get(self, cluster):
        if self.spark is None:
            self.spark = dms.cluster_session(cluster.master, python=cluster.python)
        return self.spark

    def stop(self):
        if self.spark is not None:
            self.spark.stop()
        self.spark = None


@pytest.fixture(scope="module")
def session():
    holder = Session()
    yield holder
    holder.stop()


@pytest.fixture
def spark(cluster, session):
    return session.get(cluster)


# --- the README's recipe, first: it needs the cluster's cores free of this process's session ---


def readme_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.S)
    return next(block for block in blocks if containing in block)


def test_the_readme_starts_the_cluster_these_tests_run(cluster):
    """The README's start commands are the fixture's, but for ports and folders."""

    def plain(line: str) -> str:
        line = re.sub(r"spark://127\.0\.0\.1:\d+", "MASTER", line)
        line = re.sub(r"(--port|--webui-port|--work-dir) \S+", r"\1 X", line)
        return line.rstrip(" &")

    shown = [plain(line) for line in readme_block("bash", "spark-class").splitlines()]
    home = 'python -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))"'
    assert shown[:2] == [f"export SPARK_HOME=$({home})", "export SPARK_LOCAL_IP=127.0.0.1"]
    assert shown[2:] == [plain(line) for line in cluster.commands()]
    assert cluster.env["SPARK_LOCAL_IP"] == "127.0.0.1"


def test_the_readme_recipe_runs_on_the_cluster_as_written(cluster, session, tmp_path):
    """zip, spark-submit --py-files, the README's train.py: digits learned, predict agrees.

    Driver and executors both run a Python without demystify, so the zip is all
    they have (the data set read from inside it). Spark's start-up log stays quiet.
    """
    session.stop()  # a running session would hold the cluster's cores
    shutil.copytree(ROOT / "demystify", tmp_path / "demystify")
    (tmp_path / "train.py").write_text(readme_block("python", "cluster_session()"))
    zip_line, submit_line = readme_block("bash", "spark-submit").strip().splitlines()
    submit_line = submit_line.replace("spark://127.0.0.1:7077", cluster.master)
    submit_line = submit_line.replace("$(which python)", cluster.python)
    environment = {**cluster.env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(
        zip_line.replace("python ", f"{sys.executable} "), shell=True, cwd=tmp_path, check=True
    )
    done = subprocess.run(
        submit_line,
        shell=True,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    accuracy = re.search(r"test accuracy after 5 rounds: ([\d.]+)", done.stdout)
    assert accuracy and float(accuracy.group(1)) >= 0.9, done.stdout
    assert "dms.predict on the cluster equals model.predict: True" in done.stdout, done.stdout
    assert len(done.stderr.splitlines()) < 20, done.stderr[-3000:]  # not Spark's INFO flood


# --- training and inference on the cluster -------------------------------------------------


def test_the_executors_were_sent_demystify_and_run_one_blas_thread(spark):
    def where(rows):
        import os

        import demystify

        for _ in rows:
            pass
        yield demystify.__file__, os.environ.get("OMP_NUM_THREADS")

    answers = spark.sparkContext.parallelize(range(2), 2).mapPartitions(where).collect()
    assert all(".zip" in path and threads == "1" for path, threads in answers), answers
    assert spark.sparkContext.master.startswith("spark://127.0.0.1:")


def test_full_batch_training_equals_local_fit(spark):
    X, y = spiral_data()
    model, local = classifier(), classifier()
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=0.05),
        (X, y),
        epochs=6,
        spark=spark,
    )
    expected = dm.fit(
        local,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(local.parameters(), lr=0.05),
        X,
        y,
        epochs=6,
        batch_size=len(X),
        verbose=0,
    )
    for w, v in zip(model.get_weights(), local.get_weights()):
        assert rel_error(w, v) <= RTOL
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=RTOL)


def test_averaging_equals_its_replay_by_hand(spark):
    """Two rounds over the two executors' blocks, against dm.fit on each block by hand.

    Block k trains from the round's weights with a fresh optimizer and the
    generator of [seed, round, k]; the round's weights are sum_k (n_k / N) w_k.
    """
    X, y = spiral_data(n=100)  # two blocks of 50 rows
    model = classifier()
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.1, momentum=0.9),
        (X, y),
        epochs=2,
        mode="average",
        batch_size=8,
        seed=5,
        spark=spark,
        partitions=2,
    )
    weights, losses = averaging_by_hand(X, y, [0, 50, 100], rounds=2, seed=5)
    for w, v in zip(model.get_weights(), weights):
        assert rel_error(w, v) <= RTOL
    np.testing.assert_allclose(history["loss"], losses, rtol=RTOL)


class KillsAWorker(dm.Callback):
    """Kills worker 1 (SIGKILL to its process group: the worker and its executor) after an epoch."""

    def __init__(self, cluster, after: int):
        self.cluster, self.after = cluster, after

    def on_epoch_end(self, epoch, logs):
        if epoch == self.after:
            self.cluster.kill_worker(0)
            self.cluster.wait_for(1)  # the master has seen it go


def test_a_worker_killed_mid_fit_changes_nothing(spark, cluster):
    """Worker 1 and its executor die after epoch 2 of 6; the fit goes on, with the same result.

    The lost executor's cached handles and block files are rebuilt on the other
    one from the rows. Last in the module: the cluster keeps one worker after it.
    """
    X, y = spiral_data(n=200)
    model, local = classifier(), classifier()
    executors = spark.sparkContext._jsc.sc().statusTracker().getExecutorInfos
    assert len(executors()) == 3  # the driver and one executor on each worker
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.5),
        (X, y),
        epochs=6,
        spark=spark,
        callbacks=[KillsAWorker(cluster, after=1)],
    )
    assert cluster.alive_workers() == 1 and len(executors()) == 2  # the kill did happen
    expected = dm.fit(
        local,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(local.parameters(), lr=0.5),
        X,
        y,
        epochs=6,
        batch_size=len(X),
        verbose=0,
    )
    assert len(history["loss"]) == 6
    for w, v in zip(model.get_weights(), local.get_weights()):
        assert rel_error(w, v) <= RTOL
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=RTOL)
