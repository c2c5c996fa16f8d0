"""Frames: one snapshot of the dashboard as a small JSON header and a few binary buffers.

The browser draws a frame as it comes, so a frame is everything about one
step and nothing else: the weights (float32, every parameter in
``named_parameters`` order), the change the last step made (float32, same
layout), the prediction over the plane as a uint8 grid, one uint8 grid per
unit (the inputs, every hidden unit, every output) and the new loss points.

uint8 grids (row 0 at the top of the plane, or a line for one input):

* ``surface``: a classifier's most likely class per cell, then its
  probability scaled to 0..255 (two grids one after the other); a regression's
  prediction, 0..255 over ``header["surface_range"]``.
* ``units``: per unit, 128 + 127·v/m with m = the largest |v| of that unit
  (``header["unit_scales"]``); a classifier's outputs are probabilities, 255·p.
"""

from __future__ import annotations

import numpy as np

from ... import backend
from .settings import features

UNIT_GRID = 32  # cells a side in each unit's picture


def activity(model, points: np.ndarray, names: tuple[str, ...], loss) -> list[np.ndarray]:
    """What every unit computes at `points`: the features, each hidden layer, the predictions.

    One array ``(points, units)`` per column of the network drawing.
    """
    h = backend.asarray(features(points, names), model.dtype)
    columns = [backend.to_numpy(h)]
    for index, layer in enumerate(model.layers):
        h = layer(h)
        if index % 2 == 1:  # Dense, activation, Dense, ...: after each activation, a hidden layer
            columns.append(backend.to_numpy(h))
    columns.append(backend.to_numpy(loss.predictions(h)))
    return columns


def unit_grids(columns: list[np.ndarray], classify: bool) -> tuple[bytes, list[list[float]]]:
    """Every unit's picture, column by column, as one uint8 buffer; and each unit's scale."""
    pictures, scales = [], []
    for number, column in enumerate(columns):
        column = np.nan_to_num(column, nan=0.0, posinf=0.0, neginf=0.0)
        if number == len(columns) - 1 and classify:  # probabilities
            pictures.append(np.round(255 * np.clip(column, 0, 1)).astype(np.uint8).T)
            scales.append([1.0] * column.shape[1])
            continue
        scale = np.max(np.abs(column), axis=0)
        scale[scale == 0] = 1.0
        pictures.append(np.round(128 + 127 * column / scale).astype(np.uint8).T)
        scales.append(scale.tolist())
    return b"".join(np.ascontiguousarray(p).tobytes() for p in pictures), scales


def surface(predictions: np.ndarray, classify: bool, value_range) -> bytes:
    """The prediction grid as uint8 (see the module's docstring)."""
    predictions = np.nan_to_num(predictions, nan=0.0)
    if classify:
        best = np.argmax(predictions, axis=1).astype(np.uint8)
        sure = np.round(255 * np.max(predictions, axis=1)).astype(np.uint8)
        return best.tobytes() + sure.tobytes()
    low, high = value_range
    values = (predictions[:, 0] - low) / (high - low)
    return np.round(255 * np.clip(values, 0, 1)).astype(np.uint8).tobytes()


def floats(arrays) -> bytes:
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float32).tobytes()


def encode(view, model, snapshot: int, resolution: int) -> tuple[dict, list[bytes]]:
    """The frame for `model` (the weights of history entry `snapshot`): (header, buffers).

    `view` is the dashboard (its trainer, data and settings) and says what changed
    since the last frame (new loss points, data not sent yet).
    """
    trainer, data = view.trainer, view.trainer.data
    classify = trainer.settings.task == "classification"
    history = trainer.history
    extent = data.extent()
    fine = data.grid(resolution)
    predictions = activity(model, fine, data.features, trainer.loss)[-1]
    value_range = view.value_range()
    coarse = data.grid(UNIT_GRID)
    units, scales = unit_grids(activity(model, coarse, data.features, trainer.loss), classify)
    header = {
        "type": "frame",
        "snapshot": snapshot,
        "snapshots": len(history),
        "step": history.steps[snapshot],
        "steps": trainer.step_count,
        "event": history.events[snapshot],
        "status": view.status(snapshot),
        "names": history.names,
        "shapes": [list(w.shape) for w in history.weights[snapshot]],
        "columns": [len(column) for column in scales],
        "unit_scales": scales,
        "resolution": resolution,
        "unit_grid": UNIT_GRID,
        "inputs": data.inputs,
        "classes": data.classes if classify else 0,
        "surface_range": list(value_range),
        "extent": list(extent),
        "curve": view.new_curve_points(),
        "failure": trainer.failure,
    }
    buffers = [
        floats(history.weights[snapshot]),
        floats(history.changes[snapshot]),
        surface(predictions, classify, value_range),
        units,
    ]
    header["buffers"] = ["weights", "changes", "surface", "units"]
    return header, buffers


def points(data) -> tuple[dict, list[bytes]]:
    """The data message: training and test points with their labels (float32)."""
    header = {"type": "data", "train": len(data.X), "test": len(data.X_test)}
    buffers = [floats([data.X]), floats([data.y]), floats([data.X_test]), floats([data.y_test])]
    return header, buffers


__all__ = ["UNIT_GRID", "activity", "encode", "points", "surface", "unit_grids"]
