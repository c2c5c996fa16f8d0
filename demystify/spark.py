"""Data-parallel training on Apache Spark: one network, the data split across many machines.

The idea in one sentence: every worker holds the *same* weights and a
*different* slice of the data, works on its slice, and the slices' results
are added up. Our losses are means over rows (``L = (1/N) sum_i l_i``), and a
mean is a sum divided by a count -- sums can be cut anywhere and added back in
any order. `grad_sums` (below) is that contract: the loss and the gradients of
a block of rows as *sums*, plus the row count, from the model's ordinary
forward and backward. This module is only the plumbing around it.

**Blocks, built once.** At the start of `fit` each partition's rows are
stacked into one block, a pair ``(X, y)`` of contiguous NumPy arrays, and
checked there (widths, missing values, NaN, labels: one plain line per
problem, reported from the driver). Each machine keeps its blocks as ``.npy``
files in Spark's working folder and every step memory-maps them, so a step is
only arithmetic on a ready array. Why not a cached RDD of arrays? Spark sends
a cached partition from its Java process into Python *every* time it is read:
measured here, 0.1-0.4 s per 31 MB partition, as long as the step's
arithmetic. A step that finds no block file on its machine (a machine was
lost or replaced) builds the block again from its rows, as Spark rebuilds a
lost cached partition, and the result is the same.

**Two ways to take a step** (``mode``):

* ``"full_batch"``: every epoch is one step whose gradient is the mean over
  every row, so `fit` follows exactly the path of
  ``dm.fit(..., batch_size=len(X))`` -- the same losses and weights up to float
  rounding. Four arrows per step::

      driver: model (architecture + weights)                        driver
          |  1. broadcast it (one copy per machine, not per task)      ^
          v                                                             |  4. grad = sum / N,
    partition 1 | partition 2 | ... | partition P                       |     optimizer.step()
    2. grad_sums(the partition's block), ordinary demystify code        |
          \\        /             \\      /                              |
           3. treeAggregate: add the partial sums pairwise  ------------+

* ``"average"`` (parameter averaging): full-batch descent needs hundreds of
  steps where minibatch training needs a few epochs, and every step is a
  Spark job. So each *round* broadcasts the weights, every partition runs
  `local_epochs` epochs of ordinary minibatch training (`dm.train_step`) on
  its own block, with a generator seeded by ``[seed, round, partition]``, and
  the driver averages the partitions' weights, each weighted by its share of
  the rows, ``w = sum_k (n_k / N) w_k``. It is the same sum, of weights
  instead of gradients. With one partition a round is exactly an epoch of
  ``dm.fit(..., seed=seed)``.

  *Optimizer state between rounds*: every round starts every partition from
  the optimizer exactly as you passed it (fresh, for a new one: zero
  momentum, Adam's step count at 0); what a partition's optimizer learned
  during the round is dropped with it. Why: the momenta describe the path of
  one partition's weights, and after averaging the weights stand at a point
  none of those paths went through; restarting keeps a round a function of
  (weights, block, seed, round) alone, so a retried task gives the same answer
  and only the weights travel. The cost: momentum and Adam's moments warm up
  again each round (Adam's bias correction restarts with them), and a
  learning-rate schedule counts the steps of one round.

What travels: the model (and, in averaging, the optimizer) in a broadcast,
destroyed after the step; back come only sums the size of the weights,
however big the data. A task that fails is retried by Spark (up to
`task_attempts` times) and computes the same sums again, so the result stays
exact.

On a cluster the session comes from `cluster_session` instead of
`local_session`: as quiet, and checked. Its first job asks the executors to
import NumPy and demystify; it ships this package with ``addPyFile`` when they
cannot import it, and says in one sentence what to install where when NumPy
(or, for `predict`, pandas and pyarrow) is missing. Or submit a script::

    python -m zipfile -c demystify.zip demystify    # from the folder that holds demystify/
    spark-submit --master spark://host:7077 --py-files demystify.zip train.py

where ``train.py`` calls ``spark = demystify.spark.cluster_session()`` (the
master spark-submit was given) and ``demystify.spark.fit(..., spark=spark)``.
The README's "On a cluster" starts a standalone cluster on this machine to try
it; the tests run its commands.

PySpark is optional: ``pip install "demystify[spark]"`` (plus Java 17).
"""

import atexit
import functools
import math
import os
import pickle
import shutil
import sys
import tempfile
import threading
import uuid
import zipfile
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import backend, checks, metrics
from .apps.accuracy import predicted_classes
from .training import History, check_data, check_parts, end_epoch, guard, train_epoch

