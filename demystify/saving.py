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

1. it is opened once, without waiting (a pipe swapped in never blocks), and
   what was opened must be a regular file (not a directory, a device, a pipe);
2. the architecture is read first (at most 1 MiB of JSON) and checked: known
   layer types, a floating-point dtype;
3. the archive must hold exactly the ``.npy`` entries those layers declare,
   all together no larger than the file itself (so nothing decompresses into
   gigabytes, and nothing big is built for nothing);
4. only then are the layers built and each array read: its header first
   (Python literals, never pickles), which must declare the shape and dtype
   the architecture does, then exactly that many bytes, which must be finite.

Saving writes a temporary file beside the target, reads it back with these
same checks, compares every weight bit for bit, and only then renames it into
place, which is atomic: an interrupted save leaves the old file or the new
one, and `save` never writes what `load` would refuse.
"""

import json
import math
import os
import secrets
import stat
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
    """Write `model` to `path` (``.npz`` is added if missing); returns the path written.

    Nothing is written that `load` would refuse or give back otherwise: the
    file is written under a temporary name beside the target, read back with
    `load`'s own checks and compared weight by weight, bit for bit; only then
    is it renamed into place.
    """
    if not hasattr(model, "layers"):  # a Sequential: its layers are what the file describes
        raise TypeError(f"save(model, path): model must be a demystify model, got {model!r:.60}")
    path = _with_suffix(path)
    specs = []
    for index, layer in enumerate(model.layers):
        first = next(i for i, other in enumerate(model.layers) if other is layer)
        specs.append({"same_as": first} if first < index else _spec(layer, index))
    architecture = json.dumps({"format": FORMAT, "dtype": model.dtype, "layers": specs})
    arrays = dict(zip([name for name, _ in model.named_parameters()], model.get_weights()))
    arrays["architecture"] = np.frombuffer(architecture.encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    # short, so that any name that fits fits; "x" makes a new file, with the usual permissions
    temporary = path.with_name(f".demystify-{secrets.token_hex(8)}.tmp")
    try:
        with open(temporary, "xb") as file:
            np.savez(file, **arrays)
        for name, array in zip(arrays, _read(temporary).get_weights()):
            if not (array.dtype == arrays[name].dtype and np.array_equal(array, arrays[name])):
                raise ValueError(f"its array {name} would come back changed")
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except ValueError as error:
        raise ValueError(f"save: not written, as dm.load would refuse {path}: {error}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _with_suffix(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (a str or a Path), got {path!r:.60}")
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _spec(layer, index: int) -> dict:
    """``{"type": class name, **config}``; the class must be the one `load` builds by that name."""
    kind = type(layer).__name__
    if LAYER_TYPES.get(kind) is not type(layer):  # dm.load would build another class, or none
        raise TypeError(f"cannot save layer {index} ({kind}): dm.load knows no such layer")
    return {"type": kind, **layer.config()}


def load(path) -> Sequential:
    """Rebuild a model saved by `save`. Never unpickles; names the file in every error."""
    saved_name = _with_suffix(path)  # the name `save` gives (and plain words if it is no name)
    path = Path(path) if Path(path).exists() else saved_name
    if not path.exists():
        raise FileNotFoundError(f"no saved model at {path}")
    try:
        return _read(path)
    except ValueError as error:
        raise ValueError(f"{path} is not a readable demystify model: {error}") from None


def _read(path: Path) -> Sequential:
    """The model in file `path`, or a ValueError saying what is wrong with the file."""
    try:
        # opened once, without blocking (a pipe swapped in would wait for a writer), then checked
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            os.close(descriptor)
            raise ValueError("it is not a regular file (a directory, a device or a pipe)")
        with open(descriptor, "rb") as file, zipfile.ZipFile(file) as archive:
            architecture = _read_architecture(archive)
            shapes = _check_sizes(archive, architecture, status.st_size)
            model = _build(architecture)
            dtype = np.dtype(architecture["dtype"])
            arrays = [_read_array(archive, name, dtype, shape) for name, shape in shapes.items()]
        model.set_weights(arrays)  # finite after the cast to the model's dtype, too
    except OSError as error:
        raise ValueError(f"it cannot be read ({error.strerror or error})") from None
    # zipfile's own refusals too: an unknown zip version or compression, encryption, bad deflate
    except (EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error):
        raise ValueError("it is truncated or not an intact .npz archive") from None
    except TypeError as error:  # a layer that refuses its config
        raise ValueError(str(error)) from None
    return model.eval()


def _read_architecture(archive) -> dict:
    """The architecture: short, readable JSON in our format, with known layer types."""
    if "architecture.npy" not in archive.namelist():
        raise ValueError("it has no architecture entry, so it was not written by dm.save")
    if archive.getinfo("architecture.npy").file_size > MAX_ARCHITECTURE_BYTES:
        raise ValueError("its architecture entry is far too long")
    text = _read_array(archive, "architecture", np.dtype(np.uint8)).tobytes()
    try:
        architecture = json.loads(text)  # UTF-8 bytes (json also reads UTF-16 and -32)
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
    found = sorted(archive.namelist())
    if found != sorted([*(f"{name}.npy" for name in shapes), "architecture.npy"]):
        found = ", ".join(found[:20]) + (" ..." if len(found) > 20 else "")
        raise ValueError(f"it holds {found}, not the arrays its layers declare {sorted(shapes)}")
    itemsize = np.dtype(architecture["dtype"]).itemsize
    declared = sum(math.prod(shape) for shape in shapes.values()) * itemsize
    if declared > file_size:  # e.g. a compressed member that expands into gigabytes
        raise ValueError(f"its layers declare {declared:,} bytes, more than the file")
    return shapes


def _build(architecture: dict) -> Sequential:
    layers = []
    for spec in architecture["layers"]:
        if "same_as" in spec:
            layers.append(layers[spec["same_as"]])
        else:
            layers.append(LAYER_TYPES[spec["type"]](**_config(spec)))
    return Sequential(layers, dtype=architecture["dtype"])


def _read_array(archive, name: str, dtype: np.dtype, shape: tuple | None = None) -> np.ndarray:
    """Entry `name`, once its header declares `dtype` and `shape` (None: any 1-D); finite.

    The header is Python literals (never code, never a pickle) and is read
    first; then exactly the bytes it declares, never more than the entry holds.
    """
    with archive.open(f"{name}.npy") as member:
        npy = np.lib.format  # the .npy layout: a magic string, a header, the data
        version = npy.read_magic(member)
        read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        found_shape, fortran_order, found_dtype = read_header(member)
        if found_shape != (shape or found_shape[:1]):
            raise ValueError(f"its entry {name} has shape {found_shape}, not {shape or '1-D'}")
        if found_dtype != dtype:  # an object array (a pickle) too: it is never unpickled
            raise ValueError(f"its entry {name} holds {found_dtype}, not {dtype}")
        data = member.read(math.prod(found_shape) * dtype.itemsize)
    if len(data) != math.prod(found_shape) * dtype.itemsize:
        raise ValueError(f"its entry {name} is cut short")
    array = np.frombuffer(data, dtype).reshape(found_shape, order="F" if fortran_order else "C")
    if dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"its entry {name} contains NaN or infinite values")
    return array
