"""A backprop stepper: one training step of a small network, one matrix product at a time.

A network is not circles and arrows but a clever sequence of matrix
multiplications. This widget shows that sequence with the numbers in. Give it
a small network and a handful of rows, and **Next** walks through one call of
`dm.train_step`:

* forward, layer by layer: ``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``, ..., the loss;
* backward, from the loss to the first layer: ``dZ2 = (P - Y) / n`` with
  ``P = softmax(Z2)``, ``dW2 = A1ᵀ @ dZ2``, ``db2 = Σ dZ2``, ``dA1 = dZ2 @ W2ᵀ``,
  ``dZ1 = dA1 ⊙ relu′(Z1)``, ... (``dZ2`` is ∂L/∂Z2, the ``G`` a layer's backward receives);
* the SGD update ``W ← W − η dW`` of every parameter, and the loss once more.

Each stage shows its formula, the shapes, every matrix it reads and the one it
makes (pick an entry and its sum is written out), and the same step on the
circles-and-arrows picture.

Every number shown is the library's own. The stepper runs `dm.train_step`
once, on a float64 copy of your model (yours is not touched), and reads what
that call left behind: each layer's cache (its input; an activation's output
too), the loss's cache and ``pred``, every ``Parameter.grad``, and the weights
after the optimizer's step. The gradient that `Sequential.backward` hands from
one layer to the next is kept by listening to each layer's ``backward`` during
that call. The only numbers made here are the ones the library never forms as
a matrix: an activation's slope ``f′(Z)``, from the layer's own ``derivative``,
and transposes for display. The tests check every gradient against
`model.backward` and against central differences.
"""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import backend
from ..activations import Activation
from ..model import Sequential
from ..optim import SGD
from ..training import check_data, train_step
from . import notebook
from .network import draw_network
from .plots import WEIGHT_CMAP

MAX_ROWS, MAX_UNITS = 16, 12  # every number is shown: beyond this the tables stop being readable
CAPTIONS = {  # what the picture shows, phase by phase
    "forward": "forward: the numbers flow left to right →",
    "loss": "the loss: the outputs against the targets Y",
    "backward": "backward: the gradient flows right to left ←",
    "update": "update: each weight moves against its gradient",
}
FOCUS = "#f0a500"  # the colour that marks the numbers an entry is made of (as in the picture)


class Entry(NamedTuple):
    """One entry of a stage's result written out, and where its numbers are."""

    text: str  # "dW2[0,1] = A1[0,0]·dZ2[0,1] + A1[1,0]·dZ2[1,1] + ...\n = ... = 0.0123"
    cells: dict[str, list[tuple[int, int]]]  # table name -> the (row, column) cells it reads
    arrows: list[tuple[int, int, int]]  # (dense layer, i, j): the picture's arrows it uses
    units: list[tuple[int, int]]  # (column, unit): the picture's circles it uses


@dataclass
class Stage:
    """One operation of the training step: its formula and every matrix it reads and makes.

    ``arrays`` holds the tables shown, operands first and the result last (a
    bias, or the loss, is a one-row matrix); ``layout`` reads them as an
    equation, names and operators in order. ``layer`` (a Dense layer, 0 is the
    first) and ``column`` (a column of units, 0 is the inputs) say where the
    stage works on the picture; ``weights`` are the parameters as they are at
    this stage (the update stages change them one by one).
    """

    phase: str  # "forward", "loss", "backward" or "update"
    name: str  # plain text: "dW2 = A1ᵀ @ dZ2"
    formula: str  # LaTeX
    arrays: dict[str, np.ndarray]
    layout: list[str]
    shapes: str
    note: str
    explain: Callable[[int, int], Entry] = field(repr=False)
    layer: int | None = None
    column: int | None = None
    backward: bool = False
    weights: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def result(self) -> str:
        """The name of the matrix this stage computes (the last of `arrays`)."""
        return list(self.arrays)[-1]

    def entry(self, i: int, j: int) -> Entry:
        """Entry ``[i, j]`` of the result, written out as the sum that makes it."""
        rows, cols = self.arrays[self.result].shape
        if not (0 <= i < rows and 0 <= j < cols):
            raise IndexError(f"{self.result} is {rows}×{cols}: it has no entry [{i}, {j}]")
        return self.explain(i, j)

    def written_out(self, i: int, j: int) -> str:
        return self.entry(i, j).text


# --- numbers and names as text ------------------------------------------------------------------


def number(value: float) -> str:
    """Three significant digits, as in the tables: ``-0.142``, ``0.00351``, ``0``."""
    value = float(value)
    return "0" if value == 0 else f"{value:.3g}"


def _factor(value: float) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    text = number(value)
    return f"({text})" if text.startswith("-") else text


def _sum(terms: list[str], limit: int = 8) -> str:
    """``a + b + c``, shortened in the middle beyond `limit` terms."""
    if len(terms) > limit:
        terms = [*terms[: limit - 2], "…", terms[-1]]
    return " + ".join(terms)


def _cell(name: str, row: int, col: int) -> str:
    """How a sum names a table's entry: ``A1ᵀ[2,0]`` is ``A1[0,2]``; a bias row's is ``b1[j]``."""
    if name.endswith("ᵀ"):
        return f"{name[:-1]}[{col},{row}]"
    if name.lstrip("d").startswith("b"):
        return f"{name}[{col}]"
    return f"{name}[{row},{col}]"


def _written(name: str, i: int, j: int, symbols: str, values: str, result: float) -> str:
    """Two lines: the entry as symbols, then with the numbers plugged in, then its value."""
    head = f"{_cell(name, i, j)} = "
    return f"{head}{symbols}\n{' ' * (len(head) - 2)}= {values} = {number(result)}"


