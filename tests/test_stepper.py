"""The backprop stepper's own numbers: its stages, and its tables against a separate
forward/backward of the same network, central differences and the SGD rule.

Also here: rewinding, plain errors, and that your model and loss are not touched.
The stepper's consistency (each shown number from the operands beside it) is
checked in ``test_stepper_consistency.py``, its pictures and widgets in
``test_stepper_views.py``.
"""

import sys

import numpy as np
import pytest
from helpers import by_name, pyplot_on_agg, two_three_two, xor_rows, xor_stepper

pyplot_on_agg()  # skips this file without matplotlib

import demystify as dm  # noqa: E402
from demystify.viz.stepper import BackpropStepper, number  # noqa: E402

central_differences = sys.modules[
    "demystify.apps.gradcheck"
]._central_differences  # gradcheck's own

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


@pytest.fixture
def stepper():
    return xor_stepper()


def fresh_float64(stepper, layers):
    """The same network, built again in float64 from the stepper's starting weights."""
    model = dm.Sequential(layers, dtype="float64")
    model.set_weights(stepper.start_weights)
    return model


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
