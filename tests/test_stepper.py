"""The backprop stepper: every number it shows is right, and agrees with the numbers beside it.

Three kinds of check:

* **consistency**, for every stage of steppers on softmax cross-entropy, binary
  cross-entropy and the mean squared error, each with ReLU, Tanh and Sigmoid
  hidden layers: each result is recomputed here, with NumPy, from the operands
  shown *in the same stage* (read from the stage's equation, as a person reads
  it); a name means the same matrix in every stage; and every written-out sum
  is parsed from its printed text and recomputed from its printed numbers,
  with interval arithmetic that allows exactly the rounding to 3 digits;
* **the library's own numbers**: the tables against a separate forward/backward
  of the same network, central differences and the SGD rule;
* **the views**: the picture labels the arrows with the numbers the stage uses
  (a gradient at a gradient stage), labels do not overlap, one colour scale per
  stage, and the widgets (buttons, Play, keys) walk the stages, headless.
"""

import math
import re
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the viz extra (matplotlib) is not installed")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.mathtext import MathTextParser  # noqa: E402

import demystify as dm  # noqa: E402
from demystify.viz import notebook  # noqa: E402
from demystify.viz.stepper import BackpropStepper, number  # noqa: E402
from demystify.viz.stepper.tables import rgb  # noqa: E402

central_differences = sys.modules["demystify.gradcheck"]._central_differences  # gradcheck's own

EXPECTED = [
    ("forward", "Z1 = X @ W1 + b1"),
    ("forward", "A1 = relu(Z1)"),
    ("forward", "Z2 = A1 @ W2 + b2"),
    ("loss", "P = softmax(Z2)"),
    ("loss", "L = −mean of log P[i, yᵢ]"),
    ("backward", "dZ2 = (P − Y) / 4"),
    ("backward", "dW2 = A1ᵀ @ dZ2"),
    ("backward", "db2 = Σ rows of dZ2"),
    ("backward", "dA1 = dZ2 @ W2ᵀ"),
    ("backward", "dZ1 = dA1 ⊙ relu′(Z1)"),
    ("backward", "dW1 = Xᵀ @ dZ1"),
    ("backward", "db1 = Σ rows of dZ1"),
    ("update", "W1 ← W1 − 0.5·dW1"),
    ("update", "b1 ← b1 − 0.5·db1"),
    ("update", "W2 ← W2 − 0.5·dW2"),
    ("update", "b2 ← b2 − 0.5·db2"),
    ("update", "L again, with the new weights"),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def two_three_two(activation=dm.ReLU, seed=0):
    return dm.Sequential([dm.Dense(2, 3), activation(), dm.Dense(3, 2)], seed=seed)


def xor_rows():
    return dm.datasets.xor(n=4, seed=0)


@pytest.fixture
def stepper():
    X, y = xor_rows()
    return BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), X, y, lr=0.5)


def by_name(stepper):
    return {stage.name: stage for stage in stepper.stages}


def fresh_float64(stepper, layers):
    """The same network, built again in float64 from the stepper's starting weights."""
    model = dm.Sequential(layers, dtype="float64")
    model.set_weights(stepper.start_weights)
    return model


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


# --- the stages and their numbers --------------------------------------------------------------


def test_the_stages_walk_forward_loss_backward_then_update(stepper):
    assert [(stage.phase, stage.name) for stage in stepper.stages] == EXPECTED
    stage = stepper.stages[6]
    assert list(stage.arrays) == ["A1ᵀ", "dZ2", "dW2"] and stage.result == "dW2"
    assert stage.arrays["dW2"].shape == (3, 2) and stage.layout == ["A1ᵀ", "@", "dZ2", "=", "dW2"]
    assert "(3, 4) @ (4, 2) → (3, 2)" in stage.shapes
    assert stage.formula == "dW_{2} = A_{1}^\\top\\,dZ_{2}"


