"""Data sets that work offline: small generated problems, shipped digits, and MNIST.

* Generated, seeded 2-D problems for seeing decision boundaries: `xor`,
  `moons`, `circles`, `spirals`, `blobs`; and `linear` for regression.
* `digits()`: 1,797 real 8x8 handwritten digits shipped inside the package.
* `mnist()`: the 70,000 28x28 digits, downloaded once into a cache and checked
  against known hashes (with pooch), then parsed from the IDX files here.
* Helpers: `train_test_split`, `standardize`, `one_hot`.

Every generator returns ``(X, y)`` with X float32 of shape ``(n, features)``
and integer labels y (float targets for `linear`).
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import zlib
from importlib import resources
from pathlib import Path

import numpy as np

from ..backend import to_numpy
from ..checks import affordable, number, real_array
from ..init import as_generator

# The shipped files, read through importlib.resources: they are found whether the package is a
# folder on disk or a zip on the path (``spark-submit --py-files demystify.zip``).
DATA = resources.files(__name__) / "data"


COPIES = 4  # arrays of the data's size a generator holds at once: X, the noise, the order, float32


def affordable_rows(owner: str, n: int, columns: int) -> None:
    """Refuse in words `n` rows of `columns` numbers (and a label) more than this machine holds."""
    affordable(
        COPIES * 8.0 * n * (columns + 1),
        f"{owner}: a data set of {n:,} rows of {columns:,} features",
    )


def _settings(owner: str, n: int, minimum: int = 1, columns: int = 2, **spreads) -> int:
    """Check a generator's settings: `n` rows (at least `minimum`) that fit, each spread >= 0."""
    for name, value in spreads.items():
        number(name, value, "[0, inf)", owner=owner)
    n = number("n", n, f"[{minimum}, inf)", whole=True, owner=owner)
    affordable_rows(owner, n, columns)
    return n


def _finish(X, y, rng):
    order = rng.permutation(len(X))  # mix the classes so any prefix is a fair sample
    return X[order].astype(np.float32), y[order]


def xor(n: int = 200, noise: float = 0.1, seed=0):
    """Four clusters at the corners of a square; label 1 where exactly one coordinate is > 0."""
    n = _settings("xor", n, 4, noise=noise)
    rng = as_generator(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    corners[:4] = [[0, 0], [0, 1], [1, 0], [1, 1]]  # every corner present, even for n=4
    X = (corners * 2.0 - 1.0) + rng.normal(0, noise, size=(n, 2))
    return _finish(X, (corners[:, 0] ^ corners[:, 1]).astype(np.int64), rng)


def moons(n: int = 200, noise: float = 0.1, seed=0):
    """Two interleaving half circles."""
    n = _settings("moons", n, 2, noise=noise)
    rng = as_generator(seed)
    n_top = n // 2
    angles_top, angles_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n - n_top)
    top = np.c_[np.cos(angles_top), np.sin(angles_top)]
    bottom = np.c_[1 - np.cos(angles_bottom), 0.5 - np.sin(angles_bottom)]
    X = np.vstack([top, bottom]) + rng.normal(0, noise, size=(n, 2))
    y = np.r_[np.zeros(n_top, np.int64), np.ones(n - n_top, np.int64)]
    return _finish(X, y, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed=0):
    """A small circle (label 1) inside a large one (label 0), `factor` times its radius."""
    n = _settings("circles", n, 2, noise=noise)
    number("factor", factor, "(0, 1)", owner="circles")
    rng = as_generator(seed)
    n_outer = n // 2
    angles = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.r_[np.ones(n_outer), np.full(n - n_outer, factor)]
    X = np.c_[np.cos(angles), np.sin(angles)] * radius[:, None] + rng.normal(0, noise, size=(n, 2))
    y = np.r_[np.zeros(n_outer, np.int64), np.ones(n - n_outer, np.int64)]
    return _finish(X, y, rng)


def spirals(n: int = 600, classes: int = 3, noise: float = 0.2, seed=0):
    """`classes` arms spiralling out from the centre (the classic CS231n toy problem)."""
    classes = number("classes", classes, "[1, inf)", whole=True, owner="spirals")
    n = _settings("spirals", n, classes, noise=noise)
    rng = as_generator(seed)
    counts = [len(range(c, n, classes)) for c in range(classes)]
    y = np.repeat(np.arange(classes), counts)
    radius = np.concatenate([np.linspace(0.0, 1.0, count) for count in counts])  # 0..1 on an arm
    theta = y * (2 * np.pi / classes) + radius * 4.0 + rng.normal(0, noise, size=n) * radius
    X = np.c_[radius * np.sin(theta), radius * np.cos(theta)]
    return _finish(X, y.astype(np.int64), rng)


