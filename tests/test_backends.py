"""The same network on every backend: NumPy, the bare array API standard, PyTorch, CuPy.

Each test runs once per backend. `array_api_strict` refuses NumPy-only habits
(array methods, fancy-index assignment, mixed types), so passing there proves
the package uses only the standard; PyTorch CPU proves a second real library
agrees with NumPy to float32 rounding. CuPy runs only where a CUDA GPU is
visible and is otherwise skipped with the reason.
"""

import os

import numpy as np
import pytest

import demystify as dm
from demystify import backend

# DEMYSTIFY_TORCH_DEVICE=cuda runs the torch backend there (benchmarks/gpu_check.py sets it): torch
# then creates every tensor on that device, the host arrays moved by backend.asarray included.
TORCH_DEVICE = os.environ.get("DEMYSTIFY_TORCH_DEVICE")
if TORCH_DEVICE:
    import torch

    torch.set_default_device(TORCH_DEVICE)


def _cupy_skip_reason():
    try:
        import cupy
    except ImportError:
        return 'CuPy is not installed (pip install "demystify[gpu]")'
    try:
        return None if cupy.cuda.is_available() else "CuPy is installed but no CUDA GPU is visible"
    except Exception as error:  # a broken CUDA driver install
        return f"CuPy cannot reach a GPU ({error})"


def _skip_reason(name):
    if name == "cupy":
        return _cupy_skip_reason()
    try:
        backend.use(name)
        return None
    except ImportError as error:
        return str(error)
    finally:
        backend.use("numpy")


BACKENDS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(_skip_reason(name) is not None, reason=str(_skip_reason(name))),
    )
    for name in ("numpy", "array_api_strict", "torch", "cupy")
]
OTHER_BACKENDS = BACKENDS[1:]


@pytest.fixture(params=BACKENDS)
def name(request):
    with dm.use(request.param):
        yield request.param


@pytest.fixture(params=OTHER_BACKENDS)
def other(request):
    return request.param


def native_type(name):
    """The array class a backend computes with, to prove we really left NumPy."""
    return type(dm.namespace(name).asarray([1.0]))


# --- the backend module itself ---------------------------------------------------


def test_use_is_a_context_manager_and_restores_the_previous_backend(name):
    assert dm.backend_name() == name
    with dm.use("numpy"):
        assert dm.backend_name() == "numpy" and dm.namespace() is np
    assert dm.backend_name() == name


def test_unknown_backend_is_refused_in_plain_words():
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        dm.use("tpu")
    assert dm.backend_name() == "numpy"


def test_to_numpy_brings_any_backend_array_home(name):
    x = dm.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert type(x) is native_type(name)
    host = dm.to_numpy(x)
    assert isinstance(host, np.ndarray) and host.dtype == np.float32
    np.testing.assert_array_equal(host, np.arange(6).reshape(2, 3))


@pytest.mark.skipif(not TORCH_DEVICE, reason="DEMYSTIFY_TORCH_DEVICE is not set: torch on the CPU")
def test_torch_backend_computes_on_the_chosen_device():
    with dm.use("torch"):
        assert str(dm.asarray(np.ones((2, 3), dtype=np.float32)).device).startswith(TORCH_DEVICE)


def test_available_backends_lists_numpy_first():
    found = dm.available_backends()
    assert found[0] == "numpy" and "array_api_strict" in found


def test_model_to_moves_the_parameters_and_changes_no_global(other):
    X, y = dm.datasets.spirals(n=60, classes=3, seed=0)

    def trained(backend_name):
        model = dm.Sequential([dm.Dense(2, 8), dm.ReLU(), dm.Dense(8, 3)], seed=0)
        before = model.get_weights()
        model.to(backend_name)
        assert dm.backend_name() == "numpy"  # the arrays carry their library: no global moved
        assert all(
            type(p.value) is native_type(backend_name) and type(p.grad) is native_type(backend_name)
            for p in model.parameters()
        )
        assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
        optimizer = dm.Adam(model.parameters(), lr=0.01)  # no dm.use: the model says where
        history = dm.fit(model, dm.SoftmaxCrossEntropy(), optimizer, X, y, epochs=3, verbose=0)
        assert all(type(p.value) is native_type(backend_name) for p in model.parameters())
        return history["loss"], model.predict(X)

    losses, outputs = trained(other)
    reference_losses, reference_outputs = trained("numpy")
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-4)
    np.testing.assert_allclose(outputs, reference_outputs, rtol=1e-4, atol=1e-5)


# --- every layer and loss, forward and backward, against NumPy ----------------------

LAYERS = [
    lambda: dm.Dense(5, 4, seed=0),
    lambda: dm.ReLU(),
    lambda: dm.LeakyReLU(0.1),
    lambda: dm.Sigmoid(),
    lambda: dm.Tanh(),
    lambda: dm.Softmax(),
]


def run_layer(make, name, x, g):
    with dm.use(name):
        layer = make()
        layer.to(name)  # parameters drawn on the host, then moved
        out = layer.forward(dm.asarray(x))
        grad_in = layer.backward(dm.asarray(g))
        grads = [dm.to_numpy(p.grad) for p in layer.parameters()]
        return dm.to_numpy(out), dm.to_numpy(grad_in), grads


@pytest.mark.parametrize(
    "make", LAYERS, ids=["Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax"]
)
def test_every_layer_matches_numpy_forward_and_backward(make, other):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)).astype(np.float32)
    x[np.abs(x) < 0.05] = 0.5  # away from ReLU's kink
    g = rng.normal(size=(6, 4 if make().__class__ is dm.Dense else 5)).astype(np.float32)
    expected, got = run_layer(make, "numpy", x, g), run_layer(make, other, x, g)
    for want, have in zip(expected[:2] + tuple(expected[2]), got[:2] + tuple(got[2])):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-6)


