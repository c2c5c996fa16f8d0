"""Hypothesis strategies shared by the tests: the arrays a layer or a loss is checked on.

Gradient tests compare backward with central differences in float64, so the values
are finite, moderate, and (where a function has a kink at 0) kept away from 0.
"""

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# few examples, no deadline: each example runs a whole gradient check
FEW = settings(max_examples=25, deadline=None)


def floats(bound: float) -> st.SearchStrategy:
    """Finite float64 numbers in [-bound, bound]."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def matrices(draw, bound=3.0, rows=(1, 6), columns=(1, 5), gap=0.0):
    """A (rows, columns) float64 matrix of values in [-bound, bound] pushed `gap` away from 0.

    ``gap=0.01`` keeps ReLU and LeakyReLU away from their kink (central differences
    that straddle 0 are meaningless there) and a weight gradient ``x.T @ g`` above
    the central differences' own noise (about 1e-10; hypothesis loves 1e-16).
    """
    shape = (draw(st.integers(*rows)), draw(st.integers(*columns)))
    x = draw(hnp.arrays(np.float64, shape, elements=floats(bound)))
    return np.where(x >= 0, x + gap, x - gap) if gap else x
