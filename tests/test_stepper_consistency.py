"""The backprop stepper's consistency: every number it shows follows from the numbers beside it.

For every stage of steppers on softmax cross-entropy, binary cross-entropy and the
mean squared error, each with ReLU, Tanh and Sigmoid hidden layers: each result is
recomputed here, with NumPy, from the operands shown *in the same stage* (read from
the stage's equation, as a person reads it); a name means the same matrix in every
stage; and every written-out sum is parsed from its printed text and recomputed from
its printed numbers, with interval arithmetic that allows exactly the rounding to 3
digits.
"""

import math
import re

import numpy as np
import pytest
from helpers import pyplot_on_agg, xor_rows, xor_stepper

pyplot_on_agg()  # skips this file without matplotlib

import demystify as dm  # noqa: E402
from demystify.viz.stepper import BackpropStepper  # noqa: E402


@pytest.fixture
def stepper():
    return xor_stepper()


# --- the consistency check: each shown result from the operands shown beside it ------------------

ACTIVATIONS = {  # name in the formulas -> (f, f') written here with NumPy, independently
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "tanh": (np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    "σ": (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "softmax": (lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), None),
}


def consistency_case(loss_name: str, activation, hidden=(3,), seed=0):
    """A stepper on 4 rows of XOR (classes, or 0/1 targets) or of a small regression."""
    X, labels = xor_rows()
    loss, y, outputs = {
        "softmax": (dm.SoftmaxCrossEntropy(), labels, 2),
        "binary": (dm.BinaryCrossEntropy(), labels.astype(float), 1),
        "mse": (dm.MeanSquaredError(), X[:, 0] - 0.5 * X[:, 1], 1),
    }[loss_name]
    sizes, layers = [2, *hidden, outputs], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [dm.Dense(n_in, n_out), activation()]
    model = dm.Sequential(layers[:-1], seed=seed)
    return BackpropStepper(model, loss, X, y, lr=0.5), model, loss, X, y


def register(seen: dict, name: str, array: np.ndarray, where: str) -> None:
    """A name means one matrix: the first time it is seen, and every time after."""
    if name.endswith("ᵀ"):
        name, array = name[:-1], array.T
    if name in seen:
        np.testing.assert_array_equal(array, seen[name], err_msg=f"{name} changed at {where}")
    seen[name] = array


def recompute(stage, seen: dict, n: int) -> np.ndarray:
    """The stage's result, computed here from the operands it shows (its layout as an equation)."""
    a, lay = stage.arrays, stage.layout
    ops = [piece for piece in lay if piece not in a]
    if ops == ["@", "+", "="]:
        return a[lay[0]] @ a[lay[2]] + a[lay[4]]
    if ops == ["@", "="]:
        return a[lay[0]] @ a[lay[2]]
    if len(lay) == 5 and lay[0].endswith("(") and lay[2] == ")":  # relu(Z1) = A1, softmax(Z2) = P
        return ACTIVATIONS[lay[0][:-1]][0](a[lay[1]])
    if ops == ["⊙", "="]:
        slope = re.fullmatch(r"(\w+)′\((\w+)\)", lay[2])
        expected = ACTIVATIONS[slope[1]][1](seen[slope[2]])
        np.testing.assert_allclose(a[lay[2]], expected, rtol=1e-12, atol=1e-15)
        return a[lay[0]] * a[lay[2]]
    if ops == ["Σ rows of", "="]:
        return a[lay[1]].sum(axis=0, keepdims=True)
    if lay[:2] == ["−mean of log", "P"]:
        return np.array([[-np.sum(a["Y"] * np.log(a["P"])) / n]])
    if lay[:4] == ["−mean of", "Y", "log", "P"]:
        P, Y = a["P"], a["Y"]
        return np.array([[-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))]])
    if lay[0] == "mean of (":
        return np.array([[np.mean((a[lay[1]] - a["Y"]) ** 2)]])
    if lay[0] in ("(", "2 (") and lay[4].startswith(") / "):
        times, size = (2.0 if lay[0] == "2 (" else 1.0), int(lay[4][4:])
        expected_size = n if len(a["Y"][0]) > 1 else a["Y"].size  # rows for softmax, else entries
        assert size == expected_size, f"{stage.name}: divides by {size}, not {expected_size}"
        return times * (a[lay[1]] - a["Y"]) / size
    if len(ops) == 2 and ops[0].startswith("− ") and ops[0].endswith(" ×"):
        return a[lay[0]] - float(ops[0][2:-2]) * a[lay[2]]
    raise AssertionError(f"no rule here to recompute {stage.name!r} ({lay})")


class Interval:
    """A number known to lie in [lo, hi]: what a printed 3-digit number says about its value."""

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    @classmethod
    def printed(cls, text: str) -> "Interval":
        value = float(text)
        half = 0.0 if value == 0 else 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 2)
        return cls(value - half, value + half)

    def __add__(self, other):
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other):
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self):
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other):
        ends = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(ends), max(ends))

    def __truediv__(self, other):
        assert other.lo > 0 or other.hi < 0, "a division by a number that may be 0"
        return self * Interval(1 / other.hi, 1 / other.lo)

    def sq(self):
        low = 0.0 if self.lo <= 0 <= self.hi else min(self.lo**2, self.hi**2)
        return Interval(low, max(self.lo**2, self.hi**2))

    def meets(self, other, slack: float = 1e-12) -> bool:
        return self.lo - slack <= other.hi and other.lo <= self.hi + slack


def rising(f):
    return lambda x: Interval(f(x.lo), f(x.hi))


FUNCTIONS = {
    "EXP": rising(math.exp),
    "LOG": rising(lambda v: math.log(v) if v > 0 else -math.inf),
    "RELU": rising(lambda v: max(v, 0.0)),
    "TANH": rising(math.tanh),
    "SIG": rising(lambda v: 1 / (1 + math.exp(-v))),
}
WORDS = {"−": "-", "·": "*", "²": ".sq()", "exp(": "EXP(", "log(": "LOG(", "relu(": "RELU("}
WORDS |= {"tanh(": "TANH(", "σ(": "SIG("}


def printed_sum_holds(text: str) -> bool:
    """Does ``... = values = result`` (an entry written out) compute to its printed result?"""
    values, result = text.split("\n")[1].strip().removeprefix("= ").rsplit(" = ", 1)
    assert "…" not in values, f"a shortened sum cannot be checked: {text}"
    for word, python in WORDS.items():
        values = values.replace(word, python)
    values = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?(?:e[+-]?\d+)?)", r'Interval.printed("\1")', values)
    value = eval(values, {"Interval": Interval, **FUNCTIONS})  # our own text, rewritten above
    return value.meets(Interval.printed(result))


def test_the_checker_catches_the_numbers_the_old_stepper_showed():
    """Issue 22's examples (P from after the update beside Z2 from before) fail the check."""
    assert not printed_sum_holds("dZ2[0,0] = (P[0,0] − Y[0,0]) / 4\n = (0.431 − 1) / 4 = -0.153")
    assert printed_sum_holds("dZ2[0,0] = (P[0,0] − Y[0,0]) / 4\n = (0.387 − 1) / 4 = -0.153")
    softmax = "P[0,0] = ...\n = exp(-0.253) / (exp(-0.253) + exp(0.205)) = {}"
    assert printed_sum_holds(softmax.format("0.387")) and not printed_sum_holds(
        softmax.format("0.431")
    )
    logs = "L = ...\n  = −(log(0.431) + log(0.47) + log(0.5) + log(0.575)) / 4 = 0.738"
    assert not printed_sum_holds(logs)
    assert printed_sum_holds("x = ...\n = 0.223·(-0.153) + 0·0.132 = -0.0341")


def check_every_stage(stepper_, n: int) -> tuple[dict, list[str]]:
    """Each stage but the last: its result from its operands, its names, its written-out sums.

    Returns the matrices seen by name and the phases checked.
    """
    seen, checked = {}, []
    for stage in stepper_.stages[:-1]:
        *operands, result = stage.arrays
        for name in operands:
            register(seen, name, stage.arrays[name], stage.name)
        np.testing.assert_allclose(
            stage.arrays[result], recompute(stage, seen, n), rtol=1e-12, atol=1e-15
        )
        if stage.phase != "update":  # "W1 new" is new; every other result keeps its name
            register(seen, result, stage.arrays[result], stage.name)
        for i, j in np.ndindex(stage.arrays[result].shape):
            text = stage.written_out(i, j)
            assert printed_sum_holds(text), f"{stage.name}: {text}"
        checked.append(stage.phase)
    return seen, checked


@pytest.mark.parametrize("activation", [dm.ReLU, dm.Tanh, dm.Sigmoid], ids=lambda a: a.__name__)
@pytest.mark.parametrize("loss_name", ["softmax", "binary", "mse"])
def test_every_shown_number_follows_from_the_numbers_beside_it(loss_name, activation):
    stepper_, model, loss, X, y = consistency_case(loss_name, activation)
    seen, checked = check_every_stage(stepper_, len(X))
    assert checked.count("loss") == (1 if loss_name == "mse" else 2)  # P is Z for the MSE
    assert checked.count("backward") == 7 and checked.count("update") == 4
    # "L again": the last stage's numbers from the new weights the update stages showed
    final, updates = stepper_.stages[-1], [s for s in stepper_.stages if s.phase == "update"]
    new = [s.arrays[s.result].reshape(p.shape) for s, p in zip(updates, model.parameters())]
    check = dm.Sequential(
        [type(layer)(**layer.config()) for layer in model.layers], dtype="float64"
    )
    check.set_weights(new)
    assert final.arrays["L after"][0, 0] == pytest.approx(loss(check.outputs(X), y), rel=1e-12)
    assert final.arrays["L before"][0, 0] == seen["L"][0, 0]


def test_two_hidden_layers_are_consistent_too():
    stepper_, *_ = consistency_case("softmax", dm.Tanh, hidden=(3, 3), seed=3)
    names = [stage.name for stage in stepper_.stages]
    assert "dA2 = dZ3 @ W3ᵀ" in names and "dZ2 = dA2 ⊙ tanh′(Z2)" in names
    _, checked = check_every_stage(stepper_, 4)
    assert len(checked) == len(stepper_.stages) - 1 == 24
