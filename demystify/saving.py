"""Saving and loading a model: architecture as JSON, weights as arrays, in one `.npz`.

A saved model is data, never code. The file is a zip archive of ``.npy``
arrays: an ``architecture`` entry (JSON text stored as bytes) and one array
per parameter (``"0.weights"`` ...). Each layer is written as its class name
and its `config()`, and rebuilt from the layer classes registered in
``dm.layers.LAYER_TYPES``: every layer class that defines ``config()`` (an
activation: its ``function``), ours, and yours once defined; a layer used twice is written
once and shared again after loading.

A file from a stranger is read with suspicion, in this order, and refused in
plain words naming the file at the first problem:

1. only a regular file is opened (not a directory, a device, a pipe);
2. the architecture is read first (at most 1 MiB of JSON) and checked: known
   layer types, a floating-point dtype;
3. the archive must hold exactly the arrays those layers declare, each of the
   size its shape needs, all together no larger than the file itself (so
   nothing decompresses into gigabytes, and nothing big is built for nothing);
4. only then are the layers built and the arrays read, with pickles off, and
   checked: the declared shapes, floating-point, finite.

Saving writes a temporary file beside the target and renames it into place,
which is atomic: an interrupted save leaves the old file or the new one.
"""

import json
import math
import os
import secrets
import zipfile
import zlib
from pathlib import Path

import numpy as np

from . import checks
from .layers import LAYER_TYPES
from .model import Sequential

FORMAT = "demystify-model/1"
MAX_ARCHITECTURE_BYTES = 1 << 20


def save(model: Sequential, path) -> Path:
    """Write `model` to `path` (``.npz`` is added if missing); returns the path written."""
    path = _with_suffix(path)
    specs = []
    for index, layer in enumerate(model.layers):
        first = next(i for i, other in enumerate(model.layers) if other is layer)
        specs.append({"same_as": first} if first < index else _spec(layer, index))
    architecture = json.dumps({"format": FORMAT, "dtype": model.dtype, "layers": specs})
    arrays = dict(zip([name for name, _ in model.named_parameters()], model.get_weights()))
    arrays["architecture"] = np.frombuffer(architecture.encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    # "x" makes a new file, so it gets the permissions (umask) that any new file gets
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _with_suffix(path) -> Path:
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _spec(layer, index: int) -> dict:
    """``{"type": class name, **config}``, once sure that `load` can rebuild the layer from it."""
    kind = type(layer).__name__
    try:
        json.dumps(layer.config())
        type(layer).parameter_shapes(layer.config())  # builds it again from its config, if need be
    except (TypeError, ValueError) as error:
        raise TypeError(f"cannot save layer {index} ({kind}) from its config(): {error}") from None
    if LAYER_TYPES.get(kind) is not type(layer):  # dm.load would build another class, or none
        raise TypeError(f"cannot save layer {index} ({kind}): dm.load knows no such layer")
    return {"type": kind, **layer.config()}


def load(path) -> Sequential:
    """Rebuild a model saved by `save`. Never unpickles; names the file in every error."""
    path = Path(path)
    if not path.exists() and path.suffix != ".npz":
        path = _with_suffix(path)  # the name `save` gave it
    if not path.exists():
        raise FileNotFoundError(f"no saved model at {path}")
    if not path.is_file():
        raise ValueError(f"refusing to load {path}: it is not a regular file")
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError("it is truncated or not an .npz archive")
        with np.load(path, allow_pickle=False) as archive:  # pickles off: data, never code
            architecture = _read_architecture(archive)
            shapes = _check_sizes(archive, architecture, path.stat().st_size)
            model = _build(architecture)
            arrays = [_checked(archive[name], name, shape) for name, shape in shapes.items()]
        model.set_weights(arrays)  # finite after the cast to the model's dtype, too
    # zipfile's own refusals too: an unknown zip version or compression, encryption, bad deflate
    except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error):
        raise ValueError(f"{path} is not a readable demystify model: not an intact .npz") from None
    except (ValueError, TypeError) as error:
        if "pickle" in str(error):  # NumPy's words for an object array, with pickles off
            raise ValueError(f"refusing to load {path}: it holds pickled Python objects") from None
        raise ValueError(f"{path} is not a readable demystify model: {error}") from None
    return model.eval()


def _read_architecture(archive) -> dict:
    """The architecture: short, readable JSON in our format, with known layer types."""
    if "architecture" not in archive.files:
        raise ValueError("it has no architecture entry, so it was not written by dm.save")
    if archive.zip.getinfo("architecture.npy").file_size > MAX_ARCHITECTURE_BYTES:
        raise ValueError("its architecture entry is far too long")
    try:
        architecture = json.loads(archive["architecture"].tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("its architecture is not readable JSON") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FORMAT:
        raise ValueError(f"its architecture is in an unknown format (not {FORMAT})")
    architecture["dtype"] = checks.floating_dtype(architecture.get("dtype"), owner="architecture")
    specs = architecture.get("layers")
    for index, spec in enumerate(specs if isinstance(specs, list) else [None]):
        if not (isinstance(spec, dict) and ("type" in spec or spec.get("same_as") in range(index))):
            raise ValueError(f"layer {index} of its architecture is malformed")
        if "type" in spec and spec["type"] not in LAYER_TYPES:
            known = ", ".join(LAYER_TYPES)
            raise ValueError(f"layer {index}: unknown type {spec['type']!r:.40}; known: {known}")
    return architecture


def _config(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key != "type"}


def _check_sizes(archive, architecture: dict, file_size: int) -> dict:
    """The declared arrays (name -> shape), once sure the archive holds exactly those, sized so."""
    shapes = {}
    for index, spec in enumerate(architecture["layers"]):
        if "same_as" not in spec:  # a shared layer's arrays are its first appearance's
            for name, shape in LAYER_TYPES[spec["type"]].parameter_shapes(_config(spec)).items():
                shapes[f"{index}.{name}"] = tuple(shape)
    found = sorted(name for name in archive.files if name != "architecture")
    if found != sorted(shapes):
        raise ValueError(f"its arrays {found} are not the ones its layers declare {sorted(shapes)}")
    itemsize = np.dtype(architecture["dtype"]).itemsize
    sizes = {name: math.prod(shape) * itemsize for name, shape in shapes.items()}
    if sum(sizes.values()) > file_size:  # e.g. a compressed member that expands into gigabytes
        raise ValueError(f"its layers declare {sum(sizes.values()):,} bytes, more than the file")
    for name, size in sizes.items():
        if not size <= archive.zip.getinfo(f"{name}.npy").file_size <= size + 4096:  # + a header
            raise ValueError(f"its array {name} is not the size of shape {shapes[name]}")
    return shapes


def _build(architecture: dict) -> Sequential:
    layers = []
    for spec in architecture["layers"]:
        if "same_as" in spec:
            layers.append(layers[spec["same_as"]])
        else:
            layers.append(LAYER_TYPES[spec["type"]](**_config(spec)))
    return Sequential(layers, dtype=architecture["dtype"])


def _checked(array: np.ndarray, name: str, shape: tuple) -> np.ndarray:
    """An array read from the file, if it is what the architecture declares, and finite."""
    if array.dtype.kind != "f" or array.shape != shape:
        raise ValueError(f"its array {name} is {array.dtype} of shape {array.shape}, not {shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"its array {name} contains NaN or infinite values")
    return array
