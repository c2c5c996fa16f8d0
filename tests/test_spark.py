"""Data-parallel training on Spark gives what single-process full-batch training gives.

`demystify.spark.fit` takes one full-batch step per epoch: every partition
computes the gradient *sums* of its rows (`spark.grad_sums`), Spark adds
them up (treeAggregate), and the driver divides by the row count. Sums split
anywhere, so the result must equal ``dm.fit(..., batch_size=len(X))`` to
float64 rounding -- whatever the partitions (empty, one row, uneven), whether
the data come as NumPy arrays or as a DataFrame, and even when Spark has to
retry a failed task. These tests hold it to that, on a local Spark with two
cores (the whole file runs in well under a minute and a half).

Skipped only when PySpark or Java is genuinely absent; CI installs both.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import demystify as dm
from demystify import evolve

pytest.importorskip("pyspark", reason='PySpark is optional: pip install "demystify[spark]"')
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "Spark runs on Java and no `java` was found (install Java 17)", allow_module_level=True
    )

from demystify import spark as dms  # noqa: E402  (after the skips: only then is it usable)
from demystify.spark import grad_sums  # noqa: E402

pytestmark = pytest.mark.spark
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


@pytest.fixture(scope="module")
def sessions():
    shared = Sessions()
    yield shared
    shared.stop()


@pytest.fixture
def spark(sessions):
    """A local Spark with 2 cores that tries a failing task up to 4 times."""
    return sessions.get(task_attempts=4)


# --- helpers ----------------------------------------------------------------------------


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


def to_frame(spark, X, y):
    """(X, y) as a DataFrame with an array column "features" and a "label" column."""
    label_type = "long" if np.issubdtype(np.asarray(y).dtype, np.integer) else "double"
    rows = [(list(map(float, x)), label.item()) for x, label in zip(X, np.asarray(y))]
    return spark.createDataFrame(rows, f"features array<double>, label {label_type}")


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(float).tiny))


def local_full_batch(make_model, loss, make_optimizer, X, y, epochs):
    """The reference: ordinary single-process training, one full-batch step per epoch."""
    model = make_model()
    history = dm.fit(
        model, loss, make_optimizer(model), X, y, epochs=epochs, batch_size=len(X), verbose=0
    )
    return model, history


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


def sgd(lr):
    return lambda model: dm.SGD(model.parameters(), lr=lr)


def adam(lr):
    return lambda model: dm.Adam(model.parameters(), lr=lr)


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


# --- one distributed step = one single-process step ------------------------------------


class RecordingSGD(dm.SGD):
    """Plain SGD that keeps a copy of the gradients it is handed at every step."""

    def step(self):
        self.seen = getattr(self, "seen", []) + [
            [dm.to_numpy(p.grad).copy() for p in self.parameters]
        ]
        super().step()


def central_differences(model, loss, X, y, step=1e-6):
    """d(mean loss)/d(every parameter) by central differences, as one vector."""
    vector, numeric = evolve.parameters_to_vector(model), []
    for i in range(len(vector)):
        losses = []
        for sign in (1, -1):
            nudged = vector.copy()
            nudged[i] += sign * step
            evolve.vector_to_parameters(model, nudged)
            losses.append(loss.forward(model.forward(X), y))
        numeric.append((losses[0] - losses[1]) / (2 * step))
    evolve.vector_to_parameters(model, vector)
    return np.array(numeric)


def test_the_distributed_gradient_is_the_whole_data_gradient(spark):
    X, y = spiral_data(n=90)
    model, loss = classifier(), dm.SoftmaxCrossEntropy()
    optimizer = RecordingSGD(model.parameters(), lr=0.1)
    dms.fit(model, loss, optimizer, (X, y), epochs=1, spark=spark, partitions=3)
    (distributed,) = optimizer.seen

    reference = classifier()  # the same weights as `model` had before its step
    whole_loss_sum, whole_grads, n, _ = grad_sums(reference, loss, X, y)
    assert n == len(X)
    for (name, _), g, h in zip(reference.named_parameters(), distributed, whole_grads):
        assert g.shape == h.shape and rel_error(g, h / n) <= RTOL, (
            f"{name}: {rel_error(g, h / n):.2e}"
        )
    # and it is the true gradient of the mean loss: central differences, independent of backward
    numeric = central_differences(reference, loss, X, y)
    assert rel_error(np.concatenate([g.ravel() for g in distributed]), numeric) < 1e-6


def test_one_epoch_of_sgd_with_lr_1_moves_the_weights_by_minus_the_gradient(spark):
    X, y = spiral_data(n=90)
    model, loss = classifier(), dm.SoftmaxCrossEntropy()
    before = model.get_weights()
    _, whole_grads, n, _ = grad_sums(classifier(), loss, X, y)
    history = dms.fit(
        model, loss, dm.SGD(model.parameters(), lr=1.0), (X, y), epochs=1, spark=spark, partitions=3
    )
    assert len(history["loss"]) == 1
    for w0, w1, g in zip(before, model.get_weights(), whole_grads):
        assert rel_error(w0 - w1, g / n) <= RTOL


# --- a short training run = local full-batch training ---------------------------------


@pytest.mark.parametrize("make_optimizer", [sgd(0.5), adam(0.05)], ids=["SGD", "Adam"])
@pytest.mark.parametrize("as_dataframe", [False, True], ids=["numpy", "dataframe"])
def test_training_run_matches_local_full_batch_fit(spark, make_optimizer, as_dataframe):
    X, y = spiral_data(n=150)
    data = to_frame(spark, X, y) if as_dataframe else None
    (model, history), (local_model, local_history) = spark_and_local(
        spark,
        classifier,
        dm.SoftmaxCrossEntropy(),
        make_optimizer,
        X,
        y,
        epochs=5,
        data=data,
        partitions=3,
    )
    assert set(history) == {"loss", "accuracy"} and len(history["loss"]) == 5
    assert history["loss"][-1] < history["loss"][0]  # it did learn something
    assert_same_training(model, history, local_model, local_history)
    assert history.stop_reason is None


@pytest.mark.parametrize("as_dataframe", [False, True], ids=["numpy", "dataframe"])
def test_regression_and_binary_runs_match_local_fit(spark, as_dataframe):
    X, t = dm.datasets.linear(n=80, features=2, seed=0)
    data = (
        to_frame(spark, X, t[:, 0]) if as_dataframe else (X, t)
    )  # a DataFrame label is one number
    (model, history), (local_model, local_history) = spark_and_local(
        spark, regressor, dm.MeanSquaredError(), adam(0.05), X, t, epochs=5, data=data
    )
    assert set(history) == {"loss"}  # no accuracy for a regressor
    assert_same_training(model, history, local_model, local_history)

    X, y = dm.datasets.blobs(n=80, centers=2, seed=1)
    data = to_frame(spark, X, y) if as_dataframe else (X, y)
    (model, history), (local_model, local_history) = spark_and_local(
        spark,
        lambda: classifier(classes=1),
        dm.BinaryCrossEntropy(),
        sgd(0.5),
        X,
        y,
        epochs=4,
        data=data,
    )
    assert set(history) == {"loss", "accuracy"}
    assert_same_training(model, history, local_model, local_history)


def test_fit_without_a_session_uses_the_running_one(spark):
    X, y = spiral_data(n=60)
    model = classifier()
    history = dms.fit(
        model, dm.SoftmaxCrossEntropy(), dm.SGD(model.parameters(), lr=0.5), (X, y), epochs=2
    )
    _, local_history = local_full_batch(
        classifier, dm.SoftmaxCrossEntropy(), sgd(0.5), X, y, epochs=2
    )
    np.testing.assert_allclose(history["loss"], local_history["loss"], rtol=RTOL)


def test_ml_vector_features_and_other_column_names(spark):
    from pyspark.ml.linalg import Vectors

    X, y = spiral_data(n=60)
    frame = spark.createDataFrame(
        [(Vectors.dense(x), int(label)) for x, label in zip(X, y)], ["x", "class"]
    )
    (model, history), (local_model, local_history) = spark_and_local(
        spark,
        classifier,
        dm.SoftmaxCrossEntropy(),
        sgd(0.5),
        X,
        y,
        epochs=2,
        data=frame,
        features_col="x",
        label_col="class",
    )
    assert_same_training(model, history, local_model, local_history)


def test_a_dataframe_without_the_columns_is_refused_in_plain_words(spark):
    """The rule: bad input gets a ValueError that names the thing (not a Spark plan dump)."""
    X, y = spiral_data(n=30)
    frame = to_frame(spark, X, y).withColumnRenamed("features", "x")
    model = classifier()
    with pytest.raises(ValueError, match="features"):
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            frame,
            epochs=1,
            spark=spark,
        )


# --- distributed inference -----------------------------------------------------------


def test_predict_udf_gives_the_models_classes_and_scores(spark):
    X, y = spiral_data(n=100)
    model = classifier(seed=3)
    frame = spark.createDataFrame(
        [(i, list(map(float, x))) for i, x in enumerate(X)], "id long, features array<double>"
    )
    expected_classes = dm.metrics.predicted_classes(model.predict(X))
    assert len(set(expected_classes)) > 1  # a test that a constant answer could not pass

    out = dms.predict(model, frame, batch_size=16).orderBy("id").toPandas()
    assert list(out.columns) == ["id", "features", "prediction"]
    np.testing.assert_array_equal(out["prediction"].to_numpy(), expected_classes)

    out = dms.predict(model, frame, output_col="scores", scores=True).orderBy("id").toPandas()
    np.testing.assert_allclose(
        np.stack(out["scores"].to_numpy()), model.predict(X), rtol=1e-12, atol=1e-12
    )


# --- empty, one-row and uneven partitions ----------------------------------------------


@pytest.mark.parametrize(
    "partitions", [3, 7, 10], ids=["3-uneven", "7-one-row-each", "10-some-empty"]
)
def test_numpy_partitions_of_any_size_give_the_same_training(spark, partitions):
    X, y = spiral_data(n=60)
    X, y = X[:7], y[:7]
    (model, history), (local_model, local_history) = spark_and_local(
        spark,
        classifier,
        dm.SoftmaxCrossEntropy(),
        adam(0.05),
        X,
        y,
        epochs=2,
        partitions=partitions,
    )
    assert_same_training(model, history, local_model, local_history)


def test_dataframe_with_explicit_uneven_and_empty_partitions(spark):
    X, y = spiral_data(n=60)
    sizes = [0, 1, 0, 45, 14]  # an empty partition first, a single row, a big one, an empty one
    starts = np.cumsum([0] + sizes)
    rows = [(list(map(float, x)), int(label)) for x, label in zip(X, y)]
    parts = [rows[a:b] for a, b in zip(starts[:-1], starts[1:])]
    rdd = spark.sparkContext.parallelize(range(len(parts)), len(parts)).flatMap(lambda i: parts[i])
    frame = spark.createDataFrame(rdd, "features array<double>, label long")
    assert frame.rdd.glom().map(len).collect() == sizes  # the set-up is what it claims to be

    (model, history), (local_model, local_history) = spark_and_local(
        spark, classifier, dm.SoftmaxCrossEntropy(), sgd(0.5), X, y, epochs=2, data=frame
    )
    assert_same_training(model, history, local_model, local_history)


def test_dataframe_repartitioned_wider_than_its_rows(spark):
    X, y = spiral_data(n=60)
    X, y = X[:7], y[:7]
    frame = to_frame(spark, X, y)
    assert 0 in frame.repartition(10).rdd.glom().map(len).collect()  # some partitions are empty
    (model, history), (local_model, local_history) = spark_and_local(
        spark,
        classifier,
        dm.SoftmaxCrossEntropy(),
        adam(0.05),
        X,
        y,
        epochs=2,
        data=frame,
        partitions=10,
    )
    assert_same_training(model, history, local_model, local_history)


def test_no_rows_at_all_is_a_clear_value_error(spark):
    model = classifier()
    empty_frame = spark.createDataFrame([], "features array<double>, label long")
    with pytest.raises(ValueError, match="no rows"):
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            empty_frame,
            epochs=1,
            spark=spark,
        )
    with pytest.raises(ValueError, match="empty"):
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            (np.zeros((0, 2)), np.zeros(0, dtype=int)),
            epochs=1,
            spark=spark,
            partitions=3,
        )


# --- divergence --------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the divergence itself
def test_nan_loss_raises_training_error_with_the_history_so_far(spark):
    X, t = dm.datasets.linear(n=40, features=2, seed=0)
    linear = lambda: dm.Sequential([dm.Dense(2, 1)], seed=0, dtype="float64")  # noqa: E731
    model = linear()
    with pytest.raises(dm.TrainingError, match="NaN or infinite") as caught:
        dms.fit(
            model,
            dm.MeanSquaredError(),
            dm.SGD(model.parameters(), lr=1e100),
            (X, t),
            epochs=10,
            spark=spark,
        )
    history = caught.value.history
    assert isinstance(history, dm.History) and 1 <= len(history["loss"]) < 10
    assert all(np.isfinite(history["loss"]))
    assert "NaN" in history.stop_reason

    local = linear()  # the same divergence, epoch for epoch, as local full-batch training
    with pytest.raises(dm.TrainingError) as local_caught:
        dm.fit(
            local,
            dm.MeanSquaredError(),
            dm.SGD(local.parameters(), lr=1e100),
            X,
            t,
            epochs=10,
            batch_size=len(X),
            verbose=0,
        )
    np.testing.assert_allclose(history["loss"], local_caught.value.history["loss"], rtol=RTOL)


# --- model averaging: each partition trains on its block, the driver averages -------------


def digits_split():
    X, y = dm.datasets.digits()
    return dm.datasets.train_test_split(X / 16, y, test_size=0.25, seed=0)


@pytest.mark.parametrize("local_epochs", [1, 2])
def test_with_one_partition_a_round_is_exactly_dm_fit(spark, local_epochs):
    """One partition, one round: the same batches, steps and numbers as dm.fit, bit for bit."""
    X, y = spiral_data(n=150)
    model = classifier()
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=0.05),
        (X, y),
        epochs=1,
        mode="average",
        batch_size=16,
        local_epochs=local_epochs,
        seed=3,
        spark=spark,
        partitions=1,
    )
    local = classifier()
    local_history = dm.fit(
        local,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(local.parameters(), lr=0.05),
        X,
        y,
        epochs=local_epochs,
        batch_size=16,
        seed=3,
        verbose=0,
    )
    for w, v in zip(model.get_weights(), local.get_weights()):
        np.testing.assert_array_equal(w, v)
    assert history["loss"] == local_history["loss"][-1:]  # the round's (last) epoch
    assert history["accuracy"] == local_history["accuracy"][-1:]


def test_averaging_is_the_row_weighted_mean_of_each_partitions_training(spark):
    """Two rounds over 3 uneven blocks, against dm.fit on each block by hand.

    Each round, block k trains from the averaged weights with a fresh copy of
    the optimizer and the generator of [seed, round, k]; the new weights are
    sum_k (n_k / N) w_k. The history's loss is the row-weighted mean of the
    blocks' epoch losses.
    """
    X, y = spiral_data(n=100)  # blocks of 33, 33 and 34 rows
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
        partitions=3,
    )
    weights, cuts, losses = classifier().get_weights(), [0, 33, 66, 100], []
    for round_number in range(2):
        trained, round_loss = [], 0.0
        for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
            part = classifier()
            part.set_weights(weights)
            part_history = dm.fit(
                part,
                dm.SoftmaxCrossEntropy(),
                dm.SGD(part.parameters(), lr=0.1, momentum=0.9),  # fresh: no state carried
                X[a:b],
                y[a:b],
                epochs=1,
                batch_size=8,
                seed=[5, round_number, k],
                verbose=0,
            )
            trained.append([w * ((b - a) / 100) for w in part.get_weights()])
            round_loss += part_history["loss"][0] * (b - a)
        weights = [sum(parts) for parts in zip(*trained)]
        losses.append(round_loss / 100)
    for w, v in zip(model.get_weights(), weights):
        assert rel_error(w, v) <= RTOL
    np.testing.assert_allclose(history["loss"], losses, rtol=RTOL)


def test_averaging_reaches_95_percent_on_the_digits_in_10_rounds(spark):
    X_train, X_test, y_train, y_test = digits_split()
    model = dm.Sequential([dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 10)], seed=0)
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=0.01),
        (X_train, y_train),
        epochs=10,
        mode="average",
        batch_size=32,
        local_epochs=2,
        spark=spark,
        partitions=4,
        validation=(X_test, y_test),
    )
    assert len(history["val_accuracy"]) == 10
    assert max(history["val_accuracy"]) >= 0.95, history["val_accuracy"]
    assert dm.accuracy(model.predict(X_test), y_test) == history["val_accuracy"][-1] >= 0.95


# --- blocks: built once, kept on the machine, rebuilt if lost, removed at the end -----------


def block_files():
    from pyspark import SparkFiles

    return sorted(Path(SparkFiles.getRootDirectory()).glob("demystify-*"))


def cached_rdds(spark) -> int:
    return spark.sparkContext._jsc.getPersistentRDDs().size()


def test_dataframe_rows_are_stacked_once_and_nothing_is_left_behind(spark):
    X, y = spiral_data(n=90)
    read = spark.sparkContext.accumulator(0)

    def counted(row):  # runs whenever Spark computes the DataFrame's rows
        read.add(1)
        return row

    rows = [(list(map(float, x)), int(label)) for x, label in zip(X, y)]
    source = spark.sparkContext.parallelize(rows, 3).map(counted)
    frame = spark.createDataFrame(source, "features array<double>, label long")
    model = classifier()
    history = dms.fit(
        model, dm.SoftmaxCrossEntropy(), dm.SGD(model.parameters(), lr=0.5), frame, epochs=4
    )
    assert len(history["loss"]) == 4
    assert read.value == 90  # every row read once, into its block; not once per step
    assert block_files() == [] and cached_rdds(spark) == 0


class DeletesTheBlocks(dm.Callback):
    """After the first epoch, delete every kept block (as if the machines were replaced)."""

    def on_epoch_end(self, epoch, logs):
        if epoch == 0:
            self.kept = block_files()
            for path in self.kept:
                path.unlink()
        elif epoch == 1:
            self.rebuilt = block_files()


@pytest.mark.parametrize(
    "mode, as_dataframe", [("full_batch", True), ("average", False)], ids=["full", "average"]
)
def test_a_lost_block_is_rebuilt_from_its_rows_and_nothing_changes(spark, mode, as_dataframe):
    X, y = spiral_data(n=90)
    runs = []
    for callbacks in ([], [DeletesTheBlocks()]):
        model = classifier()
        history = dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.Adam(model.parameters(), lr=0.05),
            to_frame(spark, X, y) if as_dataframe else (X, y),
            epochs=3,
            mode=mode,
            batch_size=16,
            spark=spark,
            partitions=3,
            callbacks=callbacks,
        )
        runs.append((model, history))
    lost = callbacks[0]
    assert len(lost.kept) == 2 * 3 and lost.rebuilt == lost.kept  # X and y of every block
    assert_same_training(*runs[1], *runs[0])
    assert block_files() == [] and cached_rdds(spark) == 0


def test_numpy_arrays_travel_as_one_block_per_partition(spark):
    X, y = spiral_data(n=60)
    source, _ = dms._source(spark, classifier(), dm.SoftmaxCrossEntropy(), (X, y), 4, "", "")
    assert source.map(lambda block: len(block[0])).collect() == [15, 15, 15, 15]


# --- bad input is refused in plain words, where it enters -----------------------------------

FORBIDDEN = ("Traceback", "ufunc", "KeyError", "AttributeError", "Py4J")


def assert_plain(message: str, words, one_line: bool = False):
    for word in words:
        assert word in message, (word, message)
    for bad in FORBIDDEN:
        assert bad not in message, (bad, message)
    if one_line:
        assert "\n" not in message and len(message) < 300, message


X_GOOD, Y_GOOD = spiral_data(n=30)
OTHER_MODEL = classifier()

ARGUMENT_CASES = [  # (case, changes to a good fit call, exception, words the message must hold)
    ("epochs 0", {"epochs": 0}, ValueError, ["spark.fit", "epochs", "[1, inf)", "got 0"]),
    ("epochs 2.5", {"epochs": 2.5}, ValueError, ["epochs", "whole number", "2.5"]),
    ("partitions 0", {"partitions": 0}, ValueError, ["partitions", "got 0"]),
    ("batch_size -1", {"batch_size": -1}, ValueError, ["batch_size", "got -1"]),
    ("local_epochs 0", {"local_epochs": 0}, ValueError, ["local_epochs", "got 0"]),
    ("seed -1", {"seed": -1}, ValueError, ["seed", "got -1"]),
    ("mode typo", {"mode": "minibatch"}, ValueError, ["mode", "'full_batch'", "'minibatch'"]),
    ("data a string", {"data": "spirals.csv"}, ValueError, ["DataFrame", "(X, y)", "str"]),
    ("data one array", {"data": (X_GOOD,)}, ValueError, ["pair (X, y)", "not 1"]),
    (
        "NaN in X",
        {"data": (np.where(np.arange(60).reshape(30, 2) == 7, np.nan, X_GOOD), Y_GOOD)},
        ValueError,
        ["X", "NaN"],
    ),
    ("labels too big", {"data": (X_GOOD, Y_GOOD + 3)}, ValueError, ["labels", "0..2"]),
    ("validation no pair", {"validation": X_GOOD}, ValueError, ["validation", "pair"]),
    (
        "another model's optimizer",
        {"optimizer": dm.SGD(OTHER_MODEL.parameters(), lr=0.1)},
        ValueError,
        ["optimizer", "model.parameters()"],
    ),
]


@pytest.mark.parametrize(
    "changes, error, words",
    [case[1:] for case in ARGUMENT_CASES],
    ids=[c[0] for c in ARGUMENT_CASES],
)
def test_bad_arguments_are_refused_in_plain_words(spark, changes, error, words):
    model = classifier()
    call = {
        "model": model,
        "loss": dm.SoftmaxCrossEntropy(),
        "optimizer": dm.SGD(model.parameters(), lr=0.1),
        "data": (X_GOOD, Y_GOOD),
        "spark": spark,
        **changes,
    }
    before = model.get_weights()
    with pytest.raises(error) as caught:
        dms.fit(**call)
    assert_plain(str(caught.value), words)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


GOOD_ROWS = [([0.5, -0.5], 0), ([1.0, 2.0], 1), ([0.0, 0.1], 2), ([0.3, 0.3], 1)]
FRAME = "features array<double>, label long"
NAN, INF = float("nan"), float("inf")

DATAFRAME_CASES = [  # (case, schema, bad rows added to good ones, words, found by a worker?)
    ("string features", "features string, label long", [("1,2", 0)], ["'features'", "string"], 0),
    (
        "array of strings",
        "features array<string>, label long",
        [(["1", "2"], 0)],
        ["'features'", "array<string>", "numbers"],
        0,
    ),
    (
        "string labels",
        "features array<double>, label string",
        [([1.0, 2.0], "cat")],
        ["'label'", "string", "StringIndexer"],
        0,
    ),
    ("null features", FRAME, [(None, 1)], ["row", "features are missing (null)"], 1),
    ("null label", FRAME, [([1.0, 2.0], None)], ["row", "label is missing (null)"], 1),
    ("null inside", FRAME, [([1.0, None], 1)], ["row", "feature value is missing (null)"], 1),
    ("ragged rows", FRAME, [([1.0, 2.0, 3.0], 1)], ["different numbers of features", "3"], 1),
    ("NaN", FRAME, [([NAN, 1.0], 1)], ["row", "NaN or infinite", "features"], 1),
    ("infinite", FRAME, [([1.0, INF], 1)], ["row", "NaN or infinite"], 1),
    ("label out of range", FRAME, [([1.0, 1.0], 7)], ["labels", "0..2", "7"], 1),
]


@pytest.mark.parametrize(
    "schema, bad_rows, words, on_worker",
    [case[1:] for case in DATAFRAME_CASES],
    ids=[case[0] for case in DATAFRAME_CASES],
)
def test_bad_dataframes_are_refused_in_one_plain_line(spark, schema, bad_rows, words, on_worker):
    if on_worker:  # the schema allows it: only the rows themselves show the problem
        rows = GOOD_ROWS + bad_rows + GOOD_ROWS
    else:
        rows = bad_rows
    frame = spark.createDataFrame(rows, schema)
    model = classifier()
    before = model.get_weights()
    with pytest.raises(ValueError) as caught:
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            frame,
            epochs=2,
            spark=spark,
        )
    message = str(caught.value)
    assert_plain(message, words, one_line=True)
    assert ("partition" in message) == bool(on_worker)  # a worker's line says where it looked
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert block_files() == [] and cached_rdds(spark) == 0


PREDICT_CASES = [  # (case, schema, rows, changes to the call, words)
    ("NaN features", FRAME, [([NAN, 1.0], 0)], {}, ["1 row", "NaN", "meaningless"]),
    ("infinite", FRAME, [([INF, 1.0], 0), ([1.0, -INF], 0)], {}, ["2 rows", "infinite"]),
    ("null features", FRAME, [(None, 0)], {}, ["1 row", "no features (null)"]),
    ("null inside", FRAME, [([None, 1.0], 0)], {}, ["missing (null)"]),
    ("ragged", FRAME, [([1.0], 0)], {}, ["other than the network's 2"]),
    ("string column", "features string, label long", [("1,2", 0)], {}, ["'features'", "string"]),
    ("no such column", FRAME, [], {"features_col": "pixels"}, ["no column 'pixels'"]),
    ("batch_size 0", FRAME, [], {"batch_size": 0}, ["spark.predict", "batch_size", "got 0"]),
]


@pytest.mark.parametrize(
    "schema, bad_rows, changes, words",
    [case[1:] for case in PREDICT_CASES],
    ids=[case[0] for case in PREDICT_CASES],
)
def test_predict_refuses_rows_it_cannot_answer(spark, schema, bad_rows, changes, words):
    rows = bad_rows if "string" in schema else GOOD_ROWS + bad_rows
    frame = spark.createDataFrame(rows, schema)
    with pytest.raises(ValueError) as caught:
        dms.predict(classifier(), frame, **changes)
    assert_plain(str(caught.value), words, one_line=True)


# --- training never loses what it learned ----------------------------------------------------


def test_a_diverging_round_keeps_the_last_good_weights(spark):
    X, t = dm.datasets.linear(n=40, features=2, seed=0)
    model = dm.Sequential([dm.Dense(2, 1)], seed=0, dtype="float64")
    before = model.get_weights()
    with np.errstate(all="ignore"), pytest.raises(dm.TrainingError) as caught:
        dms.fit(
            model,
            dm.MeanSquaredError(),
            dm.SGD(model.parameters(), lr=1e100),
            (X, t),
            epochs=3,
            mode="average",
            batch_size=4,
            spark=spark,
        )
    assert_plain(str(caught.value), ["NaN or infinite", "epoch 1", "learning rate"])  # round 1
    assert caught.value.history.stop_reason and caught.value.history == {}
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


class InterruptsAfter(dm.Callback):
    """Ctrl-C after epoch `epoch` (0-based), as the user would press it."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class InterruptedSGD(dm.SGD):
    """Plain SGD that is interrupted half-way through its third step (one parameter moved)."""

    def step(self):
        if self.steps == 2:
            self.update(0, self.parameters[0], self.parameters[0].grad)
            raise KeyboardInterrupt
        super().step()


