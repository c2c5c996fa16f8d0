"""Metrics: what the training loop counts -- how many rows a classifier gets right.

The numbers people read afterwards (`dm.accuracy`, `dm.confusion_matrix`)
are built on these in the ring (``apps/accuracy.py``, ``apps/tables.py``).
"""

import numpy as np

from .backend import to_numpy


def classes(pred: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Class numbers from checked 2-D outputs: the largest score, or one logit above `threshold`."""
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
    return int(np.count_nonzero(classes(to_numpy(outputs)) == labels))
