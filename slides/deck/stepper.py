"""The backward pass as pictures for ``{{stepper}}``: `dm.viz.BackpropStepper`'s own static views.

The build calls the stepper as notebook 04 does and takes the widget's own figures; if
it cannot draw them, the build fails and names the stepper (no drawing in its place).
"""

from __future__ import annotations

import demystify as dm
from demystify import viz

from .runs import Runs


def _stepper_inputs():
    model = dm.Sequential([dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)], seed=0)
    X, y = dm.datasets.xor(n=4, seed=0)
    return model, X, y


def stepper_views(runs: Runs) -> list:
    """The stepper's own static figures of the stages worth a slide each.

    The first forward product, the loss gradient, every ``dW``/``dA`` product of the
    backward pass, and the first update (the stepper has every stage in between too).
    """
    model, X, y = _stepper_inputs()
    stepper = viz.BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y, lr=0.5)
    chosen, seen = [], set()
    for index, stage in enumerate(stepper.stages):
        first_of_phase = stage.phase not in seen
        seen.add(stage.phase)
        backward_product = stage.phase == "backward" and stage.name[:2] in ("dW", "dA")
        if (first_of_phase and stage.phase in ("forward", "backward", "update")) or (
            backward_product
        ):
            chosen.append(index)
    return [stepper.static_figure(index) for index in chosen]