@pytest.mark.parametrize("mode", ["full_batch", "average"])
def test_ctrl_c_returns_the_history_and_the_weights_so_far(spark, mode):
    X, y = spiral_data(n=60)

    def train(epochs, callbacks=(), optimizer=dm.SGD):
        model = classifier()
        history = dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer(model.parameters(), lr=0.5),
            (X, y),
            epochs=epochs,
            mode=mode,
            batch_size=16,
            spark=spark,
            callbacks=callbacks,
        )
        return model, history

    clean_model, clean_history = train(2)
    model, history = train(5, [InterruptsAfter(1)])
    assert "Ctrl-C" in history.stop_reason and len(history["loss"]) == 2
    assert_same_training(model, history, clean_model, clean_history)
    if mode == "full_batch":  # interrupted inside the driver's update: as dm.fit (the engine's
        # `guard`), the history of the finished epochs and finite weights (the step half-done)
        model, history = train(5, optimizer=InterruptedSGD)
        assert "Ctrl-C" in history.stop_reason
        assert history == clean_history
        assert all(np.isfinite(w).all() for w in model.get_weights())


class FailsAfter(dm.Callback):
    def on_epoch_end(self, epoch, logs):
        if epoch == 1:
            raise RuntimeError("a callback failed")


def test_an_error_keeps_the_history_and_the_last_good_weights(spark):
    X, y = spiral_data(n=60)
    model = classifier()
    with pytest.raises(RuntimeError, match="a callback failed") as caught:
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.5),
            (X, y),
            epochs=5,
            spark=spark,
            callbacks=[FailsAfter()],
        )
    assert len(caught.value.history["loss"]) == 2
    local_model, local_history = local_full_batch(
        classifier, dm.SoftmaxCrossEntropy(), sgd(0.5), X, y, epochs=2
    )
    assert_same_training(model, caught.value.history, local_model, local_history)
    assert block_files() == [] and cached_rdds(spark) == 0


