"""A notebook presented with RISE in JupyterLab, in Debian's Chromium at 1280×720.

Copies notebook 03 (the one with the most code) into a temporary folder as it is
stored (its slideshow metadata and theme from `slides/rise.py`, and ``rise.css``
beside it), starts JupyterLab over it, opens the notebook, starts the
slideshow with RISE's own command ``RISE:slideshow`` (the JupyterLab command
behind "Open as Reveal Slideshow"; Alt+R is its preview twin), and advances
with the space bar through every slide, subslide and fragment. It checks that
the slideshow went through exactly the slides and fragments the metadata asks
for, that no slide is taller than the screen (the check of rise.py's line
count against the real browser), that no text is smaller than 20 px (code and
its output: 18 px) on any step, measured as rendered, and that nothing was
fetched from outside the machine (every other request is aborted and counted,
the theme's fonts included). A screenshot of every step lands in
``test-artifacts/rise/``.

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

NOTEBOOK = "03_losses.ipynb"
MIN_BODY_PX, MIN_CODE_PX = 20, 18
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
    for name in (NOTEBOOK, "rise.css"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    assert rise.main(["--check", str(notebooks / NOTEBOOK)]) == 0, (
        f"{NOTEBOOK}'s stored slideshow metadata is stale: run python slides/rise.py"
    )
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


# every text on the slide on show, in screen pixels (computed size times the slide's scale),
# and whether it is code (an editor, a <pre> or <code>, an output's text) or prose
TEXT_SIZES = """() => {
  const slide = document.querySelector('.reveal .slides > section.present > section.present');
  const slides = document.querySelector('.reveal .slides');
  const scale = slides.getBoundingClientRect().width / slides.offsetWidth;
  const shown = el => { const s = getComputedStyle(el);
      return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0
          && !el.closest('mjx-assistive-mml, .MJX_Assistive_MathML, .katex-mathml'); };
  const sizes = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.replace(/[\\s\\u200b]+/g, '') || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) continue;
    const code = !!el.closest('.cm-editor, pre, code, .jp-OutputArea-output, .jp-InputPrompt');
    sizes.push([parseFloat(getComputedStyle(el).fontSize) * scale, code,
                node.textContent.trim().slice(0, 30)]);
  }
  return sizes;
}"""


def start_slideshow(context, lab: dict):
    """Open the notebook in JupyterLab and start RISE on it; returns the slideshow's page."""
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
    return show


def walk_the_slideshow(show, expected_steps: int) -> tuple[list, list, list, dict]:
    """Press Space until the slideshow stops moving: the (slide, fragments) steps visited, the
    slides taller than the screen, the texts too small, and every text size (code: True);
    a screenshot of each step."""
    visited, too_tall, too_small, smallest = [], [], [], {True: [], False: []}
    for step in range(expected_steps + 5):
        state = show.evaluate(STATE)
        key = (state["id"], state["fragments"])
        if visited and key == visited[-1]:
            break  # the space bar no longer moves: the end of the slideshow
        visited.append(key)
        if state["height"] > state["screen"] + 1:
            too_tall.append(f"{state['id']} is {state['height']:.0f} px high")
        for px, code, text in show.evaluate(TEXT_SIZES):
            smallest[code].append(px)
            if px < (MIN_CODE_PX if code else MIN_BODY_PX):
                kind = "code" if code else "text"
                too_small.append(f"step {step + 1}: {kind} {text!r} is {px:.1f} px")
        show.screenshot(path=str(SHOTS / f"step-{step + 1:02d}.png"))
        show.keyboard.press("Space")
        show.wait_for_timeout(300)
    return visited, too_tall, too_small, smallest


def test_a_notebook_presents_slide_by_slide_in_rise(lab):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("step-*.png"):
        old.unlink()
    analysis = lab["analysis"]
    expected_steps = len(analysis.slides) + analysis.fragments
    outside = []

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
            show = start_slideshow(context, lab)
            visited, too_tall, too_small, smallest = walk_the_slideshow(show, expected_steps)
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
    assert smallest[True] and smallest[False], "no code or no prose was measured"
    assert too_small == [], "text too small for the room:\n" + "\n".join(too_small[:30])
    print(f"smallest prose {min(smallest[False]):.1f} px, code {min(smallest[True]):.1f} px")
