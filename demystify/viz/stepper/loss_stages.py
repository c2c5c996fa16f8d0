"""The loss stages: P from the outputs, the loss L, and the first gradient dL/dZ.

The stepper knows no loss by name. It asks the loss what it reads the outputs
as (``loss.predictions(Z)``), its value (``loss(Z, y)``) and its gradient
(``loss.backward()``), all taken in the frozen snapshot. Then it writes a
formula out only when that formula, computed here from the numbers on show,
gives the loss's own numbers: ``P = softmax(Z)`` or ``σ(Z)`` (or P is Z
itself), ``L = −mean log P[i, yᵢ]``, binary cross-entropy or the mean squared
error, and ``dZ = (P − Y)/n``, ``(P − Y)/size`` or ``2 (Z − Y)/size``. A loss
none of these fits (Huber, your own) is shown as what it is: its value and
its gradient, from its own methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .stage import Entry, Stage, elementwise
from .text import cell, factor, number, shape, terms_sum, tex, written


@dataclass
class LossView:
    """The loss's numbers from the snapshot, and where they sit in the picture."""

    name: str  # how the loss calls itself: repr(loss)
    out: str  # the outputs' name: "Z2"
    z: np.ndarray  # the outputs
    P: np.ndarray  # loss.predictions(z)
    Y: np.ndarray  # the targets beside them
    value: float
    G: np.ndarray  # loss.backward()
    column: int
    make: Callable[..., Stage]  # Stage(...) with the weights of the moment filled in

    @property
    def n(self) -> int:
        return len(self.z)

    @property
    def same(self) -> bool:
        """The loss reads the outputs as they are (P is Z)."""
        return np.array_equal(self.P, self.z)

    def units(self, i: int, j: int) -> list[tuple[int, int]]:
        """The output unit an entry belongs to, on the picture."""
        return [(self.column, j)]

    @property
    def p_name(self) -> str:
        return self.out if self.same else "P"


def _agrees(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _labels(Y: np.ndarray) -> list[int] | None:
    """Class numbers when Y is one-hot rows (one 1 and zeros in each row), else None."""
    one_hot = np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1) and Y.shape[1] > 1
    return [int(np.argmax(row)) for row in Y] if one_hot else None


# --- P --------------------------------------------------------------------------------------


def _softmax(view: LossView) -> Stage | None:
    z, P, out = view.z, view.P, view.out
    exps = np.exp(z - z.max(axis=1, keepdims=True))
    if not _agrees(P, exps / exps.sum(axis=1, keepdims=True)):
        return None

    def explain(i: int, j: int) -> Entry:
        row = range(z.shape[1])
        symbols = f"exp({out}[{i},{j}]) / ({terms_sum([f'exp({out}[{i},{m}])' for m in row])})"
        each = [f"exp({number(z[i, m])})" for m in row]
        values = f"exp({number(z[i, j])}) / ({terms_sum(each)})"
        cells = {out: [(i, m) for m in row], "P": [(i, j)]}
        return Entry(written("P", i, j, symbols, values, P[i, j]), cells, [], [(view.column, j)])

    return view.make(
        "loss",
        f"P = softmax({out})",
        f"P[i,j] = \\frac{{e^{{{tex(out)}[i,j]}}}}{{\\sum_m e^{{{tex(out)}[i,m]}}}}",
        {out: z, "P": P},
        ["softmax(", out, ")", "=", "P"],
        f"{shape(z)} → {shape(P)}: each row becomes probabilities adding up to 1",
        f"The scores of each example become probabilities: what {view.name}.predictions "
        "reads the outputs as.",
        explain,
        column=view.column,
    )


def _sigmoid(view: LossView) -> Stage | None:
    z, P, out = view.z, view.P, view.out
    if not _agrees(P, 1.0 / (1.0 + np.exp(-z))):
        return None
    return view.make(
        "loss",
        f"P = σ({out})",
        f"P = \\sigma({tex(out)}) = \\frac{{1}}{{1 + e^{{-{tex(out)}}}}}",
        {out: z, "P": P},
        ["σ(", out, ")", "=", "P"],
        f"{shape(z)} → {shape(P)}: each score becomes a probability of class 1",
        f"The sigmoid squashes each score into (0, 1): what {view.name}.predictions "
        "reads the outputs as.",
        elementwise(("P", P), [(out, z)], "1 / (1 + exp(−{0}))", None, view.units),
        column=view.column,
    )


