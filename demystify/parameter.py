"""A parameter: a learnable array paired with the gradient of the loss with respect to it.

Training a network means nudging numbers. Each block of numbers (a weight
matrix, a bias vector) lives in a `Parameter`, next to `grad`, the slope of the
loss with respect to each of those numbers. Backward passes *add* into `grad`
(so a layer used twice, or two batches before one step, give the summed
gradient); `zero_grad()` starts the sum again. Optimizers read `grad` and
update `value` in place.

A detail for speed: `zero_grad()` writes no zeros, it only forgets the sum.
The first backward pass after it hands over its fresh gradient array as the
new sum (`accumulate`), so a training step spends no pass over memory on
clearing and re-adding its largest arrays. Before that, `grad` reads as zeros.
"""

import math
from collections.abc import Iterable

from . import backend
from .backend import Array


class Parameter:
    """A learnable array `value` and its accumulated gradient `grad` (same shape)."""

    def __init__(self, value: Array):
        self.value = value
        self._grad = None  # None: no gradient since the last zero_grad (reads as zeros)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def size(self) -> int:
        return math.prod(self.value.shape)

    @property
    def grad(self) -> Array:
        """The gradient accumulated since the last `zero_grad` (zeros if none yet)."""
        if self._grad is None:  # kept, so that writing into it (grad[...] = ...) is not lost
            self._grad = backend.array_namespace(self.value).zeros_like(self.value)
        return self._grad

    @grad.setter
    def grad(self, value: Array) -> None:
        self._grad = value

    def accumulate(self, grad: Array) -> None:
        """Add one backward pass's gradient (the first after `zero_grad` is kept, not copied)."""
        self._grad = grad if self._grad is None else self._grad + grad

    def zero_grad(self) -> None:
        """Forget the accumulated gradient: the next `accumulate` starts a new sum."""
        self._grad = None

    def move(self, dtype: str | None = None, xp=None) -> None:
        """Cast value to `dtype` and/or move it to namespace `xp`, forgetting the gradient."""
        xp = xp or backend.array_namespace(self.value)
        self.value = backend.asarray(self.value, dtype or backend.dtype_name(self.value), xp)
        self._grad = None

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={backend.dtype_name(self.value)})"


Params = Iterable[Parameter]  # what an optimizer takes: model.parameters()
