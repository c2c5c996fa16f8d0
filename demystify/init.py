"""Initialisers: where a network's first weights come from.

If every weight started equal, every unit in a layer would compute the same
thing and receive the same gradient: they would never become different. So
weights start random, with a spread chosen to keep the size of the signal
roughly constant from layer to layer:

* Glorot (Xavier): variance ``2 / (n_in + n_out)``, for tanh and sigmoid;
* He (Kaiming):   variance ``2 / n_in``, for ReLU, which zeroes half its inputs.

Each is a normal distribution with that variance. Biases start at zero. Arrays are
drawn on the host from a NumPy generator, so one seed gives bit-identical
weights on every backend.
"""

from collections.abc import Callable

import numpy as np

Shape = tuple[int, ...]


def as_generator(seed) -> np.random.Generator:
    """A NumPy generator from a seed, a generator (used as is), or None (fresh entropy)."""
    try:
        return np.random.default_rng(seed)  # a Generator comes back as it is
    except (TypeError, ValueError):
        raise ValueError(f"seed must be a whole number >= 0 (or a list), got {seed!r}") from None


def zeros(shape: Shape, rng: np.random.Generator | None = None) -> np.ndarray:
    return np.zeros(shape)


# shown in notebooks/05_optimizers.ipynb
def glorot_normal(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / sum(shape)), size=shape)  # sum(shape) = n_in + n_out


# shown in notebooks/05_optimizers.ipynb
def he_normal(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / shape[0]), size=shape)


INITIALIZERS = {f.__name__: f for f in [zeros, glorot_normal, he_normal]}


def get(name: str) -> Callable[[Shape, np.random.Generator], np.ndarray]:
    """Look an initialiser up by name, with a helpful error for a typo."""
    if not isinstance(name, str) or name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name]
