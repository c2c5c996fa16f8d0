"""Recorded fallbacks for the live demos: short looping animations made at build time.

If the kernel dies during a demo, the presenter keeps going with the recording: the
dashboard training on the moons (its own static figure after more and more steps) and
the stepper walking through every stage of one training step (its title, formula and
picture of each stage, and the sum of one entry; the stepper's whole static figure holds
too much to be read at slide size, and the slide shows its matrices).
Each frame is drawn at its slide size (`sizing`) and the frames are saved
as one looping GIF; the smallest text of all frames is kept for the tests.
"""

from __future__ import annotations

import textwrap
from io import BytesIO
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image

from demystify import viz

from .errors import BuildError
from .figures import Drawn
from .sizing import PX_PER_INCH, SLIDE_WIDTH, as_figure, fit_to_slide, roomy_fonts, smallest_text_px
from .stepper import stepper_inputs

DASHBOARD_STEPS = (0, 5, 10, 20, 40, 80, 160, 320)  # the frames: steps trained so far
FRAME_MS = 1200  # how long each frame shows


def dashboard_frames() -> list:
    """The dashboard's own static figure after each of `DASHBOARD_STEPS` steps.

    It calls only ``viz.Dashboard(dataset, hidden=, activation=, optimizer=, lr=)``,
    ``.step(n)`` and ``.static_figure()``.
    """
    dash = viz.Dashboard("moons", hidden="8,8", activation="tanh", optimizer="adam", lr=0.03)
    frames, done = [], 0
    for total in DASHBOARD_STEPS:
        if total > done:
            dash.step(total - done)
            done = total
        frames.append(dash.static_figure())
    return frames


def stepper_frames() -> list:
    """Every stage of one training step: the stepper's title, formula, shapes and picture of
    the stage, and its written-out sum of entry [0, 0] (the matrices are on the slide)."""
    stepper = stepper_inputs()
    frames = []
    for index, stage in enumerate(stepper.stages):
        fig = Figure(figsize=(12, 5.2), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[4, 1])
        words, picture = top.subfigures(1, 2, width_ratios=[1.2, 1])
        words.text(0.02, 0.95, stepper.title(index), fontsize=17, weight="bold", va="top")
        words.text(0.02, 0.68, f"${stage.formula}$", fontsize=21, va="center")
        shapes = textwrap.fill(f"shapes: {stage.shapes}", 60)
        words.text(0.02, 0.38, shapes, color="0.3", va="top")
        stepper.draw_network(picture.add_subplot(), index)
        bottom.text(0.01, 0.5, stepper.entry_of(index).text, family="monospace", va="center")
        frames.append(fig)
    return frames


RECORDINGS = {  # name -> (frames, the notebook whose live demo it stands in for, alt text)
    "dashboard": (
        dashboard_frames,
        "07",
        "A recording of the training dashboard on the moons: the network, the predicted "
        "regions, the loss curve and the weight heatmaps after 0 to 320 steps",
    ),
    "stepper": (
        stepper_frames,
        "04",
        "A recording of the backprop stepper: every stage of one training step of a 2-3-2 "
        "network, forward, loss, backward and update, each with its formula, its picture and "
        "one entry's sum written out",
    ),
}


def record(name: str, folder: Path, height: int) -> Drawn:
    """Draw recording `name`'s frames at `height` px on the slide into one looping GIF."""
    make, _, alt = RECORDINGS[name]
    images, smallest, size = [], float("inf"), None
    with roomy_fonts():
        try:
            frames = make()
        except Exception as error:
            raise BuildError(f"the recording {name!r} could not be made: {error!r}") from error
        for item in frames:
            fig = as_figure(item)
            if size is None:  # every frame the size of the first
                inches_wide, inches_high = fig.get_size_inches()
                width = min(SLIDE_WIDTH, round(height * inches_wide / inches_high))
                size = (width, min(height, round(width * inches_high / inches_wide)))
            fit_to_slide(fig, *size)
            buffer = BytesIO()
            fig.savefig(buffer, dpi=PX_PER_INCH, format="png")
            smallest = min(smallest, smallest_text_px(fig, PX_PER_INCH))
            plt.close(fig)
            images.append(Image.open(buffer).convert("RGB").quantize(colors=255))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.gif"
    images[0].save(path, save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0)
    return Drawn(f"{folder.name}/{path.name}", alt, *size, smallest)