def test_forward_tables_are_the_layers_outputs(stepper):
    stages, model = (
        by_name(stepper),
        fresh_float64(stepper, [dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)]),
    )
    X, y = xor_rows()
    first = stages["Z1 = X @ W1 + b1"].arrays
    np.testing.assert_array_equal(first["X"], X.astype(np.float64))
    W1, b1, W2, b2 = stepper.start_weights
    np.testing.assert_allclose(first["Z1"], X @ W1 + b1, rtol=1e-12)
    np.testing.assert_array_equal(first["W1"], W1)
    np.testing.assert_array_equal(stages["A1 = relu(Z1)"].arrays["A1"], np.maximum(first["Z1"], 0))
    Z2 = stages["Z2 = A1 @ W2 + b2"].arrays["Z2"]
    np.testing.assert_array_equal(Z2, model.predict(X))
    P = stages["P = softmax(Z2)"].arrays["P"]
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    loss = stages["L = −mean of log P[i, yᵢ]"].arrays["L"][0, 0]
    assert loss == pytest.approx(dm.SoftmaxCrossEntropy()(model.outputs(X), y), rel=1e-12)


def test_backward_tables_equal_what_model_backward_accumulates(stepper):
    """Gradients: Parameter.grad of a separate backward; intermediates: each layer's own methods."""
    stages = by_name(stepper)
    first, relu, second = dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)
    model = fresh_float64(stepper, [first, relu, second])
    X, y = xor_rows()
    loss = dm.SoftmaxCrossEntropy()
    loss(model.forward(dm.asarray(X.astype(np.float64))), y)
    model.zero_grad()
    model.backward(loss.backward(), input_grad=False)
    grads = {name: dm.to_numpy(p.grad) for name, p in model.named_parameters()}
    np.testing.assert_array_equal(stages["dW2 = A1ᵀ @ dZ2"].arrays["dW2"], grads["2.weights"])
    np.testing.assert_array_equal(stages["db2 = Σ rows of dZ2"].arrays["db2"][0], grads["2.bias"])
    np.testing.assert_array_equal(stages["dW1 = Xᵀ @ dZ1"].arrays["dW1"], grads["0.weights"])
    np.testing.assert_array_equal(stages["db1 = Σ rows of dZ1"].arrays["db1"][0], grads["0.bias"])
    np.testing.assert_array_equal(stepper.gradients[0], grads["0.weights"])

    # the chain of intermediates, link by link, with the layers' own backward and derivative
    dZ2 = stages["dZ2 = (P − Y) / 4"].arrays["dZ2"]
    np.testing.assert_array_equal(dZ2, loss.backward())
    dA1 = stages["dA1 = dZ2 @ W2ᵀ"].arrays["dA1"]
    second.cache = stages["Z2 = A1 @ W2 + b2"].arrays["A1"]
    np.testing.assert_allclose(dA1, second.backward(dZ2), rtol=1e-12)
    step = stages["dZ1 = dA1 ⊙ relu′(Z1)"].arrays
    Z1 = stages["A1 = relu(Z1)"].arrays["Z1"]
    np.testing.assert_array_equal(step["relu′(Z1)"], relu.derivative(Z1, np.maximum(Z1, 0)))
    np.testing.assert_array_equal(step["dZ1"], dA1 * step["relu′(Z1)"])
    first.zero_grad()
    first.cache = X.astype(np.float64)
    first.backward(step["dZ1"])  # fed the stepper's dZ1, the first layer gets model.backward's grad
    np.testing.assert_allclose(dm.to_numpy(first.weights.grad), grads["0.weights"], rtol=1e-12)


