"""Training without backpropagation: evolve the weights instead of differentiating them.

A network is a function of one long vector of numbers ``theta`` (every weight
and bias, flattened: `Sequential.parameters_to_vector`). Backpropagation asks
the loss *which way is downhill* through the chain rule. Evolution only asks
*how good is this vector?* -- a *fitness* ``F(theta)``, any function of the
model that returns a number, higher is better -- and tries many vectors:

* A **genetic algorithm** (`genetic`) keeps a population of vectors. Each
  generation it scores them all, keeps the `elite` best unchanged, and breeds
  the rest: two parents are picked by *tournament* (the fittest of a few drawn
  at random), a child takes each number from one parent or the other by a coin
  flip (*uniform crossover*), and then every number is nudged by Gaussian noise
  (*mutation*): ``child = where(coin, mother, father) + mutation_scale * N(0, 1)``.
* An **evolution strategy** (`evolution_strategy`, the OpenAI 2017 recipe) keeps
  one vector ``theta`` and *estimates* the gradient of the fitness from random
  probes: with ``eps_i ~ N(0, I)``,
  ``g = 1/(n sigma) * sum_i F(theta + sigma eps_i) eps_i``, which is the exact
  gradient of the fitness smoothed by Gaussian noise of width ``sigma``. Each
  probe is used twice, ``theta + sigma eps`` and ``theta - sigma eps``
  (*antithetic* sampling: the constant part of F cancels), and the raw scores
  are replaced by their ranks spread evenly over ``[-0.5, 0.5]`` (*rank
  normalisation*: one huge score cannot dominate, and the step size no longer
  depends on the scale of F). Then ``theta`` climbs with Adam (or plain
  gradient ascent, ``adam=False``).

Neither needs a derivative, so both train networks whose pieces have none
(`Step`, below) and optimise scores you cannot differentiate (accuracy, a game's
points). The price: each step costs a whole population of forward passes, and
the number needed grows with the number of weights. Both functions return
``(model, history)``: the model holds the best weights found, and the history
has one entry per *generation* in `dm.fit`'s `History` format ("fitness", the
running count "evaluations" of fitness calls, i.e. forward passes over the
data, and "loss"/"accuracy" when the fitness comes from `data_fitness`).
"""
import numpy as np

from . import backend
from .activations import Activation
from .init import as_generator
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .metrics import accuracy
from .training import History, _is_classifier


class Step(Activation):
    """The Heaviside step ``f(x) = 1 if x > 0 else 0``: a neuron that fires or does not.

    Its derivative is 0 everywhere except at 0, where it does not exist, so the
    chain rule passes back nothing but zeros: backpropagation cannot train it,
    and `backward` says so instead of silently returning zeros. Evolution can.
    """

    def function(self, x):
        return backend.namespace().astype(x > 0, x.dtype)

    def backward(self, grad_out, input_grad: bool = True):
        raise RuntimeError("Step has no useful gradient (its derivative is 0 wherever it exists), so "
                           "backpropagation cannot train it; use dm.evolve instead")


class DataFitness:
    """``fitness(model)`` from a data set: minus the mean loss, or the accuracy (higher is better).

    Made by `data_fitness(X, y, loss=None, metric="loss")`. The loss defaults to
    the classifier's: binary cross-entropy for one output column, softmax
    cross-entropy otherwise. `metric="loss"` is smooth, so small changes of the
    weights show in the score; `metric="accuracy"` is flat between jumps, but
    it is the number people care about, and evolution can optimise it directly.
    Each call is one forward pass of the whole data set, in batches (no Python
    loop over examples).
    """

    def __init__(self, X, y, loss=None, metric: str = "loss"):
        if metric not in ("loss", "accuracy"):
            raise ValueError(f"metric must be 'loss' or 'accuracy', got {metric!r}")
        if metric == "accuracy" and loss is not None and not _is_classifier(loss):
            raise ValueError(f"metric='accuracy' needs a classification loss, got {loss!r}")
        self.X, self.y, self.loss, self.metric = X, y, loss, metric

    def logs(self, outputs) -> dict:
        """Loss (and accuracy, for a classifier) of one candidate's outputs ``(batch, n_out)``."""
        loss = self.loss or (BinaryCrossEntropy() if outputs.shape[-1] == 1 else SoftmaxCrossEntropy())
        logs = {"loss": loss.forward(outputs, self.y)}
        return {**logs, "accuracy": accuracy(outputs, self.y)} if _is_classifier(loss) else logs

    def __call__(self, model) -> float:
        logs = self.logs(backend.asarray(model.predict(self.X)))
        return logs["accuracy"] if self.metric == "accuracy" else -logs["loss"]


data_fitness = DataFitness  # the documented way to make one: dm.evolve.data_fitness(X, y)


def _check(generations, population, scale, scale_name: str) -> None:
    for ok, rule, value in ((generations >= 1, "generations must be at least 1", generations),
                            (population >= 2, "population must be at least 2", population),
                            (scale > 0, f"{scale_name} must be positive", scale)):  # NaN > 0 is False
        if not ok or isinstance(value, bool):
            raise ValueError(f"{rule}, got {value!r}")


