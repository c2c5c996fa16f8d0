"""The static view: the dashboard's layout drawn once by matplotlib, for where no browser draws it.

nbval, nbconvert's HTML, the slides and a repository viewer run no front end;
they show this figure instead: the network with a picture per unit, the
prediction over the plane with the points, the train and test loss, and every
weight matrix as a heatmap above the change the last step made. The same
numbers and the same colours as the live view (`frames.activity` computes both).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .frames import UNIT_GRID, activity
from .settings import CLASS_COLOURS, FEATURES, NEGATIVE, POSITIVE

SIGNS = LinearSegmentedColormap.from_list("dm_signs", [NEGATIVE, "#ffffff", POSITIVE])
SHOWN_UNITS = 16  # a larger layer is summarised: its first 15 units and "+N more"


def figure(dashboard) -> Figure:
    """The whole dashboard as one Figure (13 x 8 inches), made without pyplot."""
    fig = Figure(figsize=(13, 8), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.6, 1])
    network_ax, right = top.subfigures(1, 2, width_ratios=[1.5, 1])
    draw_network(dashboard, network_ax.add_subplot())
    surface_ax, loss_ax = right.subplots(2, 1, height_ratios=[2, 1])
    draw_surface(dashboard, surface_ax)
    draw_loss(dashboard, loss_ax)
    draw_matrices(dashboard, bottom)
    fig.suptitle(dashboard.status(), fontsize=10)
    return fig


GAP = 1.8  # between two columns of the drawing, in the units of its height (0..4)


def unit_image(values: np.ndarray, probability: str | None = None) -> np.ndarray:
    """One unit's picture as RGBA: its sign and size (or a class's probability, in its colour)."""
    if probability is not None:
        colours = LinearSegmentedColormap.from_list("p", ["#ffffff", probability])
        return colours(np.clip(values, 0, 1)).reshape(UNIT_GRID, UNIT_GRID, 4)
    scale = float(np.max(np.abs(values), initial=0.0)) or 1.0
    return SIGNS(0.5 + 0.5 * values / scale).reshape(UNIT_GRID, UNIT_GRID, 4)


def draw_unit(ax, values, x: float, y: float, half: float, inputs: int, colour) -> None:
    """A unit's picture over the plane, or (one input) its curve in a box."""
    box = (x - half, x + half, y - half, y + half)
    if inputs == 2:
        ax.imshow(unit_image(values, colour), extent=box, zorder=2)
        return
    ax.add_patch(
        Rectangle((x - half, y - half), 2 * half, 2 * half, fc="white", ec="0.6", zorder=2)
    )
    scale = float(np.max(np.abs(values), initial=0.0)) or 1.0
    heights = values if colour is not None else 0.5 + 0.5 * values / scale
    line = np.linspace(x - half, x + half, len(values))
    ax.plot(line, y - half + 2 * half * heights, color=colour or "0.2", lw=1, zorder=3)


