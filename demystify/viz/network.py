"""The network drawn the classic way: units as circles in columns, weights as arrows.

This is the same network as the list of weight matrices: the arrow from unit
``i`` in one column to unit ``j`` in the next *is* the number ``weights[i, j]``
of the dense layer between them. Its colour is the sign (blue positive, red
negative, as in the heatmaps) and its width the size ``|weights[i, j]|``.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Circle

from ..backend import to_numpy
from .plots import WEIGHT_CMAP, _new_axes


def _shown_units(n: int, max_units: int) -> list[int]:
    """Which units of a column to draw: all, or the first and last few around an ellipsis."""
    if n <= max_units:
        return list(range(n))
    top = (max_units + 1) // 2
    return list(range(top)) + list(range(n - (max_units - top), n))


def draw_network(model, ax=None, max_units: int = 12, radius: float = 0.28):
    """Draw the dense layers of `model` as circles and arrows; returns the Figure.

    Columns: the inputs, then the outputs of each Dense layer (the activation
    that follows is written under its column). A column wider than `max_units`
    shows its first and last units with a vertical ellipsis between them.
    """
    dense = [
        layer
        for layer in getattr(model, "layers", [model])
        if hasattr(layer, "weights") and hasattr(layer, "n_in")
    ]
    if not dense:
        raise ValueError("draw_network: the model has no Dense layers to draw")
    if max_units < 2:
        raise ValueError(f"draw_network: max_units must be at least 2, got {max_units}")
    layers = list(getattr(model, "layers", [model]))
    sizes = [dense[0].n_in] + [layer.n_out for layer in dense]
    shown = [_shown_units(n, max_units) for n in sizes]
    tallest = max(len(units) for units in shown)

    def position(column, slot):  # centred columns, unit 0 at the top
        count = len(shown[column])
        return 2.0 * column, (count - 1) / 2.0 - slot

    if ax is None:
        fig, (ax,) = _new_axes(1, panel=(1.8 * len(sizes) + 1.5, 0.55 * tallest + 1.5))
    weights = [np.asarray(to_numpy(layer.weights.value), dtype=float) for layer in dense]
    limit = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    norm, cmap = Normalize(-limit, limit), colormaps[WEIGHT_CMAP]
    for column, w in enumerate(weights):
        segments, colours, widths = [], [], []
        for slot_in, i in enumerate(shown[column]):
            for slot_out, j in enumerate(shown[column + 1]):
                (x0, y0), (x1, y1) = position(column, slot_in), position(column + 1, slot_out)
                segments.append([(x0 + radius, y0), (x1 - radius, y1)])
                colours.append(cmap(norm(w[i, j])))
                widths.append(0.3 + 2.7 * abs(w[i, j]) / limit)
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, zorder=1))
        for slot_out, _ in enumerate(shown[column + 1]):  # arrow heads: data flows left to right
            x1, y1 = position(column + 1, slot_out)
            ax.annotate(
                "",
                xy=(x1 - radius, y1),
                xytext=(x1 - radius - 0.35, y1),
                zorder=2,
                arrowprops=dict(arrowstyle="-|>", color="0.35", lw=0.6, mutation_scale=7),
            )
    after = {id(layer): layers[k + 1] for k, layer in enumerate(layers[:-1])}
    for column, (n, units) in enumerate(zip(sizes, shown)):
        for slot, unit in enumerate(units):
            x, y = position(column, slot)
            face = (
                "#d9e8f5" if column == 0 else ("#fde2c8" if column == len(sizes) - 1 else "white")
            )
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="k", lw=1, zorder=3))
            if len(units) <= 12:
                ax.text(x, y, str(unit), ha="center", va="center", fontsize=7, zorder=4)
        if n > len(units):
            gap = position(column, (max_units + 1) // 2 - 0.5)
            ax.text(
                gap[0],
                gap[1],
                "⋮",
                ha="center",
                va="center",
                fontsize=14,
                zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5),
            )
        label = "input" if column == 0 else ("output" if column == len(sizes) - 1 else "hidden")
        activation = after.get(id(dense[column - 1])) if column else None
        if activation is not None and not hasattr(activation, "weights"):
            label += f"\n→ {type(activation).__name__}"
        ax.text(
            2.0 * column,
            -tallest / 2.0 - 0.3,
            f"{label}\n{n} units",
            ha="center",
            va="top",
            fontsize=8,
        )
    ax.set_xlim(-0.8, 2.0 * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-tallest / 2.0 - 1.6, tallest / 2.0 + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure
