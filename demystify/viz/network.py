"""The network drawn the classic way: units as circles in columns, weights as arrows.

This is the same network as the list of weight matrices: the arrow from unit
``i`` in one column to unit ``j`` in the next *is* the number ``weights[i, j]``
of the dense layer between them (the picture writes that matrix's name,
``"0.weights"``, above its arrows). Its colour is the sign (blue positive, red
negative, as in the heatmaps) and its width the size ``|weights[i, j]|``.

The backprop stepper points at parts of it: ``layer=k`` keeps the arrows of
dense layer ``k`` in colour and greys the others, ``arrows`` and ``units`` pick
out the few numbers one entry of a matrix product is made of (their weights
written on them), and ``backward=True`` says the numbers now flow right to left.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.patches import Circle

from ..backend import to_numpy
from .plots import WEIGHT_CMAP, new_axes

FOCUS = "#f0a500"  # the highlight colour: units and arrows the current step works on
FADED = (0.82, 0.82, 0.82, 1.0)


def _shown_units(n: int, max_units: int) -> list[int]:
    """Which units of a column to draw: all, or the first and last few around an ellipsis."""
    if n <= max_units:
        return list(range(n))
    top = (max_units + 1) // 2
    return list(range(top)) + list(range(n - (max_units - top), n))


def _head(ax, tip, tail, colour) -> None:
    ax.annotate(
        "",
        xy=tip,
        xytext=tail,
        zorder=2,
        arrowprops=dict(arrowstyle="-|>", color=colour, lw=0.6, mutation_scale=7),
    )


def dense_layers(model) -> list[tuple[int, object]]:
    """``(position in model.layers, layer)`` for every layer with a weight matrix, in order."""
    layers = list(getattr(model, "layers", [model]))
    return [
        (position, layer)
        for position, layer in enumerate(layers)
        if hasattr(layer, "weights") and hasattr(layer, "n_in")
    ]


def draw_network(
    model,
    ax=None,
    max_units: int = 12,
    radius: float = 0.28,
    *,
    layer: int | None = None,
    arrows: Iterable[tuple[int, int, int]] = (),
    units: Iterable[tuple[int, int]] = (),
    backward: bool = False,
    names: bool = True,
):
    """Draw the dense layers of `model` as circles and arrows; returns the Figure.

    Columns: the inputs, then the outputs of each Dense layer (the activation
    that follows is written under its column). A column wider than `max_units`
    shows its first and last units with a vertical ellipsis between them.

    Highlighting (all optional): `layer` -- the index of a Dense layer (0 is the
    first) whose arrows stay in colour while the others turn grey; `arrows` --
    ``(layer, i, j)`` triples drawn thick, with their weight written on them;
    `units` -- ``(column, unit)`` pairs filled in the highlight colour;
    `backward` -- arrow heads point right to left (a gradient flowing back).
    names=False leaves out the matrix names above the arrows.
    """
    dense = dense_layers(model)
    if not dense:
        raise ValueError("draw_network: the model has no Dense layers to draw")
    if max_units < 2:
        raise ValueError(f"draw_network: max_units must be at least 2, got {max_units}")
    if layer is not None and not 0 <= layer < len(dense):
        raise ValueError(f"draw_network: layer must be in 0..{len(dense) - 1}, got {layer}")
    layers = list(getattr(model, "layers", [model]))
    sizes = [dense[0][1].n_in] + [d.n_out for _, d in dense]
    shown = [_shown_units(n, max_units) for n in sizes]
    slots = [len(units_) + (n > len(units_)) for n, units_ in zip(sizes, shown)]  # + the ⋮
    tallest = max(slots)
    spread = max(2.0, 0.42 * tallest)  # tall columns stand further apart: arrows stay visible
    focus_arrows = {(k, i, j) for k, i, j in arrows}
    focus_units = {(c, u) for c, u in units}

    def position(column, unit):  # centred columns, unit 0 at the top
        slot = shown[column].index(unit)
        if slot >= (max_units + 1) // 2 and sizes[column] > max_units:
            slot += 1  # below the ellipsis
        return spread * column, (slots[column] - 1) / 2.0 - slot

    if ax is None:
        fig, (ax,) = new_axes(1, panel=(0.9 * spread * len(sizes) + 1.5, 0.55 * tallest + 1.5))
    weights = [np.asarray(to_numpy(d.weights.value), dtype=float) for _, d in dense]
    limit = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    norm, cmap = Normalize(-limit, limit), colormaps[WEIGHT_CMAP]
    for k, w in enumerate(weights):
        segments, colours, widths, focused = [], [], [], []
        for i in shown[k]:
            for j in shown[k + 1]:
                (x0, y0), (x1, y1) = position(k, i), position(k + 1, j)
                segment = [(x0 + radius, y0), (x1 - radius, y1)]
                width = 0.3 + 2.7 * abs(w[i, j]) / limit
                if (k, i, j) in focus_arrows:
                    focused.append((segment, cmap(norm(w[i, j])), width, w[i, j]))
                    continue
                segments.append(segment)
                if layer is not None and k != layer:
                    colours.append(FADED)
                else:  # behind the focused arrows, if any, their layer's others are paler
                    colours.append(cmap(norm(w[i, j]), alpha=0.35 if focus_arrows else 1.0))
                widths.append(width)
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, zorder=1))
        for segment, colour, width, value in focused:  # on top, outlined, with the number
            ax.add_collection(
                LineCollection([segment], colors=["k"], linewidths=[width + 2.4], zorder=1.5)
            )
            ax.add_collection(
                LineCollection([segment], colors=[colour], linewidths=[width + 1], zorder=1.6)
            )
            (x0, y0), (x1, y1) = segment
            ax.text(
                x0 + 0.3 * (x1 - x0),
                y0 + 0.3 * (y1 - y0),
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                zorder=5,
                bbox=dict(facecolor="white", edgecolor=FOCUS, pad=1.2, lw=0.8),
            )
        if backward and layer in (None, k):  # heads on the left: the gradient flows back
            for i in shown[k]:
                x0, y0 = position(k, i)
                _head(ax, (x0 + radius, y0), (x0 + radius + 0.35, y0), FOCUS)
        else:  # heads on the right: the data flows forward
            for j in shown[k + 1]:
                x1, y1 = position(k + 1, j)
                _head(ax, (x1 - radius, y1), (x1 - radius - 0.35, y1), "0.35")
        if names:
            position_in_model = dense[k][0]
            ax.text(
                spread * (k + 0.5),
                tallest / 2.0 + 0.1,
                f"{position_in_model}.weights",
                ha="center",
                va="bottom",
                fontsize=8,
                color="k" if layer in (None, k) else "0.6",
                fontweight="bold" if layer == k else "normal",
            )
    after = {id(d): layers[p + 1] for p, d in dense if p + 1 < len(layers)}
    for column, (n, units_) in enumerate(zip(sizes, shown)):
        for unit in units_:
            x, y = position(column, unit)
            face = (
                "#d9e8f5" if column == 0 else ("#fde2c8" if column == len(sizes) - 1 else "white")
            )
            focused = (column, unit) in focus_units
            ax.add_patch(
                Circle(
                    (x, y),
                    radius,
                    facecolor=to_rgba(FOCUS, 0.85) if focused else face,
                    edgecolor="k",
                    lw=2.0 if focused else 1.0,
                    zorder=3,
                )
            )
            if len(units_) <= 12:
                size = 8 if unit < 10 else 6  # two digits still inside the circle
                ax.text(x, y, str(unit), ha="center", va="center", fontsize=size, zorder=4)
        if n > len(units_):
            ax.text(
                spread * column,
                (slots[column] - 1) / 2.0 - (max_units + 1) // 2,
                "⋮",
                ha="center",
                va="center",
                fontsize=14,
                zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5),
            )
        label = "input" if column == 0 else ("output" if column == len(sizes) - 1 else "hidden")
        activation = after.get(id(dense[column - 1][1])) if column else None
        if activation is not None and not hasattr(activation, "weights"):
            label += f"\n→ {type(activation).__name__}"
        ax.text(
            spread * column,
            -tallest / 2.0,
            f"{label}\n{n} unit{'s' if n > 1 else ''}",
            ha="center",
            va="top",
            fontsize=8,
        )
    # room for the labels, which keep their size in points while a tall network shrinks
    ax.set_xlim(-0.8 - 0.05 * tallest, spread * (len(sizes) - 1) + 0.8 + 0.05 * tallest)
    ax.set_ylim(-tallest / 2.0 - 1.3 - 0.1 * tallest, tallest / 2.0 + (0.5 + 0.06 * tallest))
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure
