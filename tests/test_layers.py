"""Layers and activations: values against their formulas, gradients against central differences.

Every gradient is checked with `dm.gradcheck` in float64 on random shapes and
values drawn by hypothesis, with inputs moved away from kinks (ReLU and
LeakyReLU at 0), and must agree to a relative error below 1e-6.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FEW, matrices

import demystify as dm

TOLERANCE = 1e-6
widths = st.integers(1, 5)
# inputs no closer to 0 than 0.01: see `strategies.matrices`
away_from_zero = matrices(gap=0.01)


def targets_like(x, seed):
    return np.random.default_rng(seed).normal(size=x.shape)


def assert_gradients_match(errors):
    assert "input" in errors
    worst = max(errors.values())
    assert worst < TOLERANCE, errors


# --- every activation ------------------------------------------------------------


@FEW
@given(x=away_from_zero, seed=st.integers(0, 2**16))
@pytest.mark.parametrize("make", [dm.ReLU, lambda: dm.LeakyReLU(0.1)], ids=["ReLU", "LeakyReLU"])
def test_piecewise_linear_activation_gradients(make, x, seed):
    assert_gradients_match(dm.gradcheck(make(), dm.MeanSquaredError(), x, targets_like(x, seed)))


@FEW
@given(x=away_from_zero, seed=st.integers(0, 2**16))
@pytest.mark.parametrize(
    "make", [dm.Sigmoid, dm.Tanh, dm.Softmax], ids=["Sigmoid", "Tanh", "Softmax"]
)
def test_smooth_activation_gradients(make, x, seed):
    assert_gradients_match(dm.gradcheck(make(), dm.MeanSquaredError(), x, targets_like(x, seed)))


def test_activation_values_follow_their_formulas(rng):
    x = rng.normal(size=(5, 4)) * 3
    assert np.array_equal(dm.ReLU()(x), np.maximum(x, 0))
    assert np.allclose(dm.LeakyReLU(0.2)(x), np.where(x > 0, x, 0.2 * x))
    assert np.allclose(dm.Sigmoid()(x), 1 / (1 + np.exp(-x)))
    assert np.allclose(dm.Tanh()(x), np.tanh(x))
    softmax = dm.Softmax()(x)
    assert np.allclose(softmax, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
    assert np.allclose(softmax.sum(axis=1), 1.0)


def test_sigmoid_and_softmax_do_not_overflow():
    x = np.array([[-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise"):
        assert np.array_equal(dm.Sigmoid()(x), [[0.0, 0.5, 1.0]])
        assert np.allclose(dm.Softmax()(x), [[0.0, 0.0, 1.0]])


# --- Dense -----------------------------------------------------------------------


@FEW
@given(x=away_from_zero, n_out=widths, seed=st.integers(0, 2**16))
def test_dense_gradients(x, n_out, seed):
    layer = dm.Dense(x.shape[1], n_out, seed=seed)
    layer.bias.value[...] = np.random.default_rng(seed).normal(size=n_out)  # not just zeros
    y = np.random.default_rng(seed + 1).normal(size=(len(x), n_out))
    errors = dm.gradcheck(layer, dm.MeanSquaredError(), x, y)
    assert set(errors) == {"input", "weights", "bias"}
    assert_gradients_match(errors)


def test_dense_computes_x_times_weights_plus_bias(rng):
    layer = dm.Dense(3, 2, seed=0, dtype="float64")
    assert layer.weights.value.shape == (3, 2) and layer.bias.value.shape == (2,)
    layer.bias.value[...] = [0.5, -1.0]
    x = rng.normal(size=(4, 3))
    assert np.allclose(layer.forward(x), x @ layer.weights.value + layer.bias.value)


def test_dense_backward_follows_its_formulas(rng):
    layer = dm.Dense(3, 2, seed=0, dtype="float64")
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(x)
    dx = layer.backward(g)
    assert np.allclose(layer.weights.grad, x.T @ g)
    assert np.allclose(layer.bias.grad, g.sum(axis=0))
    assert np.allclose(dx, g @ layer.weights.value.T)
    assert layer.backward(g, input_grad=False) is None  # the first layer may skip dL/dx


def test_dense_rejects_bad_sizes_and_inputs():
    with pytest.raises(ValueError, match="n_out"):
        dm.Dense(3, 0)
    with pytest.raises(ValueError, match="n_in"):
        dm.Dense(2.5, 3)
    with pytest.raises(dm.ShapeError, match=r"expected input with 3 features, got \(4, 5\)"):
        dm.Dense(3, 2)(np.zeros((4, 5), np.float32))


def test_a_layer_used_twice_gets_the_summed_gradient(rng):
    shared = dm.Dense(3, 3, init="glorot_normal")
    model = dm.Sequential([shared, dm.Tanh(), shared], seed=0)
    assert [name for name, _ in model.named_parameters()] == ["0.weights", "0.bias"]
    shared.bias.value[...] = rng.normal(size=3)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert_gradients_match(dm.gradcheck(model, dm.MeanSquaredError(), x, y))

    # and by hand: the gradient is the sum of the two uses' contributions
    model = dm.Sequential([shared, dm.Tanh(), shared], dtype="float64")
    loss = dm.MeanSquaredError()
    loss.forward(model.forward(x), y)
    model.zero_grad()
    model.backward(loss.backward())
    W = shared.weights.value
    h = np.tanh(x @ W + shared.bias.value)
    g_out = 2 * (h @ W + shared.bias.value - y) / y.size
    g_h = (g_out @ W.T) * (1 - h**2)
    assert np.allclose(shared.weights.grad, h.T @ g_out + x.T @ g_h)
    assert np.allclose(shared.bias.grad, g_out.sum(axis=0) + g_h.sum(axis=0))


def test_second_backward_accumulates_and_zero_grad_clears(rng):
    model = dm.Sequential([dm.Dense(4, 5), dm.ReLU(), dm.Dense(5, 2)], seed=3, dtype="float64")
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    loss = dm.MeanSquaredError()

    def forward_backward():
        loss.forward(model.forward(x), y)
        model.backward(loss.backward())

    forward_backward()
    once = [p.grad.copy() for p in model.parameters()]
    assert any(np.any(g != 0) for g in once)
    forward_backward()
    for g1, p in zip(once, model.parameters()):
        assert np.array_equal(p.grad, 2 * g1)
    model.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_named_parameters_use_layer_positions():
    model = dm.Sequential(
        [dm.Dense(2, 4), dm.ReLU(), dm.Dense(4, 3), dm.Tanh(), dm.Dense(3, 1)], seed=0
    )
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weights", "0.bias", "2.weights", "2.bias", "4.weights", "4.bias"]
    assert [p.shape for p in model.parameters()] == [(2, 4), (4,), (4, 3), (3,), (3, 1), (1,)]


# --- Dropout ---------------------------------------------------------------------


class FixedDraws:
    """Stands in for Dropout's generator: always the same 'random' numbers, so the mask is fixed."""

    def __init__(self, numbers):
        self.numbers = numbers

    def random(self, shape):
        assert tuple(shape) == self.numbers.shape
        return self.numbers