def blobs(n: int = 300, centers: int = 3, spread: float = 0.6, features: int = 2, seed=0):
    """Gaussian clusters around random centres, one class per cluster."""
    centers = number("centers", centers, "[1, inf)", whole=True, owner="blobs")
    features = number("features", features, "[1, inf)", whole=True, owner="blobs")
    n = _settings("blobs", n, centers, features, spread=spread)
    rng = as_generator(seed)
    middles = rng.uniform(-4, 4, size=(centers, features))
    y = np.arange(n) % centers
    X = middles[y] + rng.normal(0, spread, size=(n, features))
    return _finish(X, y.astype(np.int64), rng)


def linear(n: int = 200, features: int = 1, noise: float = 0.1, seed=0):
    """Regression: ``y = X @ w + b + noise`` with random w and b; y has shape (n, 1)."""
    features = number("features", features, "[1, inf)", whole=True, owner="linear")
    n = _settings("linear", n, 1, features, noise=noise)
    rng = as_generator(seed)
    X = rng.uniform(-1, 1, size=(n, features))
    weights, bias = rng.normal(0, 1, size=(features, 1)), rng.normal()
    y = X @ weights + bias + rng.normal(0, noise, size=(n, 1))
    return X.astype(np.float32), y.astype(np.float32)


def digits(flatten: bool = True):
    """The shipped 1,797 handwritten 8x8 digits: X (pixels 0..16 as float32), y (0..9).

    With ``flatten=False`` X keeps its image shape ``(1797, 8, 8)``. Source and
    licence (CC BY 4.0, UCI / Alpaydin & Kaynak) are in ``datasets/data/README.md``.
    """
    with (DATA / "digits.npz").open("rb") as file, np.load(file, allow_pickle=False) as archive:
        images, labels = archive["images"].astype(np.float32), archive["labels"].astype(np.int64)
    return (images.reshape(len(images), -1) if flatten else images), labels


MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MNIST_FILES = {
    # the MD5 sums published with the files (the same ones torchvision checks)
    "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
}


def read_idx(path) -> np.ndarray:
    """Parse an IDX file (gzipped or not), the format MNIST is distributed in.

    Header: two zero bytes, a type code (0x08 = unsigned byte), the number of
    dimensions, then each dimension as a big-endian 32-bit integer; data follows.
    The file is opened once, without waiting (a FIFO is refused, not waited on),
    and never read beyond what its header declares.
    """
    try:
        path = Path(path)
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ValueError(f"cannot read IDX file {path}: {error.strerror}") from None
    except (TypeError, ValueError):  # None, a number, a NUL byte in the name
        raise ValueError(f"read_idx: path must be a file path, got {path!r:.60}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # what was opened, not what was named
        os.close(descriptor)
        raise ValueError(f"cannot read IDX file {path}: it is not a regular file")
    with open(descriptor, "rb") as raw:
        file = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw
        try:
            return _parse_idx(file, path)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"cannot read IDX file {path}: {error}") from None


