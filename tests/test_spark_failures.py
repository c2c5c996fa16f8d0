"""Spark training never loses what it learned, and Spark's retries change nothing.

A diverging round, Ctrl-C or a failing callback leaves the history so far and the last
good weights; a task that fails and is retried gives the same result as without the
failure, and with one task attempt the failure stops `fit` with Spark's own error.
"""

import numpy as np
import pytest
from spark_helpers import (
    RTOL,
    assert_plain,
    assert_same_training,
    block_files,
    cached_rdds,
    classifier,
    local_full_batch,
    sgd,
    spiral_data,
    to_frame,
)

import demystify as dm
from demystify import spark as dms

pytestmark = pytest.mark.spark


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
