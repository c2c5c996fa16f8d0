"""The dashboard's data: the points, split into training and test rows, and the network's inputs.

The points (a built-in data set, or your own ``(X, y)``) are split once with
``dm.datasets.train_test_split`` (seeded), so the test rows are never trained
on; the network sees the chosen features of each point (x₁, x₂, x₁², ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import checks
from ...datasets import train_test_split
from .settings import DATASETS, FEATURES, MAX_CLASSES, YOUR_DATA, Settings, features


def your_data(data, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the shapes the pictures need (points in the plane, or one input for a curve)."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"Dashboard: data must be a pair (X, y), got a {type(data).__name__}")
    X = checks.real_array(data[0], "Dashboard data: X", "float32")  # the network's dtype
    y = checks.real_array(data[1], "Dashboard data: y", "float32")
    if len(X) < 2:
        raise ValueError(
            f"Dashboard data needs 2 rows or more (to train and to test on), not {len(X)}"
        )
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if X.ndim != 2 or X.shape[1] not in (1, 2) or (task == "classification" and X.shape[1] != 2):
        allowed = "(n, 2)" if task == "classification" else "(n,), (n, 1) or (n, 2)"
        hint = " (one input? use task='regression')" if task == "classification" else ""
        raise ValueError(f"Dashboard data: X must have shape {allowed}, got {X.shape}{hint}")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"Dashboard data: y must have shape ({len(X)},), got {y.shape}")
    if task == "classification":
        if not np.all(y == np.round(y)) or y.min() < 0:
            raise ValueError("Dashboard data: y must hold class labels 0, 1, 2, ...")
        if y.max() >= MAX_CLASSES or y.max() < 1:
            raise ValueError(
                f"Dashboard data: the labels go up to {y.max():g}; the dashboard draws 2 to "
                f"{MAX_CLASSES} classes, labelled 0 to {MAX_CLASSES - 1}"
            )
        y = y.astype(np.int64)
    return X, y


@dataclass
class Data:
    """The points and their split: ``X``/``y`` (training) and ``X_test``/``y_test``."""

    points: np.ndarray  # every point, as made (n, 1 or 2)
    labels: np.ndarray
    X: np.ndarray  # training points (before the features)
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    features: tuple[str, ...]
    grids: dict = field(default_factory=dict, repr=False)  # size: points, made once

    @classmethod
    def make(cls, settings: Settings, data=None) -> Data:
        if settings.dataset == YOUR_DATA:
            points, labels = data
        else:
            points, labels = DATASETS[settings.dataset].make(settings.seed, settings.noise)
        needs = max(FEATURES[name][2] for name in settings.features)
        if needs >= points.shape[1]:
            raise ValueError(
                f"Dashboard: the feature {settings.features[-1]!r} needs x{needs + 1}, but the "
                f"data has {points.shape[1]} input; choose features of x1 only"
            )
        test = round(1 - settings.train_fraction, 6)
        X, X_test, y, y_test = train_test_split(points, labels, test_size=test, seed=settings.seed)
        return cls(points, labels, X, y, X_test, y_test, settings.features)

    @property
    def inputs(self) -> int:
        """Coordinates per point: 2 (a plane) or 1 (a curve)."""
        return self.points.shape[1]

    @property
    def classes(self) -> int:
        return int(self.labels.max()) + 1

    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """The training rows as the network sees them (features, y)."""
        return features(self.X, self.features), self.y

    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return features(self.X_test, self.features), self.y_test

    def grid(self, size: int) -> np.ndarray:
        """The points of a `size` grid over the plane drawn (made once per size)."""
        if size not in self.grids:
            self.grids[size] = grid(self.extent(), size, self.inputs)
        return self.grids[size]

    def extent(self) -> tuple[float, float, float, float]:
        """The plane drawn: (x1 low, x1 high, x2 low, x2 high), the points with a margin.

        With one input the second pair is the range of the targets.
        """
        second = self.points[:, 1] if self.inputs == 2 else self.labels.astype(float)
        bounds = []
        for values in (self.points[:, 0], second):
            low, high = float(values.min()), float(values.max())
            margin = 0.1 * (high - low) + 1e-3
            bounds += [low - margin, high + margin]
        return tuple(bounds)


def grid(extent: tuple[float, ...], size: int, inputs: int) -> np.ndarray:
    """Points to draw at: a ``size``×``size`` grid over the plane (row 0 at the top), or a line."""
    x1 = np.linspace(extent[0], extent[1], size)
    if inputs == 1:
        return x1[:, None].astype(np.float32)
    x2 = np.linspace(extent[3], extent[2], size)  # top row first, as an image is drawn
    g1, g2 = np.meshgrid(x1, x2)
    return np.c_[g1.ravel(), g2.ravel()].astype(np.float32)


__all__ = ["Data", "grid", "your_data"]
