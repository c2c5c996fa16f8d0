"""The ring tried as a clumsy user and as an attacker: each gets a plain answer.

Evolution, the tables, autograd, the callbacks and the demo command (issue #25):
wrong types, swapped arguments, sizes no machine holds, float labels. One row
per case, as in ``test_bad_input.py``: the call, the exception, words its
message must hold (`helpers.assert_plain_answer`). What a failure of evolution
must not lose is tested below the table. The data sets and their files are in
``test_bad_data_input.py``, the pictures in ``test_bad_picture_input.py``.
"""

import os

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer, tiny_fit, tiny_net_with
from helpers import tiny_net as net

import demystify as dm
from demystify import evolve
from demystify.apps import autograd, demo, tables

HUGE = 10**12  # more of anything than any machine holds

HUGE = 10**12  # more of anything than any machine holds


def score(model) -> float:
    return 0.0


def viz():
    return pytest.importorskip("demystify.viz", reason="the pictures need the viz extra")


CASES = {
    # --- evolution: sizes, types, weights after the cast --------------------------------------
    "genetic population 10**12": (
        lambda: evolve.genetic(net(), score, population=HUGE, verbose=0),
        ValueError,
        "genetic: a population of 1,000,000,000,000 vectors of 67 numbers (float64) needs",
    ),
    "evolution_strategy population 10**12": (
        lambda: evolve.evolution_strategy(net(), score, population=HUGE, verbose=0),
        ValueError,
        "evolution_strategy: a population of 1,000,000,000,000",
    ),
    "genetic model None": (
        lambda: evolve.genetic(None, score, verbose=0),
        ValueError,
        "genetic: model must be a network such as dm.Sequential([...]), got None",
    ),
    "genetic the class Sequential": (
        lambda: evolve.genetic(dm.Sequential, score, verbose=0),
        ValueError,
        "model must be a network",
    ),
    "genetic arguments swapped": (
        lambda: evolve.genetic(score, net(), verbose=0),
        ValueError,
        "genetic: model must be a network",
    ),
    "genetic fitness None": (
        lambda: evolve.genetic(net(), None, verbose=0),
        ValueError,
        "genetic: fitness must be a function of the model that returns a number",
    ),
    "genetic fitness the class": (
        lambda: evolve.genetic(net(), evolve.data_fitness, verbose=0),
        ValueError,
        "such as evolve.data_fitness(X, y)",
    ),
    "evolution_strategy fitness a string": (
        lambda: evolve.evolution_strategy(net(), "accuracy", verbose=0),
        ValueError,
        "evolution_strategy: fitness must be a function",
    ),
    "fitness returns complex": (
        lambda: evolve.genetic(net(), lambda m: np.complex128(1 + 2j), 1, 4, verbose=0),
        ValueError,
        "the fitness must return a number, a real one, got np.complex128",
    ),
    "evolution_strategy adam 'no'": (
        lambda: evolve.evolution_strategy(net(), score, adam="no", verbose=0),
        ValueError,
        "evolution_strategy: adam must be True or False, got 'no'",
    ),
    "genetic from NaN weights": (
        lambda: evolve.genetic(tiny_net_with(np.nan), score, verbose=0),
        ValueError,
        "genetic: the model's weights hold NaN or infinite values",
    ),
    "set_weight 1e300 into float32": (
        lambda: evolve.set_weight(net(), "0.weights", (0, 0), 1e300),
        ValueError,
        "set_weight: value holds values beyond 3.4e+38, too large for float32",
    ),
    "set_weight 1e5 into float16": (
        lambda: evolve.set_weight(net(dtype="float16"), "0.bias", 1, 1e5),
        ValueError,
        "too large for float16",
    ),
    "set_weight inf": (
        lambda: evolve.set_weight(net(), "0.bias", 1, float("inf")),
        ValueError,
        "set_weight: value must be a number in (-inf, inf), got inf",
    ),
    "vector_to_parameters complex": (
        lambda: evolve.vector_to_parameters(net(), np.ones(67) * 1j),
        ValueError,
        "vector_to_parameters: the vector holds complex numbers",
    ),
    "vector_to_parameters strings": (
        lambda: evolve.vector_to_parameters(net(), np.array(["0.5"] * 67)),
        ValueError,
        "vector_to_parameters: the vector must hold numbers",
    ),
    "parameters_to_vector None": (
        lambda: evolve.parameters_to_vector(None),
        ValueError,
        "parameters_to_vector: model must be a network",
    ),
    "get_weight a model's class": (
        lambda: evolve.get_weight(dm.Sequential, "0.weights", (0, 0)),
        ValueError,
        "get_weight: model must be a network",
    ),
    "data_fitness loss the class": (
        lambda: evolve.data_fitness(X4, Y3, loss=dm.SoftmaxCrossEntropy)(net()),
        ValueError,
        "data_fitness: loss must be a loss object such as dm.SoftmaxCrossEntropy()",
    ),
    "data_fitness loss a string": (
        lambda: evolve.data_fitness(X4, Y3, loss="mse")(net()),
        ValueError,
        "got 'mse'",
    ),
    # --- tables: the confusion matrix, mse and the summary --------------------------------------
    "confusion float labels 0.7": (
        lambda: dm.confusion_matrix([0, 1], [0.7, 1]),
        ValueError,
        "confusion_matrix: targets must be class numbers 0, 1, 2, ..., got 0.7",
    ),
    "confusion float predicted classes": (
        lambda: dm.confusion_matrix([0.7, 1], [0, 1]),
        ValueError,
        "predictions must be class numbers",
    ),
    "confusion negative label": (
        lambda: dm.confusion_matrix([0, 1], [0, -1]),
        ValueError,
        "got -1",
    ),
    "confusion a label of 10**9": (
        lambda: dm.confusion_matrix([0, 1], [0, 10**9]),
        ValueError,
        "confusion_matrix: a class number of 1e+09 needs",
    ),
    "confusion n_classes 10**7": (
        lambda: dm.confusion_matrix([0, 1], [0, 1], n_classes=10**7),
        ValueError,
        "confusion_matrix: a matrix of 10,000,000 classes needs",
    ),
    "confusion n_classes 0": (
        lambda: dm.confusion_matrix([0, 1], [0, 1], n_classes=0),
        ValueError,
        "n_classes must be a whole number in [2, inf), got 0",
    ),
    "confusion arguments swapped": (
        lambda: dm.confusion_matrix([0, 1], np.array([[0.2, 0.8], [0.6, 0.4]])),
        ValueError,
        "the order is confusion_matrix(pred, target)",
    ),
    "mse target strings": (lambda: dm.mse([1.0], ["a"]), ValueError, "mse: targets must hold"),
    "mse target complex": (lambda: dm.mse([1.0], [1j]), ValueError, "mse: targets holds complex"),
    "summary of None": (lambda: tables.summary(None), ValueError, "summary: give it a network"),
    # --- autograd: the labels of the negative log-likelihood ---------------------------------
    "nll float label 0.7": (
        lambda: autograd.nll(autograd.Tensor(np.zeros((2, 3))), np.array([0.7, 1.0])),
        ValueError,
        "nll: labels must be 2 class numbers in 0..2, one per row",
    ),
    "cross_entropy label 3 of 3 classes": (
        lambda: autograd.cross_entropy(autograd.Tensor(np.zeros((2, 3))), np.array([0, 3])),
        ValueError,
        "class numbers in 0..2",
    ),
    # --- callbacks --------------------------------------------------------------------------
    "EarlyStopping monitor None": (
        lambda: dm.EarlyStopping(monitor=None),
        ValueError,
        "EarlyStopping: monitor must be the name of a number fit records",
    ),
    "EarlyStopping watching a typo": (
        lambda: tiny_fit(validation=0.25, callbacks=[dm.EarlyStopping(monitor="val_los")]),
        ValueError,
        "EarlyStopping watches 'val_los', but fit records loss, accuracy, val_loss, val_accuracy",
    ),
    "EarlyStopping restore_best 'no'": (
        lambda: dm.EarlyStopping(restore_best="no"),
        ValueError,
        "restore_best must be True or False, got 'no'",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


# --- the demo command: every setting refused before training ---------------------------------

DEMO = {
    # name: (arguments, words in the usage error)
    "--seed -1": (["--seed", "-1"], "--seed must be a whole number >= 0, got -1"),
    "--hidden 10**12": (["--hidden", str(HUGE)], "--hidden 1,000,000,000,000 needs"),
    "--out inside a file": (["--out", "{tmp}/a-file/model.npz"], "it is not a writable folder"),
    "--out a 300-character name": (["--out", "m" * 300], "the file name has 300 bytes, over 237"),
}


@pytest.mark.parametrize("case", list(DEMO), ids=list(DEMO))
def test_the_demo_refuses_a_bad_setting_before_training(case, tmp_path, capsys):
    arguments, words = DEMO[case]
    (tmp_path / "a-file").write_text("not a folder")
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as caught:
        demo.main(["demo", "--epochs", "1", *arguments])
    errors = capsys.readouterr().err
    assert caught.value.code == 2 and words in errors, errors
    assert "training" not in errors and sorted(os.listdir(tmp_path)) == ["a-file"]


# --- evolution: every exit keeps finite weights and the history ------------------------------


class FailingLoss(dm.SoftmaxCrossEntropy):
    """Softmax cross-entropy that breaks on its `calls`-th forward pass."""

    def __init__(self, calls: int):
        self.left = calls

    def forward(self, outputs, targets):
        self.left -= 1
        if self.left <= 0:
            raise RuntimeError("the loss broke")
        return super().forward(outputs, targets)


def evolve_blobs(algorithm, fitness=None, **options):
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    model = net(n_in=2)
    fitness = fitness or evolve.data_fitness(X, y)
    options = {"generations": 6, "population": 6, "verbose": 0} | options
    return model, fitness, lambda: algorithm(model, fitness, **options)


ALGORITHMS = [evolve.genetic, evolve.evolution_strategy]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_loss_that_raises_leaves_the_best_weights_and_the_history(algorithm):
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    fitness = evolve.data_fitness(X, y, loss=FailingLoss(calls=20))
    model, fitness, run = evolve_blobs(algorithm, fitness)
    with pytest.raises(RuntimeError, match="the loss broke") as caught:
        run()
    history = caught.value.history
    assert 1 <= len(history["fitness"]) < 6
    assert np.all(np.isfinite(evolve.parameters_to_vector(model)))
    fitness.loss.left = 10**6  # mended: the model holds the best vector the history saw
    assert fitness(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_second_ctrl_c_while_cleaning_up_keeps_the_weights_and_the_history(
    algorithm, monkeypatch
):
    import tqdm.auto

    class BarInterruptedOnClose(tqdm.auto.tqdm):
        closes = 0

        def close(self):
            BarInterruptedOnClose.closes += 1
            super().close()
            if BarInterruptedOnClose.closes == 1:
                raise KeyboardInterrupt  # the second Ctrl-C, while the run cleans up

    monkeypatch.setattr(tqdm.auto, "tqdm", BarInterruptedOnClose)
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    data = evolve.data_fitness(X, y)
    calls = []

    def fitness(model):
        calls.append(1)
        if len(calls) == 16:
            raise KeyboardInterrupt  # the first Ctrl-C, in the third generation
        return data(model)

    model, _, run = evolve_blobs(algorithm, fitness)
    try:
        returned, history = run()
    except KeyboardInterrupt:  # caught here, or it would stop the whole test session
        pytest.fail("the second Ctrl-C escaped, and the history with it")
    assert returned is model and "Ctrl-C" in history.stop_reason
    assert len(history["fitness"]) == 2 and BarInterruptedOnClose.closes >= 2
    assert data(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


def test_an_evolution_strategy_that_diverges_keeps_finite_weights_and_the_history():
    """lr=1e39 throws theta past float32 in the first step: refused, the best vector kept."""
    model, fitness, run = evolve_blobs(evolve.evolution_strategy, lr=1e39)
    with pytest.raises(ValueError, match="too large for float32") as caught:
        run()
    history = caught.value.history
    assert len(history["fitness"]) >= 1 and np.all(np.isfinite(evolve.parameters_to_vector(model)))
    assert fitness(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


def test_pandas_data_scores_like_numpy():
    pd = pytest.importorskip("pandas")  # a test dependency, never a runtime one
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    model = net(n_in=2)
    frame, series = pd.DataFrame(X, columns=["a", "b"]), pd.Series(y, name="class")
    assert evolve.data_fitness(frame, series)(model) == evolve.data_fitness(X, y)(model)
    matrix = dm.confusion_matrix(pd.DataFrame(model.predict(X)), series)
    np.testing.assert_array_equal(matrix, dm.confusion_matrix(model.predict(X), y))
    np.testing.assert_array_equal(dm.datasets.one_hot(series), dm.datasets.one_hot(y))
    np.testing.assert_array_equal(dm.datasets.standardize(frame), dm.datasets.standardize(X))
    vector = evolve.parameters_to_vector(model)
    evolve.vector_to_parameters(model, pd.Series(vector))
    np.testing.assert_array_equal(evolve.parameters_to_vector(model), vector)
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}
    for ours, theirs in zip(
        viz().plot_history(pd.DataFrame(history)).axes[0].lines,
        viz().plot_history(history).axes[0].lines,
    ):
        np.testing.assert_array_equal(ours.get_xydata(), theirs.get_xydata())
    parts = dm.datasets.train_test_split(frame, series, seed=1)
    for part, reference in zip(parts, dm.datasets.train_test_split(X, y, seed=1)):
        np.testing.assert_array_equal(part, reference)