def test_validation_numbers_are_those_of_the_model_after_each_epoch(spark):
    X_train, X_test, y_train, y_test = digits_split()
    model = dm.Sequential([dm.Dense(64, 32), dm.ReLU(), dm.Dense(32, 10)], seed=0)
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.5),
        (X_train, y_train),
        epochs=3,
        mode="average",
        spark=spark,
        validation=(X_test, y_test),
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    after = dm.evaluate(model, dm.SoftmaxCrossEntropy(), X_test, y_test)
    assert history["val_loss"][-1] == after["loss"]
    assert history["val_accuracy"][-1] == after["accuracy"] > 0.5


# --- Spark retries a failing task, and the sums stay exact ----------------------------


def fails_on_first_attempt(loss_class, retried):
    """A `loss_class` whose forward fails in the first attempt of every Spark task.

    Outside Spark (``TaskContext.get()`` is None) it is the plain loss, so
    local training is the reference. A retried attempt that gets through adds
    1 to the accumulator `retried`: Spark keeps the accumulator updates of
    successful tasks only, so the count proves the retries happened. The class
    is made inside a function so that Spark ships it by value to its workers.
    """

    class FailsOnFirstAttempt(loss_class):
        def forward(self, pred, target):
            from pyspark import TaskContext

            context = TaskContext.get()
            if context is not None:
                if context.attemptNumber() == 0:
                    raise RuntimeError("the first attempt of this task fails on purpose")
                retried.add(1)
            return loss_class.forward(self, pred, target)

    return FailsOnFirstAttempt()


