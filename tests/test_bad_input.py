"""Bad input, tried as a careless user and as an attacker would: every case gets a plain answer.

One row per case: the call, the exception it must raise, and words its message
must contain. Every message must also come from demystify, not from NumPy's or
Python's insides (`INTERNALS`). The second half checks the promise that nothing
learned is lost: after a failure, an exception from a callback or Ctrl-C, the
model holds finite weights no worse than its last good ones, and the history
of the finished epochs is returned or attached to the error.
"""

import math

import numpy as np
import pytest

import demystify as dm
from demystify import evolve

INTERNALS = ("Traceback", "ufunc", "range()", "ZeroDivisionError", "KeyError", "AttributeError")

X4 = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
Y3 = np.arange(12) % 3


def net(n_in=4, n_out=3, **options):
    return dm.Sequential([dm.Dense(n_in, 8), dm.ReLU(), dm.Dense(8, n_out)], seed=0, **options)


def params():
    return net().parameters()


def fit(X=X4, y=Y3, loss=None, model=None, optimizer=None, **options):
    model = model or net()
    options.setdefault("verbose", 0)
    options.setdefault("epochs", 1)
    loss = loss or dm.SoftmaxCrossEntropy()
    optimizer = optimizer or dm.SGD(model.parameters(), lr=0.1)
    return dm.fit(model, loss, optimizer, X, y, **options)


def fit_with(make_optimizer, rebuild=False):
    """`fit` with an optimizer made for the model, which `rebuild` then draws anew (new arrays)."""
    model = net()
    optimizer = make_optimizer(model)
    if rebuild:  # as when a notebook cell builds the layers again
        model.initialize(np.random.default_rng(1))
    return fit(model=model, optimizer=optimizer)


