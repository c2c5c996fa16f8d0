"""Training without backpropagation: evolve the weights instead of differentiating them.

A network is a function of one long vector of numbers ``theta`` (every weight
and bias, flattened: `parameters_to_vector`, below). Backpropagation asks
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
(`dm.Step`) and optimise scores you cannot differentiate (accuracy, a game's
points). The price: each step costs a whole population of forward passes, and
the number needed grows with the number of weights. Both functions return
``(model, history)``: the model holds the best weights found, and the history
has one entry per *generation* in `dm.fit`'s `History` format ("fitness", the
running count "evaluations" of fitness calls, i.e. forward passes over the
data, and "loss"/"accuracy" when the fitness comes from `data_fitness`).

Nothing learned is lost: if the fitness (or its loss) raises or returns NaN,
if a candidate's weights do not fit the model's dtype, or on Ctrl-C (a second
one during the clean-up included), the model is left with the best vector seen
so far (its start, before any score: checked finite, like every vector loaded
after its cast), and the history so far is returned (Ctrl-C, with a
`stop_reason`) or attached to the error as ``error.history``. The same contract
as `dm.fit`'s `guard`.

The model is a function of one flat vector here, so this module also holds
the helpers that read and write the weights that way: `parameters_to_vector`,
`vector_to_parameters`, and `get_weight` / `set_weight` for a single number;
and `dm.Step`, the neuron only evolution can train.
"""

import numbers

import numpy as np

from . import checks
from .activations import Activation
from .apps.accuracy import accuracy
from .backend import Array, array_namespace, dtype_name, to_numpy
from .init import as_generator
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .optim import SGD, Adam
from .parameter import Parameter
from .training import History

# --- the weights as one vector, or one number at a time --------------------------------------


NEEDS = ("parameters", "get_weights", "set_weights")  # all that evolution asks of a model


def _a_model(model, owner: str, needs: tuple = NEEDS):
    """`model` if it has the methods `needs`, else plain words (None, a class, swapped order)."""
    if isinstance(model, type) or not all(hasattr(model, name) for name in needs):
        raise ValueError(
            f"{owner}: model must be a network such as dm.Sequential([...]), got {model!r:.60}"
        )
    return model


def parameters_to_vector(model) -> np.ndarray:
    """All parameters flattened into one NumPy vector (weights then bias, layer by layer)."""
    weights = _a_model(model, "parameters_to_vector").get_weights()
    return np.concatenate([w.ravel() for w in weights])


def vector_to_parameters(model, vector) -> None:
    """Inverse of `parameters_to_vector`: fill every parameter from one flat vector."""
    _a_model(model, "vector_to_parameters")
    dtype = getattr(model, "dtype", None)  # a Sequential's; any model with the three methods works
    vector = checks.real_array(vector, "vector_to_parameters: the vector", dtype)
    sizes = [p.size for p in model.parameters()]
    if vector.ndim != 1 or vector.size != sum(sizes):
        raise ValueError(
            f"vector_to_parameters expected a flat vector of {sum(sizes)} numbers, "
            f"got shape {vector.shape}"
        )
    pieces = np.split(vector, np.cumsum(sizes)[:-1])
    model.set_weights([piece.reshape(p.shape) for piece, p in zip(pieces, model.parameters())])


def _locate(model, name: str, index, owner: str) -> tuple[Parameter, tuple]:
    named = dict(_a_model(model, owner, ("named_parameters",)).named_parameters())
    index = tuple(np.atleast_1d(index).tolist())
    if name not in named:
        raise ValueError(
            f"the model has no parameter {name!r}; its parameters are {', '.join(named)}"
        )
    shape = named[name].shape
    fits = len(index) == len(shape) and all(
        isinstance(i, int) and 0 <= i < n for i, n in zip(index, shape)
    )
    if not fits:
        raise ValueError(f"index {index} does not fit parameter {name!r} of shape {shape}")
    return named[name], index


