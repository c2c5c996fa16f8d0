"""Optimizers: every update checked against its formula, written out by hand here.

Each test feeds a few known gradients to one float64 parameter and replays the
textbook recurrence in plain NumPy beside it.
"""

import math

import numpy as np
import pytest

import demystify as dm

W0 = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
GRADS = [
    np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.6]]),
    np.array([[-0.3, 0.1, 0.2], [0.05, -0.4, 0.1]]),
    np.array([[0.2, 0.2, -0.1], [-0.1, 0.3, 0.0]]),
]


def run(make_optimizer, grads=GRADS):
    """Apply `grads` one step each; return the parameter value after every step."""
    parameter = dm.Parameter(W0.copy())
    optimizer = make_optimizer([parameter])
    values = []
    for g in grads:
        optimizer.zero_grad()
        parameter.grad += g
        optimizer.step()
        values.append(parameter.value.copy())
    return values


def assert_path(values, expected):
    assert len(values) == len(expected)
    for got, want in zip(values, expected):
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert not np.allclose(values[-1], W0)  # it moved


def test_plain_sgd():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - 0.1 * g
        expected.append(w)
    assert_path(run(lambda p: dm.SGD(p, lr=0.1)), expected)


def test_sgd_momentum():
    w, v, expected = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        v = 0.9 * v + g
        w = w - 0.1 * v
        expected.append(w)
    assert_path(run(lambda p: dm.SGD(p, lr=0.1, momentum=0.9)), expected)


def test_sgd_nesterov():
    w, v, expected = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        v = 0.9 * v + g
        w = w - 0.1 * (g + 0.9 * v)
        expected.append(w)
    values = run(lambda p: dm.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
    assert_path(values, expected)
    assert not np.allclose(values[-1], run(lambda p: dm.SGD(p, lr=0.1, momentum=0.9))[-1])


def test_rmsprop():
    w, s, expected = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        s = 0.9 * s + 0.1 * g**2
        w = w - 0.01 * g / (np.sqrt(s) + 1e-8)
        expected.append(w)
    assert_path(run(lambda p: dm.RMSprop(p, lr=0.01, rho=0.9)), expected)


def adam_by_hand(lr=0.01, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    w, m, v, expected = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, start=1):
        if weight_decay and not decoupled:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        if decoupled:
            w = w - lr * weight_decay * w
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        expected.append(w)
    return expected


def test_adam_with_bias_correction():
    values = run(lambda p: dm.Adam(p, lr=0.01))
    assert_path(values, adam_by_hand())
    # the bias correction matters: the first step moves every weight by about lr
    assert np.allclose(np.abs(values[0] - W0)[GRADS[0] != 0], 0.01, rtol=1e-4)


def test_adamw_decouples_weight_decay():
    values = run(lambda p: dm.AdamW(p, lr=0.01, weight_decay=0.1))
    assert_path(values, adam_by_hand(weight_decay=0.1, decoupled=True))
    assert not np.allclose(values[-1], adam_by_hand(weight_decay=0.1)[-1])  # differs from L2


def test_l2_weight_decay_enters_the_gradient():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - 0.1 * (g + 0.05 * w)
        expected.append(w)
    assert_path(run(lambda p: dm.SGD(p, lr=0.1, weight_decay=0.05)), expected)
    assert_path(
        run(lambda p: dm.Adam(p, lr=0.01, weight_decay=0.05)), adam_by_hand(weight_decay=0.05)
    )


def test_clip_by_global_norm_across_parameters():
    a, b = dm.Parameter(np.zeros(2)), dm.Parameter(np.zeros(1))
    optimizer = dm.SGD([a, b], lr=1.0, clip_norm=1.0)
    a.grad[...] = [3.0, 0.0]
    b.grad[...] = [4.0]  # global norm 5 -> scaled by 1/5
    optimizer.step()
    assert np.allclose(a.value, [-0.6, 0.0]) and np.allclose(b.value, [-0.8])
    optimizer.zero_grad()
    a.grad[...] = [0.3, 0.0]
    b.grad[...] = [0.4]  # norm 0.5, already below: untouched
    optimizer.step()
    assert np.allclose(a.value, [-0.9, 0.0]) and np.allclose(b.value, [-1.2])


def test_step_decay_schedule():
    schedule = dm.StepDecay(every=2, factor=0.5)
    assert [schedule(t) for t in range(6)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    values = run(lambda p: dm.SGD(p, lr=0.1, schedule=dm.StepDecay(every=2, factor=0.5)))
    w, expected = W0.copy(), []
    for t, g in enumerate(GRADS):
        w = w - 0.1 * 0.5 ** (t // 2) * g
        expected.append(w)
    assert_path(values, expected)


def test_cosine_decay_schedule():
    schedule = dm.CosineDecay(total=10, floor=0.1)
    assert (
        schedule(0) == 1.0 and math.isclose(schedule(10), 0.1) and math.isclose(schedule(50), 0.1)
    )
    assert math.isclose(schedule(5), 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 2)))
    optimizer = dm.SGD([dm.Parameter(np.zeros(1))], lr=0.2, schedule=dm.CosineDecay(total=4))
    lrs = []
    for _ in range(5):
        optimizer.step()
        lrs.append(optimizer.lr)
    assert np.allclose(lrs, [0.2 * 0.5 * (1 + math.cos(math.pi * min(t, 4) / 4)) for t in range(5)])


def test_optimizer_errors_are_plain():
    with pytest.raises(ValueError, match="no parameters"):
        dm.SGD([])
    with pytest.raises(ValueError, match=r"Adam: lr must be a number in \(0, inf\), got 0.0"):
        dm.Adam([dm.Parameter(np.zeros(1))], lr=0.0)


def test_zero_grad_clears_the_gradients_of_its_parameters():
    model = dm.Sequential([dm.Dense(2, 3)], seed=0)
    optimizer = dm.SGD(model.parameters())
    for p in model.parameters():
        p.grad += 1.0
    optimizer.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_optimizer_updates_the_model_in_place(rng):
    model = dm.Sequential([dm.Dense(3, 2)], seed=0, dtype="float64")
    before = model.get_weights()
    optimizer = dm.SGD(model.parameters(), lr=0.5)
    loss = dm.MeanSquaredError()
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    grads = [p.grad.copy() for p in model.parameters()]
    optimizer.step()
    for w0, g, w1 in zip(before, grads, model.get_weights()):
        assert np.allclose(w1, w0 - 0.5 * g)