def _tex(name: str) -> str:
    """A name as LaTeX: ``dW2`` -> ``dW_{2}``, ``A1ᵀ`` -> ``A_{1}^\\top``, ``relu′(Z1)``."""
    transposed, core = name.endswith("ᵀ"), name.rstrip("ᵀ")
    digits = len(core) - len(core.rstrip("0123456789"))
    if 0 < digits < len(core):
        core = f"{core[:-digits]}_{{{core[-digits:]}}}"
    return core + ("^\\top" if transposed else "")


def _tex_function(name: str) -> str:
    return "\\sigma" if name == "σ" else f"\\mathrm{{{name}}}"


def _shape(array: np.ndarray) -> str:
    return f"({', '.join(map(str, array.shape))})"


# --- three ways an entry is made ---------------------------------------------------------------


def _product(result, left, right, bias=None, arrows=None, units=None):
    """Entry (i, j) of ``left @ right (+ bias)``: row i of left times column j of right."""
    (c_name, C), (a_name, A), (b_name, B) = result, left, right

    def explain(i: int, j: int) -> Entry:
        inner = range(A.shape[1])
        symbols = [f"{_cell(a_name, i, m)}·{_cell(b_name, m, j)}" for m in inner]
        values = [f"{_factor(A[i, m])}·{_factor(B[m, j])}" for m in inner]
        cells = {a_name: [(i, m) for m in inner], b_name: [(m, j) for m in inner]}
        if bias is not None:
            symbols.append(_cell(bias[0], 0, j))
            values.append(_factor(bias[1][0, j]))
            cells[bias[0]] = [(0, j)]
        cells[c_name] = [(i, j)]
        text = _written(c_name, i, j, _sum(symbols), _sum(values), C[i, j])
        return Entry(text, cells, arrows(i, j) if arrows else [], units(i, j) if units else [])

    return explain


def _elementwise(result, operands, pattern: str, arrows=None, units=None):
    """Entry (i, j) from entry (i, j) of each operand, by `pattern` (``"{0}·{1}"``)."""
    c_name, C = result

    def explain(i: int, j: int) -> Entry:
        symbols = pattern.format(*(_cell(name, i, j) for name, _ in operands))
        values = pattern.format(*(_factor(array[i, j]) for _, array in operands))
        cells = {name: [(i, j)] for name, _ in [*operands, result]}
        text = _written(c_name, i, j, symbols, values, C[i, j])
        return Entry(text, cells, arrows(i, j) if arrows else [], units(i, j) if units else [])

    return explain


def _column_sum(result, operand, units=None):
    """Entry j of the sum over the rows of `operand` (a bias gradient)."""
    (c_name, C), (a_name, A) = result, operand

    def explain(i: int, j: int) -> Entry:
        rows = range(len(A))
        symbols = _sum([_cell(a_name, r, j) for r in rows])
        values = _sum([_factor(A[r, j]) for r in rows])
        cells = {a_name: [(r, j) for r in rows], c_name: [(0, j)]}
        return Entry(
            _written(c_name, i, j, symbols, values, C[0, j]),
            cells,
            [],
            units(i, j) if units else [],
        )

    return explain


# --- one training step, listened to -----------------------------------------------------------


@contextmanager
def _listening(model: Sequential):
    """Keep the gradient each layer receives while ``model.backward`` runs.

    `Sequential.backward` hands ``dL/d(output of layer k)`` to layer ``k`` and
    keeps none of them. To show them, each layer's ``backward`` is wrapped for
    the duration (an attribute on the instance, deleted afterwards). Yields a
    dict, filled on exit: position in ``model.layers`` -> the gradient it received.
    """
    calls, layers = [], {id(layer): layer for layer in model.layers}
    for layer in layers.values():

        def listen(grad_out, input_grad=True, _backward=layer.backward):
            calls.append(grad_out)
            return _backward(grad_out, input_grad)

        layer.backward = listen
    received = {}
    try:
        yield received
    finally:
        for layer in layers.values():
            del layer.backward  # the class's method shows through again
        last = len(model.layers) - 1  # backward visits the layers from the last to the first
        received.update({last - k: _host(grad) for k, grad in enumerate(calls)})


def _host(array) -> np.ndarray:
    return np.array(backend.to_numpy(array), dtype=np.float64)


def _is_dense(layer) -> bool:
    return hasattr(layer, "weights") and hasattr(layer, "n_in")


def _check_layers(model: Sequential) -> None:
    for index, layer in enumerate(model.layers):
        # an element-wise activation: a derivative, and the chain rule of Activation.backward
        elementwise = hasattr(layer, "derivative") and type(layer).backward is Activation.backward
        if not (_is_dense(layer) or elementwise):
            raise ValueError(
                "BackpropStepper shows Dense layers and element-wise activations (ReLU, Tanh, "
                f"Sigmoid, LeakyReLU); layer #{index} is {layer!r}"
            )
        if _is_dense(layer) and max(layer.n_in, layer.n_out) > MAX_UNITS:
            raise ValueError(
                f"BackpropStepper shows every number, so layers of at most {MAX_UNITS} units; "
                f"layer #{index} is {layer!r} (try a network like 2-3-2)"
            )


# --- the stepper ------------------------------------------------------------------------------


