"""Data-parallel training on Apache Spark: one network, the data split across many machines.

The idea in one sentence: every worker holds the *same* weights and a
*different* slice of the data, computes the gradient of its slice, and the
slices' gradients are added up. It is exact, not an approximation, because
our losses are means over rows (``L = (1/N) sum_i l_i``), and a mean is a sum
divided by a count -- sums can be cut anywhere and added back in any order.
`grad_sums` (below) is that contract: it returns the loss and the
gradients of a block of rows as *sums*, plus the row count, using the model's
ordinary forward and backward. This module is only the plumbing around it.

One training step, four arrows::

      driver: model (architecture + weights)                        driver
          |  1. broadcast it (one copy per machine, not per task)      ^
          v                                                             |  4. grad = sum / N,
    partition 1 | partition 2 | ... | partition P                       |     optimizer.step()
    2. grad_sums(the partition's rows), ordinary demystify code         |
          \\        /             \\      /                              |
           3. treeAggregate: add the partial sums pairwise  ------------+

Choice of step: *full batch*. Each epoch is one step whose gradient is the
mean over every row, so `fit` here follows exactly the path of
``dm.fit(..., batch_size=len(X))`` -- the same losses and weights up to float
rounding, which is easy to test and to defend. Each step costs a whole Spark
job (a fraction of a second of scheduling), so many small minibatch steps
would spend their time on overhead; big steps are what a cluster is good at.

What travels: the model (architecture and weights) in a broadcast, destroyed
after the step; back come only
``(loss_sum, grads, n, correct)`` per partition -- the size of the weights,
however big the data. A task that fails is retried by Spark (up to
`task_attempts` times); its partial sum counts once, so the result stays exact.

On a cluster nothing but the master URL changes. The workers must be able to
``import demystify``: install it there, or ship it with the job::

    zip -r demystify.zip demystify            # from the folder that holds demystify/
    spark-submit --master spark://host:7077 --py-files demystify.zip train.py

(or ``spark.sparkContext.addPyFile("demystify.zip")`` from a running session),
where ``train.py`` calls ``demystify.spark.fit(model, loss, optimizer, df,
spark=SparkSession.builder.getOrCreate())``. Here `local_session()` starts Spark
inside this machine, which is all the tests and notebooks need.

PySpark is optional: ``pip install "demystify[spark]"`` (plus Java 17).
"""

import functools
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from . import backend
from .metrics import accuracy, predicted_classes
from .training import History, TrainingError, check_data


# shown in notebooks/09_training_on_spark.ipynb
def grad_sums(model, loss, X, y) -> tuple[float, list[np.ndarray], int]:
    """The gradient of a batch as *sums* over its rows: ``(loss_sum, grads, n)``.

    This is the contract that makes data-parallel training exact. Our losses
    are means, ``L = (1/n) sum_i l_i``, so ``n * L`` and ``n * dL/dw`` are sums
    over the rows, and sums split freely: cut the data into parts anywhere, add
    the parts' sums, divide by the total row count, and you have the gradient of
    the whole set -- whatever the sizes of the parts (one row, or none at all).

    Uses the model's ordinary forward and backward (it overwrites the model's
    ``.grad``). `grads` are NumPy arrays in ``model.parameters()`` order. An
    empty batch gives ``(0.0, zeros, 0)``, the neutral element of the sum.
    """
    model.zero_grad()
    n = len(X)
    loss_sum = 0.0
    if n:  # an empty batch has no mean loss; its sums are zero
        loss_sum = loss(model.forward(backend.asarray(X, model.dtype)), y) * n
        model.backward(loss.backward(), input_grad=False)
    return loss_sum, [backend.to_numpy(p.grad) * n for p in model.parameters()], n


def _pyspark():
    """Import PySpark, or say in plain words how to get it."""
    try:
        import pyspark.sql
    except ImportError as error:
        raise ImportError(
            f'demystify.spark needs PySpark ({error}): pip install "demystify[spark]"'
        ) from None
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise RuntimeError(
            "Spark runs on Java, and no `java` was found: install Java 17 or set JAVA_HOME"
        )
    return pyspark


