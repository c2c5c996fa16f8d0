"""Metrics: numbers people read to judge a model (the loss is for the optimizer).

They work on host NumPy arrays, such as those `Sequential.predict` returns,
and refuse outputs that are not finite numbers (NaN is no class).
"""

import numpy as np

from .backend import asarray
from .checks import number, real_array
from .losses import MeanSquaredError


def predicted_classes(pred, threshold: float = 0.0) -> np.ndarray:
    """Class numbers from network outputs.

    Several columns: the index of the largest score in each row. One column
    (binary, logits): 1 where the score is above `threshold` (0 is the logit of
    probability 1/2). A 1-D array is taken to be class numbers already.
    """
    pred = real_array(pred, "predictions")
    if pred.ndim == 1:
        return pred.astype(np.int64)
    if pred.ndim != 2:
        raise ValueError(f"predictions must be 1-D or 2-D, got shape {pred.shape}")
    if pred.shape[1] == 1:
        return (pred[:, 0] > threshold).astype(np.int64)
    return np.argmax(pred, axis=1)


def _labels(target) -> np.ndarray:
    target = real_array(target, "targets")
    if target.ndim == 2 and target.shape[1] > 1:
        return np.argmax(target, axis=1)  # one-hot rows
    return target.reshape(-1).astype(np.int64)


def accuracy(pred, target, threshold: float = 0.0) -> float:
    """Fraction of rows whose predicted class equals the target class."""
    predicted = predicted_classes(pred, threshold)
    labels = _labels(target)
    if predicted.shape != labels.shape:
        raise ValueError(f"accuracy: {len(predicted)} predictions but {len(labels)} targets")
    if not labels.size:
        return float("nan")
    return float(np.count_nonzero(predicted == labels) / labels.size)


def confusion_matrix(pred, target, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[true, predicted]``: the diagonal is right, everything else is a mix-up."""
    predicted = predicted_classes(pred)
    labels = _labels(target)
    if predicted.shape != labels.shape or labels.min(initial=0) < 0:
        raise ValueError(f"confusion_matrix: {len(predicted)} predictions for {len(labels)} labels")
    found = int(max(predicted.max(initial=0), labels.max(initial=0)) + 1)
    n_classes = number("n_classes", n_classes or found, f"[{found}, inf)", whole=True)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def mse(pred, target) -> float:
    """Mean squared error over every entry (`MeanSquaredError`, on host arrays)."""
    return MeanSquaredError()(asarray(real_array(pred, "predictions")), target)
