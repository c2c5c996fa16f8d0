"""The stepper in JupyterLab: buttons, Play, the ← → keys, the stage list, tables, picture.

Python holds the stages; the widgets only show the current one. Next, Back
and Reset move one stage (or to the first); ``Play`` (an ipywidgets timer in
the browser) moves on by itself, one stage a tick, and stops at the last; the
arrow keys do what Back and Next do while the focus is inside the stepper
(a click on it), through a tiny front end (`keys.js`, an anywidget).
"""

from __future__ import annotations

import functools
from pathlib import Path

from .. import notebook
from .text import cell

PLAY_INTERVAL_MS = 1500  # long enough to read a stage's name before the next one


@functools.cache
def _keys_class():
    """The anywidget class of the keys (made once, on first use); None without anywidget."""
    try:
        import anywidget
    except ImportError:
        return None

    class Keys(anywidget.AnyWidget):
        """Reports ← (-1) and → (+1) pressed inside the stepper, as a message ``{"step": ±1}``."""

        _esm = Path(__file__).with_name("keys.js")

    return Keys


def keys_widget(on_step):
    """A widget that hands each ← (-1) and → (+1) to `on_step`; None without anywidget."""
    Keys = _keys_class()
    if Keys is None:
        return None
    keys = Keys()
    keys.on_msg(lambda _, content, buffers: on_step(int(content.get("step", 0))))
    return keys


def build(stepper) -> dict:
    """Every widget of the stepper by name, wired to it, and ``"box"``, the whole."""
    import ipywidgets as w

    last = len(stepper.stages) - 1
    ui = {
        "reset": w.Button(description="Reset", icon="undo", tooltip="back to the first stage"),
        "back": w.Button(description="Back", icon="step-backward", tooltip="previous stage (←)"),
        "next": w.Button(description="Next", icon="step-forward", tooltip="next stage (→)"),
        "play": w.Play(value=0, min=0, max=last, interval=PLAY_INTERVAL_MS, show_repeat=False),
        "stage": w.Dropdown(
            options=[(stepper.title(k), k) for k in range(len(stepper.stages))],
            value=stepper.index,
            layout=w.Layout(width="380px"),
        ),
        "formula": w.HTMLMath(layout=w.Layout(flex="1 1 auto", min_width="0")),
        "tables": w.HTML(),
        "entry": w.Dropdown(description="entry", layout=w.Layout(width="200px")),
        "sum": w.HTML(),
        "network": w.Output(layout=w.Layout(min_width="540px")),
    }
    for name, item in ui.items():
        item.add_class(f"dm-{name}")
    for name in ("reset", "back", "next"):
        ui[name].layout.width = "96px"  # room on one line for Play, the stage list and the keys
    ui["syncing"] = False
    ui["next"].on_click(lambda _: stepper.next())
    ui["back"].on_click(lambda _: stepper.back())
    ui["reset"].on_click(lambda _: stepper.reset())

    def chosen(change, act):
        if not ui["syncing"] and change["new"] is not None:
            act(change["new"])

    ui["stage"].observe(lambda c: chosen(c, stepper.go), names="value")
    ui["play"].observe(lambda c: chosen(c, stepper.go), names="value")
    ui["entry"].observe(lambda c: chosen(c, lambda ij: stepper.choose(*ij)), names="value")
    keys = keys_widget(lambda step: stepper.next() if step > 0 else stepper.back())
    if keys is not None:
        keys.add_class("dm-keys")
    hint = w.HTML(
        '<span style="color:#555;padding-left:8px">or hover over a number of the result</span>'
    )
    controls = [ui["reset"], ui["back"], ui["next"], ui["play"], ui["stage"]]
    ui["box"] = w.VBox(
        [
            w.HBox(controls + ([keys] if keys is not None else [])),
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
    ui["keys"] = keys
    return ui


def refresh(stepper, ui: dict) -> None:
    """Show the stepper's current stage and entry in its widgets."""
    stage = stepper.stage
    ui["syncing"] = True
    try:
        ui["stage"].value = stepper.index
        ui["play"].value = stepper.index
        rows, cols = stage.arrays[stage.result].shape
        options = [(cell(stage.result, i, j), (i, j)) for i in range(rows) for j in range(cols)]
        if list(ui["entry"].options) != options:
            ui["entry"].options = options
        ui["entry"].value = stepper.entry_index
    finally:
        ui["syncing"] = False
    ui["back"].disabled = stepper.index == 0
    ui["next"].disabled = stepper.index == len(stepper.stages) - 1
    ui["tables"].value = stepper.tables_html()
    ui["sum"].value = stepper.entry_html()
    ui["network"].outputs = notebook.png_output(stepper.network_figure(), "network")
    ui["formula"].value = stepper.header_html()  # last: when it says "stage k", all is there


__all__ = ["PLAY_INTERVAL_MS", "build", "keys_widget", "refresh"]
