"""First contact: `make lab` opens notebook 00 with no pop-up, and opening changes nothing.

JupyterLab is started the way `make lab` starts it, on the settings `make setup`
put into the virtual environment (`mk/jupyterlab-overrides.json`), over a copy of
the notebooks, in Debian's Chromium. The first notebook opens, its kernel starts,
and then: no "news?" notification covers it, and the notebook is not marked
modified (JupyterLab rewrites a kernelspec whose display name differs from the
installed kernel's, which would show up in a learner's `git status`).

Skipped (with the reason) when Chromium, Playwright or JupyterLab is missing.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lab_server import wait_for_lab

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FIRST = "00_the_big_picture.ipynb"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (/usr/bin/chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")

OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def test_the_settings_make_setup_installs_silence_the_news():
    assert json.loads(OVERRIDES.read_text()) == json.loads(
        (ROOT / "mk" / "jupyterlab-overrides.json").read_text()
    ), f"{OVERRIDES} is not the project's overrides: run make setup"


def test_every_notebook_names_the_installed_kernel_as_it_is_named():
    kernel = json.loads(
        (Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text()
    )
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert spec == {
            "display_name": kernel["display_name"],
            "language": "python",
            "name": "python3",
        }, f"{path.name}: {spec}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def test_the_first_notebook_opens_clean(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    before = (notebooks / FIRST).read_bytes()
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(  # as `make lab` does, plus a fixed port and token for the test
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--allow-root",
            "--no-browser",
            "--ip",
            "127.0.0.1",
            f"--port={port}",
            f"--ServerApp.token={token}",
            f"--notebook-dir={notebooks}",
            f"--LabApp.default_url=/lab/tree/{FIRST}",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.port_retries=0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_lab(server, url, token, tmp_path / "lab.log")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{url}/?token={token}")  # the server sends it on to its default URL
            try:
                page.wait_for_function(KERNEL_IDLE, polling=250)
            finally:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "first-contact.png"))
            page.wait_for_timeout(4000)  # the news check and the kernelspec update come late
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "first-contact.png"))
            title = page.evaluate("() => window.jupyterapp.shell.currentWidget.title.label")
            dirty = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
            toasts = page.locator(".Toastify__toast").all_inner_texts()
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    assert title == FIRST
    assert not [text for text in toasts if "news" in text.lower()], toasts
    assert dirty is False, "opening the notebook marked it modified"
    assert (notebooks / FIRST).read_bytes() == before
