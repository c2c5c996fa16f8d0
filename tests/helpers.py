"""Helpers shared by the tests: one copy of each, imported as ``from helpers import ...``.

* `load_script`: import a script that is not in a package (a benchmark, the slide builder);
* `launch_chromium`: Debian's Chromium through playwright, with the flags of
  ``slides/deck/browser.py`` (the deck's PDF export starts it the same way); `has_browser`;
* `sections_of`, `stages`: the talk deck's slides and its slide-and-fragment steps;
* `jupyter_lab`, `wait_for_lab`, `KERNEL_IDLE`: a JupyterLab server for the browser tests;
* `small_model`, `quiet_fit`: a seeded little network and a silent `dm.fit` on it;
* `pyplot_on_agg`: matplotlib without a display, or a skip;
* `assert_same_weights`, `weights_equal`, `images_of`: weights alike, a figure's heatmaps;
* `small_classifier`, `GOOD_X`, `GOOD_Y`: a classifier and data that `fit` accepts;
* `xor_stepper`, `two_three_two`, `xor_rows`, `by_name`: the backprop stepper's set-up;
* `FakeKernelShell`: IPython's shell as it looks in a kernel;
* `assert_plain_answer`, `tiny_net`, `tiny_fit`: the bad-input cases' check, model and fit.

Hypothesis strategies are in ``tests/strategies.py``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import demystify as dm

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"  # screenshots, for a person to look at after a run


def load_script(name: str, path: Path):
    """Import a script that is not in a package as the module `name` (registered, so that its
    dataclasses and pickles can look their module up)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- the browser ------------------------------------------------------------------------------

browser = load_script("deck_browser", ROOT / "slides" / "deck" / "browser.py")
CHROMIUM = browser.chromium_path()
CHROMIUM_FLAGS = browser.CHROMIUM_FLAGS


def skip_without_browser() -> None:
    """Skip the calling test module, saying what is missing, without Chromium or playwright."""
    if CHROMIUM is None:
        pytest.skip(
            "Debian's Chromium is not installed (/usr/bin/chromium); apt-get install -y chromium",
            allow_module_level=True,
        )
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def launch_chromium(playwright, **options):
    """Debian's Chromium, headless, started by playwright (never a browser of playwright's own)."""
    return browser.launch(playwright, CHROMIUM, **options)


def has_browser() -> bool:
    """Debian's Chromium and playwright are both there."""
    return CHROMIUM is not None and importlib.util.find_spec("playwright") is not None


# --- the talk deck's HTML ---------------------------------------------------------------------


def sections_of(html: str) -> list[str]:
    return re.findall(r"<section\b.*?</section>", html, flags=re.S)


def stages(html: str) -> int:
    """Slides plus fragment steps (fragments that share a data-fragment-index are one step)."""
    total = 0
    for section in sections_of(html):
        tags = re.findall(r'<[^>]*class="[^"]*\bfragment\b[^>]*>', section)
        shared = {re.search(r'data-fragment-index="(\d+)"', t) for t in tags} - {None}
        total += (
            1
            + len({m.group(1) for m in shared})
            + sum("data-fragment-index" not in t for t in tags)
        )
    return total


# --- JupyterLab -------------------------------------------------------------------------------

# the current notebook's kernel has started and is idle (start lab with expose_app_in_browser)
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_settings(folder: Path) -> Path:
    """An app-settings folder holding the project's overrides (no "news?" pop-up)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mk" / "jupyterlab-overrides.json", folder / "overrides.json")
    return folder


def wait_for_lab(server: subprocess.Popen, url: str, token: str, log: Path, seconds: float = 60):
    """Return once ``url`` serves its API; fail the test with the end of `log` if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)


@contextlib.contextmanager
def jupyter_lab(home: Path, *options: str, env: dict | None = None) -> Iterator[dict]:
    """JupyterLab on a free loopback port with a fresh token, its state kept under `home`.

    `options` are extra command-line options (the folder to serve, settings). Yields
    ``{"url", "token"}`` once the server answers; stops it, and the kernels it started
    (its process group), afterwards.
    """
    port, token = free_port(), secrets.token_hex(16)
    environment = dict(
        env if env is not None else os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser"]
    command += ["--ip", "127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0"]
    command += [f"--ServerApp.token={token}", "--LabApp.expose_app_in_browser=True", *options]
    url = f"http://127.0.0.1:{port}"
    with open(home / "lab.log", "w") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True
        )
        try:
            wait_for_lab(server, url, token, home / "lab.log")
            yield {"url": url, "token": token}
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # the group we started: server and kernels
                server.wait()


# --- small models -------------------------------------------------------------------------------