def get_weight(model, name: str, index) -> float:
    """One number: ``get_weight(model, "0.weights", (1, 2))``, from input 1 to unit 2 in layer 0.

    `name` is a dotted name from `named_parameters`; `index` has one whole
    number per axis of that parameter (a bias takes a single number).
    """
    parameter, index = _locate(model, name, index, "get_weight")
    return float(to_numpy(parameter.value[index]))


def set_weight(model, name: str, index, value: float) -> None:
    """Change one number in place, e.g. ``set_weight(model, "0.bias", 3, 0.5)``."""
    parameter, index = _locate(model, name, index, "set_weight")
    value = checks.number("value", value, "(-inf, inf)", owner="set_weight")
    checks.real_array(value, "set_weight: value", dtype_name(parameter.value))  # after the cast
    parameter.value[index] = value


# --- a neuron that backpropagation cannot train -------------------------------------------


class Step(Activation):
    """The Heaviside step ``f(x) = 1 if x > 0 else 0``: a neuron that fires or does not.

    Its derivative is 0 everywhere except at 0, where it does not exist, so the
    chain rule passes back nothing but zeros: backpropagation cannot train it,
    and `backward` says so instead of silently returning zeros. Evolution
    (`dm.evolve`) can.
    """

    def function(self, x: Array) -> Array:
        return array_namespace(x).astype(x > 0, x.dtype)

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array:
        # its derivative is 0 wherever it exists: say so rather than pass back zeros
        raise RuntimeError("Step has no useful gradient, so backpropagation cannot train it")


# --- fitness ----------------------------------------------------------------------------------


class DataFitness:
    """``fitness(model)`` from a data set: minus the mean loss, or the accuracy (higher is better).

    Made by `data_fitness(X, y, loss=None, metric="loss")`. The loss defaults to
    the classifier's: binary cross-entropy for one output column, softmax
    cross-entropy otherwise. `metric="loss"` is smooth, so small changes of the
    weights show in the score; `metric="accuracy"` is flat between jumps, but
    it is the number people care about, and evolution can optimise it directly.
    Each call is one forward pass of the whole data set, in batches (no Python
    loop over examples). X and y are checked once, here.
    """

    def __init__(self, X, y, loss=None, metric: str = "loss"):
        if metric not in ("loss", "accuracy"):
            raise ValueError(f"metric must be 'loss' or 'accuracy', got {metric!r}")
        if loss is not None and (isinstance(loss, type) or not hasattr(loss, "check_targets")):
            raise ValueError(
                f"data_fitness: loss must be a loss object such as dm.SoftmaxCrossEntropy(), "
                f"got {loss!r:.60}"
            )
        if metric == "accuracy" and loss is not None and not loss.classifier:
            raise ValueError(f"metric='accuracy' needs a classification loss, got {loss!r}")
        self.X = checks.real_array(X, "data_fitness: X", ndim=2)
        self.y = checks.real_array(y, "data_fitness: y")
        if len(self.y) != len(self.X) or not len(self.X):
            raise ValueError(f"data_fitness: X has {len(self.X)} rows and y {len(self.y)}")
        self.loss = loss
        self.metric = metric
        self.checked = False

    def logs(self, outputs) -> dict:
        """Loss (and accuracy, for a classifier) of one candidate's outputs ``(batch, n_out)``."""
        loss = self.loss or (
            BinaryCrossEntropy() if outputs.shape[-1] == 1 else SoftmaxCrossEntropy()
        )
        if not self.checked:  # the targets, once, against the first outputs seen
            loss.check_targets(self.y, outputs.shape[-1], where="data_fitness: y")
            self.checked = True
        logs = {"loss": loss.forward(outputs, self.y)}
        if loss.classifier:
            logs["accuracy"] = accuracy(to_numpy(outputs), self.y)
        return logs

    def __call__(self, model) -> float:
        logs = self.logs(model.outputs(self.X))
        return logs["accuracy"] if self.metric == "accuracy" else -logs["loss"]


data_fitness = DataFitness  # the documented way to make one: dm.evolve.data_fitness(X, y)


# --- the two algorithms -----------------------------------------------------------------------