def _own_predictions(view: LossView) -> Stage:
    z, P, out = view.z, view.P, view.out
    return view.make(
        "loss",
        f"P = predictions({out})",
        f"P = \\mathrm{{predictions}}({tex(out)})",
        {out: z, "P": P},
        ["predictions(", out, ")", "=", "P"],
        f"{shape(z)} → {shape(P)}",
        f"What {view.name}.predictions reads the outputs as.",
        lambda i, j: Entry(f"P[{i},{j}] = {number(P[i, j])}", {"P": [(i, j)]}, [], []),
        column=view.column,
    )


def prediction_stages(view: LossView) -> list[Stage]:
    """``P = softmax(Z)`` or ``P = σ(Z)``; none when the loss reads Z as it is."""
    if view.same:
        return []
    return [_softmax(view) or _sigmoid(view) or _own_predictions(view)]


# --- L --------------------------------------------------------------------------------------


def _loss_stage(view: LossView, name, formula, arrays, layout, note, text, cells) -> Stage:
    return view.make(
        "loss",
        name,
        formula,
        arrays,
        layout,
        f"{shape(view.z)} → one number",
        note,
        lambda i, j: Entry(text, {**cells, "L": [(0, 0)]}, [], []),
        column=view.column,
    )


def _cross_entropy(view: LossView) -> Stage | None:
    P, Y, n, labels = view.P, view.Y, view.n, _labels(view.Y)
    if view.same or labels is None:
        return None
    picked = list(enumerate(labels))
    with np.errstate(all="ignore"):
        if not _agrees(-np.mean([np.log(P[r, c]) for r, c in picked]), view.value):
            return None
    symbols = terms_sum([f"log P[{r},{c}]" for r, c in picked])
    values = terms_sum([f"log({factor(P[r, c])})" for r, c in picked])
    return _loss_stage(
        view,
        "L = −mean of log P[i, yᵢ]",
        f"L = -\\frac{{1}}{{{n}}}\\sum_i \\log P[i, y_i]",
        {"P": P, "Y": Y, "L": np.array([[view.value]])},
        ["−mean of log", "P", "where", "Y", "is 1", "=", "L"],
        "Y holds the labels as one-hot rows. The loss is small when every true class "
        "gets a probability near 1.",
        f"L = −({symbols}) / {n}\n  = −({values}) / {n} = {number(view.value)}",
        {"P": picked, "Y": picked},
    )


def _binary_cross_entropy(view: LossView) -> Stage | None:
    P, Y, every = view.P, view.Y, list(np.ndindex(view.Y.shape))
    if view.same or not np.all((Y == 0) | (Y == 1)):
        return None
    with np.errstate(all="ignore"):
        if not _agrees(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)), view.value):
            return None
    one = [f"log P[{r},{c}]" if Y[r, c] else f"log(1 − P[{r},{c}])" for r, c in every]
    nums = [
        f"log({factor(P[r, c])})" if Y[r, c] else f"log(1 − {factor(P[r, c])})" for r, c in every
    ]
    return _loss_stage(
        view,
        "L = −mean of Y log P + (1 − Y) log(1 − P)",
        f"L = -\\frac{{1}}{{{Y.size}}}\\sum_{{i,j}} Y \\log P + (1 - Y) \\log(1 - P)",
        {"P": P, "Y": Y, "L": np.array([[view.value]])},
        ["−mean of", "Y", "log", "P", "+ (1 − Y) log(1 − P)", "=", "L"],
        "Binary cross-entropy: log P where the target is 1, log(1 − P) where it is 0. "
        "(The loss computes it from the scores, never taking the log of 0.)",
        f"L = −({terms_sum(one)}) / {Y.size}\n"
        f"  = −({terms_sum(nums)}) / {Y.size} = {number(view.value)}",
        {"P": every, "Y": every},
    )


