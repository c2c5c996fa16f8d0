"""Loading a stranger's file: it never runs code, never reads more than it declares, never hangs.

Hand-made hostile files first (each must be refused quickly, in plain words
that name the file), then a property test: random bytes and mutated valid
archives give either a model or a ValueError/FileNotFoundError naming the
file, within a time and memory bound, and a pickle payload is never run.
"""

import io
import json
import os
import resource
import stat
import time
import zipfile

import numpy as np
import pytest
from helpers import small_model  # Dense(3, 4), ReLU, Dense(4, 2), seed 0

import demystify as dm

INTERNALS = ("Traceback", "ufunc", "range()", "ZeroDivisionError", "KeyError", "AttributeError")


def write(path, architecture, arrays=None, compress=False):
    """An .npz of our layout with any architecture (dict or raw bytes) and arrays."""
    text = architecture if isinstance(architecture, bytes) else json.dumps(architecture).encode()
    members = {"architecture": np.frombuffer(text, dtype=np.uint8), **(arrays or {})}
    (np.savez_compressed if compress else np.savez)(path, **members)
    return path


def refused(path, *words):
    start = time.perf_counter()
    with pytest.raises((ValueError, FileNotFoundError)) as caught:
        dm.load(path)
    assert time.perf_counter() - start < 2, "refusing took too long"
    message = str(caught.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    assert not [text for text in INTERNALS if text in message], message
    return message


GOOD_LAYERS = [{"type": "Dense", "n_in": 3, "n_out": 4, "init": "he_normal"}, {"type": "ReLU"}]


def architecture(**changes):
    return {"format": "demystify-model/1", "dtype": "float32", "layers": GOOD_LAYERS, **changes}


def test_a_directory_a_device_a_fifo_and_symlinks_to_them_are_refused(tmp_path):
    (tmp_path / "folder.npz").mkdir()
    refused(tmp_path / "folder.npz", "not a regular file")
    refused_path = tmp_path / "zero.npz"
    refused_path.symlink_to("/dev/zero")
    refused(refused_path, "not a regular file")
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")  # and it does not hang waiting for a writer
    link = tmp_path / "link.npz"
    link.symlink_to(fifo)
    refused(link, "not a regular file")


def test_save_and_load_agree_on_names_and_permissions(tmp_path):
    model = small_model()
    written = dm.save(model, tmp_path / "model")
    assert written.name == "model.npz"
    X = np.ones((2, 3))
    assert np.array_equal(dm.load(tmp_path / "model").predict(X), model.predict(X))
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize(
    "text, words",
    [
        (b"{not json", ["not readable JSON"]),
        (b"\xff\xfe\x00", ["not readable JSON"]),
        (b"[1, 2, 3]", ["unknown format"]),
        (b'"a string"', ["unknown format"]),
        (b"[" * 100_000 + b"]" * 100_000, ["not readable JSON"]),  # absurd nesting
        (json.dumps({"format": "someone-else/9"}).encode(), ["unknown format"]),
        (json.dumps(architecture(dtype="int32")).encode(), ["dtype must be float16"]),
        (json.dumps(architecture(dtype=["float32"])).encode(), ["dtype must be"]),
        (json.dumps(architecture(layers="Dense")).encode(), ["layer 0", "malformed"]),
        (
            json.dumps(architecture(layers=[{"type": "Conv2D"}])).encode(),
            ["unknown type 'Conv2D'", "Dense"],
        ),
        (json.dumps(architecture(layers=[["Dense"]])).encode(), ["malformed"]),
        (json.dumps(architecture(layers=[{"same_as": 3}])).encode(), ["layer 0", "malformed"]),
        (
            json.dumps(architecture(layers=[{"type": "Dense", "n_in": -3, "n_out": 2}])).encode(),
            ["n_in must be a whole number"],
        ),
        (
            json.dumps(architecture(layers=[{"type": "Dense", "n_in": "3", "n_out": 2}])).encode(),
            ["n_in must be"],
        ),
    ],
    ids=[
        "broken-json",
        "not-utf8",
        "a-list",
        "a-string",
        "nesting",
        "other-format",
        "int-dtype",
        "list-dtype",
        "layers-not-a-list",
        "unknown-type",
        "layer-not-an-object",
        "same-as-later",
        "negative-size",
        "size-as-text",
    ],
)
def test_a_bad_architecture_is_named_plainly(tmp_path, text, words):
    refused(write(tmp_path / "m.npz", text), *words)


def test_a_huge_declared_layer_is_refused_before_anything_is_built(tmp_path):
    huge = architecture(layers=[{"type": "Dense", "n_in": 16000, "n_out": 16000}])
    path = write(tmp_path / "huge.npz", huge, {"0.weights": np.zeros(1, np.float32)})
    assert path.stat().st_size < 2000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 100, f"memory grew by {grown_mib:.0f} MiB"


def test_a_zip_bomb_member_is_never_decompressed(tmp_path):
    model = small_model()
    path = tmp_path / "bomb.npz"
    arrays = dict(zip([name for name, _ in model.named_parameters()], model.get_weights()))
    arrays["extra"] = np.zeros(200_000_000, dtype=np.uint8)  # 200 MB of zeros: compresses to kB
    write(
        path,
        architecture(
            layers=[
                {"type": "Dense", "n_in": 3, "n_out": 4, "init": "he_normal"},
                {"type": "ReLU"},
                {"type": "Dense", "n_in": 4, "n_out": 2, "init": "he_normal"},
            ]
        ),
        arrays,
        compress=True,
    )
    assert path.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(path, "extra")
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100


@pytest.mark.parametrize(
    "weights, words",
    [
        (np.full((3, 4), np.nan, np.float32), ["NaN or infinite"]),
        (np.full((3, 4), np.inf, np.float32), ["NaN or infinite"]),
        (np.ones((3, 4), np.int32), ["int32"]),
        (np.ones((4, 3), np.float32), ["shape"]),
    ],
    ids=["nan", "inf", "integers", "transposed"],
)
def test_bad_weights_in_a_file_are_reported(tmp_path, weights, words):
    path = write(
        tmp_path / "w.npz",
        architecture(),
        {"0.weights": weights, "0.bias": np.zeros(4, np.float32)},
    )
    refused(path, *words)


def test_missing_and_undeclared_arrays_are_named(tmp_path):
    path = write(tmp_path / "m.npz", architecture(), {"0.weights": np.ones((3, 4), np.float32)})
    refused(path, "0.bias")
    arrays = {
        "0.weights": np.ones((3, 4), np.float32),
        "0.bias": np.zeros(4, np.float32),
        "secret": np.zeros(3),
    }
    refused(write(tmp_path / "n.npz", architecture(), arrays), "secret")


# --- the property test -----------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
strategies = hypothesis.strategies


class Marker:
    """Unpickling this writes a file: if it ever exists, code ran."""

    path = None

    def __reduce__(self):
        return (open, (self.path, "w"))


def valid_archive() -> bytes:
    buffer = io.BytesIO()
    model = small_model()
    arrays = dict(zip([name for name, _ in model.named_parameters()], model.get_weights()))
    arrays["architecture"] = np.frombuffer(
        json.dumps(
            {
                "format": "demystify-model/1",
                "dtype": "float32",
                "layers": [
                    {"type": "Dense", "n_in": 3, "n_out": 4, "init": "he_normal"},
                    {"type": "ReLU"},
                    {"type": "Dense", "n_in": 4, "n_out": 2, "init": "he_normal"},
                ],
            }
        ).encode(),
        np.uint8,
    )
    np.savez(buffer, **arrays)
    return buffer.getvalue()


VALID = valid_archive()


def pickled_member_archive(marker: str) -> bytes:
    Marker.path = marker
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(VALID)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "0.bias.npy":  # replace a declared array by a pickled object
                inner = io.BytesIO()
                np.save(inner, np.array([Marker(), None], dtype=object), allow_pickle=True)
                data = inner.getvalue()
            target.writestr(info.filename, data)
    return buffer.getvalue()


def mutate(flips: dict[int, int]) -> bytes:
    """The valid archive with some bytes XOR-ed: damaged headers, sizes, names, data."""
    data = bytearray(VALID)
    for index, mask in flips.items():
        data[index] ^= mask
    return bytes(data)


BYTES = strategies.one_of(
    strategies.binary(max_size=4096),  # anything at all
    strategies.dictionaries(
        strategies.integers(0, len(VALID) - 1), strategies.integers(1, 255), max_size=8
    ).map(mutate),
    strategies.tuples(strategies.integers(0, len(VALID)), strategies.binary(max_size=64)).map(
        lambda cut: VALID[: cut[0]] + cut[1]  # truncated, then garbage
    ),
    strategies.just(b"marker"),  # stands for the archive with a pickled member
)


@pytest.mark.parametrize(
    "patch, what",
    [
        (lambda entry: entry[:6] + b"\x6d\x00" + entry[8:], "a zip version from the future"),
        (lambda entry: entry[:8] + b"\x01\x00" + entry[10:], "an encrypted member"),
        (lambda entry: entry[:10] + b"\x63\x00" + entry[12:], "an unknown compression"),
    ],
    ids=["version", "encrypted", "compression"],
)
def test_what_zipfile_itself_cannot_read_is_a_plain_error(tmp_path, patch, what):
    """zipfile raises NotImplementedError or RuntimeError for these; load says it in words."""
    data = bytearray(VALID)
    start = data.index(b"PK\x01\x02")  # the first central-directory entry
    data[start : start + 12] = patch(bytes(data[start : start + 12]))
    path = tmp_path / "odd.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a readable demystify model") as caught:
        dm.load(path)
    assert str(path) in str(caught.value), what


@hypothesis.settings(
    max_examples=150, deadline=2000, suppress_health_check=list(hypothesis.HealthCheck)
)
@hypothesis.given(data=BYTES)
def test_any_bytes_give_a_model_or_a_plain_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("strangers")
    marker = folder / "code-ran"
    if data == b"marker":
        data = pickled_member_archive(str(marker))
    path = folder / "stranger.npz"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        model = dm.load(path)
    except (ValueError, FileNotFoundError) as error:
        assert str(path) in str(error)
        assert not [text for text in INTERNALS if text in str(error)], str(error)
    else:
        assert isinstance(model, dm.Sequential)
    assert time.perf_counter() - start < 2
    assert not marker.exists(), "a pickle in the file was executed"