@FEW
@given(x=away_from_zero, seed=st.integers(0, 2**16), p=st.sampled_from([0.2, 0.5, 0.8]))
def test_dropout_gradients_with_a_fixed_mask(x, seed, p):
    layer = dm.Dropout(p)
    layer.rng = FixedDraws(np.random.default_rng(seed).random(x.shape))
    assert_gradients_match(dm.gradcheck(layer, dm.MeanSquaredError(), x, targets_like(x, seed)))


@FEW
@given(x=away_from_zero, seed=st.integers(0, 2**16))
def test_dropout_gradients_in_eval_mode(x, seed):
    layer = dm.Dropout(0.5, seed=0).eval()
    assert np.array_equal(layer(x), x)
    assert_gradients_match(dm.gradcheck(layer, dm.MeanSquaredError(), x, targets_like(x, seed)))


def test_dropout_scales_kept_units_and_is_seeded(rng):
    x = np.ones((200, 50))
    out = dm.Dropout(0.25, seed=1)(x)
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs(np.mean(out == 0) - 0.25) < 0.02
    assert np.array_equal(out, dm.Dropout(0.25, seed=1)(x))
    assert not np.array_equal(out, dm.Dropout(0.25, seed=2)(x))
    grad = dm.Dropout(0.25, seed=1)
    grad(x)
    assert np.array_equal(grad.backward(np.ones_like(x)), out)  # dropped units pass no gradient
    with pytest.raises(ValueError, match=r"Dropout: p must be a number in \[0, 1\)"):
        dm.Dropout(1.0)


# --- initialisers ----------------------------------------------------------------

N_IN, N_OUT = 400, 600  # 240,000 draws: the sample variance is within ~0.6% (2 sigma)


@pytest.mark.parametrize(
    "init, variance",
    [
        ("he_normal", 2 / N_IN),
        ("glorot_normal", 2 / (N_IN + N_OUT)),
    ],
)
def test_initialisers_have_the_right_variance(init, variance):
    w = dm.Dense(N_IN, N_OUT, init=init, seed=0, dtype="float64").weights.value
    assert abs(w.var() / variance - 1) < 0.03  # He and Glorot differ by a factor 2.5 here
    assert abs(w.mean()) < 0.02 * np.sqrt(variance)  # standard error: 0.002 sigma
    assert w.max() > 3 * np.sqrt(variance)  # a normal has tails, a uniform would not


def test_zeros_initialiser_and_zero_bias():
    layer = dm.Dense(5, 3, init="zeros", seed=0)
    assert np.all(layer.weights.value == 0) and np.all(layer.bias.value == 0)
    assert np.all(dm.Dense(5, 3, seed=0).bias.value == 0)
    with pytest.raises(ValueError, match="unknown initializer 'he_norml'"):
        dm.Dense(5, 3, init="he_norml")


@pytest.mark.parametrize("init", ["he_normal", "glorot_normal"])
def test_initialisers_are_seeded(init):
    a, b, c = (dm.Dense(20, 30, init=init, seed=s).weights.value for s in (7, 7, 8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32
