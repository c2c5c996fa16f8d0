"""The backward pass on one slide, one stage per fragment, from `dm.viz.BackpropStepper`.

The build runs the stepper as notebook 04 does and takes, for each chosen stage, the
stepper's own parts: its title, formula (KaTeX on the slide), shapes, matrix tables
(`tables_html`, real text the page sizes for the room), the written-out sum of the
chosen entry, and the circles-and-arrows picture (`network_figure`, drawn at its slide
size). If the stepper cannot give them, the build fails and names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import demystify as dm
from demystify import viz

from .figures import Drawn, save_at_slide_size

PICTURE = (480, 300)  # the picture's width and height on the slide, in CSS pixels


@dataclass(frozen=True)
class StageView:
    title: str
    formula: str
    shapes: str
    tables: str
    entry: str
    picture: object  # a figures.Drawn


def stepper_inputs():
    """The network and rows notebook 04 steps through: 2-3-2 with ReLU, four XOR rows."""
    model = dm.Sequential([dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)], seed=0)
    X, y = dm.datasets.xor(n=4, seed=0)
    return viz.BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y, lr=0.5)


def chosen_stages(stepper) -> list[int]:
    """The first forward product, the loss gradient, every ``dW``/``dA`` product of the
    backward pass, and the first update (the stepper has every stage in between too)."""
    chosen, seen = [], set()
    for index, stage in enumerate(stepper.stages):
        first_of_phase = stage.phase not in seen
        seen.add(stage.phase)
        product = stage.phase == "backward" and stage.name[:2] in ("dW", "dA")
        if (first_of_phase and stage.phase in ("forward", "backward", "update")) or product:
            chosen.append(index)
    return chosen


def stepper_stages(folder: Path) -> list[StageView]:
    """The chosen stages, each with its picture saved into `folder` at its slide size."""
    stepper = stepper_inputs()
    views = []
    for index in chosen_stages(stepper):
        stage = stepper.stages[index]
        path = folder / f"stepper-{index}.png"
        picture = stepper.network_figure(index)
        width, height, smallest = save_at_slide_size(picture, path, PICTURE[1], PICTURE[0])
        alt = f"The 2-3-2 network at stage {index + 1}: {stage.phase}, {stage.name}"
        views.append(
            StageView(
                stepper.title(index),
                stage.formula,
                stage.shapes,
                stepper.tables_html(index),
                stepper.entry_of(index).text,
                Drawn(f"figures/{path.name}", alt, width, height, smallest),
            )
        )
    return views
