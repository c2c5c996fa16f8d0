"""What the local-Spark test files share: the session, small models and data, the reference run.

`demystify.spark.fit` must give what single-process full-batch training gives
(``dm.fit(..., batch_size=len(X))``) to float64 rounding, so most tests train
twice -- on Spark and locally -- and compare with `assert_same_training`.
Importing this module skips the importing test file when PySpark or Java is
genuinely absent (CI installs both). The `sessions` and `spark` fixtures that
hand out a `Sessions` session are in conftest.py: each test file starts its own.
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import demystify as dm

pytest.importorskip("pyspark", reason='PySpark is optional: pip install "demystify[spark]"')
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "Spark runs on Java and no `java` was found (install Java 17)", allow_module_level=True
    )

from demystify import spark as dms  # noqa: E402  (after the skips: only then is it usable)

RTOL = 1e-10  # the bar: float64 rounding, nothing more


# --- one local Spark at a time ----------------------------------------------------------


class Sessions:
    """The local Spark session the tests share, started with the task attempts a test needs.

    `local_session` uses getOrCreate, which hands back the running session
    whatever its settings; so a session with other settings needs the old one
    stopped first. Starting one costs seconds: tests that need the same
    settings share it.
    """

    def __init__(self):
        self.session, self.task_attempts = None, None

    def get(self, task_attempts: int):
        if self.task_attempts != task_attempts:
            self.stop()
            self.session = dms.local_session(cores=2, task_attempts=task_attempts)
            self.task_attempts = task_attempts
        # honest set-up: the session really is the one asked for
        assert self.session.sparkContext.master == f"local[2,{task_attempts}]"
        return self.session

    def stop(self):
        if self.session is not None:
            self.session.stop()
        self.session = self.task_attempts = None


# --- models, data and the local reference -----------------------------------------------


def classifier(seed: int = 0, classes: int = 3):
    return dm.Sequential(
        [dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, classes)], seed=seed, dtype="float64"
    )


def regressor(features: int = 2, seed: int = 0):
    return dm.Sequential(
        [dm.Dense(features, 6), dm.Tanh(), dm.Dense(6, 1)], seed=seed, dtype="float64"
    )


def spiral_data(n: int = 120):
    return dm.datasets.spirals(n=n, classes=3, seed=0)


def digits_split():
    X, y = dm.datasets.digits()
    return dm.datasets.train_test_split(X / 16, y, test_size=0.25, seed=0)


def to_frame(spark, X, y):
    """(X, y) as a DataFrame with an array column "features" and a "label" column."""
    label_type = "long" if np.issubdtype(np.asarray(y).dtype, np.integer) else "double"
    rows = [(list(map(float, x)), label.item()) for x, label in zip(X, np.asarray(y))]
    return spark.createDataFrame(rows, f"features array<double>, label {label_type}")


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(float).tiny))


def sgd(lr):
    return lambda model: dm.SGD(model.parameters(), lr=lr)


def adam(lr):
    return lambda model: dm.Adam(model.parameters(), lr=lr)


def local_full_batch(make_model, loss, make_optimizer, X, y, epochs):
    """The reference: ordinary single-process training, one full-batch step per epoch."""
    model = make_model()
    history = dm.fit(
        model, loss, make_optimizer(model), X, y, epochs=epochs, batch_size=len(X), verbose=0
    )
    return model, history


def averaging_by_hand(X, y, cuts, rounds: int, seed: int, lr: float = 0.1, batch_size: int = 8):
    """Replay `mode="average"` with `dm.fit`: the weights and per-round losses it should reach.

    Each round, the block ``X[cuts[k]:cuts[k + 1]]`` trains one epoch from the
    round's weights with a fresh SGD (no state carried) and the generator of
    ``[seed, round, k]``; the new weights are sum_k (n_k / N) w_k and the
    round's loss is the row-weighted mean of the blocks' epoch losses.
    """
    weights, losses, total = classifier().get_weights(), [], cuts[-1]
    for round_number in range(rounds):
        trained, round_loss = [], 0.0
        for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
            part = classifier()
            part.set_weights(weights)
            part_history = dm.fit(
                part,
                dm.SoftmaxCrossEntropy(),
                dm.SGD(part.parameters(), lr=lr, momentum=0.9),  # fresh: no state carried
                X[a:b],
                y[a:b],
                epochs=1,
                batch_size=batch_size,
                seed=[seed, round_number, k],
                verbose=0,
            )
            trained.append([w * ((b - a) / total) for w in part.get_weights()])
            round_loss += part_history["loss"][0] * (b - a)
        weights = [sum(parts) for parts in zip(*trained)]
        losses.append(round_loss / total)
    return weights, losses


def assert_same_training(spark_model, spark_history, local_model, local_history):
    assert spark_history.keys() == local_history.keys()
    for key in local_history:
        assert len(spark_history[key]) == len(local_history[key])
        np.testing.assert_allclose(
            spark_history[key], local_history[key], rtol=RTOL, atol=0, err_msg=key
        )
    for name, w, v in zip(
        [n for n, _ in local_model.named_parameters()],
        spark_model.get_weights(),
        local_model.get_weights(),
    ):
        assert rel_error(w, v) <= RTOL, f"{name}: relative error {rel_error(w, v):.2e}"


def spark_and_local(
    spark, make_model, loss, make_optimizer, X, y, epochs, data=None, **fit_options
):
    """Train a fresh model on Spark and an identical one locally; return both (model, history)."""
    model = make_model()
    history = dms.fit(
        model,
        loss,
        make_optimizer(model),
        (X, y) if data is None else data,
        epochs=epochs,
        spark=spark,
        **fit_options,
    )
    return (model, history), local_full_batch(make_model, loss, make_optimizer, X, y, epochs)


# --- what a run leaves behind, and how an error reads ------------------------------------


def block_files():
    from pyspark import SparkFiles

    return sorted(Path(SparkFiles.getRootDirectory()).glob("demystify-*"))


def cached_rdds(spark) -> int:
    return spark.sparkContext._jsc.getPersistentRDDs().size()


FORBIDDEN = ("Traceback", "ufunc", "KeyError", "AttributeError", "Py4J")


def assert_plain(message: str, words, one_line: bool = False):
    for word in words:
        assert word in message, (word, message)
    for bad in FORBIDDEN:
        assert bad not in message, (bad, message)
    if one_line:
        assert "\n" not in message and len(message) < 300, message
