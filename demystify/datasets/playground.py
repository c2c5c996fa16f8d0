"""TensorFlow Playground's other problems: two gaussians, and regressions (plane, hills, sine).

Playground's circle, xor and spiral are `circles`, `xor` and ``spirals(classes=2)``
of `demystify.datasets`; these complete its menu. Every generator is seeded and
returns ``(X, y)`` with X float32: integer labels 0/1 for `gaussians`, float
targets for the regressions. Points lie in about [-1.5, 1.5] like the others.
"""

from __future__ import annotations

import numpy as np

from ..checks import number
from ..init import as_generator


def _points(owner: str, n: int, noise: float, seed) -> tuple[int, np.random.Generator]:
    from . import affordable_rows  # defined before this module is imported

    number("noise", noise, "[0, inf)", owner=owner)
    n = number("n", n, "[2, inf)", whole=True, owner=owner)
    affordable_rows(owner, n, 2)
    return n, as_generator(seed)


def gaussians(n: int = 200, noise: float = 0.5, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Two round clouds around (1, 1) (label 1) and (-1, -1) (label 0), spread `noise`."""
    n, rng = _points("gaussians", n, noise, seed)
    y = (np.arange(n) % 2).astype(np.int64)
    centres = np.where(y[:, None] == 1, 1.0, -1.0)
    X = centres + rng.normal(0, noise, size=(n, 2))
    return X.astype(np.float32), y


def plane(n: int = 200, noise: float = 0.05, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Regression on a tilted plane: ``y = (x1 + x2) / 2 + noise``, X uniform in [-1, 1]²."""
    n, rng = _points("plane", n, noise, seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = X.sum(axis=1) / 2 + rng.normal(0, noise, size=n)
    return X.astype(np.float32), y.astype(np.float32)


HILLS = [(-0.6, 0.6, 1.0), (0.0, 0.6, -1.0), (0.6, 0.6, 1.0), (-0.6, -0.6, -1.0), (0.6, -0.6, -1.0)]


def hills(n: int = 300, noise: float = 0.05, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Regression on bumps up and down (Playground's "multi gaussian"), X uniform in [-1, 1]²."""
    n, rng = _points("hills", n, noise, seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = sum(
        sign * np.exp(-((X[:, 0] - a) ** 2 + (X[:, 1] - b) ** 2) / (2 * 0.25**2))
        for a, b, sign in HILLS
    )
    y = y + rng.normal(0, noise, size=n)
    return X.astype(np.float32), y.astype(np.float32)


def sine(n: int = 100, noise: float = 0.1, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Regression with one input: ``y = sin(x) + noise``, x uniform in [-3, 3]; X is (n, 1)."""
    n, rng = _points("sine", n, noise, seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, noise, size=n)
    return X.astype(np.float32), y.astype(np.float32)


__all__ = ["gaussians", "hills", "plane", "sine"]