class _Run:
    """What both algorithms share: scoring, the history, and the best vector seen so far.

    Used as a context manager: on an error or Ctrl-C the model is left with the
    best vector seen (or its start) and the history is kept.
    """

    def __init__(self, model, fitness, generations: int, verbose: int, what: str):
        from tqdm.auto import tqdm  # imported when used, like dm.fit's bar

        self.model = model
        self.fitness = fitness
        self.history = History()
        self.best = parameters_to_vector(model).astype(np.float64)
        self.best_score = -np.inf
        self.evaluations = 0
        self.progress = tqdm(range(1, generations + 1), desc=what, unit="gen", disable=not verbose)

    def scores(self, vectors: np.ndarray, generation: int) -> np.ndarray:
        """The fitness of every row of `vectors`: load each into the model and ask the fitness."""
        scores = np.empty(len(vectors))
        for k, vector in enumerate(vectors):
            vector_to_parameters(self.model, vector)
            score = self.fitness(self.model)
            if not isinstance(score, numbers.Real) or isinstance(score, (bool, np.bool_)):
                raise ValueError(f"the fitness must return a number, a real one, got {score!r:.60}")
            if np.isnan(score):
                raise ValueError(
                    f"the fitness returned NaN in generation {generation}; it must return a number"
                )
            scores[k] = score
            self.evaluations += 1
        return scores

    def record(self, vector: np.ndarray, score: float) -> None:
        """Log one generation, measured on `vector` (loss/accuracy too, for a data fitness)."""
        if score > self.best_score:  # a copy: an optimizer may change `vector` in place
            self.best = np.array(vector)
            self.best_score = float(score)
        vector_to_parameters(self.model, vector)
        logs = {"fitness": float(score), "evaluations": self.evaluations}
        if hasattr(self.fitness, "logs"):  # a data fitness also reports its loss and accuracy
            logs.update(self.fitness.logs(self.model.outputs(self.fitness.X)))
        self.history.append(logs)
        self.progress.set_postfix(fitness=f"{score:.4f}", refresh=False)

    def __enter__(self) -> "_Run":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        interrupted = kind is KeyboardInterrupt
        while True:  # a second Ctrl-C during this clean-up: do it again, then end as for the first
            try:
                vector_to_parameters(self.model, self.best)  # finite: checked at the start
                self.progress.close()
                break
            except KeyboardInterrupt:
                interrupted = True
        if interrupted and (error is None or kind is KeyboardInterrupt):
            self.history.stop_reason = "interrupted (Ctrl-C); the best weights so far are kept"
            return True  # swallowed: the caller returns the history so far
        if error is not None:
            error.history = self.history
        return False


def _check(model, fitness, generations, population, scale: float, scale_name: str, owner: str):
    """Every setting in plain words, before any work: sizes, the model, the fitness."""
    checks.number("generations", generations, "[1, inf)", whole=True, owner=owner)
    checks.number("population", population, "[2, inf)", whole=True, owner=owner)
    checks.number(scale_name, scale, "(0, inf)", owner=owner)
    _a_model(model, owner)
    if isinstance(fitness, type) or not callable(fitness):
        raise ValueError(
            f"{owner}: fitness must be a function of the model that returns a number, such as "
            f"evolve.data_fitness(X, y), got {fitness!r:.60}"
        )
    start = parameters_to_vector(model)
    checks.affordable(
        population * start.size * 8.0,
        f"{owner}: a population of {population:,} vectors of {start.size:,} numbers (float64)",
    )
    if not np.all(np.isfinite(start)):
        raise ValueError(
            f"{owner}: the model's weights hold NaN or infinite values, so no score means "
            "anything; draw fresh ones with model.initialize(seed) or load finite ones"
        )


