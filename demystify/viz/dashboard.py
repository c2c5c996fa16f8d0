"""A training dashboard: watch a small network's weights learn, one minibatch at a time.

Pick a 2-D data set, the hidden layer sizes, an activation, an optimizer and
a learning rate; then press **Step** (one minibatch) or **Play**. The
dashboard shows what the network predicts everywhere (the decision
boundary), the loss of every step, and every weight matrix as a heatmap with,
underneath, the change that the last step made. The **history** slider scrubs
back through the recorded weights.

It trains the ordinary way -- each Step is a call of `dm.fit` that a callback
stops after one minibatch, while a `WeightRecorder` keeps the weights -- so what
you watch is exactly what ``dm.fit`` does. Everything is seeded: the same
choices give the same run, step for step.

Outside JupyterLab (no ipywidgets, not in a notebook, or ``show(static=True)``)
it draws the same pictures once, as a static figure.
"""

from __future__ import annotations

import asyncio
import base64
import io
import math

import numpy as np
from matplotlib.figure import Figure

from .. import datasets
from ..activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ..layers import Dense
from ..losses import SoftmaxCrossEntropy
from ..metrics import accuracy
from ..model import Sequential
from ..optim import SGD, Adam, RMSprop
from ..training import Callback, TrainingError, fit
from .plots import heatmaps, named_arrays, plot_decision_boundary

DATASETS = {
    "xor": lambda seed: datasets.xor(n=200, noise=0.2, seed=seed),
    "moons": lambda seed: datasets.moons(n=200, noise=0.15, seed=seed),
    "circles": lambda seed: datasets.circles(n=200, noise=0.08, seed=seed),
    "spirals": lambda seed: datasets.spirals(n=300, classes=3, noise=0.15, seed=seed),
}
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
OPTIMIZERS = {
    "sgd": lambda parameters, lr: SGD(parameters, lr=lr),
    "momentum": lambda parameters, lr: SGD(parameters, lr=lr, momentum=0.9),
    "rmsprop": lambda parameters, lr: RMSprop(parameters, lr=lr),
    "adam": lambda parameters, lr: Adam(parameters, lr=lr),
}
HINT = (
    "(static figure: the live dashboard needs JupyterLab with ipywidgets -- "
    'pip install "demystify[viz]")'
)


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


class StopAfter(Callback):
    """Stops `dm.fit` after `steps` minibatch steps (the dashboard's Step button)."""

    def __init__(self, steps: int = 1):
        self.steps, self.taken = steps, 0

    def on_step_end(self, step: int, logs: dict) -> bool:
        self.taken += 1
        return self.taken >= self.steps


def _choice(name: str, value: str, options: dict) -> str:
    if value not in options:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(options)}")
    return value


