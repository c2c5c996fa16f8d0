"""`BackpropStepper`: one training step of a small network, shown stage by stage.

It takes the step once, on a float64 copy of your model (yours is not
touched), freezes every matrix of it (`snapshot`), turns them into stages
(`stages`), and then only shows them: Next, Back, Reset and the keys walk
through the same numbers every time.
"""

from __future__ import annotations

import copy
import html
import math

from matplotlib.figure import Figure

from ...model import Sequential
from ...training import check_data
from .. import notebook
from ..network import FOCUS
from .picture import draw_stage, stage_figure
from .snapshot import MAX_ROWS, check_layers, is_dense, take_step
from .stage import Entry, Stage
from .stages import Trace
from .tables import draw_equation, equation_html

PHASE_COLOURS = {"forward": "#1f6feb", "loss": "#8250df", "backward": "#cf222e"}


class BackpropStepper:
    """One training step on a few rows, shown stage by stage with every number in it.

    >>> model = dm.Sequential([dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)], seed=0)
    >>> X, y = dm.datasets.xor(n=4, seed=0)
    >>> stepper = dm.viz.BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y, lr=0.5)
    >>> stepper.show()                     # Next / Back / Play / ← → in JupyterLab
    >>> stepper.stages[6].arrays["dW2"]    # or read the numbers from code

    Forward, loss and backward stages all show the weights before the step; the
    update stages and "L again" show them after. A loss's formulas are written
    out when they reproduce the loss's own numbers (softmax or binary
    cross-entropy, mean squared error); another loss shows its value and its
    gradient as it returns them.
    """

    def __init__(self, model, loss, X, y, lr: float = 0.1):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"BackpropStepper: lr must be a positive number, got {lr!r}")
        self.model = copy.deepcopy(model if hasattr(model, "layers") else Sequential([model]))
        for parameter in self.model.parameters():  # the copy takes the step, in float64
            parameter.move("float64")
        check_layers(self.model)
        self.loss, self.lr = copy.deepcopy(loss), float(lr)
        self.X, self.y = check_data(self.model, self.loss, X, y, name="BackpropStepper data")
        if len(self.X) > MAX_ROWS:
            raise ValueError(
                f"BackpropStepper shows every number, so at most {MAX_ROWS} rows; "
                f"got {len(self.X)} (try X[:4], y[:4])"
            )
        self.index, self.entry_index, self.ui = 0, (0, 0), None
        self.snapshot = take_step(self.model, self.loss, self.X, self.y, self.lr)
        snap = self.snapshot
        self.start_weights, self.end_weights = snap.before, snap.after
        self.gradients, self.loss_value, self.loss_after = (
            snap.gradients,
            snap.loss_value,
            snap.loss_after,
        )
        self.stages = Trace(self.model.layers, snap, self.lr, repr(self.loss)).stages()

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
        dense = [layer for layer in self.model.layers if is_dense(layer)]
        sizes = "-".join(str(n) for n in [dense[0].n_in, *(layer.n_out for layer in dense)])
        return (
            f"BackpropStepper({sizes} network, {len(self.X)} rows, lr={self.lr:g}; "
            f"stage {self.index + 1} of {len(self.stages)}: {self.stage.name})"
        )

    # --- the views ---------------------------------------------------------------------------

    def title(self, index: int) -> str:
        stage = self.stages[index]
        return f"{index + 1}/{len(self.stages)} {stage.phase}: {stage.name}"

    def entry_of(self, index: int) -> Entry:
        """The chosen entry of stage `index` (entry [0, 0] of stages not on show)."""
        return self.stages[index].entry(*(self.entry_index if index == self.index else (0, 0)))

    def draw_network(self, ax, index: int | None = None) -> None:
        """The circles-and-arrows picture of a stage (the current one by default)."""
        index = self.index if index is None else index
        draw_stage(ax, self.model, self.stages[index], self.entry_of(index))

    def network_figure(self, index: int | None = None) -> Figure:
        index = self.index if index is None else index
        return stage_figure(self.model, self.stages[index], self.entry_of(index))

    def static_figure(self, index: int | None = None):
        """A stage as one figure: title, formula, the matrices with their numbers, the picture."""
        import matplotlib.pyplot as plt

        index = self.index if index is None else index
        stage, entry = self.stages[index], self.entry_of(index)
        tallest = max(array.shape[0] for array in stage.arrays.values())
        height = 1.2 + 0.34 * max(tallest + 2, 8)
        fig = plt.figure(figsize=(15, height + 2.0), layout="constrained")
        top, middle, bottom = fig.subfigures(3, 1, height_ratios=[1.1, height, 0.8])
        top.text(0.01, 0.75, self.title(index), fontsize=12, fontweight="bold", va="center")
        top.text(0.01, 0.25, f"${stage.formula}$", fontsize=14, va="center")
        top.text(0.55, 0.25, f"shapes: {stage.shapes}", fontsize=9, va="center", color="0.3")
        left, right = middle.subfigures(1, 2, width_ratios=[1.9, 1])
        draw_equation(left, stage, entry)
        bottom.text(0.01, 0.5, entry.text, fontsize=9, family="monospace", va="center")
        draw_stage(right.add_subplot(), self.model, stage, entry)
        return fig

    def tables_html(self, index: int | None = None) -> str:
        """The stage's matrices as small HTML tables, laid out as its equation."""
        index = self.index if index is None else index
        return equation_html(self.stages[index], index, self.entry_of(index))

    def entry_html(self) -> str:
        return (
            '<div style="font-family:monospace;font-size:13px;white-space:pre-wrap;'
            f'background:#fff8e6;border-left:4px solid {FOCUS};padding:6px 10px">'
            f"{html.escape(self.entry_of(self.index).text)}</div>"
        )

    def header_html(self) -> str:
        stage = self.stage
        colour = PHASE_COLOURS.get(stage.phase, "#1a7f37")
        return (
            f'<div style="font-size:15px"><span style="background:{colour};color:white;'
            f'padding:1px 8px;border-radius:8px">{stage.phase}</span> '
            f"<b>stage {self.index + 1} of {len(self.stages)}:</b> {html.escape(stage.name)}</div>"
            f'<div style="font-size:17px">$${stage.formula}$$</div>'
            f'<div style="color:#333">shapes: {html.escape(stage.shapes)}</div>'
            f'<div style="color:#555;max-width:900px">{html.escape(stage.note)}</div>'
        )

    # --- in a notebook -----------------------------------------------------------------------

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
        """The ipywidgets box (built once): buttons, Play, keys, formula, tables, the picture."""
        from .widget import build

        if self.ui is None:
            self.ui = build(self)
            self.refresh()
        return self.ui["box"]

    def refresh(self) -> None:
        """Redraw the widgets for the current stage and entry (when they exist)."""
        if self.ui is not None:
            from .widget import refresh

            refresh(self, self.ui)


__all__ = ["BackpropStepper"]
