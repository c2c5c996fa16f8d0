"""Sequential: batched inference-mode predict, summary, weights in and out, dtypes."""

import numpy as np
import pytest

import demystify as dm


def mlp(**options):
    return dm.Sequential([dm.Dense(5, 16), dm.ReLU(), dm.Dropout(0.5), dm.Dense(16, 3)], **options)


def test_forward_is_the_layers_in_order(rng):
    model = mlp(seed=0, dtype="float64").eval()
    first, last = model.layers[0], model.layers[3]
    x = rng.normal(size=(4, 5))
    hidden = np.maximum(x @ first.weights.value + first.bias.value, 0)
    assert np.allclose(model.forward(x), hidden @ last.weights.value + last.bias.value)


def test_predict_is_batched_and_in_inference_mode(rng):
    model = mlp(seed=1)
    model.layers[0].bias.value[...] = 0.1
    X = rng.normal(size=(50, 5)).astype(np.float32)
    assert model.training  # a fresh model trains: Dropout would be active in forward
    small, large = model.predict(X, batch_size=7), model.predict(X, batch_size=1024)
    assert isinstance(small, np.ndarray) and small.shape == (50, 3)
    assert np.allclose(small, large, rtol=1e-6, atol=1e-7)
    assert np.array_equal(model.predict(X), large)  # no dropout noise: the same every time
    model.eval()
    assert np.allclose(model.forward(X), large, rtol=1e-6, atol=1e-7)  # eval forward == predict
    model.train()
    assert not np.allclose(model.forward(X), large)  # while training, dropout changes things
    model.predict(X)
    assert model.training  # predict put the mode back
    assert model.predict(np.zeros((0, 5))).shape[0] == 0


def test_summary_lists_layers_shapes_and_parameter_counts(capsys):
    model = dm.Sequential([dm.Dense(2, 64), dm.ReLU(), dm.Dense(64, 3)], seed=0)
    text = dm.summary(model)
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    assert (
        "Dense(n_in=2, n_out=64" in lines[1]
        and "(batch, 64)" in lines[1]
        and lines[1].endswith("192")
    )
    assert "ReLU()" in lines[2] and "(batch, 64)" in lines[2] and lines[2].endswith(" 0")
    assert (
        "Dense(n_in=64, n_out=3" in lines[3]
        and "(batch, 3)" in lines[3]
        and lines[3].endswith("195")
    )
    assert lines[-1] == "total parameters: 387"


def test_get_and_set_weights_round_trip_with_clear_errors(rng):
    source, target = mlp(seed=0), mlp(seed=1)
    X = rng.normal(size=(8, 5))
    assert not np.allclose(source.predict(X), target.predict(X))
    weights = source.get_weights()
    assert [w.shape for w in weights] == [(5, 16), (16,), (16, 3), (3,)]
    target.set_weights(weights)
    assert np.array_equal(source.predict(X), target.predict(X))
    weights[0][...] = 99.0  # copies: changing them does not reach into the model
    assert not np.any(source.layers[0].weights.value == 99.0)

    before = target.get_weights()
    with pytest.raises(ValueError, match="expected 4 arrays, got 3"):
        target.set_weights(before[:3])
    with pytest.raises(ValueError, match=r"3\.weights has shape \(16, 3\), got \(3, 16\)"):
        target.set_weights([before[0], before[1], before[2].T, before[3]])
    assert all(np.array_equal(a, b) for a, b in zip(before, target.get_weights()))  # untouched


def test_float32_by_default_and_float64_on_request(rng):
    X = rng.normal(size=(4, 5))
    default = mlp(seed=0)
    assert default.dtype == "float32"
    assert all(p.value.dtype == np.float32 for p in default.parameters())
    assert default.predict(X).dtype == np.float32

    for model in (mlp(seed=0, dtype="float64"), dm.Sequential([dm.Dense(5, 3)], dtype="float64")):
        assert model.dtype == "float64"
        assert all(
            p.value.dtype == np.float64 and p.grad.dtype == np.float64 for p in model.parameters()
        )
        assert model.forward(X).dtype == np.float64
        assert model.predict(X).dtype == np.float64
    # same seed, same numbers: float64 holds exactly the float32 draws' values up to rounding
    assert np.allclose(
        mlp(seed=0, dtype="float64").get_weights()[0], default.get_weights()[0], atol=1e-6
    )


def test_a_seeded_model_is_reproducible():
    assert all(
        np.array_equal(a, b) for a, b in zip(mlp(seed=5).get_weights(), mlp(seed=5).get_weights())
    )
    assert not np.array_equal(mlp(seed=5).get_weights()[0], mlp(seed=6).get_weights()[0])


def test_sequential_refuses_things_that_are_not_layers():
    with pytest.raises(TypeError, match="item #1"):
        dm.Sequential([dm.Dense(2, 2), "relu"])
    with pytest.raises(RuntimeError, match="forward pass first"):
        dm.Sequential([dm.Dense(2, 2)]).backward(np.zeros((1, 2)))


def test_train_and_eval_reach_every_layer():
    model = mlp(seed=0)
    model.eval()
    assert not any(layer.training for layer in model.layers)
    model.train()
    assert all(layer.training for layer in model.layers)


# --- bugs found on the way (issue #23): each test failed on the code before the fix -------------


def train_digits(print_summary: bool) -> list[np.ndarray]:
    X, y = dm.datasets.digits()
    model = dm.Sequential([dm.Dense(64, 32), dm.ReLU(), dm.Dropout(0.5), dm.Dense(32, 10)], seed=3)
    if print_summary:
        dm.summary(model)
    optimizer = dm.SGD(model.parameters(), lr=0.01)
    dm.fit(model, dm.SoftmaxCrossEntropy(), optimizer, X[:200] / 16, y[:200], 2, verbose=0)
    return model.get_weights()


def test_printing_a_summary_changes_no_training(capsys):
    """`summary()` once ran a forward pass in training mode, drawing Dropout's random numbers."""
    quiet, printed = train_digits(False), train_digits(True)
    assert "total parameters: 2,410" in capsys.readouterr().out
    assert all(np.array_equal(a, b) for a, b in zip(quiet, printed))


def test_inference_keeps_no_batch_alive(rng):
    """`predict` once left every layer's last batch in its `.cache`."""
    model = mlp(seed=0)
    model.predict(rng.normal(size=(300, 5)))
    assert model.cache is None and all(layer.cache is None for layer in model.layers)


def test_predict_on_zero_rows_has_one_column_per_output():
    """`predict` on no rows once returned shape (0,) instead of (0, outputs)."""
    assert mlp(seed=0).predict(np.zeros((0, 5))).shape == (0, 3)
    assert dm.Sequential([dm.ReLU()]).predict(np.zeros((0, 4))).shape == (0, 4)


def test_the_network_says_its_widths():
    model = mlp(seed=0)
    assert (model.n_in, model.n_out) == (5, 3)
    assert (dm.Sequential([dm.Tanh()]).n_in, dm.Sequential([]).n_out) == (None, None)