def _png(fig: Figure, dpi: int = 72) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class Dashboard:
    """Train a small classifier on a 2-D data set and watch it, step by step.

    >>> dash = Dashboard("spirals", hidden="16,16", activation="relu", optimizer="adam", lr=0.02)
    >>> dash.show()          # in JupyterLab: the live dashboard
    >>> dash.step(10)        # or drive it from code: ten minibatches
    """

    def __init__(
        self,
        dataset: str = "moons",
        hidden="8,8",
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.03,
        batch_size: int = 16,
        seed: int = 0,
        steps_per_frame: int = 5,
        resolution: int = 80,
    ):
        self.dataset = _choice("data set", dataset, DATASETS)
        self.hidden = parse_hidden(hidden)
        self.activation = _choice("activation", activation, ACTIVATIONS)
        self.optimizer_name = _choice("optimizer", optimizer, OPTIMIZERS)
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got {lr!r}")
        self.lr, self.batch_size, self.seed = float(lr), int(batch_size), int(seed)
        self.steps_per_frame, self.resolution = int(steps_per_frame), int(resolution)
        self.playing, self.message, self.ui = False, "", None
        self._task, self._syncing, self._run = None, False, 0
        self.reset()

    # --- the model and its training --------------------------------------------------------

    def build_model(self) -> Sequential:
        """The network for the current choices, initialised from `seed`."""
        classes = int(self.y.max()) + 1
        sizes = (2, *self.hidden, classes)
        layers = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(
                Dense(
                    n_in,
                    n_out,
                    init="he_normal"
                    if self.activation in ("relu", "leaky_relu")
                    else "glorot_normal",
                )
            )
            if k < len(sizes) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        return Sequential(layers, seed=self.seed)

    def reset(self) -> None:
        """Start again from the seeded initial weights (and the current choices)."""
        from .record import record  # here, not at the top: record imports plots too

        self.pause()
        self.X, self.y = DATASETS[self.dataset](self.seed)
        self.model, self.view = self.build_model(), self.build_model()  # view: for scrubbing
        self.optimizer = OPTIMIZERS[self.optimizer_name](self.model.parameters(), self.lr)
        self.loss = SoftmaxCrossEntropy()
        self.recorder = record(self.model)
        self.recorder.snapshot()  # step 0: the untrained network
        self.position, self.message = 0, ""
        self.refresh()

    def step(self, steps: int = 1, redraw: bool = True) -> None:
        """Train `steps` minibatches: one `dm.fit` call, stopped by a callback.

        The shuffling seed advances with the step count, so a run is reproducible.
        """
        per_epoch = math.ceil(len(self.X) / self.batch_size)
        try:
            fit(
                self.model,
                self.loss,
                self.optimizer,
                self.X,
                self.y,
                epochs=math.ceil(steps / per_epoch),
                batch_size=self.batch_size,
                callbacks=[self.recorder, StopAfter(steps)],
                verbose=0,
                seed=[self.seed, self.recorder.step],
            )
        except TrainingError as error:
            self.message = str(error)
            self.playing = False
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
        """The recorded weights at snapshot `index` (the latest by default)."""
        return self.recorder.weights[self.position if index is None else index]

    # --- the pictures ------------------------------------------------------------------------

    def _shown_model(self):
        if self.position == len(self.recorder) - 1:
            return self.model
        self.view.set_weights(self.recorder.weights[self.position])
        return self.view

    def status(self) -> str:
        k = self.position
        model = self._shown_model()
        acc = accuracy(model.predict(self.X), self.y)
        loss = self.recorder.losses[k]
        loss_text = "–" if math.isnan(loss) else f"{loss:.3f}"
        return (
            f"step {self.recorder.steps[k]} of {self.recorder.step} · batch loss {loss_text} "
            f"· accuracy {acc:.0%}" + (f" · {self.message}" if self.message else "")
        )

    def draw_boundary(self, ax) -> None:
        plot_decision_boundary(
            self._shown_model(), self.X, self.y, ax=ax, resolution=self.resolution
        )
        ax.set_title(f"{self.dataset}: what the network predicts", fontsize=9)
        ax.tick_params(labelsize=7)

    def draw_loss(self, ax) -> None:
        steps = np.asarray(self.recorder.steps)
        losses = np.asarray(self.recorder.losses, dtype=float)
        ax.plot(steps, losses, color="tab:blue", lw=0.8, alpha=0.6, label="batch loss")
        if len(losses) > 10:  # a running mean shows the trend under the batch-to-batch noise
            window = np.ones(10) / 10
            ax.plot(
                steps[10:],
                np.convolve(losses[1:], window, mode="valid"),
                color="tab:blue",
                lw=1.8,
                label="mean of 10",
            )
        ax.axvline(steps[self.position], color="k", lw=0.8, ls=":")
        ax.set_xlim(0, max(1, steps[-1]))
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel("loss", fontsize=8)
        ax.set_title("loss per minibatch", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if len(losses) > 1:
            ax.legend(fontsize=7)

    def draw_weights(self, fig) -> None:
        """Top row: every weight matrix now. Bottom row: what the last step changed."""
        k = self.position
        names = self.recorder.names
        now = named_arrays(self.recorder.weights[k], names)
        before = named_arrays(self.recorder.weights[max(k - 1, 0)], names)
        top, bottom = fig.subfigures(2, 1)
        top_axes = list(np.ravel(top.subplots(1, len(now), squeeze=False)))
        bottom_axes = list(np.ravel(bottom.subplots(1, len(now), squeeze=False)))
        heatmaps(now, top_axes, label="weight", ticks=False)
        changes = [(name, a - b) for (name, a), (_, b) in zip(now, before)]
        heatmaps(changes, bottom_axes, label="change", title_prefix="Δ ", ticks=False)
        top.suptitle(f"weights at step {self.recorder.steps[k]} (one colour scale)", fontsize=9)
        bottom.suptitle("the change made by the last step (its own scale)", fontsize=9)

    def figures(self) -> dict[str, Figure]:
        """The three pictures as matplotlib Figures made without pyplot (nothing leaks into cells)."""
        boundary = Figure(figsize=(4.0, 3.6), layout="constrained")
        self.draw_boundary(boundary.add_subplot())
        loss = Figure(figsize=(4.6, 3.6), layout="constrained")
        self.draw_loss(loss.add_subplot())
        weights = Figure(
            figsize=(max(6.0, 2.6 * (len(self.hidden) + 1)), 4.6), layout="constrained"
        )
        self.draw_weights(weights)
        return {"boundary": boundary, "loss": loss, "weights": weights}

    def static_figure(self):
        """Everything in one pyplot Figure (what `show(static=True)` displays)."""
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(10, 8), layout="constrained")
        upper, lower = fig.subfigures(2, 1, height_ratios=[1, 1.2])
        left, right = upper.subplots(1, 2)
        self.draw_boundary(left)
        self.draw_loss(right)
        self.draw_weights(lower)
        fig.suptitle(self.status(), fontsize=10)
        return fig

    # --- the widgets ---------------------------------------------------------------------------

    def show(self, static: bool = False):
        """Display the live dashboard, or (no widgets, no notebook, or `static`) a static figure.

        In IPython it displays and returns None; in a plain script it prints a
        hint and returns the static Figure.
        """
        ipython = _ipython_kernel()
        if not static and ipython is not None and _has_widgets():
            from IPython.display import display

            display(self.widget())
            return None
        print(HINT)
        fig = self.static_figure()
        if ipython is None:
            return fig
        import matplotlib.pyplot as plt
        from IPython.display import display

        display(fig)
        plt.close(fig)
        return None

    def widget(self):
        """The ipywidgets box (built once): controls, buttons, slider, and three pictures."""
        if self.ui is not None:
            return self.ui["box"]
        import ipywidgets as w

        ui = {}
        ui["dataset"] = w.Dropdown(options=list(DATASETS), value=self.dataset, description="data")
        ui["hidden"] = w.Text(
            value=",".join(map(str, self.hidden)),
            description="hidden",
            continuous_update=False,
            placeholder="e.g. 8,8",
        )
        ui["activation"] = w.Dropdown(
            options=list(ACTIVATIONS), value=self.activation, description="activation"
        )
        ui["optimizer"] = w.Dropdown(
            options=list(OPTIMIZERS), value=self.optimizer_name, description="optimizer"
        )
        ui["lr"] = w.FloatLogSlider(
            value=self.lr,
            base=10,
            min=-4,
            max=0,
            step=0.25,
            description="learning rate",
            readout_format=".4f",
            style={"description_width": "initial"},
            continuous_update=False,
        )
        ui["seed"] = w.BoundedIntText(value=self.seed, min=0, max=10**6, description="seed")
        ui["step"] = w.Button(
            description="Step", icon="step-forward", tooltip="train on one minibatch"
        )
        ui["play"] = w.Button(description="Play", icon="play", tooltip="keep training")
        ui["reset"] = w.Button(description="Reset", icon="undo", tooltip="back to the start")
        ui["history"] = w.IntSlider(
            value=0,
            min=0,
            max=0,
            description="history",
            continuous_update=True,
            layout=w.Layout(width="60%"),
        )
        ui["status"] = w.Label(value="")
        for name in ("boundary", "loss", "weights"):
            ui[name] = w.Output()
            ui[name].add_class(f"dm-{name}")
        for name in (
            "dataset",
            "hidden",
            "activation",
            "optimizer",
            "lr",
            "seed",
            "step",
            "play",
            "reset",
            "history",
            "status",
        ):
            ui[name].add_class(f"dm-{name}")
        ui["step"].on_click(lambda _: self.step(1))
        ui["play"].on_click(self._toggle_play)
        ui["reset"].on_click(lambda _: self.reset())
        ui["history"].observe(self._scrub, names="value")
        for name in ("dataset", "hidden", "activation", "optimizer", "lr", "seed"):
            ui[name].observe(self._choices_changed, names="value")
        controls = w.VBox(
            [
                w.HBox([ui["dataset"], ui["hidden"], ui["activation"]]),
                w.HBox([ui["optimizer"], ui["lr"], ui["seed"]]),
                w.HBox([ui["step"], ui["play"], ui["reset"], ui["history"]]),
                ui["status"],
            ]
        )
        ui["box"] = w.VBox([controls, w.HBox([ui["boundary"], ui["loss"]]), ui["weights"]])
        ui["box"].add_class("dm-dashboard")
        self.ui = ui
        self.refresh()
        return ui["box"]

    def refresh(self) -> None:
        """Redraw the pictures and sync the slider and status (when the widgets exist)."""
        if self.ui is None:
            return
        self._syncing = True
        try:
            slider = self.ui["history"]
            slider.max = len(self.recorder) - 1
            slider.value = self.position
        finally:
            self._syncing = False
        self.ui["status"].value = self.status()
        for name, fig in self.figures().items():
            data = base64.b64encode(_png(fig)).decode("ascii")
            # replace the outputs directly: no capture context, so nothing leaks into a cell
            self.ui[name].outputs = (
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": data, "text/plain": f"<{name}>"},
                },
            )

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
        self.dataset, self.hidden = ui["dataset"].value, hidden
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
            f"activation={self.activation!r}, optimizer={self.optimizer_name!r}, lr={self.lr:g}, "
            f"seed={self.seed}, step={self.recorder.step})"
        )


def _ipython_kernel():
    """The running IPython kernel shell, or None (plain Python, or a terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _has_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


__all__ = ["Dashboard", "StopAfter", "parse_hidden"]
