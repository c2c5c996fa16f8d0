"""Checkers for the notebooks' exercises: run your function, compare with demystify, explain.

``check.dense_forward(dense_forward)`` calls your function on a few seeded
cases and compares each output with what the library computes (the
library is the reference, so the checker holds no copy of a solution). On
success it prints one line, ``✅ dense_forward passed 6 checks.``. On
failure it raises `ExerciseFailed` (an `AssertionError`) whose message says
which output is wrong, its expected and received shapes, the expected and
received values at the first entry that differs, with its index, and a hint
when the wrong answer is exactly what a well-known mistake produces: we
compute those mistakes' outputs too and compare.

Every checker works on the NumPy backend in float64, whatever backend the
notebook chose, and silences NumPy's overflow warnings while your code runs
(a nan in your output is reported in words instead).
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations, layers, losses, metrics, model, optim, training
from ..parameter import Parameter
from .harness import ATOL, RTOL  # noqa: F401  (checkers' tolerances, for the notebooks)
from .harness import ExerciseFailed as ExerciseFailed
from .harness import NotImplementedYet as NotImplementedYet
from .harness import Run as _Run  # noqa: F401  (kept for checkers written against it)
from .harness import cases as _cases
from .harness import checker as _checker
from .harness import dense_layer as _dense
from .harness import describe as _describe
from .harness import same as _same

# --- 1. one neuron ----------------------------------------------------------------------------


@_checker
def neuron_forward(run, neuron_forward):
    """Check ``neuron_forward(inputs, weights, bias) -> float``: a weighted sum plus a bias."""
    for number, (rng, n) in enumerate(zip(_cases(), (3, 5, 1)), start=1):
        args = {
            "inputs": rng.normal(size=n),
            "weights": rng.normal(size=n),
            "bias": float(rng.normal()),
        }
        run.case = f"{number}, with {_describe(args)}"
        inputs, weights, bias = args.values()
        expected = _dense(weights[:, None], [bias]).forward(inputs[None, :])[0, 0]
        received = run.call(neuron_forward, "neuron_forward", args)
        run.compare(
            "the output",
            expected,
            received,
            scalar=True,
            mistakes=[
                (
                    "you returned one number per input: add the products up into one number "
                    "(np.dot(inputs, weights) + bias)",
                    inputs * weights + bias,
                ),
                ("the bias is missing: add it once, after the weighted sum", inputs @ weights),
                (
                    "the bias was added to every product; add it once, to the sum",
                    np.sum(inputs * weights + bias),
                ),
            ],
        )


# --- 2. a dense layer, a whole batch at once ---------------------------------------------------


@_checker
def dense_forward(run, dense_forward):
    """Check ``dense_forward(x, weights, bias) -> (batch, n_out)``."""
    shapes = ((4, 3, 3), (5, 3, 2), (1, 4, 6))  # (batch, n_in, n_out); square weights first
    for number, (rng, (batch, n_in, n_out)) in enumerate(zip(_cases(), shapes), start=1):
        args = {
            "x": rng.normal(size=(batch, n_in)),
            "weights": rng.normal(size=(n_in, n_out)),
            "bias": rng.normal(size=n_out),
        }
        run.case = f"{number}, with {_describe(args)}"
        x, weights, bias = args.values()
        received = run.call(dense_forward, "dense_forward", args)
        run.compare(
            "the output",
            _dense(weights, bias).forward(x),
            received,
            mistakes=[
                (
                    "the weights look transposed: they have shape (n_in, n_out), so the product is "
                    "x @ weights, (batch, n_in) @ (n_in, n_out), with no .T",
                    lambda: x @ weights.T + bias,
                ),
                (
                    "the bias is missing: add it after the matrix product (it broadcasts over the "
                    "rows)",
                    x @ weights,
                ),
                (
                    "x and weights are multiplied entry by entry: use the matrix product x @ "
                    "weights",
                    lambda: x * weights + bias,
                ),
            ],
        )


# --- 3. ReLU and its derivative ------------------------------------------------------------


@_checker
def relu(run, relu, relu_derivative):
    """Check ``relu(x)`` and ``relu_derivative(x)``, element by element, on 1-D and 2-D arrays."""
    for number, (rng, shape) in enumerate(zip(_cases(), ((7,), (3, 4), (2, 5))), start=1):
        x = rng.normal(size=shape)
        x = np.where(
            np.abs(x) < 0.05, 0.5, x
        )  # keep away from the kink at 0, where slopes may differ
        args = {"x": x}
        run.case = f"{number}, with {_describe(args)}"
        layer = activations.ReLU()
        expected = layer.forward(x)
        slope = layer.backward(np.ones_like(x))  # dL/dy = 1 leaves exactly f'(x)
        received = run.call(relu, "relu", args)
        run.compare(
            "relu(x)",
            expected,
            received,
            mistakes=[
                (
                    "np.max(x, 0) is the largest value along axis 0; the element-wise maximum is "
                    "np.maximum(x, 0)",
                    lambda: np.max(x, 0),
                ),
                (
                    "that keeps the negative part; ReLU keeps the positive part (max(x, 0))",
                    np.minimum(x, 0),
                ),
                ("that looks like the derivative; relu should return max(x, 0) itself", slope),
            ],
        )
        received = run.call(relu_derivative, "relu_derivative", args)
        run.compare(
            "relu_derivative(x)",
            slope,
            received,
            mistakes=[
                (
                    "that is ReLU itself; its derivative (slope) is 1 where x > 0 and 0 elsewhere",
                    expected,
                ),
                (
                    "the slope is 1 for positive inputs and 0 for negative ones, not the other way "
                    "round",
                    (x < 0).astype(float),
                ),
            ],
        )
    x = _cases((3,))[0].normal(size=(3, 4))
    kept = x.copy()
    run.case = "4, checking that your relu leaves its input alone"
    run.call(relu, "relu", {"x": x}, copy=False)
    if not np.array_equal(x, kept):
        run.fail(
            "relu changed the array it was given (an in-place edit such as x[x < 0] = 0 "
            "overwrites the caller's data).",
            "return a new array instead, e.g. np.maximum(x, 0)",
        )
    run.passed += 1


# --- 4. softmax + cross-entropy ----------------------------------------------------------------


@_checker
def softmax_cross_entropy(run, softmax_cross_entropy):
    """Check ``softmax_cross_entropy(logits, labels) -> (mean_loss, grad_logits)``.

    Large logits too: a softmax that overflows is named.
    """
    rngs = _cases((0, 1, 2))
    large = np.array(
        [
            [1000.0, 998.0, 995.0, 999.5],
            [-1000.0, -1003.0, -999.0, -1001.0],
            [710.0, 0.0, -710.0, 300.0],
        ]
    )  # exp(710) is already inf in float64
    logits_cases = [rngs[0].normal(size=(4, 3)), 3 * rngs[1].normal(size=(6, 5)), large]
    for number, (rng, logits) in enumerate(zip(rngs, logits_cases), start=1):
        batch, classes = logits.shape
        args = {"logits": logits, "labels": rng.integers(0, classes, size=batch)}
        run.case = f"{number}, with {_describe(args)}" + (
            " -- very large logits" if number == 3 else ""
        )
        labels = args["labels"]
        loss = losses.SoftmaxCrossEntropy()
        expected_loss = loss.forward(logits, labels)
        expected_grad = loss.backward()
        received = run.call(softmax_cross_entropy, "softmax_cross_entropy", args)
        mean_loss, grad = run.outputs(received, ("mean_loss", "grad_logits"))
        overflow = (
            "softmax overflow: np.exp of a large logit is inf, and inf / inf is nan. Subtract each "
            "row's maximum first, logits - logits.max(axis=1, keepdims=True): it changes nothing "
            "mathematically and keeps exp from overflowing"
        )
        probs = expected_grad * batch + np.eye(classes)[labels]
        per_example = -np.log(np.clip(probs[np.arange(batch), labels], 1e-300, None))
        run.compare(
            "mean_loss",
            expected_loss,
            mean_loss,
            scalar=True,
            mistakes=[
                (
                    "mean vs sum: the loss is the mean over the batch (divide the sum by the "
                    "number of rows)",
                    expected_loss * batch,
                ),
                (
                    "return one number, the mean over the batch, not one loss per example",
                    per_example,
                ),
                ("the two outputs look swapped: return (mean_loss, grad_logits)", expected_grad),
            ]
            + ([(overflow, np.nan), (overflow, np.inf)] if number == 3 else []),
        )
        run.compare(
            "grad_logits",
            expected_grad,
            grad,
            mistakes=[
                (
                    "mean vs sum: the loss is a mean over the batch, so divide the gradient by the "
                    "batch size",
                    expected_grad * batch,
                ),
                (
                    "subtract 1 at each row's true class: the gradient is (softmax - "
                    "one_hot(labels)) / batch",
                    probs / batch,
                ),
                (
                    "the gradient is softmax - one_hot, not one_hot - softmax (watch the sign)",
                    -expected_grad,
                ),
            ]
            + ([(overflow, lambda: _naive_softmax_grad(logits, labels))] if number == 3 else []),
        )


def _naive_softmax_grad(logits, labels):
    """What the gradient becomes when softmax skips the max subtraction: nan for large logits."""
    exps = np.exp(logits)
    probs = exps / exps.sum(axis=1, keepdims=True)
    return (probs - np.eye(logits.shape[1])[labels]) / len(logits)


# --- 5. a dense layer's backward pass ---------------------------------------------------------


@_checker
def dense_backward(run, dense_backward):
    """Check ``dense_backward(x, weights, grad_out) -> (grad_weights, grad_bias, grad_x)``."""
    names = ("grad_weights", "grad_bias", "grad_x")
    shapes = ((5, 3, 3), (4, 3, 2), (6, 4, 5))  # (batch, n_in, n_out); square weights first
    for number, (rng, (batch, n_in, n_out)) in enumerate(zip(_cases(), shapes), start=1):
        args = {
            "x": rng.normal(size=(batch, n_in)),
            "weights": rng.normal(size=(n_in, n_out)),
            "grad_out": rng.normal(size=(batch, n_out)),
        }
        run.case = f"{number}, with {_describe(args)}"
        x, weights, g = args.values()
        layer = _dense(weights, np.zeros(n_out))
        layer.forward(x)
        grad_x = layer.backward(g)
        expected = (layer.weights.grad, layer.bias.grad, grad_x)
        received = run.outputs(run.call(dense_backward, "dense_backward", args), names)
        mean_vs_sum = (
            "mean vs sum: add up over the batch here, do not average -- the loss already "
            "divided by the batch size, so grad_out carries the 1/batch"
        )
        swapped = [
            (
                f"this looks like {other}: return them in the order (grad_weights, grad_bias, "
                "grad_x)",
                value,
            )
            for other, value in zip(names, expected)
        ]
        mistakes = {
            "grad_weights": [
                (
                    "grad_weights looks transposed: it has the shape of weights, (n_in, n_out), "
                    "so it is x.T @ grad_out, (n_in, batch) @ (batch, n_out)",
                    lambda: g.T @ x,
                ),
                (mean_vs_sum, expected[0] / batch),
            ],
            "grad_bias": [
                (
                    "forgot to sum the bias gradient over the batch: one bias serves every row, so "
                    "its "
                    "gradient adds up grad_out over axis 0, giving shape (n_out,)",
                    g,
                ),
                (mean_vs_sum, expected[1] / batch),
                ("sum over the batch (axis=0), not over the units (axis=1)", lambda: g.sum(axis=1)),
                (
                    "the bias gradient is summed over axis 0 into shape (n_out,), not kept as a "
                    "row "
                    "(no keepdims)",
                    lambda: g.sum(axis=0, keepdims=True),
                ),
            ],
            "grad_x": [
                (
                    "the weights look transposed: dL/dx = grad_out @ weights.T, "
                    "(batch, n_out) @ (n_out, n_in)",
                    lambda: g @ weights,
                ),
                (mean_vs_sum, expected[2] / batch),
            ],
        }
        for name, want, got in zip(names, expected, received):
            others = [pair for pair, other in zip(swapped, names) if other != name]
            run.compare(name, want, got, mistakes=mistakes[name] + others)


# --- 6. SGD with momentum ----------------------------------------------------------------------


@_checker
def sgd_momentum_step(run, sgd_momentum_step):
    """Check ``sgd_momentum_step(weights, grad, velocity, lr, momentum)``.

    It returns ``(new_weights, new_velocity)``.
    """
    settings = (((3, 4), 0.1, 0.9), ((5,), 0.05, 0.5), ((2, 3), 0.3, 0.99))
    for number, (rng, (shape, lr, momentum)) in enumerate(zip(_cases(), settings), start=1):
        args = {
            "weights": rng.normal(size=shape),
            "grad": rng.normal(size=shape),
            "velocity": rng.normal(size=shape),
            "lr": lr,
            "momentum": momentum,
        }
        run.case = f"{number}, with {_describe(args)}"
        w, g, v, _, _ = args.values()
        parameter = Parameter(w.copy())
        parameter.grad = g.copy()
        optimizer = optim.SGD([parameter], lr=lr, momentum=momentum)
        optimizer.velocity[0][...] = v
        optimizer.step()  # the library's update is the reference
        new_w, new_v = parameter.value, optimizer.velocity[0]
        received = run.outputs(
            run.call(sgd_momentum_step, "sgd_momentum_step", args), ("new_weights", "new_velocity")
        )
        convention = (
            "use this course's convention: velocity = momentum * velocity + grad, then "
            "weights = weights - lr * velocity (lr stays out of the velocity)"
        )
        swapped = "the two outputs look swapped: return (new_weights, new_velocity)"
        run.compare(
            "new_weights",
            new_w,
            received[0],
            mistakes=[
                (
                    "velocity order: update the velocity first, then move the weights with the new "
                    "velocity",
                    w - lr * v,
                ),
                ("sign: the step goes downhill, weights - lr * velocity", w + lr * new_v),
                (
                    "velocity sign: velocity = momentum * velocity + grad, and the weights move by "
                    "- lr * velocity",
                    w + lr * (momentum * v - g),
                ),
                (convention, w - (momentum * v + lr * g)),
                (
                    "the momentum is missing: the weights should move by lr * (new velocity), not "
                    "lr * grad",
                    w - lr * g,
                ),
                (convention, w - lr * (momentum * v + (1 - momentum) * g)),
                (swapped, new_v),
            ],
        )
        run.compare(
            "new_velocity",
            new_v,
            received[1],
            mistakes=[
                (
                    "velocity sign: velocity = momentum * velocity + grad (the minus sign belongs "
                    "to the "
                    "weight update)",
                    momentum * v - g,
                ),
                (convention, momentum * v + lr * g),
                (convention, momentum * v - lr * g),
                (convention, momentum * v + (1 - momentum) * g),
                ("the velocity should remember the past: momentum * velocity + grad", g),
                (
                    "velocity order: the new velocity is momentum * velocity + grad, computed "
                    "before the "
                    "weights move",
                    v,
                ),
                (swapped, new_w),
            ],
        )


# --- 7. the training loop ------------------------------------------------------------------------


def _problem(n: int, seed: int):
    """A small seeded 3-class problem and a fresh float64 network, loss and optimizer for it."""
    from ..datasets import blobs

    X, y = blobs(n=n, centers=3, spread=1.0, seed=seed)
    X = X.astype("float64")

    def fresh():
        network = model.Sequential(
            [layers.Dense(2, 16), activations.ReLU(), layers.Dense(16, 3)],
            seed=seed,
            dtype="float64",
        )
        return (
            network,
            losses.SoftmaxCrossEntropy(),
            optim.SGD(network.parameters(), lr=0.05, momentum=0.9),
        )

    return X, y, fresh


def _variant_loop(
    network,
    loss,
    optimizer,
    X,
    y,
    epochs,
    batch_size,
    seed,
    *,
    zero_grad=True,
    step=True,
    shuffle=True,
    rng_per_epoch=False,
    reduce="mean",
    last_batch=True,
):
    """The training loop with a known mistake switched on; the checker compares with its losses."""
    rng, history = np.random.default_rng(seed), []
    for _ in range(epochs):
        if rng_per_epoch:
            rng = np.random.default_rng(seed)
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        end = len(X) if last_batch else len(X) - len(X) % batch_size
        batch_losses = []
        for start in range(0, end, batch_size):
            batch = order[start : start + batch_size]
            value = loss.forward(network.forward(X[batch]), y[batch])
            if zero_grad:
                optimizer.zero_grad()
            network.backward(loss.backward())
            if step:
                optimizer.step()
            batch_losses.append(value)
        history.append(float(np.sum(batch_losses) if reduce == "sum" else np.mean(batch_losses)))
    return history


@_checker
def training_loop(run, training_loop):
    """Check ``training_loop(model, loss, optimizer, X, y, epochs, batch_size, seed) -> losses``.

    The reference is ``dm.fit`` on an identical fresh network: the same seed gives
    the same shuffles, so a correct loop reproduces its per-epoch losses exactly.
    """
    for number, (n, epochs, batch_size, seed) in enumerate(
        ((120, 8, 20, 0), (150, 6, 32, 1)), start=1
    ):
        X, y, fresh = _problem(n, seed)
        reference = fresh()
        expected = training.fit(
            *reference, X, y, epochs=epochs, batch_size=batch_size, seed=seed, verbose=0
        )["loss"]
        target_accuracy = metrics.accuracy(reference[0].predict(X), y)
        learner = fresh()
        args = {
            "model": learner[0],
            "loss": learner[1],
            "optimizer": learner[2],
            "X": X,
            "y": y,
            "epochs": epochs,
            "batch_size": batch_size,
            "seed": seed,
        }
        run.case = (
            f"{number}, {n} examples of 3 blob classes, epochs={epochs}, batch_size={batch_size}, "
            f"seed={seed}"
        )
        received = run.call(training_loop, "training_loop", args)
        if received is None:
            run.fail(
                "it returned None; it should return the list of per-epoch mean losses.",
                "did you forget the `return` line?",
            )
        try:
            count = len(received)
        except TypeError:
            run.fail(
                f"it should return a list of per-epoch losses, but it returned a "
                f"{type(received).__name__}."
            )
        batches = math.ceil(n / batch_size)
        if count != epochs:
            run.fail(
                f"it returned {count} losses for {epochs} epochs; expected one per epoch.",
                "record one number per epoch, the mean of that epoch's batch losses, not one "
                "per batch"
                if count == epochs * batches
                else None,
            )
        run.passed += 1

        def variant(**mistake):
            return lambda: _variant_loop(*fresh(), X, y, epochs, batch_size, seed, **mistake)

        if (
            n % batch_size
        ):  # fit weights the smaller last batch less; a plain mean of batch losses is fine too
            plain_mean = variant()()
            try:
                if _same(np.asarray(received, dtype=float), plain_mean):
                    expected = plain_mean
            except (TypeError, ValueError):
                pass  # not numbers: compare() below says so
        run.compare(
            "the list of per-epoch losses",
            expected,
            received,
            mistakes=[
                ("the losses stay flat: call optimizer.step() after backward", variant(step=False)),
                (
                    "gradients piled up from step to step: call optimizer.zero_grad() before "
                    "backward "
                    "in every step",
                    variant(zero_grad=False),
                ),
                (
                    "shuffle the data every epoch: order = rng.permutation(len(X))",
                    variant(shuffle=False),
                ),
                (
                    "make the generator once, before the epochs (rng = "
                    "np.random.default_rng(seed)), "
                    "so every epoch gets a fresh order",
                    variant(rng_per_epoch=True),
                ),
                (
                    "mean vs sum: record the mean of the batch losses in each epoch, not their sum",
                    variant(reduce="sum"),
                ),
                (
                    "the last, smaller batch was left out: range(0, len(X), batch_size) covers it",
                    variant(last_batch=False),
                ),
            ],
        )
        losses_seen = [float(value) for value in received]
        if not losses_seen[-1] < losses_seen[0]:
            run.fail(
                f"the loss did not go down ({losses_seen[0]:.4g} -> {losses_seen[-1]:.4g}).",
                "is optimizer.step() called after backward in every step?",
            )
        run.passed += 1
        reached = metrics.accuracy(learner[0].predict(X), y)
        if reached < target_accuracy - 0.02:
            run.fail(
                f"after training, the model reaches accuracy {reached:.3f}; the library's "
                f"loop reaches {target_accuracy:.3f} on the same problem."
            )
        run.passed += 1


# Newer checkers live beside their notebook, one module each; `check` is the one place to call them.
from .checks_00 import *  # noqa: E402, F403
from .checks_01 import *  # noqa: E402, F403
from .checks_02 import *  # noqa: E402, F403
from .checks_03 import *  # noqa: E402, F403
from .checks_04 import *  # noqa: E402, F403
from .checks_05 import *  # noqa: E402, F403
from .checks_06 import *  # noqa: E402, F403
from .checks_07 import *  # noqa: E402, F403
from .checks_08 import *  # noqa: E402, F403
from .checks_09 import *  # noqa: E402, F403
from .checks_10 import *  # noqa: E402, F403
