"""Metrics: numbers people read to judge a model (the loss is for the optimizer).

They work on host NumPy arrays, such as those `Sequential.predict` returns.
"""
import numpy as np

from .backend import to_numpy


def predicted_classes(pred, threshold: float = 0.0) -> np.ndarray:
    """Class numbers from network outputs.

    Several columns: the index of the largest score in each row. One column
    (binary, logits): 1 where the score is above `threshold` (0 is the logit of
    probability 1/2). A 1-D array is taken to be class numbers already.
    """
    pred = to_numpy(pred)
    if pred.ndim == 1:
        return pred.astype(np.int64)
    if pred.shape[1] == 1:
        return (pred[:, 0] > threshold).astype(np.int64)
    return np.argmax(pred, axis=1)


def _labels(target) -> np.ndarray:
    target = to_numpy(target)
    if target.ndim == 2 and target.shape[1] > 1:
        return np.argmax(target, axis=1)  # one-hot rows
    return target.reshape(-1).astype(np.int64)


def accuracy(pred, target, threshold: float = 0.0) -> float:
    """Fraction of rows whose predicted class equals the target class."""
    predicted, labels = predicted_classes(pred, threshold), _labels(target)
    if predicted.shape != labels.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions but {labels.shape[0]} targets")
    return float(np.count_nonzero(predicted == labels) / labels.size) if labels.size else float("nan")


def confusion_matrix(pred, target, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[true, predicted]``: the diagonal is right, everything else is a mix-up."""
    predicted, labels = predicted_classes(pred), _labels(target)
    n_classes = n_classes or int(max(predicted.max(initial=0), labels.max(initial=0)) + 1)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def mse(pred, target) -> float:
    """Mean squared error over every entry."""
    pred, target = to_numpy(pred), to_numpy(target)
    return float(np.mean((pred - target.reshape(pred.shape)) ** 2))
