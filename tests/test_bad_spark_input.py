"""Spark's and the dashboard's doors, tried as a clumsy user and as an attacker (issue #25).

One row per case, as in ``test_bad_input.py``: the call, the exception it must
raise and words its message must hold, none of them from Python's or NumPy's
insides (`helpers.assert_plain_answer`). The Spark rows share the test file's
local Spark (the `spark` fixture of conftest.py) and are refused before any job
runs; the dashboard's rows need no Spark (conftest.py puts each in its lane).
"""

import contextlib
import math

import numpy as np
import pandas as pd
import pytest
from helpers import assert_plain_answer

import demystify as dm
from demystify import spark as dms
from demystify.viz.dashboard import Dashboard

X, Y = dm.datasets.spirals(n=30, classes=3, seed=0)
FRAME = pd.DataFrame(X, columns=["x1", "x2"])
SESSION = {}  # the running test's Spark session, for the rows' calls


def net() -> dm.Sequential:
    return dm.Sequential([dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 3)], seed=0, dtype="float64")


def fit(**changes):
    """One epoch of `dms.fit` on (X, Y), with `changes` to its arguments."""
    model = net()
    call = dict(
        model=model,
        loss=dm.SoftmaxCrossEntropy(),
        optimizer=dm.SGD(model.parameters(), lr=0.1),
        data=(X, Y),
        epochs=1,
        spark=SESSION["spark"],
    )
    return dms.fit(**{**call, **changes})


def net16() -> dm.Sequential:
    return dm.Sequential([dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 3)], seed=0, dtype="float16")


def frame():
    """(X, Y) as a Spark DataFrame with columns "features" and "label"."""
    from spark_helpers import to_frame

    return to_frame(SESSION["spark"], X, Y)


def predict(**changes):
    return dms.predict(**{"model": net(), "df": frame(), **changes})


def wrong_order():
    model = net()
    optimizer = dm.SGD(model.parameters(), lr=0.1)
    return fit(model=model, loss=optimizer, optimizer=dm.SoftmaxCrossEntropy())


SPARK_CASES = {
    # --- the parts of training, passed wrongly to spark.fit ---------------------------------
    "a loss class, not a loss": (
        lambda: fit(loss=dm.SoftmaxCrossEntropy),
        TypeError,
        "spark.fit: got <class 'demystify.losses.SoftmaxCrossEntropy'> as the loss, which is no",
    ),
    "loss and optimizer swapped": (
        wrong_order,
        TypeError,
        "spark.fit: got <demystify.optim.SGD object",
    ),
    "an optimizer class": (
        lambda: fit(optimizer=dm.SGD),
        TypeError,
        "got <class 'demystify.optim.SGD'> as the optimizer, which is no optimizer object",
    ),
    "no model": (lambda: fit(model=None), TypeError, "got None as the model"),
    "a callback class in the list": (
        lambda: fit(callbacks=[dm.Callback]),
        TypeError,
        "as the callback, which is no callback object",
    ),
    "callbacks a string": (
        lambda: fit(callbacks="progress"),
        TypeError,
        "spark.fit: got 'p' as the callback, which is no callback object",
    ),
    "spark a master URL": (
        lambda: fit(spark="local[2]"),
        TypeError,
        "spark.fit: spark must be a SparkSession, got 'local[2]'",
    ),
    # --- data and sizes --------------------------------------------------------------------
    "data a pandas DataFrame alone": (
        lambda: fit(data=FRAME),
        ValueError,
        "pair (X, y), got a pandas DataFrame",
    ),
    "10**12 partitions": (
        lambda: fit(partitions=10**12),
        ValueError,
        "spark.fit: partitions=1,000,000,000,000 needs",
    ),
    "float16 with Adam, whose eps is 0 in float16": (
        lambda: fit(model=(half := net16()), optimizer=dm.Adam(half.parameters())),
        ValueError,
        "eps=1e-08 is 0 in float16",
    ),
    # --- predict: the column it writes, what it reads -------------------------------------
    "output_col already the labels": (
        lambda: predict(output_col="label"),
        ValueError,
        "output_col must name a new column (one already there would be overwritten), got 'label'"
        "; the DataFrame has ['features', 'label']",
    ),
    "output_col the features": (
        lambda: predict(output_col="features"),
        ValueError,
        "overwritten), got 'features'",
    ),
    "output_col a number": (lambda: predict(output_col=3), ValueError, "new column"),
    "output_col empty": (lambda: predict(output_col=""), ValueError, "got ''"),
    "df a pandas DataFrame": (
        lambda: predict(df=FRAME),
        TypeError,
        "df must be a Spark DataFrame, got a pandas DataFrame (spark.createDataFrame makes one)",
    ),
    "df a pair of arrays": (lambda: predict(df=(X, Y)), TypeError, "got a tuple"),
    "no model to predict with": (
        lambda: predict(model=None),
        ValueError,
        "model must be a network",
    ),
}


@contextlib.contextmanager
def watched(spark, name: str):
    """Yields a function that lists the Spark jobs run in this thread since the watch began."""
    context = spark.sparkContext
    group = f"watch-{name}-{id(name)}"
    context.setJobGroup(group, name)
    try:
        yield lambda: context.statusTracker().getJobIdsForGroup(group)
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)


