"""Saving and loading a model: architecture as JSON, weights as arrays, in one `.npz`.

A saved model is data, never code. The file holds an ``architecture`` entry
(JSON text stored as bytes) and one array per parameter (``"0.weights"`` ...),
and it is read with ``allow_pickle=False``, so a file from a stranger cannot
run anything on your machine. Saving writes a temporary file beside the
target and renames it into place, which is atomic: an interrupted save leaves
the old file or the new one, never half of one.
"""
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Dense, Dropout
from .model import Sequential

FORMAT = "demystify-model/1"
LAYER_TYPES = {cls.__name__: cls for cls in (Dense, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)}


def save(model: Sequential, path) -> Path:
    """Write `model` to `path` (``.npz`` is added if missing); returns the path written."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    for layer in model.layers:
        if type(layer).__name__ not in LAYER_TYPES:
            raise TypeError(f"cannot save a {type(layer).__name__} layer; saving knows {', '.join(LAYER_TYPES)}")
    architecture = {"format": FORMAT, "dtype": model.dtype,
                    "layers": [{"type": type(layer).__name__, **layer.config()} for layer in model.layers]}
    arrays = {name: array for (name, _), array in zip(model.named_parameters(), model.get_weights())}
    arrays["architecture"] = np.frombuffer(json.dumps(architecture).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def load(path) -> Sequential:
    """Rebuild a model saved by `save`. Never unpickles; names the file in every error."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no saved model at {path}")
    try:
        if not zipfile.is_zipfile(path):  # else np.load would try any other file as a pickle
            raise ValueError("the file is truncated or not an .npz archive")
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        if "architecture" not in arrays:
            raise ValueError("it has no architecture entry, so it was not written by dm.save")
        architecture = json.loads(arrays.pop("architecture").tobytes().decode())
        if architecture.get("format") != FORMAT:
            raise ValueError(f"unknown format {architecture.get('format')!r}")
        layers = [LAYER_TYPES[spec.pop("type")](**spec) for spec in architecture["layers"]]
        model = Sequential(layers, dtype=architecture["dtype"])
        model.set_weights([arrays[name] for name, _ in model.named_parameters()])
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError, ValueError, UnicodeDecodeError) as error:
        if "pickle" in str(error):  # NumPy's words for an object array when pickles are off
            raise ValueError(f"refusing to load {path}: it contains pickled Python objects, "
                             f"which could run code; a demystify model never does") from None
        raise ValueError(f"{path} is not a readable demystify model: {type(error).__name__}: {error}") from None
    return model.eval()
