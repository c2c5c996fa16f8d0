"""Losses: one number that says how wrong the network's outputs are.

Training lowers this number. Each loss has ``forward(pred, target) -> float``
(the *mean* over the batch, as its name says) and ``backward() -> dL/d(pred)``,
the gradient that starts backpropagation. Classification losses take raw
scores (logits), not probabilities: fusing the squashing function into the loss
makes both the value and the gradient simpler and numerically stable.

A loss also says what it is, so that the training loop needs to know no loss
by name: `classifier` is True when the targets are classes (training then
reports accuracy too), and `check_targets` answers in plain words when an
array cannot be this loss's targets.
"""

import math

import numpy as np

from . import backend, checks
from .activations import sigmoid, softmax, softmax_with_log
from .backend import Array


def _as_target(pred: Array, target) -> Array:
    """Targets on the backend, in `pred`'s dtype and shape (a 1-D target fits one output column)."""
    xp = backend.array_namespace(pred)
    target = backend.asarray(target, backend.dtype_name(pred), xp)
    if target.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
        target = xp.reshape(target, (-1, 1))
    if tuple(pred.shape) != tuple(target.shape):
        shapes = f"{tuple(pred.shape)} but targets have shape {tuple(target.shape)}"
        raise ValueError(f"predictions have shape {shapes}")
    return target


class Loss:
    """Base class: `forward` returns the mean loss, `backward` its gradient w.r.t. `pred`."""

    classifier = False  # True: targets are classes, and accuracy is worth reporting

    def check_targets(self, y: np.ndarray, n_outputs: int, where: str = "targets") -> None:
        """Plain words if `y` cannot be the targets of a network with `n_outputs` outputs.

        `y` is already a NumPy array of finite real numbers (`checks.real_array`,
        which `check_data` and `__call__` run first). Here: one column per output
        (a 1-D array fits one output). Classification losses check their labels on top.
        """
        if y.shape[1:] != (n_outputs,) and not (y.ndim == 1 and n_outputs == 1):
            raise ValueError(f"{where} have shape {y.shape}; the network has {n_outputs} outputs")

    def predictions(self, outputs: Array) -> Array:
        """What the loss reads the network's outputs as (here: the values themselves)."""
        return outputs

    def forward(self, pred: Array, target) -> float:
        raise NotImplementedError

    def backward(self) -> Array:
        raise NotImplementedError

    def __call__(self, pred: Array, target) -> float:
        """`forward`, with a classifier's labels checked first (`forward` trusts its caller)."""
        if self.classifier:
            self.check_targets(checks.real_array(target, "targets"), pred.shape[-1])
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """``L = mean((pred - target)**2)``, over all entries; ``dL/dpred = 2 (pred - target) / size``.

    (``size`` is the number of entries, so a bigger batch does not mean a bigger loss.)
    """

    def forward(self, pred: Array, target) -> float:
        xp = backend.array_namespace(pred)
        target = _as_target(pred, target)
        self.cache = pred - target
        return float(xp.mean(self.cache * self.cache))

    def backward(self) -> Array:
        return self.cache * (2.0 / math.prod(self.cache.shape))


class Huber(Loss):
    """Squared error near zero, absolute error far away (robust to outliers).

    With ``d = pred - target``: ``L = mean(d**2 / 2 if |d| <= delta else delta (|d| - delta/2))``;
    ``dL/dpred = clip(d, -delta, delta) / size``.
    """

    def __init__(self, delta: float = 1.0):
        self.delta = checks.number("delta", delta, "(0, inf)", owner="Huber")

    def forward(self, pred: Array, target) -> float:
        xp = backend.array_namespace(pred)
        target = _as_target(pred, target)
        d = self.cache = pred - target
        small = xp.abs(d) <= self.delta
        far = self.delta * (xp.abs(d) - 0.5 * self.delta)
        return float(xp.mean(xp.where(small, 0.5 * d * d, far)))

    def backward(self) -> Array:
        d = self.cache
        xp = backend.array_namespace(d)
        return xp.clip(d, -self.delta, self.delta) / math.prod(d.shape)


