"""Static pictures: loss curves, decision boundaries, weight heatmaps, gradient histograms.

Conventions shared by every picture here:

* A weight matrix is drawn as it is stored, ``(n_in, n_out)``: row ``i`` holds
  the weights *from* input ``i``, column ``j`` the weights *into* unit ``j``.
* Colours are diverging and symmetric around zero (``RdBu``): red is negative,
  white is zero, blue is positive, and every heatmap in one figure shares the
  same scale, so equal colours mean equal numbers.
* Each function draws on the axes you pass, or makes a new figure, and returns
  the matplotlib Figure. None calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.ticker import MaxNLocator

from .. import checks
from ..backend import to_numpy

WEIGHT_CMAP = "RdBu"  # diverging: negative red, zero white, positive blue


# --- helpers shared by the plotting functions --------------------------------------------------


def new_axes(n: int, axes=None, ncols: int | None = None, panel=(3.2, 3.0)):
    """`n` axes: the ones given (checked), or a new constrained-layout figure of them."""
    if axes is not None:
        axes = list(np.ravel(np.asarray(axes, dtype=object)))
        if len(axes) < n:
            raise ValueError(f"need {n} axes for this picture, got {len(axes)}")
        if not all(hasattr(ax, "imshow") for ax in axes[:n]):
            raise ValueError(f"axes must be matplotlib Axes (plt.subplots), got {axes[0]!r:.60}")
        return axes[0].figure, axes[:n]
    if ncols is not None:
        checks.number("ncols", ncols, "[1, inf)", whole=True)
    ncols = min(n, ncols or n) or 1
    nrows = -(-max(n, 1) // ncols)
    fig, grid = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows),
        squeeze=False,
        layout="constrained",
    )
    grid = list(grid.ravel())
    for extra in grid[n:]:
        extra.set_visible(False)
    return fig, grid[:n]


def named_arrays(model_or_weights, names=None, bias: bool = False) -> list[tuple[str, np.ndarray]]:
    """``(name, 2-D array)`` pairs to draw, from a model, a layer, a list of arrays or one array.

    Weight matrices are always kept; 1-D parameters (biases) only with ``bias=True``,
    drawn as a single row. Names are the parameters' dotted names (``"0.weights"``)
    for a model, or ``"#i"`` (the position in the list) for plain arrays.
    """
    if hasattr(model_or_weights, "named_parameters"):
        pairs = [(name, to_numpy(p.value)) for name, p in model_or_weights.named_parameters()]
    elif isinstance(model_or_weights, (str, type)) or not hasattr(model_or_weights, "__iter__"):
        raise ValueError(
            "give a model, a layer, or a list of weight arrays (model.get_weights()), "
            f"got {model_or_weights!r:.60}"
        )
    else:
        arrays = (
            [model_or_weights]
            if isinstance(model_or_weights, np.ndarray)
            else list(model_or_weights)
        )
        pairs = [(f"#{i}", to_numpy(a)) for i, a in enumerate(arrays)]
    if names is not None:
        if isinstance(names, str) or not hasattr(names, "__iter__"):
            raise ValueError(f"names must be a list of names, one per array, got {names!r:.60}")
        names = list(names)
        if len(names) != len(pairs):
            raise ValueError(f"got {len(names)} names for {len(pairs)} arrays")
        pairs = [(name, array) for name, (_, array) in zip(names, pairs)]
    chosen = []
    for name, array in pairs:
        array = checks.real_array(array, f"the weights {name}").astype(float)
        if array.ndim == 2:
            chosen.append((name, array))
        elif array.ndim == 1 and bias:
            chosen.append((name, array[None, :]))
    if not chosen:
        raise ValueError(
            "there is no weight matrix to draw (a model with Dense layers, or a "
            "list of 2-D arrays, is needed; pass bias=True to draw 1-D arrays)"
        )
    return chosen


def symmetric_limit(arrays, vmax: float | None = None) -> float:
    """The largest |value| over all `arrays` (at least a tiny number, so a colour scale exists)."""
    if vmax is not None:
        checks.number("vmax", vmax, "(0, inf)")
    else:
        vmax = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    return max(float(vmax), 1e-12)


def heatmaps(
    pairs,
    axes,
    vmax: float | None = None,
    cmap: str = WEIGHT_CMAP,
    label: str = "weight",
    annotate: bool = False,
    colorbar: bool = True,
    title_prefix="",
    ticks: bool = True,
):
    """Draw each ``(name, matrix)`` on its axes with ONE symmetric colour scale and one colorbar.

    ticks=False leaves out the axis numbers (much faster to draw: the dashboard uses it).
    """
    vmax = symmetric_limit([array for _, array in pairs], vmax)
    images = []
    for ax, (name, array) in zip(axes, pairs):
        tall, wide = array.shape
        aspect = "equal" if max(tall, wide) <= 8 * min(tall, wide) else "auto"
        images.append(
            ax.imshow(
                array, cmap=cmap, vmin=-vmax, vmax=vmax, aspect=aspect, interpolation="nearest"
            )
        )
        ax.set_title(f"{title_prefix}{name}  {tall}×{wide}", fontsize=9)
        if ticks:
            ax.set_xlabel("to unit", fontsize=8)
            ax.set_ylabel("from input" if tall > 1 else "", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            ax.tick_params(labelsize=7)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        if annotate and array.size <= 64:
            for (row, col), value in np.ndenumerate(array):
                ax.text(
                    col,
                    row,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if abs(value) > 0.6 * vmax else "black",
                )
    if colorbar and images:
        axes[0].figure.colorbar(images[-1], ax=list(axes[: len(images)]), shrink=0.85, label=label)
    return images


# --- the public pictures ------------------------------------------------------------------------


def plot_history(history: Mapping, ax=None, metrics: Sequence[str] = ("loss",)):
    """Per-epoch curves of each metric: training solid, validation (``val_...``) dashed.

    history: what `dm.fit` returns (or any dict of lists). One panel per metric,
    unless `ax` is given, which then holds them all.
    """
    if not (hasattr(history, "keys") and hasattr(history, "__getitem__")):  # a dict, a DataFrame
        raise ValueError(
            f"plot_history: history must be what dm.fit returns (a dict of lists), got "
            f"{history!r:.60}"
        )
    single = isinstance(metrics, str) or not hasattr(metrics, "__iter__")
    metrics = [metrics] if single else list(metrics)
    if not metrics or not all(isinstance(m, str) for m in metrics):
        raise ValueError(f"plot_history: metrics must be names such as 'loss', got {metrics!r}")
    missing = [m for m in metrics if m not in history and f"val_{m}" not in history]
    if missing:
        raise ValueError(
            f"the history has no {', '.join(map(repr, missing))}; "
            f"it records {', '.join(map(repr, history)) or 'nothing'}"
        )
    if ax is not None and not hasattr(ax, "plot"):
        raise ValueError(f"plot_history: ax must be a matplotlib Axes, got {ax!r:.60}")
    if ax is None:
        fig, axes = new_axes(len(metrics), panel=(4.5, 3.2))
    else:
        fig, axes = ax.figure, [ax] * len(metrics)
    for ax_, metric, colour in zip(
        axes, metrics, plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ):
        for key, style, who in ((metric, "-", "training"), (f"val_{metric}", "--", "validation")):
            if key in history and len(history[key]):
                values = np.asarray(to_numpy(history[key]))
                if values.dtype.kind not in "biuf":  # NaN may stand for a missing number
                    raise ValueError(f"plot_history: history[{key!r}] must hold numbers")
                ax_.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    style,
                    color=colour,
                    label=f"{who} {metric}",
                )
        ax_.set_xlabel("epoch")
        ax_.set_ylabel(metric if ax is None else "value")
        ax_.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_.grid(alpha=0.3)
        ax_.legend(fontsize=8)
    return fig


def plot_decision_boundary(
    model, X, y, ax=None, resolution: int = 200, padding: float = 0.1, title: str | None = None
):
    """What a 2-D classifier predicts everywhere: a filled map under the data points.

    One output (logit) or two classes: the probability of class 1, from red (0)
    through white (0.5, the boundary, also drawn as a line) to blue (1). More
    classes: each region in its class's colour.
    """
    X, y = _boundary_settings(model, X, y, ax, resolution, padding)
    if ax is None:
        fig, (ax,) = new_axes(1, panel=(4.5, 4.0))
    low, high = X.min(axis=0), X.max(axis=0)
    margin = padding * (high - low) + 1e-3
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = np.asarray(
        model.predict(np.c_[grid_x.ravel(), grid_y.ravel()].astype(np.float32)), float
    )
    scores = scores.reshape(len(scores), -1)
    classes = int(max(scores.shape[1], 2))
    if scores.shape[1] <= 2:
        if scores.shape[1] == 1:
            probability = 1 / (1 + np.exp(-np.clip(scores[:, 0], -50, 50)))
        else:
            shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
            probability = shifted[:, 1] / shifted.sum(axis=1)
        probability = probability.reshape(grid_x.shape)
        ax.contourf(
            grid_x, grid_y, probability, levels=np.linspace(0, 1, 11), cmap=WEIGHT_CMAP, alpha=0.75
        )
        ax.contour(grid_x, grid_y, probability, levels=[0.5], colors="k", linewidths=1)
        colours = colormaps[WEIGHT_CMAP](np.where(y > 0, 0.95, 0.05))
    else:
        predicted = np.argmax(scores, axis=1).reshape(grid_x.shape)
        palette = colormaps["tab10"]
        ax.contourf(
            grid_x,
            grid_y,
            predicted,
            levels=np.arange(classes + 1) - 0.5,
            colors=[palette(c % 10) for c in range(classes)],
            alpha=0.35,
        )
        colours = palette(y.astype(int) % 10)
    ax.scatter(X[:, 0], X[:, 1], c=colours, s=14, edgecolors="k", linewidths=0.4)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title)
    return ax.figure


def _boundary_settings(model, X, y, ax, resolution, padding) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of `plot_decision_boundary` in plain words; X and y as float NumPy arrays."""
    owner = "plot_decision_boundary"
    if isinstance(model, type) or not hasattr(model, "predict"):
        raise ValueError(f"{owner}: model must be a network (with .predict), got {model!r:.60}")
    if getattr(model, "n_in", None) not in (None, 2):
        raise ValueError(f"{owner}: the map is drawn over 2 features; the model takes {model.n_in}")
    X = checks.real_array(X, f"{owner}: X").astype(float)
    y = checks.real_array(y, f"{owner}: y").astype(float).reshape(-1)
    if y.size and not (np.all(y == np.round(y)) and y.min() >= 0):
        wrong = y[(y != np.round(y)) | (y < 0)][0]
        raise ValueError(f"{owner}: y must be class numbers 0, 1, 2, ..., got {wrong:g}")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{owner} needs 2-D points, X of shape (n, 2); got {X.shape}")
    if len(y) != len(X) or not len(X):
        raise ValueError(f"{owner}: X has {len(X)} points but y has {len(y)} labels")
    if ax is not None and not hasattr(ax, "contourf"):
        raise ValueError(f"{owner}: ax must be a matplotlib Axes, got {ax!r:.60}")
    resolution = checks.number("resolution", resolution, "[2, inf)", whole=True, owner=owner)
    checks.number("padding", padding, "[0, inf)", owner=owner)
    widths = [getattr(layer, "n_out", None) for layer in getattr(model, "layers", [])]
    widest = max([w for w in widths if isinstance(w, int)] + [2])
    checks.affordable(  # every grid point through the network's widest layer, in float64
        8.0 * resolution**2 * (widest + 2),
        f"{owner}: resolution {resolution:,} ({resolution:,}² points)",
    )
    return X, y