MODES = ("full_batch", "average")


# shown in notebooks/09_training_on_spark.ipynb
def grad_sums(model, loss, X, y) -> tuple[float, list[np.ndarray], int, object]:
    """The gradient of a batch as *sums* over its rows: ``(loss_sum, grads, n, outputs)``.

    This is the contract that makes data-parallel training exact. Our losses
    are means, ``L = (1/n) sum_i l_i``, so ``n * L`` and ``n * dL/dw`` are sums
    over the rows, and sums split freely: cut the data into parts anywhere, add
    the parts' sums, divide by the total row count, and you have the gradient of
    the whole set -- whatever the sizes of the parts (one row, or none at all).

    Uses the model's ordinary forward and backward (it overwrites the model's
    ``.grad``). `grads` are NumPy arrays in ``model.parameters()`` order;
    `outputs` are what the loss judged, as `dm.train_step` returns them. An
    empty batch gives ``(0.0, zeros, 0, None)``, the neutral element of the sum.
    """
    model.zero_grad()
    n = len(X)
    loss_sum, outputs = 0.0, None
    if n:  # an empty batch has no mean loss; its sums are zero
        outputs = model.forward(backend.asarray(X, model.dtype))
        loss_sum = loss(outputs, y) * n
        model.backward(loss.backward(), input_grad=False)
    return loss_sum, [backend.to_numpy(p.grad) * n for p in model.parameters()], n, outputs


def _pyspark():
    """Import PySpark, or say in plain words how to get it."""
    try:
        import pyspark.sql
    except ImportError as error:
        raise ImportError(
            f'demystify.spark needs PySpark ({error}): pip install "demystify[spark]"'
        ) from None
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise RuntimeError(_NO_JAVA)
    return pyspark


_NO_JAVA = "Spark runs on Java, and no `java` was found: install Java 17 or set JAVA_HOME"
# What every session sets: no web UI, no progress bars, one BLAS thread per task (Spark already
# runs one task per core; a multi-threaded BLAS in each would fight the others for the cores).
_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    **{f"spark.executorEnv.{name}_NUM_THREADS": "1" for name in ("OMP", "OPENBLAS", "MKL")},
}
_LOOPBACK = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}


def _start(master: str | None, python: str, settings: dict):
    """Start (or get) the session: quiet Java logs, `python` on the executors, `settings`.

    Spark's log settings travel in an environment variable read as its Java
    process starts (a ``PYSPARK_SUBMIT_ARGS`` of your own is kept).
    """
    pyspark = _pyspark()
    os.environ["PYSPARK_PYTHON"] = python  # what the executors run
    builder = pyspark.sql.SparkSession.builder.config(map={**_SETTINGS, **settings})
    builder = builder.master(master) if master else builder  # None: what spark-submit was given
    # a real file even when demystify is imported from a zip (spark-submit --py-files)
    with resources.as_file(resources.files(__package__) / "log4j2.properties") as quiet_logs:
        os.environ.setdefault(
            "PYSPARK_SUBMIT_ARGS",
            f"--driver-java-options -Dlog4j2.configurationFile=file:{quiet_logs} pyspark-shell",
        )
        try:
            spark = builder.getOrCreate()
        except Exception as error:
            if "JAVA_GATEWAY_EXITED" in str(error):
                raise RuntimeError(
                    "Spark's Java process exited as it started: install Java 17 or later "
                    "(`java -version` says which you have) or set JAVA_HOME to it"
                ) from None
            raise
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def local_session(cores="*", task_attempts: int = 1, unix_sockets: bool = True):
    """A quiet Spark session inside this machine: ``local[cores]``, on 127.0.0.1, no web UI.

    `cores`: how many tasks run at a time (``"*"``: one per core).
    `task_attempts`: how often a failing task is tried before the job fails.
    Workers run this Python (so they find its packages) with one BLAS thread
    each, as Spark already runs one task per core. With `unix_sockets` they talk
    to Spark's Java process over Unix sockets (Spark 4.1 and later): every job is
    about 50 ms faster here, because over TCP a task waits for a delayed
    acknowledgement before it reads its first row. The one cost: when an action
    stops reading a DataFrame made from Python data early (``show``, ``limit``),
    PySpark prints a harmless ``BrokenPipeError`` traceback (cache the DataFrame,
    or pass ``unix_sockets=False``). A process has one session: if one is
    running already, it is returned as is.
    """
    if cores != "*":
        cores = checks.number("cores", cores, "[1, inf)", whole=True, owner="local_session")
    attempts = checks.number("task_attempts", task_attempts, "[1, inf)", True, "local_session")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # stay on loopback
    sockets = {"spark.python.unix.domain.socket.enabled": str(bool(unix_sockets)).lower()}
    return _start(f"local[{cores},{attempts}]", sys.executable, {**_LOOPBACK, **sockets})


