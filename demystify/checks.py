"""Checks: bad input gets a plain answer where it enters, before any work is done.

A neural network fails late and obscurely: a learning rate of ``inf`` turns
every weight into NaN a thousand steps later, a column of strings surfaces as
a NumPy ``ufunc`` message from deep inside a matrix product. So every public
function looks at the numbers and arrays it is given *at once*, and says which
argument is wrong, what it was, and what is allowed::

    SGD: momentum must be a number in [0, 1), got 1.5

Ranges are written the way a mathematician would write them, and the same
text is both the rule and the message: ``"[0, 1)"`` includes 0 and excludes 1,
``"(0, inf)"`` is any positive finite number.
"""

import math
import numbers
import os

import numpy as np

from .backend import to_numpy


def number(name: str, value, interval: str, whole: bool = False, owner: str = ""):
    """`value` if it is a real number in `interval` (e.g. ``"[0, 1)"``), else a ValueError.

    ``whole=True`` asks for a whole number (``3`` or ``np.int64(3)``, not ``3.0``
    nor ``True``) and returns it as a Python int. `owner` names the function or
    class the argument belongs to, for the message.
    """
    low, high = (float(end) for end in interval[1:-1].split(","))
    kind = numbers.Integral if whole else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and not math.isnan(value)
    if ok:  # NaN compares False with everything: refused above
        above = value > low if interval[0] == "(" else value >= low
        below = value < high if interval[-1] == ")" else value <= high
        ok = above and below
    if not ok:
        prefix = f"{owner}: " if owner else ""
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{prefix}{name} must be {kind} in {interval}, got {value!r}")
    return int(value) if whole else value


def floating_dtype(dtype, owner: str = "") -> str:
    """The name of a floating-point dtype (``"float32"``), or a ValueError saying which are allowed.

    Weights must be real floating-point numbers: an integer dtype would round
    every update to nothing (all-zero weights), a complex one has no order.
    """
    name = getattr(dtype, "__name__", str(dtype))  # "float32", np.float32 or np.dtype("float32")
    if name not in ("float16", "float32", "float64"):
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}dtype must be float16, float32 or float64, got {dtype!r}")
    return name


def real_array(array, name: str, dtype: str | None = None, ndim: int | None = None) -> np.ndarray:
    """`array` as a host NumPy array of finite real numbers (bool counts as 0/1).

    Given `dtype`, its values must also fit that dtype (1e39 does not fit
    float32); given `ndim`, it must have that many axes.
    """
    array = np.asarray(to_numpy(array))
    if array.dtype.kind == "c":
        raise ValueError(f"{name} holds complex numbers; a network learns from real numbers only")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {array.dtype}")
    if ndim == 2 and array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (examples, features), not {array.shape}")
    if not array.size:
        return array
    # one pass over the data: the sum is finite unless a value is NaN or inf (or the sum overflows)
    if array.dtype.kind == "f" and not np.isfinite(array.sum()) and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values; clean or impute them first")
    limit = float(np.finfo(dtype or "float64").max)  # whole numbers too: 10**6 is inf in float16
    if max(float(array.max()), -float(array.min())) > limit:
        raise ValueError(f"{name} holds values beyond {limit:.3g}, too large for {dtype}; rescale")
    return array


def parameter_list(parameters, owner: str) -> list:
    """The parameters as a list, or plain words for the usual slips (a model, nothing at all)."""
    parameters = list(parameters) if hasattr(parameters, "__iter__") else [parameters]
    usable = all(hasattr(p, "value") and hasattr(p, "zero_grad") for p in parameters)
    if not (parameters and usable):
        raise ValueError(f"{owner} got no parameters to optimise; give it model.parameters()")
    return parameters


def affordable(n_bytes: float, what: str) -> None:
    """Plain words instead of NumPy's MemoryError: refuse `what` if it needs more than this machine.

    The bound is the machine's physical memory (where the system says it; else no bound).
    """
    if not hasattr(os, "sysconf"):  # the system does not say (Windows)
        return
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if n_bytes > total:
        need, have = n_bytes / 2**30, total / 2**30
        raise ValueError(f"{what} needs {need:,.1f} GiB, more than this machine's {have:.0f} GiB")
