"""Optimizers: how the gradient turns into a change of the weights.

Every optimizer holds the parameters it was given, and each ``step()`` moves
every ``value`` a little against its ``grad``; ``zero_grad()`` clears the
gradients for the next batch. They differ in *how far* each number moves:

* SGD:      ``w -= lr * g`` (with momentum, a running velocity instead of ``g``);
* RMSprop:  divide by a running root-mean-square of recent gradients;
* Adam:     momentum *and* RMS scaling, with a correction for their zero start.

Shared extras: L2 weight decay (``g += weight_decay * w``), clipping the global
gradient norm, and a learning-rate schedule (a function of the step number:
``dm.StepDecay`` and ``dm.CosineDecay`` are two, in ``apps/schedules.py``).
Updates are done in place, so a step allocates little memory.
"""

import math

import numpy as np

from . import backend, checks
from .backend import Array
from .parameter import Parameter, Params


class Optimizer:
    """Base class: keeps the parameters, applies decay, clipping and schedule, then `update`."""

    decoupled = False  # AdamW-style decay shrinks the weights outside the gradient

    def __init__(self, params: Params, lr: float, weight_decay=0.0, clip_norm=None, schedule=None):
        name = type(self).__name__
        self.parameters = checks.parameter_list(params, name)
        self.base_lr = self.lr = checks.number("lr", lr, "(0, inf)", owner=name)
        self.weight_decay = checks.number("weight_decay", weight_decay, "[0, inf)", owner=name)
        if clip_norm is not None:
            checks.number("clip_norm", clip_norm, "(0, inf)", owner=name)
        if not (schedule is None or callable(schedule)):
            raise ValueError(f"{name}: schedule must be a function of the step, got {schedule!r}")
        self.clip_norm = clip_norm
        self.schedule = schedule
        self.steps = 0  # how many updates so far (Adam's bias correction and schedules use it)

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.zero_grad()

    # shown in notebooks/05_optimizers.ipynb
    def step(self) -> None:
        """One update of every parameter from its current gradient."""
        if self.schedule is not None:
            factor = checks.number("schedule(step)", self.schedule(self.steps), "[0, inf)")
            self.lr = self.base_lr * factor
        self.steps += 1
        scale = self._clip_scale()
        for index, parameter in enumerate(self.parameters):
            grad = parameter.grad
            if scale != 1.0:
                grad = grad * scale
            if self.weight_decay and not self.decoupled:
                grad = grad + self.weight_decay * parameter.value  # L2 penalty's gradient
            self.update(index, parameter, grad)

    def _clip_scale(self) -> float:
        """Factor that brings the global gradient norm down to `clip_norm` (1 if already below)."""
        if self.clip_norm is None:
            return 1.0
        xp = backend.array_namespace(self.parameters[0].value)
        norm = math.sqrt(sum(float(xp.sum(p.grad * p.grad)) for p in self.parameters))
        return min(1.0, self.clip_norm / (norm + 1e-12))

    def update(self, index: int, parameter: Parameter, grad: Array) -> None:
        raise NotImplementedError

    def _eps(self, eps: float) -> float:
        """`eps`, if it is not 0 in the parameters' dtype (1e-8 is 0 in float16: 0/0 is NaN)."""
        checks.number("eps", eps, "(0, inf)", owner=type(self).__name__)
        dtype = backend.dtype_name(self.parameters[0].value)
        if float(np.asarray(eps, dtype=dtype)) == 0:
            raise ValueError(f"{type(self).__name__}: eps={eps:g} is 0 in {dtype}; use eps=1e-4")
        return eps

    def _state(self) -> list[Array]:
        """One zero array per parameter, for running averages kept in step with them."""
        return [backend.array_namespace(p.value).zeros_like(p.value) for p in self.parameters]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``v = momentum * v + g``;  ``w -= lr * v``  (Nesterov: ``w -= lr * (g + momentum * v)``).
    """

    def __init__(self, params: Params, lr=0.01, momentum=0.0, nesterov=False, **kw):
        super().__init__(params, lr, **kw)
        self.momentum = checks.number("momentum", momentum, "[0, 1)", owner="SGD")
        self.nesterov = nesterov
        self.velocity = self._state() if momentum else None

    # shown in notebooks/05_optimizers.ipynb
    def update(self, index: int, parameter: Parameter, grad: Array) -> None:
        if not self.momentum:
            parameter.value -= self.lr * grad
            return
        velocity = self.velocity[index]
        velocity *= self.momentum
        velocity += grad
        step = grad + self.momentum * velocity if self.nesterov else velocity
        parameter.value -= self.lr * step


class RMSprop(Optimizer):
    """``s = rho * s + (1 - rho) * g**2``;  ``w -= lr * g / (sqrt(s) + eps)``."""

    def __init__(self, params: Params, lr=0.001, rho=0.9, eps=1e-8, **kw):
        super().__init__(params, lr, **kw)
        self.rho = checks.number("rho", rho, "[0, 1)", owner="RMSprop")
        self.eps = self._eps(eps)
        self.square_avg = self._state()

    def update(self, index: int, parameter: Parameter, grad: Array) -> None:
        square_avg = self.square_avg[index]
        square_avg *= self.rho
        square_avg += (1 - self.rho) * grad * grad
        xp = backend.array_namespace(grad)
        parameter.value -= self.lr * grad / (xp.sqrt(square_avg) + self.eps)


class Adam(Optimizer):
    """Adaptive moments.

    ``m = b1 m + (1 - b1) g``;  ``v = b2 v + (1 - b2) g**2``;
    ``m_hat = m / (1 - b1**t)``;  ``v_hat = v / (1 - b2**t)``  (both start at 0: undo that bias);
    ``w -= lr * m_hat / (sqrt(v_hat) + eps)``.
    In `AdamW` (``decoupled``) weight decay shrinks ``w -= lr * weight_decay * w``
    directly instead of entering the gradient.
    """

    def __init__(self, params: Params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, **kw):
        super().__init__(params, lr, **kw)
        name = type(self).__name__
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = checks.number("betas[0]", betas[0], "[0, 1)", owner=name)
        self.beta2 = checks.number("betas[1]", betas[1], "[0, 1)", owner=name)
        self.eps = self._eps(eps)
        self.m = self._state()
        self.v = self._state()

    # shown in notebooks/05_optimizers.ipynb
    def update(self, index: int, parameter: Parameter, grad: Array) -> None:
        m = self.m[index]
        v = self.v[index]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        m_hat = m / (1 - self.beta1**self.steps)
        v_hat = v / (1 - self.beta2**self.steps)
        if self.decoupled and self.weight_decay:
            parameter.value -= self.lr * self.weight_decay * parameter.value
        parameter.value -= self.lr * m_hat / (backend.array_namespace(v_hat).sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), default decay 0.01."""

    decoupled = True

    def __init__(self, params: Params, lr: float = 0.001, weight_decay: float = 0.01, **kw):
        super().__init__(params, lr, weight_decay=weight_decay, **kw)
