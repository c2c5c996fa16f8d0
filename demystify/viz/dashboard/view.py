"""The live view: an anywidget whose front end (the files in ``front/``) draws the frames.

The browser drives the pace: it asks for the next frame (``{"type": "next"}``)
when it has drawn the last one, so a frame is always one snapshot's numbers
and a slow browser never builds a backlog. Pause is the browser not asking.
Every other control is one message here, answered by one frame.
"""

from __future__ import annotations

import dataclasses
import time
from importlib import resources

import anywidget
import ipywidgets
import traitlets
from threadpoolctl import ThreadpoolController

from . import frames
from .settings import CLASS_COLOURS, NEGATIVE, POSITIVE, YOUR_DATA

# The front end's scripts, in order; they make one ES module (only main.js exports).
SCRIPTS = ("paint.js", "point.js", "controls.js", "main.js")


def asset(name: str) -> str:
    """A front-end file shipped in the package (read as package data, so zips work too)."""
    return resources.files(__package__).joinpath("front", name).read_text(encoding="utf-8")


class View(anywidget.AnyWidget):
    """The widget the browser draws (settings and menus in `config`, frames as messages)."""

    _esm = "\n".join(asset(name) for name in SCRIPTS)
    _css = asset("dashboard.css")
    config = traitlets.Dict().tag(sync=True)


class Live:
    """The dashboard's widgets: the view, and an output area for the backprop stepper."""

    def __init__(self, dashboard):
        self.dashboard, self.started = dashboard, time.perf_counter()
        self.last_next = -1.0  # when the last "next" came (long ago: none yet)
        # The arrays are tiny: one BLAS thread is several times faster than two fighting over
        # a busy machine (a 4096x16 @ 16x16 product: 0.3 ms against 1.7 ms, measured here).
        self.threads = ThreadpoolController()
        self.view = View(config=self.config())
        self.view.on_msg(self.receive)
        self.output = ipywidgets.Output()
        self.box = ipywidgets.VBox([self.view, self.output])
        self.box.add_class("dm-dashboard-box")
        self.handlers = {
            "hello": self.hello,
            "next": self.next,
            "step": lambda _: self.dashboard.step(1),
            "reset": lambda _: self.dashboard.reset(),
            "scrub": lambda message: self.dashboard.scrub(int(message["position"])),
            "edit": self.edit,
            "settings": self.settings,
            "code": lambda _: self.view.send({"type": "code", "text": self.dashboard.code()}),
            "stepper": self.stepper,
        }

    def config(self) -> dict:
        settings = self.dashboard.settings
        values = dataclasses.asdict(settings)
        values["hidden"] = ",".join(map(str, settings.hidden))
        values["features"] = list(settings.features)
        return {
            "settings": values,
            "menus": settings.menus(),
            "your_data": self.dashboard.your_data is not None,
            "noise": settings.noise if settings.noise is not None else settings.default_noise(),
            "your_data_name": YOUR_DATA,
            "colours": {"classes": CLASS_COLOURS, "negative": NEGATIVE, "positive": POSITIVE},
        }

    def send_frame(self) -> None:
        if not self.dashboard.data_sent:
            self.view.send(*frames.points(self.dashboard.trainer.data))
            self.dashboard.data_sent = True
        header, buffers = self.dashboard.frame()
        header["python_ms"] = 1000 * (time.perf_counter() - self.started)  # for the benchmark
        self.view.send(header, buffers)

    def receive(self, _widget, message: dict, _buffers) -> None:
        self.started = time.perf_counter()
        handler = self.handlers.get(message.get("type"))
        if handler is None:
            return
        try:
            with self.threads.limit(limits=1, user_api="blas"):
                handler(message)
        except Exception as error:  # a bad setting or edit (or a bug): say so, show what is
            text = (
                str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
            )
            self.view.send({"type": "error", "message": text})
            self.view.config = self.config()
            self.send_frame()

    def hello(self, _message) -> None:
        """A front end has started (or restarted): send it everything."""
        self.dashboard.data_sent, self.dashboard.sent_curve = False, 0
        self.send_frame()

    def next(self, _message) -> None:
        """Play: train as many steps as the time since the last frame asks for, then a frame."""
        now = time.perf_counter()
        interval = now - self.last_next if now - self.last_next < 0.5 else 1 / 30
        self.last_next = now
        self.dashboard.step(self.dashboard.frame_steps(interval))

    def edit(self, message: dict) -> None:
        self.dashboard.edit(message["name"], message["i"], message["j"], float(message["value"]))

    def settings(self, message: dict) -> None:
        changes = dict(message["settings"])
        if changes.get("dataset") == YOUR_DATA:
            changes.pop("dataset")
        self.dashboard.change(**changes)
        self.view.config = self.config()

    def stepper(self, _message) -> None:
        """Open the backprop stepper on the next minibatch, from the weights trained so far."""
        from ..stepper import BackpropStepper

        dashboard = self.dashboard
        model = dashboard.shown_model(len(dashboard.history) - 1)
        copy = dashboard.trainer.fresh_model()
        copy.set_weights(model.get_weights())
        X, y = dashboard.trainer.batch()
        stepper = BackpropStepper(copy, dashboard.trainer.fresh_loss(), X, y)
        self.output.clear_output()
        with self.output:
            stepper.show()


__all__ = ["Live", "View", "asset"]
