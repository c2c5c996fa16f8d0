"""The widgets in a real browser: JupyterLab + Chromium, driven by Playwright.

Starts JupyterLab on a free loopback port (token-protected) over a temporary
folder holding copies of notebooks 04 and 07 (copies, because JupyterLab
autosaves), opens each in Debian's Chromium and runs every cell, as a learner
would. Then, on the widgets those notebooks hold:

* notebook 04's backprop stepper: Next through every stage and Back again,
  checking each stage's title against the same stepper built here from the
  notebook's own cell, that the tables change, that Back shows the very same
  tables, that the formulas are typeset by MathJax and an entry's sum is written out;
* notebook 07's first dashboard (moons): Step and Play/Pause change the weights
  and the loss;
* notebook 07's dashboards on a user's 3-class data and on a regression: Play
  changes the regions (or the curve) and the network drawing; "Show code" shows
  the script.

Screenshots land in ``test-artifacts/``. Skipped (with the reason) when
Chromium, Playwright or JupyterLab is missing.
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
from pathlib import Path

import pytest
from lab_server import wait_for_lab

ROOT = Path(__file__).resolve().parents[1]
STEPPER_NOTEBOOK = "04_backpropagation.ipynb"
DASHBOARD_NOTEBOOK = "07_watching_the_weights_learn.ipynb"
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
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")


def notebook_cell(name: str, needle: str) -> str:
    """The source of the one code cell of notebooks/`name` that contains `needle`."""
    cells = [
        cell.source
        for cell in nbformat.read(ROOT / "notebooks" / name, as_version=4).cells
        if cell.cell_type == "code" and needle in cell.source
    ]
    assert len(cells) == 1, f"{name} should have one code cell with {needle!r}, not {len(cells)}"
    return cells[0]


def notebook_stepper():
    """The stepper of notebook 04, built here from the notebook's own cell (without .show())."""
    import numpy as np

    import demystify as dm

    source = notebook_cell(STEPPER_NOTEBOOK, "dm.viz.BackpropStepper(")
    namespace = {"np": np, "dm": dm}
    exec("\n".join(line for line in source.splitlines() if ".show(" not in line), namespace)
    return next(value for value in namespace.values() if isinstance(value, dm.viz.BackpropStepper))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab over copies of notebooks 04 and 07; stopped afterwards.

    (Copies, because JupyterLab autosaves.)"""
    home = tmp_path_factory.mktemp("lab")
    notebooks, settings = home / "notebooks", home / "app-settings"
    notebooks.mkdir()
    settings.mkdir()
    for name in (STEPPER_NOTEBOOK, DASHBOARD_NOTEBOOK):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
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
        wait_for_lab(server, url, token, home / "lab.log")
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


ALL_CELLS_DONE = f"""() => ({KERNEL_IDLE})() &&
    !Array.from(document.querySelectorAll('.jp-InputArea-prompt'))
          .some(p => p.textContent.includes('*'))"""


def open_and_run(browser, lab, notebook: str, ready: str):
    """A page with `notebook` open, every cell run, and the selector `ready` in it."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # a workspace of its own, reset: JupyterLab would otherwise reopen the other notebooks too
    workspace = Path(notebook).stem.replace("_", "-")
    page.goto(f"{lab['url']}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={lab['token']}")
    page.wait_for_function(
        "path => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!w && !!w.context && w.context.path === path; }",
        arg=notebook,
        polling=250,
    )
    page.wait_for_function(KERNEL_IDLE, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    try:
        page.wait_for_selector(ready, state="attached")
        page.wait_for_function(ALL_CELLS_DONE, polling=250)  # idle, and no prompt says [*]
    except sync_api.TimeoutError:
        page.screenshot(path=str(ARTIFACTS / f"failed_{Path(notebook).stem}.png"))
        raise
    return page


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


SETTLED = """within => {
    const status = document.querySelector(within + ' .dm-status').innerText;
    const readout = document.querySelector(within + ' .dm-history .widget-readout').innerText;
    const m = status.match(/^step (\\d+) of (\\d+)/);
    return m && m[1] === m[2] && m[2] === readout.trim();
}"""


def settle(page, within: str = "") -> None:
    """Wait until the dashboard `within` is drawn for its last step, and stays so.

    Its status is written after its pictures, and the history slider before them: when
    both name the same step, that step's pictures have arrived. (A Pause clicked while
    Play is drawing lands while that frame is still on its way, so this matters.)
    """
    page.wait_for_function(SETTLED, arg=within or "body", polling=100)
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, arg=within or "body", polling=100)


