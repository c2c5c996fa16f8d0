"""A training dashboard: watch a small network's weights learn, one minibatch at a time.

Pick a data set -- a built-in one, or your own with ``Dashboard(data=(X, y))``
-- the hidden layer sizes, an activation, how the first weights are drawn
(He or Glorot), an optimizer and a learning rate; then press **Step** (one
minibatch) or **Play**. The dashboard shows what the network predicts
everywhere (a classifier's decision regions, or a regression's fitted curve),
the loss, the network as circles and arrows, and every weight matrix as a
heatmap with, underneath, the change the last step made. Arrow ``i → j`` of a
layer and entry ``[i, j]`` of its heatmap are one and the same number. The
**history** slider scrubs back through the recorded weights.

Every Step is a call of `dm.train_step` on the next minibatch, and the
minibatches are exactly those of `dm.fit` with the same ``batch_size`` and
``seed``: each epoch a fresh shuffle from one generator, cut in order. So
however you click, ``dashboard.code()`` can write a short script -- the data,
``dm.Sequential(...)``, the optimizer and one ``dm.fit`` call -- that ends with
the dashboard's weights, to the last bit.

Outside JupyterLab (no ipywidgets, not in a notebook, or ``show(static=True)``)
it draws the same pictures once, as a static figure; in a saved notebook, a
picture of a trained dashboard stands in for the widgets wherever they cannot run.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import backend, checks, datasets
from ..activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ..init import as_generator
from ..layers import Dense
from ..losses import MeanSquaredError, SoftmaxCrossEntropy
from ..metrics import accuracy
from ..model import Sequential
from ..optim import SGD, Adam, RMSprop
from ..training import check_data, evaluate, train_step
from . import notebook
from .network import draw_network
from .plots import heatmaps, named_arrays, plot_decision_boundary

YOUR_DATA = "your data"


def sine(n: int = 100, noise: float = 0.1, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Regression with one input: ``y = sin(x) + noise``, x uniform in [-3, 3]; X is (n, 1)."""
    rng = as_generator(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, noise, size=n)
    return X.astype(np.float32), y.astype(np.float32)


@dataclass(frozen=True)
class DataSet:
    """A built-in data set: its task and the call that makes it (also written by `code()`)."""

    task: str  # "classification" or "regression"
    function: Callable
    settings: dict = field(default_factory=dict)
    home: str = "dm.datasets"  # where the code finds `function`

    def make(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return self.function(**self.settings, seed=seed)

    def code(self, seed: int) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.settings.items())
        return f"X, y = {self.home}.{self.function.__name__}({arguments}, seed={seed})"


DATASETS = {
    "xor": DataSet("classification", datasets.xor, {"n": 200, "noise": 0.2}),
    "moons": DataSet("classification", datasets.moons, {"n": 200, "noise": 0.15}),
    "circles": DataSet("classification", datasets.circles, {"n": 200, "noise": 0.08}),
    "spirals": DataSet("classification", datasets.spirals, {"n": 300, "classes": 3, "noise": 0.15}),
    "blobs": DataSet("classification", datasets.blobs, {"n": 200, "centers": 4, "spread": 0.9}),
    "sine": DataSet("regression", sine, {"n": 100, "noise": 0.1}, home="dm.viz.dashboard"),
}
TASKS = ("classification", "regression")
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
INITS = {"he_normal": "He (normal)", "glorot_normal": "Glorot (normal)"}
OPTIMIZERS = {  # name: (class, extra settings); `code()` writes the same call
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
}