class BackpropStepper:
    """One `dm.train_step` on a few rows, shown stage by stage with every number in it.

    >>> model = dm.Sequential([dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)], seed=0)
    >>> X, y = dm.datasets.xor(n=4, seed=0)
    >>> stepper = dm.viz.BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y, lr=0.5)
    >>> stepper.show()                     # Next / Back / Reset in JupyterLab
    >>> stepper.stages[6].arrays["dW2"]    # or read the numbers from code

    loss: `SoftmaxCrossEntropy` or `MeanSquaredError` are written out in full;
    another loss shows its value and gradient only. The stages are computed
    once, when the stepper is made, so Back and Reset show the very same numbers.
    """

    def __init__(self, model, loss, X, y, lr: float = 0.1):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"BackpropStepper: lr must be a positive number, got {lr!r}")
        self.model = copy.deepcopy(model if hasattr(model, "layers") else Sequential([model]))
        for parameter in self.model.parameters():  # the copy takes the step, in float64
            parameter.move("float64")
        _check_layers(self.model)
        self.loss, self.lr = copy.deepcopy(loss), float(lr)
        self.X, self.y = check_data(self.model, self.loss, X, y, name="BackpropStepper data")
        if len(self.X) > MAX_ROWS:
            raise ValueError(
                f"BackpropStepper shows every number, so at most {MAX_ROWS} rows; "
                f"got {len(self.X)} (try X[:4], y[:4])"
            )
        self.index, self.entry_index, self.ui, self._syncing = 0, (0, 0), None, False
        self.stages = self._take_the_step()

    def _take_the_step(self) -> list[Stage]:
        """Run `dm.train_step` once, listening, and turn what it left behind into stages."""
        model, loss = self.model, self.loss
        self.start_weights = model.get_weights()
        optimizer = SGD(model.parameters(), lr=self.lr)
        with _listening(model) as received:
            self.loss_value = train_step(model, loss, optimizer, backend.asarray(self.X), self.y)
        self.gradients = [_host(p.grad) for p in model.parameters()]
        self.end_weights = model.get_weights()
        trace = _Trace(self, received)
        self.loss_after = loss(model.outputs(self.X), self.y)  # same rows, new weights
        stages = [trace.forward(position) for position in range(len(model.layers))]
        stages += trace.loss_stages()
        stages.append(trace.loss_gradient())
        for position in reversed(range(len(model.layers))):
            stages += trace.backward(position)
        return stages + trace.updates()

    # --- moving through the stages ---------------------------------------------------------

    @property
    def stage(self) -> Stage:
        return self.stages[self.index]

    def go(self, index: int) -> Stage:
        """Show stage `index` (0 is the first) and return it."""
        if not 0 <= index < len(self.stages):
            raise IndexError(f"there are {len(self.stages)} stages, 0..{len(self.stages) - 1}")
        self.index = int(index)
        rows, cols = self.stage.arrays[self.stage.result].shape
        self.entry_index = (min(self.entry_index[0], rows - 1), min(self.entry_index[1], cols - 1))
        self.refresh()
        return self.stage

    def next(self) -> Stage:
        return self.go(min(self.index + 1, len(self.stages) - 1))

    def back(self) -> Stage:
        return self.go(max(self.index - 1, 0))

    def reset(self) -> Stage:
        return self.go(0)

    def choose(self, i: int, j: int) -> Entry:
        """Pick entry ``[i, j]`` of the current result: its sum is written out and marked."""
        entry = self.stage.entry(i, j)
        self.entry_index = (i, j)
        self.refresh()
        return entry

    def __len__(self) -> int:
        return len(self.stages)

    def __repr__(self) -> str:
        dense = [layer for layer in self.model.layers if _is_dense(layer)]
        sizes = "-".join(str(n) for n in [dense[0].n_in, *(layer.n_out for layer in dense)])
        return (
            f"BackpropStepper({sizes} network, {len(self.X)} rows, lr={self.lr:g}; "
            f"stage {self.index + 1} of {len(self.stages)}: {self.stage.name})"
        )

    # --- the pictures ------------------------------------------------------------------------

    def title(self, index: int) -> str:
        stage = self.stages[index]
        return f"{index + 1}/{len(self.stages)} {stage.phase}: {stage.name}"

    def _entry_of(self, index: int) -> Entry:
        """The chosen entry of stage `index` (entry [0, 0] of stages not on show)."""
        return self.stages[index].entry(*(self.entry_index if index == self.index else (0, 0)))

    def draw_network(self, ax, index: int | None = None) -> None:
        """The circles-and-arrows picture of a stage (the current one by default)."""
        index = self.index if index is None else index
        stage, entry = self.stages[index], self._entry_of(index)
        view = copy.deepcopy(self.model)
        view.set_weights(stage.weights)
        draw_network(
            view,
            ax=ax,
            layer=stage.layer,
            arrows=entry.arrows,
            units=entry.units,
            backward=stage.backward,
        )
        ax.set_title(CAPTIONS[stage.phase], fontsize=9)

    def network_figure(self, index: int | None = None) -> Figure:
        fig = Figure(figsize=(4.2, 2.5), layout="constrained")
        self.draw_network(fig.add_subplot(), index)
        return fig

    def static_figure(self, index: int | None = None):
        """A stage as one figure: title, formula, the matrices with their numbers, the picture."""
        import matplotlib.pyplot as plt

        index = self.index if index is None else index
        stage, entry = self.stages[index], self._entry_of(index)
        widths = [
            stage.arrays[p].shape[1] + 0.8 if p in stage.arrays else 0.3 * len(p) + 0.5
            for p in stage.layout
        ]
        tallest = max(array.shape[0] for array in stage.arrays.values())
        height = 1.2 + 0.34 * max(tallest + 2, 8)
        fig = plt.figure(figsize=(14, height + 1.9), layout="constrained")
        top, middle, bottom = fig.subfigures(3, 1, height_ratios=[1.1, height, 0.8])
        top.text(0.01, 0.75, self.title(index), fontsize=12, fontweight="bold", va="center")
        top.text(0.01, 0.25, f"${stage.formula}$", fontsize=14, va="center")
        top.text(0.55, 0.25, f"shapes: {stage.shapes}", fontsize=9, va="center", color="0.3")
        left, right = middle.subfigures(1, 2, width_ratios=[2.1, 1])
        axes = left.subplots(1, len(stage.layout), width_ratios=widths, squeeze=False)[0]
        for ax, piece in zip(axes, stage.layout):
            ax.axis("off")
            if piece in stage.arrays:
                _draw_matrix(ax, piece, stage.arrays[piece], entry.cells.get(piece, []), tallest)
            else:
                ax.text(0.5, 0.5, piece, ha="center", va="center", fontsize=11)
        bottom.text(0.01, 0.5, entry.text, fontsize=9, family="monospace", va="center")
        self.draw_network(right.add_subplot(), index)
        return fig

    def tables_html(self, index: int | None = None) -> str:
        """The stage's matrices as small HTML tables, laid out as its equation."""
        index = self.index if index is None else index
        stage, cells = self.stages[index], self._entry_of(index).cells
        parts = []
        for piece in stage.layout:
            if piece in stage.arrays:
                tips = stage if piece == stage.result else None
                parts.append(_table(piece, stage.arrays[piece], cells.get(piece, []), tips))
            else:
                parts.append(
                    '<div class="dm-op" style="font-size:18px;padding:14px 4px 0;'
                    f'white-space:nowrap">{html.escape(piece)}</div>'
                )
        return (  # one equation on one line (it scrolls sideways rather than break)
            f'<div data-stage="{index}" style="display:flex;flex-wrap:nowrap;align-items:center;'
            'gap:2px 6px;overflow-x:auto;padding:4px 0">' + "".join(parts) + "</div>"
        )

    def entry_html(self) -> str:
        return (
            '<div style="font-family:monospace;font-size:13px;white-space:pre-wrap;'
            f'background:#fff8e6;border-left:4px solid {FOCUS};padding:6px 10px">'
            f"{html.escape(self._entry_of(self.index).text)}</div>"
        )

    def header_html(self) -> str:
        stage = self.stage
        colour = {"forward": "#1f6feb", "loss": "#8250df", "backward": "#cf222e"}.get(
            stage.phase, "#1a7f37"
        )
        return (
            f'<div style="font-size:15px"><span style="background:{colour};color:white;'
            f'padding:1px 8px;border-radius:8px">{stage.phase}</span> '
            f"<b>stage {self.index + 1} of {len(self.stages)}:</b> {html.escape(stage.name)}</div>"
            f'<div style="font-size:17px">$${stage.formula}$$</div>'
            f'<div style="color:#333">shapes: {html.escape(stage.shapes)}</div>'
            f'<div style="color:#555;max-width:900px">{html.escape(stage.note)}</div>'
        )

    # --- the widgets -------------------------------------------------------------------------

    def show(self, static: bool = False):
        """Display the live stepper in JupyterLab, with the current stage as a picture beside
        it for viewers that cannot run widgets (nbviewer, GitHub, a PDF).

        static=True, no ipywidgets, or no notebook: only the static figure
        (returned outside a notebook, displayed inside one).
        """
        if not static and notebook.in_a_kernel() and notebook.widgets_available():
            notebook.display_widget(self.widget(), self.static_figure, repr(self))
            return None
        return notebook.display_static(self.static_figure(), "stepper")

    def widget(self):
        """The ipywidgets box (built once): buttons, stage list, formula, tables, the picture."""
        if self.ui is not None:
            return self.ui["box"]
        import ipywidgets as w

        ui = {
            "reset": w.Button(description="Reset", icon="undo", tooltip="back to the first stage"),
            "back": w.Button(description="Back", icon="step-backward", tooltip="previous stage"),
            "next": w.Button(description="Next", icon="step-forward", tooltip="next stage"),
            "stage": w.Dropdown(
                options=[(self.title(k), k) for k in range(len(self.stages))],
                value=self.index,
                layout=w.Layout(width="420px"),
            ),
            "formula": w.HTMLMath(layout=w.Layout(flex="1 1 auto", min_width="0")),
            "tables": w.HTML(),
            "entry": w.Dropdown(description="entry", layout=w.Layout(width="200px")),
            "sum": w.HTML(),
            "network": w.Output(layout=w.Layout(min_width="400px")),
        }
        for name, item in ui.items():
            item.add_class(f"dm-{name}")
        ui["next"].on_click(lambda _: self.next())
        ui["back"].on_click(lambda _: self.back())
        ui["reset"].on_click(lambda _: self.reset())
        ui["stage"].observe(self._stage_chosen, names="value")
        ui["entry"].observe(self._entry_chosen, names="value")
        hint = w.HTML(
            '<span style="color:#555;padding-left:8px">or hover over a number of the result</span>'
        )
        ui["box"] = w.VBox(
            [
                w.HBox([ui["reset"], ui["back"], ui["next"], ui["stage"]]),
                w.HBox(
                    [ui["formula"], ui["network"]],
                    layout=w.Layout(justify_content="space-between", align_items="flex-start"),
                ),
                ui["tables"],
                w.HBox([ui["entry"], hint], layout=w.Layout(align_items="center")),
                ui["sum"],
            ]
        )
        ui["box"].add_class("dm-stepper")
        self.ui = ui
        self.refresh()
        return ui["box"]

    def refresh(self) -> None:
        """Redraw the widgets for the current stage and entry (when they exist)."""
        ui, stage = self.ui, self.stage
        if ui is None:
            return
        self._syncing = True
        try:
            ui["stage"].value = self.index
            rows, cols = stage.arrays[stage.result].shape
            options = [
                (_cell(stage.result, i, j), (i, j)) for i in range(rows) for j in range(cols)
            ]
            if list(ui["entry"].options) != options:
                ui["entry"].options = options
            ui["entry"].value = self.entry_index
        finally:
            self._syncing = False
        ui["back"].disabled = self.index == 0
        ui["next"].disabled = self.index == len(self.stages) - 1
        ui["tables"].value = self.tables_html()
        ui["sum"].value = self.entry_html()
        ui["network"].outputs = notebook.png_output(self.network_figure(), "network")
        ui["formula"].value = self.header_html()  # last: when it says "stage k", all is there

    def _stage_chosen(self, change) -> None:
        if not self._syncing:
            self.go(int(change["new"]))

    def _entry_chosen(self, change) -> None:
        if not self._syncing and change["new"] is not None:
            self.choose(*change["new"])


