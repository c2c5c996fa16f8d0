"""Bad settings of the parts, tried as a careless user and as an attacker: each gets a plain answer.

One row per case: the call, the exception it must raise, and words its message
must contain; every message must also come from demystify, not from NumPy's or
Python's insides (`helpers.INTERNALS`). Optimizers, schedules, layers, losses and
models are here; what `fit`, `evaluate` and the data sets refuse is in
``test_bad_training_input.py``, and what a failure must not lose in ``test_nothing_lost.py``.
"""

import math

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer
from helpers import tiny_net as net

import demystify as dm
from demystify import evolve


def params():
    return net().parameters()


CASES = {
    # --- optimizer settings -----------------------------------------------------------------
    "lr=inf": (
        lambda: dm.SGD(params(), lr=math.inf),
        ValueError,
        "lr must be a number in (0, inf)",
    ),
    "lr=0": (lambda: dm.Adam(params(), lr=0), ValueError, "Adam: lr must be"),
    "lr=-1": (lambda: dm.RMSprop(params(), lr=-1), ValueError, "got -1"),
    "lr=nan": (lambda: dm.SGD(params(), lr=math.nan), ValueError, "got nan"),
    "lr='fast'": (lambda: dm.SGD(params(), lr="fast"), ValueError, "got 'fast'"),
    "momentum=1.5": (
        lambda: dm.SGD(params(), momentum=1.5),
        ValueError,
        "momentum must be a number in [0, 1)",
    ),
    "momentum=-1": (lambda: dm.SGD(params(), momentum=-1), ValueError, "got -1"),
    "momentum=1": (lambda: dm.SGD(params(), momentum=1.0), ValueError, "momentum"),
    "betas=(1,.9)": (lambda: dm.Adam(params(), betas=(1.0, 0.9)), ValueError, "betas[0] must be"),
    "betas=(.9,2)": (lambda: dm.Adam(params(), betas=(0.9, 2)), ValueError, "betas[1] must be"),
    "betas=.9": (lambda: dm.Adam(params(), betas=0.9), ValueError, "betas must be a pair"),
    "eps=0": (lambda: dm.Adam(params(), eps=0), ValueError, "eps must be a number in (0, inf)"),
    "rmsprop eps=-1": (lambda: dm.RMSprop(params(), eps=-1e-8), ValueError, "eps"),
    "rho=1": (lambda: dm.RMSprop(params(), rho=1), ValueError, "rho must be a number in [0, 1)"),
    "weight_decay=-1": (
        lambda: dm.SGD(params(), weight_decay=-1),
        ValueError,
        "weight_decay must be",
    ),
    "clip_norm=-1": (
        lambda: dm.SGD(params(), clip_norm=-1),
        ValueError,
        "clip_norm must be a number in (0, inf)",
    ),
    "clip_norm=0": (lambda: dm.SGD(params(), clip_norm=0), ValueError, "clip_norm"),
    "adamw decay=nan": (
        lambda: dm.AdamW(params(), weight_decay=math.nan),
        ValueError,
        "weight_decay",
    ),
    "schedule=3": (lambda: dm.SGD(params(), schedule=3), ValueError, "schedule must be a function"),
    "no parameters": (lambda: dm.SGD([]), ValueError, "no parameters"),
    "a model, not parameters": (lambda: dm.SGD(net()), ValueError, "model.parameters()"),
    # --- schedules ---------------------------------------------------------------------------
    "StepDecay(0)": (
        lambda: dm.StepDecay(0),
        ValueError,
        "every must be a whole number in [1, inf)",
    ),
    "StepDecay(2.5)": (lambda: dm.StepDecay(2.5), ValueError, "got 2.5"),
    "StepDecay factor 0": (lambda: dm.StepDecay(10, factor=0), ValueError, "factor"),
    "CosineDecay(0)": (lambda: dm.CosineDecay(0), ValueError, "total must be a whole number"),
    "CosineDecay floor 2": (lambda: dm.CosineDecay(10, floor=2), ValueError, "floor"),
    # --- layers, losses, models -----------------------------------------------------------
    "Dense(0, 3)": (lambda: dm.Dense(0, 3), ValueError, "n_in must be a whole number in [1, inf)"),
    "Dense(4, 2.0)": (lambda: dm.Dense(4, 2.0), ValueError, "n_out must be a whole number"),
    "Dense(True, 3)": (lambda: dm.Dense(True, 3), ValueError, "n_in"),
    "Dense init typo": (lambda: dm.Dense(4, 3, init="he"), ValueError, "unknown initializer 'he'"),
    "Dense dtype int32": (
        lambda: dm.Dense(4, 3, dtype="int32"),
        ValueError,
        "dtype must be float16, float32 or float64",
    ),
    "Dense dtype banana": (lambda: dm.Dense(4, 3, dtype="banana"), ValueError, "got 'banana'"),
    "Sequential dtype complex": (lambda: net(dtype="complex64"), ValueError, "dtype must be"),
    "Sequential of a string": (lambda: dm.Sequential(["relu"]), TypeError, "not a demystify layer"),
    "Dropout(1)": (lambda: dm.Dropout(1.0), ValueError, "p must be a number in [0, 1)"),
    "LeakyReLU(-1)": (lambda: dm.LeakyReLU(-1), ValueError, "slope"),
    "Huber(0)": (lambda: dm.Huber(0), ValueError, "delta must be a number in (0, inf)"),
    "seed='x'": (
        lambda: dm.Sequential([dm.Dense(4, 3)], seed="x"),
        ValueError,
        "seed must be a whole number",
    ),
    "seed=-1": (lambda: dm.Dense(4, 3, seed=-1), ValueError, "seed"),
    "predict wrong width": (
        lambda: net().predict(np.zeros((2, 5))),
        ValueError,
        "expected input with 4 features, got (2, 5)",
    ),
    "predict 1-D": (lambda: net().predict(np.zeros(4)), ValueError, "X must be a 2-D array"),
    "predict NaN": (lambda: net().predict(np.full((2, 4), np.nan)), ValueError, "NaN or infinite"),
    "predict strings": (
        lambda: net().predict(np.array([["a"] * 4])),
        ValueError,
        "must hold numbers",
    ),
    "predict complex": (lambda: net().predict(np.ones((2, 4)) * 1j), ValueError, "complex"),
    "predict 1e39": (
        lambda: net().predict(np.full((2, 4), 1e39)),
        ValueError,
        "too large for float32",
    ),
    "predict batch_size 0": (
        lambda: net().predict(X4, batch_size=0),
        ValueError,
        "batch_size must be a whole number",
    ),
    "set_weights count": (
        lambda: net().set_weights([np.zeros((4, 8))]),
        ValueError,
        "expected 4 arrays, got 1",
    ),
    "set_weights shape": (
        lambda: net().set_weights([np.zeros((8, 4))] + net().get_weights()[1:]),
        ValueError,
        "0.weights has shape (4, 8)",
    ),
    "set_weights NaN": (
        lambda: net().set_weights([np.full((4, 8), np.nan)] + net().get_weights()[1:]),
        ValueError,
        "NaN",
    ),
    "set_weights 1e300 into float32": (  # finite as float64, infinite once cast (issue #25)
        lambda: net().set_weights([np.full((4, 8), 1e300)] + net().get_weights()[1:]),
        ValueError,
        "set_weights: an array holds values beyond 3.4e+38, too large for float32",
    ),
    "vector_to_parameters 1e300": (
        lambda: evolve.vector_to_parameters(net(), np.full(67, 1e300)),
        ValueError,
        "too large for float32",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


def test_numpy_integers_are_whole_numbers():
    y = np.array([0, 1, 2])
    layer = dm.Dense(np.int64(4), y.max() + 1)
    assert (layer.n_in, layer.n_out) == (4, 3) and type(layer.n_out) is int
    model = net()  # (once trained with another model's optimizer: nothing moved, nothing said)
    dm.fit(
        model, dm.SoftmaxCrossEntropy(), dm.SGD(model.parameters()), X4, Y3, np.int32(1), verbose=0
    )
    assert dm.StepDecay(np.int16(3)).every == 3
