"""Training without backpropagation: the genetic algorithm and the evolution strategy.

Every run is seeded and small (a few hundred fitness calls), so the file runs in seconds.
"""

import numpy as np
import pytest

import demystify as dm
from demystify import evolve


def mlp(hidden: int = 8, activation=dm.Tanh, seed: int = 0) -> dm.Sequential:
    return dm.Sequential([dm.Dense(2, hidden), activation(), dm.Dense(hidden, 1)], seed=seed)


@pytest.fixture
def xor():
    return dm.datasets.xor(n=100, seed=0)


@pytest.fixture
def moons():
    return dm.datasets.moons(n=200, noise=0.15, seed=0)


# --- determinism and the history ------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm, options",
    [
        (evolve.genetic, {"mutation_scale": 0.2}),
        (evolve.evolution_strategy, {"sigma": 0.1, "lr": 0.05}),
    ],
)
def test_same_seed_gives_identical_weights_and_history(xor, algorithm, options):
    X, y = xor
    runs = [
        algorithm(
            mlp(),
            evolve.data_fitness(X, y),
            generations=8,
            population=10,
            seed=3,
            verbose=0,
            **options,
        )
        for _ in range(2)
    ]
    (first, h1), (second, h2) = runs
    np.testing.assert_array_equal(
        evolve.parameters_to_vector(first), evolve.parameters_to_vector(second)
    )
    assert h1 == h2
    other, _ = algorithm(
        mlp(), evolve.data_fitness(X, y), generations=8, population=10, seed=4, verbose=0, **options
    )
    assert not np.array_equal(
        evolve.parameters_to_vector(other), evolve.parameters_to_vector(first)
    )


def test_history_counts_generations_and_forward_passes(xor):
    X, y = xor
    _, history = evolve.genetic(
        mlp(), evolve.data_fitness(X, y), generations=5, population=12, verbose=0
    )
    assert isinstance(history, dm.History)
    assert set(history) == {"fitness", "evaluations", "loss", "accuracy"}
    assert all(len(values) == 5 for values in history.values())
    assert history["evaluations"] == [12, 24, 36, 48, 60]
    # the default fitness is minus the loss, and the recorded loss is the best candidate's
    np.testing.assert_allclose(history["fitness"], -np.asarray(history["loss"]), rtol=1e-5)
    # the evolution strategy also scores its centre every generation: population + 1 per generation
    _, history = evolve.evolution_strategy(
        mlp(), evolve.data_fitness(X, y), generations=3, population=10, verbose=0
    )
    assert history["evaluations"] == [11, 22, 33]


def test_elitism_never_loses_the_best(xor):
    X, y = xor
    _, history = evolve.genetic(
        mlp(),
        evolve.data_fitness(X, y),
        generations=15,
        population=10,
        elite=1,
        mutation_scale=0.5,
        verbose=0,
    )
    assert np.all(np.diff(history["fitness"]) >= -1e-6)


