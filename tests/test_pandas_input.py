"""pandas input trains, judges, predicts and saves exactly like NumPy input, everywhere data enters.

A practitioner's data is usually a pandas DataFrame and its labels a Series:
`fit`, `evaluate`, `predict`, `save`/`load`, the dashboard's ``data=`` and the
Spark trainer's ``(X, y)`` must take them and give what the same numbers as
NumPy arrays give -- bit for bit, since they are the same numbers. pandas is a
test dependency only (the dev extra), never one of ``import demystify``; polars
is tried too when it is installed (the only skip here).
"""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_same_weights, small_model

import demystify as dm
from demystify.viz.dashboard import Dashboard

X, Y = dm.datasets.blobs(n=120, centers=3, seed=0)
# a DataFrame with named columns and a Series whose index is not 0..n-1: what reading a CSV and
# shuffling gives; only the values count, in their order
FRAME = pd.DataFrame(X, columns=["width", "height"], index=np.arange(120)[::-1] * 3)
LABELS = pd.Series(Y, name="species", index=FRAME.index)


def trained(X, y, epochs: int = 5) -> tuple[dm.Sequential, dm.History]:
    model = small_model((2, 8, 3), activation=dm.Tanh, dtype="float64")
    history = dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=epochs,
        batch_size=16,
        validation=0.25,
        verbose=0,
    )
    return model, history


def test_fit_on_pandas_trains_exactly_like_numpy():
    (model, history), (reference, expected) = trained(FRAME, LABELS), trained(X, Y)
    assert history == expected and history["accuracy"][-1] >= 0.9, history
    assert_same_weights(model, reference)


def test_evaluate_and_predict_on_pandas_give_the_numpy_numbers():
    model, _ = trained(X, Y)
    loss = dm.SoftmaxCrossEntropy()
    assert dm.evaluate(model, loss, FRAME, LABELS) == dm.evaluate(model, loss, X, Y)
    np.testing.assert_array_equal(model.predict(FRAME), model.predict(X))
    np.testing.assert_array_equal(model.predict(FRAME.iloc[:7]), model.predict(X[:7]))
    assert dm.evaluate(model, loss, FRAME, LABELS)["accuracy"] >= 0.9


def test_a_model_trained_on_pandas_saves_and_loads_with_the_same_predictions(tmp_path):
    model, _ = trained(FRAME, LABELS)
    loaded = dm.load(dm.save(model, tmp_path / "blobs.npz"))
    assert_same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(FRAME), model.predict(X))


def test_the_dashboard_trains_on_a_dataframe_and_series_like_on_arrays():
    on_pandas = Dashboard(data=(FRAME, LABELS), hidden="6", seed=3)
    on_numpy = Dashboard(data=(X, Y), hidden="6", seed=3)
    for dash in (on_pandas, on_numpy):
        dash.step(150)
    assert_same_weights(on_pandas.model, on_numpy.model)
    assert on_pandas.history.curve == on_numpy.history.curve
    assert on_pandas.history.accuracy[-1][1] >= 0.9  # on the test rows
    # its data is the numbers, as arrays: the points drawn and the script written agree
    np.testing.assert_array_equal(on_pandas.trainer.data.points, X)
    assert on_pandas.code() == on_numpy.code()


def test_spark_trains_on_pandas_x_and_y_like_on_arrays(spark):
    from demystify import spark as dms

    def spark_run(X, y) -> tuple[dm.Sequential, dm.History]:
        model = small_model((2, 8, 3), activation=dm.Tanh, dtype="float64")
        optimizer = dm.SGD(model.parameters(), lr=0.5)
        held_out = (X[:30], y[:30])  # pandas slices too, when X and y are pandas objects
        history = dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer,
            (X, y),
            epochs=20,
            spark=spark,
            validation=held_out,
        )
        return model, history

    (model, history), (reference, expected) = spark_run(FRAME, LABELS), spark_run(X, Y)
    assert history == expected and history["val_accuracy"][-1] >= 0.8, history
    assert_same_weights(model, reference)


def test_polars_input_trains_and_predicts_like_numpy():
    pl = pytest.importorskip("polars", reason="polars is not installed (it is optional)")
    frame = pl.DataFrame({"width": X[:, 0], "height": X[:, 1]})
    (model, history), (reference, expected) = trained(frame, pl.Series(Y)), trained(X, Y)
    assert history == expected
    assert_same_weights(model, reference)
    np.testing.assert_array_equal(model.predict(frame), reference.predict(X))
    np.testing.assert_array_equal(Dashboard(data=(frame, pl.Series(Y))).trainer.data.points, X)