def _squared_error(view: LossView) -> Stage | None:
    z, Y, p, every = view.z, view.Y, view.p_name, list(np.ndindex(view.Y.shape))
    if not (view.same and _agrees(np.mean((z - Y) ** 2), view.value)):
        return None
    symbols = terms_sum([f"({p}[{r},{c}] − Y[{r},{c}])²" for r, c in every])
    values = terms_sum([f"({factor(z[r, c])} − {factor(Y[r, c])})²" for r, c in every])
    return _loss_stage(
        view,
        f"L = mean of ({p} − Y)²",
        f"L = \\frac{{1}}{{{Y.size}}}\\sum_{{i,j}} ({tex(p)}[i,j] - Y[i,j])^2",
        {p: z, "Y": Y, "L": np.array([[view.value]])},
        ["mean of (", p, "−", "Y", ")²", "=", "L"],
        "The mean squared error: the average over every entry, rows and outputs.",
        f"L = ({symbols}) / {Y.size}\n  = ({values}) / {Y.size} = {number(view.value)}",
        {p: every, "Y": every},
    )


def _own_value(view: LossView) -> Stage:
    p = view.p_name
    return _loss_stage(
        view,
        f"L = {view.name}({p}, Y)",
        f"L = \\mathrm{{loss}}({tex(p)}, Y)",
        {p: view.P, "Y": view.Y, "L": np.array([[view.value]])},
        ["loss(", p, ",", "Y", ")", "=", "L"],
        f"{view.name} computes it (its own formula, not written out here).",
        f"L = {number(view.value)} (from {view.name})",
        {},
    )


def value_stages(view: LossView) -> list[Stage]:
    """``L``, written out when a known formula of the shown numbers gives the loss's value."""
    for form in (_cross_entropy, _binary_cross_entropy, _squared_error):
        stage = form(view)
        if stage is not None:
            return [stage]
    return [_own_value(view)]


# --- dL/dZ ----------------------------------------------------------------------------------


def gradient_stage(view: LossView) -> Stage:
    """``dZ = ∂L/∂Z``: what ``loss.backward()`` returned, as a formula of P and Y when one fits."""
    P, Y, G, n, p, out = view.P, view.Y, view.G, view.n, view.p_name, view.out
    g, units = "d" + out, (lambda i, j: [(view.column, j)])
    derivative = f"{tex(g)} = \\frac{{\\partial L}}{{\\partial {tex(out)}}}"
    forms = [(1.0, n, "rows"), (1.0, Y.size, "entries"), (2.0, Y.size, "entries")]
    for times, size, counted in forms:
        if not _agrees(G, times * (P - Y) / size):
            continue
        two, two_tex, two_pattern = ("2 ", "2\\,", "2·") if times == 2 else ("", "", "")
        return view.make(
            "backward",
            f"{g} = {two}({p} − Y) / {size}",
            f"{derivative} = \\frac{{{two_tex}({tex(p)} - Y)}}{{{size}}}",
            {p: P, "Y": Y, g: G},
            [f"{two}(", p, "−", "Y", f") / {size}", "=", g],
            f"{shape(G)}: one number per output of every example, like {out}",
            f"{g} is ∂L/∂{out}: how the loss changes when each output moves ({size} {counted}: "
            f"L is their mean). {view.name}.backward() returns it; it is the G the last layer's "
            "backward receives.",
            elementwise(
                (g, G), [(p, P), ("Y", Y)], f"{two_pattern}({{0}} − {{1}}) / {size}", None, units
            ),
            column=view.column,
            backward=True,
        )
    return view.make(
        "backward",
        f"{g} = ∂L/∂{out}",
        derivative,
        {out: view.z, g: G},
        ["∂L/∂ at", out, "=", g],
        f"{shape(G)}: one number per output of every example, like {out}",
        f"{view.name}.backward() returns it: the G the last layer's backward receives.",
        lambda i, j: Entry(
            f"{cell(g, i, j)} = {number(G[i, j])} (from {view.name}.backward())",
            {g: [(i, j)]},
            [],
            units(i, j),
        ),
        column=view.column,
        backward=True,
    )


__all__ = ["LossView", "gradient_stage", "prediction_stages", "value_stages"]