def draw_network(dashboard, ax) -> None:
    """Columns of unit pictures (features, hidden layers, outputs) joined by weight lines."""
    data = dashboard.trainer.data
    model = dashboard.shown_model()
    columns = activity(model, data.grid(UNIT_GRID), data.features, dashboard.trainer.loss)
    classify = dashboard.settings.task == "classification"
    places = [_places(column.shape[1]) for column in columns]
    draw_weights(ax, model.get_weights()[0::2], places)
    for c, column in enumerate(columns):
        last = c == len(columns) - 1
        shown = [y for y, drawn in places[c] if drawn]
        half = min(0.22, 0.42 * 4 / max(len(shown) - 1, 1))
        for unit, y in enumerate(shown):
            colour = CLASS_COLOURS[unit] if last and classify else None
            draw_unit(ax, column[:, unit], c * GAP, y, half, data.inputs, colour)
        if column.shape[1] > len(shown):
            ax.text(
                c * GAP, -0.55, f"+{column.shape[1] - len(shown)} more", ha="center", fontsize=8
            )
    for (y, _), feature in zip(places[0], data.features):
        ax.text(-0.3, y, FEATURES[feature][0], ha="right", va="center", fontsize=9)
    titles = ["inputs", *[f"{n} units" for n in dashboard.settings.hidden], "outputs"]
    for c, title in enumerate(titles):
        ax.text(c * GAP, 4.55, title, ha="center", fontsize=9)
    ax.set_xlim(-0.9, (len(columns) - 1) * GAP + 0.5)
    ax.set_ylim(-0.8, 4.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("each unit's picture: what it computes over the plane", fontsize=10)


def draw_weights(ax, weights: list[np.ndarray], places) -> None:
    """A line per weight: blue positive, orange negative, as wide as the weight is large."""
    limit = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    for k, w in enumerate(weights):
        for i, (yi, drawn_i) in enumerate(places[k]):
            for j, (yj, drawn_j) in enumerate(places[k + 1]):
                if drawn_i and drawn_j:
                    colour = POSITIVE if w[i, j] > 0 else NEGATIVE
                    width = 0.3 + 2.5 * abs(float(w[i, j])) / limit
                    xs = [k * GAP + 0.25, (k + 1) * GAP - 0.25]
                    ax.plot(xs, [yi, yj], color=colour, lw=width, alpha=0.7, zorder=1)


def _places(units: int) -> list[tuple[float, bool]]:
    """Where each unit of a column sits (height in 0..4), and whether it is drawn."""
    shown = min(units, SHOWN_UNITS - 1 if units > SHOWN_UNITS else units)
    heights = np.linspace(4, 0, shown) if shown > 1 else np.array([2.0])
    return [(float(heights[u]), True) if u < shown else (0.0, False) for u in range(units)]


def draw_surface(dashboard, ax) -> None:
    """The prediction over the plane (or the curve), with training points and test points."""
    data = dashboard.trainer.data
    extent = data.extent()
    model = dashboard.shown_model()
    size = dashboard.settings.resolution
    predictions = activity(model, data.grid(size), data.features, dashboard.trainer.loss)[-1]
    if data.inputs == 1:
        line = np.linspace(extent[0], extent[1], size)
        ax.plot(line, predictions[:, 0], color="k", lw=2)
        ax.scatter(data.X[:, 0], data.y, s=12, color=POSITIVE, label="train")
        ax.scatter(
            data.X_test[:, 0],
            data.y_test,
            s=12,
            facecolors="none",
            edgecolors=NEGATIVE,
            label="test",
        )
        ax.legend(fontsize=7)
    else:
        if dashboard.settings.task == "classification":
            image = _class_image(predictions, size, data.classes)
        else:
            low, high = dashboard.value_range()
            image = SIGNS((predictions[:, 0] - low) / (high - low)).reshape(size, size, 4)
        ax.imshow(image, extent=extent, interpolation="bilinear")
        _scatter(ax, data)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.tick_params(labelsize=7)
    ax.set_title("what the network predicts\n(dots: train, rings: test)", fontsize=9)


def _class_image(probabilities: np.ndarray, size: int, classes: int) -> np.ndarray:
    colours = ListedColormap(CLASS_COLOURS[:classes]).colors
    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])
    best = np.argmax(probabilities, axis=1)
    sure = (np.max(probabilities, axis=1) - 1 / classes) / (1 - 1 / classes)
    mixed = 1 - 0.6 * sure[:, None] * (1 - rgb[best])
    return mixed.reshape(size, size, 3)


def _scatter(ax, data) -> None:
    if data.classes and np.issubdtype(data.y.dtype, np.integer):
        train = [CLASS_COLOURS[int(c)] for c in data.y]
        test = [CLASS_COLOURS[int(c)] for c in data.y_test]
    else:
        top = float(np.max(np.abs(data.labels))) or 1.0
        train, test = SIGNS(0.5 + 0.5 * data.y / top), SIGNS(0.5 + 0.5 * data.y_test / top)
    ax.scatter(data.X[:, 0], data.X[:, 1], c=train, s=12, edgecolors="white", linewidths=0.5)
    ax.scatter(data.X_test[:, 0], data.X_test[:, 1], c="none", s=14, edgecolors=test, lw=1.2)


def draw_loss(dashboard, ax) -> None:
    curve = np.array(dashboard.history.curve[: dashboard.position + 1], dtype=float)
    ax.plot(curve[:, 0], curve[:, 1], color="k", lw=1.5, label=f"train {curve[-1, 1]:.3f}")
    ax.plot(curve[:, 0], curve[:, 2], color="0.55", lw=1.5, label=f"test {curve[-1, 2]:.3f}")
    ax.set_xlabel("step", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    ax.set_title("loss", fontsize=9)


def draw_matrices(dashboard, fig) -> None:
    """Every weight matrix (row i = from unit i, column j = to unit j) over its last change."""
    k = dashboard.position
    history = dashboard.history
    pairs = [(n, w) for n, w in zip(history.names, history.weights[k]) if n.endswith("weights")]
    changes = [c for n, c in zip(history.names, history.changes[k]) if n.endswith("weights")]
    axes = fig.subplots(2, len(pairs), squeeze=False)
    limit = max(float(np.max(np.abs(w))) for _, w in pairs) or 1.0
    moved = max(float(np.max(np.abs(c))) for c in changes) or 1.0
    for column, ((name, w), change) in enumerate(zip(pairs, changes)):
        for row, (values, top) in enumerate(((w, limit), (change, moved))):
            ax = axes[row, column]
            ax.imshow(values, cmap=SIGNS, vmin=-top, vmax=top, interpolation="nearest")
            ax.set_title(("" if row == 0 else "Δ ") + name, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(
        f"weights at step {history.steps[k]} (one colour scale, ±{limit:.2f}); below, the last "
        f"step's change (±{moved:.2g})\nrow i → column j is the arrow from unit i to unit j",
        fontsize=9,
    )


__all__ = ["figure"]
