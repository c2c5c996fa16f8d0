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

import numbers
from collections.abc import Iterable

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.patches import Circle

from .. import checks
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


class _Layout:
    """Where the units sit: one centred column per layer of units, unit 0 at the top."""

    def __init__(self, sizes: list[int], max_units: int, radius: float) -> None:
        self.sizes, self.max_units, self.radius = sizes, max_units, radius
        self.shown = [_shown_units(n, max_units) for n in sizes]
        self.slots = [len(s) + (n > len(s)) for n, s in zip(sizes, self.shown)]  # + the ⋮
        self.tallest = max(self.slots)
        self.spread = max(2.0, 0.42 * self.tallest)  # tall columns further apart: arrows show

    def position(self, column: int, unit: int) -> tuple[float, float]:
        """The centre of `unit`'s circle in `column` (x, y)."""
        slot = self.shown[column].index(unit)
        if slot >= self.ellipsis_slot and self.sizes[column] > self.max_units:
            slot += 1  # below the ellipsis
        return self.spread * column, (self.slots[column] - 1) / 2.0 - slot

    @property
    def ellipsis_slot(self) -> int:
        return (self.max_units + 1) // 2


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
    max_units = checks.number("max_units", max_units, "[2, inf)", True, "draw_network")
    checks.number("radius", radius, "(0, inf)", owner="draw_network")
    if layer is not None:
        layer = checks.number("layer", layer, f"[0, {len(dense) - 1}]", True, "draw_network")
    sizes = [dense[0][1].n_in] + [d.n_out for _, d in dense]
    arrows, units = _picked(sizes, arrows, units)
    where = _Layout(sizes, max_units, radius)
    if ax is not None and not hasattr(ax, "add_collection"):
        raise ValueError(f"draw_network: ax must be a matplotlib Axes, got {ax!r:.60}")
    if ax is None:
        panel = (0.9 * where.spread * len(where.sizes) + 1.5, 0.55 * where.tallest + 1.5)
        _, (ax,) = new_axes(1, panel=panel)
    weights = [
        checks.real_array(d.weights.value, f"draw_network: {k}.weights").astype(float)
        for k, d in dense
    ]
    limit = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    focus_arrows = set(arrows)
    for k, w in enumerate(weights):
        _draw_arrows(ax, where, k, (w, limit), layer, focus_arrows)
        _draw_heads(ax, where, k, backward and layer in (None, k))
        if names:
            _draw_name(ax, where, k, f"{dense[k][0]}.weights", layer)
    focus_units = set(units)
    for column in range(len(where.sizes)):
        _draw_units(ax, where, column, focus_units)
        _draw_label(ax, where, column, _activation_after(model, dense, column))
    _frame(ax, where)
    return ax.figure


def _picked(sizes: list[int], arrows, units) -> tuple[list, list]:
    """The `arrows` ``(layer, i, j)`` and `units` ``(column, unit)`` to highlight, all real."""
    for name, picked in (("arrows", arrows), ("units", units)):
        if isinstance(picked, str) or not hasattr(picked, "__iter__"):
            raise ValueError(f"draw_network: {name} must be a list of tuples, got {picked!r:.60}")
    picked_arrows, picked_units = [], []
    for arrow in arrows:
        k, i, j = _whole_numbers(arrow, 3) or (len(sizes), 0, 0)
        if not (k < len(sizes) - 1 and i < sizes[k] and j < sizes[k + 1]):
            raise ValueError(
                f"draw_network: arrows holds {arrow!r}, not an arrow (layer, from unit, to unit) "
                f"of this network, whose layers are 0..{len(sizes) - 2}"
            )
        picked_arrows.append((k, i, j))
    for unit in units:
        column, row = _whole_numbers(unit, 2) or (len(sizes), 0)
        if not (column < len(sizes) and row < sizes[column]):
            raise ValueError(
                f"draw_network: units holds {unit!r}, not a unit (column, unit) of this "
                f"network, whose columns are 0..{len(sizes) - 1}"
            )
        picked_units.append((column, row))
    return picked_arrows, picked_units


def _whole_numbers(item, length: int) -> tuple | None:
    """`item` as a tuple of `length` whole numbers >= 0, or None."""
    item = tuple(item) if hasattr(item, "__iter__") else (item,)
    whole = all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in item)
    return tuple(int(n) for n in item) if len(item) == length and whole and min(item) >= 0 else None


