"""The backend: the one door through which demystify reaches an array library.

A neural network is a sequence of matrix products and element-wise functions.
Which library does the arithmetic -- NumPy on the CPU, CuPy on an NVIDIA GPU,
PyTorch, or the bare Python array API standard -- does not change the maths.
So every layer, loss and optimizer asks the array it is given for its
*namespace* of array functions (``xp = array_namespace(x)``) and uses only
functions from the array API standard (``xp.matmul``, ``xp.maximum``,
``xp.sum(x, axis=0)``): an array carries its library with it, and a model on
the GPU computes on the GPU whatever else is going on.

Choosing where new parameters are made is one line, the only global setting
in the package::

    dm.use("cupy")            # from now on
    with dm.use("torch"):     # or just for a block
        ...

and ``model.to("torch")`` moves an existing model there (changing no global).
Parameters are always created on the host with NumPy's seeded generator and
then moved with ``asarray``, so a seed gives the same network on every backend.
"""

import importlib
from typing import Any, TypeAlias

import numpy as np

# An array of the active backend: a numpy.ndarray, a cupy.ndarray, a torch.Tensor, ...
Array: TypeAlias = Any

# name -> (module that provides an array-API namespace, what to install for it)
BACKENDS = {
    "numpy": ("numpy", None),
    "cupy": ("array_api_compat.cupy", '"demystify[gpu-cuda12]" (or gpu-cuda13: see nvidia-smi)'),
    "torch": ("array_api_compat.torch", '"demystify[torch]"'),
    "array_api_strict": ("array_api_strict", '"demystify[dev]"'),
}

_active = {"name": "numpy", "xp": np}


def _load(name: str, quiet: bool = False):
    """Import the namespace for backend `name`, or say plainly what to install (None if `quiet`)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    module, install = BACKENDS[name]
    try:
        if name == "cupy" and not importlib.import_module("cupy").cuda.is_available():
            raise ImportError("CuPy is installed but no CUDA GPU is visible")
        return importlib.import_module(module)
    except ImportError as error:
        if quiet:
            return None
        raise ImportError(f"no {name!r} backend ({error}); pip install {install}") from None


# shown in notebooks/08_swap_numpy_for_a_gpu.ipynb
class use:
    """Choose the array library: ``dm.use("cupy")``, or ``with dm.use("cupy"): ...``."""

    def __init__(self, name: str):
        self.previous = _active["name"]
        _active["xp"] = _load(name)
        _active["name"] = name

    def __enter__(self):
        return _active["xp"]

    def __exit__(self, *exc_info) -> None:
        use(self.previous)


# shown in notebooks/08_swap_numpy_for_a_gpu.ipynb
def namespace(name: str | None = None):
    """The array-API namespace of backend `name`, or of the active one (``numpy`` by default)."""
    return _active["xp"] if name is None else _load(name)


def array_namespace(x: Array):
    """The array-API namespace of the library that array `x` belongs to."""
    if isinstance(x, np.ndarray):
        return np
    return importlib.import_module("array_api_compat").array_namespace(x)  # CuPy, PyTorch, ...


def backend_name() -> str:
    """The name of the active backend, e.g. ``"numpy"``."""
    return _active["name"]


def available_backends() -> list[str]:
    """The backends that can be used on this machine, NumPy first."""
    return [name for name in BACKENDS if _load(name, quiet=True) is not None]


def asarray(x, dtype: str | None = None, xp=None) -> Array:
    """Move an array or number onto namespace `xp`, or the active backend (as `dtype`, if given)."""
    xp = xp or namespace()
    if dtype is not None:  # a name such as "float32" is looked up directly: np.dtype() is slow
        dtype = getattr(xp, dtype if isinstance(dtype, str) else np.dtype(dtype).name)
    try:
        return xp.asarray(x, dtype=dtype)
    except (TypeError, ValueError, RuntimeError):  # an array of another backend
        return xp.asarray(to_numpy(x), dtype=dtype)


def to_numpy(x) -> np.ndarray:
    """Bring an array from any backend to the host as a NumPy array: the one door for array-likes.

    An array is recognised by the library it comes from, never by a method it
    happens to have (a pandas DataFrame has a ``.get`` too): CuPy copies device
    memory to the host, PyTorch leaves its device and graph, array_api_strict
    hands its buffer over by DLPack; everything else -- NumPy arrays, lists,
    numbers, pandas and polars objects, anything with ``__array__`` -- goes
    through ``np.asarray``.
    """
    library = type(x).__module__.partition(".")[0]
    if library == "cupy":
        return x.get()
    if library == "torch":
        return x.detach().cpu().numpy()
    if library == "array_api_strict":
        return np.from_dlpack(x)
    return np.asarray(x)


def dtype_name(x: Array) -> str:
    """The element type of any backend's array as a plain name, e.g. ``"float32"``."""
    return str(x.dtype).rsplit(".", 1)[-1]