@pytest.mark.parametrize(
    "layers,loss,data",
    [
        ("relu", dm.SoftmaxCrossEntropy(), "xor"),
        ("tanh", dm.SoftmaxCrossEntropy(), "spirals"),
        ("sigmoid-mse", dm.MeanSquaredError(), "sine"),
    ],
)
def test_weight_gradients_equal_central_differences(layers, loss, data):
    if data == "sine":
        X = np.linspace(-2, 2, 5)[:, None]
        y = np.sin(X[:, 0])
        model = dm.Sequential([dm.Dense(1, 3), dm.Sigmoid(), dm.Dense(3, 1)], seed=2)
    else:
        X, y = xor_rows() if data == "xor" else dm.datasets.spirals(n=6, classes=3, seed=1)
        activation = dm.ReLU if layers == "relu" else dm.Tanh
        model = dm.Sequential([dm.Dense(2, 3), activation(), dm.Dense(3, int(y.max()) + 1)], seed=1)
    stepper = BackpropStepper(model, loss, X, y)
    check = fresh_float64(stepper, [type(layer)(**layer.config()) for layer in model.layers])
    assert max(dm.gradcheck(check, loss, X.astype(np.float64), y).values()) < 1e-6
    params = dict(check.named_parameters())

    for (name, parameter), analytic in zip(check.named_parameters(), stepper.gradients):
        value = np.array(parameter.value)

        def loss_now(name=name, value=value):
            params[name].value = value
            return loss.forward(check.forward(X.astype(np.float64)), y)

        numeric = central_differences(loss_now, value, 1e-6)
        error = np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(numeric)), 1e-12)
        assert error < 1e-6, f"{name}: relative error {error:.2g}"
    # and the tables the backward stages show are those gradients
    shown = {s.result: s.arrays[s.result] for s in stepper.stages if s.phase == "backward"}
    for (name, _), grad in zip(check.named_parameters(), stepper.gradients):
        k = int(name.split(".")[0]) // 2 + 1  # layers 0 and 2 are Dense 1 and 2
        table = shown[f"dW{k}" if name.endswith("weights") else f"db{k}"]
        np.testing.assert_array_equal(table, np.atleast_2d(grad))


def test_the_update_is_sgd_and_the_loss_goes_down(stepper):
    stages = by_name(stepper)
    update = stages["W2 ← W2 − 0.5·dW2"].arrays
    np.testing.assert_allclose(update["W2 new"], update["W2"] - 0.5 * update["dW2"], rtol=1e-12)
    np.testing.assert_array_equal(update["W2 new"], stepper.end_weights[2])
    np.testing.assert_array_equal(
        stages["b1 ← b1 − 0.5·db1"].arrays["b1 new"][0], stepper.end_weights[1]
    )
    check = stages["L again, with the new weights"].arrays
    assert check["L after"][0, 0] < check["L before"][0, 0] == stepper.loss_value
    # the picture shows the weights of each moment: old before the updates, new after them
    np.testing.assert_array_equal(stepper.stages[0].weights[2], stepper.start_weights[2])
    np.testing.assert_array_equal(stages["W1 ← W1 − 0.5·dW1"].weights[2], stepper.start_weights[2])
    np.testing.assert_array_equal(stages["W2 ← W2 − 0.5·dW2"].weights[2], stepper.end_weights[2])


def test_an_entry_is_written_out_as_its_sum(stepper):
    stage = by_name(stepper)["dW2 = A1ᵀ @ dZ2"]
    entry = stage.entry(0, 1)
    assert entry.text.startswith(
        "dW2[0,1] = A1[0,0]·dZ2[0,1] + A1[1,0]·dZ2[1,1] + A1[2,0]·dZ2[2,1]"
    )
    assert entry.text.endswith(f"= {number(stage.arrays['dW2'][0, 1])}")
    assert entry.cells["A1ᵀ"] == [(0, r) for r in range(4)] and entry.cells["dW2"] == [(0, 1)]
    assert entry.arrows == [(1, 0, 1)]  # arrow 0 -> 1 of the second Dense layer
    A1T, dZ2 = stage.arrays["A1ᵀ"], stage.arrays["dZ2"]
    assert sum(A1T[0, r] * dZ2[r, 1] for r in range(4)) == pytest.approx(stage.arrays["dW2"][0, 1])

    forward = by_name(stepper)["Z1 = X @ W1 + b1"].entry(2, 1)
    assert forward.text.startswith("Z1[2,1] = X[2,0]·W1[0,1] + X[2,1]·W1[1,1] + b1[1]")
    assert forward.arrows == [(0, 0, 1), (0, 1, 1)] and forward.units == [(1, 1)]
    bias = by_name(stepper)["db1 = Σ rows of dZ1"].written_out(0, 2)
    assert bias.startswith("db1[2] = dZ1[0,2] + dZ1[1,2] + dZ1[2,2] + dZ1[3,2]")
    with pytest.raises(IndexError, match="3×2"):
        stage.entry(3, 0)
    assert number(-0.14234) == "-0.142" and number(0.0) == "0" and number(1234.5) == "1.23e+03"