def parse_hidden(text) -> tuple[int, ...]:
    """Hidden layer sizes from text such as ``"8,8"`` (empty text: no hidden layer)."""
    if isinstance(text, (tuple, list)):
        sizes = tuple(text)
    else:
        parts = [part.strip() for part in str(text).replace(" ", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError(
                f"hidden layer sizes must be whole numbers separated by commas, "
                f"like '8,8'; got {text!r}"
            )
        sizes = tuple(int(part) for part in parts)
    if not all(isinstance(size, int) and 1 <= size <= 256 for size in sizes):
        raise ValueError(f"each hidden layer needs between 1 and 256 units, got {sizes}")
    return sizes


def _choice(name: str, value: str, options) -> str:
    if value not in options:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(options)}")
    return value


def _your_data(data, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the shapes the pictures need; the library's own checks follow in `reset`."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError("Dashboard: data must be a pair (X, y)")
    X = checks.real_array(data[0], "Dashboard data: X")
    y = checks.real_array(data[1], "Dashboard data: y")
    if task == "regression":
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[1] != 1:
            raise ValueError(
                "Dashboard(task='regression') draws y against one input: X must have shape "
                f"(n,) or (n, 1), got {X.shape}"
            )
    elif X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            "Dashboard draws a classifier's regions in the plane: X must have shape (n, 2), "
            f"got {X.shape} (one input? use task='regression')"
        )
    if task == "classification" and y.size and y.max() < 1:
        raise ValueError("Dashboard data: y needs labels of at least two classes, 0 and 1 ...")
    return X, y


def _array_code(name: str, array: np.ndarray) -> str:
    """``name = np.array([...], dtype=...)``, exact (``repr`` of a float reads back the same)."""
    if array.ndim == 1:
        items = [repr(value.item()) for value in array]
    else:
        items = ["[" + ", ".join(repr(value.item()) for value in row) + "]" for row in array]
    lines, line = [], "   "
    for item in items:
        if len(line) + len(item) + 2 > 96:
            lines.append(line)
            line = "   "
        line += f" {item},"
    lines.append(line)
    body = "\n".join(lines)
    return f"{name} = np.array(\n    [\n{body}\n    ],\n    dtype=np.{array.dtype},\n)"


class Dashboard:
    """Train a small network on 2-D points or a 1-D curve and watch it, step by step.

    >>> dash = Dashboard("spirals", hidden="16,16", activation="relu", optimizer="adam", lr=0.02)
    >>> dash.show()          # in JupyterLab: the live dashboard
    >>> dash.step(10)        # or drive it from code: ten minibatches
    >>> print(dash.code())   # a script that ends with the same weights

    Your own data: ``Dashboard(data=(X, y))`` with X of shape (n, 2) and class
    labels 0, 1, 2, ... in y; or ``Dashboard(data=(x, y), task="regression")``
    with one input per example. `init` draws the first weights ("he_normal",
    as ``dm.Dense`` does by default, or "glorot_normal").
    """

    def __init__(
        self,
        dataset: str | None = None,
        hidden="8,8",
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.03,
        batch_size: int = 16,
        seed: int = 0,
        init: str = "he_normal",
        data: tuple | None = None,
        task: str | None = None,
        steps_per_frame: int = 5,
        resolution: int = 80,
    ):
        if task is not None:
            _choice("task", task, TASKS)
        if data is not None:
            self.task = task or "classification"
            _choice("data set", dataset or YOUR_DATA, [YOUR_DATA])
            self.your_data = _your_data(data, self.task)
            dataset = YOUR_DATA
        else:
            self.your_data = None
            dataset = dataset or ("sine" if task == "regression" else "moons")
            _choice("data set", dataset, DATASETS)
            if task not in (None, DATASETS[dataset].task):
                raise ValueError(
                    f"the data set {dataset!r} is {DATASETS[dataset].task}, not {task}"
                )
            self.task = DATASETS[dataset].task
        self.dataset = dataset
        self.hidden = parse_hidden(hidden)
        self.activation = _choice("activation", activation, ACTIVATIONS)
        self.optimizer_name = _choice("optimizer", optimizer, OPTIMIZERS)
        self.init = _choice("initialisation", init, INITS)
        self.lr = checks.number("lr", lr, "(0, inf)", owner="Dashboard")
        self.batch_size = checks.number("batch_size", batch_size, "[1, inf)", True, "Dashboard")
        self.seed = checks.number("seed", seed, "[0, inf)", True, "Dashboard")
        self.steps_per_frame, self.resolution = int(steps_per_frame), int(resolution)
        self.playing, self.message, self.ui, self.show_code = False, "", None, False
        self._task, self._syncing, self._run = None, False, 0
        self.reset()

    def settings(self) -> dict:
        """The constructor arguments that make this dashboard again (at step 0)."""
        return {
            "dataset": self.dataset,
            "hidden": self.hidden,
            "activation": self.activation,
            "optimizer": self.optimizer_name,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "init": self.init,
            "data": self.your_data,
            "task": self.task,
            "steps_per_frame": self.steps_per_frame,
            "resolution": self.resolution,
        }

    # --- the model and its training --------------------------------------------------------

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The data set chosen now, as given (`fit` would turn X into the model's dtype)."""
        if self.dataset == YOUR_DATA:
            return self.your_data
        return DATASETS[self.dataset].make(self.seed)

    def layers(self) -> list:
        """The layers for the current choices (not yet initialised by the seed)."""
        X, y = self.X, self.y
        outputs = int(np.max(y)) + 1 if self.task == "classification" else 1
        sizes = (X.shape[1], *self.hidden, max(outputs, 1))
        layers = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Dense(n_in, n_out, init=self.init))
            if k < len(sizes) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        return layers

    def build_model(self) -> Sequential:
        """The network for the current choices, initialised from `seed`."""
        return Sequential(self.layers(), seed=self.seed)

    def reset(self) -> None:
        """Start again from the seeded initial weights (and the current choices)."""
        from .record import record  # here, not at the top: record imports plots too

        self.pause()
        self.X, self.y = self.data()
        self.model, self.view = self.build_model(), self.build_model()  # view: for scrubbing
        OptimizerClass, extra = OPTIMIZERS[self.optimizer_name]
        self.optimizer = OptimizerClass(self.model.parameters(), lr=self.lr, **extra)
        loss_class = SoftmaxCrossEntropy if self.task == "classification" else MeanSquaredError
        self.loss, self.judge = loss_class(), loss_class()  # judge: the loss on all the data
        where = "Dashboard data" if self.dataset == YOUR_DATA else f"data set {self.dataset!r}"
        self._train = check_data(self.model, self.loss, self.X, self.y, name=where)
        self._rng, self._order, self._cursor = as_generator(self.seed), None, math.inf
        self.recorder = record(self.model)
        self.recorder.snapshot()  # step 0: the untrained network
        self.full_losses = [self.loss_on_all(self.model)]
        self.position, self.message, self.failed = 0, "", False
        self.refresh()

    def loss_on_all(self, model) -> float:
        """The loss of `model` on the whole data set (what the curve and the status show).

        NaN when the network's outputs are no longer finite numbers (training blew up).
        """
        try:
            return evaluate(model, self.judge, *self._train)["loss"]
        except ValueError:  # predictions of NaN or infinity: refused by the checks
            return math.nan

    def step(self, steps: int = 1, redraw: bool = True) -> None:
        """Train `steps` minibatches, each one call of `dm.train_step`.

        The minibatches are those of ``dm.fit(..., batch_size=batch_size,
        seed=seed)``: at the start of every epoch a fresh order from one
        generator seeded once, then the rows in that order, `batch_size` at a
        time. So the weights after any number of steps, clicked however, are
        the weights of one `fit` run of that many steps (see `code`).
        """
        X, y = self._train
        for _ in range(steps):
            if self.failed:
                break
            if self._cursor >= len(X):  # a new epoch: a fresh order, as fit draws it
                self._order, self._cursor = self._rng.permutation(len(X)), 0
            rows = self._order[self._cursor : self._cursor + self.batch_size]
            self._cursor += self.batch_size
            batch = backend.asarray(X[rows])
            value = train_step(self.model, self.loss, self.optimizer, batch, y[rows])
            full = self.loss_on_all(self.model)
            if not (math.isfinite(value) and math.isfinite(full)):
                self.model.set_weights(self.recorder.weights[-1])
                self.failed, self.playing = True, False
                self.message = (
                    f"the loss became NaN or infinite at step {self.recorder.step + 1}; kept the "
                    f"last finite weights. Lower the learning rate (now {self.lr:g}) and Reset."
                )
                break
            self.recorder.on_step_end(self.optimizer.steps, {"loss": value})
            self.full_losses.append(full)
        self.position = len(self.recorder) - 1
        if redraw:
            self.refresh()

    async def play(self, frames: int | None = None, delay: float = 0.05) -> None:
        """Keep training (`steps_per_frame` steps, then redraw) until paused or `frames` done.

        It awaits `asyncio.sleep` between frames, so the kernel stays free to
        handle button clicks (Pause) while it runs as a task on the kernel's loop.
        """
        self._run += 1
        run = self._run  # a newer Play (after Pause or Reset) ends this loop
        self.playing = True
        self._sync_play_button()
        try:
            done = 0
            while self.playing and self._run == run and (frames is None or done < frames):
                self.step(self.steps_per_frame)
                done += 1
                await asyncio.sleep(delay)
        except Exception as error:  # a task's error would otherwise vanish silently
            self.message = f"stopped: {type(error).__name__}: {error}"
            self.refresh()
            raise
        finally:
            if self._run == run:
                self.playing = False
                self._sync_play_button()

    def pause(self) -> None:
        self.playing = False
        self._sync_play_button()

    def weights_at(self, index: int | None = None) -> list[np.ndarray]:
        """The recorded weights at snapshot `index` (the one shown by default)."""
        return self.recorder.weights[self.position if index is None else index]

    # --- the code that does the same -----------------------------------------------------

    def code(self) -> str:
        """A self-contained, seeded script that ends with the dashboard's current weights.

        The data, ``dm.Sequential(...)`` with the same layers and seed, the same
        optimizer, and one ``dm.fit`` call with the same batches (stopped by a
        three-line callback when the dashboard stopped in the middle of an epoch).
        """
        lines = ["import numpy as np", "", "import demystify as dm", ""]
        if self.dataset == YOUR_DATA:
            lines += [
                "# your data, written out",
                _array_code("X", self.X),
                _array_code("y", self.y),
            ]
        else:
            lines.append(DATASETS[self.dataset].code(self.seed))
        OptimizerClass, extra = OPTIMIZERS[self.optimizer_name]
        extra_text = "".join(f", {key}={value!r}" for key, value in extra.items())
        layers = [f"        {_layer_code(layer)}," for layer in self.layers()]
        lines += [
            "model = dm.Sequential(",
            "    [",
            *layers,
            "    ],",
            f"    seed={self.seed},",
            ")",
            f"loss = dm.{type(self.loss).__name__}()",
            f"optimizer = dm.{OptimizerClass.__name__}(model.parameters(), lr={self.lr!r}"
            f"{extra_text})",
        ]
        steps = self.recorder.step
        if steps == 0:
            return "\n".join([*lines, "# no step yet: these are the starting weights", ""])
        per_epoch = math.ceil(len(self.X) / self.batch_size)
        epochs, callbacks = math.ceil(steps / per_epoch), ""
        if steps % per_epoch:
            lines += [
                "",
                "",
                "class StopAtStep(dm.Callback):",
                '    """Stop where the dashboard stopped, in the middle of an epoch."""',
                "",
                "    def on_step_end(self, step, logs):",
                f"        return step >= {steps}  # step counts the optimizer's updates",
                "",
                "",
            ]
            callbacks = "    callbacks=[StopAtStep()],\n"
        lines += [
            f"# {steps} steps of {self.batch_size} rows ({per_epoch} steps make an epoch)",
            "dm.fit(",
            "    model,",
            "    loss,",
            "    optimizer,",
            "    X,",
            "    y,",
            f"    epochs={epochs},",
            f"    batch_size={self.batch_size},",
            f"    seed={self.seed},",
            f"{callbacks}    verbose=0,",
            ")",
            "",
        ]
        return "\n".join(lines)

    # --- the pictures ------------------------------------------------------------------------

    def shown_model(self) -> Sequential:
        """The model at the history position on show (the live one at the end)."""
        if self.position == len(self.recorder) - 1:
            return self.model
        self.view.set_weights(self.recorder.weights[self.position])
        return self.view

    def status(self) -> str:
        k, model = self.position, self.shown_model()
        text = f"step {self.recorder.steps[k]} of {self.recorder.step}"
        text += f" · loss on all the data {self.full_losses[k]:.3f}"
        if self.task == "classification":
            text += f" · accuracy {accuracy(model.predict(self._train[0]), self.y):.0%}"
        if k > 0:
            text += f" · this step's batch loss {self.recorder.losses[k]:.3f}"
        return text + (f" · {self.message}" if self.message else "")

    def draw_predictions(self, ax) -> None:
        """A classifier's regions under the points, or a regression's curve through them."""
        model = self.shown_model()
        name = "your data" if self.dataset == YOUR_DATA else self.dataset
        if self.task == "classification":
            plot_decision_boundary(model, self.X, self.y, ax=ax, resolution=self.resolution)
            ax.set_title(f"{name}: what the network predicts", fontsize=10)
        else:
            x = np.asarray(self.X, dtype=float)[:, 0]
            margin = 0.1 * (x.max() - x.min()) + 1e-3
            grid = np.linspace(x.min() - margin, x.max() + margin, 200)[:, None]
            ax.scatter(x, self.y, s=12, color="tab:blue", alpha=0.7, label="data")
            ax.plot(grid[:, 0], model.predict(grid).ravel(), color="k", lw=2, label="network")
            ax.set_xlabel("$x$")
            ax.set_ylabel("$y$")
            ax.legend(fontsize=8, loc="best")
            ax.grid(alpha=0.3)
            ax.set_title(f"{name}: the curve the network draws", fontsize=10)
        ax.tick_params(labelsize=8)

    def draw_loss(self, ax) -> None:
        steps = np.asarray(self.recorder.steps)
        full = np.asarray(self.full_losses, dtype=float)
        if len(steps) > 1:
            batch = np.asarray(self.recorder.losses[1:], dtype=float)
            ax.plot(steps[1:], batch, color="tab:blue", lw=0.7, alpha=0.5, label="minibatch")
        ax.plot(steps, full, color="tab:blue", lw=2, label="all the data")
        ax.plot([0], full[:1], "D", color="k", ms=5, label=f"at the start: {full[0]:.3f}")
        ax.axvline(steps[self.position], color="k", lw=0.8, ls=":")
        ax.set_xlim(-0.5, max(1, steps[-1]) + 0.5)
        ax.set_xlabel("step", fontsize=9)
        ax.set_ylabel("cross-entropy" if self.task == "classification" else "mean squared error")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("the loss", fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
        if len(steps) == 1:
            ax.text(
                0.5,
                0.5,
                "no step yet:\npress Step or Play",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=10,
                color="0.4",
            )

    def draw_network(self, ax) -> None:
        draw_network(self.shown_model(), ax=ax, max_units=10)
        ax.set_title(
            "the same weights as arrows: arrow i → j of k.weights\n"
            "is entry [i, j] of its heatmap (colour: sign, width: size)",
            fontsize=9,
        )

    def draw_weights(self, fig) -> None:
        """Top row: every weight matrix now. Bottom row: what the last step changed."""
        k = self.position
        names = self.recorder.names
        now = named_arrays(self.recorder.weights[k], names)
        top, bottom = fig.subfigures(2, 1)
        top_axes = list(np.ravel(top.subplots(1, len(now), squeeze=False)))
        heatmaps(now, top_axes, label="weight", ticks=False)
        for ax, (_, array) in zip(top_axes, now):
            _index_ticks(ax, array.shape)
        top.suptitle(
            f"weights at step {self.recorder.steps[k]} (one colour scale): "
            "row i = from unit i, column j = to unit j",
            fontsize=9,
        )
        if k == 0:
            bottom.text(
                0.5,
                0.5,
                "the change made by the last step:\nno step yet",
                ha="center",
                va="center",
                fontsize=10,
                color="0.4",
            )
            return
        before = named_arrays(self.recorder.weights[k - 1], names)
        changes = [(name, a - b) for (name, a), (_, b) in zip(now, before)]
        bottom_axes = list(np.ravel(bottom.subplots(1, len(now), squeeze=False)))
        heatmaps(changes, bottom_axes, label="change", title_prefix="Δ ", ticks=False)
        for ax in bottom_axes:
            ax.set_aspect("equal")
        bottom.suptitle("the change made by the last step (its own scale)", fontsize=9)

    def figures(self) -> dict[str, Figure]:
        """The four pictures as matplotlib Figures made without pyplot (nothing leaks into cells).

        "boundary" is what the network predicts (the regions, or the curve).
        """
        margins = {  # fixed margins: much faster to draw than a constrained layout
            "boundary": dict(left=0.15, right=0.97, bottom=0.13, top=0.91),
            "loss": dict(left=0.16, right=0.97, bottom=0.13, top=0.91),
            "network": dict(left=0.01, right=0.99, bottom=0.01, top=0.86),
        }
        draws = {
            "boundary": self.draw_predictions,
            "loss": self.draw_loss,
            "network": self.draw_network,
        }
        figures = {}
        for name, draw in draws.items():
            fig = Figure(figsize=(4.6, 4.0) if name == "network" else (4.8, 3.9))
            fig.subplots_adjust(**margins[name])
            draw(fig.add_subplot())
            figures[name] = fig
        width = max(5.5, 2.0 * (len(self.hidden) + 1) + 1.2)
        figures["weights"] = Figure(figsize=(width, 4.2), layout="constrained")
        self.draw_weights(figures["weights"])
        return figures

    def static_figure(self):
        """Everything in one pyplot Figure (what `show(static=True)` displays)."""
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(13, 8.5), layout="constrained")
        upper, lower = fig.subfigures(2, 1, height_ratios=[1, 1.1])
        left, middle, right = upper.subplots(1, 3)
        self.draw_predictions(left)
        self.draw_loss(middle)
        self.draw_network(right)
        self.draw_weights(lower)
        fig.suptitle(self.status(), fontsize=11)
        return fig

    def trained_figure(self, steps: int = 300):
        """The static figure of this dashboard after `steps` steps, trained on a copy.

        What a saved notebook shows where the widgets cannot run (nbviewer,
        GitHub, a PDF); the dashboard itself is not trained. A dashboard that
        has trained already is drawn as it is.
        """
        if self.recorder.step > 0:
            return self.static_figure()
        copy = Dashboard(**self.settings())
        copy.step(steps, redraw=False)
        return copy.static_figure()

    # --- the widgets -----------------------------------------------------------------------

    def show(self, static: bool = False, preview_steps: int = 300):
        """Display the live dashboard, or (no widgets, no notebook, or `static`) a static figure.

        Beside the live widgets, the output keeps a picture of the dashboard
        after `preview_steps` steps, for viewers that cannot run widgets. In
        IPython it displays and returns None; in a plain script it prints a
        hint and returns the static Figure.
        """
        if not static and notebook.in_a_kernel() and notebook.widgets_available():
            notebook.display_widget(
                self.widget(), lambda: self.trained_figure(preview_steps), f"<{self!r}>"
            )
            return None
        return notebook.display_static(self.static_figure(), "dashboard")

    def widget(self):
        """The ipywidgets box (built once): controls, buttons, slider, and the pictures."""
        if self.ui is not None:
            return self.ui["box"]
        import ipywidgets as w

        narrow, wide = w.Layout(width="250px"), w.Layout(width="330px")
        options = list(DATASETS) + ([YOUR_DATA] if self.your_data is not None else [])
        ui = {
            "dataset": w.Dropdown(
                options=options, value=self.dataset, description="data", layout=narrow
            ),
            "hidden": w.Text(
                value=",".join(map(str, self.hidden)),
                description="hidden",
                continuous_update=False,
                placeholder="e.g. 8,8",
                layout=narrow,
            ),
            "activation": w.Dropdown(
                options=list(ACTIVATIONS),
                value=self.activation,
                description="activation",
                layout=narrow,
            ),
            "init": w.Dropdown(
                options=[(label, name) for name, label in INITS.items()],
                value=self.init,
                description="first weights",
                style={"description_width": "initial"},
                layout=narrow,
            ),
            "optimizer": w.Dropdown(
                options=list(OPTIMIZERS),
                value=self.optimizer_name,
                description="optimizer",
                layout=narrow,
            ),
            "lr": w.FloatLogSlider(
                value=self.lr,
                base=10,
                min=-4,
                max=0,
                step=0.25,
                description="learning rate",
                readout_format=".4f",
                style={"description_width": "initial"},
                continuous_update=False,
                layout=wide,
            ),
            "seed": w.BoundedIntText(
                value=self.seed, min=0, max=10**6, description="seed", layout=narrow
            ),
            "step": w.Button(
                description="Step", icon="step-forward", tooltip="train on one minibatch"
            ),
            "play": w.Button(description="Play", icon="play", tooltip="keep training"),
            "reset": w.Button(description="Reset", icon="undo", tooltip="back to the start"),
            "code_button": w.Button(
                description="Show code", icon="code", tooltip="the same run as a script"
            ),
            "history": w.IntSlider(
                value=0,
                min=0,
                max=0,
                description="history",
                continuous_update=True,
                layout=w.Layout(width="420px"),
            ),
            "status": w.Label(value=""),
            "code": w.HTML(layout=w.Layout(display="none")),
        }
        for name in ("boundary", "loss", "network", "weights"):
            ui[name] = w.Output()
        for name, item in ui.items():
            item.add_class(f"dm-{name.replace('_', '-')}")
        ui["step"].on_click(lambda _: self.step(1))
        ui["play"].on_click(self._toggle_play)
        ui["reset"].on_click(lambda _: self.reset())
        ui["code_button"].on_click(self._toggle_code)
        ui["history"].observe(self._scrub, names="value")
        for name in ("dataset", "hidden", "activation", "init", "optimizer", "lr", "seed"):
            ui[name].observe(self._choices_changed, names="value")
        controls = w.VBox(
            [
                w.HBox([ui["dataset"], ui["hidden"], ui["activation"], ui["init"]]),
                w.HBox([ui["optimizer"], ui["lr"], ui["seed"]]),
                w.HBox([ui["step"], ui["play"], ui["reset"], ui["history"], ui["code_button"]]),
                ui["status"],
            ]
        )
        ui["box"] = w.VBox(
            [
                controls,
                ui["code"],
                w.HBox([ui["boundary"], ui["loss"]]),
                w.HBox([ui["network"], ui["weights"]]),
            ]
        )
        ui["box"].add_class("dm-dashboard")
        self.ui = ui
        self.refresh()
        return ui["box"]

    def refresh(self) -> None:
        """Redraw the pictures and sync the slider, status and code (when the widgets exist)."""
        if self.ui is None:
            return
        self._syncing = True
        try:
            slider = self.ui["history"]
            slider.max = len(self.recorder) - 1
            slider.value = self.position
        finally:
            self._syncing = False
        for name, fig in self.figures().items():
            self.ui[name].outputs = notebook.png_output(fig, name, dpi=90)
        if self.show_code:
            self.ui["code"].value = _code_html(self.code())
        self.ui["status"].value = self.status()  # last: when it says "step k", all is drawn

    def _toggle_code(self, _button=None) -> None:
        self.show_code = not self.show_code
        self.ui["code_button"].description = "Hide code" if self.show_code else "Show code"
        self.ui["code"].layout.display = "block" if self.show_code else "none"
        if self.show_code:
            self.ui["code"].value = _code_html(self.code())

    def _scrub(self, change) -> None:
        if self._syncing:
            return
        self.position = int(change["new"])
        self.refresh()

    def _choices_changed(self, change) -> None:
        ui = self.ui
        try:
            hidden = parse_hidden(ui["hidden"].value)
        except ValueError as error:
            ui["status"].value = str(error)
            return
        dataset = ui["dataset"].value
        self.task = self.task if dataset == YOUR_DATA else DATASETS[dataset].task
        self.dataset, self.hidden, self.init = dataset, hidden, ui["init"].value
        self.activation, self.optimizer_name = ui["activation"].value, ui["optimizer"].value
        self.lr, self.seed = float(ui["lr"].value), int(ui["seed"].value)
        self.reset()

    def _toggle_play(self, _button=None) -> None:
        if self.playing:
            self.pause()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        self._task = loop.create_task(self.play())

    def _sync_play_button(self) -> None:
        if self.ui is not None:
            button = self.ui["play"]
            button.description, button.icon = (
                ("Pause", "pause") if self.playing else ("Play", "play")
            )

    def __repr__(self) -> str:
        return (
            f"Dashboard({self.dataset!r}, hidden={','.join(map(str, self.hidden))!r}, "
            f"activation={self.activation!r}, init={self.init!r}, "
            f"optimizer={self.optimizer_name!r}, lr={self.lr:g}, seed={self.seed}, "
            f"step={self.recorder.step})"
        )


def _layer_code(layer) -> str:
    """A layer as the call that makes it: ``dm.Dense(2, 8, init="he_normal")``, ``dm.Tanh()``."""
    return f"dm.{layer!r}"  # a layer's repr is the call that makes it


def _index_ticks(ax, shape) -> None:
    """Square cells, and row and column numbers (every one, or every 5th) to find [i, j] by."""
    rows, cols = shape
    ax.set_aspect("equal")
    ax.set_xticks(range(0, cols, 1 if cols <= 10 else 5))
    ax.set_yticks(range(0, rows, 1 if rows <= 10 else 5))
    ax.tick_params(labelsize=7, length=0, pad=1)


def _code_html(code: str) -> str:
    import html

    return (
        '<pre class="dm-code-text" style="max-height:240px;overflow:auto;background:#f6f8fa;'
        'border:1px solid #d0d7de;padding:8px;font-size:12px;margin:4px 0">'
        f"{html.escape(code)}</pre>"
    )


__all__ = ["DATASETS", "Dashboard", "DataSet", "parse_hidden", "sine"]