def test_returned_model_holds_the_recorded_best(xor):
    X, y = xor
    fitness = evolve.data_fitness(X, y)
    model, history = evolve.evolution_strategy(
        mlp(), fitness, generations=20, population=10, verbose=0
    )
    assert fitness(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


# --- it learns ----------------------------------------------------------------------------


def test_genetic_algorithm_solves_xor(xor):
    X, y = xor
    model = mlp()
    assert dm.accuracy(model.predict(X), y) < 0.9  # the untrained network does not
    model, history = evolve.genetic(
        model,
        evolve.data_fitness(X, y),
        generations=40,
        population=30,
        mutation_scale=0.2,
        verbose=0,
    )
    assert dm.accuracy(model.predict(X), y) == 1.0
    assert history["loss"][-1] < history["loss"][0]


def test_evolution_strategy_solves_xor(xor):
    X, y = xor
    model, _ = evolve.evolution_strategy(
        mlp(),
        evolve.data_fitness(X, y),
        generations=40,
        population=30,
        sigma=0.1,
        lr=0.05,
        verbose=0,
    )
    assert dm.accuracy(model.predict(X), y) == 1.0


@pytest.mark.parametrize("adam", [True, False])
def test_evolution_strategy_learns_two_moons(moons, adam):
    X, y = moons
    model, history = evolve.evolution_strategy(
        mlp(16),
        evolve.data_fitness(X, y),
        generations=100,
        population=30,
        sigma=0.1,
        lr=0.05 if adam else 0.5,
        adam=adam,
        verbose=0,
    )
    assert dm.accuracy(model.predict(X), y) >= 0.95
    assert history["accuracy"][-1] >= 0.95


def test_genetic_algorithm_learns_two_moons(moons):
    X, y = moons
    model, _ = evolve.genetic(
        mlp(16),
        evolve.data_fitness(X, y),
        generations=100,
        population=30,
        mutation_scale=0.1,
        verbose=0,
    )
    assert dm.accuracy(model.predict(X), y) >= 0.95


def test_softmax_classifier_with_integer_labels(moons):
    X, y = moons
    model = dm.Sequential([dm.Dense(2, 16), dm.Tanh(), dm.Dense(16, 2)], seed=0)
    model, history = evolve.evolution_strategy(
        model,
        evolve.data_fitness(X, y),
        generations=60,
        population=30,
        sigma=0.1,
        lr=0.05,
        verbose=0,
    )
    assert history["accuracy"][-1] >= 0.9
    # the recorded loss is the package's softmax cross-entropy of the returned model
    assert history["loss"][-1] == pytest.approx(
        dm.evaluate(model, dm.SoftmaxCrossEntropy(), X, y)["loss"], rel=1e-5
    )


# --- where backpropagation cannot go ----------------------------------------------------------


def test_step_activation_is_the_heaviside_function_and_refuses_backward():
    step = dm.Step()
    x = np.array([[-2.0, -0.0, 0.0, 1e-6, 3.0]])
    np.testing.assert_array_equal(step.forward(x), [[0, 0, 0, 1, 1]])
    with pytest.raises(RuntimeError, match="no useful gradient"):
        step.backward(np.ones_like(x))


def test_step_network_cannot_be_trained_by_backprop_but_can_be_evolved(moons):
    X, y = moons
    with pytest.raises(RuntimeError, match="no useful gradient"):
        model = mlp(16, dm.Step)
        dm.fit(
            model, dm.BinaryCrossEntropy(), dm.Adam(model.parameters()), X, y, epochs=1, verbose=0
        )
    model = mlp(16, dm.Step)
    before = dm.accuracy(model.predict(X), y)
    model, history = evolve.genetic(
        model,
        evolve.data_fitness(X, y, metric="accuracy"),
        generations=100,
        population=30,
        mutation_scale=0.2,
        verbose=0,
    )
    assert before < 0.9
    assert history["fitness"] == history["accuracy"]  # the score being optimised is the accuracy
    assert dm.accuracy(model.predict(X), y) >= 0.95


def test_any_python_function_is_a_fitness():
    """A gradient-free objective: steer a point on a line to a target in ten nudges (a game)."""
    controller = dm.Sequential(
        [dm.Dense(2, 1, init="zeros")], seed=0
    )  # (position, target) -> nudge

    def game(model) -> float:
        position, target = np.array([-1.0, 0.0, 2.0]), np.array([1.0, -1.0, 0.5])
        for _ in range(10):
            nudge = model.predict(np.c_[position, target])[:, 0]
            position = position + np.clip(nudge, -0.5, 0.5)  # a clipped actuator
        return -float(np.sum(np.round(np.abs(position - target), 1)))  # points, rounded: flat steps

    assert game(controller) < -4
    controller, history = evolve.evolution_strategy(
        controller, game, generations=40, population=20, sigma=0.2, lr=0.1, verbose=0
    )
    assert set(history) == {"fitness", "evaluations"}
    assert game(controller) >= -0.3


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm, scale", [(evolve.genetic, "mutation_scale"), (evolve.evolution_strategy, "sigma")]
)
@pytest.mark.parametrize(
    "bad, message",
    [
        ({"population": 1}, r"population must be a whole number in \[2, inf\), got 1"),
        ({"generations": 0}, r"generations must be a whole number in \[1, inf\), got 0"),
        ({"SCALE": 0.0}, r"must be a number in \(0, inf\), got 0.0"),
        ({"SCALE": -1.0}, r"must be a number in \(0, inf\), got -1.0"),
        ({"SCALE": float("nan")}, r"must be a number in \(0, inf\), got nan"),
        ({"SCALE": float("inf")}, r"must be a number in \(0, inf\), got inf"),
    ],
)
def test_bad_settings_are_refused(xor, algorithm, scale, bad, message):
    X, y = xor
    options = {(scale if key == "SCALE" else key): value for key, value in bad.items()}
    with pytest.raises(ValueError, match=message):
        algorithm(mlp(), evolve.data_fitness(X, y), verbose=0, **options)