def plot_weights(
    model_or_weights,
    axes=None,
    names=None,
    bias: bool = False,
    vmax: float | None = None,
    annotate: bool = False,
    ncols: int | None = None,
):
    """Every weight matrix as a heatmap, all on one colour scale symmetric around 0.

    model_or_weights: a model, a layer, or a list of arrays (``model.get_weights()``).
    bias=True adds the bias vectors as one-row heatmaps; `vmax` fixes the scale
    (e.g. to compare figures); annotate=True writes the numbers of small matrices.
    """
    pairs = named_arrays(model_or_weights, names, bias)
    fig, axes = new_axes(len(pairs), axes, ncols)
    heatmaps(pairs, axes, vmax=vmax, annotate=annotate)
    return fig


def plot_weight_changes(
    before,
    after,
    axes=None,
    names=None,
    bias: bool = False,
    vmax: float | None = None,
    annotate: bool = False,
):
    """``after - before`` for every weight matrix: where (and which way) the weights moved.

    before, after: two weight lists (``model.get_weights()`` at two moments) or models.
    """
    first, second = named_arrays(before, names, bias), named_arrays(after, names, bias)
    if len(first) != len(second):
        raise ValueError(f"before has {len(first)} weight arrays but after has {len(second)}")
    for (name, a), (_, b) in zip(first, second):
        if a.shape != b.shape:
            raise ValueError(f"{name}: before has shape {a.shape} but after has shape {b.shape}")
    pairs = [(name, b - a) for (name, a), (_, b) in zip(first, second)]
    fig, axes = new_axes(len(pairs), axes)
    heatmaps(
        pairs,
        axes,
        vmax=vmax,
        label="change (after − before)",
        annotate=annotate,
        title_prefix="Δ ",
    )
    return fig


