"""Learning-rate schedules: functions of the step number, built on the optimizers' contract.

An optimizer takes any ``schedule``, a function from the step number to a
factor of its learning rate (``dm.SGD(..., schedule=lambda step: 0.99**step)``).
These two are ready-made ones; like any user's function, they live outside
the core, in the ring, counted and shown beside it.
"""

import math

import demystify as dm


class StepDecay:
    """Learning-rate factor ``factor ** (step // every)``: drop by `factor` every `every` steps."""

    def __init__(self, every: int, factor: float = 0.5):
        self.every = dm.checks.number("every", every, "[1, inf)", whole=True, owner="StepDecay")
        self.factor = dm.checks.number("factor", factor, "(0, 1]", owner="StepDecay")

    def __call__(self, step: int) -> float:
        return self.factor ** (step // self.every)


class CosineDecay:
    """Learning-rate factor falling from 1 to `floor` along half a cosine over `total` steps."""

    def __init__(self, total: int, floor: float = 0.0):
        self.total = dm.checks.number("total", total, "[1, inf)", whole=True, owner="CosineDecay")
        self.floor = dm.checks.number("floor", floor, "[0, 1]", owner="CosineDecay")

    def __call__(self, step: int) -> float:
        progress = min(step, self.total) / self.total
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * progress))
