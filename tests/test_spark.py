"""Data-parallel training on Spark gives what single-process full-batch training gives.

`demystify.spark.fit` takes one full-batch step per epoch: every partition
computes the gradient *sums* of its rows (`spark.grad_sums`), Spark adds
them up (treeAggregate), and the driver divides by the row count. Sums split
anywhere, so the result must equal ``dm.fit(..., batch_size=len(X))`` to
float64 rounding. These tests hold one step and short runs (NumPy arrays or a
DataFrame, classifiers, regressors) to that, on a local Spark with two cores.
The siblings hold the rest to the same reference (tests/spark_helpers.py):
partitions and DataFrames (test_spark_data.py), model averaging
(test_spark_averaging.py), bad input (test_spark_bad_input.py), and
Ctrl-C, errors and Spark's task retries (test_spark_failures.py).

Skipped only when PySpark or Java is genuinely absent; CI installs both.
"""

import numpy as np
import pytest
from spark_helpers import (
    RTOL,
    adam,
    assert_same_training,
    classifier,
    local_full_batch,
    regressor,
    rel_error,
    sgd,
    spark_and_local,
    spiral_data,
    to_frame,
)

import demystify as dm
from demystify import evolve
from demystify import spark as dms
from demystify.spark import grad_sums

pytestmark = pytest.mark.spark


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
