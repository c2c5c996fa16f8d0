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
import shutil
import sys
from pathlib import Path

import pytest
from helpers import ARTIFACTS, KERNEL_IDLE, ROOT, jupyter_lab, launch_chromium, skip_without_browser

FIRST = "00_the_big_picture.ipynb"

skip_without_browser()
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


def test_the_first_notebook_opens_clean(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    before = (notebooks / FIRST).read_bytes()
    # as `make lab` starts it (the settings `make setup` installed), over the copy
    options = (f"--notebook-dir={notebooks}", f"--LabApp.default_url=/lab/tree/{FIRST}")
    with jupyter_lab(tmp_path, *options) as lab, sync_api.sync_playwright() as playwright:
        url, token = lab["url"], lab["token"]
        browser = launch_chromium(playwright)
        try:
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
        finally:
            browser.close()
    assert title == FIRST
    assert not [text for text in toasts if "news" in text.lower()], toasts
    assert dirty is False, "opening the notebook marked it modified"
    assert (notebooks / FIRST).read_bytes() == before
