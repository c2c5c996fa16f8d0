"""The backprop stepper in a real browser: JupyterLab + Debian's Chromium, driven by Playwright.

Starts JupyterLab on a free loopback port (token-protected) over a temporary
folder holding a copy of notebook 04 (a copy, because JupyterLab autosaves),
opens it and runs every cell, as a learner would. Then it walks notebook 04's
stepper with the Next and Back buttons, the → and ← keys and Play, and at
every stage it lands on checks that the page shows that stage's numbers: the
title, every number of every table, the written-out sum and the picture. The
numbers it expects come from the same stepper built here from the notebook's
own cell (whose numbers `tests/test_stepper_consistency.py` checks against each other).

Screenshots land in ``test-artifacts/``. Skipped (with the reason) when
Chromium, Playwright or JupyterLab is missing.
"""

import os
import shutil

import pytest
from helpers import CHROMIUM, KERNEL_IDLE, ROOT, jupyter_lab, launch_chromium, quiet_settings

NOTEBOOK = "04_backpropagation.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

if not CHROMIUM.exists():
    pytest.skip(
        f"Debian's Chromium is not installed ({CHROMIUM}); "
        "apt-get install -y chromium to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
pytest.importorskip("ipywidgets", reason="ipywidgets is not installed")
pytest.importorskip("anywidget", reason="anywidget (the stepper's keys) is not installed")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")


def notebook_stepper():
    """The stepper of notebook 04, built here from the notebook's own cell (without .show())."""
    import numpy as np

    import demystify as dm

    cells = [
        cell.source
        for cell in nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4).cells
        if cell.cell_type == "code" and "dm.viz.BackpropStepper(" in cell.source
    ]
    assert len(cells) == 1, f"{NOTEBOOK} should have one cell that makes the stepper"
    namespace = {"np": np, "dm": dm}
    exec("\n".join(line for line in cells[0].splitlines() if ".show(" not in line), namespace)
    return next(value for value in namespace.values() if isinstance(value, dm.viz.BackpropStepper))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab over a copy of notebook 04; stopped (with its kernel) afterwards."""
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, notebooks / NOTEBOOK)
    settings = quiet_settings(home / "app-settings")  # no "news?" pop-up
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as for a person
    options = (f"--ServerApp.root_dir={notebooks}", f"--LabApp.app_settings_dir={settings}")
    with jupyter_lab(home, *options, env=env) as server:
        yield server


ALL_CELLS_DONE = f"""() => ({KERNEL_IDLE})() &&
    !Array.from(document.querySelectorAll('.jp-InputArea-prompt'))
          .some(p => p.textContent.includes('*'))"""


@pytest.fixture(scope="module")
def page(lab):
    """Notebook 04 open in Chromium (1440×900), every cell run, the stepper on screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(60_000)
        address = f"{lab['url']}/lab/workspaces/stepper/tree/{NOTEBOOK}?reset&token={lab['token']}"
        page.goto(address)
        page.wait_for_function(KERNEL_IDLE, polling=250)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_selector(".dm-stepper .dm-network img", state="attached")
            page.wait_for_function(ALL_CELLS_DONE, polling=250)
            page.locator(".dm-stepper").scroll_into_view_if_needed()
            yield page
        except sync_api.TimeoutError:
            page.screenshot(path=str(ARTIFACTS / "failed_stepper.png"))
            raise
        finally:
            browser.close()


def shows_stage(page, stepper, k: int) -> None:
    """Wait until the page says stage k, then check every number it shows against stage k."""
    stage = stepper.stages[k]
    page.wait_for_function(
        "text => document.querySelector('.dm-stepper .dm-formula').innerText.includes(text)",
        arg=f"stage {k + 1} of {len(stepper.stages)}",
        polling=50,
    )
    page.wait_for_selector(f'.dm-tables [data-stage="{k}"]', state="attached")
    assert stage.name in page.inner_text(".dm-stepper .dm-formula")
    for name, array in stage.arrays.items():
        cells = page.locator(f'.dm-tables .dm-matrix[data-name="{name}"] td').all_inner_texts()
        assert cells == [number(v) for v in array.ravel()], f"stage {k + 1}, table {name}"
    entry = stepper.entry_index if k == stepper.index else (0, 0)
    shown_sum = page.inner_text(".dm-stepper .dm-sum").strip()
    assert shown_sum == stage.written_out(*entry).strip(), f"stage {k + 1}: the written-out sum"


def number(value) -> str:
    from demystify.viz.stepper import number as as_shown

    return as_shown(value)


def picture(page) -> str:
    return page.eval_on_selector(".dm-stepper .dm-network img", "img => img.src")


def shot(page, name: str) -> None:
    page.locator(".dm-stepper").screenshot(path=str(ARTIFACTS / f"stepper_{name}.png"))


def test_next_back_keys_and_play_show_each_stages_numbers(page):
    stepper = notebook_stepper()
    shows_stage(page, stepper, 0)
    shot(page, "01_forward")
    pictures = [picture(page)]

    page.click(".dm-stepper .dm-next")  # the button
    shows_stage(page, stepper, 1)
    pictures.append(picture(page))

    page.click(".dm-stepper .dm-tables")  # a click on the stepper gives it the keys
    for k in range(2, 6):  # → four times: Z2, P, L, dZ2
        page.keyboard.press("ArrowRight")
        shows_stage(page, stepper, k)
    pictures.append(picture(page))
    shot(page, "06_loss_gradient")  # P = softmax(Z2) beside dZ2 = (P − Y) / 4

    page.keyboard.press("ArrowRight")  # dW2: each arrow of W2 carries its gradient
    shows_stage(page, stepper, 6)
    pictures.append(picture(page))
    shot(page, "07_weight_gradient")
    page.keyboard.press("ArrowLeft")  # ← goes back ...
    shows_stage(page, stepper, 5)
    page.click(".dm-stepper .dm-back")  # ... and so does Back
    shows_stage(page, stepper, 4)
    assert len(set(pictures)) == len(pictures), "the picture did not change with the stage"

    play = page.locator(".dm-stepper .dm-play button").first  # one button: ▶, then ❚❚
    play.click()  # Play: on by itself ...
    shows_stage(page, stepper, 6)
    play.click()  # ... until Pause
    page.wait_for_timeout(2500)  # longer than one tick of Play: nothing moves any more
    index = int(page.inner_text(".dm-stepper .dm-formula").split("stage ")[1].split(" ")[0]) - 1
    assert index >= 6
    stepper.go(index)
    shows_stage(page, stepper, index)
    shot(page, "after_play")
    page.screenshot(path=str(ARTIFACTS / "stepper_page.png"))