def small_model(sizes=(3, 4, 2), activation=dm.ReLU, seed: int = 0, **options) -> dm.Sequential:
    """A seeded ``Dense, activation, Dense, ...`` network with the given layer sizes."""
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(dm.Dense(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(activation())
    return dm.Sequential(layers, seed=seed, **options)


def quiet_fit(model, X, y, loss=None, lr: float = 0.1, **options) -> dict:
    """`dm.fit` with no progress output: softmax cross-entropy and plain SGD unless told."""
    options.setdefault("verbose", 0)
    loss = loss or dm.SoftmaxCrossEntropy()
    return dm.fit(model, loss, dm.SGD(model.parameters(), lr=lr), X, y, **options)


def pyplot_on_agg():
    """matplotlib's pyplot on the Agg backend (in this test process only); skips the calling
    test file, saying why, without the viz extra. conftest.py closes its figures after each test."""
    matplotlib = pytest.importorskip(
        "matplotlib", reason="the viz extra (matplotlib) is not installed"
    )
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def assert_same_weights(model, other) -> None:
    """Two models hold exactly the same weights."""
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def images_of(fig) -> list:
    """The images (heatmaps) of a matplotlib figure, axes by axes."""
    return [image for ax in fig.axes for image in ax.images]


def weights_equal(a, b) -> bool:
    """Two weight lists hold the same arrays, bit for bit."""
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def small_classifier() -> tuple[dm.Sequential, list]:
    """A seeded ``2-4-3`` ReLU classifier and its starting weights."""
    model = small_model((2, 4, 3))
    return model, model.get_weights()


GOOD_X = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)  # data it accepts
GOOD_Y = np.arange(10) % 3


# --- the backprop stepper and the kernel ----------------------------------------------------------


def two_three_two(activation=dm.ReLU, seed: int = 0) -> dm.Sequential:
    """The stepper's usual network: ``Dense(2, 3), activation, Dense(3, 2)``, seeded."""
    return small_model((2, 3, 2), activation, seed)


def xor_rows():
    """The four XOR rows the stepper tests step through."""
    return dm.datasets.xor(n=4, seed=0)


def xor_stepper():
    """A `BackpropStepper` of `two_three_two` on `xor_rows`, softmax cross-entropy, lr 0.5."""
    from demystify.viz.stepper import BackpropStepper

    X, y = xor_rows()
    return BackpropStepper(two_three_two(), dm.SoftmaxCrossEntropy(), X, y, lr=0.5)


def by_name(stepper) -> dict:
    """A stepper's stages by name."""
    return {stage.name: stage for stage in stepper.stages}


class FakeKernelShell:
    """What `notebook.in_a_kernel` and pyplot ask of IPython's shell in a kernel."""

    kernel = object()  # what in_a_kernel looks for: a shell attached to a kernel

    class events:
        @staticmethod
        def register(event, callback):
            pass


# --- bad input -----------------------------------------------------------------------------------

# words of Python's or NumPy's insides that a message of ours must never show
INTERNALS = ("Traceback", "ufunc", "range()", "ZeroDivisionError", "KeyError", "AttributeError")

X4 = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)  # twelve rows, four features
Y3 = np.arange(12) % 3  # and three classes


def assert_plain_answer(case: str, call, kind: type, words: str) -> None:
    """``call()`` raises `kind` with a message holding `words` and none of `INTERNALS`."""
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    assert words in message, f"{case}: {message!r} lacks {words!r}"
    leaked = [text for text in INTERNALS if text in message]
    assert not leaked, f"{case}: the message shows {leaked}: {message!r}"


def tiny_net(n_in: int = 4, n_out: int = 3, **options) -> dm.Sequential:
    """``Dense(n_in, 8), ReLU, Dense(8, n_out)``, seeded: the model the bad-input cases train."""
    return small_model((n_in, 8, n_out), **options)


def tiny_net_with(weight: float) -> dm.Sequential:
    """`tiny_net` with its first weight written by hand (NaN, inf, ...), as no training would."""
    model = tiny_net()
    next(model.parameters()).value[0, 0] = weight
    return model


def tiny_fit(X=X4, y=Y3, loss=None, model=None, optimizer=None, **options) -> dict:
    """One quiet epoch of `dm.fit` on `X4`, `Y3` (or what is given) with plain SGD unless told."""
    model = model or tiny_net()
    options.setdefault("verbose", 0)
    options.setdefault("epochs", 1)
    loss = loss or dm.SoftmaxCrossEntropy()
    optimizer = optimizer or dm.SGD(model.parameters(), lr=0.1)
    return dm.fit(model, loss, optimizer, X, y, **options)


def tiny_fit_with(make_optimizer, rebuild: bool = False) -> dict:
    """`tiny_fit` with an optimizer made for the model, which `rebuild` draws anew (new arrays)."""
    model = tiny_net()
    optimizer = make_optimizer(model)
    if rebuild:  # as when a notebook cell builds the layers again
        model.initialize(np.random.default_rng(1))
    return tiny_fit(model=model, optimizer=optimizer)


# --- exercise checkers --------------------------------------------------------------------------


def stub(*args):
    """An exercise as a student copy holds it: the body not written yet."""
    raise NotImplementedError("not implemented yet — your turn")


def assert_mistake_named(name: str, functions, output: str, hint: str, capsys) -> None:
    """``check.<name>(*functions)`` fails, names the wrong `output`, its shapes, and the `hint`."""
    from demystify.exercises import ExerciseFailed, check

    with pytest.raises(ExerciseFailed) as caught:
        getattr(check, name)(*functions)
    message = str(caught.value)
    assert message.startswith(f"{name} (check case "), message
    assert f": {output} is wrong." in message
    assert re.search(r"expected shape \([\d, ]*\), received shape \([\d, ]*\)", message), message
    if "(the shape is right)" in message:  # then the first differing entry is shown too
        assert re.search(
            r"first difference( at index \([\d, ]+\))?: expected \S+, received \S+", message
        )
    assert "\n  hint: " in message and hint in message.split("hint: ")[1], message
    assert "✅" not in capsys.readouterr().out
