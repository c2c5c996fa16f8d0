"""The figures talk.md may ask for, by name, and their drawing into PNG files.

``{{figure NAME}}`` (or ``{{figures A B}}``, side by side) names an entry of `FIGURES`;
``{{stepper}}`` asks for the stepper's views. A figure that is not in the table, or
whose drawing fails, stops the build with its name: a talk never shows a stand-in.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from . import figures_beyond, figures_model, figures_training
from .errors import BuildError
from .runs import Runs
from .stepper import stepper_views

DPI = 150  # figures are shown larger than their matplotlib size: keep them sharp
STEPPER = "stepper"  # the placeholder whose views are numbered stepper-0, stepper-1, ...

FIGURES = {
    "network": figures_model.fig_network,
    "weights": figures_model.fig_weights,
    "before_after": figures_model.fig_before_after,
    "neuron": figures_model.fig_neuron,
    "layer": figures_model.fig_layer,
    "linear_vs_relu": figures_model.fig_linear_vs_relu,
    "activations": figures_model.fig_activations,
    "losses": figures_model.fig_losses,
    "valley": figures_training.fig_valley,
    "optimizers": figures_training.fig_optimizers,
    "history": figures_training.fig_history,
    "boundary": figures_training.fig_boundary,
    "overfit": figures_training.fig_overfit,
    "digits": figures_training.fig_digits,
    "dashboard": figures_training.fig_dashboard,
    "changes": figures_training.fig_changes,
    "spark": figures_beyond.fig_spark,
    "evolution": figures_beyond.fig_evolution,
}


def figure_of(item):
    """A Figure, an Axes, or PNG bytes from a static view: what savefig or a file needs."""
    if isinstance(item, (bytes, bytearray)):
        return bytes(item)
    return getattr(item, "figure", item)


def save(item, path: Path) -> None:
    item = figure_of(item)
    if isinstance(item, bytes):
        path.write_bytes(item)
        return
    item.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(item)


def _drawn(name: str, draw, runs: Runs):
    """What `draw(runs)` returns; a failure stops the build, naming the figure."""
    try:
        return draw(runs)
    except Exception as error:
        raise BuildError(f"the figure {name!r} could not be drawn: {error!r}") from error


def make_figures(folder: Path, wanted: set[str], runs: Runs) -> dict[str, str]:
    """Draw the figures talk.md uses; returns name -> path relative to the deck."""
    folder.mkdir(parents=True, exist_ok=True)
    unknown = wanted - set(FIGURES) - {STEPPER}
    if unknown:
        raise BuildError(
            f"talk.md asks for unknown figures {sorted(unknown)}; known: {sorted(FIGURES)}"
        )
    names = {}
    for name in sorted(wanted - {STEPPER}):
        save(_drawn(name, FIGURES[name], runs), folder / f"{name}.png")
        names[name] = f"figures/{name}.png"
    if STEPPER in wanted:
        views = _drawn(STEPPER, stepper_views, runs)
        if not views:
            raise BuildError(f"the figure {STEPPER!r} has no views to show")
        for index, view in enumerate(views):
            save(view, folder / f"{STEPPER}-{index}.png")
            names[f"{STEPPER}-{index}"] = f"figures/{STEPPER}-{index}.png"
    return names