def test_rewind_replays_exactly_the_same_numbers(stepper):
    seen = []
    for _ in range(len(stepper)):
        seen.append((stepper.index, stepper.tables_html(), stepper.header_html()))
        stepper.next()
    assert stepper.index == len(stepper) - 1
    stepper.next()  # at the end it stays
    assert stepper.index == len(stepper) - 1
    for index, tables, header in reversed(seen):
        stepper.go(index)
        assert (stepper.tables_html(), stepper.header_html()) == (tables, header)
    assert stepper.back().name == EXPECTED[0][1] and stepper.reset().name == EXPECTED[0][1]
    X, y = xor_rows()  # and a second stepper from the same start has the same numbers
    again = BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), X, y, lr=0.5)
    for a, b in zip(stepper.stages, again.stages):
        for name in a.arrays:
            np.testing.assert_array_equal(a.arrays[name], b.arrays[name])


def test_your_model_and_loss_are_not_touched():
    model, loss = two_three_two(), dm.SoftmaxCrossEntropy()
    before = model.get_weights()
    X, y = xor_rows()
    stepper = BackpropStepper(model, loss, X, y)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.dtype == "float32" and stepper.model.dtype == "float64"
    assert not hasattr(loss, "pred")
    assert "backward" not in vars(stepper.model.layers[0])  # the listener is gone again


def test_mean_squared_error_and_other_activations():
    X = np.array([[-1.0], [0.0], [1.5]])
    y = np.array([0.5, 0.0, -0.5])
    model = dm.Sequential([dm.Dense(1, 2), dm.Tanh(), dm.Dense(2, 1)], seed=0)
    stepper = BackpropStepper(model, dm.MeanSquaredError(), X, y, lr=0.1)
    names = [stage.name for stage in stepper.stages]
    assert names[3:6] == ["L = mean of (Z2 − Y)²", "dZ2 = 2 (Z2 − Y) / 3", "dW2 = A1ᵀ @ dZ2"]
    assert "dZ1 = dA1 ⊙ tanh′(Z1)" in names
    loss_stage = stepper.stages[3]
    assert loss_stage.arrays["L"][0, 0] == pytest.approx(
        np.mean((loss_stage.arrays["Z2"][:, 0] - y) ** 2)
    )
    sigmoid = BackpropStepper(
        dm.Sequential([dm.Dense(1, 2), dm.Sigmoid(), dm.Dense(2, 1)], seed=0),
        dm.Huber(),
        X,
        y,
    )
    assert sigmoid.stages[1].name == "A1 = σ(Z1)"
    # Huber's value has no formula here: its own number, said to be its own
    assert sigmoid.stages[3].name == "L = Huber()(Z2, Y)"
    assert "(from Huber())" in sigmoid.stages[3].written_out(0, 0)
    # its gradient is (Z2 − Y) / 3 where every |Z2 − Y| <= delta (1), and is written so then only
    Z2 = sigmoid.stages[2].arrays["Z2"]
    small = bool(np.all(np.abs(Z2[:, 0] - y) <= 1.0))
    assert sigmoid.stages[4].name == ("dZ2 = (Z2 − Y) / 3" if small else "dZ2 = ∂L/∂Z2")
    far = BackpropStepper(
        dm.Sequential([dm.Dense(1, 2), dm.Sigmoid(), dm.Dense(2, 1)], seed=0), dm.Huber(), X, y * 9
    )
    assert far.stages[4].name == "dZ2 = ∂L/∂Z2"  # clipped: no formula of P and Y fits
    assert "(from Huber().backward())" in far.stages[4].written_out(0, 0)


def test_plain_errors():
    X, y = xor_rows()
    with pytest.raises(ValueError, match="at most 16 rows; got 200"):
        BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), *dm.datasets.xor(n=200))
    with pytest.raises(ValueError, match="layer #1 is Dropout"):
        BackpropStepper(
            dm.Sequential([dm.Dense(2, 3), dm.Dropout(0.5), dm.Dense(3, 2)], seed=0),
            dm.SoftmaxCrossEntropy(),
            X,
            y,
        )
    with pytest.raises(ValueError, match="element-wise"):
        BackpropStepper(
            dm.Sequential([dm.Dense(2, 2), dm.Softmax()], seed=0),
            dm.MeanSquaredError(),
            X,
            np.eye(2)[y],
        )
    with pytest.raises(ValueError, match="at most 12 units"):
        BackpropStepper(
            dm.Sequential([dm.Dense(2, 30), dm.ReLU(), dm.Dense(30, 2)], seed=0),
            dm.SoftmaxCrossEntropy(),
            X,
            y,
        )
    with pytest.raises(dm.ShapeError, match="2 features"):  # X has 3
        BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), X, y + 2)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), X, y, lr=-1)
    dense = dm.Dense(2, 2)
    with pytest.raises(ValueError, match="layer #2 is used twice"):
        BackpropStepper(
            dm.Sequential([dense, dm.ReLU(), dense], seed=0), dm.SoftmaxCrossEntropy(), X, y
        )