def _evaluate(model, fitness, vectors, generation: int) -> np.ndarray:
    """The fitness of every row of `vectors`: load each into the model and ask the fitness."""
    scores = []
    for vector in vectors:
        model.vector_to_parameters(vector)
        scores.append(float(fitness(model)))
    if np.any(np.isnan(scores)):
        raise ValueError(f"the fitness returned NaN in generation {generation}; it must return a number")
    return np.asarray(scores, dtype=np.float64)


def _record(history, progress, model, fitness, vector, score: float, evaluations: int) -> None:
    """Put `vector` into the model and log one generation (loss/accuracy for a data fitness)."""
    model.vector_to_parameters(vector)
    extra = fitness.logs(backend.asarray(model.predict(fitness.X))) if isinstance(fitness, DataFitness) else {}
    history.append({"fitness": float(score), "evaluations": evaluations, **extra})
    progress.set_postfix(fitness=f"{score:.4f}", refresh=False)


def _progress(generations: int, verbose: int, what: str):
    from tqdm.auto import tqdm  # imported when used, like dm.fit's bar
    return tqdm(range(1, generations + 1), desc=what, unit="gen", disable=not verbose)


def genetic(model, fitness, generations: int = 100, population: int = 50, mutation_scale: float = 0.1,
            elite: int = 2, tournament: int = 3, seed=0, verbose: int = 1):
    """Evolve `model`'s weights with a genetic algorithm; returns ``(model, History)``.

    The first population is the model's own weights plus mutated copies of them.
    Per generation: score everyone, keep the `elite` best as they are, fill the
    rest with children of tournament-selected parents (uniform crossover, then
    Gaussian mutation of size `mutation_scale`). Elitism means the best score
    never gets worse (for a fitness without noise). The model ends with the
    best weights of the last generation.
    """
    _check(generations, population, mutation_scale, "mutation_scale")
    if not (0 <= elite < population and 1 <= tournament <= population):
        raise ValueError(f"need 0 <= elite < population and 1 <= tournament <= population, got "
                         f"elite={elite!r}, tournament={tournament!r} for population={population}")
    rng, parent, history = as_generator(seed), model.parameters_to_vector().astype(np.float64), History()
    people = parent + mutation_scale * rng.standard_normal((population, parent.size))
    for generation in (progress := _progress(generations, verbose, "genetic")):
        scores = _evaluate(model, fitness, people, generation)
        order = np.argsort(-scores, kind="stable")  # best first; ties keep their order
        _record(history, progress, model, fitness, people[order[0]], scores[order[0]], generation * population)
        # a tournament per parent of each child: the fittest of `tournament` people drawn at random
        contestants = rng.integers(0, population, size=(2, population - elite, tournament))
        winners = np.take_along_axis(contestants, np.argmax(scores[contestants], axis=-1)[..., None], -1)
        mothers, fathers = people[winners[0, :, 0]], people[winners[1, :, 0]]
        children = np.where(rng.random(mothers.shape) < 0.5, mothers, fathers)  # uniform crossover
        children += mutation_scale * rng.standard_normal(children.shape)  # Gaussian mutation
        people = np.concatenate([people[order[:elite]], children])
    return model, history


def evolution_strategy(model, fitness, generations: int = 100, population: int = 50, sigma: float = 0.1,
                       lr: float = 0.03, adam: bool = True, seed=0, verbose: int = 1):
    """Climb the fitness with gradients estimated from random probes; returns ``(model, History)``.

    Each generation probes ``pairs = population // 2`` antithetic pairs
    ``theta +- sigma eps_i`` and also scores ``theta`` itself (one more forward
    pass, to know which ``theta`` was best). The estimate
    ``g = sum_i (r_i+ - r_i-) eps_i / (2 pairs sigma)`` uses the centred ranks
    ``r`` of the scores; then Adam (running means ``m``, ``v`` of ``g`` and
    ``g**2``, bias-corrected as in `dm.Adam`) or plain ascent ``theta += lr * g``
    (``adam=False``). The model ends with the best ``theta`` seen.
    """
    _check(generations, population, sigma, "sigma")
    rng, theta, history = as_generator(seed), model.parameters_to_vector().astype(np.float64), History()
    pairs, m, v, best, best_score = population // 2, 0.0, 0.0, theta, -np.inf
    for generation in (progress := _progress(generations, verbose, "evolution strategy")):
        eps = rng.standard_normal((pairs, theta.size))
        probes = np.concatenate([theta[None], theta + sigma * eps, theta - sigma * eps])
        scores = _evaluate(model, fitness, probes, generation)
        best, best_score = (theta, scores[0]) if scores[0] > best_score else (best, best_score)
        _record(history, progress, model, fitness, theta, scores[0], generation * len(probes))
        # rank of each probe's score (argsort of argsort), spread evenly over [-0.5, 0.5]
        ranks = np.argsort(np.argsort(scores[1:], kind="stable")) / (2 * pairs - 1) - 0.5
        g = (ranks[:pairs] - ranks[pairs:]) @ eps / (2 * pairs * sigma)
        if adam:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            g = m / (1 - 0.9 ** generation) / (np.sqrt(v / (1 - 0.999 ** generation)) + 1e-8)
        theta = theta + lr * g
    model.vector_to_parameters(best)
    return model, history