CASES = {
    # --- optimizer settings -----------------------------------------------------------------
    "lr=inf": (
        lambda: dm.SGD(params(), lr=math.inf),
        ValueError,
        "lr must be a number in (0, inf)",
    ),
    "lr=0": (lambda: dm.Adam(params(), lr=0), ValueError, "Adam: lr must be"),
    "lr=-1": (lambda: dm.RMSprop(params(), lr=-1), ValueError, "got -1"),
    "lr=nan": (lambda: dm.SGD(params(), lr=math.nan), ValueError, "got nan"),
    "lr='fast'": (lambda: dm.SGD(params(), lr="fast"), ValueError, "got 'fast'"),
    "momentum=1.5": (
        lambda: dm.SGD(params(), momentum=1.5),
        ValueError,
        "momentum must be a number in [0, 1)",
    ),
    "momentum=-1": (lambda: dm.SGD(params(), momentum=-1), ValueError, "got -1"),
    "momentum=1": (lambda: dm.SGD(params(), momentum=1.0), ValueError, "momentum"),
    "betas=(1,.9)": (lambda: dm.Adam(params(), betas=(1.0, 0.9)), ValueError, "betas[0] must be"),
    "betas=(.9,2)": (lambda: dm.Adam(params(), betas=(0.9, 2)), ValueError, "betas[1] must be"),
    "betas=.9": (lambda: dm.Adam(params(), betas=0.9), ValueError, "betas must be a pair"),
    "eps=0": (lambda: dm.Adam(params(), eps=0), ValueError, "eps must be a number in (0, inf)"),
    "rmsprop eps=-1": (lambda: dm.RMSprop(params(), eps=-1e-8), ValueError, "eps"),
    "rho=1": (lambda: dm.RMSprop(params(), rho=1), ValueError, "rho must be a number in [0, 1)"),
    "weight_decay=-1": (
        lambda: dm.SGD(params(), weight_decay=-1),
        ValueError,
        "weight_decay must be",
    ),
    "clip_norm=-1": (
        lambda: dm.SGD(params(), clip_norm=-1),
        ValueError,
        "clip_norm must be a number in (0, inf)",
    ),
    "clip_norm=0": (lambda: dm.SGD(params(), clip_norm=0), ValueError, "clip_norm"),
    "adamw decay=nan": (
        lambda: dm.AdamW(params(), weight_decay=math.nan),
        ValueError,
        "weight_decay",
    ),
    "schedule=3": (lambda: dm.SGD(params(), schedule=3), ValueError, "schedule must be a function"),
    "no parameters": (lambda: dm.SGD([]), ValueError, "no parameters"),
    "a model, not parameters": (lambda: dm.SGD(net()), ValueError, "model.parameters()"),
    # --- schedules ---------------------------------------------------------------------------
    "StepDecay(0)": (
        lambda: dm.StepDecay(0),
        ValueError,
        "every must be a whole number in [1, inf)",
    ),
    "StepDecay(2.5)": (lambda: dm.StepDecay(2.5), ValueError, "got 2.5"),
    "StepDecay factor 0": (lambda: dm.StepDecay(10, factor=0), ValueError, "factor"),
    "CosineDecay(0)": (lambda: dm.CosineDecay(0), ValueError, "total must be a whole number"),
    "CosineDecay floor 2": (lambda: dm.CosineDecay(10, floor=2), ValueError, "floor"),
    # --- layers, losses, models -----------------------------------------------------------
    "Dense(0, 3)": (lambda: dm.Dense(0, 3), ValueError, "n_in must be a whole number in [1, inf)"),
    "Dense(4, 2.0)": (lambda: dm.Dense(4, 2.0), ValueError, "n_out must be a whole number"),
    "Dense(True, 3)": (lambda: dm.Dense(True, 3), ValueError, "n_in"),
    "Dense init typo": (lambda: dm.Dense(4, 3, init="he"), ValueError, "unknown initializer 'he'"),
    "Dense dtype int32": (
        lambda: dm.Dense(4, 3, dtype="int32"),
        ValueError,
        "dtype must be float16, float32 or float64",
    ),
    "Dense dtype banana": (lambda: dm.Dense(4, 3, dtype="banana"), ValueError, "got 'banana'"),
    "Sequential dtype complex": (lambda: net(dtype="complex64"), ValueError, "dtype must be"),
    "Sequential of a string": (lambda: dm.Sequential(["relu"]), TypeError, "not a demystify layer"),
    "Dropout(1)": (lambda: dm.Dropout(1.0), ValueError, "p must be a number in [0, 1)"),
    "LeakyReLU(-1)": (lambda: dm.LeakyReLU(-1), ValueError, "slope"),
    "Huber(0)": (lambda: dm.Huber(0), ValueError, "delta must be a number in (0, inf)"),
    "seed='x'": (
        lambda: dm.Sequential([dm.Dense(4, 3)], seed="x"),
        ValueError,
        "seed must be a whole number",
    ),
    "seed=-1": (lambda: dm.Dense(4, 3, seed=-1), ValueError, "seed"),
    "predict wrong width": (
        lambda: net().predict(np.zeros((2, 5))),
        ValueError,
        "expected input with 4 features, got (2, 5)",
    ),
    "predict 1-D": (lambda: net().predict(np.zeros(4)), ValueError, "X must be a 2-D array"),
    "predict NaN": (lambda: net().predict(np.full((2, 4), np.nan)), ValueError, "NaN or infinite"),
    "predict strings": (
        lambda: net().predict(np.array([["a"] * 4])),
        ValueError,
        "must hold numbers",
    ),
    "predict complex": (lambda: net().predict(np.ones((2, 4)) * 1j), ValueError, "complex"),
    "predict 1e39": (
        lambda: net().predict(np.full((2, 4), 1e39)),
        ValueError,
        "too large for float32",
    ),
    "predict batch_size 0": (
        lambda: net().predict(X4, batch_size=0),
        ValueError,
        "batch_size must be a whole number",
    ),
    "set_weights count": (
        lambda: net().set_weights([np.zeros((4, 8))]),
        ValueError,
        "expected 4 arrays, got 1",
    ),
    "set_weights shape": (
        lambda: net().set_weights([np.zeros((8, 4))] + net().get_weights()[1:]),
        ValueError,
        "0.weights has shape (4, 8)",
    ),
    "set_weights NaN": (
        lambda: net().set_weights([np.full((4, 8), np.nan)] + net().get_weights()[1:]),
        ValueError,
        "NaN",
    ),
    "set_weights 1e300 into float32": (  # finite as float64, infinite once cast (issue #25)
        lambda: net().set_weights([np.full((4, 8), 1e300)] + net().get_weights()[1:]),
        ValueError,
        "set_weights: an array holds values beyond 3.4e+38, too large for float32",
    ),
    "vector_to_parameters 1e300": (
        lambda: evolve.vector_to_parameters(net(), np.full(67, 1e300)),
        ValueError,
        "too large for float32",
    ),
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
    "X 1e39": (lambda: fit(X=np.full((12, 4), 1e39)), ValueError, "too large for float32"),
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
    call, kind, words = CASES[case]
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    assert words in message, f"{case}: {message!r} lacks {words!r}"
    leaked = [text for text in INTERNALS if text in message]
    assert not leaked, f"{case}: the message shows {leaked}: {message!r}"


def test_numpy_integers_are_whole_numbers():
    y = np.array([0, 1, 2])
    layer = dm.Dense(np.int64(4), y.max() + 1)
    assert (layer.n_in, layer.n_out) == (4, 3) and type(layer.n_out) is int
    model = net()  # (once trained with another model's optimizer: nothing moved, nothing said)
    dm.fit(
        model, dm.SoftmaxCrossEntropy(), dm.SGD(model.parameters()), X4, Y3, np.int32(1), verbose=0
    )
    assert dm.StepDecay(np.int16(3)).every == 3


# --- nothing learned is lost ---------------------------------------------------------------------


def finite(model) -> bool:
    return all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize(
    "dtype, lr", [("float16", 1e4), ("float32", 1e30)], ids=["float16-overflow", "float32-huge-lr"]
)
def test_a_weight_overflow_on_the_last_step_keeps_finite_weights(dtype, lr):
    X, y = dm.datasets.blobs(n=64, centers=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0, dtype=dtype)

    class Snapshots(dm.Callback):  # the weights after every finished epoch
        def on_epoch_end(self, epoch, logs):
            self.last = model.get_weights()

    snapshots = Snapshots()
    snapshots.last = model.get_weights()
    optimizer = dm.SGD(model.parameters(), lr=lr)
    with pytest.raises(dm.TrainingError) as caught, np.errstate(all="ignore"):
        # one step an epoch, so the step that breaks the weights is an epoch's last
        dm.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer,
            X,
            y,
            epochs=20,
            batch_size=64,
            callbacks=[snapshots],
            verbose=0,
        )
    assert finite(model)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots.last))
    assert "kept the last finite weights" in str(caught.value)
    assert caught.value.history is not None


