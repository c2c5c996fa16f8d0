"""Checkers for the exercises of notebook 11: an operation's backward closure, and the order in
which backward visits the graph.

Each is written with the harness (`demystify.exercises.harness`): `checker` turns
``name(run, *functions)`` into the public ``check.name(function)``. The references are the
library's own: `dm.Tanh`'s backward, `dm.Sequential`'s gradients, and the graph that
`demystify.apps.autograd` records.
"""

from __future__ import annotations

import numpy as np

from .. import activations, layers, losses, model
from ..apps import autograd
from .harness import cases, checker, describe

__all__: list[str] = ["tanh", "topological_order"]


def _tensor_or_fail(run, received, what: str):
    """A result must be a tensor: something with a value, parents and a grad_fn."""
    if not all(hasattr(received, name) for name in ("value", "parents", "grad_fn")):
        run.fail(
            f"{what} should return a Tensor, ag.Tensor(y, (x,), backward, 'tanh'); it returned "
            f"{type(received).__name__} {received!r:.60}",
            "end with `return ag.Tensor(y, parents=(x,), grad_fn=backward, op='tanh')`",
        )
    return received


@checker
def tanh(run, tanh):
    """Check ``tanh(x: Tensor) -> Tensor``: the value ``np.tanh(x.value)``, the parent ``x`` and
    a ``grad_fn`` that turns ``G = dL/dy`` into ``(G * (1 - y**2),)``, against `dm.Tanh`'s
    backward; then the same operation inside a network, against `dm.Sequential`'s gradients."""
    for number, (rng, shape) in enumerate(zip(cases(), ((4, 3), (2, 5), (1, 1))), start=1):
        x_value, g = 2 * rng.normal(size=shape), rng.normal(size=shape)
        run.case = f"{number}, with {describe({'x.value': x_value, 'G': g})}"
        reference = activations.Tanh()
        y = reference.forward(x_value)
        expected = reference.backward(g)
        x = autograd.Tensor(x_value.copy())  # the learner's; x_value stays ours
        out = _tensor_or_fail(run, run.call(tanh, "tanh", {"x": x}), "tanh")
        if not np.array_equal(x.value, x_value):
            run.fail("tanh changed x.value; an operation makes a new tensor and leaves x alone.")
        run.compare("the result's value", y, out.value)
        if len(out.parents) != 1 or out.parents[0] is not x:
            run.fail(
                f"the result's parents should be (x,), the one tensor it was made from; they "
                f"are {out.parents!r:.80}",
                "backward hands the gradient to the parents: pass parents=(x,)",
            )
        run.passed += 1
        if not callable(out.grad_fn):
            run.fail(f"the result's grad_fn should be your backward closure; it is {out.grad_fn!r}")
        grads = run.call(out.grad_fn, "tanh", {"G": g})
        if not isinstance(grads, (tuple, list)):
            run.fail(
                f"the backward closure returned a {type(grads).__name__}; it should return a "
                "tuple with one gradient per parent, here one: (dL/dx,)",
                "mind the comma: `return (grad * ...,)`",
            )
        if len(grads) != 1:
            run.fail(f"the backward closure returned {len(grads)} gradients for 1 parent, x")
        run.compare(
            "dL/dx, what the backward closure returns",
            expected,
            grads[0],
            mistakes=[
                (
                    "you used the input x where tanh′ needs the output: tanh′(x) = 1 − tanh(x)² "
                    "= 1 − y², with y the tanh already computed in forward",
                    g * (1 - x_value**2),
                ),
                (
                    "that is the local derivative alone: multiply it by the gradient G that "
                    "arrives from above (the chain rule), G * (1 - y**2)",
                    1 - y**2,
                ),
                ("tanh′ is 1 − y², with y squared", g * (1 - y)),
                ("the sign is flipped: 1 − y², not y² − 1", g * (y**2 - 1)),
                ("you returned G unchanged: multiply it by tanh′ = 1 − y²", g),
            ],
        )
    _tanh_inside_a_network(run, tanh)


