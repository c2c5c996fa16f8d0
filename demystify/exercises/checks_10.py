"""Checkers for the exercises of notebook 10; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.

`es_gradient` is checked twice over: its numbers against the antithetic
formula on the same probes (a quadratic, whose gradient is known exactly, and
a small network scored by `dm.evolve.data_fitness`), and its *direction*
against backpropagation's exact gradient of the same network (`model.backward`),
with many probes: the two must point the same way, and the cosine is printed.
"""

import numpy as np

from .. import activations, backend, evolve, layers, losses, model
from ..datasets import moons
from .harness import cases, checker, describe

__all__: list[str] = ["es_gradient"]


def _quadratic(rng, d: int):
    """F(theta) = -1/2 |A theta - b|^2, and its exact gradient."""
    A, b = rng.normal(size=(d, d)) / np.sqrt(d), rng.normal(size=d)

    def fitness(theta):
        return -0.5 * float(np.sum((A @ theta - b) ** 2))

    return fitness, lambda theta: -A.T @ (A @ theta - b)


def _network(seed: int):
    """A 2-4-1 tanh network on 40 moons (float64), its data fitness and backprop's gradient."""
    X, y = moons(n=40, noise=0.2, seed=seed)
    net = model.Sequential(
        [layers.Dense(2, 4), activations.Tanh(), layers.Dense(4, 1)], seed=seed, dtype="float64"
    )
    score = evolve.data_fitness(X, y)  # minus the mean binary cross-entropy

    def fitness(theta):
        evolve.vector_to_parameters(net, theta)
        return score(net)

    def gradient(theta):  # backprop: the exact gradient of the loss; the fitness is minus it
        evolve.vector_to_parameters(net, theta)
        loss = losses.BinaryCrossEntropy()
        net.zero_grad()
        loss.forward(net.forward(backend.asarray(X, "float64")), y)
        net.backward(loss.backward())
        return -np.concatenate([backend.to_numpy(p.grad).ravel() for p in net.parameters()])

    return fitness, gradient, evolve.parameters_to_vector(net).astype(np.float64)


def _watched(run, fitness, theta):
    """The fitness as the learner gets it: it scores one vector of theta's shape at a time."""

    def one_vector(vector):
        shape = np.shape(vector)
        if shape != theta.shape:
            run.fail(
                f"fitness was given an array of shape {shape}; it scores one vector of shape "
                f"{theta.shape} per call.",
                "score the probes one at a time: one call per row of eps, for theta + sigma * "
                "that row, and one for theta - sigma * that row",
            )
        return fitness(np.asarray(vector, dtype=np.float64))

    return one_vector


def _mistakes(fitness, theta, eps, sigma, expected):
    """(hint, what that mistake returns) for the classic errors of the antithetic estimate."""
    n = len(eps)
    plus = np.array([fitness(theta + sigma * e) for e in eps])
    centre = fitness(theta)
    return [
        ("watch the sign: F(theta + sigma eps) - F(theta - sigma eps), in that order", -expected),
        ("divide by 2 n sigma: the two probes of a pair lie 2 sigma apart", 2 * expected),
        (
            "the estimate is 1/sigma times too large: are the probes theta +- sigma * eps_i, "
            "and is there only one factor 1/sigma?",
            expected / sigma,
        ),
        ("divide by sigma too: the probes lie sigma * eps_i away from theta", sigma * expected),
        ("mean vs sum: average over the n probe pairs (divide by n)", n * expected),
        (
            "use both probes of each pair (antithetic): F(theta + sigma eps_i) - "
            "F(theta - sigma eps_i), not F(theta + sigma eps_i) alone",
            plus @ eps / (n * sigma),
        ),
        (
            "use both probes of each pair (antithetic): F(theta + sigma eps_i) - "
            "F(theta - sigma eps_i), not F(theta + sigma eps_i) alone",
            plus @ eps / (2 * n * sigma),
        ),
        (
            "that is the one-sided difference F(theta + sigma eps_i) - F(theta): use the "
            "antithetic pair F(theta + sigma eps_i) - F(theta - sigma eps_i)",
            (plus - centre) @ eps / (n * sigma),
        ),
        (
            "the probes are theta +- sigma * eps_i: scale eps by sigma before adding it to theta",
            lambda: (
                np.array([fitness(theta + e) - fitness(theta - e) for e in eps])
                @ eps
                / (2 * n * sigma)
            ),
        ),
        (
            "add the probes' contributions up over the n pairs (axis 0) into one vector of "
            "shape (d,)",
            lambda: (
                (plus - np.array([fitness(theta - sigma * e) for e in eps]))[:, None]
                * eps
                / (2 * n * sigma)
            ),
        ),
    ]


