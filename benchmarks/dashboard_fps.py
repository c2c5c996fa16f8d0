"""How fast the dashboard plays in a real browser: frames drawn and training steps per second.

    python benchmarks/dashboard_fps.py                # both networks, 5 s each
    python benchmarks/dashboard_fps.py --seconds 3 --json out.json

Starts JupyterLab (loopback, token) over a temporary folder holding a one-cell
notebook per network, opens each in Debian's headless Chromium at 1440×900,
runs the cell, presses Play and counts, in the page, the frames the front end
has drawn and the step the last one shows. Targets (issue #22): ≥ 30 frames/s
and ≥ 300 steps/s for 2-8-8-2 on moons, ≥ 10 frames/s for 2-16-16-16-3.

The browser test (tests/test_browser_widgets.py) uses the same helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers import launch_chromium, wait_for_lab  # noqa: E402

NETWORKS = {  # name: the cell that shows the dashboard
    "2-8-8-2 moons": 'dm.viz.Dashboard("moons", hidden="8,8")',  # the defaults: 300 steps/s
    "2-16-16-16-3 spirals": 'dm.viz.Dashboard("spirals", hidden="16,16,16")',
}
VIEWPORT = {"width": 1440, "height": 900}
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def notebook(path: Path, cells: list[str]) -> None:
    """A notebook file with these code cells (no outputs)."""
    import nbformat

    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(book, path)


@contextlib.contextmanager
def lab(folder: Path):
    """JupyterLab serving `folder` (news pop-up off, app exposed to scripts); stopped afterwards."""
    settings = folder.parent / "app-settings"
    settings.mkdir(exist_ok=True)
    news = {"checkForUpdates": False, "fetchNews": "false"}
    (settings / "overrides.json").write_text(
        json.dumps({"@jupyterlab/apputils-extension:notification": news})
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token, home = secrets.token_hex(16), folder.parent
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "user"))
    env.update(JUPYTERLAB_WORKSPACES_DIR=str(home / "ws"), JUPYTER_RUNTIME_DIR=str(home / "rt"))
    env.pop("MPLBACKEND", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    log_path = home / "lab.log"
    with open(log_path, "w") as log:
        command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser"]
        command += ["--ip", "127.0.0.1", f"--port={port}", f"--ServerApp.token={token}"]
        command += [f"--ServerApp.root_dir={folder}", "--LabApp.expose_app_in_browser=True"]
        command += [f"--LabApp.app_settings_dir={settings}", "--ServerApp.port_retries=0"]
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_lab(server, url, token, log_path)
            yield {"url": url, "token": token, "folder": folder}
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # the group we started: server and kernel
                server.wait()


def open_and_run(browser, server: dict, name: str, ready: str = ".dm-dash[data-step]"):
    """A 1440×900 page with notebook `name` open (file browser open), every cell run."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(90_000)
    workspace = Path(name).stem.replace("_", "-")
    page.goto(
        f"{server['url']}/lab/workspaces/{workspace}/tree/{name}?reset&token={server['token']}"
    )
    page.wait_for_function(
        "path => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!w && !!w.context && w.context.path === path; }",
        arg=name,
        polling=250,
    )
    page.wait_for_function(KERNEL_IDLE, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(ready, state="attached")
    return page


def counters(page, within: str) -> dict:
    """Frames drawn so far, the step the last one shows, and the clock (ms)."""
    return page.evaluate(
        """w => { const d = document.querySelector(w);
                  return {frames: +d.dataset.frames, step: +d.dataset.step,
                          drawing: +d.dataset.drawMs, waiting: +d.dataset.waitMs,
                          python: +d.dataset.pythonMs, t: performance.now()}; }""",
        within,
    )


def play(page, within: str, seconds: float, warm_up: float = 1.0) -> dict:
    """Press Play, wait `warm_up`, count for `seconds`, press Pause: frames/s and steps/s."""
    page.click(f"{within} .dm-play")
    page.wait_for_timeout(warm_up * 1000)
    start = counters(page, within)
    page.wait_for_timeout(seconds * 1000)
    end = counters(page, within)
    page.click(f"{within} .dm-play")
    elapsed = (end["t"] - start["t"]) / 1000
    frames = max(1, end["frames"] - start["frames"])
    return {
        "draw_ms_per_frame": (end["drawing"] - start["drawing"]) / frames,
        "round_trip_ms_per_frame": (end["waiting"] - start["waiting"]) / frames,
        "python_ms_per_frame": (end["python"] - start["python"]) / frames,
        "frames_per_s": (end["frames"] - start["frames"]) / elapsed,
        "steps_per_s": (end["step"] - start["step"]) / elapsed,
        "seconds": elapsed,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "notebooks"
        folder.mkdir()
        for k, cell in enumerate(NETWORKS.values()):
            notebook(folder / f"net{k}.ipynb", ["import demystify as dm", f"{cell}.show()"])
        with lab(folder) as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for k, name in enumerate(NETWORKS):
                    page = open_and_run(browser, server, f"net{k}.ipynb")
                    page.wait_for_timeout(500)
                    results[name] = play(page, ".dm-dash", args.seconds)
                    page.close()
                    row = results[name]
                    print(
                        f"{name:>22}: {row['frames_per_s']:6.1f} frames/s, "
                        f"{row['steps_per_s']:7.1f} steps/s (over {row['seconds']:.1f} s; "
                        f"a frame: {row['round_trip_ms_per_frame']:.1f} ms from asking to "
                        f"receiving, of which {row['python_ms_per_frame']:.1f} ms in Python; "
                        f"{row['draw_ms_per_frame']:.1f} ms drawing)"
                    )
            finally:
                browser.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
