"""Metrics: numbers people read to judge a model (the loss is for the optimizer).

They work on host NumPy arrays, such as those `Sequential.predict` returns,
and refuse outputs that are not finite numbers (NaN is no class).
"""

import numpy as np

from .backend import to_numpy
from .checks import real_array


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
    return _classes(pred, threshold)


def _classes(pred: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    if pred.shape[1] == 1:
        return (pred[:, 0] > threshold).astype(np.int64)
    return np.argmax(pred, axis=1)


def labels(target: np.ndarray) -> np.ndarray:
    """Class numbers from checked NumPy targets: one-hot rows, a 0/1 column, or class numbers."""
    if target.ndim == 2 and target.shape[1] > 1:
        return np.argmax(target, axis=1)  # one-hot rows
    return target.reshape(-1).astype(np.int64)


def hits(outputs, labels: np.ndarray) -> int:
    """How many rows of checked network `outputs` (any backend) predict their class in `labels`."""
    return int(np.count_nonzero(_classes(to_numpy(outputs)) == labels))


def accuracy(pred, target, threshold: float = 0.0) -> float:
    """Fraction of rows whose predicted class equals the target class."""
    predicted = predicted_classes(pred, threshold)
    target = real_array(target, "targets")
    if target.ndim == 1 and np.any(target != np.round(target)):  # 0.7 is no class (not 0)
        raise ValueError("accuracy: targets must be class numbers (whole) or one-hot rows")
    classes = labels(target)
    if predicted.shape != classes.shape:
        raise ValueError(f"accuracy: {len(predicted)} predictions but {len(classes)} targets")
    return float(np.mean(predicted == classes)) if classes.size else float("nan")