def test_on_train_end_runs_after_a_divergence_and_early_stopping_restores():
    X, y = dm.datasets.blobs(n=90, centers=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
    stopper = dm.EarlyStopping(patience=50)

    class BlowUp(dm.Callback):  # turns the learning rate up after three good epochs
        def __init__(self, optimizer):
            self.optimizer = optimizer

        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                self.optimizer.lr = 1e38

    optimizer = dm.SGD(model.parameters(), lr=0.05)
    with pytest.raises(dm.TrainingError) as caught, np.errstate(all="ignore"):
        dm.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            optimizer,
            X,
            y,
            epochs=20,
            batch_size=16,
            validation=0.3,
            callbacks=[stopper, BlowUp(optimizer)],
            verbose=0,
        )
    history = caught.value.history
    assert len(history["val_loss"]) == 3
    best = int(np.argmin(history["val_loss"]))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), stopper.best_weights))
    assert stopper.best == history["val_loss"][best]


def test_an_error_in_a_callback_keeps_the_history_and_a_sane_model():
    class Broken(dm.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                raise RuntimeError("my callback is broken")

    model = net()
    with pytest.raises(RuntimeError, match="my callback is broken") as caught:
        fit(model=model, epochs=5, callbacks=[Broken()])
    assert len(caught.value.history["loss"]) == 2  # both finished epochs are kept
    assert model.training is False and finite(model)


def test_a_callback_that_raises_after_the_weights_broke_leaves_the_last_finite_ones():
    """issue #23: `fit` once restored nothing when a callback raised (`dm.spark.fit` did)."""

    class BreakThenRaise(dm.Callback):
        def on_train_begin(self, model):
            self.model = model

        def on_epoch_end(self, epoch, logs):
            self.finished = self.model.get_weights()  # the weights at the end of this epoch

        def on_step_end(self, step, logs):
            if step == 5:
                self.model.layers[0].weights.value[0, 0] = np.nan  # the step went bad ...
                raise RuntimeError("my callback is broken")  # ... and the callback raised

    model, watcher = net(), BreakThenRaise()
    with pytest.raises(RuntimeError, match="my callback is broken") as caught:
        fit(model=model, epochs=10, batch_size=4, callbacks=[watcher])
    assert finite(model) and len(caught.value.history["loss"]) == 1
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), watcher.finished))


def test_ctrl_c_after_a_step_that_broke_the_weights_keeps_finite_ones():
    class InterruptAfterBreaking(dm.Callback):
        def on_train_begin(self, model):
            self.model = model

        def on_step_end(self, step, logs):
            if step == 5:
                self.model.layers[0].weights.value[0, 0] = np.inf  # the step went bad ...
                raise KeyboardInterrupt  # ... and the user pressed Ctrl-C right then

    model = net()
    history = fit(model=model, epochs=10, batch_size=4, callbacks=[InterruptAfterBreaking()])
    assert "Ctrl-C" in history.stop_reason and finite(model)
    assert len(history["loss"]) == 1  # the first epoch (steps 1-3) finished


@pytest.mark.parametrize("algorithm", [evolve.genetic, evolve.evolution_strategy])
@pytest.mark.parametrize("failure", ["raises", "nan", "ctrl-c"])
def test_evolution_keeps_the_best_vector_and_the_history(algorithm, failure):
    X, y = dm.datasets.xor(n=40, seed=0)
    model = dm.Sequential([dm.Dense(2, 4), dm.Tanh(), dm.Dense(4, 1)], seed=0)
    start = evolve.parameters_to_vector(model)
    score = evolve.data_fitness(X, y)
    calls = []

    def fitness(candidate):
        calls.append(1)
        if len(calls) > 25:  # part-way through the third generation
            if failure == "raises":
                raise RuntimeError("the simulator crashed")
            if failure == "nan":
                return float("nan")
            raise KeyboardInterrupt
        return score(candidate)

    if failure == "ctrl-c":
        model, history = algorithm(model, fitness, generations=10, population=10, verbose=0)
        assert "Ctrl-C" in history.stop_reason
    else:
        with pytest.raises((RuntimeError, ValueError)) as caught:
            algorithm(model, fitness, generations=10, population=10, verbose=0)
        history = caught.value.history
    assert len(history["fitness"]) == 2
    best = max(history["fitness"])
    assert score(model) == pytest.approx(best, rel=1e-6)  # the best vector seen, not a candidate
    assert not np.array_equal(evolve.parameters_to_vector(model), start) or best == score(model)


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
