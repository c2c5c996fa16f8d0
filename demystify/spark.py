"""Data-parallel training on Apache Spark: one network, the data split across many machines.

The idea in one sentence: every worker holds the *same* weights and a
*different* slice of the data, computes the gradient of its slice, and the
slices' gradients are added up. It is exact, not an approximation, because
our losses are means over rows (``L = (1/N) sum_i l_i``), and a mean is a sum
divided by a count -- sums can be cut anywhere and added back in any order.
`demystify.training.grad_sums` is that contract: it returns the loss and the
gradients of a block of rows as *sums*, plus the row count.

One training step, four arrows::

      driver: weights w                                          driver
          |  1. broadcast w (one copy per machine, not per task)    ^
          v                                                          |  4. g = sum / N,
    partition 1 | partition 2 | ... | partition P                    |     p.grad = g,
    2. grad_sums(rows of the partition) with the ordinary model      |     optimizer.step()
          \\        /             \\      /                           |
           3. treeAggregate: add the partial sums pairwise  ---------+

Choice of step: *full batch*. Each epoch is one step whose gradient is the
mean over every row, so ``fit`` here follows exactly the path of
``dm.fit(..., batch_size=len(X))`` (same losses and weights up to float
rounding), which is easy to test and to defend. Minibatch SGD on Spark would
sample a fraction of every partition per step; each step then still pays a
whole Spark job (~0.2 s), which is why full-batch (or large-batch) steps are
the natural unit here.

What travels: the architecture (layer classes and their `config()`), in the
task closure; the weights, in a broadcast destroyed after the step; back come
only ``(loss_sum, grads, n, correct)`` per partition, the size of the weights
whatever the size of the data. Layers are rebuilt from ``type(layer)(**config)``,
so a model for `fit` and `predict` must be built from such layers (all of
demystify's are); Dropout on the workers draws its masks unseeded.

Running the same code on a cluster: nothing but the master URL changes. The
workers must be able to ``import demystify``: install it on every machine, or
ship it with the job -- ``ship_package(spark)`` zips ``demystify/`` and calls
``sparkContext.addPyFile``, or from the shell::

    cd demystify/.. && zip -r demystify.zip demystify
    spark-submit --master spark://host:7077 --py-files demystify.zip train.py

where ``train.py`` calls ``demystify.spark.fit(model, loss, optimizer, df)`` with
``spark = SparkSession.builder.getOrCreate()``. Here `local_session()` starts
Spark inside this machine (``local[*]``: one worker thread per core, Python
worker processes beside it), which is all the tests and notebooks need.

PySpark is optional: it is imported only inside these functions, and
``pip install "demystify[spark]"`` (plus Java 17) provides it.
"""
from __future__ import annotations

import functools
import math
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import backend
from .metrics import accuracy, predicted_classes
from .model import Sequential
from .training import History, TrainingError, _is_classifier, check_data, grad_sums

# Spark's own logging, down to errors only (its INFO lines would flood notebooks)
QUIET_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %p %c: %m%n
"""


def _require_pyspark():
    """Import PySpark, or say in plain words how to get it."""
    try:
        import pyspark.sql
    except ImportError as error:
        raise ImportError(f"demystify.spark needs PySpark ({error}); install it with: "
                          f'pip install "demystify[spark]" (and Java 17)') from None
    return pyspark


def local_session(cores="*", task_attempts: int = 1, app_name: str = "demystify"):
    """Start (or get) a quiet Spark session on this machine, bound to 127.0.0.1.

    `cores`: worker threads (``"*"`` = all). `task_attempts`: how often a failing
    task is tried before the job fails (local mode needs it in the master URL,
    ``local[2,4]``). Workers use this Python (``PYSPARK_PYTHON``) and run BLAS on
    one thread each (they already run one per core).
    """
    pyspark = _require_pyspark()
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise RuntimeError("Spark runs on Java and no `java` was found: install Java 17 "
                           "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # stay on loopback, not the outside interface
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers need this Python's packages
    log4j = Path(tempfile.gettempdir()) / "demystify-log4j2.properties"
    log4j.write_text(QUIET_LOG4J)
    quiet = f"-Dlog4j2.configurationFile=file:{log4j}"
    retries = f",{task_attempts}" if task_attempts > 1 else ""
    spark = pyspark.sql.SparkSession.builder.master(f"local[{cores}{retries}]").appName(app_name).config(map={
        "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": quiet, "spark.executor.extraJavaOptions": quiet,
        "spark.task.maxFailures": str(task_attempts), "spark.executorEnv.OMP_NUM_THREADS": "1",
    }).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def ship_package(spark) -> Path:
    """Zip ``demystify/`` and add it to every executor's ``sys.path`` (a cluster needs this).

    The same as ``spark-submit --py-files demystify.zip``; returns the zip's path.
    """
    package = Path(__file__).resolve().parent
    archive = Path(tempfile.mkdtemp(prefix="demystify-")) / "demystify.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(package.rglob("*.py")):
            zipped.write(path, path.relative_to(package.parent))
    spark.sparkContext.addPyFile(str(archive))
    return archive


def _architecture(model) -> list:
    """What it takes to rebuild the model elsewhere: each layer's class and constructor arguments."""
    return [(type(layer), layer.config()) for layer in model.layers]


def _rebuild(architecture, dtype, weights) -> Sequential:
    model = Sequential([kind(**config) for kind, config in architecture], dtype=dtype)
    model.set_weights(weights)
    return model


def _rows_to_block(rows):
    """A DataFrame partition's rows as one ``(X, y)`` block (ml Vectors become arrays)."""
    rows = list(rows)  # consume the whole iterator
    if rows:
        features = [r[0].toArray() if hasattr(r[0], "toArray") else r[0] for r in rows]
        yield np.array(features, dtype=float), np.array([r[1] for r in rows])