def test_dropout_draws_the_same_mask_on_every_backend(other):
    x = np.ones((50, 8), dtype=np.float32)
    outs = []
    for name in ("numpy", other):
        with dm.use(name):
            layer = dm.Dropout(0.3, seed=7)
            out = dm.to_numpy(layer.forward(dm.asarray(x)))
            back = dm.to_numpy(layer.backward(dm.asarray(x)))
            outs.append(out)
            np.testing.assert_array_equal(out, back)  # same mask forward and back
            assert set(np.unique(out)) == {0.0, np.float32(1 / 0.7)}
            assert dm.to_numpy(layer.eval().forward(dm.asarray(x))) is not None
    np.testing.assert_array_equal(outs[0], outs[1])


LOSSES = [
    (dm.MeanSquaredError, lambda rng: rng.normal(size=(8, 3))),
    (dm.Huber, lambda rng: 3 * rng.normal(size=(8, 3))),
    (dm.BinaryCrossEntropy, lambda rng: (rng.random((8, 3)) > 0.5).astype(float)),
    (dm.SoftmaxCrossEntropy, lambda rng: rng.integers(0, 3, size=8)),
]


@pytest.mark.parametrize("make_loss, make_target", LOSSES, ids=[c.__name__ for c, _ in LOSSES])
def test_every_loss_matches_numpy_value_and_gradient(make_loss, make_target, other):
    rng = np.random.default_rng(1)
    pred = rng.normal(size=(8, 3)).astype(np.float32)
    target = make_target(rng)
    results = []
    for name in ("numpy", other):
        with dm.use(name):
            loss = make_loss()
            value = loss.forward(dm.asarray(pred), target)
            assert isinstance(value, float)
            results.append((value, dm.to_numpy(loss.backward())))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5, atol=1e-7)


def test_gradcheck_passes_in_float64(name):
    X, y = dm.datasets.spirals(n=30, classes=3, seed=0)
    model = dm.Sequential(
        [dm.Dense(2, 5), dm.Tanh(), dm.Dense(5, 4), dm.Sigmoid(), dm.Dense(4, 3)],
        seed=0,
        dtype="float64",
    )
    errors = dm.gradcheck(model, dm.SoftmaxCrossEntropy(), X[:6], y[:6])
    assert set(errors) == {
        "input",
        "0.weights",
        "0.bias",
        "2.weights",
        "2.bias",
        "4.weights",
        "4.bias",
    }
    assert max(errors.values()) < 1e-6, errors


# --- whole training runs ---------------------------------------------------------------

OPTIMIZERS = {
    "sgd_momentum": lambda params: dm.SGD(params, lr=0.1, momentum=0.9),
    "rmsprop": lambda params: dm.RMSprop(params, lr=0.01),
    "adam": lambda params: dm.Adam(params, lr=0.01),
}


def train(name, optimizer, problem, epochs):
    with dm.use(name):
        if problem == "xor":
            X, y = dm.datasets.xor()
            layers, batch = [dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 2)], 4
        elif problem == "spirals":
            X, y = dm.datasets.spirals(n=300, classes=3, seed=0)
            layers, batch = (
                [dm.Dense(2, 64), dm.ReLU(), dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 3)],
                32,
            )
        else:
            X, y = dm.datasets.digits()
            X = X / 16.0
            layers, batch = [dm.Dense(64, 64), dm.ReLU(), dm.Dropout(0.1), dm.Dense(64, 10)], 64
        model = dm.Sequential(layers, seed=0)
        history = dm.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            OPTIMIZERS[optimizer](model.parameters()),
            X,
            y,
            epochs=epochs,
            batch_size=batch,
            seed=0,
            verbose=0,
        )
        assert all(type(p.value) is native_type(name) for p in model.parameters())
        return model, history, dm.accuracy(model.predict(X), y)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(
    "problem, epochs, target", [("xor", 300, 1.0), ("spirals", 120, 0.9), ("digits", 8, 0.95)]
)
def test_training_converges_and_matches_numpy(name, optimizer, problem, epochs, target):
    _, history, acc = train(name, optimizer, problem, epochs)
    assert acc >= target, f"{problem} with {optimizer} on {name}: accuracy {acc}"
    if name != "numpy":  # the same seeded run on NumPy: losses agree to float32 rounding
        _, reference, _ = train("numpy", optimizer, problem, epochs)
        np.testing.assert_allclose(history["loss"][:5], reference["loss"][:5], rtol=1e-4)


def test_predict_returns_numpy_and_agrees(other):
    X, _ = dm.datasets.spirals(n=50, classes=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
    expected = model.predict(X)
    with dm.use(other):
        model.to(other)
        got = model.predict(X)
    dm.use("numpy")
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_a_model_trained_on_another_backend_saves_numpy_and_loads_anywhere(name, tmp_path):
    model, _, acc = train(name, "adam", "spirals", 30)
    path = dm.save(model, tmp_path / "model")
    with np.load(path, allow_pickle=False) as archive:  # plain NumPy arrays on disk
        assert archive["0.weights"].dtype == np.float32
    X, y = dm.datasets.spirals(n=300, classes=3, seed=0)
    with dm.use("numpy"):
        assert dm.accuracy(dm.load(path).predict(X), y) == acc
    loaded = dm.load(path)  # on the active backend
    assert type(loaded.layers[0].weights.value) is native_type(name)
    assert dm.accuracy(loaded.predict(X), y) == acc
