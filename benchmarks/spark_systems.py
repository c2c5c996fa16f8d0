"""The job benchmarks/spark_speed.py times, and the systems that do it, on Spark and locally.

The job: random float32 rows (seeded; nothing is downloaded) in a cached DataFrame
with an ml ``Vector`` column, a 784-256-128-10 ReLU network, softmax cross-entropy,
plain gradient descent (lr 0.01). Here: the network and data, the DataFrame,
`systems` (``dms.fit`` full batch and averaging, Spark MLlib's
``MultilayerPerceptronClassifier``, local ``dm.fit``), each a function of the epochs
that returns the ends of its epochs in seconds, and the fixed costs of a Spark step
(an empty job, a communication-only step). ``spark_speed.py`` runs them in turns.
"""

from __future__ import annotations

import time

import numpy as np

import demystify as dm

SIZES = (784, 256, 128, 10)
LR = 0.01
BATCH = 32  # minibatch size of the averaging and local minibatch rows
LOCAL_EPOCHS = 2  # averaging's local epochs a round (notebook 09 counts rounds with these)


def network(seed: int = 0) -> dm.Sequential:
    return dm.Sequential(
        [dm.Dense(784, 256), dm.ReLU(), dm.Dense(256, 128), dm.ReLU(), dm.Dense(128, 10)],
        seed=seed,
    )


def parameter_count() -> int:
    return sum(a * b + b for a, b in zip(SIZES[:-1], SIZES[1:]))


def data(rows: int):
    rng = np.random.default_rng(0)
    return rng.random((rows, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], rows)


def vector_frame(spark, X, y, cores: int):
    """(X, y) as a cached DataFrame: an ml Vector column "features", a double column "label"."""
    import pandas as pd
    from pyspark.ml.functions import array_to_vector

    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")  # NumPy -> Spark, fast
    table = pd.DataFrame({"features": list(X.astype(np.float64)), "label": y.astype(np.float64)})
    frame = spark.createDataFrame(table).repartition(cores)
    frame = frame.select(array_to_vector("features").alias("features"), "label").cache()
    frame.count()
    return frame


class Clock(dm.Callback):
    """Seconds since the call began, noted at the end of every epoch (the set-up included)."""

    def __init__(self, start: float):
        self.start, self.marks = start, []

    def on_epoch_end(self, epoch, logs):
        self.marks.append(time.perf_counter() - self.start)


def systems(spark, frame, X, y, cores: int) -> dict:
    """name -> train(epochs) -> the epoch-end marks (seconds), or for MLlib only the total."""
    from demystify import spark as dms

    def spark_fit(**options):
        def train(epochs):
            clock, model = Clock(time.perf_counter()), network()
            dms.fit(
                model,
                dm.SoftmaxCrossEntropy(),
                dm.SGD(model.parameters(), lr=LR),
                frame,
                epochs,
                spark=spark,
                callbacks=[clock],
                **options,
            )
            return clock.marks

        return train

    def mllib(epochs):
        from pyspark.ml.classification import MultilayerPerceptronClassifier

        start = time.perf_counter()
        MultilayerPerceptronClassifier(
            layers=list(SIZES), solver="gd", maxIter=epochs, tol=0.0, stepSize=LR, seed=0
        ).fit(frame)
        return [time.perf_counter() - start]  # no hook inside its loop: the whole run only

    def local_fit(batch_size):
        def train(epochs):
            clock, model = Clock(time.perf_counter()), network()
            with blas_threads(cores):
                dm.fit(
                    model,
                    dm.SoftmaxCrossEntropy(),
                    dm.SGD(model.parameters(), lr=LR),
                    X,
                    y,
                    epochs=epochs,
                    batch_size=batch_size or len(X),
                    verbose=0,
                    callbacks=[clock],
                )
            return clock.marks

        return train

    return {
        "dms.fit full batch": spark_fit(),
        "MLlib MLP gd": mllib,
        "local dm.fit full batch": local_fit(None),
        f"dms.fit average, batch {BATCH}, {LOCAL_EPOCHS} local epochs": spark_fit(
            mode="average", batch_size=BATCH, local_epochs=LOCAL_EPOCHS
        ),
        f"local dm.fit, batch {BATCH}": local_fit(BATCH),
    }


def blas_threads(threads: int):
    """NumPy's BLAS held to `threads` threads (threadpoolctl), or left as it is."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def empty_job(spark, cores: int) -> float:
    """One Spark job doing nothing: a Python task per core, each consuming its rows."""
    rdd = spark.sparkContext.parallelize(range(cores), cores)
    start = time.perf_counter()
    rdd.mapPartitions(lambda rows: [sum(1 for _ in rows)]).collect()
    return time.perf_counter() - start


def communication_step(spark, cores: int) -> float:
    """A step without arithmetic: broadcast the model, every task returns zero gradients, add."""
    from pyspark import cloudpickle

    sc, model = spark.sparkContext, network()
    shapes = [p.shape for p in model.parameters()]

    def zeros(rows, shared):
        for _ in rows:
            pass
        yield [np.zeros(shape, np.float32) + len(shared.value) * 0 for shape in shapes]

    def add(a, b):
        return [x + y for x, y in zip(a, b)]

    rdd = sc.parallelize(range(cores), cores)
    start = time.perf_counter()
    shared = sc.broadcast(cloudpickle.dumps(model))
    rdd.mapPartitions(lambda rows: zeros(rows, shared)).treeReduce(add)
    shared.destroy()
    return time.perf_counter() - start
