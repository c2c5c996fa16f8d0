"""Checkers for the exercises of notebook 03; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

import numpy as np

from .. import losses
from .harness import cases, checker, describe

__all__: list[str] = ["softmax_cross_entropy", "binary_cross_entropy"]


@checker
def softmax_cross_entropy(run, softmax_cross_entropy):
    """Check ``softmax_cross_entropy(logits, labels) -> (mean_loss, grad_logits)``.

    Large logits too: a softmax that overflows is named.
    """
    rngs = cases((0, 1, 2))
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
        run.case = f"{number}, with {describe(args)}" + (
            " -- very large logits" if number == 3 else ""
        )
        labels = args["labels"]
        loss = losses.SoftmaxCrossEntropy()
        expected_loss = loss.forward(logits, labels)
        expected_grad = loss.backward()
        received = run.call(softmax_cross_entropy, "softmax_cross_entropy", args)
        mean_loss, grad = run.outputs(received, ("mean_loss", "grad_logits"))
        loss_mistakes, grad_mistakes = _softmax_mistakes(
            logits, labels, expected_loss, expected_grad, large=number == 3
        )
        run.compare("mean_loss", expected_loss, mean_loss, scalar=True, mistakes=loss_mistakes)
        run.compare("grad_logits", expected_grad, grad, mistakes=grad_mistakes)


OVERFLOW = (
    "softmax overflow: np.exp of a large logit is inf, and inf / inf is nan. "
    "Subtract each row's maximum first, logits - logits.max(axis=1, keepdims=True): "
    "it changes nothing mathematically and keeps exp from overflowing"
)


def _softmax_mistakes(logits, labels, expected_loss, expected_grad, large: bool):
    """(hint, what that mistake returns) pairs for the mean loss and for the gradient."""
    batch, classes = logits.shape
    probs = expected_grad * batch + np.eye(classes)[labels]
    per_example = -np.log(np.clip(probs[np.arange(batch), labels], 1e-300, None))
    loss_mistakes = [
        (
            "mean vs sum: the loss is the mean over the batch "
            "(divide the sum by the number of rows)",
            expected_loss * batch,
        ),
        ("return one number, the mean over the batch, not one loss per example", per_example),
        ("the two outputs look swapped: return (mean_loss, grad_logits)", expected_grad),
    ]
    grad_mistakes = [
        (
            "mean vs sum: the loss is a mean over the batch, "
            "so divide the gradient by the batch size",
            expected_grad * batch,
        ),
        (
            "subtract 1 at each row's true class: the gradient is "
            "(softmax - one_hot(labels)) / batch",
            probs / batch,
        ),
        (
            "the gradient is softmax - one_hot, not one_hot - softmax (watch the sign)",
            -expected_grad,
        ),
    ]
    if large:  # only very large logits make a softmax without the max subtraction overflow
        loss_mistakes += [(OVERFLOW, np.nan), (OVERFLOW, np.inf)]
        grad_mistakes += [(OVERFLOW, lambda: _naive_softmax_grad(logits, labels))]
    return loss_mistakes, grad_mistakes


def _naive_softmax_grad(logits, labels):
    """What the gradient becomes when softmax skips the max subtraction: nan for large logits."""
    exps = np.exp(logits)
    probs = exps / exps.sum(axis=1, keepdims=True)
    return (probs - np.eye(logits.shape[1])[labels]) / len(logits)


@checker
def binary_cross_entropy(run, binary_cross_entropy):
    """Check ``binary_cross_entropy(logits, targets) -> (mean_loss, grad_logits)`` against
    ``dm.BinaryCrossEntropy``: one output column, several (multi-label), and large logits."""
    rngs = cases((0, 1, 2))
    large = np.array([[40.0, -40.0], [800.0, -800.0], [-35.0, 2.0]])  # sigmoid(40) is 1.0 exactly
    logits_cases = [rngs[0].normal(size=(5, 1)), 3 * rngs[1].normal(size=(4, 3)), large]
    for number, (rng, logits) in enumerate(zip(rngs, logits_cases), start=1):
        targets = rng.integers(0, 2, size=logits.shape).astype(float)
        if number == 3:  # confident and wrong, and confident and right
            targets = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
        args = {"logits": logits, "targets": targets}
        run.case = f"{number}, with {describe(args)}" + (
            " -- very large logits" if number == 3 else ""
        )
        loss = losses.BinaryCrossEntropy()
        expected_loss = loss.forward(logits, targets)
        expected_grad = loss.backward()
        received = run.call(binary_cross_entropy, "binary_cross_entropy", args)
        mean_loss, grad = run.outputs(received, ("mean_loss", "grad_logits"))
        loss_mistakes, grad_mistakes = _bce_mistakes(logits, targets, expected_grad, number == 3)
        run.compare("mean_loss", expected_loss, mean_loss, scalar=True, mistakes=loss_mistakes)
        run.compare("grad_logits", expected_grad, grad, mistakes=grad_mistakes)


LOG_OF_ZERO = (
    "log of 0: for a large |z|, sigmoid(z) rounds to exactly 0 or 1 and the log is -inf. "
    "Compute the loss from the logits: max(z, 0) - z * t + log(1 + e^-|z|)"
)


def _bce_mistakes(logits, targets, expected_grad, large: bool) -> tuple[list, list]:
    """(hint, what that mistake returns) pairs for the mean loss and for the gradient."""
    size, batch = logits.size, logits.shape[0]
    with np.errstate(all="ignore"):
        s = 1 / (1 + np.exp(-logits))
        per_entry = -targets * np.log(s) - (1 - targets) * np.log(1 - s)
    stable_per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    loss_mistakes = [
        (
            "mean vs sum: the loss is the mean over every entry (divide by logits.size)",
            stable_per_entry.sum(),
        ),
        (
            "the mean runs over every entry, batch x outputs, not only over the batch: "
            "divide the sum by logits.size",
            stable_per_entry.sum() / batch,
        ),
        ("return one number, the mean, not one loss per entry", stable_per_entry),
        ("the two outputs look swapped: return (mean_loss, grad_logits)", expected_grad),
    ] + ([(LOG_OF_ZERO, np.mean(per_entry))] if large else [])
    grad_mistakes = [
        (
            "mean vs sum: the loss is a mean over every entry, "
            "so divide the gradient by logits.size",
            expected_grad * size,
        ),
        (
            "the mean runs over every entry (batch x outputs), "
            "so divide by logits.size, not by the batch size alone",
            expected_grad * size / batch,
        ),
        ("the gradient is sigmoid(z) - t, not t - sigmoid(z) (watch the sign)", -expected_grad),
        ("subtract the target: the gradient is (sigmoid(z) - t) / size", s / size),
    ]
    return loss_mistakes, grad_mistakes
