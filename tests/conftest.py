"""Shared test set-up: every test starts on the NumPy backend with a fixed seed."""

import numpy as np
import pytest

import demystify as dm


@pytest.fixture(autouse=True)
def numpy_backend():
    with dm.use("numpy"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
