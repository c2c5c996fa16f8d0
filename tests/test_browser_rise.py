"""A notebook presented with RISE in JupyterLab, in Debian's Chromium at 1280×720.

Copies notebook 01 into a temporary folder, gives it slideshow metadata with
`slides/rise.py` (so this test does not wait for anyone to run the tool on the
real notebooks), starts JupyterLab over it, opens the notebook, starts the
slideshow with RISE's own command ``RISE:slideshow`` (the JupyterLab command
behind "Open as Reveal Slideshow"; Alt+R is its preview twin), and advances
with the space bar through every slide, subslide and fragment. It checks that
the slideshow went through exactly the slides and fragments the metadata asks
for, that no slide is taller than the screen (the check of rise.py's line
count against the real browser), and that nothing was fetched from outside
the machine. A screenshot of every step lands in ``test-artifacts/rise/``.

Skipped (with the reason) without Chromium, Playwright, JupyterLab or jupyterlab-rise.
"""

import json
import shutil

import pytest
from helpers import (
    ARTIFACTS,
    ROOT,
    jupyter_lab,
    launch_chromium,
    load_script,
    quiet_settings,
    skip_without_browser,
)

NOTEBOOK = "01_one_neuron_then_a_dense_layer.ipynb"
SHOTS = ARTIFACTS / "rise"

skip_without_browser()
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
pytest.importorskip("jupyterlab_rise", reason='jupyterlab-rise is not installed ("demystify[viz]")')


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab over a copy of the notebook, given its slideshow metadata; stopped afterwards."""
    rise = load_script("slides_rise", ROOT / "slides" / "rise.py")
    home = tmp_path_factory.mktemp("rise-lab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, notebooks / NOTEBOOK)
    assert rise.main([str(notebooks / NOTEBOOK)]) == 0, f"{NOTEBOOK} does not fit RISE's slides"
    settings = quiet_settings(home / "app-settings")
    options = (f"--ServerApp.root_dir={notebooks}", f"--LabApp.app_settings_dir={settings}")
    with jupyter_lab(home, *options) as server:
        notebook = json.loads((notebooks / NOTEBOOK).read_text(encoding="utf-8"))
        yield {**server, "analysis": rise.analyse(notebook)}


STATE = """() => {
  const slide = document.querySelector('.reveal .slides > section.present > section.present');
  if (!slide) return null;
  const box = slide.getBoundingClientRect();
  return {id: slide.id, fragments: slide.querySelectorAll('.fragment.visible').length,
          top: box.top, bottom: box.bottom, height: box.height, screen: innerHeight};
}"""


def test_a_notebook_presents_slide_by_slide_in_rise(lab):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("step-*.png"):
        old.unlink()
    analysis = lab["analysis"]
    expected_steps = len(analysis.slides) + analysis.fragments
    outside, visited, too_tall = [], [], []

    def only_this_server(route):
        if route.request.url.startswith(lab["url"]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.route("**/*", only_this_server)
            page = context.new_page()
            page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
            page.wait_for_function(
                "() => window.jupyterapp && jupyterapp.shell.currentWidget"
                " && jupyterapp.shell.currentWidget.context"
                " && jupyterapp.shell.currentWidget.context.isReady",
                timeout=90000,
            )
            assert page.evaluate("jupyterapp.commands.hasCommand('RISE:slideshow')")
            with context.expect_page(timeout=60000) as opened:
                page.evaluate("jupyterapp.commands.execute('RISE:slideshow')")
            show = opened.value
            show.wait_for_function(f"({STATE})() !== null", timeout=90000)
            show.wait_for_timeout(1500)  # RISE syncs reveal.js after its first layout
            # no slide transitions: every screenshot shows a slide at rest
            show.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
            for step in range(expected_steps + 5):
                state = show.evaluate(STATE)
                key = (state["id"], state["fragments"])
                if visited and key == visited[-1]:
                    break  # the space bar no longer moves: the end of the slideshow
                visited.append(key)
                if state["height"] > state["screen"] + 1:
                    too_tall.append(f"{state['id']} is {state['height']:.0f} px high")
                show.screenshot(path=str(SHOTS / f"step-{step + 1:02d}.png"))
                show.keyboard.press("Space")
                show.wait_for_timeout(300)
        finally:
            browser.close()
    slides = {slide_id for slide_id, _ in visited}
    assert len(slides) == len(analysis.slides), f"{len(slides)} slides shown: {sorted(slides)}"
    assert len(set(visited)) == expected_steps, (
        f"{len(set(visited))} steps for {len(analysis.slides)} slides and "
        f"{analysis.fragments} fragments"
    )
    assert too_tall == [], f"slides taller than the 720-pixel screen: {too_tall}"
    assert outside == [], f"the slideshow reached outside the machine: {outside}"
