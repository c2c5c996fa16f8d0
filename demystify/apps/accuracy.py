"""Accuracy: the fraction of examples whose predicted class is the true one.

A number people read to judge a classifier (the loss is for the optimizer),
so it lives in the ring, built on the engine's counting (`dm.metrics`). It
works on host NumPy arrays, such as those `Sequential.predict` returns, and
refuses outputs that are not finite numbers (NaN is no class) and targets
that are not classes (0.7 is no class, not class 0).
"""

import numpy as np

from .. import metrics
from ..checks import real_array


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
    return metrics.classes(pred, threshold)


def accuracy(pred, target, threshold: float = 0.0) -> float:
    """Fraction of rows whose predicted class equals the target class."""
    predicted = predicted_classes(pred, threshold)
    target = real_array(target, "targets")
    if target.ndim == 1 and np.any(target != np.round(target)):  # 0.7 is no class (not 0)
        raise ValueError("accuracy: targets must be class numbers (whole) or one-hot rows")
    classes = metrics.labels(target)
    if predicted.shape != classes.shape:
        raise ValueError(f"accuracy: {len(predicted)} predictions but {len(classes)} targets")
    return float(np.mean(predicted == classes)) if classes.size else float("nan")