@pytest.mark.parametrize(
    "mode, as_dataframe",
    [("full_batch", False), ("full_batch", True), ("average", False), ("average", True)],
    ids=["full-numpy", "full-dataframe", "average-numpy", "average-dataframe"],
)
def test_a_failed_task_is_retried_and_the_result_is_unchanged(spark, mode, as_dataframe):
    X, y = spiral_data(n=90)
    data = to_frame(spark, X, y) if as_dataframe else (X, y)
    retried = spark.sparkContext.accumulator(0)
    runs = []
    for loss in (fails_on_first_attempt(dm.SoftmaxCrossEntropy, retried), dm.SoftmaxCrossEntropy()):
        model = classifier()
        history = dms.fit(
            model,
            loss,
            dm.SGD(model.parameters(), lr=0.5),
            data,
            epochs=2,
            mode=mode,
            batch_size=16,
            spark=spark,
            partitions=3,
        )
        runs.append((model, history))
        if mode == "full_batch":  # the reference is local training: no second Spark run
            runs.append(local_full_batch(classifier, dm.SoftmaxCrossEntropy(), sgd(0.5), X, y, 2))
            break
    # every partition's task failed once in each of the 2 epochs (in averaging, every step of
    # a retried task counts)
    assert retried.value == 2 * 3 if mode == "full_batch" else retried.value >= 2 * 3
    (model, history), (clean_model, clean_history) = runs
    assert_same_training(model, history, clean_model, clean_history)
    if mode == "average":  # exactly the same result as without the failures
        assert history == clean_history
        for w, v in zip(model.get_weights(), clean_model.get_weights()):
            np.testing.assert_array_equal(w, v)


