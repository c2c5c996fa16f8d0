"""The dashboard in a real browser: JupyterLab + Chromium, driven by Playwright.

Starts JupyterLab on a free loopback port (token-protected) over a temporary
copy of notebook 07, opens it in Debian's Chromium, runs every cell, clicks
Step and Play/Pause, and checks that the weight heatmaps and the loss curve the
kernel sends back really change. Screenshots land in ``test-artifacts/``.

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
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "07_watching_the_weights_learn.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed (/usr/bin/chromium); "
        "apt-get install -y chromium to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebook 07 (JupyterLab autosaves); stopped afterwards."""
    home = tmp_path_factory.mktemp("lab")
    notebooks, settings = home / "notebooks", home / "app-settings"
    notebooks.mkdir()
    settings.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, notebooks / NOTEBOOK)
    (settings / "overrides.json").write_text(
        json.dumps(  # silence the "news?" pop-up
            {
                "@jupyterlab/apputils-extension:notification": {
                    "checkForUpdates": False,
                    "fetchNews": "false",
                }
            }
        )
    )
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as for a person
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
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
            f"--ServerApp.root_dir={notebooks}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.app_settings_dir={settings}",
            "--ServerApp.port_retries=0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}"
                    )
                time.sleep(0.3)
        yield {"url": url, "token": token, "notebooks": notebooks}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group we started: server and its kernel
            server.wait()
        log.close()


KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def image_source(page, name: str) -> str:
    return page.eval_on_selector(f".dm-{name} img", "img => img.src")


def status_text(page) -> str:
    return page.inner_text(".dm-status")


def test_dashboard_steps_and_plays_in_a_real_browser(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
            page.wait_for_function(KERNEL_IDLE, polling=250)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".dm-weights img", state="attached")
            page.wait_for_selector(".dm-loss img", state="attached")
            # every cell done: the kernel is idle and no prompt still says [*]
            page.wait_for_function(
                """() => (%s)() &&
                !Array.from(document.querySelectorAll('.jp-InputArea-prompt'))
                      .some(p => p.textContent.includes('*'))"""
                % KERNEL_IDLE,
                polling=250,
            )
            dashboard = page.locator(".dm-dashboard")
            dashboard.scroll_into_view_if_needed()
            dashboard.screenshot(path=str(ARTIFACTS / "dashboard_before.png"))
            assert "step 0 of 0" in status_text(page)
            weights_before, loss_before = image_source(page, "weights"), image_source(page, "loss")
            assert weights_before.startswith("data:image/png;base64,")

            for clicks in range(1, 4):
                page.click(".dm-step")
                page.wait_for_function(
                    "n => document.querySelector('.dm-status').innerText.includes(`step ${n} of ${n}`)",
                    arg=clicks,
                    polling=100,
                )
            page.wait_for_function(  # the last redraw has reached the page
                "old => document.querySelector('.dm-weights img').src !== old", arg=weights_before
            )
            weights_after, loss_after = image_source(page, "weights"), image_source(page, "loss")
            assert weights_after != weights_before, "the weight heatmaps did not change after Step"
            assert loss_after != loss_before, "the loss curve did not change after Step"
            dashboard.screenshot(path=str(ARTIFACTS / "dashboard_after_steps.png"))

            # Play keeps training while the kernel stays free to receive the Pause click
            page.click(".dm-play")
            page.wait_for_function(
                "() => { const m = document.querySelector('.dm-status').innerText.match(/of (\\d+)/);"
                " return m && Number(m[1]) >= 13; }",
                polling=100,
            )
            page.click(".dm-play")  # now labelled Pause
            page.wait_for_function(
                "() => document.querySelector('.dm-play').innerText.includes('Play')", polling=100
            )
            page.wait_for_function(KERNEL_IDLE, polling=250)
            steps_when_paused = status_text(page)
            time.sleep(1.0)
            assert status_text(page) == steps_when_paused, "training went on after Pause"
            assert image_source(page, "weights") != weights_after
            dashboard.screenshot(path=str(ARTIFACTS / "dashboard_after_play.png"))
        finally:
            browser.close()