def plot_gradient_histograms(model, axes=None, bins: int = 30):
    """A histogram of the current gradient (``.grad``) of every parameter.

    Call it after ``model.backward(...)``: it shows how big the nudges are, and
    whether some layer's gradients vanish (all near 0) or explode.
    """
    if isinstance(model, type) or not hasattr(model, "named_parameters"):
        raise ValueError(f"plot_gradient_histograms: give it a model, got {model!r:.60}")
    bins = checks.number("bins", bins, "[1, inf)", whole=True, owner="plot_gradient_histograms")
    named = list(model.named_parameters())
    if not named:
        raise ValueError("plot_gradient_histograms: the model has no parameters")
    fig, axes = new_axes(len(named), axes, ncols=4, panel=(3.2, 2.6))
    for ax, (name, parameter) in zip(axes, named):
        grad = np.asarray(to_numpy(parameter.grad), dtype=float).ravel()
        ax.hist(grad, bins=bins, color="tab:purple", alpha=0.8)
        ax.axvline(0, color="k", lw=0.6)
        note = "" if np.any(grad) else "\n(all zero: run backward first)"
        ax.set_title(f"{name} {tuple(parameter.shape)}{note}", fontsize=9)
        ax.set_xlabel("gradient", fontsize=8)
        ax.tick_params(labelsize=7)
    return fig