# --- the stages, made from what train_step left behind ----------------------------------------


class _Trace:
    """The arrays of one training step, by name, and the stages made of them."""

    def __init__(self, stepper: BackpropStepper, received: dict[int, np.ndarray]):
        model = stepper.model
        self.stepper, self.layers, self.caches = stepper, model.layers, model.cache
        self.received = received  # position -> the gradient that layer's backward received
        self.n, self.lr = len(stepper.X), stepper.lr
        self.parameters = [name for name, _ in model.named_parameters()]
        self.before = stepper.start_weights
        self.inputs = [_host(c[0] if isinstance(c, tuple) else c) for c in self.caches]
        self.outputs = self.inputs[1:] + [_host(stepper.loss.pred)]  # what each layer handed on
        self.names, self.dense = [], {}  # Z1, A1, Z2, ...; position -> Dense number (1, 2, ...)
        for position, layer in enumerate(self.layers):
            if _is_dense(layer):
                self.dense[position] = len(self.dense) + 1
            name = f"Z{len(self.dense)}" if _is_dense(layer) else f"A{len(self.dense)}"
            while name in self.names or name == "X":
                name += "b"  # two activations in a row
            self.names.append(name)

    def input_name(self, position: int) -> str:
        return "X" if position == 0 else self.names[position - 1]

    def column(self, position: int) -> int:
        """The picture's column of units that layer `position` writes into."""
        return sum(1 for p in self.dense if p <= position)

    def parameter(self, position: int, kind: str) -> tuple[int, np.ndarray, np.ndarray]:
        """Index among the parameters, value before the step, and gradient."""
        index = self.parameters.index(f"{position}.{kind}")
        return index, self.before[index], self.stepper.gradients[index]

    def stage(self, *args, **where) -> Stage:
        return Stage(*args, **where, weights=list(self.before))

    # forward -------------------------------------------------------------------------------

    def forward(self, position: int) -> Stage:
        layer, x_name, z_name = (
            self.layers[position],
            self.input_name(position),
            self.names[position],
        )
        x, z, column = self.inputs[position], self.outputs[position], self.column(position)
        if position not in self.dense:
            f = _activation_name(layer)
            return self.stage(
                "forward",
                f"{z_name} = {f}({x_name})",
                f"{_tex(z_name)} = {_tex_function(f)}({_tex(x_name)})",
                {x_name: x, z_name: z},
                [f"{f}(", x_name, ")", "=", z_name],
                f"{_shape(x)} → {_shape(z)}, the same shape",
                f"{type(layer).__name__} bends every number by itself: each unit of this column "
                "applies it to its own input; nothing is mixed.",
                _elementwise(
                    (z_name, z), [(x_name, x)], f"{f}({{0}})", units=lambda i, j: [(column, j)]
                ),
                column=column,
            )
        k = self.dense[position]
        _, W, _ = self.parameter(position, "weights")
        _, b, _ = self.parameter(position, "bias")
        w_name, b_name = f"W{k}", f"b{k}"
        return self.stage(
            "forward",
            f"{z_name} = {x_name} @ {w_name} + {b_name}",
            f"{_tex(z_name)} = {_tex(x_name)}\\,{_tex(w_name)} + {_tex(b_name)}",
            {x_name: x, w_name: W, b_name: b[None, :], z_name: z},
            [x_name, "@", w_name, "+", b_name, "=", z_name],
            f"{_shape(x)} @ {_shape(W)} + {_shape(b)} → {_shape(z)}",
            f"Row i of {x_name} is example i; column j of {w_name} holds the weights on the "
            f"arrows into unit j; every row gets the same bias {b_name}.",
            _product(
                (z_name, z),
                (x_name, x),
                (w_name, W),
                bias=(b_name, b[None, :]),
                arrows=lambda i, j: [(k - 1, m, j) for m in range(len(W))],
                units=lambda i, j: [(column, j)],
            ),
            layer=k - 1,
            column=column,
        )

    # the loss --------------------------------------------------------------------------------

    def targets(self) -> np.ndarray:
        """The targets as the loss compared them: one-hot rows, or the values in columns."""
        loss, z = self.stepper.loss, self.outputs[-1]
        if type(loss).__name__ == "SoftmaxCrossEntropy":
            return _host(loss.cache[1])  # the loss's own one-hot rows
        return np.asarray(self.stepper.y, dtype=np.float64).reshape(z.shape)

    def loss_stages(self) -> list[Stage]:
        loss, out, z, n = self.stepper.loss, self.names[-1], self.outputs[-1], self.n
        column, value, Y = (
            self.column(len(self.layers) - 1),
            self.stepper.loss_value,
            self.targets(),
        )
        kind, L = type(loss).__name__, np.array([[value]])
        if kind == "SoftmaxCrossEntropy":
            P = _host(loss.cache[0])  # the loss's own probabilities
            labels = [int(np.argmax(row)) for row in Y]

            def explain_p(i: int, j: int) -> Entry:
                row = range(z.shape[1])
                symbols = f"exp({out}[{i},{j}]) / ({_sum([f'exp({out}[{i},{m}])' for m in row])})"
                values = (
                    f"exp({number(z[i, j])}) / ({_sum([f'exp({number(z[i, m])})' for m in row])})"
                )
                cells = {out: [(i, m) for m in row], "P": [(i, j)]}
                return Entry(
                    _written("P", i, j, symbols, values, P[i, j]), cells, [], [(column, j)]
                )

            def explain_l(i: int, j: int) -> Entry:
                symbols = f"−({_sum([f'log P[{r},{c}]' for r, c in enumerate(labels)])}) / {n}"
                values = (
                    f"−({_sum([f'log {number(P[r, c])}' for r, c in enumerate(labels)])}) / {n}"
                )
                picked = list(enumerate(labels))
                text = f"L = {symbols}\n  = {values} = {number(value)}"
                return Entry(text, {"P": picked, "Y": picked, "L": [(0, 0)]}, [], [])

            return [
                self.stage(
                    "loss",
                    f"P = softmax({out})",
                    f"P[i,j] = \\frac{{e^{{{_tex(out)}[i,j]}}}}{{\\sum_m e^{{{_tex(out)}[i,m]}}}}",
                    {out: z, "P": P},
                    ["softmax(", out, ")", "=", "P"],
                    f"{_shape(z)} → {_shape(P)}: each row becomes probabilities adding up to 1",
                    "The scores of each example become probabilities (SoftmaxCrossEntropy does "
                    "this inside the loss: its cache keeps P).",
                    explain_p,
                    column=column,
                ),
                self.stage(
                    "loss",
                    "L = −mean of log P[i, yᵢ]",
                    f"L = -\\frac{{1}}{{{n}}}\\sum_i \\log P[i, y_i]",
                    {"P": P, "Y": Y, "L": L},
                    ["−mean of log", "P", "where", "Y", "is 1", "=", "L"],
                    f"{_shape(P)} → one number",
                    "Y holds the labels as one-hot rows. The loss is small when every true class "
                    "gets a probability near 1.",
                    explain_l,
                    column=column,
                ),
            ]
        if kind == "MeanSquaredError":

            def explain_mse(i: int, j: int) -> Entry:
                every = list(np.ndindex(z.shape))
                symbols = _sum([f"({out}[{r},{c}] − Y[{r},{c}])²" for r, c in every], limit=6)
                values = _sum([f"({number(z[r, c])} − {number(Y[r, c])})²" for r, c in every], 6)
                text = f"L = ({symbols}) / {Y.size}\n  = ({values}) / {Y.size} = {number(value)}"
                return Entry(text, {out: every, "Y": every, "L": [(0, 0)]}, [], [])

            return [
                self.stage(
                    "loss",
                    f"L = mean of ({out} − Y)²",
                    f"L = \\frac{{1}}{{{Y.size}}}\\sum_{{i,j}} ({_tex(out)}[i,j] - Y[i,j])^2",
                    {out: z, "Y": Y, "L": L},
                    ["mean of (", out, "−", "Y", ")²", "=", "L"],
                    f"{_shape(z)} → one number",
                    "The mean squared error: the average over every entry, rows and outputs.",
                    explain_mse,
                    column=column,
                )
            ]

        def explain_other(i: int, j: int) -> Entry:
            return Entry(f"L = {number(value)} (from {kind}.forward)", {"L": [(0, 0)]}, [], [])

        return [
            self.stage(
                "loss",
                f"L = {kind}({out}, Y)",
                f"L = \\mathrm{{{kind}}}({_tex(out)}, Y)",
                {out: z, "Y": Y, "L": L},
                [f"{kind}(", out, ",", "Y", ")", "=", "L"],
                f"{_shape(z)} → one number",
                f"{kind}.forward computes it.",
                explain_other,
                column=column,
            )
        ]

    # backward --------------------------------------------------------------------------------

    def loss_gradient(self) -> Stage:
        """The first gradient: what ``loss.backward()`` handed to the last layer."""
        loss, out, last = self.stepper.loss, self.names[-1], len(self.layers) - 1
        z, G, column, Y = self.outputs[-1], self.received[last], self.column(last), self.targets()
        g, kind = "d" + out, type(loss).__name__
        units = lambda i, j: [(column, j)]  # noqa: E731
        derivative = f"{_tex(g)} = \\frac{{\\partial L}}{{\\partial {_tex(out)}}}"
        if kind == "SoftmaxCrossEntropy":
            P = _host(loss.cache[0])
            name, formula = (
                f"{g} = (P − Y) / {self.n}",
                f"{derivative} = \\frac{{P - Y}}{{{self.n}}}",
            )
            arrays, layout = {"P": P, "Y": Y, g: G}, ["(", "P", "−", "Y", f") / {self.n}", "=", g]
            explain = _elementwise(
                (g, G), [("P", P), ("Y", Y)], f"({{0}} − {{1}}) / {self.n}", units=units
            )
        elif kind == "MeanSquaredError":
            size = Y.size
            name = f"{g} = 2 ({out} − Y) / {size}"
            formula = f"{derivative} = \\frac{{2\\,({_tex(out)} - Y)}}{{{size}}}"
            arrays, layout = {out: z, "Y": Y, g: G}, ["2 × (", out, "−", "Y", f") / {size}", "=", g]
            explain = _elementwise(
                (g, G), [(out, z), ("Y", Y)], f"2·({{0}} − {{1}}) / {size}", units=units
            )
        else:
            name, formula = f"{g} = ∂L/∂{out}", derivative
            arrays, layout = {out: z, g: G}, [f"{kind}.backward at", out, "=", g]
            explain = _elementwise((g, G), [(out, z)], "∂L/∂{0} at {0}", units=units)
        return self.stage(
            "backward",
            name,
            formula,
            arrays,
            layout,
            f"{_shape(G)}: one number per output of every example, like {out}",
            f"{g} is ∂L/∂{out}: how the loss changes when each output moves. loss.backward() "
            "returns it; it is the G that the last layer's backward receives.",
            explain,
            column=column,
            backward=True,
        )

    def backward(self, position: int) -> list[Stage]:
        layer, x_name, z_name = (
            self.layers[position],
            self.input_name(position),
            self.names[position],
        )
        g, dx = "d" + z_name, "d" + x_name
        G, x, column = self.received[position], self.inputs[position], self.column(position)
        if position not in self.dense:
            if position == 0:
                return []  # nothing before it learns: the data needs no gradient
            f, dX = _activation_name(layer), self.received[position - 1]
            slope = _host(layer.derivative(*self.caches[position]))  # f'(x), from (x, f(x))
            s = f"{f}′({x_name})"
            return [
                self.stage(
                    "backward",
                    f"{dx} = {g} ⊙ {s}",
                    f"{_tex(dx)} = {_tex(g)} \\odot {_tex_function(f)}'({_tex(x_name)})",
                    {g: G, s: slope, dx: dX},
                    [g, "⊙", s, "=", dx],
                    f"{_shape(G)} ⊙ {_shape(slope)} → {_shape(dX)}, entry by entry",
                    f"The chain rule through {type(layer).__name__}: each gradient times the "
                    f"slope of {f} at that unit's input ({type(layer).__name__}.derivative).",
                    _elementwise(
                        (dx, dX), [(g, G), (s, slope)], "{0}·{1}", units=lambda i, j: [(column, j)]
                    ),
                    column=column,
                    backward=True,
                )
            ]
        k = self.dense[position]
        w_index, W, dW = self.parameter(position, "weights")
        b_index, _, db = self.parameter(position, "bias")
        w, xt, wt = f"W{k}", f"{x_name}ᵀ", f"W{k}ᵀ"
        stages = [
            self.stage(
                "backward",
                f"d{w} = {xt} @ {g}",
                f"{_tex('d' + w)} = {_tex(xt)}\\,{_tex(g)}",
                {xt: x.T, g: G, "d" + w: dW},
                [xt, "@", g, "=", "d" + w],
                f"{_shape(x.T)} @ {_shape(G)} → {_shape(dW)}, the shape of {w}",
                f"One gradient per arrow: d{w}[i,j] adds up, over the {self.n} examples, what "
                f"went into arrow i→j times the gradient at its end. Dense.backward leaves it "
                f"in {self.parameters[w_index]}.grad.",
                _product(
                    ("d" + w, dW),
                    (xt, x.T),
                    (g, G),
                    arrows=lambda i, j: [(k - 1, i, j)],
                    units=lambda i, j: [(column - 1, i), (column, j)],
                ),
                layer=k - 1,
                column=column,
                backward=True,
            ),
            self.stage(
                "backward",
                f"db{k} = Σ rows of {g}",
                f"{_tex(f'db{k}')} = \\sum_i {_tex(g)}[i, :]",
                {g: G, f"db{k}": db[None, :]},
                ["Σ rows of", g, "=", f"db{k}"],
                f"{_shape(G)} summed over its rows → {_shape(db)}",
                "Every example used the same bias, so its gradient is the sum over the batch "
                f"(in {self.parameters[b_index]}.grad).",
                _column_sum((f"db{k}", db[None, :]), (g, G), lambda i, j: [(column, j)]),
                column=column,
                backward=True,
            ),
        ]
        if position == 0:
            return stages  # train_step skips dL/dX: the data is not learned
        dX = self.received[position - 1]
        stages.append(
            self.stage(
                "backward",
                f"{dx} = {g} @ {wt}",
                f"{_tex(dx)} = {_tex(g)}\\,{_tex(wt)}",
                {g: G, wt: W.T, dx: dX},
                [g, "@", wt, "=", dx],
                f"{_shape(G)} @ {_shape(W.T)} → {_shape(dX)}, the shape of {x_name}",
                f"The gradient flows back along the same arrows: unit j of {x_name} collects the "
                "gradient of every unit it feeds, times the weight of the arrow between them.",
                _product(
                    (dx, dX),
                    (g, G),
                    (wt, W.T),
                    arrows=lambda i, j: [(k - 1, j, m) for m in range(W.shape[1])],
                    units=lambda i, j: [(column - 1, j)],
                ),
                layer=k - 1,
                column=column - 1,
                backward=True,
            )
        )
        return stages

    # the update ------------------------------------------------------------------------------

    def updates(self) -> list[Stage]:
        lr, weights, stages = self.lr, list(self.before), []
        for index, name in enumerate(self.parameters):
            position, kind = int(name.split(".")[0]), name.split(".")[1]
            k, is_w = self.dense[position], kind == "weights"
            symbol = f"{'W' if is_w else 'b'}{k}"
            old, grad, new = (
                np.atleast_2d(a)
                for a in (
                    self.before[index],
                    self.stepper.gradients[index],
                    self.stepper.end_weights[index],
                )
            )
            weights[index] = self.stepper.end_weights[index]
            new_name, column = f"{symbol} new", self.column(position)
            stage = self.stage(
                "update",
                f"{symbol} ← {symbol} − {lr:g}·d{symbol}",
                f"{_tex(symbol)} \\leftarrow {_tex(symbol)} - \\eta\\, {_tex('d' + symbol)}"
                f",\\quad \\eta = {lr:g}",
                {symbol: old, f"d{symbol}": grad, new_name: new},
                [symbol, f"− {lr:g} ×", f"d{symbol}", "=", new_name],
                f"{_shape(self.before[index])}: every number moves a little against its gradient",
                f"SGD.step on {name}: a number whose gradient is positive goes down, one whose "
                "gradient is negative goes up.",
                _elementwise(
                    (new_name, new),
                    [(symbol, old), (f"d{symbol}", grad)],
                    f"{{0}} − {lr:g}·{{1}}",
                    arrows=(lambda i, j, k=k: [(k - 1, i, j)]) if is_w else None,
                    units=None if is_w else (lambda i, j, c=column: [(c, j)]),
                ),
                layer=k - 1 if is_w else None,
                column=None if is_w else column,
            )
            stage.weights = list(weights)
            stages.append(stage)
        before, after = self.stepper.loss_value, self.stepper.loss_after

        def explain_check(i: int, j: int) -> Entry:
            verdict = "lower" if after < before else "not lower"
            text = (
                f"L before = {number(before)}\nL after  = {number(after)}: {verdict}, "
                "for the same rows with the new weights"
            )
            return Entry(text, {"L before": [(0, 0)], "L after": [(0, 0)]}, [], [])

        check = self.stage(
            "update",
            "L again, with the new weights",
            "L_{\\mathrm{after}} = \\mathrm{loss}(\\mathrm{forward}(X),\\ Y)",
            {"L before": np.array([[before]]), "L after": np.array([[after]])},
            ["L before", "→", "L after"],
            "one number before the step, one after",
            "The same rows through the network again: one small step downhill.",
            explain_check,
        )
        check.weights = list(weights)
        return stages + [check]