# --- pictures and widgets ------------------------------------------------------------------------


def test_formulas_are_valid_mathtext_and_the_static_figure_draws(stepper, capsys):
    parser = MathTextParser("path")
    for stage in stepper.stages:
        parser.parse(f"${stage.formula}$")  # the static figure draws them with mathtext
    stepper.go(6)
    fig = stepper.show(static=True)
    assert isinstance(fig, Figure) and "static figure" in capsys.readouterr().out
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert any("dW2 = A1ᵀ @ dZ2" in t for t in texts) and any("dW2[0,0] =" in t for t in texts)
    fig.canvas.draw()


def arrow_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "dm-arrow-label"]


def test_the_network_picture_follows_the_stage(stepper):
    stages = by_name(stepper)
    stepper.go(0)  # Z1[0,0] = X[0,0]·W1[0,0] + X[0,1]·W1[1,0] + b1[0]: the two weights, labelled
    fig = stepper.network_figure()
    assert fig.axes[0].get_title().startswith("forward")
    W1 = stages["Z1 = X @ W1 + b1"].arrays["W1"]
    assert arrow_labels(fig) == [number(W1[0, 0]), number(W1[1, 0])]
    stepper.go(8)  # dA1[0,1] = Σ_m dZ2[0,m]·W2ᵀ[m,1]: the arrows out of hidden unit 1, weights
    stepper.choose(0, 1)
    W2 = stages["Z2 = A1 @ W2 + b2"].arrays["W2"]
    assert arrow_labels(stepper.network_figure()) == [number(w) for w in W2[1]]
    stepper.go(14)  # W2 ← W2 − 0.5·dW2: the arrow carries its new weight
    new = stages["W2 ← W2 − 0.5·dW2"].arrays["W2 new"]
    assert arrow_labels(stepper.network_figure()) == [number(new[0, 1])]


@pytest.mark.parametrize("name", ["dW2 = A1ᵀ @ dZ2", "dW1 = Xᵀ @ dZ1"])
def test_a_gradient_stage_labels_the_arrow_with_its_gradient(stepper, name):
    stage = by_name(stepper)[name]
    stepper.go(stepper.stages.index(stage))
    dW = stage.arrays[stage.result]
    for i, j in np.ndindex(dW.shape):
        stepper.choose(i, j)
        fig = stepper.network_figure()
        assert arrow_labels(fig) == [number(dW[i, j])], (i, j)
        assert stage.result in fig.axes[0].get_title()
        plt.close(fig)


def test_the_labels_of_the_picture_do_not_overlap():
    """A 2-4-3-3 network, at every stage whose entries use arrows (and the first), first and
    last entry: no two texts of the picture meet (labels, unit numbers, names, captions)."""
    X, y = dm.datasets.spirals(n=3, classes=3, seed=0)  # 9 rows
    model = dm.Sequential(
        [dm.Dense(2, 4), dm.Tanh(), dm.Dense(4, 3), dm.ReLU(), dm.Dense(3, 3)], seed=1
    )
    stepper_ = BackpropStepper(model, dm.SoftmaxCrossEntropy(), X, y)
    for index, stage in enumerate(stepper_.stages):
        stepper_.go(index)
        rows, cols = stage.arrays[stage.result].shape
        for i, j in {(0, 0), (rows - 1, cols - 1)}:
            if index and not stage.entry(i, j).arrows:
                continue
            stepper_.choose(i, j)
            fig = stepper_.network_figure()
            renderer = FigureCanvasAgg(fig).get_renderer()
            fig.draw(renderer)
            boxes = [
                (t.get_text(), (t.get_bbox_patch() or t).get_window_extent(renderer))
                for t in fig.axes[0].texts
                if t.get_text().strip()
            ]
            for a in range(len(boxes)):
                for b in range(a):
                    overlap = boxes[a][1].overlaps(boxes[b][1])
                    assert not overlap, (
                        f"{stage.name} [{i},{j}]: {boxes[a][0]!r} on {boxes[b][0]!r}"
                    )
            plt.close(fig)


