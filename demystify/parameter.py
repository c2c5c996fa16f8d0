"""A parameter: a learnable array paired with the gradient of the loss with respect to it.

Training a network means nudging numbers. Each block of numbers (a weight
matrix, a bias vector) lives in a `Parameter`, next to `grad`, the slope of the
loss with respect to each of those numbers. Backward passes *add* into `grad`
(so a layer used twice, or two batches before one step, give the summed
gradient); `zero_grad()` starts the sum again. Optimizers read `grad` and
update `value` in place.
"""
from __future__ import annotations

import math

from . import backend


class Parameter:
    """A learnable array `value` and its accumulated gradient `grad` (same shape)."""

    def __init__(self, value):
        self.value = value
        self.grad = backend.namespace().zeros_like(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def size(self) -> int:
        return math.prod(self.value.shape)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (in place, so no new memory each step)."""
        self.grad[...] = 0

    def move(self, dtype=None) -> None:
        """Move value (and a fresh zero grad) onto the active backend, optionally casting."""
        self.value = backend.asarray(self.value, dtype=dtype or backend.dtype_name(self.value))
        self.grad = backend.namespace().zeros_like(self.value)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={backend.dtype_name(self.value)})"