def image_source(page, name: str, within: str = "") -> str:
    return page.eval_on_selector(f"{within} .dm-{name} img".strip(), "img => img.src")


def status_text(page, within: str = "") -> str:
    # textContent: a dashboard scrolled out of view is not rendered (content-visibility), and
    # innerText reads only what is rendered
    return page.text_content(f"{within} .dm-status".strip())


DASHBOARDS = ("moons", "three_classes", "regression")  # notebook 07's live dashboards, in order


@pytest.fixture(scope="module")
def dashboards(lab, browser):
    """Notebook 07 open with every cell run; its dashboards get a class each to be found by."""
    page = open_and_run(browser, lab, DASHBOARD_NOTEBOOK, ".dm-dashboard .dm-network img")
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.dm-dashboard .dm-network img').length == n",
            arg=len(DASHBOARDS),
        )
        for index, name in enumerate(DASHBOARDS):
            page.evaluate(
                "([i, name]) => document.querySelectorAll('.dm-dashboard')[i].classList.add(name)",
                [index, name],
            )
        chosen = [
            page.eval_on_selector(
                f".{name} .dm-dataset select",
                "s => s.options[s.selectedIndex].text.replace(/\\s/g, ' ')",
            )
            for name in DASHBOARDS
        ]
        assert chosen == ["moons", "your data", "your data"], chosen
        assert "accuracy" in status_text(page, ".three_classes")
        assert "accuracy" not in status_text(page, ".regression")  # a curve has no accuracy
        yield page
    finally:
        page.close()


def test_dashboard_steps_and_plays_in_a_real_browser(dashboards):
    page, within = dashboards, ".moons"
    page.wait_for_selector(f"{within} .dm-loss img", state="attached")
    dashboard = page.locator(f".dm-dashboard{within}")
    dashboard.scroll_into_view_if_needed()
    dashboard.screenshot(path=str(ARTIFACTS / "dashboard_before.png"))
    assert "step 0 of 0" in status_text(page, within)
    weights_before = image_source(page, "weights", within)
    loss_before = image_source(page, "loss", within)
    assert weights_before.startswith("data:image/png;base64,")

    for clicks in range(1, 4):
        page.click(f"{within} .dm-step")
        page.wait_for_function(
            "([w, n]) => document.querySelector(w + ' .dm-status').innerText"
            ".includes(`step ${n} of ${n}`)",
            arg=[within, clicks],
            polling=100,
        )
    settle(page, within)  # the last redraw has reached the page
    weights_after, loss_after = (
        image_source(page, "weights", within),
        image_source(page, "loss", within),
    )
    assert weights_after != weights_before, "the weight heatmaps did not change after Step"
    assert loss_after != loss_before, "the loss curve did not change after Step"
    dashboard.screenshot(path=str(ARTIFACTS / "dashboard_after_steps.png"))

    # Play keeps training while the kernel stays free to receive the Pause click
    play_until(page, within, 13)
    steps_when_paused = status_text(page, within)
    time.sleep(1.0)
    assert status_text(page, within) == steps_when_paused, "training went on after Pause"
    assert image_source(page, "weights", within) != weights_after
    dashboard.screenshot(path=str(ARTIFACTS / "dashboard_after_play.png"))


