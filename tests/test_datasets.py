"""Data sets: seeded generators, the shipped digits, helpers, and MNIST served from a local fixture.

MNIST is tested without the internet: tests/fixtures/mnist holds four tiny
gzipped IDX files in MNIST's names (built by tests/fixtures/make_mnist.py),
served over HTTP on 127.0.0.1 from a thread.
"""

import functools
import gzip
import hashlib
import http.server
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import load_script

from demystify import datasets

FIXTURES = Path(__file__).parent / "fixtures" / "mnist"
MNIST_NAMES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]

GENERATORS = {  # name -> (call, number of classes or None for regression)
    "xor": (lambda seed: datasets.xor(n=100, seed=seed), 2),
    "moons": (lambda seed: datasets.moons(n=101, seed=seed), 2),
    "circles": (lambda seed: datasets.circles(n=101, seed=seed), 2),
    "spirals": (lambda seed: datasets.spirals(n=101, classes=4, seed=seed), 4),
    "blobs": (lambda seed: datasets.blobs(n=101, centers=5, features=3, seed=seed), 5),
    "linear": (lambda seed: datasets.linear(n=101, features=3, seed=seed), None),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_seeded_with_the_right_shapes(name):
    make, classes = GENERATORS[name]
    X, y = make(0)
    X_again, y_again = make(0)
    X_other, _ = make(1)
    assert np.array_equal(X, X_again) and np.array_equal(y, y_again)
    assert not np.array_equal(X, X_other)
    assert X.dtype == np.float32 and X.ndim == 2 and len(X) == len(y)
    assert np.all(np.isfinite(X))
    if classes is None:
        assert y.shape == (len(X), 1) and y.dtype == np.float32
    else:
        assert y.ndim == 1 and np.issubdtype(y.dtype, np.integer)
        assert set(np.unique(y)) == set(range(classes))  # every class present, nothing else
    expected_features = {"blobs": 3, "linear": 3}.get(name, 2)
    assert X.shape[1] == expected_features


def test_generator_sizes_and_labels_mean_what_they_say():
    X, y = datasets.xor(n=400, noise=0.05, seed=0)
    assert X.shape == (400, 2)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int))  # the XOR rule itself
    X, y = datasets.circles(n=300, noise=0.0, factor=0.5, seed=0)
    assert np.allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 1, 0.5, 1.0), atol=1e-6)
    _, y = datasets.spirals(n=600, classes=3, seed=0)
    assert np.array_equal(np.bincount(y), [200, 200, 200])
    with pytest.raises(ValueError, match=r"spirals: n must be a whole number in \[3, inf\), got 2"):
        datasets.spirals(n=2, classes=3)


def test_a_generator_accepts_a_numpy_generator():
    a = datasets.moons(n=50, seed=np.random.default_rng(7))
    b = datasets.moons(n=50, seed=np.random.default_rng(7))
    assert np.array_equal(a[0], b[0])


def test_the_shipped_digits():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(10)) and np.bincount(y).min() > 170
    assert X.min() == 0 and X.max() == 16
    images, labels = datasets.digits(flatten=False)
    assert images.shape == (1797, 8, 8) and np.array_equal(images.reshape(1797, 64), X)
    assert np.array_equal(labels, y)


