"""`Dashboard`: the object a learner holds -- settings, the training run, what is on show.

It answers the front end's messages (`handle`), and the same actions are
methods for code: `step`, `edit`, `scrub`, `reset`, `change`, `code`.
Whatever changed, the answer is one frame: the numbers of one snapshot.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ... import checks
from . import frames, snapshot
from .data import Data, your_data
from .script import script
from .settings import YOUR_DATA, Settings
from .state import Trainer


class Dashboard:
    """Train a small network on points in the plane (or a curve) and watch every unit learn.

    >>> dash = Dashboard("spiral", hidden="8,8", activation="tanh", lr=0.03)
    >>> dash.show()          # in JupyterLab: the live dashboard, drawn by the browser
    >>> dash.step(100)       # or drive it from code: a hundred minibatches
    >>> print(dash.code())   # a script that ends with the same weights

    Your own data: ``Dashboard(data=(X, y))`` with X of shape (n, 2) and class
    labels 0, 1, 2, ... (at most 10 classes); or ``task="regression"`` with one
    or two inputs per row. `features` picks the network's inputs among x1, x2,
    x1^2, x2^2, x1*x2, sin(x1), sin(x2); `train_fraction` the share of rows
    trained on (the rest is the test set); `l2` the weight decay. While playing
    it trains `speed` steps a second (however many frames the browser draws),
    or exactly `steps_per_frame` steps between two frames when that is given.
    """

    def __init__(
        self,
        dataset: str | None = None,
        hidden="8,8",
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.03,
        batch_size: int = 10,
        seed: int = 0,
        init: str = "he_normal",
        data: tuple | None = None,
        task: str | None = None,
        noise: float | None = None,
        train_fraction: float = 0.5,
        features=None,
        l2: float = 0.0,
        steps_per_frame: int | None = None,
        speed: int = 300,
        resolution: int = 64,
    ):
        values = {key: value for key, value in locals().items() if key not in ("self", "data")}
        if data is not None:
            if dataset not in (None, YOUR_DATA):
                raise ValueError("Dashboard: give a data set name or data=(X, y), not both")
            self.your_data = your_data(data, task or "classification")
            values["dataset"], values["task"] = YOUR_DATA, task or "classification"
        else:
            self.your_data = None
            values["dataset"] = dataset or ("sine" if task == "regression" else "moons")
        inputs = 1 if self.your_data is not None and self.your_data[0].shape[1] == 1 else 2
        if values["dataset"] == "sine":
            inputs = 1
        values["features"] = ("x1", "x2")[:inputs] if features is None else features
        self.settings = Settings.make(**values)
        self.ui, self.sent_curve = None, 0
        self.reset()

    # --- actions (the front end's buttons call the same) ---------------------------------

    def reset(self) -> None:
        """Start again from the seeded first weights (and the current settings)."""
        self.trainer = Trainer(self.settings, Data.make(self.settings, self.your_data))
        self.viewer = None  # a second model, for snapshots other than the last
        self.position, self.sent_curve, self.data_sent = 0, 0, False
        self.push()

    def change(self, **settings) -> None:
        """Change settings (checked; the same names as the constructor's) and start again."""
        self.settings = self.settings.replace(**settings)
        self.reset()

    def step(self, steps: int = 1) -> None:
        """Train `steps` minibatches (one ``dm.train_step`` each) and show the result."""
        steps = checks.number("steps", steps, "[1, inf)", whole=True, owner="Dashboard.step")
        self.trainer.step(steps)
        self.position = len(self.trainer.history) - 1
        self.push()

    def edit(self, name: str, i: int, j: int, value: float) -> str:
        """Set weight ``name[i, j]`` (a bias: ``name[0, j]``); training goes on from there."""
        i = checks.number("i", i, "[0, inf)", whole=True, owner="Dashboard.edit")
        j = checks.number("j", j, "[0, inf)", whole=True, owner="Dashboard.edit")
        limit = float(np.finfo(self.model.dtype).max)  # a finite number that fits the weights
        value = checks.number(
            "value", value, f"[{-limit:.3g}, {limit:.3g}]", owner="Dashboard.edit"
        )
        event = self.trainer.edit(name, i, j, float(value))
        self.position = len(self.trainer.history) - 1
        self.push()
        return event

    def scrub(self, position: int) -> None:
        """Show history snapshot `position` (training always goes on from the last one)."""
        last = len(self.trainer.history) - 1
        if not (isinstance(position, (int, np.integer)) and 0 <= position <= last):
            raise ValueError(f"Dashboard.scrub: position must be a whole number in 0..{last}")
        self.position = int(position)
        self.push()

    def frame_steps(self, interval: float) -> int:
        """Steps to train before the next frame, `interval` seconds after the last one."""
        if self.settings.steps_per_frame is not None:
            return self.settings.steps_per_frame
        return max(1, min(1000, round(self.settings.speed * interval)))

    def code(self) -> str:
        """A self-contained, seeded script that ends with the dashboard's current weights."""
        return script(self.trainer)

    # --- what is on show ---------------------------------------------------------------------

    @property
    def model(self):
        """The network being trained (its latest weights)."""
        return self.trainer.model

    @property
    def history(self):
        """Every snapshot: ``.steps``, ``.weights``, ``.changes``, ``.events``, ``.curve``."""
        return self.trainer.history

    def shown_model(self, position: int | None = None):
        """A network with the weights of snapshot `position` (the one on show by default)."""
        position = self.position if position is None else position
        if position == len(self.trainer.history) - 1:
            return self.trainer.model
        if self.viewer is None:
            self.viewer = self.trainer.fresh_model()
        self.viewer.set_weights(self.trainer.history.weights[position])
        return self.viewer

    def value_range(self) -> tuple[float, float]:
        """The values the prediction's colours (or the curve's axis) span."""
        if self.settings.task == "classification":
            return (0.0, 1.0)
        if self.trainer.data.inputs == 1:
            return self.trainer.data.extent()[2:]
        top = float(np.max(np.abs(self.trainer.data.labels))) or 1.0
        return (-top, top)

    def status(self, position: int | None = None) -> str:
        """One line: the step on show and its losses (and accuracies), train and test."""
        k = self.position if position is None else position
        history, trainer = self.trainer.history, self.trainer
        step, train, test = history.curve[k]
        text = (
            f"step {step} of {trainer.step_count} · train loss {train:.3f} · test loss {test:.3f}"
        )
        if history.accuracy[k] is not None:
            right, held = history.accuracy[k]
            text += f" · accuracy {right:.0%} train, {held:.0%} test"
        if history.events[k].startswith("edited"):
            text += f" · {history.events[k]}"
        return text + (f" · {trainer.failure}" if trainer.failure else "")

    def new_curve_points(self) -> dict:
        """The loss points the front end has not had yet: ``{"from": index, "points": [...]}``."""
        curve = self.trainer.history.curve
        start, self.sent_curve = self.sent_curve, len(curve)
        points = [[s, _finite(a), _finite(b)] for s, a, b in curve[start:]]
        return {"from": start, "points": points}

    def frame(self, position: int | None = None) -> tuple[dict, list[bytes]]:
        """The frame of snapshot `position` (default: the one on show): (header, buffers)."""
        position = self.position if position is None else position
        model = self.shown_model(position)
        return frames.encode(self, model, position, self.settings.resolution)

    def push(self) -> None:
        """Send the frame on show to the front end, if there is one."""
        if self.ui is not None:
            self.ui.send_frame()

    # --- pictures and widgets ------------------------------------------------------------------

    def static_figure(self):
        """The dashboard as it is now, as one matplotlib Figure of the same layout."""
        return snapshot.figure(self)

    def trained_figure(self, steps: int = 300):
        """The static figure after `steps` steps, trained on a copy (this one stays as it is)."""
        if self.trainer.step_count > 0:
            return self.static_figure()
        copy = Dashboard(**self.arguments())
        per_frame = copy.frame_steps(1 / 30)  # as if played: a snapshot every few steps
        for done in range(0, steps, per_frame):
            copy.step(min(per_frame, steps - done))
        return copy.static_figure()

    def arguments(self) -> dict:
        """The constructor's arguments that make this dashboard again (at step 0)."""
        values = dataclasses.asdict(self.settings)
        if self.your_data is not None:
            values.update(dataset=None, data=self.your_data)
        return values

    def show(self, static: bool = False, preview_steps: int = 300):
        """Display the live dashboard, or (no widgets, no notebook, or `static`) a static figure.

        Beside the live view the output keeps a PNG of the same layout after
        `preview_steps` steps, for viewers that run no widgets (nbconvert's
        HTML, GitHub, the slides).
        """
        from .. import notebook

        if not static and notebook.in_a_kernel() and notebook.widgets_available():
            from .view import Live

            self.ui = self.ui or Live(self)
            text = f"<{self!r}>"
            notebook.display_widget(self.ui.box, lambda: self.trained_figure(preview_steps), text)
            return None
        return notebook.display_static(self.static_figure(), "dashboard")

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"Dashboard({s.dataset!r}, hidden={','.join(map(str, s.hidden))!r}, "
            f"activation={s.activation!r}, optimizer={s.optimizer!r}, lr={s.lr:g}, "
            f"seed={s.seed}, step={self.trainer.step_count})"
        )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = ["Dashboard"]