def test_one_colour_scale_per_stage(stepper):
    """All tables of a stage are tinted on its largest number: equal numbers, equal tints."""
    for index, stage in enumerate(stepper.stages):
        page = stepper.tables_html(index)
        assert set(re.findall(r'data-scale="([^"]+)"', page)) == {f"{stage.scale:.6g}"}
        for name, array in stage.arrays.items():
            table = page.split(f'data-name="{name}"')[1].split("</table>")[0]
            colours = re.findall(r"background:(rgb\([^)]*\))", table)
            assert colours == [rgb(float(v), stage.scale) for v in array.ravel()], name
    update = by_name(stepper)["W2 ← W2 − 0.5·dW2"]  # small gradients look pale beside weights
    W2, dW2 = update.arrays["W2"], update.arrays["dW2"]
    assert update.scale == max(np.abs(W2).max(), np.abs(dW2).max(), np.abs(W2 - 0.5 * dW2).max())


def test_widget_walks_the_stages_headless(stepper):
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    box = stepper.widget()
    ui = stepper.ui
    assert box is stepper.widget() and "dm-stepper" in box._dom_classes
    assert "$$" in ui["formula"].value and "stage 1 of 17" in ui["formula"].value
    assert ui["back"].disabled and not ui["next"].disabled
    assert ui["network"].outputs[0]["data"]["image/png"]
    tables = ui["tables"].value
    assert 'title="Z1[0,0] = X[0,0]·W1[0,0]' in tables  # hover: the sum of each result entry
    ui["next"].click()
    assert stepper.index == 1 and ui["tables"].value != tables and not ui["back"].disabled
    ui["stage"].value = 6
    assert "dW2 = A1ᵀ @ dZ2" in ui["formula"].value
    ui["entry"].value = (2, 1)
    assert stepper.entry_index == (2, 1) and "dW2[2,1] = A1[0,2]·dZ2[0,1]" in ui["sum"].value
    ui["reset"].click()
    assert stepper.index == 0 and ui["stage"].value == 0 and stepper.entry_index == (2, 1)
    ui["stage"].value = 16
    assert ui["next"].disabled and ui["entry"].options == (("L after[0,0]", (0, 0)),)
    assert ui["play"].value == 16 and ui["play"].max == 16  # Play moves with the stages ...
    ui["play"].value = 3  # ... and the stages with Play (its timer ticks in the browser)
    assert stepper.index == 3 and "stage 4 of 17" in ui["formula"].value


def test_the_arrow_keys_step_through_the_stages(stepper):
    pytest.importorskip("anywidget", reason="anywidget is not installed")
    stepper.widget()
    keys = stepper.ui["keys"]
    assert keys is not None and "dm-keys" in keys._dom_classes
    assert "ArrowRight" in keys._esm and "ArrowLeft" in keys._esm  # the front end's own file
    keys._handle_custom_msg({"step": 1}, [])  # what keys.js sends on →
    keys._handle_custom_msg({"step": 1}, [])
    assert stepper.index == 2 and "stage 3 of 17" in stepper.ui["formula"].value
    keys._handle_custom_msg({"step": -1}, [])  # ... and on ←
    assert stepper.index == 1


class FakeKernelShell:
    """What `notebook.in_a_kernel` and pyplot ask of IPython's shell in a kernel."""

    kernel = object()

    class events:
        @staticmethod
        def register(event, callback):
            pass


def test_show_in_a_kernel_displays_the_widget_with_a_picture_beside_it(monkeypatch, stepper):
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    assert notebook.in_a_kernel()
    assert stepper.show() is None
    (bundle,) = shown
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["text/plain"].startswith("BackpropStepper(2-3-2 network, 4 rows")
