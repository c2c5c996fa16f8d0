"""Optimizers: how the gradient turns into a change of the weights.

Every optimizer holds the parameters it was given, and each ``step()`` moves
every ``value`` a little against its ``grad``; ``zero_grad()`` clears the
gradients for the next batch. They differ in *how far* each number moves:

* SGD:      ``w -= lr * g`` (with momentum, a running velocity instead of ``g``);
* RMSprop:  divide by a running root-mean-square of recent gradients;
* Adam:     momentum *and* RMS scaling, with a correction for their zero start.

Shared extras: L2 weight decay (``g += weight_decay * w``), clipping the global
gradient norm, and a learning-rate schedule (a function of the step number).
Updates are done in place, so a step allocates little memory.
"""
import math

from . import backend


class StepDecay:
    """Learning-rate factor ``factor ** (step // every)``: drop by `factor` every `every` steps."""

    def __init__(self, every: int, factor: float = 0.5):
        self.every, self.factor = every, factor

    def __call__(self, step: int) -> float:
        return self.factor ** (step // self.every)


class CosineDecay:
    """Learning-rate factor falling from 1 to `floor` along half a cosine over `total` steps."""

    def __init__(self, total: int, floor: float = 0.0):
        self.total, self.floor = total, floor

    def __call__(self, step: int) -> float:
        progress = min(step, self.total) / self.total
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * progress))


class Optimizer:
    """Base class: keeps the parameters, applies decay, clipping and schedule, then `update`."""

    def __init__(self, parameters, lr: float, weight_decay: float = 0.0, clip_norm: float | None = None, schedule=None):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError(f"{type(self).__name__} got no parameters to optimise")
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr!r}")
        self.base_lr = self.lr = lr
        self.weight_decay, self.clip_norm, self.schedule = weight_decay, clip_norm, schedule
        self.steps = 0  # how many updates so far (Adam's bias correction and schedules use it)

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.zero_grad()

    def step(self) -> None:
        """One update of every parameter from its current gradient."""
        if self.schedule is not None:
            self.lr = self.base_lr * self.schedule(self.steps)
        self.steps += 1
        scale = self._clip_scale()
        for index, parameter in enumerate(self.parameters):
            grad = parameter.grad
            if scale != 1.0:
                grad = grad * scale
            if self.weight_decay and not self.decoupled:
                grad = grad + self.weight_decay * parameter.value  # L2 penalty's gradient
            self.update(index, parameter, grad)

    decoupled = False  # AdamW-style decay shrinks the weights outside the gradient

    def _clip_scale(self) -> float:
        """Factor that brings the global gradient norm down to `clip_norm` (1 if already below)."""
        if self.clip_norm is None:
            return 1.0
        xp = backend.namespace()
        norm = math.sqrt(sum(float(xp.sum(p.grad * p.grad)) for p in self.parameters))
        return min(1.0, self.clip_norm / (norm + 1e-12))

    def update(self, index: int, parameter, grad) -> None:
        raise NotImplementedError

    def _state(self):
        """One zero array per parameter, for running averages kept in step with them."""
        return [backend.namespace().zeros_like(p.value) for p in self.parameters]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``v = momentum * v + g``;  ``w -= lr * v``  (Nesterov: ``w -= lr * (g + momentum * v)``).
    """

    def __init__(self, parameters, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **options):
        super().__init__(parameters, lr, **options)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity = self._state() if momentum else None

    def update(self, index, parameter, grad) -> None:
        if not self.momentum:
            parameter.value -= self.lr * grad
            return
        velocity = self.velocity[index]
        velocity *= self.momentum
        velocity += grad
        parameter.value -= self.lr * (grad + self.momentum * velocity if self.nesterov else velocity)


class RMSprop(Optimizer):
    """``s = rho * s + (1 - rho) * g**2``;  ``w -= lr * g / (sqrt(s) + eps)``."""

    def __init__(self, parameters, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8, **options):
        super().__init__(parameters, lr, **options)
        self.rho, self.eps = rho, eps
        self.square_avg = self._state()

    def update(self, index, parameter, grad) -> None:
        square_avg = self.square_avg[index]
        square_avg *= self.rho
        square_avg += (1 - self.rho) * grad * grad
        parameter.value -= self.lr * grad / (backend.namespace().sqrt(square_avg) + self.eps)


class Adam(Optimizer):
    """Adaptive moments.

    ``m = b1 m + (1 - b1) g``;  ``v = b2 v + (1 - b2) g**2``;
    ``m_hat = m / (1 - b1**t)``;  ``v_hat = v / (1 - b2**t)``  (both start at 0: undo that bias);
    ``w -= lr * m_hat / (sqrt(v_hat) + eps)``.
    With ``decoupled=True`` (AdamW) weight decay shrinks ``w -= lr * weight_decay * w``
    directly instead of entering the gradient.
    """

    def __init__(self, parameters, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 decoupled: bool = False, **options):
        super().__init__(parameters, lr, **options)
        self.beta1, self.beta2 = betas
        self.eps, self.decoupled = eps, decoupled
        self.m, self.v = self._state(), self._state()

    def update(self, index, parameter, grad) -> None:
        m, v, t = self.m[index], self.v[index], self.steps
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        m_hat = m / (1 - self.beta1 ** t)
        v_hat = v / (1 - self.beta2 ** t)
        if self.decoupled and self.weight_decay:
            parameter.value -= self.lr * self.weight_decay * parameter.value
        parameter.value -= self.lr * m_hat / (backend.namespace().sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), default decay 0.01."""

    def __init__(self, parameters, lr: float = 0.001, weight_decay: float = 0.01, **options):
        super().__init__(parameters, lr, weight_decay=weight_decay, decoupled=True, **options)