def test_with_one_task_attempt_the_failure_stops_fit(sessions):
    """The other side of the retry test: the failure is real, and one try is not enough.

    Kept after every other test that uses Spark: it needs a Spark that tries
    each task only once, so it restarts the shared session.
    """
    from pyspark.errors import PySparkException

    spark = sessions.get(task_attempts=1)
    X, y = spiral_data(n=60)
    model = classifier()
    before = model.get_weights()
    flaky_loss = fails_on_first_attempt(dm.SoftmaxCrossEntropy, spark.sparkContext.accumulator(0))
    with pytest.raises(PySparkException, match="fails on purpose") as caught:  # Spark's error
        dms.fit(
            model,
            flaky_loss,
            dm.SGD(model.parameters(), lr=0.5),
            (X, y),
            epochs=2,
            spark=spark,
            partitions=2,
        )
    assert all(
        np.array_equal(a, b) for a, b in zip(model.get_weights(), before)
    )  # no step was taken
    assert caught.value.history == {}  # and the (empty) history came with the error
    # the same session trains normally with a loss that does not fail
    history = dms.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.5),
        (X, y),
        epochs=1,
        spark=spark,
        partitions=2,
    )
    _, local_history = local_full_batch(
        classifier, dm.SoftmaxCrossEntropy(), sgd(0.5), X, y, epochs=1
    )
    np.testing.assert_allclose(history["loss"], local_history["loss"], rtol=RTOL)