class BinaryCrossEntropy(Loss):
    """Cross-entropy of sigmoid(logits) against 0/1 targets, from the logits.

    ``L = mean(max(z, 0) - z t + log(1 + exp(-|z|)))``, the same as
    ``-t log s - (1 - t) log(1 - s)`` with ``s = sigmoid(z)`` but never taking
    the log of 0; ``dL/dz = (sigmoid(z) - t) / size``.
    """

    classifier = True
    predictions = staticmethod(sigmoid)  # the probability of class 1

    def check_targets(self, y: np.ndarray, n_outputs: int, where: str = "targets") -> None:
        super().check_targets(y, n_outputs, where)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{where} must lie between 0 and 1, found {y.min()} to {y.max()}")

    def forward(self, pred: Array, target) -> float:
        xp = backend.array_namespace(pred)
        target = _as_target(pred, target)
        self.cache = (pred, target)
        positive_part = xp.maximum(pred, xp.zeros_like(pred))
        losses = positive_part - pred * target + xp.log1p(xp.exp(-xp.abs(pred)))
        return float(xp.mean(losses))

    def backward(self) -> Array:
        z, target = self.cache
        return (sigmoid(z) - target) / math.prod(z.shape)


class SoftmaxCrossEntropy(Loss):
    """Softmax of the scores, then cross-entropy with the true class: the classifier's loss.

    For a row of scores ``z`` and true class ``c`` (an integer label, or a one-hot row):
    ``L = -log softmax(z)_c = logsumexp(z) - z_c``, averaged over the batch.
    The gradient is strikingly simple: ``dL/dz = (softmax(z) - onehot(c)) / batch``.
    """

    classifier = True
    predictions = staticmethod(softmax)  # a probability for every class

    def check_targets(self, y: np.ndarray, n_outputs: int, where: str = "labels") -> None:
        """Class numbers ``0 .. n_outputs - 1`` (a 1-D array), or one-hot (probability) rows."""
        if n_outputs == 1:  # softmax of one score is always 1: a loss of 0 whatever the weights
            raise ValueError(f"{where}: softmax of 1 output is always 1; use BinaryCrossEntropy")
        if y.ndim == 2 and y.shape[1] == 1:
            raise ValueError(f"{where} are a column {y.shape}; pass them 1-D: y.ravel()")
        if y.ndim == 2:  # one-hot (or probability) rows: each a distribution over the classes
            super().check_targets(y, n_outputs, where)
            if y.size and (y.min() < 0 or not np.allclose(y.sum(axis=1), 1, atol=1e-3)):
                raise ValueError(f"{where}: each one-hot row must be >= 0 and sum to 1")
            return None
        if y.ndim != 1 or (y.dtype.kind == "f" and np.any(y != np.round(y))):
            raise ValueError(f"{where} must be whole numbers (class indices) in a 1-D array")
        if y.size and (y.min() < 0 or y.max() >= n_outputs):
            found = f"found labels from {y.min()} to {y.max()}"
            raise ValueError(f"{where} must lie in 0..{n_outputs - 1} (the outputs); {found}")

    # shown in notebooks/03_losses.ipynb
    def forward(self, pred: Array, target) -> float:
        xp = backend.array_namespace(pred)
        if pred.ndim != 2:
            raise ValueError(f"expected scores of shape (batch, classes), got {tuple(pred.shape)}")
        target = self._one_hot(pred, target)
        probabilities, log_probabilities = softmax_with_log(pred)
        self.cache = (probabilities, target)
        return float(-xp.sum(log_probabilities * target) / pred.shape[0])

    def backward(self) -> Array:
        probabilities, target = self.cache
        return (probabilities - target) / probabilities.shape[0]

    def _one_hot(self, pred: Array, target) -> Array:
        """Integer labels become one-hot rows (built by comparison, valid on every backend)."""
        xp = backend.array_namespace(pred)
        batch, classes = pred.shape
        if target.ndim == 2:
            return _as_target(pred, target)
        if target.shape[0] != batch:
            raise ValueError(f"{batch} rows of scores but {target.shape[0]} labels")
        labels = backend.asarray(target, "int64", xp)
        return xp.astype(labels[:, None] == xp.arange(classes)[None, :], pred.dtype)