def _activation_name(layer) -> str:
    """How formulas call an activation: ``relu``, ``tanh``, ``σ``, ``leakyrelu``."""
    return {"Sigmoid": "σ"}.get(type(layer).__name__, type(layer).__name__.lower())


# --- tables ----------------------------------------------------------------------------------


def _tint(value: float, limit: float) -> tuple:
    """A pale colour of the weight scale (blue positive, red negative): numbers stay legible."""
    return colormaps[WEIGHT_CMAP](0.5 + 0.3 * value / limit)


def _table(name: str, array: np.ndarray, marked, stage: Stage | None) -> str:
    """One matrix as an HTML table: row and column numbers, 3 significant digits, tinted cells.

    Cells of the result (`stage` given) carry their written-out sum as a tooltip.
    """
    limit, marked = float(np.max(np.abs(array))) or 1.0, set(marked)
    rows, cols = array.shape
    label = "color:#777;font-weight:normal;font-size:11px;padding:0 4px"
    cell = "padding:2px 5px;text-align:right;min-width:42px;border:1px solid #d0d0d0"
    lines = [f"<tr><th></th>{''.join(f'<th style={label!r}>{j}</th>' for j in range(cols))}</tr>"]
    for i in range(rows):
        tds = []
        for j in range(cols):
            r, g, b, _ = _tint(float(array[i, j]), limit)
            style = f"{cell};background:rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f})"
            if (i, j) in marked:
                style += f";outline:3px solid {FOCUS};outline-offset:-3px;font-weight:bold"
            tip = f' title="{html.escape(stage.written_out(i, j))}"' if stage else ""
            tds.append(f'<td style="{style}"{tip}>{number(array[i, j])}</td>')
        lines.append(f"<tr><th style={label!r}>{i}</th>{''.join(tds)}</tr>")
    return (
        f'<div class="dm-matrix" data-name="{html.escape(name)}" style="margin:2px">'
        f'<div style="text-align:center;font-weight:bold">{html.escape(name)} '
        f'<span style="color:#777;font-weight:normal">{rows}×{cols}</span></div>'
        '<table style="border-collapse:collapse;font-family:monospace;font-size:13px">'
        f"{''.join(lines)}</table></div>"
    )


def _draw_matrix(ax, name: str, array: np.ndarray, marked, tallest: int) -> None:
    """The same table drawn with matplotlib (for the static figure)."""
    limit, (rows, cols) = float(np.max(np.abs(array))) or 1.0, array.shape
    for (r, c), value in np.ndenumerate(array):
        ax.add_patch(
            Rectangle((c, -r), 1, 1, facecolor=_tint(float(value), limit), edgecolor="0.7", lw=0.5)
        )
        ax.text(c + 0.5, -r + 0.5, number(value), ha="center", va="center", fontsize=8)
    for r, c in marked:
        ax.add_patch(Rectangle((c, -r), 1, 1, fill=False, edgecolor=FOCUS, lw=2.2))
    ax.text(cols / 2, 1.25, f"{name}  {rows}×{cols}", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.4, cols + 0.4)
    ax.set_ylim(-tallest + 0.9, 2.2)
    ax.set_aspect("equal")


__all__ = ["BackpropStepper", "Entry", "Stage", "number"]
