"""A stage's matrices as tables: HTML for the widget, matplotlib for the static figure.

Every table of a stage is tinted on **one** colour scale, the largest number
on show in that stage, so a gradient of -0.002 looks pale beside a weight of
-0.15 instead of as red as it. Blue is positive, red negative (the weight
colours); the cells the chosen entry reads are outlined.
"""

from __future__ import annotations

import html

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..network import FOCUS
from ..plots import WEIGHT_CMAP
from .stage import Entry, Stage
from .text import number

LABEL = "color:#777;font-weight:normal;font-size:11px;padding:0 4px"
CELL = "padding:2px 5px;text-align:right;min-width:42px;border:1px solid #d0d0d0"


def tint(value: float, limit: float) -> tuple:
    """A pale colour of the weight scale (blue positive, red negative): numbers stay legible."""
    return colormaps[WEIGHT_CMAP](0.5 + 0.3 * value / (limit or 1.0))


def rgb(value: float, limit: float) -> str:
    r, g, b, _ = tint(value, limit)
    return f"rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f})"


def table_html(name: str, array: np.ndarray, marked, limit: float, tips: Stage | None) -> str:
    """One matrix as an HTML table: row and column numbers, 3 significant digits, tinted cells.

    Cells of the result (`tips` given) carry their written-out sum as a tooltip.
    """
    rows, cols, marked = *array.shape, set(marked)
    lines = [f"<tr><th></th>{''.join(f'<th style={LABEL!r}>{j}</th>' for j in range(cols))}</tr>"]
    for i in range(rows):
        tds = []
        for j in range(cols):
            style = f"{CELL};background:{rgb(float(array[i, j]), limit)}"
            if (i, j) in marked:
                style += f";outline:3px solid {FOCUS};outline-offset:-3px;font-weight:bold"
            tip = f' title="{html.escape(tips.written_out(i, j))}"' if tips else ""
            tds.append(f'<td style="{style}"{tip}>{number(array[i, j])}</td>')
        lines.append(f"<tr><th style={LABEL!r}>{i}</th>{''.join(tds)}</tr>")
    return (
        f'<div class="dm-matrix" data-name="{html.escape(name)}" data-scale="{limit:.6g}" '
        'style="margin:2px"><div style="text-align:center;font-weight:bold">'
        f'{html.escape(name)} <span style="color:#777;font-weight:normal">{rows}×{cols}</span>'
        '</div><table style="border-collapse:collapse;font-family:monospace;font-size:13px">'
        f"{''.join(lines)}</table></div>"
    )


def equation_html(stage: Stage, index: int, entry: Entry) -> str:
    """The stage's matrices as small HTML tables, laid out as its equation, on one scale."""
    parts, limit = [], stage.scale
    for piece in stage.layout:
        if piece in stage.arrays:
            tips = stage if piece == stage.result else None
            marked = entry.cells.get(piece, [])
            parts.append(table_html(piece, stage.arrays[piece], marked, limit, tips))
        else:
            parts.append(
                '<div class="dm-op" style="font-size:18px;padding:14px 4px 0;'
                f'white-space:nowrap">{html.escape(piece)}</div>'
            )
    return (  # one equation on one line (it scrolls sideways rather than break)
        f'<div data-stage="{index}" style="display:flex;flex-wrap:nowrap;align-items:center;'
        'gap:2px 6px;overflow-x:auto;padding:4px 0">' + "".join(parts) + "</div>"
    )


def draw_matrix(ax, name: str, array: np.ndarray, marked, tallest: int, limit: float) -> None:
    """The same table drawn with matplotlib (for the static figure)."""
    rows, cols = array.shape
    for (r, c), value in np.ndenumerate(array):
        face = tint(float(value), limit)
        ax.add_patch(Rectangle((c, -r), 1, 1, facecolor=face, edgecolor="0.7", lw=0.5))
        ax.text(c + 0.5, -r + 0.5, number(value), ha="center", va="center", fontsize=8)
    for r, c in marked:
        ax.add_patch(Rectangle((c, -r), 1, 1, fill=False, edgecolor=FOCUS, lw=2.2))
    ax.text(cols / 2, 1.25, f"{name}  {rows}×{cols}", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.4, cols + 0.4)
    ax.set_ylim(-tallest + 0.9, 2.2)
    ax.set_aspect("equal")


def draw_equation(fig: Figure, stage: Stage, entry: Entry) -> None:
    """The stage's equation as matplotlib tables and operators, side by side in `fig`."""
    widths = [
        stage.arrays[p].shape[1] + 0.8 if p in stage.arrays else 0.3 * len(p) + 0.5
        for p in stage.layout
    ]
    tallest = max(array.shape[0] for array in stage.arrays.values())
    axes = fig.subplots(1, len(stage.layout), width_ratios=widths, squeeze=False)[0]
    for ax, piece in zip(axes, stage.layout):
        ax.axis("off")
        if piece in stage.arrays:
            marked = entry.cells.get(piece, [])
            draw_matrix(ax, piece, stage.arrays[piece], marked, tallest, stage.scale)
        else:
            ax.text(0.5, 0.5, piece, ha="center", va="center", fontsize=11)


__all__ = ["draw_equation", "draw_matrix", "equation_html", "rgb", "table_html", "tint"]