def _antithetic(fitness, theta, eps, sigma):
    """The formula: sum_i (F(theta + sigma eps_i) - F(theta - sigma eps_i)) eps_i / (2 n sigma)."""
    difference = [fitness(theta + sigma * e) - fitness(theta - sigma * e) for e in eps]
    return np.array(difference) @ eps / (2 * len(eps) * sigma)


def _cosine(a, b) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@checker
def es_gradient(run, es_gradient):
    """Check ``es_gradient(fitness, theta, eps, sigma) -> (d,)``, the antithetic ES estimate.

    Cases 1 and 2 compare the numbers with the formula on the same probes (a
    quadratic; a small network's data fitness); case 3 gives 400 probe pairs and
    compares the direction with backpropagation's exact gradient.
    """
    rngs = cases((0, 1, 2))
    quadratic, _ = _quadratic(rngs[0], 5)
    network, backprop, start = _network(seed=1)
    settings = [
        (quadratic, rngs[0].normal(size=5), rngs[0].standard_normal((4, 5)), 0.1, "a quadratic"),
        (network, start, rngs[1].standard_normal((6, start.size)), 0.05, "a 2-4-1 network"),
    ]
    for number, (fitness, theta, eps, sigma, what) in enumerate(settings, start=1):
        args = {"fitness": fitness, "theta": theta, "eps": eps, "sigma": sigma}
        run.case = f"{number}, {what}, with {describe(args)}"
        expected = _antithetic(fitness, theta, eps, sigma)
        received = run.call(
            es_gradient, "es_gradient", {**args, "fitness": _watched(run, fitness, theta)}
        )
        run.compare(
            "the gradient estimate",
            expected,
            received,
            mistakes=_mistakes(fitness, theta, eps, sigma, expected),
        )
    # case 3: many probes on the network; the estimate must point where backprop's gradient does
    pairs, sigma = 400, 0.01
    eps = rngs[2].standard_normal((pairs, start.size))
    run.case = f"3, the 2-4-1 network again, {pairs} probe pairs, sigma {sigma}"
    received = run.call(
        es_gradient,
        "es_gradient",
        {"fitness": _watched(run, network, start), "theta": start, "eps": eps, "sigma": sigma},
    )
    estimate = np.asarray(received, dtype=float).ravel()
    exact = backprop(start)
    if estimate.shape != exact.shape:
        run.fail(f"the estimate has shape {np.shape(received)}; expected ({start.size},)")
    cosine = _cosine(estimate, exact)
    if not cosine > 0.9:
        run.fail(
            f"with {pairs} probe pairs the estimate should point where backprop's gradient "
            f"points (cosine near 1), but the cosine is {cosine:.3f}.",
            "the fitness is minus the loss, so the estimate should point uphill in fitness: "
            "F(theta + sigma eps_i) - F(theta - sigma eps_i) times eps_i",
        )
    print(
        f"   {pairs} probe pairs ({2 * pairs} forward passes) on {start.size} weights: cosine "
        f"with backprop's gradient {cosine:.3f}"
    )
    run.passed += 1
