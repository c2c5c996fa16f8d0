"""Losses: one number that says how wrong the network's outputs are.

Training lowers this number. Each loss has ``forward(pred, target) -> float``
(the *mean* over the batch, as its name says) and ``backward() -> dL/d(pred)``,
the gradient that starts backpropagation. Classification losses take raw
scores (logits), not probabilities: fusing the squashing function into the loss
makes both the value and the gradient simpler and numerically stable.
"""
import math

import numpy as np

from . import backend


def check_labels(target, n_classes: int, where: str = "labels") -> None:
    """Integer class labels must lie in ``0 .. n_classes - 1``; say so plainly if not."""
    labels = backend.to_numpy(target)
    if labels.ndim != 1:
        raise ValueError(f"{where} must be a 1-D array of class numbers, got shape {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":  # not integer-typed: are the values whole numbers?
        if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isfinite(labels)) \
                or not np.all(labels == np.round(labels)):  # strings have no isfinite: ask first
            raise ValueError(f"{where} must be whole numbers (class indices), got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{where} must lie in 0..{n_classes - 1} for a network with {n_classes} "
                         f"outputs; found labels from {labels.min()} to {labels.max()}")


def _as_target(name: str, pred, target):
    """Targets on the backend, in `pred`'s dtype and shape (a 1-D target fits one output column)."""
    xp = backend.namespace()
    target = backend.asarray(target, backend.dtype_name(pred))
    if target.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
        target = xp.reshape(target, (-1, 1))
    if tuple(pred.shape) != tuple(target.shape):
        raise ValueError(f"{name}: predictions have shape {tuple(pred.shape)} but targets have shape {tuple(target.shape)}")
    return target


class Loss:
    """Base class: `forward` returns the mean loss, `backward` its gradient w.r.t. `pred`."""

    def forward(self, pred, target) -> float:
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """``L = mean((pred - target)**2)`` over every entry; ``dL/dpred = 2 (pred - target) / size``."""

    def forward(self, pred, target) -> float:
        xp = backend.namespace()
        target = _as_target("MeanSquaredError", pred, target)
        self.cache = pred - target
        return float(xp.mean(self.cache * self.cache))

    def backward(self):
        return self.cache * (2.0 / math.prod(self.cache.shape))


class Huber(Loss):
    """Squared error near zero, absolute error far away (robust to outliers).

    With ``d = pred - target``: ``L = mean(d**2 / 2 if |d| <= delta else delta (|d| - delta/2))``;
    ``dL/dpred = clip(d, -delta, delta) / size``.
    """

    def __init__(self, delta: float = 1.0):
        self.delta = delta

    def forward(self, pred, target) -> float:
        xp = backend.namespace()
        target = _as_target("Huber", pred, target)
        d = self.cache = pred - target
        small = xp.abs(d) <= self.delta
        return float(xp.mean(xp.where(small, 0.5 * d * d, self.delta * (xp.abs(d) - 0.5 * self.delta))))

    def backward(self):
        xp, d = backend.namespace(), self.cache
        return xp.clip(d, -self.delta, self.delta) / math.prod(d.shape)


class BinaryCrossEntropy(Loss):
    """Cross-entropy of sigmoid(logits) against 0/1 targets, from the logits.

    ``L = mean(max(z, 0) - z t + log(1 + exp(-|z|)))``, the same as
    ``-t log s - (1 - t) log(1 - s)`` with ``s = sigmoid(z)`` but never taking
    the log of 0; ``dL/dz = (sigmoid(z) - t) / size``.
    """

    def forward(self, pred, target) -> float:
        xp = backend.namespace()
        target = _as_target("BinaryCrossEntropy", pred, target)
        self.cache = (pred, target)
        losses = xp.maximum(pred, xp.zeros_like(pred)) - pred * target + xp.log1p(xp.exp(-xp.abs(pred)))
        return float(xp.mean(losses))

    def backward(self):
        (z, target), xp = self.cache, backend.namespace()
        e = xp.exp(-xp.abs(z))
        sigmoid = xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return (sigmoid - target) / math.prod(z.shape)


class SoftmaxCrossEntropy(Loss):
    """Softmax of the scores, then cross-entropy with the true class: the classifier's loss.

    For a row of scores ``z`` and true class ``c`` (an integer label, or a one-hot row):
    ``L = -log softmax(z)_c = logsumexp(z) - z_c``, averaged over the batch.
    The gradient is strikingly simple: ``dL/dz = (softmax(z) - onehot(c)) / batch``.
    """

    def forward(self, pred, target) -> float:
        xp = backend.namespace()
        if pred.ndim != 2:
            raise ValueError(f"SoftmaxCrossEntropy expects scores of shape (batch, classes), got {tuple(pred.shape)}")
        target = self._one_hot(pred, target)
        shifted = pred - xp.max(pred, axis=1, keepdims=True)  # exp can no longer overflow
        exps = xp.exp(shifted)
        sums = xp.sum(exps, axis=1, keepdims=True)
        self.cache = (exps / sums, target)
        log_probs = shifted - xp.log(sums)
        return float(-xp.sum(log_probs * target) / pred.shape[0])

    def backward(self):
        probs, target = self.cache
        return (probs - target) / probs.shape[0]

    @staticmethod
    def _one_hot(pred, target):
        """Integer labels become one-hot rows (built by comparison, valid on every backend)."""
        xp = backend.namespace()
        batch, classes = pred.shape
        if target.ndim == 2:
            return _as_target("SoftmaxCrossEntropy", pred, target)
        if target.shape[0] != batch:
            raise ValueError(f"SoftmaxCrossEntropy: {batch} rows of scores but {target.shape[0]} labels")
        check_labels(target, classes)
        labels = backend.asarray(target, "int64")
        return xp.astype(labels[:, None] == xp.arange(classes)[None, :], pred.dtype)

