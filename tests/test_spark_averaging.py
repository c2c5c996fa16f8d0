"""Model averaging on Spark: each partition trains on its block, the driver averages.

With one partition a round is `dm.fit` bit for bit; with several, the new weights are
the row-weighted mean of each block's training, replayed here by hand; and it learns
(95 % on the digits in 10 rounds), with validation numbers of the averaged model.
"""

import numpy as np
import pytest
from spark_helpers import (
    RTOL,
    averaging_by_hand,
    classifier,
    digits_split,
    rel_error,
    spiral_data,
)

import demystify as dm
from demystify import spark as dms

pytestmark = pytest.mark.spark


# --- model averaging: each partition trains on its block, the driver averages -------------


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
    weights, losses = averaging_by_hand(X, y, [0, 33, 66, 100], rounds=2, seed=5)
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