def _partition_sums(blocks, architecture, dtype, weights, loss, classifier, fail_first_attempt):
    """Step 2, on an executor: the gradient sums of this partition's rows."""
    if fail_first_attempt:  # test hook: Spark must retry the task, and the sum stay exact
        from pyspark import TaskContext
        if TaskContext.get().attemptNumber() == 0:
            raise RuntimeError("first attempt of this task fails on purpose (fail_first_attempt)")
    model = _rebuild(architecture, dtype, weights.value)
    for X, y in blocks:  # consume every block, so Spark can reuse this Python worker
        loss_sum, grads, n = grad_sums(model, loss, X, y)
        correct = round(accuracy(model.predict(X), y) * n) if classifier and n else 0
        yield loss_sum, grads, n, correct


def _add(a, b):
    """Step 3: add two partial sums ``(loss_sum, grads, n, correct)``; None is the empty sum."""
    if a is None or b is None:
        return b if a is None else a
    return a[0] + b[0], [g + h for g, h in zip(a[1], b[1])], a[2] + b[2], a[3] + b[3]


def fit(model, loss, optimizer, data, epochs: int = 10, spark=None, partitions: int | None = None,
        features_col: str = "features", label_col: str = "label",
        fail_first_attempt: bool = False) -> History:
    """Train `model` data-parallel on Spark, one full-batch step per epoch; returns `History`.

    data: ``(X, y)`` NumPy arrays (cut into `partitions` blocks, default: one per
    core); or a Spark DataFrame with an array (or ml Vector) column `features_col`
    and a label column `label_col` (class number, 0/1, or target value), optionally
    repartitioned into `partitions`; or an RDD of ``(X, y)`` NumPy blocks, used as is.
    spark: a session (default: the active one, else `local_session()`).
    The history holds ``"loss"`` per epoch and ``"accuracy"`` for classifiers, as
    `dm.fit`'s does: both measured with the weights before that epoch's step.
    fail_first_attempt: a test hook that makes every task's first attempt fail.
    """
    spark = spark or _require_pyspark().sql.SparkSession.getActiveSession() or local_session()
    if isinstance(data, tuple):
        X, y = check_data(model, loss, *data)
        parts = partitions or spark.sparkContext.defaultParallelism
        blocks = spark.sparkContext.parallelize(
            [(X[rows], y[rows]) for rows in np.array_split(np.arange(len(X)), parts)], parts)
    elif hasattr(data, "columns"):
        missing = sorted({features_col, label_col} - set(data.columns))
        if missing:
            raise ValueError(f"the DataFrame has no column {missing} (it has {data.columns}); "
                             f"name the right ones with features_col= and label_col=")
        data = data.repartition(partitions) if partitions else data
        blocks = data.select(features_col, label_col).rdd.mapPartitions(_rows_to_block)
    else:
        blocks = data
    blocks, history = blocks.cache(), History()
    task = functools.partial(_partition_sums, architecture=_architecture(model), dtype=model.dtype,
                             loss=loss, classifier=_is_classifier(loss),
                             fail_first_attempt=fail_first_attempt)
    try:
        for epoch in range(epochs):
            weights = spark.sparkContext.broadcast(model.get_weights())  # step 1
            total = blocks.mapPartitions(functools.partial(task, weights=weights)).treeAggregate(
                None, _add, _add)  # steps 2 and 3
            weights.destroy()
            if total is None:
                raise ValueError("the training data has no rows: there is nothing to learn from")
            loss_sum, grads, n, correct = total
            if not math.isfinite(loss_sum):
                history.stop_reason = f"the loss became NaN or infinite in epoch {epoch + 1}"
                raise TrainingError(history.stop_reason + "; try a lower learning rate", history)
            optimizer.zero_grad()
            for parameter, grad in zip(model.parameters(), grads):  # step 4: the mean gradient
                parameter.grad += backend.asarray(grad / n, model.dtype)
            optimizer.step()
            history.append({"loss": loss_sum / n, **({"accuracy": correct / n} if task.keywords["classifier"] else {})})
    finally:
        blocks.unpersist()
    return history


def predict(model, df, features_col: str = "features", output_col: str = "prediction",
            scores_col: str = "scores", batch_size: int = 1024):
    """Distributed inference: `df` with the predicted class (`output_col`) and raw outputs added.

    `features_col` must be an array column (``pyspark.ml.functions.vector_to_array``
    turns an ml Vector into one). The class is ``predicted_classes`` of the outputs
    (argmax, or score > 0 for one output column); a regression reads `scores_col`.
    Runs `model.predict` batch by batch on the executors via ``predict_batch_udf``.
    """
    _require_pyspark()
    from pyspark.ml.functions import predict_batch_udf
    from pyspark.sql import functions, types
    architecture, dtype, weights = _architecture(model), model.dtype, model.get_weights()

    def make_predict_fn():  # runs on the executor: rebuild the model once, then predict batches
        net = _rebuild(architecture, dtype, weights).eval()
        return lambda X: {"label": predicted_classes(s := net.predict(X)), "scores": s.astype(float)}

    schema = types.StructType([types.StructField("label", types.LongType()),
                               types.StructField("scores", types.ArrayType(types.DoubleType()))])
    n_in = next(layer.n_in for layer in model.layers if hasattr(layer, "n_in"))
    udf = predict_batch_udf(make_predict_fn, return_type=schema, batch_size=batch_size,
                            input_tensor_shapes=[[n_in]])
    out = df.withColumn("_demystify", udf(features_col))
    return (out.withColumn(output_col, functions.col("_demystify.label"))
            .withColumn(scores_col, functions.col("_demystify.scores")).drop("_demystify"))
