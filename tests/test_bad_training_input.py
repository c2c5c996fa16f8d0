"""Bad training input, tried as a careless user and as an attacker would: each gets a plain answer.

One row per case, as in ``test_bad_input.py``: `fit`'s settings, an optimizer that
does not hold the model's parameters, training data, `evaluate` and the metrics,
backends, evolution and the data sets; then what real users pass (pandas).
"""

import math

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer
from helpers import tiny_fit as fit
from helpers import tiny_fit_with as fit_with
from helpers import tiny_net as net

import demystify as dm
from demystify import evolve

CASES = {
    # --- fit's settings --------------------------------------------------------------------------
    "epochs=0": (
        lambda: fit(epochs=0),
        ValueError,
        "fit: epochs must be a whole number in [1, inf), got 0",
    ),
    "epochs=-3": (lambda: fit(epochs=-3), ValueError, "got -3"),
    "epochs=2.0": (lambda: fit(epochs=2.0), ValueError, "epochs must be a whole number"),
    "batch_size=0": (
        lambda: fit(batch_size=0),
        ValueError,
        "batch_size must be a whole number in [1, inf)",
    ),
    "batch_size=-5": (lambda: fit(batch_size=-5), ValueError, "got -5"),
    "batch_size=8.0": (lambda: fit(batch_size=8.0), ValueError, "got 8.0"),
    "validation=1.5": (
        lambda: fit(validation=1.5),
        ValueError,
        "validation must be a number in (0, 1)",
    ),
    "validation leaves nothing": (
        lambda: fit(X4[:2], Y3[:2], validation=0.9),
        ValueError,
        "leaves none to train on",
    ),
    "validation a triple": (
        lambda: fit(validation=(X4, Y3, Y3)),
        ValueError,
        "a pair (X_val, y_val)",
    ),
    "validation wrong width": (
        lambda: fit(validation=(X4[:, :3], Y3)),
        ValueError,
        "validation data: X has shape (12, 3)",
    ),
    "validation bad labels": (
        lambda: fit(validation=(X4, Y3 + 5)),
        ValueError,
        "validation data: labels must lie in 0..2",
    ),
    "EarlyStopping mode": (
        lambda: dm.EarlyStopping(mode="up"),
        ValueError,
        "mode must be 'min' or 'max', got 'up'",
    ),
    "early_stopping=0.5": (
        lambda: fit(early_stopping=0.5, validation=0.25),
        ValueError,
        "patience must be a whole number",
    ),
    # --- an optimizer that does not hold the model's parameters (issue #25) ---------------------
    "optimizer of another model": (
        lambda: fit(model=net(), optimizer=dm.SGD(net().parameters())),
        ValueError,
        "fit: the optimizer holds other parameters; build it again from model.parameters()",
    ),
    "optimizer from before initialize": (
        lambda: fit_with(lambda model: dm.SGD(model.parameters()), rebuild=True),
        ValueError,
        "the optimizer holds other parameters",
    ),
    "a parameter listed twice": (
        lambda: fit_with(lambda model: dm.SGD([*model.parameters(), *model.parameters()])),
        ValueError,
        "the optimizer holds other parameters",
    ),
    "half the parameters": (
        lambda: fit_with(lambda model: dm.SGD(list(model.parameters())[:2])),
        ValueError,
        "the optimizer holds other parameters",
    ),
    # --- training data ---------------------------------------------------------------------------
    "label too big": (lambda: fit(y=Y3 + 1), ValueError, "labels must lie in 0..2"),
    "label column": (lambda: fit(y=Y3[:, None]), ValueError, "pass them 1-D: y.ravel()"),
    "fractional labels": (lambda: fit(y=Y3 + 0.5), ValueError, "whole numbers"),
    "NaN labels": (lambda: fit(y=np.where(Y3 == 1, np.nan, Y3)), ValueError, "NaN"),
    "string X": (lambda: fit(X=X4.astype(str)), ValueError, "X must hold numbers"),
    "complex X": (lambda: fit(X=X4 * 1j), ValueError, "complex"),
    "object X": (
        lambda: fit(X=np.array([[1, "a"]] * 12, dtype=object)),
        ValueError,
        "must hold numbers",
    ),
    "X 1e39": (
        lambda: fit(X=np.full((12, 4), 1e39)),
        ValueError,
        "too large to multiply in float32",
    ),
    "X inf": (lambda: fit(X=np.full((12, 4), np.inf)), ValueError, "NaN or infinite"),
    "empty": (lambda: fit(X=np.zeros((0, 4)), y=np.zeros(0, int)), ValueError, "empty"),
    "length mismatch": (lambda: fit(y=Y3[:5]), ValueError, "X has 12 examples but y has 5 targets"),
    "3-D X": (lambda: fit(X=X4[:, :, None]), ValueError, "2-D array"),
    "BCE target 2": (
        lambda: fit(y=np.full(12, 2.0), loss=dm.BinaryCrossEntropy(), model=net(n_out=1)),
        ValueError,
        "between 0 and 1",
    ),
    "MSE target NaN": (
        lambda: fit(y=np.full((12, 3), np.nan), loss=dm.MeanSquaredError()),
        ValueError,
        "y contains NaN",
    ),
    "MSE wrong width": (
        lambda: fit(y=np.zeros((12, 2)), loss=dm.MeanSquaredError()),
        ValueError,
        "the network has 3 outputs",
    ),
    "MSE target 1e39": (
        lambda: fit(y=np.full((12, 3), 1e39), loss=dm.MeanSquaredError()),
        ValueError,
        "too large",
    ),
    # --- evaluate and the metrics ---------------------------------------------------------------
    "evaluate BCE target 2": (
        lambda: dm.evaluate(net(n_out=1), dm.BinaryCrossEntropy(), X4, np.full(12, 2.0)),
        ValueError,
        "between 0 and 1",
    ),
    "evaluate BCE target -3": (
        lambda: dm.evaluate(net(n_out=1), dm.BinaryCrossEntropy(), X4, np.full(12, -3.0)),
        ValueError,
        "between 0 and 1",
    ),
    "evaluate wrong width": (
        lambda: dm.evaluate(net(), dm.SoftmaxCrossEntropy(), X4[:, :2], Y3),
        ValueError,
        "evaluation data",
    ),
    "accuracy NaN outputs": (
        lambda: dm.accuracy(np.full((3, 2), np.nan), [0, 1, 0]),
        ValueError,
        "predictions contains NaN",
    ),
    "accuracy lengths": (
        lambda: dm.accuracy(np.zeros((3, 2)), [0, 1]),
        ValueError,
        "3 predictions but 2 targets",
    ),
    "accuracy strings": (
        lambda: dm.accuracy(np.zeros((2, 2)), ["a", "b"]),
        ValueError,
        "targets must hold numbers",
    ),
    "mse shapes": (
        lambda: dm.mse(np.zeros((3, 2)), np.zeros(4)),
        ValueError,
        "predictions have shape (3, 2)",
    ),
    "confusion n_classes": (
        lambda: dm.confusion_matrix(np.eye(3), [0, 1, 2], n_classes=2),
        ValueError,
        "n_classes must be a whole number in [3, inf)",
    ),
    "loss shapes": (
        lambda: dm.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 3))),
        ValueError,
        "predictions have shape (4, 2) but targets have shape (4, 3)",
    ),
    "softmax-ce labels": (
        lambda: dm.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        "must lie in 0..2",
    ),
    "gradcheck eps": (
        lambda: dm.gradcheck(net(), dm.SoftmaxCrossEntropy(), X4, Y3, eps=0),
        ValueError,
        "eps must be a number in (0, inf)",
    ),
    # --- backends -------------------------------------------------------------------------------
    "unknown backend": (
        lambda: dm.use("tensorflow"),
        ValueError,
        "unknown backend 'tensorflow'; choose one of numpy",
    ),
    # --- evolution ------------------------------------------------------------------------------
    "evolution lr=nan": (
        lambda: evolve.evolution_strategy(net(), lambda m: 0.0, lr=math.nan, verbose=0),
        ValueError,
        "lr must be a number in (0, inf)",
    ),
    "evolution sigma=inf": (
        lambda: evolve.evolution_strategy(net(), lambda m: 0.0, sigma=math.inf, verbose=0),
        ValueError,
        "sigma must be",
    ),
    "genetic elite": (
        lambda: evolve.genetic(net(), lambda m: 0.0, population=4, elite=4, verbose=0),
        ValueError,
        "elite must be a whole number in [0, 4)",
    ),
    "fitness returns text": (
        lambda: evolve.genetic(net(), lambda m: "good", generations=1, population=4, verbose=0),
        ValueError,
        "the fitness must return a number",
    ),
    "data_fitness shapes": (
        lambda: evolve.data_fitness(X4, Y3[:3]),
        ValueError,
        "data_fitness: X has 12 rows and y 3",
    ),
    "data_fitness labels": (
        lambda: evolve.evolution_strategy(
            net(), evolve.data_fitness(X4, Y3 + 7), generations=1, verbose=0
        ),
        ValueError,
        "must lie in 0..2",
    ),
    # --- data sets -------------------------------------------------------------------------------
    "moons noise -1": (
        lambda: dm.datasets.moons(noise=-1),
        ValueError,
        "noise must be a number in [0, inf)",
    ),
    "spirals classes 0": (
        lambda: dm.datasets.spirals(classes=0),
        ValueError,
        "classes must be a whole number",
    ),
    "blobs features 0": (lambda: dm.datasets.blobs(features=0), ValueError, "features must be"),
    "xor n=2": (lambda: dm.datasets.xor(n=2), ValueError, "n must be a whole number in [4, inf)"),
    "circles factor 2": (lambda: dm.datasets.circles(factor=2), ValueError, "factor"),
    "linear n 0": (lambda: dm.datasets.linear(n=0), ValueError, "n must be"),
    "one_hot fractions": (lambda: dm.datasets.one_hot([0.5, 1]), ValueError, "whole class numbers"),
    "split test_size 0": (
        lambda: dm.datasets.train_test_split(X4, Y3, test_size=0),
        ValueError,
        "test_size must be",
    ),
    "standardize 1-D": (lambda: dm.datasets.standardize(np.zeros(3)), ValueError, "2-D"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


# --- what real users pass (issue #25) ----------------------------------------------------------


def test_pandas_data_enters_like_numpy():
    """A DataFrame or a Series once failed inside: `to_numpy` took its `.get` for CuPy's."""
    pd = pytest.importorskip("pandas")  # a test dependency, never a runtime one
    X, y = dm.datasets.blobs(n=90, centers=3, seed=0)
    results = []
    for X_in, y_in in [(X, y), (pd.DataFrame(X, columns=["a", "b"]), pd.Series(y, name="y"))]:
        model, loss = net(n_in=2), dm.SoftmaxCrossEntropy()
        optimizer = dm.Adam(model.parameters(), lr=0.05)
        history = dm.fit(model, loss, optimizer, X_in, y_in, 5, validation=(X_in, y_in), verbose=0)
        evaluated = dm.evaluate(model, loss, X_in, y_in)
        results.append((history["val_loss"], model.predict(X_in), evaluated["accuracy"]))
    (losses, outputs, accuracy), (pd_losses, pd_outputs, pd_accuracy) = results
    assert losses == pd_losses and np.array_equal(outputs, pd_outputs) and accuracy == pd_accuracy
    assert dm.accuracy(pd_outputs, pd.Series(y)) == accuracy > 0.9
    with pytest.raises(ValueError, match="X must hold numbers"):
        fit(X=pd.DataFrame(X4).astype(str))