# shown in notebooks/10_training_without_backprop.ipynb
def genetic(
    model,
    fitness,
    generations: int = 100,
    population: int = 50,
    mutation_scale: float = 0.1,
    elite: int = 2,
    tournament: int = 3,
    seed=0,
    verbose: int = 1,
) -> tuple:
    """Evolve `model`'s weights with a genetic algorithm; returns ``(model, History)``.

    The first population is the model's own weights plus mutated copies of them.
    Per generation: score everyone, keep the `elite` best as they are, fill the
    rest with children of tournament-selected parents (uniform crossover, then
    Gaussian mutation of size `mutation_scale`). Elitism means the best score
    never gets worse (for a fitness without noise). The model ends with the
    best weights seen.
    """
    _check(model, fitness, generations, population, mutation_scale, "mutation_scale", "genetic")
    checks.number("elite", elite, f"[0, {population})", whole=True, owner="genetic")
    checks.number("tournament", tournament, f"[1, {population}]", whole=True, owner="genetic")
    rng = as_generator(seed)
    with _Run(model, fitness, generations, verbose, "genetic") as run:
        parent = run.best
        people = parent + mutation_scale * rng.standard_normal((population, parent.size))
        for generation in run.progress:
            scores = run.scores(people, generation)
            order = np.argsort(-scores, kind="stable")  # best first; ties keep their order
            run.record(people[order[0]], scores[order[0]])
            # a tournament per parent of each child: the fittest of `tournament` drawn at random
            contestants = rng.integers(0, population, size=(2, population - elite, tournament))
            best_of_each = np.argmax(scores[contestants], axis=-1)[..., None]
            winners = np.take_along_axis(contestants, best_of_each, -1)
            mothers = people[winners[0, :, 0]]
            fathers = people[winners[1, :, 0]]
            children = np.where(rng.random(mothers.shape) < 0.5, mothers, fathers)  # crossover
            children += mutation_scale * rng.standard_normal(children.shape)  # mutation
            people = np.concatenate([people[order[:elite]], children])
    return model, run.history


# shown in notebooks/10_training_without_backprop.ipynb
def evolution_strategy(
    model,
    fitness,
    generations: int = 100,
    population: int = 50,
    sigma: float = 0.1,
    lr: float = 0.03,
    adam: bool = True,
    seed=0,
    verbose: int = 1,
) -> tuple:
    """Climb the fitness with gradients estimated from random probes; returns ``(model, History)``.

    Each generation probes ``pairs = population // 2`` antithetic pairs
    ``theta +- sigma eps_i`` and also scores ``theta`` itself (one more forward
    pass, to know which ``theta`` was best). The estimate
    ``g = sum_i (r_i+ - r_i-) eps_i / (2 pairs sigma)`` uses the centred ranks
    ``r`` of the scores. ``theta`` is a `dm.Parameter` and climbs with `dm.Adam`
    (or `dm.SGD`, plain ascent ``theta += lr * g``, with ``adam=False``) given
    ``-g`` as its gradient: the optimizers descend, and we climb. The model ends
    with the best ``theta`` seen.
    """
    _check(model, fitness, generations, population, sigma, "sigma", "evolution_strategy")
    checks.number("lr", lr, "(0, inf)", owner="evolution_strategy")
    if not isinstance(adam, (bool, np.bool_)):  # "no" would be true, and pick Adam
        raise ValueError(f"evolution_strategy: adam must be True or False, got {adam!r:.60}")
    rng = as_generator(seed)
    pairs = population // 2
    with _Run(model, fitness, generations, verbose, "evolution strategy") as run:
        theta = Parameter(run.best.copy())
        optimizer = (Adam if adam else SGD)([theta], lr=lr)  # on the host, like theta
        for generation in run.progress:
            eps = rng.standard_normal((pairs, theta.size))
            probes = np.concatenate(
                [theta.value[None], theta.value + sigma * eps, theta.value - sigma * eps]
            )
            scores = run.scores(probes, generation)
            run.record(theta.value, scores[0])
            # rank of each probe's score (argsort of argsort), spread evenly over [-0.5, 0.5]
            ranks = np.argsort(np.argsort(scores[1:], kind="stable")) / (2 * pairs - 1) - 0.5
            theta.grad = -(ranks[:pairs] - ranks[pairs:]) @ eps / (2 * pairs * sigma)
            optimizer.step()
    return model, run.history
