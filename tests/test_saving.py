"""Saving and loading: exact round trips, atomic writes, and files refused with a reason."""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demystify as dm


def every_layer_model(dtype=None):
    return dm.Sequential(
        [
            dm.Dense(4, 8, init="glorot_normal"),
            dm.LeakyReLU(0.2),
            dm.Dropout(0.3),
            dm.Dense(8, 8),
            dm.Tanh(),
            dm.Dense(8, 6),
            dm.Sigmoid(),
            dm.Dense(6, 3),
            dm.ReLU(),
            dm.Dense(3, 3),
            dm.Softmax(),
        ],
        seed=0,
        dtype=dtype,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_gives_identical_predictions(tmp_path, rng, dtype):
    model = every_layer_model(dtype)
    for parameter in model.parameters():  # biases too, not just the zeros they start at
        parameter.value[...] += rng.normal(size=parameter.shape)
    path = dm.save(model, tmp_path / "model.npz")
    loaded = dm.load(path)
    X = rng.normal(size=(10, 4))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.dtype == dtype
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    assert loaded.layers[1].slope == 0.2 and loaded.layers[2].p == 0.3
    assert loaded.training is False  # ready to predict


def test_save_adds_the_suffix_and_creates_folders(tmp_path):
    path = dm.save(every_layer_model(), tmp_path / "deep" / "er" / "model")
    assert path == tmp_path / "deep" / "er" / "model.npz" and path.exists()
    assert isinstance(dm.load(path), dm.Sequential)


def test_the_file_is_data_not_code(tmp_path):
    path = dm.save(every_layer_model(), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        architecture = json.loads(archive["architecture"].tobytes().decode())
    assert names == {
        "architecture",
        "0.weights",
        "0.bias",
        "3.weights",
        "3.bias",
        "5.weights",
        "5.bias",
        "7.weights",
        "7.bias",
        "9.weights",
        "9.bias",
    }
    assert architecture["layers"][0] == {
        "type": "Dense",
        "n_in": 4,
        "n_out": 8,
        "init": "glorot_normal",
    }


def test_saving_leaves_no_temporary_files(tmp_path):
    model = every_layer_model()
    dm.save(model, tmp_path / "m.npz")
    dm.save(model, tmp_path / "m.npz")  # overwriting too
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch, rng):
    old = every_layer_model()
    path = dm.save(old, tmp_path / "m.npz")
    old_bytes = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip file")  # some bytes reach the disk first
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    new = dm.Sequential([dm.Dense(4, 2)], seed=1)
    with pytest.raises(OSError, match="disk full"):
        dm.save(new, path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    X = rng.normal(size=(3, 4))
    assert np.array_equal(dm.load(path).predict(X), old.predict(X))


class _Payload:
    """Unpickling this object would write a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_pickled_object_array_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "code-ran"
    architecture = json.dumps(
        {"format": "demystify-model/1", "dtype": "float32", "layers": [{"type": "ReLU"}]}
    ).encode()
    for member in ("payload", "architecture"):  # an extra member, or the architecture itself
        path = tmp_path / f"evil-{member}.npz"
        arrays = {"architecture": np.frombuffer(architecture, dtype=np.uint8)}
        arrays[member] = np.array([_Payload(marker), None], dtype=object)
        np.savez(path, **arrays)
        with pytest.raises(ValueError, match=rf"evil-{member}\.npz"):
            dm.load(path)
    assert not marker.exists()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model at .*nothing-here.npz"):
        dm.load(tmp_path / "nothing-here.npz")


def test_a_truncated_file_is_named(tmp_path):
    path = dm.save(every_layer_model(), tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.npz is not a readable demystify model"):
        dm.load(path)


def test_a_file_that_is_not_an_npz_is_named(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("just some text\n")
    with pytest.raises(ValueError, match=r"notes\.npz is not a readable demystify model"):
        dm.load(path)


def test_a_foreign_npz_is_named(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones((2, 2)))
    with pytest.raises(
        ValueError, match=r"foreign\.npz is not a readable demystify model.*no architecture entry"
    ):
        dm.load(path)


def test_a_damaged_architecture_is_named(tmp_path):
    path = dm.save(dm.Sequential([dm.Dense(2, 3)], seed=0), tmp_path / "m.npz")
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["0.weights"] = np.ones((3, 3))  # no longer fits Dense(2, 3)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"m\.npz is not a readable demystify model.*shape"):
        dm.load(path)
    arrays["architecture"] = np.frombuffer(b'{"format": "someone-else/9"}', dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(
        ValueError, match=r"m\.npz is not a readable demystify model.*unknown format"
    ):
        dm.load(path)


class Doubler(dm.Layer):
    """A user's own layer, defined outside the package: ``y = factor * x``."""

    def __init__(self, factor: float = 2.0):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return self.factor * x

    def backward(self, grad_out, input_grad=True):
        return self.factor * grad_out

    def config(self):
        return {"factor": self.factor}


class Scale(dm.Layer):
    """A user's layer with a parameter and a required constructor argument."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n
        self.scale = dm.Parameter(np.ones(n, dtype=np.float32))

    def named_parameters(self):
        yield "scale", self.scale

    def forward(self, x):
        return x * self.scale.value

    def config(self):
        return {"n": self.n}


@pytest.mark.parametrize(
    "layers",
    [
        lambda: [dm.Dense(2, 3), dm.Step(), dm.Dense(3, 2)],
        lambda: [dm.Dense(2, 3), Doubler(0.5), Scale(3), dm.Dense(3, 2)],
    ],
    ids=["Step", "user-defined"],
)
def test_a_model_with_any_layer_class_round_trips(tmp_path, rng, layers):
    model = dm.Sequential(layers(), seed=0)
    for parameter in model.parameters():
        parameter.value[...] += rng.normal(size=parameter.shape)
    loaded = dm.load(dm.save(model, tmp_path / "m.npz"))
    X = rng.normal(size=(6, 2))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]


def test_a_shared_layer_is_saved_once_and_shared_again(tmp_path, rng):
    shared = dm.Dense(4, 4)
    model = dm.Sequential([shared, dm.Tanh(), shared, dm.Tanh(), dm.Dense(4, 2)], seed=0)
    assert [name for name, _ in model.named_parameters()] == [
        "0.weights",
        "0.bias",
        "4.weights",
        "4.bias",
    ]
    path = dm.save(model, tmp_path / "shared")
    with np.load(path) as archive:
        assert sorted(archive.files) == [
            "0.bias",
            "0.weights",
            "4.bias",
            "4.weights",
            "architecture",
        ]
    loaded = dm.load(path)
    X = rng.normal(size=(5, 4))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.layers[0] is loaded.layers[2]  # one layer again, not two copies
    loaded.layers[0].weights.value[0, 0] += 1.0
    assert loaded.layers[2].weights.value[0, 0] == loaded.layers[0].weights.value[0, 0]


def test_a_layer_whose_config_cannot_rebuild_it_is_refused_when_saving(tmp_path):
    class Forgetful(dm.Layer):  # needs `n` but does not say so in config()
        def __init__(self, n):
            super().__init__()
            self.n = n

        def forward(self, x):
            return x

        def config(self):
            return {}

    with pytest.raises(
        ValueError, match=r"save: not written, as dm.load would refuse .*m\.npz: .*Forgetful.*'n'"
    ):
        dm.save(dm.Sequential([dm.Dense(2, 2), Forgetful(3)]), tmp_path / "m.npz")
    assert not any(tmp_path.iterdir())


def test_an_unknown_layer_type_is_refused_by_name_listing_the_known_ones(tmp_path):
    path = dm.save(dm.Sequential([dm.Dense(2, 3), dm.ReLU()], seed=0), tmp_path / "m.npz")
    with np.load(path) as archive:
        arrays = dict(archive)
    text = arrays["architecture"].tobytes().decode().replace('"ReLU"', '"Conv2D"')
    arrays["architecture"] = np.frombuffer(text.encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"layer 1: unknown type 'Conv2D'; known: .*Dense.*ReLU"):
        dm.load(path)


def test_only_layers_that_say_how_to_rebuild_them_are_known_to_load(tmp_path):
    """Every Layer subclass ever imported (bases, helpers, test classes) was once loadable."""

    class Helper(dm.Layer):  # a helper with no config(): nothing dm.load should build
        def forward(self, x):
            return x

    known = set(dm.layers.LAYER_TYPES)
    assert "Helper" not in known and not {"Layer", "Activation", "Sequential"} & known
    ours = {"Dense", "Dropout", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Step"}
    assert ours <= known and {"Doubler", "Scale"} <= known  # this file's layers with config()
    with pytest.raises(TypeError, match=r"cannot save layer 0 \(Helper\): dm.load knows no such"):
        dm.save(dm.Sequential([Helper()]), tmp_path / "m.npz")
    assert not any(tmp_path.iterdir())


# --- save and load agree: what save writes, load gives back bit for bit (issue #25) ------------


@st.composite
def models(draw):
    """Small models of every kind `save` may meet: shared layers, mixed dtypes, bad weights."""
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    dtypes = st.sampled_from(["float16", "float32", "float64"])
    layers = []
    for n_in, n_out in zip(widths, widths[1:]):
        layers.append(dm.Dense(n_in, n_out, seed=draw(st.integers(0, 9)), dtype=draw(dtypes)))
        layers.append(
            draw(st.sampled_from([dm.ReLU(), dm.Tanh(), dm.LeakyReLU(0.1), dm.Dropout(0.2)]))
        )
    if draw(st.booleans()) and widths[0] == widths[-1]:
        layers.append(layers[0])  # one layer used twice
    model = dm.Sequential(layers, dtype=draw(st.none() | dtypes))
    parameters = list(model.parameters())
    if draw(st.booleans()):  # a weight written by hand, perhaps one that dm.load refuses
        parameter = draw(st.sampled_from(parameters))
        value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e30, -2.5, 0.0]))
        with np.errstate(over="ignore"):
            parameter.value[(0,) * parameter.value.ndim] = value
    return model


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(model=models())
def test_what_save_accepts_load_gives_back_bit_for_bit(model, tmp_path):
    path = tmp_path / "m.npz"
    path.unlink(missing_ok=True)
    try:
        dm.save(model, path)
    except ValueError as error:  # refused in words, before anything was written
        assert "save: not written, as dm.load would refuse" in str(error)
        assert not path.exists() and not list(tmp_path.glob(".*.tmp"))
        weights = model.get_weights()
        finite = all(np.all(np.isfinite(w)) for w in weights)
        assert not finite or len({w.dtype for w in weights}) > 1, f"refused a good model: {error}"
        return
    loaded = dm.load(path)
    assert repr(loaded) == repr(model)
    for before, after in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert before.dtype == after.dtype and np.array_equal(before, after)
