"""Recorded fallbacks for the live demos: short looping animations made at build time.

If the kernel dies during a demo, the presenter keeps going with the recording: the
dashboard training on the moons (its own static figure after more and more steps) and
the stepper walking through every stage of one training step (its own static figure of
each stage). Each frame is drawn at its slide size (`sizing`) and the frames are saved
as one looping GIF; the smallest text of all frames is kept for the tests.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import matplotlib.pyplot as plt
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
    """The stepper's own static figure of every stage of one training step."""
    stepper = stepper_inputs()
    return [stepper.static_figure(index) for index in range(len(stepper.stages))]


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
        "network, forward, loss, backward and update, with its matrices",
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