def test_backprop_stepper_walks_every_stage_and_back(lab, browser):
    stages = notebook_stepper().stages  # the stepper of notebook 04: what each stage must say
    page = open_and_run(browser, lab, STEPPER_NOTEBOOK, ".dm-stepper .dm-network img")
    try:
        assert page.locator(".dm-stepper").count() == 1
        stepper = page.locator(".dm-stepper")
        stepper.scroll_into_view_if_needed()
        page.wait_for_selector(".dm-formula mjx-container")  # MathJax typeset the formula
        header = page.locator(".dm-formula")

        def wait_for_stage(k: int) -> None:
            page.wait_for_function(
                "text => document.querySelector('.dm-formula').innerText.includes(text)",
                arg=f"stage {k + 1} of {len(stages)}",
                polling=50,
            )
            page.wait_for_selector(f'.dm-tables [data-stage="{k}"]', state="attached")
            text = header.inner_text()
            assert stages[k].name in text and stages[k].phase in text, text

        def tables() -> str:
            return page.inner_html(".dm-tables")

        shots = {0: "forward", 6: "backward_dW2", 9: "backward_relu", 12: "update"}
        seen = []
        for k in range(len(stages)):
            wait_for_stage(k)
            page.wait_for_selector(".dm-formula mjx-container")
            seen.append(tables())
            if k:
                assert seen[k] != seen[k - 1], f"the tables did not change at stage {k + 1}"
            if k in shots:
                stepper.screenshot(path=str(ARTIFACTS / f"stepper_{k + 1:02d}_{shots[k]}.png"))
            if k < len(stages) - 1:
                page.click(".dm-next")
        assert page.is_disabled(".dm-next")
        for k in reversed(range(len(stages) - 1)):
            page.click(".dm-back")
            wait_for_stage(k)
            assert tables() == seen[k], f"Back showed other numbers at stage {k + 1}"
        assert page.is_disabled(".dm-back")

        # an entry's sum, written out: as a tooltip on the result, and for a chosen entry
        tip = page.get_attribute(".dm-tables td[title]", "title")
        assert tip.startswith("Z1[0,0] = X[0,0]·W1[0,0] + X[0,1]·W1[1,0] + b1[0]")
        page.select_option(".dm-stage select", index=6)
        wait_for_stage(6)
        network = image_source(page, "network")
        page.select_option(".dm-entry select", label="dW2[1,1]")
        page.wait_for_function(
            "() => document.querySelector('.dm-sum').innerText.startsWith('dW2[1,1] = A1[0,1]')",
            polling=50,
        )
        page.wait_for_function(  # the picture marks that entry's arrow now
            "old => document.querySelector('.dm-network img').src !== old", arg=network
        )
        assert stages[6].written_out(1, 1) in page.inner_text(".dm-sum")
        stepper.screenshot(path=str(ARTIFACTS / "stepper_07_chosen_entry.png"))
        page.screenshot(path=str(ARTIFACTS / "stepper_page.png"))
    finally:
        page.close()


def play_until(page, within: str, steps: int) -> None:
    """Press Play in the dashboard `within`, wait for `steps` steps, press Pause."""
    page.click(f"{within} .dm-play")
    page.wait_for_function(
        """([within, n]) => {
            const m = document.querySelector(within + ' .dm-status').innerText.match(/of (\\d+)/);
            return m && Number(m[1]) >= n; }""",
        arg=[within, steps],
        polling=100,
    )
    page.click(f"{within} .dm-play")
    page.wait_for_function(
        "w => document.querySelector(w + ' .dm-play').innerText.includes('Play')",
        arg=within,
        polling=100,
    )
    page.wait_for_function(KERNEL_IDLE, polling=250)
    settle(page, within)


def screenshots(page, within: str, name: str) -> None:
    """What a learner sees of the dashboard `within`, scrolled to its top, then to its pictures.

    (The dashboard is taller than the window; JupyterLab scrolls the notebook itself, so
    these are screenshots of the window, at 1400x1000, as a person would see them.)
    """
    for part, selector in (("top", ".dm-status"), ("pictures", ".dm-weights")):
        page.eval_on_selector(f"{within} {selector}", "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / f"{name}_{part}.png"))


def test_dashboard_on_your_data_and_on_a_regression(dashboards):
    page = dashboards
    for index, name in enumerate(["three_classes", "regression"]):
        within = f".{name}"
        page.locator(f".dm-dashboard{within}").scroll_into_view_if_needed()
        page.wait_for_selector(f"{within} .dm-network img")
        assert "step 0 of 0" in status_text(page, within)
        screenshots(page, within, f"dashboard_{name}_start")
        picture = image_source(page, "boundary", within)
        network = image_source(page, "network", within)
        play_until(page, within, 10)
        page.wait_for_function(
            "([w, old]) => document.querySelector(w + ' .dm-network img').src !== old",
            arg=[within, network],
        )
        what = "regions" if index == 0 else "curve"
        assert image_source(page, "boundary", within) != picture, f"the {what} did not change"
        assert image_source(page, "network", within) != network, "the network did not change"

        page.click(f"{within} .dm-code-button")
        page.wait_for_selector(f"{within} .dm-code-text", state="visible")
        code = page.inner_text(f"{within} .dm-code-text")
        assert "dm.Sequential(" in code and "dm.fit(" in code and "np.array(" in code
        assert ("task" not in code) and ("MeanSquaredError" in code) == (index == 1)
        screenshots(page, within, f"dashboard_{name}_played")