def _parse_idx(file, path: Path) -> np.ndarray:
    """The array in an open IDX `file`, reading no byte past the header's promise."""
    magic = file.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    sizes = file.read(4 * magic[3])
    if len(sizes) < 4 * magic[3]:
        raise ValueError(f"{path} is truncated: its header ends early")
    shape = tuple(int.from_bytes(sizes[4 * i : 4 * i + 4], "big") for i in range(magic[3]))
    declared = math.prod(shape)
    affordable(declared, f"read_idx: {path}, whose header declares shape {shape},")
    data = file.read(declared)
    if len(data) < declared:
        raise ValueError(
            f"{path} is truncated: header promises {shape}, found {len(data)} bytes of data"
        )
    if file.read(1):
        raise ValueError(f"{path} holds more bytes than its header declares ({shape})")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def mnist(
    cache_dir=None, base_url: str = MNIST_URL, files: dict | None = None, flatten: bool = True
):
    """MNIST as ``(X_train, y_train, X_test, y_test)``, pixels scaled to 0..1 (float32).

    The first call downloads the four files into `cache_dir` (default: the
    user's cache folder) and checks their MD5 sums; later calls read the cache
    and need no network. Requires the ``data`` extra (pooch).
    """
    try:
        import pooch
    except ImportError:
        raise ImportError('mnist() downloads with pooch: pip install "demystify[data]"') from None
    if not isinstance(base_url, str) or not isinstance(files or {}, dict):
        raise ValueError(
            f"mnist(): base_url must be a web address (text) and files a dict of file names and "
            f"checksums, got {base_url!r:.60} and {files!r:.60}"
        )
    files = files or MNIST_FILES
    cache_dir = Path(cache_dir or pooch.os_cache("demystify"))
    existed = cache_dir.exists()
    paths = {}
    for name, checksum in files.items():
        try:
            paths[name] = pooch.retrieve(
                base_url + name, known_hash=checksum, fname=name, path=cache_dir, progressbar=False
            )
        except ValueError:  # pooch's words for a checksum that does not match
            raise ValueError(
                f"mnist(): {name} from {base_url} does not match its checksum"
            ) from None
        except OSError as error:  # no network, a proxy, a refused connection: one plain line
            if not existed and cache_dir.is_dir() and not any(cache_dir.iterdir()):
                cache_dir.rmdir()  # leave no empty cache folder behind
            reason = str(error).splitlines()[0][:100] if str(error) else type(error).__name__
            raise OSError(
                f"mnist(): downloading {name} from {base_url} failed ({reason}). To work "
                f"offline, put the files {', '.join(files)} into {cache_dir}; or use "
                f"dm.datasets.digits(), 1,797 digits shipped with demystify."
            ) from None
    X_train, y_train, X_test, y_test = (read_idx(paths[name]) for name in files)

    def scale(images: np.ndarray) -> np.ndarray:
        return (images.reshape(len(images), -1) if flatten else images).astype(np.float32) / 255.0

    return scale(X_train), y_train.astype(np.int64), scale(X_test), y_test.astype(np.int64)


def train_test_split(X, y, test_size: float = 0.25, seed=0):
    """Shuffle with `seed`, then split: ``X_train, X_test, y_train, y_test``."""
    for name, given in (("X", X), ("y", y)):
        if np.ndim(to_numpy(given)) == 0:  # None, a number, a string
            raise ValueError(
                f"train_test_split: {name} must be an array of rows (NumPy, a list, pandas), "
                f"got {given!r:.60}"
            )
    X, y = np.asarray(to_numpy(X)), np.asarray(to_numpy(y))
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)}")
    number("test_size", test_size, "(0, 1)", owner="train_test_split")
    order = as_generator(seed).permutation(len(X))
    n_test = max(1, int(round(len(X) * test_size)))
    if n_test >= len(X):
        raise ValueError(f"test_size={test_size} of {len(X)} rows leaves none to train on")
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X_train, *others, eps: float = 1e-8):
    """Shift and scale every feature to mean 0 and spread 1, using the *training* statistics.

    Returns the standardised training set followed by each of `others`
    transformed with the same mean and standard deviation (never their own:
    that would leak test information into training).
    """
    number("eps", eps, "[0, inf)", owner="standardize")
    X_train = real_array(X_train, "standardize: X_train", ndim=2)
    others = [real_array(X, "standardize: X", ndim=2) for X in others]
    if any(X.shape[1] != X_train.shape[1] for X in others):
        raise ValueError("standardize: every array needs the training set's number of columns")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > eps, std, 1.0)  # a constant feature: only shift it (÷ ~0 explodes)
    results = tuple(((X - mean) / std).astype(np.float32) for X in (X_train, *others))
    return results if others else results[0]


def one_hot(y, n_classes: int | None = None) -> np.ndarray:
    """Class numbers to one-hot rows: 2 -> [0, 0, 1, 0, ...] (float32)."""
    y = real_array(y, "one_hot: y")
    if y.ndim != 1 or not np.all(y == np.round(y)):
        raise ValueError("one_hot: y must be a 1-D array of whole class numbers")
    if n_classes is None:  # as many as the largest label asks for (in float: 1e300 fits)
        largest = float(y.max(initial=0))
        affordable(
            5.0 * len(y) * (largest + 1), f"one_hot: a label of {largest:g} in {len(y):,} rows"
        )
        n_classes = int(largest) + 1
    number("n_classes", n_classes, "[1, inf)", whole=True, owner="one_hot")
    if y.min(initial=0) < 0 or y.max(initial=0) >= n_classes:
        raise ValueError(
            f"one_hot: labels must lie in 0..{n_classes - 1}, found {y.min():g} to {y.max():g}"
        )
    affordable(
        5.0 * len(y) * n_classes, f"one_hot: a matrix of {len(y):,} rows of {n_classes:,} classes"
    )
    y = y.astype(np.int64)
    return (y[:, None] == np.arange(n_classes)[None, :]).astype(np.float32)


from .playground import gaussians, hills, plane, sine  # noqa: E402, F401  (Playground's menu)