def test_bad_elite_and_metric_are_refused(xor):
    X, y = xor
    with pytest.raises(ValueError, match="elite"):
        evolve.genetic(mlp(), evolve.data_fitness(X, y), population=4, elite=4, verbose=0)
    with pytest.raises(ValueError, match="metric"):
        evolve.data_fitness(X, y, metric="f1")
    with pytest.raises(ValueError, match="classification loss"):
        evolve.data_fitness(X, y, loss=dm.MeanSquaredError(), metric="accuracy")


def test_nan_fitness_names_the_generation():
    calls = []

    def fitness(model):
        calls.append(1)
        return float("nan") if len(calls) > 6 else 0.0  # fine for the first generation of 6

    with pytest.raises(ValueError, match="NaN in generation 2"):
        evolve.genetic(mlp(), fitness, generations=3, population=6, verbose=0)


# --- one weight at a time -------------------------------------------------------------------


def test_get_and_set_a_single_weight():
    model = mlp()
    assert evolve.get_weight(model, "0.weights", (1, 2)) == pytest.approx(
        float(model.layers[0].weights.value[1, 2])
    )
    evolve.set_weight(model, "0.weights", (1, 2), 0.25)
    evolve.set_weight(model, "2.bias", 0, -1.5)
    assert model.layers[0].weights.value[1, 2] == pytest.approx(0.25)
    assert evolve.get_weight(model, "2.bias", 0) == -1.5
    vector = evolve.parameters_to_vector(model)
    assert vector[1 * 8 + 2] == pytest.approx(0.25)  # row-major: weights (2, 8), row 1, column 2
    x = np.ones((1, 2), dtype=np.float32)
    before = model.predict(x)
    evolve.set_weight(model, "2.bias", 0, 0.5)
    np.testing.assert_allclose(model.predict(x) - before, 2.0, rtol=1e-5)  # the bias moved by +2


@pytest.mark.parametrize(
    "name, index, message",
    [
        ("0.weight", (0, 0), "no parameter '0.weight'"),
        ("3.weights", (0, 0), "no parameter"),
        ("0.weights", (2, 0), "does not fit"),
        ("0.weights", (0, 8), "does not fit"),
        ("0.weights", (0, -1), "does not fit"),
        ("0.weights", 0, "does not fit"),
        ("0.bias", (0, 0), "does not fit"),
    ],
)
def test_single_weight_rejects_bad_names_and_indices(name, index, message):
    model = mlp()
    with pytest.raises(ValueError, match=message):
        evolve.get_weight(model, name, index)
    with pytest.raises(ValueError, match=message):
        evolve.set_weight(model, name, index, 1.0)


def test_parameters_as_one_vector_round_trip(rng):
    model = dm.Sequential([dm.Dense(5, 16), dm.ReLU(), dm.Dropout(0.5), dm.Dense(16, 3)], seed=0)
    vector = evolve.parameters_to_vector(model)
    assert vector.shape == (5 * 16 + 16 + 16 * 3 + 3,)
    assert np.array_equal(vector[:80], model.layers[0].weights.value.ravel())
    new = rng.normal(size=vector.shape).astype(np.float32)
    evolve.vector_to_parameters(model, new)
    assert np.array_equal(evolve.parameters_to_vector(model), new)
    assert np.array_equal(model.layers[3].bias.value, new[-3:])
    with pytest.raises(ValueError, match=r"flat vector of 147 numbers, got shape \(146,\)"):
        evolve.vector_to_parameters(model, new[:-1])
    with pytest.raises(ValueError, match="flat vector"):
        evolve.vector_to_parameters(model, new.reshape(3, 49))
