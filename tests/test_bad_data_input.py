"""The data sets and their files tried as a clumsy user and as an attacker (issue #25).

Sizes no machine holds, class counts, wrong types; and hostile IDX files (the
format MNIST comes in): never a hang, never more read than the header
declares. Rows as in ``test_bad_input.py``.
"""

import gzip
import os
import threading
import tracemalloc

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer

import demystify as dm

HUGE = 10**12  # more of anything than any machine holds

HUGE = 10**12  # more of anything than any machine holds


def idx_file(tmp_path, header: bytes, data: bytes, name: str = "x.idx") -> str:
    path = tmp_path / name
    path.write_bytes(b"\x00\x00\x08" + header + data)
    return str(path)


def dims(*sizes: int) -> bytes:
    return bytes([len(sizes)]) + b"".join(n.to_bytes(4, "big") for n in sizes)


def mnist(**options):
    pytest.importorskip("pooch", reason="mnist() downloads with the data extra's pooch")
    return dm.datasets.mnist(**options)


CASES = {
    # --- data sets: sizes, counts, types ----------------------------------------------------
    "spirals n 10**12": (
        lambda: dm.datasets.spirals(n=HUGE),
        ValueError,
        "spirals: a data set of 1,000,000,000,000 rows of 2 features needs",
    ),
    "moons n 10**12": (
        lambda: dm.datasets.moons(n=HUGE),
        ValueError,
        "moons: a data set of 1,000,000,000,000",
    ),
    "blobs features 10**12": (
        lambda: dm.datasets.blobs(features=HUGE),
        ValueError,
        "blobs: a data set of 300 rows of 1,000,000,000,000 features needs",
    ),
    "blobs n 10**12": (lambda: dm.datasets.blobs(n=HUGE), ValueError, "more than this machine's"),
    "linear features 10**12": (
        lambda: dm.datasets.linear(features=HUGE),
        ValueError,
        "linear: a data set of 200 rows of",
    ),
    "gaussians n 10**12": (
        lambda: dm.datasets.gaussians(n=HUGE),
        ValueError,
        "gaussians: a data set of 1,000,000,000,000 rows",
    ),
    "one_hot a label of 10**9": (
        lambda: dm.datasets.one_hot(np.r_[np.zeros(10**4), 10**9]),
        ValueError,
        "one_hot: a label of 1e+09 in 10,001 rows needs",
    ),
    "one_hot n_classes 10**12": (
        lambda: dm.datasets.one_hot([0, 1], n_classes=HUGE),
        ValueError,
        "one_hot: a matrix of 2 rows of 1,000,000,000,000 classes",
    ),
    "one_hot n_classes 0": (
        lambda: dm.datasets.one_hot([0, 1], n_classes=0),
        ValueError,
        "one_hot: n_classes must be a whole number in [1, inf), got 0",
    ),
    "one_hot a label of 1e300": (
        lambda: dm.datasets.one_hot([1e300]),
        ValueError,
        "one_hot: a label of 1e+300 in 1 rows needs",
    ),
    "train_test_split y None": (
        lambda: dm.datasets.train_test_split(X4, None),
        ValueError,
        "train_test_split: y must be an array of rows",
    ),
    "train_test_split X a string": (
        lambda: dm.datasets.train_test_split("data.csv", Y3),
        ValueError,
        "got 'data.csv'",
    ),
    "read_idx a NUL byte in the name": (
        lambda: dm.datasets.read_idx("train\0.idx"),
        ValueError,
        "read_idx: path must be a file path",
    ),
    "mnist base_url None": (
        lambda: mnist(base_url=None),
        ValueError,
        "mnist(): base_url must be a web address",
    ),
    "standardize eps -1": (
        lambda: dm.datasets.standardize(np.ones((3, 2)), eps=-1),
        ValueError,
        "standardize: eps must be a number in [0, inf)",
    ),
    "read_idx None": (
        lambda: dm.datasets.read_idx(None),
        ValueError,
        "read_idx: path must be a file path, got None",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


# --- hostile IDX files (the format MNIST comes in) -------------------------------------------

IDX_FILES = {
    # name: (header, data, words)
    "a header declaring 10**12 bytes": (
        dims(10**6, 10**6),
        bytes(10),
        "whose header declares shape (1000000, 1000000), needs",
    ),
    "more data than declared": (dims(2), bytes(5), "holds more bytes than its header declares"),
}


@pytest.mark.parametrize("case", list(IDX_FILES), ids=list(IDX_FILES))
def test_a_hostile_idx_file_gets_a_plain_answer(case, tmp_path):
    header, data, words = IDX_FILES[case]
    path = idx_file(tmp_path, header, data)
    assert_plain_answer(case, lambda: dm.datasets.read_idx(path), ValueError, words)


def test_read_idx_refuses_a_fifo_instead_of_waiting_on_it(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: read_idx must not wait."""
    fifo = tmp_path / "train-images-idx3-ubyte"
    os.mkfifo(fifo)
    answers = []

    def read():
        try:
            dm.datasets.read_idx(fifo)
        except ValueError as error:
            answers.append(str(error))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # let the blocked reader go before failing
        with open(fifo, "wb"):
            pass
        reader.join(timeout=10)
    assert answers and "not a regular file" in answers[0], answers


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="a system with /dev/zero")
def test_read_idx_refuses_an_endless_device():
    """/dev/zero never ends: reading it whole (as read_idx did) fills the memory."""
    assert_plain_answer(
        "/dev/zero", lambda: dm.datasets.read_idx("/dev/zero"), ValueError, "not a regular file"
    )


def test_read_idx_refuses_a_folder(tmp_path):
    assert_plain_answer("a folder", lambda: dm.datasets.read_idx(tmp_path), ValueError, "regular")


def test_read_idx_never_reads_past_what_the_header_declares(tmp_path):
    """A 40 MB gzip of zeros behind a header declaring two bytes (a decompression bomb)."""
    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as file:
        file.write(b"\x00\x00\x08" + dims(2))
        for _ in range(40):
            file.write(bytes(2**20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more bytes than its header declares"):
            dm.datasets.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"read_idx held {peak:,} bytes for a two-byte array"


def test_read_idx_still_reads_a_well_formed_file(tmp_path):
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as file:
        file.write(b"\x00\x00\x08" + dims(2, 3) + bytes(range(6)))
    np.testing.assert_array_equal(dm.datasets.read_idx(path), np.arange(6).reshape(2, 3))
