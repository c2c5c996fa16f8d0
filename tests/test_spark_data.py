"""Data into Spark training and predictions out: columns, partitions, kept blocks.

A DataFrame (array or ml Vector features, any column names) or NumPy arrays, cut into
partitions of any size -- empty, one row, uneven -- train exactly as local full-batch
training does (tests/spark_helpers.py has the reference). The rows are stacked into one
block per partition once, kept on the machine, rebuilt if lost and removed at the end;
`spark.predict` gives the model's classes and scores over a DataFrame.
"""

import numpy as np
import pytest
from spark_helpers import (
    adam,
    assert_same_training,
    block_files,
    cached_rdds,
    classifier,
    sgd,
    spark_and_local,
    spiral_data,
    to_frame,
)

import demystify as dm
from demystify import spark as dms

pytestmark = pytest.mark.spark


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
    expected_classes = dm.apps.accuracy.predicted_classes(model.predict(X))
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


# --- blocks: built once, kept on the machine, rebuilt if lost, removed at the end -----------


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
