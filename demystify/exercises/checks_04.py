"""Checkers for the exercises of notebook 04; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

import numpy as np

from .. import activations, layers, model
from .harness import cases, checker, dense_layer, describe

__all__: list[str] = ["dense_backward", "sequential_backward"]

# (layer sizes, activation between them, batch): a square network first, so that walking the
# layers in the wrong order still runs (and is named) instead of stopping at a shape mismatch
_NETWORKS = (
    ((3, 3, 3), activations.Tanh, 4),
    ((2, 4, 4, 3), activations.ReLU, 5),
    ((3, 2), None, 6),  # one layer alone: the loop must work for a list of one
)


def _network(sizes, activation, seed: int) -> model.Sequential:
    """A fresh float64 network of Dense layers with `activation` between them."""
    stack = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack.append(layers.Dense(n_in, n_out))
        if k < len(sizes) - 2:
            stack.append(activation())
    return model.Sequential(stack, seed=seed, dtype="float64")


def _walk(network, x, grad_out, kind: str):
    """Forward, then one way of walking the layers backward: the right one or a known mistake.

    Returns (what the walk returns, the parameters' gradients)."""
    network.forward(x)
    network.zero_grad()
    order = list(network.layers)
    if kind == "right":
        grad = network.backward(grad_out)  # the library's own chain
    else:
        steps = {
            "first to last": order,
            "not handed on": order[::-1],
            "first layer left out": order[:0:-1],
            "twice": order[::-1],
        }[kind]
        grad = grad_out
        for layer in steps:
            grad = layer.backward(grad_out if kind == "not handed on" else grad)
        if kind == "twice":  # each backward called a second time: the gradients pile up twice
            grad = grad_out
            for layer in steps:
                grad = layer.backward(grad)
    return grad, [np.array(p.grad) for p in network.parameters()]


# each known mistake of sequential_backward: its hint, by the name `_walk` knows it by
_WALK_HINTS = {
    "first to last": "the layers were walked from the first to the last; backward goes the other "
    "way, from the last layer to the first: for layer in reversed(layers)",
    "not handed on": "every layer got the same grad_out: hand each layer what the layer after it "
    "returned, and return what the first layer hands back",
    "first layer left out": "the first layer (layers[0]) was left out: walk every layer, down to "
    "index 0",
    "twice": "the gradients are twice too big: backward *adds* into .grad, so call each layer's "
    "backward once",
}


def _mistaken_walks(sizes, activation, seed: int, x, grad_out) -> dict:
    """What each known mistake returns on this case (None: it cannot even run)."""
    variants = {}
    for kind in _WALK_HINTS:
        try:
            variants[kind] = _walk(_network(sizes, activation, seed), x, grad_out, kind)
        except Exception:  # e.g. a shape mismatch: on this case the mistake stops with an error
            variants[kind] = None
    return variants


@checker
def sequential_backward(run, sequential_backward):
    """Check ``sequential_backward(layers, grad_out) -> grad_x``: every layer's backward, from the
    last layer to the first, each handed what the one after it returned; against
    ``dm.Sequential.backward`` on the same network, and on every parameter's ``.grad`` too."""
    for number, (rng, (sizes, activation, batch)) in enumerate(zip(cases(), _NETWORKS), start=1):
        x = rng.normal(size=(batch, sizes[0]))
        grad_out = rng.normal(size=(batch, sizes[-1]))
        seed = 10 + number
        expected, expected_grads = _walk(_network(sizes, activation, seed), x, grad_out, "right")
        variants = _mistaken_walks(sizes, activation, seed, x, grad_out)

        learner = _network(sizes, activation, seed)
        learner.forward(x)  # the layers' caches hold this forward pass, as after model.forward
        learner.zero_grad()
        names = [name for name, _ in learner.named_parameters()]
        args = {"layers": learner.layers, "grad_out": grad_out}
        kinds = " -> ".join(type(layer).__name__ for layer in learner.layers)
        run.case = f"{number}, {kinds}, with {describe({'x': x, 'grad_out': grad_out})}"
        received = run.call(sequential_backward, "sequential_backward", args)
        run.compare(
            "the returned gradient dL/dx",
            expected,
            received,
            mistakes=[
                (_WALK_HINTS[kind], variants[kind][0])
                for kind in ("first to last", "not handed on", "first layer left out")
                if variants[kind] is not None
            ]
            + [
                (
                    "you returned grad_out itself: return the gradient the first layer's "
                    "backward hands back, dL/dx",
                    grad_out,
                )
            ],
        )
        received_grads = [p.grad for p in learner.parameters()]
        for index, (name, want, got) in enumerate(zip(names, expected_grads, received_grads)):
            run.compare(
                f"the gradient in {name}.grad (layer {name.split('.')[0]}, "
                f"{type(learner.layers[int(name.split('.')[0])]).__name__})",
                want,
                np.array(got),
                mistakes=[
                    (_WALK_HINTS[kind], variants[kind][1][index])
                    for kind in ("first to last", "not handed on", "twice", "first layer left out")
                    if variants[kind] is not None
                ],
            )


@checker
def dense_backward(run, dense_backward):
    """Check ``dense_backward(x, weights, grad_out) -> (grad_weights, grad_bias, grad_x)``."""
    shapes = ((5, 3, 3), (4, 3, 2), (6, 4, 5))  # (batch, n_in, n_out); square weights first
    for number, (rng, (batch, n_in, n_out)) in enumerate(zip(cases(), shapes), start=1):
        args = {
            "x": rng.normal(size=(batch, n_in)),
            "weights": rng.normal(size=(n_in, n_out)),
            "grad_out": rng.normal(size=(batch, n_out)),
        }
        run.case = f"{number}, with {describe(args)}"
        x, weights, g = args.values()
        layer = dense_layer(weights, np.zeros(n_out))
        layer.forward(x)
        grad_x = layer.backward(g)
        expected = (layer.weights.grad, layer.bias.grad, grad_x)
        received = run.outputs(run.call(dense_backward, "dense_backward", args), BACKWARD_NAMES)
        mistakes = _backward_mistakes(x, weights, g, expected)
        for name, want, got in zip(BACKWARD_NAMES, expected, received):
            swapped = [
                (f"this looks like {other}: {BACKWARD_ORDER}", value)
                for other, value in zip(BACKWARD_NAMES, expected)
                if other != name
            ]
            run.compare(name, want, got, mistakes=mistakes[name] + swapped)


BACKWARD_NAMES = ("grad_weights", "grad_bias", "grad_x")
BACKWARD_ORDER = "return them in the order (grad_weights, grad_bias, grad_x)"
MEAN_VS_SUM = (
    "mean vs sum: add up over the batch here, do not average -- "
    "the loss already divided by the batch size, so grad_out carries the 1/batch"
)


def _backward_mistakes(x, weights, g, expected) -> dict[str, list]:
    """For each output, (hint, what that mistake returns) pairs; lambdas may fail on a case."""
    batch = len(x)
    return {
        "grad_weights": [
            (
                "grad_weights looks transposed: it has the shape of weights, (n_in, n_out), "
                "so it is x.T @ grad_out, (n_in, batch) @ (batch, n_out)",
                lambda: g.T @ x,
            ),
            (MEAN_VS_SUM, expected[0] / batch),
        ],
        "grad_bias": [
            (
                "forgot to sum the bias gradient over the batch: one bias serves every row, "
                "so its gradient adds up grad_out over axis 0, giving shape (n_out,)",
                g,
            ),
            (MEAN_VS_SUM, expected[1] / batch),
            ("sum over the batch (axis=0), not over the units (axis=1)", lambda: g.sum(axis=1)),
            (
                "the bias gradient is summed over axis 0 into shape (n_out,), "
                "not kept as a row (no keepdims)",
                lambda: g.sum(axis=0, keepdims=True),
            ),
        ],
        "grad_x": [
            (
                "the weights look transposed: dL/dx = grad_out @ weights.T, "
                "(batch, n_out) @ (n_out, n_in)",
                lambda: g @ weights,
            ),
            (MEAN_VS_SUM, expected[2] / batch),
        ],
    }
