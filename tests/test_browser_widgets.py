"""The dashboard in a real browser: JupyterLab + Debian's Chromium at 1440×900, via Playwright.

JupyterLab serves a temporary folder holding a small notebook with two
dashboards (2-8-8-2 on moons, and 2-16-16-16-3 on spirals); the page opens it
with the file browser open, runs every cell, and then, as a learner would:
plays for 3 s (frames/s and steps/s are reported, not asserted: speed lives in
benchmarks/dashboard_fps.py), pauses (at most one frame may still arrive),
scrubs back, reads a weight by hovering its heatmap cell and edits it by
clicking, types a bad hidden layer, opens the backprop stepper, and plays a
2-D regression and a curve. The status line must always
name the step the frame on screen was drawn for.

Screenshots land in ``test-artifacts/``. Skipped (with the reason) when
Chromium, Playwright or JupyterLab is missing.
"""

import re
from pathlib import Path

import pytest
from helpers import CHROMIUM, launch_chromium, load_script

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed (/usr/bin/chromium); "
        "apt-get install -y chromium to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
pytest.importorskip("anywidget", reason="anywidget is not installed")
bench = load_script("dashboard_fps", ROOT / "benchmarks" / "dashboard_fps.py")

CELLS = [
    "import demystify as dm",
    'small = dm.viz.Dashboard("moons", hidden="8,8")\nsmall.show()',
    'large = dm.viz.Dashboard("spirals", hidden="16,16,16")\nlarge.show()',
    'hills = dm.viz.Dashboard("hills", hidden="8,8")\nhills.show()',
    'curve = dm.viz.Dashboard("sine", hidden="6", features=["x1", "sin(x1)"])\ncurve.show()',
]
SMALL, LARGE = ".dm-dash.small", ".dm-dash.large"
NAMES = ("small", "large", "hills", "curve")  # the dashboards, in the notebook's order


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The notebook open with every cell run; its dashboards get a class each to be found by."""
    folder = tmp_path_factory.mktemp("lab") / "notebooks"
    folder.mkdir()
    bench.notebook(folder / "dashboards.ipynb", CELLS)
    ARTIFACTS.mkdir(exist_ok=True)
    with bench.lab(folder) as server, sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = bench.open_and_run(browser, server, "dashboards.ipynb")
            page.wait_for_function(
                "n => document.querySelectorAll('.dm-dash[data-step]').length == n", arg=len(NAMES)
            )
            page.evaluate(
                "names => document.querySelectorAll('.dm-dash').forEach("
                "(d, k) => d.classList.add(names[k]))",
                list(NAMES),
            )
            yield page
        finally:
            browser.close()


def status(page, within: str) -> str:
    return page.text_content(f"{within} .dm-status")


def drawn_step(page, within: str) -> int:
    return int(page.get_attribute(within, "data-step"))


def status_step(page, within: str) -> int:
    return int(re.match(r"step (\d+) of", status(page, within)).group(1))


def both_steps(page, within: str) -> tuple[int, int]:
    """The step the status names and the step of the frame drawn, read at one moment."""
    status, drawn = page.evaluate(
        f"""() => {{ const d = document.querySelector('{within}');
                    return [d.querySelector('.dm-status').textContent, +d.dataset.step]; }}"""
    )
    return int(re.match(r"step (\d+) of", status).group(1)), drawn


def test_it_fits_1440x900_beside_the_file_browser(page):
    assert page.locator(".jp-FileBrowser").is_visible(), "the file browser should be open"
    dash = page.locator(SMALL)
    dash.scroll_into_view_if_needed()
    box = dash.bounding_box()
    area = page.locator(".jp-NotebookPanel-notebook").first.bounding_box()  # what scrolls
    page.screenshot(path=str(ARTIFACTS / "dashboard_page_1440x900.png"))
    assert box["x"] >= area["x"] and box["x"] + box["width"] <= area["x"] + area["width"]
    assert box["height"] <= area["height"], f"{box['height']:.0f} px in {area['height']:.0f}"
    assert status(page, SMALL).startswith("step 0 of 0 · train loss")


def test_it_plays_and_the_status_names_the_step_drawn(page, record_property):
    page.locator(SMALL).scroll_into_view_if_needed()
    result = bench.play(page, SMALL, seconds=3.0, warm_up=0.5)
    record_property("frames_per_s", result["frames_per_s"])
    record_property("steps_per_s", result["steps_per_s"])
    rates = f"{result['frames_per_s']:.1f} frames/s, {result['steps_per_s']:.0f} steps/s"
    print(f"\n2-8-8-2 moons: {rates}")
    page.wait_for_timeout(500)
    assert drawn_step(page, SMALL) > 0
    assert status_step(page, SMALL) == drawn_step(page, SMALL)
    page.locator(SMALL).screenshot(path=str(ARTIFACTS / "dashboard_after_play.png"))


def test_pause_stops_within_one_frame(page):
    page.click(f"{SMALL} .dm-play")
    page.wait_for_function(f"() => +document.querySelector('{SMALL}').dataset.frames > 5")
    samples = []
    for _ in range(15):  # while playing, every frame's status names its own step
        samples.append(both_steps(page, SMALL))
        page.wait_for_timeout(50)
    assert all(a == b for a, b in samples), samples
    at_pause = page.evaluate(
        f"""() => {{ const d = document.querySelector('{SMALL}');
                    d.querySelector('.dm-play').click(); return +d.dataset.frames; }}"""
    )
    page.wait_for_timeout(1500)
    after = int(page.get_attribute(SMALL, "data-frames"))
    assert after - at_pause <= 1, f"{after - at_pause} frames arrived after Pause"
    assert status_step(page, SMALL) == drawn_step(page, SMALL)


def test_the_scrubber_shows_an_earlier_snapshot_at_once(page):
    page.locator(SMALL).scroll_into_view_if_needed()
    last = both_steps(page, SMALL)[1]
    page.evaluate(
        f"""() => {{ const s = document.querySelector('{SMALL} .dm-scrubber');
                    s.value = 1; s.dispatchEvent(new Event('input')); }}"""
    )
    page.wait_for_function(f"() => +document.querySelector('{SMALL}').dataset.step < {last}")
    shown, drawn = both_steps(page, SMALL)
    assert shown == drawn
    assert status(page, SMALL).startswith(f"step {drawn} of {last}")
    page.click(f"{SMALL} .dm-step")  # training goes on from the last snapshot
    page.wait_for_function(f"() => +document.querySelector('{SMALL}').dataset.step === {last + 1}")


def test_hover_reads_a_weight_and_click_edits_it(page):
    cell = page.locator(f"{SMALL} .dm-matrix canvas").first
    cell.scroll_into_view_if_needed()
    cell.hover(position={"x": 2, "y": 2})  # entry [0, 0] of 0.weights
    tip = page.locator(f"{SMALL} .dm-tip")
    assert re.fullmatch(r"0\.weights\[0, 0\] = -?\d\.\d{3}", tip.text_content()), tip.text_content()
    cell.click(position={"x": 2, "y": 2})
    editor = page.locator(f"{SMALL} .dm-editor")
    editor.fill("1.5")
    editor.press("Enter")
    page.wait_for_function(
        f"() => document.querySelector('{SMALL} .dm-status').textContent.includes('edited')"
    )
    assert "edited 0.weights[0, 0]" in status(page, SMALL) and "+1.5" in status(page, SMALL)
    cell.hover(position={"x": 3, "y": 3})
    assert tip.text_content() == "0.weights[0, 0] = 1.500"
    page.locator(SMALL).screenshot(path=str(ARTIFACTS / "dashboard_after_edit.png"))


def test_a_bad_setting_gets_a_plain_message(page):
    hidden = page.locator(f"{SMALL} .dm-hidden")
    hidden.fill("8,x")
    hidden.press("Enter")
    message = page.locator(f"{SMALL} .dm-message")
    message.wait_for(state="visible")
    page.wait_for_function(f"() => document.querySelector('{SMALL} .dm-message').textContent")
    assert "hidden layer sizes must be whole numbers" in message.text_content()
    assert hidden.input_value() == "8,8"  # the controls show the settings still in force


def test_the_larger_network_is_readable(page):
    dash = page.locator(LARGE)
    dash.scroll_into_view_if_needed()
    page.click(f"{LARGE} .dm-step")
    page.wait_for_function(f"() => +document.querySelector('{LARGE}').dataset.step === 1")
    dash.screenshot(path=str(ARTIFACTS / "dashboard_16_16_16.png"))
    assert both_steps(page, LARGE) == (1, 1)
    page.click(f"{LARGE} .dm-stepper-button")  # the stepper shows every number: too many here
    page.wait_for_function(
        f"() => document.querySelector('{LARGE} .dm-message').textContent.includes('12 units')"
    )


def test_the_stepper_button_opens_the_stepper_below(page):
    page.locator(SMALL).scroll_into_view_if_needed()
    page.click(f"{SMALL} .dm-stepper-button")
    output = page.locator(".dm-dashboard-box").first.locator(".jp-OutputArea-output")
    page.wait_for_function(  # the stepper below, or the dashboard's message saying why not
        f"""() => document.querySelector('.dm-dashboard-box .jp-OutputArea-output') ||
                  document.querySelector('{SMALL} .dm-message').textContent"""
    )
    assert page.text_content(f"{SMALL} .dm-message") == ""
    output.first.wait_for(state="attached")
    output.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboard_stepper_opened.png"))


@pytest.mark.parametrize("name", ["hills", "curve"])
def test_regressions_play_and_show_no_accuracy(page, name):
    within = f".dm-dash.{name}"
    page.locator(within).scroll_into_view_if_needed()
    page.click(f"{within} .dm-play")
    page.wait_for_function(f"() => +document.querySelector('{within}').dataset.step >= 150")
    page.click(f"{within} .dm-play")
    page.wait_for_timeout(500)
    assert "accuracy" not in status(page, within)
    assert both_steps(page, within)[0] == both_steps(page, within)[1]
    page.locator(within).screenshot(path=str(ARTIFACTS / f"dashboard_{name}.png"))