def local_session(cores="*", task_attempts: int = 1):
    """A quiet Spark session inside this machine: ``local[cores]``, on 127.0.0.1, no web UI.

    `task_attempts`: how often a failing task is tried before the job fails.
    Workers run this Python (so they find its packages) with one BLAS thread
    each, as Spark already runs one task per core. Spark's settings travel in
    environment variables (a ``PYSPARK_SUBMIT_ARGS`` of your own is kept), and
    a process has one session: if one is running already, it is returned as is.
    """
    os.environ.update(SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)  # stay on loopback
    quiet_logs = Path(__file__).with_name("log4j2.properties")  # the JVM reads it as it starts
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS",
        f"--driver-java-options -Dlog4j2.configurationFile=file:{quiet_logs} pyspark-shell",
    )
    spark = (
        _pyspark()
        .sql.SparkSession.builder.master(f"local[{cores},{task_attempts}]")
        .config(
            map={
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.executorEnv.OMP_NUM_THREADS": "1",
            }
        )
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _partition_sums(rows, model, loss):
    """Step 2, on a worker: the gradient sums of this partition's rows (nothing for an empty one).

    A row is ``(features, label)``: a NumPy row, a list, or an ml Vector (``.toArray()``).
    """
    rows = list(rows)  # consume the whole iterator, or Spark cannot reuse this Python worker
    if rows:
        X = np.array([getattr(row[0], "toArray", lambda row=row: row[0])() for row in rows])
        y = np.array([row[1] for row in rows])
        loss_sum, grads, n = grad_sums(model.value, loss, X, y)
        yield (
            loss_sum,
            grads,
            n,
            round(accuracy(model.value.predict(X), y) * n) if loss.classifier else 0,
        )


def _add(a, b):
    """Step 3: add two partial sums ``(loss_sum, grads, n, correct)``."""
    return a[0] + b[0], [g + h for g, h in zip(a[1], b[1])], a[2] + b[2], a[3] + b[3]


def fit(
    model,
    loss,
    optimizer,
    data,
    epochs: int = 10,
    spark=None,
    partitions: int | None = None,
    features_col: str = "features",
    label_col: str = "label",
) -> History:
    """Train `model` data-parallel on Spark, one full-batch step per epoch; returns the `History`.

    data: a Spark DataFrame with an array (or ml Vector) column `features_col`
    and a label column `label_col` (class number, 0/1 or target value), or
    ``(X, y)`` NumPy arrays, spread over `partitions` (default: one per core).
    The history holds "loss" (and "accuracy" for classifiers) per epoch, like
    `dm.fit`'s, each measured with the weights before that epoch's step.
    """
    spark = spark or local_session()
    if isinstance(data, tuple):
        X, y = check_data(model, loss, *data)
        data = spark.sparkContext.parallelize(
            list(zip(X, y)), partitions or spark.sparkContext.defaultParallelism
        )
    else:
        if {features_col, label_col} - set(data.columns):
            needed = f"{features_col!r} and {label_col!r}"
            raise ValueError(f"the DataFrame needs columns {needed}; it has {data.columns}")
        data = (
            (data.repartition(partitions) if partitions else data)
            .select(features_col, label_col)
            .rdd
        )
    rows, history = data.cache(), History()
    try:
        for epoch in range(epochs):
            model.zero_grad()  # (free: the gradient buffers need not travel)
            shared = spark.sparkContext.broadcast(model)  # step 1
            zero = (
                0.0,
                [np.zeros(p.shape) for p in model.parameters()],
                0,
                0,
            )  # the sums of no rows
            task = functools.partial(_partition_sums, model=shared, loss=loss)  # steps 2 and 3:
            loss_sum, grads, n, correct = rows.mapPartitions(task).treeAggregate(zero, _add, _add)
            shared.destroy()
            if n == 0:
                raise ValueError("the training data has no rows: there is nothing to learn from")
            if not math.isfinite(loss_sum):
                history.stop_reason = f"the loss became NaN or infinite in epoch {epoch + 1}"
                raise TrainingError(
                    f"{history.stop_reason}; try a lower learning rate (now {optimizer.lr:g})",
                    history,
                )
            for parameter, grad in zip(model.parameters(), grads):  # step 4: the mean gradient
                parameter.grad = backend.asarray(grad / n, model.dtype)
            optimizer.step()
            history.append(
                {
                    "loss": loss_sum / n,
                    **({"accuracy": correct / n} if loss.classifier else {}),
                }
            )
    finally:
        rows.unpersist()
    return history


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
    e.g. for regression. `features_col` must be an array column
    (``pyspark.ml.functions.vector_to_array`` turns an ml Vector into one).
    Runs `model.predict` batch by batch on the workers via ``predict_batch_udf``.
    """
    types = _pyspark().sql.types
    from pyspark.ml.functions import predict_batch_udf

    def make_predict_fn():  # runs on a worker: the model arrives with this function
        return lambda X: (
            model.predict(X).astype(float) if scores else predicted_classes(model.predict(X))
        )

    udf = predict_batch_udf(
        make_predict_fn,
        batch_size=batch_size,
        input_tensor_shapes=[[model.layers[0].n_in]],
        return_type=types.ArrayType(types.DoubleType()) if scores else types.LongType(),
    )
    return df.withColumn(output_col, udf(features_col))