def _tanh_inside_a_network(run, tanh):
    """Case 4: Dense → tanh → Dense → cross-entropy with autograd, against dm.Sequential."""
    rng = cases((3,))[0]
    x_value, labels = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    net = model.Sequential(
        [layers.Dense(3, 4), activations.Tanh(), layers.Dense(4, 2)], seed=7, dtype="float64"
    )
    loss = losses.SoftmaxCrossEntropy()
    loss.forward(net.forward(x_value), labels)
    net.zero_grad()
    net.backward(loss.backward())
    run.case = "4, inside a network Dense(3, 4) → tanh → Dense(4, 2) → cross-entropy, batch of 5"
    W1, b1, W2, b2 = [autograd.Tensor(array) for array in net.get_weights()]
    hidden = _tensor_or_fail(
        run, run.call(tanh, "tanh", {"z": autograd.Tensor(x_value) @ W1 + b1}), "tanh"
    )
    run.call(lambda: autograd.cross_entropy(hidden @ W2 + b2, labels).backward(), "tanh", {})
    for (name, parameter), tensor in zip(net.named_parameters(), (W1, b1, W2, b2)):
        run.compare(f"the gradient of {name}", parameter.grad, tensor.grad)


def _graphs():
    """(description, root) of three seeded graphs: a chain, one with tensors used twice, a net."""
    rng = np.random.default_rng(11)
    x, W = autograd.Tensor(rng.normal(size=(3, 2))), autograd.Tensor(rng.normal(size=(2, 2)))
    chain = autograd.mean(autograd.relu(x @ W))
    h = autograd.relu(x @ W)
    twice = autograd.sum((h @ W) + h)  # W and h are each used by two operations
    W1, b1 = autograd.Tensor(rng.normal(size=(2, 4))), autograd.Tensor(rng.normal(size=4))
    W2, b2 = autograd.Tensor(rng.normal(size=(4, 3))), autograd.Tensor(rng.normal(size=3))
    network = autograd.cross_entropy((x @ W1 + b1).relu() @ W2 + b2, np.array([0, 2, 1]))
    return (
        ("a chain, mean(relu(x @ W))", chain),
        ("a graph where W and h are used twice, sum(h @ W + h) with h = relu(x @ W)", twice),
        ("a network, cross_entropy(relu(x @ W1 + b1) @ W2 + b2, labels)", network),
    )


def _first_out_of_order(order):
    """(child, parent) for the first tensor listed before one of its parents, else None."""
    position = {id(node): k for k, node in enumerate(order)}
    for k, node in enumerate(order):
        for parent in node.parents:
            if position.get(id(parent), -1) > k:
                return node, parent
    return None


@checker
def topological_order(run, topological_order):
    """Check ``topological_order(root) -> list``: every tensor `root` depends on, each once, each
    after all of its parents, `root` last, on three graphs recorded by `demystify.apps.autograd`
    (the reference lists the same set of tensors; any order with these properties is right)."""
    for number, (description, root) in enumerate(_graphs(), start=1):
        run.case = f"{number}, {description}"
        expected = autograd.topological_order(root)
        received = run.call(topological_order, "topological_order", {"root": root})
        if not isinstance(received, (list, tuple)):
            run.fail(
                f"it should return a list of tensors; it returned {type(received).__name__}",
                "did you forget the `return order` line?" if received is None else None,
            )
        if not all(hasattr(node, "parents") for node in received):
            run.fail("the list should hold the tensors themselves (not their values or names).")
        ids = [id(node) for node in received]
        if len(set(ids)) < len(ids):
            run.fail(
                f"a tensor appears more than once ({len(ids)} entries for {len(set(ids))} "
                "tensors).",
                "a tensor used by two operations is reached twice: remember the tensors already "
                "visited (a set) and skip them the second time",
            )
        known = {id(node) for node in expected}
        missing = [node.op for node in expected if id(node) not in set(ids)]
        if missing:
            run.fail(
                f"it lists {len(received)} of the {len(expected)} tensors; missing: "
                f"{', '.join(missing)}.",
                "visit every parent of every tensor (for parent in node.parents), down to the "
                "leaves, and include root itself",
            )
        if set(ids) - known:
            run.fail("it lists tensors that root does not depend on.")
        run.passed += 1
        wrong = _first_out_of_order(received)
        if wrong is not None:
            backwards = _first_out_of_order(list(received)[::-1]) is None
            child, parent = wrong
            run.fail(
                f"'{child.op}' comes before '{parent.op}', one of the tensors it was made from.",
                (
                    "the list runs from root to the leaves; it should start at the inputs and end "
                    "with root (backward walks it reversed): "
                    if backwards
                    else ""
                )
                + "append a tensor only after visiting all of its parents",
            )
        if received[-1] is not root:
            run.fail("root should come last: it depends on everything else in the list.")
        run.passed += 1