# --- PySpark and Java are optional, and a missing one is named ---------------------------


def test_missing_pyspark_names_the_extra_to_install(monkeypatch):
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: "not installed"
    model = classifier()
    with pytest.raises(ImportError, match=r'pip install "demystify\[spark\]"'):
        dms.local_session()
    with pytest.raises(ImportError, match=r"demystify\[spark\]"):
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            spiral_data(n=30),
            epochs=1,
        )
    with pytest.raises(ImportError, match=r"demystify\[spark\]"):
        dms.predict(model, None)


def test_missing_java_says_to_install_java_17(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(RuntimeError, match="Java 17"):
        dms.local_session()


def test_a_java_that_does_not_start_is_one_plain_sentence(tmp_path):
    """JAVA_HOME pointing at no Java: PySpark's JAVA_GATEWAY_EXITED becomes one sentence."""
    code = "from demystify import spark as dms\ndms.local_session()"
    environment = {
        **os.environ,
        "JAVA_HOME": str(tmp_path),
        "PATH": os.path.dirname(sys.executable),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environment
    )
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 1 and last.startswith("RuntimeError: Spark's Java process"), last
    assert "install Java 17" in last and "JAVA_HOME" in last


def test_the_executor_check_names_what_is_missing_and_what_to_install(spark):
    assert dms.executors_lack(spark, ["numpy", "demystify", "pandas", "pyarrow"]) == {}
    missing = dms.executors_lack(spark, ["numpy", "no_such_module_xyz"])
    assert (
        list(missing) == ["no_such_module_xyz"] and sys.executable in missing["no_such_module_xyz"]
    )
    with pytest.raises(RuntimeError) as caught:
        dms._refuse_missing(missing, spark)
    assert_plain(
        str(caught.value),
        ["cannot import no_such_module_xyz", "pip install no_such_module_xyz", "every worker"],
        one_line=True,
    )


def test_a_cluster_master_must_be_a_url():
    with pytest.raises(ValueError) as caught:
        dms.cluster_session("127.0.0.1:7077")
    assert_plain(str(caught.value), ["master", "'127.0.0.1:7077'", "spark://host:7077"])


def test_import_demystify_does_not_import_pyspark():
    code = (
        "import sys, demystify as dm\n"
        "assert 'pyspark' not in sys.modules, 'import demystify loaded pyspark'\n"
        "assert callable(dm.spark.fit) and callable(dm.spark.predict)\n"
        "assert 'pyspark' not in sys.modules, 'dm.spark loaded pyspark before it was needed'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