def _draw_arrows(ax, where: _Layout, k: int, weights, layer, focus_arrows) -> None:
    """The arrows of dense layer `k`, ``weights = (w, limit)``: colour = sign, width = size
    (the largest weight of all layers, `limit`, is the darkest and widest)."""
    (w, limit), radius = weights, where.radius
    norm, cmap = Normalize(-limit, limit), colormaps[WEIGHT_CMAP]
    segments, colours, widths, focused = [], [], [], []
    for i in where.shown[k]:
        for j in where.shown[k + 1]:
            (x0, y0), (x1, y1) = where.position(k, i), where.position(k + 1, j)
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
    for segment, colour, width, value in focused:
        _draw_focused_arrow(ax, segment, colour, width, value)


def _draw_focused_arrow(ax, segment, colour, width: float, value: float) -> None:
    """One picked-out arrow: on top, outlined, with its weight written on it."""
    ax.add_collection(LineCollection([segment], colors=["k"], linewidths=[width + 2.4], zorder=1.5))
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


def _draw_heads(ax, where: _Layout, k: int, backward: bool) -> None:
    """Arrow heads of layer `k`: on the right (data flows forward) or the left (gradient back)."""
    radius = where.radius
    if backward:
        for i in where.shown[k]:
            x0, y0 = where.position(k, i)
            _head(ax, (x0 + radius, y0), (x0 + radius + 0.35, y0), FOCUS)
    else:
        for j in where.shown[k + 1]:
            x1, y1 = where.position(k + 1, j)
            _head(ax, (x1 - radius, y1), (x1 - radius - 0.35, y1), "0.35")


def _draw_name(ax, where: _Layout, k: int, name: str, layer: int | None) -> None:
    """The weight matrix's name (``"0.weights"``) above the arrows of layer `k`."""
    ax.text(
        where.spread * (k + 0.5),
        where.tallest / 2.0 + 0.1,
        name,
        ha="center",
        va="bottom",
        fontsize=8,
        color="k" if layer in (None, k) else "0.6",
        fontweight="bold" if layer == k else "normal",
    )


def _draw_units(ax, where: _Layout, column: int, focus_units) -> None:
    """A column's circles with their numbers, and its ellipsis if some units are left out."""
    last = len(where.sizes) - 1
    face = "#d9e8f5" if column == 0 else ("#fde2c8" if column == last else "white")
    for unit in where.shown[column]:
        x, y = where.position(column, unit)
        focused = (column, unit) in focus_units
        circle = Circle(
            (x, y),
            where.radius,
            facecolor=to_rgba(FOCUS, 0.85) if focused else face,
            edgecolor="k",
            lw=2.0 if focused else 1.0,
            zorder=3,
        )
        ax.add_patch(circle)
        if len(where.shown[column]) <= 12:
            size = 8 if unit < 10 else 6  # two digits still inside the circle
            ax.text(x, y, str(unit), ha="center", va="center", fontsize=size, zorder=4)
    if where.sizes[column] > len(where.shown[column]):
        ax.text(
            where.spread * column,
            (where.slots[column] - 1) / 2.0 - where.ellipsis_slot,
            "⋮",
            ha="center",
            va="center",
            fontsize=14,
            zorder=4,
            bbox=dict(facecolor="white", edgecolor="none", pad=0.5),
        )


def _activation_after(model, dense, column: int):
    """The layer after the Dense layer whose outputs are `column`, if it has no weights."""
    if column == 0:
        return None
    layers = list(getattr(model, "layers", [model]))
    position = dense[column - 1][0] + 1
    after = layers[position] if position < len(layers) else None
    return None if after is None or hasattr(after, "weights") else after


def _draw_label(ax, where: _Layout, column: int, activation) -> None:
    """Under a column: input/hidden/output, the activation that follows, how many units."""
    last = len(where.sizes) - 1
    label = "input" if column == 0 else ("output" if column == last else "hidden")
    if activation is not None:
        label += f"\n→ {type(activation).__name__}"
    n = where.sizes[column]
    ax.text(
        where.spread * column,
        -where.tallest / 2.0,
        f"{label}\n{n} unit{'s' if n > 1 else ''}",
        ha="center",
        va="top",
        fontsize=8,
    )


def _frame(ax, where: _Layout) -> None:
    """Room for the labels, which keep their size in points while a tall network shrinks."""
    tallest, right = where.tallest, where.spread * (len(where.sizes) - 1)
    ax.set_xlim(-0.8 - 0.05 * tallest, right + 0.8 + 0.05 * tallest)
    ax.set_ylim(-tallest / 2.0 - 1.3 - 0.1 * tallest, tallest / 2.0 + (0.5 + 0.06 * tallest))
    ax.set_aspect("equal")
    ax.axis("off")
