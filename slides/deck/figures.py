"""The figures talk.md may ask for, by name, and their drawing into PNG files.

``{{figure NAME}}`` (or ``{{figures A B}}``, side by side) names an entry of `FIGURES`;
``{{stepper}}`` asks for the stepper's stages (`stepper`). Every figure is drawn at the size
its slide shows it (`sizing`), with its alt text from the table. A figure that is not in
the table, or whose drawing fails, stops the build with its name: a talk never shows a
stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from PIL import Image, ImageChops

from . import figures_beyond, figures_model, figures_training
from .errors import BuildError
from .runs import Runs
from .sizing import (
    PX_PER_INCH,
    SHARPNESS,
    SLIDE_WIDTH,
    as_figure,
    fit_to_slide,
    roomy_fonts,
    smallest_text_px,
)

STEPPER = "stepper"  # the placeholder whose stages are drawn by `stepper.stepper_stages`
PAIR_WIDTH = 590  # the widest one of two figures side by side may be

# name -> (drawing function, the alt text: what the picture shows, for a reader who cannot see it)
FIGURES = {
    "network": (
        figures_model.fig_network,
        "A small network drawn as circles and arrows: inputs, hidden units and outputs, each "
        "arrow coloured by its weight",
    ),
    "weights": (
        figures_model.fig_weights,
        "The same network's weight matrices as heatmaps: one row per input unit, one column "
        "per output unit, the colour is the weight",
    ),
    "before_after": (
        figures_model.fig_before_after,
        "Two maps of the plane coloured by the predicted class over the two moons: random "
        "weights split them badly, after 60 epochs the boundary follows the moons",
    ),
    "neuron": (
        figures_model.fig_neuron,
        "One neuron: three inputs x0, x1, x2 joined by arrows labelled with their weights "
        "to one output unit",
    ),
    "layer": (
        figures_model.fig_layer,
        "A dense layer: three inputs, each joined by an arrow to each of four outputs, "
        "twelve weights in all",
    ),
    "linear_vs_relu": (
        figures_model.fig_linear_vs_relu,
        "Two decision maps on the moons: three Dense layers without activation draw a straight "
        "line; with ReLU the boundary bends around the moons",
    ),
    "activations": (
        figures_model.fig_activations,
        "ReLU, sigmoid and tanh plotted from -4 to 4 (solid) with their slopes (dashed)",
    ),
    "losses": (
        figures_model.fig_losses,
        "Loss against the probability given to the right class: cross-entropy rises without "
        "limit as p goes to 0, squared error stays below 1",
    ),
    "valley": (
        figures_training.fig_valley,
        "Contours of a long narrow valley with the path of 60 SGD steps zigzagging across it "
        "toward the minimum",
    ),
    "optimizers": (
        figures_training.fig_optimizers,
        "The same valley with the paths of SGD, momentum, RMSprop and Adam from one start",
    ),
    "history": (
        figures_training.fig_history,
        "Loss and accuracy per epoch on the spirals, training (solid) and validation (dashed)",
    ),
    "boundary": (
        figures_training.fig_boundary,
        "The plane coloured by the class the trained network predicts, over three spirals",
    ),
    "overfit": (
        figures_training.fig_overfit,
        "Loss per epoch of a big network on 40 points: training loss falls toward zero while "
        "validation loss turns up",
    ),
    "digits": (
        figures_training.fig_digits,
        "Twelve 8×8 handwritten digits from the held-out set: the top row read right, the "
        "bottom row read wrong, each with the network's answer and the true digit",
    ),
    "changes": (
        figures_training.fig_changes,
        "Heatmaps of how much each weight of a 2-8-8-2 network changed during training",
    ),
    "spark": (
        figures_beyond.fig_spark,
        "A diagram of one data-parallel step: the driver broadcasts the weights to three "
        "partitions, their sums meet in a tree sum, the driver steps the optimizer",
    ),
    "evolution": (
        figures_beyond.fig_evolution,
        "Loss per step on the moons for backprop with Adam, an evolution strategy and a genetic "
        "algorithm; backprop falls fastest",
    ),
}


@dataclass(frozen=True)
class Use:
    """One figure as a slide asks for it: its name, height on the slide, alone or in a pair."""

    name: str
    height: int
    pair: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}-{self.height}{'-pair' if self.pair else ''}.png"


@dataclass(frozen=True)
class Drawn:
    """A drawn figure: its file (relative to the deck), its alt text, its width and height on
    the slide, and the smallest text it holds in the PNG's own pixels."""

    src: str
    alt: str
    width: int
    height: int
    min_text: float


def _drawn(name: str, draw, runs: Runs):
    """What `draw(runs)` returns; a failure stops the build, naming the figure."""
    try:
        with roomy_fonts():
            return draw(runs)
    except Exception as error:
        raise BuildError(f"the figure {name!r} could not be drawn: {error!r}") from error


def save_at_slide_size(item, path: Path, height: int, max_width: int) -> tuple[int, int, float]:
    """Draw `item` at its slide size (its own proportions, `height` px high, at most
    `max_width` wide) into `path`, its empty margins cut; when the cut leaves it much
    smaller, it is drawn once more on a larger canvas so that what shows fills the space.
    Returns the shown width and height and the smallest text (in the PNG's pixels)."""
    fig = as_figure(item)
    inches_wide, inches_high = fig.get_size_inches()
    width = min(max_width, round(height * inches_wide / inches_high))
    height = min(height, round(width * inches_high / inches_wide))
    dpi = PX_PER_INCH * SHARPNESS
    with roomy_fonts():
        shown = _drawn_cut(fig, width, height, path, dpi)
        grow = min(width / shown[0], height / shown[1])
        if grow > 1.05:
            shown = _drawn_cut(fig, width * grow, height * grow, path, dpi)
        smallest = smallest_text_px(fig, dpi)
    plt.close(fig)
    return *shown, smallest


def _drawn_cut(fig, width: float, height: float, path: Path, dpi: int) -> tuple[int, int]:
    """Save `fig` drawn ``width × height`` px with its empty margins cut; its shown size."""
    fit_to_slide(fig, width, height)
    fig.savefig(path, dpi=dpi)
    with Image.open(path) as png:
        rgb = png.convert("RGB")
    ink = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if ink is not None:  # keep a margin of 8 shown pixels around what is drawn
        pad = 8 * SHARPNESS
        left, top, right, bottom = ink
        box = (max(left - pad, 0), max(top - pad, 0))
        box += (min(right + pad, rgb.width), min(bottom + pad, rgb.height))
        rgb = rgb.crop(box)
        rgb.save(path)
    return round(rgb.width / SHARPNESS), round(rgb.height / SHARPNESS)


def make_figures(folder: Path, wanted: set[Use], runs: Runs) -> dict[Use, Drawn]:
    """Draw every figure talk.md uses, at the size each slide shows it."""
    folder.mkdir(parents=True, exist_ok=True)
    unknown = {use.name for use in wanted} - set(FIGURES)
    if unknown:
        raise BuildError(
            f"talk.md asks for unknown figures {sorted(unknown)}; known: {sorted(FIGURES)}"
        )
    drawn = {}
    for use in sorted(wanted, key=lambda use: (use.name, use.height, use.pair)):
        draw, alt = FIGURES[use.name]
        item = _drawn(use.name, draw, runs)
        max_width = PAIR_WIDTH if use.pair else SLIDE_WIDTH
        width, height, smallest = save_at_slide_size(item, folder / use.file, use.height, max_width)
        drawn[use] = Drawn(f"figures/{use.file}", alt, width, height, smallest)
    return drawn
