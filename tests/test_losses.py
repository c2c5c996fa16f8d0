"""Losses: each value against its formula written out here, each gradient against central
differences.

The loss alone is checked by putting it behind an empty `Sequential` (the
identity), so gradcheck's "input" gradient is exactly ``dL/d(pred)``; it is
checked again behind a dense layer, so the chain into parameters is covered.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import FEW, matrices

import demystify as dm

TOLERANCE = 1e-6


def scores(min_columns=1):
    """Scores in [-4, 4], 1-6 rows and `min_columns`-5 columns (`strategies.matrices`)."""
    return matrices(bound=4.0, columns=(min_columns, 5))


def check(loss, pred, target):
    """Gradcheck `loss` alone at `pred`, then behind a dense layer. `target` may be a function
    of the predictions, for a loss whose kink depends on them (Huber)."""
    target_at = target if callable(target) else (lambda _: target)
    errors = dm.gradcheck(dm.Sequential([]), loss, pred, target_at(pred))
    assert errors["input"] < TOLERANCE, errors
    # behind a dense layer fed well-scaled data (a gradient proportional to a 1e-10 input
    # would be below the central differences' own noise, ~1e-10)
    x = np.random.default_rng(0).normal(size=pred.shape)
    dense = dm.Dense(pred.shape[1], pred.shape[1], seed=0, dtype="float64")
    errors = dm.gradcheck(dense, loss, x, target_at(dense(x)))
    assert max(errors.values()) < TOLERANCE, errors


@FEW
@given(pred=scores(), seed=st.integers(0, 2**16))
def test_mean_squared_error_gradient(pred, seed):
    check(dm.MeanSquaredError(), pred, np.random.default_rng(seed).normal(size=pred.shape))


@FEW
@given(pred=scores(), seed=st.integers(0, 2**16))
def test_binary_cross_entropy_gradient(pred, seed):
    rng = np.random.default_rng(seed)
    check(dm.BinaryCrossEntropy(), pred, rng.integers(0, 2, size=pred.shape).astype(float))
    check(dm.BinaryCrossEntropy(), pred, rng.random(size=pred.shape))  # soft targets too


@FEW
@given(pred=scores(min_columns=2), seed=st.integers(0, 2**16))
def test_softmax_cross_entropy_gradient_integer_and_one_hot(pred, seed):
    labels = np.random.default_rng(seed).integers(0, pred.shape[1], size=len(pred))
    check(dm.SoftmaxCrossEntropy(), pred, labels)
    check(dm.SoftmaxCrossEntropy(), pred, np.eye(pred.shape[1])[labels])


@FEW
@given(pred=scores(), seed=st.integers(0, 2**16), delta=st.sampled_from([0.5, 1.0, 2.0]))
def test_huber_gradient_away_from_the_switch(pred, seed, delta):
    d = np.random.default_rng(seed).normal(size=pred.shape) * 2 * delta
    d = np.where(np.abs(np.abs(d) - delta) < 0.05, d * 1.2, d)  # step away from |d| = delta
    assert np.all(np.abs(np.abs(d) - delta) >= 0.01)
    # a bias gradient of exactly 0 (as many rows clipped at +delta as at -delta) has no
    # relative error to speak of: gradcheck would divide rounding noise by ~0
    assume(np.all(np.abs(np.clip(d, -delta, delta).sum(axis=0)) > 1e-3))
    check(dm.Huber(delta), pred, lambda p: p - d)


# --- values, written out -----------------------------------------------------------


def test_mean_squared_error_is_a_mean(rng):
    pred, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert np.isclose(dm.MeanSquaredError()(pred, target), np.mean((pred - target) ** 2))
    # a 1-D target fits a single output column
    assert np.isclose(
        dm.MeanSquaredError()(pred[:, :1], target[:, 0]), np.mean((pred[:, 0] - target[:, 0]) ** 2)
    )


def test_binary_cross_entropy_matches_the_textbook_form(rng):
    z, t = rng.normal(size=(6, 1)) * 3, rng.integers(0, 2, size=(6, 1)).astype(float)
    s = 1 / (1 + np.exp(-z))
    assert np.isclose(
        dm.BinaryCrossEntropy()(z, t), np.mean(-t * np.log(s) - (1 - t) * np.log(1 - s))
    )
    # huge logits: finite, and the right answer (0 when confidently right)
    assert dm.BinaryCrossEntropy()(np.array([[1000.0], [-1000.0]]), np.array([[1.0], [0.0]])) == 0.0
    assert np.isclose(dm.BinaryCrossEntropy()(np.array([[1000.0]]), np.array([[0.0]])), 1000.0)


def test_softmax_cross_entropy_matches_the_textbook_form(rng):
    z, labels = rng.normal(size=(5, 4)) * 3, np.array([0, 3, 1, 1, 2])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(5), labels]))
    loss = dm.SoftmaxCrossEntropy()
    assert np.isclose(loss(z, labels), expected)
    assert np.isclose(loss(z, np.eye(4)[labels]), expected)
    assert np.allclose(loss.backward(), (p - np.eye(4)[labels]) / 5)
    assert np.isfinite(loss(np.array([[1e4, 0.0, -1e4]]), np.array([2])))  # no overflow


def test_huber_is_quadratic_near_and_linear_far():
    pred, target = np.array([[0.5, -3.0, 2.0]]), np.zeros((1, 3))
    loss = dm.Huber(delta=1.0)
    assert np.isclose(loss(pred, target), np.mean([0.5 * 0.25, 1.0 * (3 - 0.5), 1.0 * (2 - 0.5)]))
    assert np.allclose(loss.backward(), np.array([[0.5, -1.0, 1.0]]) / 3)


def test_loss_errors_are_plain():
    with pytest.raises(
        ValueError, match=r"predictions have shape \(4, 2\) but targets have shape \(4, 3\)"
    ):
        dm.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 .* found labels from 0 to 3"):
        dm.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="whole numbers"):
        dm.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="2 rows of scores but 3 labels"):
        dm.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 1, 2]))
