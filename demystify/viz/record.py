"""Recording training: snapshots of every weight, taken by a callback as `dm.fit` runs.

A network learns by nudging its weights a little after every minibatch. To
*see* that, keep copies of the weights as training goes and draw them side by
side::

    recorder = dm.viz.record(model, every=5)
    dm.fit(model, loss, optimizer, X, y, epochs=3, callbacks=[recorder], verbose=0)
    dm.viz.plot_recording(recorder)      # the first weight matrix at a few moments

The recorder counts steps itself, so several `fit` calls in a row (as the
dashboard makes) give one continuous recording.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import checks
from ..training import Callback
from .plots import heatmaps, named_arrays, new_axes


class WeightRecorder(Callback):
    """Keeps ``model.get_weights()`` every `every` steps, with the loss of that step.

    Parallel lists: ``steps[k]`` (0 is before any training), ``weights[k]`` (a
    list of arrays, as ``model.get_weights()``) and ``losses[k]`` (the batch
    loss of that step; NaN for step 0). The weights after the last step of
    every epoch are kept too, even between multiples of `every`.
    """

    def __init__(self, model, every: int = 1):
        if isinstance(model, type) or not hasattr(model, "named_parameters"):
            raise ValueError(f"record: give it the model to record, got {model!r:.60}")
        self.model, self.every = model, checks.number("every", every, "[1, inf)", True, "record")
        self.names = [name for name, _ in model.named_parameters()]
        self.steps: list[int] = []
        self.weights: list[list[np.ndarray]] = []
        self.losses: list[float] = []
        self.step = 0  # steps seen so far, over every fit call
        self._last_loss = math.nan

    def snapshot(self, loss: float = math.nan) -> None:
        """Keep the model's current weights now (at the current step)."""
        self.steps.append(self.step)
        self.weights.append(self.model.get_weights())
        self.losses.append(float(loss))

    def on_train_begin(self, model) -> None:
        if model is not self.model:
            raise ValueError("this recorder was made for another model; use dm.viz.record(model)")
        if not self.steps:
            self.snapshot()  # the starting point

    def on_step_end(self, step: int, logs: dict) -> bool:
        self.step += 1
        self._last_loss = logs.get("loss", math.nan)
        if self.step % self.every == 0:
            self.snapshot(self._last_loss)
        return False

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.steps and self.steps[-1] != self.step:
            self.snapshot(self._last_loss)
        return False

    def truncate(self, keep: int) -> None:
        """Forget every snapshot after the first `keep` (used to rewind)."""
        del self.steps[keep:], self.weights[keep:], self.losses[keep:]

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"WeightRecorder(every={self.every}, snapshots={len(self)}, steps={self.step})"


def record(model, every: int = 1) -> WeightRecorder:
    """A callback for `dm.fit` that records the weights of `model` every `every` steps."""
    return WeightRecorder(model, every)


def _matrix_name(recorder: WeightRecorder, parameter) -> str:
    """The name of the weight matrix `parameter` picks: by position among the matrices, or name."""
    matrices = [name for name, _ in named_arrays(recorder.weights[0], recorder.names)]
    if isinstance(parameter, str):
        if parameter not in matrices:
            raise ValueError(
                f"no weight matrix named {parameter!r}; there are {', '.join(matrices)}"
            )
        return parameter
    whole = isinstance(parameter, numbers.Integral) and not isinstance(parameter, bool)
    if not (whole and 0 <= parameter < len(matrices)):
        raise ValueError(
            f"plot_recording: parameter must be a position 0..{len(matrices) - 1} or a "
            f"name among the {len(matrices)} weight matrices ({', '.join(matrices)}), "
            f"got {parameter!r}"
        )
    return matrices[parameter]


def plot_recording(
    recorder: WeightRecorder,
    parameter: int | str = 0,
    snapshots: int = 5,
    axes=None,
    loss: bool = True,
):
    """One weight matrix at `snapshots` moments (first to last), on one colour scale,
    then (with ``loss=True``) the loss per step with those moments marked.

    parameter: which weight matrix, by position among the matrices or by name (``"2.weights"``).
    """
    if not hasattr(recorder, "weights") or not hasattr(recorder, "names"):
        raise ValueError(
            "plot_recording: give it the recorder that dm.viz.record(model) made and dm.fit "
            f"filled, got {recorder!r:.60}"
        )
    snapshots = checks.number("snapshots", snapshots, "[1, inf)", True, "plot_recording")
    if not recorder.steps:
        raise ValueError(
            "the recorder is empty: pass it to dm.fit(..., callbacks=[recorder]) first"
        )
    name = _matrix_name(recorder, parameter)
    position = recorder.names.index(name)
    picks = sorted(
        set(np.linspace(0, len(recorder) - 1, min(snapshots, len(recorder))).round().astype(int))
    )
    pairs = [
        (f"step {recorder.steps[k]}", np.asarray(recorder.weights[k][position], float))
        for k in picks
    ]
    tall, wide = pairs[0][1].shape  # panels as high as the matrix needs, not more
    fig, axes = new_axes(
        len(pairs) + int(loss), axes, panel=(2.8, min(3.0, max(1.2, 2.4 * tall / wide)) + 0.9)
    )
    heatmaps(pairs, axes[: len(pairs)], label=f"{name}")
    fig.suptitle(f"{name} as training goes on (one colour scale)", fontsize=10)
    if loss:
        ax = axes[-1]
        steps, losses = np.asarray(recorder.steps), np.asarray(recorder.losses, float)
        ax.plot(steps, losses, color="tab:blue", lw=1)
        marked = [k for k in picks if np.isfinite(losses[k])]
        ax.plot(steps[marked], losses[marked], "o", color="k", ms=4)
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel("batch loss", fontsize=8)
        ax.set_title("loss (dots: the snapshots)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    return fig


__all__ = ["WeightRecorder", "plot_recording", "record"]
