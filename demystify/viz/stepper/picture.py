"""The circles-and-arrows picture of a stage, with the numbers of the chosen entry on it.

`dm.viz.draw_network` draws the network with the weights of the moment (the
update stages change them one by one). At a weight-gradient stage the arrows
of that layer carry the gradient ``dW`` instead, one number per arrow, and the
other layers rest in grey. On top, the arrows the chosen entry reads are
drawn thick and labelled with the number each carries there, each label placed
where the arrows part (near their own starts when they meet at one unit, near
their own ends when they leave one), so labels never sit on one another.
"""

from __future__ import annotations

import copy

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..network import FOCUS, draw_network
from ..plots import WEIGHT_CMAP
from .snapshot import is_dense
from .stage import Entry, Stage
from .text import number

CAPTIONS = {  # what the picture shows, phase by phase
    "forward": "forward: the numbers flow left to right →",
    "loss": "the loss: the outputs against the targets Y",
    "backward": "backward: the gradient flows right to left ←",
    "update": "update: each weight moves against its gradient",
}


def stage_view(model, stage: Stage):
    """A copy of `model` holding what the stage's arrows carry (weights, or a gradient)."""
    view = copy.deepcopy(model)
    weights = [np.array(w) for w in stage.weights]
    if stage.arrow_values is not None:
        dense = [p for p, layer in enumerate(view.layers) if is_dense(layer)]
        names = [name for name, _ in view.named_parameters()]
        for k, position in enumerate(dense):  # the gradient on its layer, zeros elsewhere
            index = names.index(f"{position}.weights")
            keep = k == stage.layer
            weights[index] = stage.arrow_values if keep else np.zeros_like(weights[index])
    view.set_weights(weights)
    return view


def _centres(ax, sizes: list[int]) -> list[list[tuple[float, float]]]:
    """The centre of every unit's circle, column by column (draw_network draws them in order)."""
    circles = [patch.center for patch in ax.patches if isinstance(patch, Circle)]
    if len(circles) != sum(sizes):
        raise RuntimeError(f"expected {sum(sizes)} units in the picture, found {len(circles)}")
    starts = np.cumsum([0, *sizes])
    return [circles[a:b] for a, b in zip(starts[:-1], starts[1:])]


def _where_on_arrow(arrows: list[tuple[int, int, int]]) -> float:
    """How far along its arrow each label sits: where the chosen arrows are apart."""
    starts, ends = {(k, i) for k, i, _ in arrows}, {(k, j) for k, _, j in arrows}
    if len(ends) < len(starts):
        return 0.3  # they meet at one unit: label them near their own starts
    if len(starts) < len(ends):
        return 0.7  # they leave one unit: near their own ends
    return 0.5


def _label_arrows(ax, view, arrows, radius: float = 0.28) -> None:
    dense = [layer for layer in view.layers if is_dense(layer)]
    sizes = [dense[0].n_in] + [layer.n_out for layer in dense]
    centres, at = _centres(ax, sizes), _where_on_arrow(arrows)
    values = [np.asarray(layer.weights.value, dtype=float) for layer in dense]
    limit = max(float(np.max(np.abs(w))) for w in values) or 1.0
    norm, cmap = Normalize(-limit, limit), colormaps[WEIGHT_CMAP]
    for k, i, j in arrows:
        (x0, y0), (x1, y1) = centres[k][i], centres[k + 1][j]
        x0, x1, value = x0 + radius, x1 - radius, values[k][i, j]
        width = 0.3 + 2.7 * abs(value) / limit
        for colour, extra, z in ((FOCUS, 4.0, 5.0), (cmap(norm(value)), 1.0, 5.1)):
            line = LineCollection([[(x0, y0), (x1, y1)]], colors=[colour], zorder=z)
            line.set_linewidth(width + extra)
            ax.add_collection(line)
        ax.text(
            x0 + at * (x1 - x0),
            y0 + at * (y1 - y0),
            number(value),
            ha="center",
            va="center",
            fontsize=8,
            zorder=6,
            gid="dm-arrow-label",
            bbox=dict(facecolor="white", edgecolor=FOCUS, pad=1.2, lw=0.8),
        )


def draw_stage(ax, model, stage: Stage, entry: Entry) -> None:
    """The picture of `stage`, with `entry`'s arrows and units marked."""
    view = stage_view(model, stage)
    draw_network(view, ax=ax, layer=stage.layer, units=entry.units, backward=stage.backward)
    _label_arrows(ax, view, entry.arrows)
    caption = CAPTIONS[stage.phase]
    if stage.arrow_values is not None:
        caption = f"backward: arrow i→j of {stage.result[1:]} carries {stage.result}[i,j]"
    ax.set_title(caption, fontsize=9)


def stage_figure(model, stage: Stage, entry: Entry, inches: float = 0.72) -> Figure:
    """The picture alone, as a Figure (the widget shows it as a PNG).

    The figure takes the picture's own proportions, `inches` per unit spacing
    (less for a big network, up to 7 × 5 inches), so no width is left empty.
    """
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    draw_stage(ax, model, stage, entry)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    y0 += 1.0  # draw_network leaves room below its three-line column labels; this needs less
    ax.set_ylim(y0, y1)
    scale = min(inches, 7.0 / (x1 - x0), 5.0 / (y1 - y0))
    fig.set_size_inches(scale * (x1 - x0) + 0.3, scale * (y1 - y0) + 0.45)
    return fig


__all__ = ["CAPTIONS", "draw_stage", "stage_figure", "stage_view"]