def cluster_session(
    master: str | None = None,
    *,
    python: str | None = None,
    task_attempts: int = 4,
    wait: float = 120.0,
):
    """A quiet Spark session on a cluster, checked: its executors can run demystify.

    `master`: the cluster's URL, e.g. ``"spark://host:7077"``; None under
    ``spark-submit``, which gives it. `python`: the Python the executors run,
    at that path on every worker (default: ``$PYSPARK_PYTHON``, else this one).
    `task_attempts`: how often a failing task (a lost machine) is tried.

    As `local_session` does, it turns off the web UI and the progress bars,
    turns Spark's log down to errors and gives each executor one BLAS thread.
    Then a tiny job asks the executors to import NumPy and demystify. Where
    demystify is not installed, the package this driver imported is zipped and
    shipped with ``addPyFile`` (and checked again); anything else missing is
    refused in one sentence saying what to install where. No executor within
    `wait` seconds (no worker free, or none with the memory asked for) is
    refused too. `predict` checks pandas and pyarrow there whenever it is called.
    """
    attempts = checks.number("task_attempts", task_attempts, "[1, inf)", True, "cluster_session")
    wait = checks.number("wait", wait, "(0, inf)", owner="cluster_session")
    if master is not None and (not isinstance(master, str) or "://" not in master):
        raise ValueError(
            f"cluster_session: master must be a URL such as 'spark://host:7077', got {master!r}"
            " (for Spark inside this machine use local_session)"
        )
    python = python or os.environ.get("PYSPARK_PYTHON") or sys.executable
    settings = {"spark.task.maxFailures": str(attempts), "spark.app.name": "demystify"}
    if master and master.split("://")[1].split(":")[0] in ("127.0.0.1", "localhost"):
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # a cluster inside this machine: loopback
        settings.update(_LOOPBACK)
    spark = _start(master, python, settings)
    missing = executors_lack(spark, ("numpy", "demystify"), wait)
    if set(missing) == {"demystify"}:  # not installed there: ship the package this driver runs
        spark.sparkContext.addPyFile(_package_zip())
        missing = executors_lack(spark, ("demystify",), wait)
    _refuse_missing(missing, spark)
    return spark


def executors_lack(spark, modules, wait: float = 120.0) -> dict[str, str]:
    """Which of `modules` the executors cannot import: ``{module: why}`` (empty when all can).

    A tiny job, one task per core the session has; it waits at most `wait`
    seconds for executors to take it.
    """
    sc = spark.sparkContext
    tasks = sc.defaultParallelism
    group = f"demystify-check-{uuid.uuid4().hex[:8]}"
    sc.setJobGroup(group, "demystify: can the executors import what training needs?")
    timer = threading.Timer(wait, sc.cancelJobGroup, [group])
    timer.start()
    try:
        answers = sc.parallelize(range(tasks), tasks).mapPartitions(_probe(modules)).collect()
    except Exception as error:
        if not timer.is_alive():
            raise RuntimeError(
                f"no executor took a task within {wait:g} s on {sc.master}: check that its workers "
                "are up and have cores and memory free (spark.executor.memory, another "
                "application holding them)"
            ) from None
        reason = next((line for line in str(error).splitlines() if "Cannot run" in line), "")
        raise RuntimeError(
            f"the executors could not run a Python task ({reason.strip() or type(error).__name__})"
            f": is {os.environ.get('PYSPARK_PYTHON')} a Python on every worker? (python=...)"
        ) from None
    finally:
        timer.cancel()
        for key in ("spark.jobGroup.id", "spark.job.description"):  # later jobs are not checks
            sc.setLocalProperty(key, None)
    return {name: why for answer in answers for name, why in answer.items()}


def _probe(modules):
    """The check's task: ``{module: why}`` for each of `modules` that fails to import.

    Built inside a function so that it travels by value: unpickling it on an
    executor must not import demystify, which may be what is missing there.
    """
    names = tuple(modules)

    def probe(rows):
        import importlib
        import sys

        for _ in rows:  # consume the iterator, so Spark can reuse this Python worker
            pass
        importlib.invalidate_caches()
        lacking = {}
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as error:
                lacking[name] = f"{type(error).__name__}: {error} (Python {sys.executable})"
        yield lacking

    return probe