def test_train_test_split_is_a_seeded_partition():
    X, y = np.arange(200).reshape(100, 2), np.arange(100)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 25 and len(X_train) == 75
    assert np.array_equal(X_train[:, 0] // 2, y_train) and np.array_equal(X_test[:, 0] // 2, y_test)
    assert sorted(np.r_[y_train, y_test]) == list(range(100))  # disjoint and complete
    again = datasets.train_test_split(X, y, test_size=0.25, seed=0)
    other = datasets.train_test_split(X, y, test_size=0.25, seed=1)
    assert np.array_equal(again[3], y_test) and not np.array_equal(other[3], y_test)
    with pytest.raises(ValueError, match="X has 100 rows but y has 99"):
        datasets.train_test_split(X, y[:99])
    with pytest.raises(ValueError, match=r"test_size must be a number in \(0, 1\)"):
        datasets.train_test_split(X, y, test_size=25)


def test_standardize_uses_the_training_statistics(rng):
    train = rng.normal(5, 3, size=(200, 4))
    test = rng.normal(-1, 1, size=(50, 4))
    train_s, test_s = datasets.standardize(train, test)
    assert np.allclose(train_s.mean(axis=0), 0, atol=1e-5) and np.allclose(
        train_s.std(axis=0), 1, atol=1e-5
    )
    assert np.allclose(test_s, (test - train.mean(axis=0)) / train.std(axis=0), atol=1e-5)
    assert not np.allclose(test_s.mean(axis=0), 0, atol=0.5)  # the test set keeps its own offset
    assert train_s.dtype == np.float32
    assert np.array_equal(datasets.standardize(train), train_s)  # one argument: one array back


def test_standardize_leaves_a_constant_feature_finite():
    # pixel columns that are always 0 in the training digits may be nonzero in the test set
    train = np.c_[np.zeros(10), np.arange(10.0)]
    test = np.array([[3.0, 4.5]])
    _, test_s = datasets.standardize(train, test)
    assert np.all(np.abs(test_s) < 10) and test_s[0, 0] == 3.0


def test_one_hot():
    assert np.array_equal(datasets.one_hot([2, 0, 1]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert datasets.one_hot([1], n_classes=4).shape == (1, 4)
    assert datasets.one_hot([1]).dtype == np.float32
    with pytest.raises(ValueError, match=r"labels must lie in 0..2, found 0 to 3"):
        datasets.one_hot([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="labels must lie in"):
        datasets.one_hot([-1, 1])


# --- IDX files and MNIST --------------------------------------------------------------------


def fixture_builder():
    return load_script("make_mnist", FIXTURES.parent / "make_mnist.py")


@pytest.fixture
def mnist_server():
    """Serve tests/fixtures/mnist on a free loopback port; yields (base_url, stop)."""
    handler = functools.partial(QuietHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stopped = []

    def stop():
        if not stopped:
            server.shutdown()
            server.server_close()
            thread.join()
            stopped.append(True)

    yield f"http://127.0.0.1:{server.server_address[1]}/", stop
    stop()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


def fixture_hashes():
    return {
        name: "md5:" + hashlib.md5((FIXTURES / name).read_bytes()).hexdigest()
        for name in MNIST_NAMES
    }


def test_mnist_downloads_checks_and_parses(tmp_path, mnist_server, monkeypatch):
    pytest.importorskip("pooch", reason="mnist() needs the data extra (pooch)")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    base_url, stop = mnist_server
    X_train, y_train, X_test, y_test = datasets.mnist(
        cache_dir=tmp_path, base_url=base_url, files=fixture_hashes()
    )
    assert X_train.shape == (20, 784) and X_test.shape == (10, 784)
    assert X_train.dtype == np.float32 and 0 <= X_train.min() and X_train.max() == 1.0
    builder = fixture_builder()
    expected_train_labels = np.arange(20) % 10
    assert np.array_equal(y_train, expected_train_labels) and y_train.dtype == np.int64
    assert np.array_equal(y_test, (np.arange(10) * 3) % 10)
    assert np.array_equal(X_train * 255, builder.images_for(expected_train_labels).reshape(20, 784))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(MNIST_NAMES)

    # a second call needs no server: everything comes from the checked cache
    stop()
    again = datasets.mnist(
        cache_dir=tmp_path, base_url=base_url, files=fixture_hashes(), flatten=False
    )
    assert again[0].shape == (20, 28, 28)
    assert np.array_equal(again[0].reshape(20, 784), X_train)


def test_mnist_refuses_a_file_with_the_wrong_checksum(tmp_path, mnist_server, monkeypatch):
    pytest.importorskip("pooch", reason="mnist() needs the data extra (pooch)")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    base_url, _ = mnist_server
    files = fixture_hashes()
    files["train-labels-idx1-ubyte.gz"] = "md5:" + "0" * 32
    with pytest.raises(ValueError, match="does not match its checksum"):
        datasets.mnist(cache_dir=tmp_path, base_url=base_url, files=files)
    assert not (tmp_path / "train-labels-idx1-ubyte.gz").exists()  # the bad file was not kept


def test_mnist_offline_fails_fast_in_one_plain_line(tmp_path, monkeypatch):
    pytest.importorskip("pooch", reason="mnist() needs the data extra (pooch)")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with socket.socket() as sock:  # a port where nothing listens: the network is "down"
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cache = tmp_path / "cache"
    start = time.perf_counter()
    with pytest.raises(OSError) as caught:
        datasets.mnist(cache_dir=cache, base_url=f"http://127.0.0.1:{port}/")
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert "\n" not in message and "download" in message and "failed" in message
    assert str(cache) in message and "dm.datasets.digits()" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert not cache.exists()  # no empty cache folder left behind


def test_mnist_without_pooch_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pooch(name, *args, **kwargs):
        if name == "pooch":
            raise ImportError("No module named 'pooch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pooch)
    with pytest.raises(ImportError, match=r'pip install "demystify\[data\]"'):
        datasets.mnist()


def test_read_idx_plain_and_gzipped(tmp_path):
    builder = fixture_builder()
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(builder.idx_bytes(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(builder.idx_bytes(array)))
    assert np.array_equal(datasets.read_idx(tmp_path / "a.idx"), array)
    assert np.array_equal(datasets.read_idx(tmp_path / "a.idx.gz"), array)


def test_read_idx_on_a_truncated_file(tmp_path):
    builder = fixture_builder()
    data = builder.idx_bytes(np.zeros((5, 28, 28), np.uint8))
    (tmp_path / "short.idx").write_bytes(data[:-100])
    with pytest.raises(ValueError, match=r"short\.idx is truncated: header promises \(5, 28, 28\)"):
        datasets.read_idx(tmp_path / "short.idx")
    gz = (FIXTURES / "train-images-idx3-ubyte.gz").read_bytes()
    (tmp_path / "short.gz").write_bytes(gz[: len(gz) // 2])  # the gzip stream itself is cut
    with pytest.raises(ValueError, match=r"short\.gz"):
        datasets.read_idx(tmp_path / "short.gz")


def test_read_idx_on_a_file_that_is_not_idx(tmp_path):
    (tmp_path / "page.html").write_text("<html>Service unavailable</html>")
    with pytest.raises(ValueError, match=r"page\.html is not an unsigned-byte IDX file"):
        datasets.read_idx(tmp_path / "page.html")
    (tmp_path / "fake.gz").write_text("not gzip at all")
    with pytest.raises(ValueError, match=r"fake\.gz"):
        datasets.read_idx(tmp_path / "fake.gz")