@pytest.mark.parametrize("case", list(SPARK_CASES), ids=list(SPARK_CASES))
def test_spark_bad_input_gets_a_plain_answer_before_any_job(spark, case):
    SESSION["spark"] = spark
    frame()  # made before the watch: building a DataFrame from Python rows runs no job
    with watched(spark, case) as jobs:
        assert_plain_answer(case, *SPARK_CASES[case])
        assert jobs() == [], f"{case}: a job ran before the answer"


class Count(dm.Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, epoch, logs):
        self.epochs += 1


def test_spark_callbacks_none_is_none_and_one_callback_is_one_as_in_dm_fit(spark):
    SESSION["spark"] = spark
    history = fit(callbacks=None, epochs=3)
    assert history == fit(callbacks=(), epochs=3) and len(history["loss"]) == 3
    one = Count()
    assert fit(callbacks=one, epochs=3) == history and one.epochs == 3


class CtrlCTwice(dm.Callback):
    """Ctrl-C after the second epoch, and again while training ends (a slow `on_train_end`)."""

    def on_epoch_end(self, epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    def on_train_end(self, history):
        raise KeyboardInterrupt


def test_spark_a_second_ctrl_c_while_training_ends_keeps_the_history(spark):
    from spark_helpers import block_files, cached_rdds

    SESSION["spark"] = spark
    try:
        history = fit(callbacks=[CtrlCTwice()], epochs=5)
    except KeyboardInterrupt:  # (caught here, or it would stop the whole test run)
        pytest.fail("the second Ctrl-C escaped spark.fit: the history is lost")
    assert len(history["loss"]) == 2 and "Ctrl-C" in history.stop_reason
    assert block_files() == [] and cached_rdds(spark) == 0  # cleaned up all the same


def test_spark_predict_writes_a_new_column_and_leaves_the_labels(spark):
    SESSION["spark"] = spark
    model = net()
    with watched(spark, "a good predict") as jobs:
        predicted = predict(model=model, output_col="guess")
        assert jobs() != []  # the watch sees jobs: predict's pass over the rows is one
    rows = predicted.collect()  # in the order made
    np.testing.assert_allclose([row.features for row in rows], X, rtol=1e-7)
    assert [row.label for row in rows] == Y.tolist()
    assert [row.guess for row in rows] == model.predict(X).argmax(axis=1).tolist()


def dash(**settings) -> Dashboard:
    return Dashboard(**{"hidden": "4", "resolution": 8, **settings})


DASHBOARD_CASES = {
    # --- the dashboard's data door ------------------------------------------------------------
    "data a DataFrame, not a pair": (
        lambda: dash(data=FRAME),
        ValueError,
        "data must be a pair (X, y), got a DataFrame",
    ),
    "data with no rows": (
        lambda: dash(data=(X[:0], Y[:0])),
        ValueError,
        "needs 2 rows or more (to train and to test on), not 0",
    ),
    "data with one row": (lambda: dash(data=(X[:1], Y[:1])), ValueError, "2 rows or more"),
    # --- sizes and types of the settings -----------------------------------------------------
    "a hidden size 8.0": (
        lambda: dash(hidden=(8.0,)),
        ValueError,
        "hidden layer size must be a whole number in [1, inf), got 8.0",
    ),
    "10,000 hidden layers": (
        lambda: dash(hidden=(4,) * 10_000),
        ValueError,
        "at most 16 hidden layers, got 10000",
    ),
    "features=3": (lambda: dash(features=3), ValueError, "unknown input feature 3"),
    "a setting that does not exist": (
        lambda: dash().change(colour="red"),
        ValueError,
        "no setting 'colour'; the settings are dataset, hidden",
    ),
    # --- stepping and editing from code ----------------------------------------------------
    "step('5')": (lambda: dash().step("5"), ValueError, "steps must be a whole number"),
    "step(2.7)": (lambda: dash().step(2.7), ValueError, "got 2.7"),
    "step(None)": (lambda: dash().step(None), ValueError, "steps must be a whole number"),
    "step(nan)": (lambda: dash().step(math.nan), ValueError, "got nan"),
    "edit to a word": (
        lambda: dash().edit("0.weights", 0, 0, "big"),
        ValueError,
        "value must be a number in [-3.4e+38, 3.4e+38], got 'big'",
    ),
    "edit to 1e300": (
        lambda: dash().edit("0.weights", 0, 0, 1e300),
        ValueError,
        "Dashboard.edit: value must be a number in [-3.4e+38, 3.4e+38], got 1e+300",
    ),
    "edit row -1": (
        lambda: dash().edit("0.weights", -1, 0, 1.0),
        ValueError,
        "i must be a whole number in [0, inf), got -1",
    ),
}


@pytest.mark.parametrize("case", list(DASHBOARD_CASES), ids=list(DASHBOARD_CASES))
def test_dashboard_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *DASHBOARD_CASES[case])


def test_dashboard_takes_numpy_whole_numbers_as_sizes():
    sizes = (np.int64(5), np.int32(3))
    assert dash(hidden=sizes).settings.hidden == (5, 3)
    model = dash(hidden=sizes).model
    assert [p.value.shape for _, p in model.named_parameters()][::2] == [(2, 5), (5, 3), (3, 2)]