def _refuse_missing(missing: dict, spark) -> None:
    """One sentence for the first thing the executors lack, saying what to install where."""
    if not missing:
        return
    name, why = next(iter(missing.items()))
    install = {"demystify": '"demystify[spark]"', "pyarrow": "pandas pyarrow"}.get(name, name)
    raise RuntimeError(
        f"the executors of {spark.sparkContext.master} cannot import {name} ({why}): "
        f"pip install {install} into the Python on every worker, or pass "
        "python= the path of one that has it"
    )


def _package_zip() -> str:
    """This driver's demystify as a zip for ``addPyFile`` (the zip it came from, if any)."""
    package = Path(__file__).parent
    if not package.is_dir():  # imported from a zip already: ship that one
        return str(next(p for p in package.parents if p.is_file()))
    folder = Path(tempfile.mkdtemp(prefix="demystify-"))
    atexit.register(shutil.rmtree, folder, True)
    with zipfile.ZipFile(folder / "demystify.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, Path("demystify") / path.relative_to(package))
    return str(folder / "demystify.zip")


# --- step 0, once: every partition's rows become one block, kept on its machine -------------


def _stack(rows, where: str):
    """On a worker: DataFrame rows ``(features, label)`` as one block ``(X, y)`` of arrays.

    A row's features are a list of numbers or an ml Vector (``.toArray()``). The
    first row that cannot be a training example raises a one-line ValueError.
    """
    rows = list(rows)  # consume the whole iterator, or Spark cannot reuse this Python worker
    if not rows:
        return np.zeros((0, 0)), np.zeros(0)
    for number, (features, label) in enumerate(rows):
        if features is None or label is None:
            missing = "features are" if features is None else "label is"
            raise ValueError(f"{where}, row {number}: the {missing} missing (null); {_DROP}")
    widths = [len(features) for features, _ in rows]
    odd = next((number for number, width in enumerate(widths) if width != widths[0]), None)
    if odd is not None:
        raise ValueError(
            f"{where}: rows have different numbers of features ({widths[0]} in row 0, "
            f"{widths[odd]} in row {odd}); every row needs the same number"
        )
    X = np.array([getattr(x, "toArray", lambda x=x: x)() for x, _ in rows])
    y = np.array([label for _, label in rows])
    if X.dtype == object:  # a None among the numbers
        odd = next(number for number, (x, _) in enumerate(rows) if None in list(x))
        raise ValueError(f"{where}, row {odd}: a feature value is missing (null); {_DROP}")
    for column, values in (("features", X), ("label", y)):
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            odd = int(np.argwhere(~np.isfinite(values))[0][0])
            raise ValueError(
                f"{where}, row {odd}: the {column} hold NaN or infinite values; "
                "clean or impute them first"
            )
    return X, y


_DROP = "drop or fill such rows first (DataFrame.dropna, DataFrame.fillna)"


def _block_path(run: str, index: int, part: str) -> Path:
    """Where this machine keeps part ``"X"`` or ``"y"`` of block `index` of training run `run`."""
    from pyspark import SparkFiles  # Spark's own working folder on this machine, removed at exit

    return Path(SparkFiles.getRootDirectory()) / f"demystify-{run}-{index}-{part}.npy"


def _keep(run: str, index: int, X, y) -> None:
    """Write a block to this machine's disk (whole files only: written aside, then renamed)."""
    for part, array in (("X", X), ("y", y)):
        path = _block_path(run, index, part)
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as file:
            np.save(file, np.ascontiguousarray(array))
        os.replace(partial, path)


def _kept(run: str, index: int):
    """Block `index` as memory-mapped arrays ``(X, y)``, or None if this machine has no copy."""
    try:
        return tuple(np.load(_block_path(run, index, part), mmap_mode="r") for part in "Xy")
    except FileNotFoundError:
        return None


def _forget(handles, run: str) -> None:
    """On a worker: delete this machine's block files of the training run `run`."""
    for _ in handles:  # consume the iterator
        pass
    for path in _block_path(run, 0, "X").parent.glob(f"demystify-{run}-*"):
        path.unlink(missing_ok=True)


def _build_block(index: int, rows, model, loss, from_arrays: bool):
    """On a worker: partition `index` as one checked block ``(X, y, problem)``.

    `problem` is None, or one line saying what is wrong (the driver reports it).
    """
    if from_arrays:  # already a block, sliced and checked on the driver
        (X, y), *_ = list(rows)
        return X, y, None
    where = f"training data, partition {index}"
    try:
        X, y = _stack(rows, where)
        if len(X):  # the network's view: its width, and labels the loss can use
            X, y = check_data(model, loss, X, y, name=where)
    except ValueError as error:
        return None, None, " ".join(str(error).split())
    return X, y, None


def _make_blocks(index: int, rows, run: str, model, loss, from_arrays: bool):
    """Step 0 on a worker: build, check and keep partition `index`'s block.

    Yields its handle ``(index, rows, problem)``: the cached RDD of handles is
    what every step runs over, and Spark schedules each step's task where its
    handle (so its block file) lives.
    """
    X, y, problem = _build_block(index, rows, model, loss, from_arrays)
    if problem is None and len(X):
        _keep(run, index, X, y)
    yield index, 0 if problem else len(X), problem


# --- steps 2 and 3: work on each block, add the results ----------------------------------------


class Sums(NamedTuple):
    """What a partition sends back: arrays to add up, its loss and hit sums, its row count.

    `missing` lists the blocks a task could not find on its machine (done again, from their rows).
    """

    arrays: list | None
    loss: float
    correct: float
    rows: int
    missing: tuple = ()


NO_SUMS = Sums(None, 0.0, 0.0, 0)  # the sums of no rows: the neutral element of `_add`


def _add(a: Sums, b: Sums) -> Sums:
    """Step 3: add two partial results (at every node of Spark's tree)."""
    if a.arrays is None or b.arrays is None:
        arrays = a.arrays if b.arrays is None else b.arrays
    else:
        arrays = [x + y for x, y in zip(a.arrays, b.arrays)]
    total = a.loss + b.loss, a.correct + b.correct, a.rows + b.rows, a.missing + b.missing
    return Sums(arrays, *total)


def _gradient_sums(index, X, y, shared, loss) -> Sums:
    """Step 2, full batch: the gradient sums of one block at the broadcast weights."""
    model = pickle.loads(shared.value)  # this task's own copy of the broadcast model
    loss_sum, grads, n, outputs = grad_sums(model, loss, X, y)
    correct = metrics.hits(outputs, metrics.labels(y)) if loss.classifier else 0
    return Sums(grads, loss_sum, correct, n)


def _averaged_weights(index, X, y, shared, loss, batch_size, local_epochs, seed) -> Sums:
    """Step 2, averaging: train a copy on one block; return its weights times its share of rows."""
    model, optimizer, round_number, total_rows = pickle.loads(shared.value)
    rng = np.random.default_rng([seed, round_number, index])  # round 0, partition 0: `seed` itself
    model.train()
    for _ in range(local_epochs):  # ordinary minibatch epochs: dm.fit's own
        logs, _ = train_epoch(model, loss, optimizer, X, y, batch_size, rng)
    weights = model.get_weights()
    # the driver refuses a round whose loss or weights are not finite
    if not (math.isfinite(logs["loss"]) and all(np.isfinite(w).all() for w in weights)):
        return Sums(None, math.nan, 0.0, len(X))
    share = len(X) / total_rows  # n_k / N: exactly 1.0 for a single partition
    n = len(X)
    return Sums([w * share for w in weights], logs["loss"] * n, logs.get("accuracy", 0) * n, n)


def _on_kept_blocks(handles, run: str, work) -> list[Sums]:
    """Steps 2 on a worker: `work` on the block of each handle, read from this machine's disk."""
    results = []
    for index, n, _ in handles:  # one handle per partition; consumes the iterator
        block = _kept(run, index) if n else None
        if n and block is None:
            results.append(NO_SUMS._replace(missing=(index,)))
        elif n:
            results.append(work(index, *block))
    return results


def _on_rebuilt_blocks(index: int, rows, run: str, work, model, loss, from_arrays: bool):
    """Step 2 for a block that was not found: build it again from its rows, keep it, work on it."""
    X, y, _ = _build_block(index, rows, model, loss, from_arrays)
    _keep(run, index, X, y)
    return [work(index, X, y)]


def _step(spark, handles, source, run, payload, work, **build) -> Sums:
    """Steps 1 to 3: broadcast the payload, work on every block, add up (`build`: redo a block)."""
    shared = spark.sparkContext.broadcast(payload)  # step 1
    work = functools.partial(work, shared=shared)
    try:
        task = functools.partial(_on_kept_blocks, run=run, work=work)  # steps 2 and 3:
        sums = handles.mapPartitions(task).treeAggregate(NO_SUMS, _add, _add)
        if sums.missing:  # blocks whose machine had no copy: built again from their rows
            again = functools.partial(_on_rebuilt_blocks, run=run, work=work, **build)
            rebuilt = source.mapPartitionsWithIndex(again)
            redone = spark.sparkContext.runJob(rebuilt, list, list(sums.missing))
            sums = functools.reduce(_add, redone, sums._replace(missing=()))
    finally:
        shared.destroy()
    return sums


# --- the driver -------------------------------------------------------------------------------


def _features_type(data, column: str, owner: str) -> str:
    """``"vector"`` or ``"array"`` for a usable features column; plain words for any other."""
    from pyspark.sql.types import ArrayType, NumericType

    if column not in data.columns:
        raise ValueError(f"{owner}: the DataFrame has no column {column!r}: {data.columns}")
    kind = data.schema[column].dataType
    if kind.typeName() == "vectorudt":
        return "vector"
    if isinstance(kind, ArrayType) and isinstance(kind.elementType, NumericType):
        return "array"
    raise ValueError(
        f"{owner}: column {column!r} holds {kind.simpleString()} values; it must hold arrays of "
        "numbers or ml Vectors, one per row (pyspark.ml.feature.VectorAssembler makes them)"
    )


def _source(spark, model, loss, data, partitions, features_col, label_col):
    """The data as an RDD with one entry per row (a DataFrame) or per partition (arrays)."""
    count = partitions or spark.sparkContext.defaultParallelism  # None: arrays get one per core
    checks.affordable(count * 2**10, f"spark.fit: partitions={count:,}")  # 1 KiB each, at least
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ValueError(f"spark.fit: data as arrays must be a pair (X, y), not {len(data)}")
        X, y = check_data(model, loss, *data)
        cuts = np.linspace(0, len(X), count + 1).astype(int)
        blocks = [(X[a:b], y[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]  # one block a partition
        return spark.sparkContext.parallelize(blocks, count), True
    if not hasattr(data, "schema"):
        raise ValueError(
            f"spark.fit: data must be a Spark DataFrame or a pair (X, y), got a {_kind(data)}"
        )
    _features_type(data, features_col, "spark.fit")  # each column: there, and of a usable type
    label = _label_column(data, label_col)
    rows = data.repartition(partitions) if partitions else data
    return rows.select(features_col, label).rdd, False


def _kind(value) -> str:
    """What `value` is, its library first: ``"pandas DataFrame"``, ``"str"``."""
    library = type(value).__module__.partition(".")[0]
    return type(value).__name__ if library == "builtins" else f"{library} {type(value).__name__}"


def _label_column(data, column: str):
    """The label column (decimals as doubles), or plain words if it holds no numbers."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, BooleanType, DecimalType, NumericType

    if column not in data.columns:
        raise ValueError(f"spark.fit: the DataFrame has no column {column!r}: {data.columns}")
    kind = data.schema[column].dataType
    inner = kind.elementType if isinstance(kind, ArrayType) else kind
    if not isinstance(inner, (NumericType, BooleanType)):
        raise ValueError(
            f"spark.fit: column {column!r} holds {kind.simpleString()} values; labels are numbers "
            "(class 0, 1, ... or target values): pyspark.ml.feature.StringIndexer makes them"
        )
    return F.col(column).cast("double") if isinstance(kind, DecimalType) else F.col(column)


def fit(
    model,
    loss,
    optimizer,
    data,
    epochs: int = 10,
    *,
    mode: str = "full_batch",
    batch_size: int = 32,
    local_epochs: int = 1,
    seed: int = 0,
    spark=None,
    partitions: int | None = None,
    validation=None,
    callbacks=(),
    features_col: str = "features",
    label_col: str = "label",
) -> History:
    """Train `model` data-parallel on Spark; returns the per-epoch (per-round) `History`.

    data: a Spark DataFrame with an array (or ml Vector) column `features_col`
    and a label column `label_col` (class number, 0/1 or target value), or
    ``(X, y)`` arrays (NumPy, pandas, lists), spread over `partitions` (default: one per core).
    mode: ``"full_batch"`` (one exact full-batch step per epoch) or
    ``"average"`` (each of the `epochs` rounds trains every partition for
    `local_epochs` epochs in minibatches of `batch_size`, seeded by `seed`,
    then averages the weights); see the module's docstring.

    The history holds "loss" (and "accuracy" for classifiers) per epoch, like
    `dm.fit`'s: in full batch measured with the weights before the step, in
    averaging during the round's last local epoch; with ``validation=(X_val,
    y_val)`` also "val_loss" and "val_accuracy" of the model after it.
    `callbacks` are `dm.Callback` objects (``on_epoch_end`` may stop training).
    Training never leaves worse weights than the last good ones: on a NaN loss
    `TrainingError`, on any error the history in ``error.history``, on Ctrl-C
    the history so far with its ``stop_reason``.
    """
    epochs = checks.number("epochs", epochs, "[1, inf)", whole=True, owner="spark.fit")
    if mode not in MODES:
        raise ValueError(f"spark.fit: mode must be 'full_batch' or 'average', got {mode!r}")
    batch_size = checks.number("batch_size", batch_size, "[1, inf)", True, "spark.fit")
    local_epochs = checks.number("local_epochs", local_epochs, "[1, inf)", True, "spark.fit")
    seed = checks.number("seed", seed, "[0, inf)", whole=True, owner="spark.fit")
    if partitions is not None:
        partitions = checks.number("partitions", partitions, "[1, inf)", True, "spark.fit")
    callbacks = [callbacks] if hasattr(callbacks, "on_epoch_end") else list(callbacks or ())
    check_parts(model, loss, optimizer, callbacks, owner="spark.fit")  # as dm.fit checks them
    if spark is not None and not hasattr(spark, "sparkContext"):
        raise TypeError(f"spark.fit: spark must be a SparkSession, got {spark!r:.60}")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise ValueError("spark.fit: validation must be a pair (X_val, y_val)")
        validation = check_data(model, loss, *validation, name="validation data")
    options = dict(loss=loss, batch_size=batch_size, local_epochs=local_epochs, seed=seed)
    spark = spark or local_session()
    source, from_arrays = _source(spark, model, loss, data, partitions, features_col, label_col)
    run = uuid.uuid4().hex[:12]  # names this run's block files
    build = dict(model=model, loss=loss, from_arrays=from_arrays)  # what builds a block
    make = functools.partial(_make_blocks, run=run, **build)
    handles = source.mapPartitionsWithIndex(make).cache()  # kept: every step runs over them
    step = functools.partial(_step, spark, handles, source, run, **build)
    with guard(model, callbacks) as history:  # the engine's begin and end of a run
        try:
            total_rows = sum(_check_blocks(handles.collect()))  # step 0: build, check, keep
            for epoch in range(epochs):
                if mode == "full_batch":
                    logs = _full_batch_step(step, model, loss, optimizer)
                else:
                    payload = (model, optimizer, epoch, total_rows)
                    logs = _averaging_round(step, payload, model, loss, options)
                stop = end_epoch(
                    model, loss, optimizer, history, epoch, logs, False, validation, callbacks
                )
                if stop:
                    break
        finally:
            _clean_up(handles, run)
    return history


def _logs(sums: Sums, loss) -> dict:
    """The epoch's training numbers, as `dm.training.train_epoch` gives them."""
    logs = {"loss": sums.loss / sums.rows}
    if loss.classifier:
        logs["accuracy"] = sums.correct / sums.rows
    return logs


def _full_batch_step(step, model, loss, optimizer) -> dict:
    """Steps 1-3 for the gradient sums, then step 4 on the driver: grad = sum / N, step."""
    from pyspark import cloudpickle  # pickles what plain pickle cannot (a lambda schedule)

    sums = step(cloudpickle.dumps(model), functools.partial(_gradient_sums, loss=loss))
    logs = _logs(sums, loss)
    if math.isfinite(logs["loss"]):  # else end_epoch refuses the epoch
        for parameter, grad in zip(model.parameters(), sums.arrays):
            parameter.grad = backend.asarray(grad / sums.rows, model.dtype)
        optimizer.step()
    return logs


def _averaging_round(step, payload, model, loss, options: dict) -> dict:
    """Steps 1-3 for the row-weighted trained weights, then step 4: they become the model's."""
    from pyspark import cloudpickle

    sums = step(cloudpickle.dumps(payload), functools.partial(_averaged_weights, **options))
    logs = _logs(sums, loss)
    if math.isfinite(logs["loss"]):  # a partition that diverged sent NaN: end_epoch refuses
        model.set_weights(sums.arrays)
    return logs


def _check_blocks(handles) -> list[int]:
    """The row count of every block, or the first problem a worker found, in plain words."""
    problems = [problem for _, _, problem in sorted(handles) if problem]
    if len(problems) > 1:
        raise ValueError(f"{problems[0]} (and problems in {len(problems) - 1} more partitions)")
    if problems:
        raise ValueError(problems[0])
    sizes = [n for _, n, _ in sorted(handles)]
    if not sum(sizes):
        raise ValueError("the training data has no rows: there is nothing to learn from")
    return sizes


def _clean_up(handles, run: str) -> None:
    """Delete the block files and forget the cached handles (on every exit from `fit`)."""
    try:
        handles.foreachPartition(functools.partial(_forget, run=run))
        handles.unpersist()
    except Exception:  # Spark stopped or broken: its working folder goes when it exits
        pass


def predict(
    model,
    df,
    features_col: str = "features",
    output_col: str = "prediction",
    scores: bool = False,
    batch_size: int = 1024,
):
    """Distributed inference: `df` with a column `output_col` of predicted classes added.

    ``scores=True`` gives the network's raw outputs (an array per row) instead,
    e.g. for regression. `features_col` is an array or ml Vector column. Rows
    with missing (null), NaN or infinite features, or with the wrong number
    of them, are refused in plain words first (one pass over `df`): a network
    would answer them with a meaningless class. Runs `model.predict` batch by
    batch on the workers via ``predict_batch_udf``.
    """
    batch_size = checks.number("batch_size", batch_size, "[1, inf)", True, "spark.predict")
    types = _pyspark().sql.types
    from pyspark.ml.functions import predict_batch_udf, vector_to_array
    from pyspark.sql import functions as F

    if not hasattr(df, "schema"):
        got = f"got a {_kind(df)} (spark.createDataFrame makes one)"
        raise TypeError(f"spark.predict: df must be a Spark DataFrame, {got}")
    if not (isinstance(output_col, str) and output_col) or output_col in df.columns:
        raise ValueError(  # before any job: a column already there would be overwritten
            f"spark.predict: output_col must name a new column (one already there would be "
            f"overwritten), got {output_col!r}; the DataFrame has {df.columns}"
        )
    kind = _features_type(df, features_col, "spark.predict")
    features = vector_to_array(F.col(features_col)) if kind == "vector" else F.col(features_col)
    features = features.cast("array<double>")
    n_in = getattr(model, "n_in", None)
    if n_in is None or not hasattr(model, "predict"):
        got = " ".join(repr(model).split())[:80]  # on one line
        raise ValueError(f"spark.predict: model must be a network with known inputs, got {got}")
    _refuse_bad_rows(df, features, features_col, n_in)
    _refuse_missing(executors_lack(df.sparkSession, ("pandas", "pyarrow")), df.sparkSession)

    def make_predict_fn():  # runs on a worker: the model arrives with this function
        def predict_fn(X):
            if not np.isfinite(X).all():
                raise ValueError("spark.predict: features hold NaN or infinite values")
            outputs = model.predict(X)
            return outputs.astype(float) if scores else predicted_classes(outputs)

        return predict_fn

    udf = predict_batch_udf(
        make_predict_fn,
        batch_size=batch_size,
        input_tensor_shapes=[[n_in]],
        return_type=types.ArrayType(types.DoubleType()) if scores else types.LongType(),
    )
    return df.withColumn(output_col, udf(features))


def _refuse_bad_rows(df, features, column: str, n_in: int) -> None:
    """One pass over `df` (in Spark's Java process): refuse rows a network cannot answer."""
    from pyspark.sql import functions as F

    def count(condition):
        return F.sum(F.when(condition, 1).otherwise(0))

    bad_value = F.exists(features, lambda v: v.isNull() | F.isnan(v) | (F.abs(v) == math.inf))
    null, ragged, unusable = df.select(
        count(features.isNull()),
        count(features.isNotNull() & (F.size(features) != n_in)),
        count(features.isNotNull() & bad_value),
    ).first()
    for rows, what in [
        (null, "no features (null)"),
        (ragged, f"a number of features other than the network's {n_in}"),
        (unusable, "missing (null), NaN or infinite feature values"),
    ]:
        if rows:
            raise ValueError(
                f"spark.predict: column {column!r} has {rows} row{'s' if rows > 1 else ''} with "
                f"{what}; a network's answer for them would be meaningless: drop, fix or impute "
                "them first"
            )
