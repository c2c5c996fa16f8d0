"""The talk deck in the browser: it fits its slides, and prints as a handout.

* opens the deck (built once per run: the `deck` fixture of ``conftest.py``) from
  ``file://`` in Debian's Chromium at 1280×720 with every other request aborted,
  steps through every slide and fragment with ``Reveal.next()``, and asserts that
  every element and every line of text lies inside the slide's box, that no code
  block, table or formula scrolls, that every image loaded and KaTeX rendered; a
  screenshot of every slide goes to ``test-artifacts/slides/``;
* counts the handout's pages (one per slide and fragment stage) and renders a
  few of them to PNG (poppler's ``pdftoppm``) to check they are neither blank
  nor cut.

The browser parts skip, with the reason, without Chromium, Playwright or poppler.
"""

import re
import shutil
import subprocess

import pytest
from helpers import ARTIFACTS, CHROMIUM, has_browser, launch_chromium, sections_of, stages

SHOTS = ARTIFACTS / "slides"

# --- in the browser ---------------------------------------------------------------------------

LAYOUT_PROBLEMS = """() => {
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const slide = Reveal.getCurrentSlide();
  const where = el => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).trim().split(/\\s+/).slice(0, 2).join('.') : '')
      + ' "' + (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 40) + '"';
  const outside = r => r.left < box.left - 1 || r.right > box.right + 1
      || r.top < box.top - 1 || r.bottom > box.bottom + 1;
  const shown = el => { const s = getComputedStyle(el);  // KaTeX's MathML copy is for readers
      return s.display !== 'none' && s.visibility !== 'hidden' && !el.closest('aside.notes')
          && !el.closest('.katex-mathml') && !el.ownerSVGElement; };  // an svg counts as a whole
  const problems = [];
  for (const el of [slide, ...slide.querySelectorAll('*')]) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (outside(r)) problems.push(`${where(el)} runs outside the slide: `
        + `[${r.left | 0}, ${r.top | 0}, ${r.right | 0}, ${r.bottom | 0}] in `
        + `[${box.left | 0}, ${box.top | 0}, ${box.right | 0}, ${box.bottom | 0}]`);
    const s = getComputedStyle(el);
    const clips = s.overflowX !== 'visible' || s.overflowY !== 'visible';
    const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    if (clips && s.display !== 'inline' && scrolls)
      problems.push(`${where(el)} scrolls: ${el.scrollWidth}×${el.scrollHeight} `
          + `in ${el.clientWidth}×${el.clientHeight}`);
  }
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || !shown(node.parentElement)) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects())
      if (r.width > 0 && outside(r)) problems.push(`text "${node.textContent.trim().slice(0, 40)}"`
          + ` runs outside the slide at [${r.left | 0}, ${r.top | 0}, `
          + `${r.right | 0}, ${r.bottom | 0}]`);
  }
  return problems;
}"""


MIN_TEXT_PX = 16  # the smallest text a slide may show at 1280×720, in screen pixels

# every text on the current slide (and the smallest text inside each image), in screen px:
# a text's computed font size times reveal.js's scale; an image's smallest text (measured
# from its figure's own text when it was drawn, in the PNG's pixels, data-min-text) times
# its shown width over the PNG's width
TEXT_SIZES = """() => {
  const slide = Reveal.getCurrentSlide(), scale = Reveal.getScale();
  const shown = el => { const s = getComputedStyle(el);
      return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0
          && !el.closest('aside.notes') && !el.closest('.katex-mathml'); };
  const sizes = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const glyphs = node.textContent.replace(/[\\s\\u200b]+/g, '');  // KaTeX pads with U+200B
    if (!glyphs || !shown(el) || el.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    sizes.push([parseFloat(getComputedStyle(el).fontSize) * scale,
                node.textContent.trim().slice(0, 40)]);
  }
  for (const img of slide.querySelectorAll('img')) {
    if (!shown(img)) continue;
    const drawn = parseFloat(img.dataset.minText);
    const r = img.getBoundingClientRect();
    sizes.push([Number.isFinite(drawn) ? drawn * r.width / img.naturalWidth : 0,
                'image ' + img.getAttribute('src')]);
  }
  return sizes;
}"""


def smallest_texts(page, where: str) -> list[str]:
    """The texts of the current slide smaller than MIN_TEXT_PX, and its smallest text."""
    sizes = page.evaluate(TEXT_SIZES)
    small = [f"{where}: {text!r} is {px:.1f} px" for px, text in sizes if px < MIN_TEXT_PX]
    return small, min((px for px, _ in sizes), default=float("inf"))


def open_deck(page, deck, blocked: list) -> None:
    """Open the deck from ``file://`` (every other request aborted and noted in `blocked`),
    wait for reveal.js and KaTeX, and turn the transitions off."""

    def only_local_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local_files)
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30000)
    page.wait_for_function("() => document.querySelectorAll('.katex').length > 0", timeout=30000)
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    page.evaluate("Reveal.slide(0, 0, -1)")


def walk_the_deck(page, html: str) -> tuple[list, list, list, list]:
    """Step through every slide and fragment with ``Reveal.next()``: the stages visited, the
    layout problems and too-small texts of each, each slide's smallest text; a screenshot
    of each slide with all its fragments shown."""
    visited, problems, too_small, smallest = [], [], [], []
    for _ in range(stages(html) + 5):
        state = page.evaluate(
            "() => [Reveal.getIndices().h, Reveal.getIndices().f ?? -1,"
            " Reveal.availableFragments().next, Reveal.isLastSlide()]"
        )
        visited.append(tuple(state[:2]))
        page.wait_for_timeout(30)
        where = f"slide {state[0] + 1} (fragment {state[1]})"
        for problem in page.evaluate(LAYOUT_PROBLEMS):
            problems.append(f"{where}: {problem}")
        small, least = smallest_texts(page, where)
        too_small += small
        smallest.append((least, where))
        if not state[2]:  # the slide as it looks when all its fragments are shown
            page.screenshot(path=str(SHOTS / f"slide-{state[0] + 1:02d}.png"))
            if state[3]:
                break
        page.evaluate("Reveal.next()")
    return visited, problems, too_small, smallest


def test_every_slide_and_fragment_fits_in_chromium(deck):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("slide-*.png"):
        old.unlink()
    html = deck.read_text()
    blocked = []
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            open_deck(page, deck, blocked)
            total = page.evaluate("Reveal.getTotalSlides()")
            assert total == len(sections_of(html))
            visited, problems, too_small, smallest = walk_the_deck(page, html)
            images = page.evaluate(
                """() => [...document.images].map(img => ({
                    src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0}))"""
            )
            katex = page.evaluate("document.querySelectorAll('.katex').length")
            errors = page.evaluate("document.querySelectorAll('.katex-error').length")
            notes = page.evaluate("""() => Reveal.getSlides().map(
                s => (s.querySelector('aside.notes') || {textContent: ''}).textContent)""")
        finally:
            browser.close()
    assert blocked == [], f"the deck tried to reach the network: {blocked}"
    assert len(set(visited)) == stages(html), "every slide and fragment stage was visited"
    assert len({h for h, _ in visited}) == total
    assert images and all(image["ok"] for image in images), [i for i in images if not i["ok"]]
    assert katex >= 20 and errors == 0, f"{katex} formulas, {errors} KaTeX errors"
    assert len(notes) == total, f"{len(notes)} slides' notes read for {total} slides"
    assert all(re.search(r"◷ \d\d:\d\d · \d+ min", text) for text in notes), "time marks"
    assert all(len(text) > 100 for text in notes), "every slide has speaker notes"
    assert problems == [], "\n".join(problems)
    assert too_small == [], f"text under {MIN_TEXT_PX} px:\n" + "\n".join(too_small)
    print(f"the smallest text on any slide: {min(smallest)[0]:.1f} px, on {min(smallest)[1]}")
    assert len(list(SHOTS.glob("slide-*.png"))) == total


def test_the_handout_prints_every_slide_and_fragment_stage(deck):
    pdf = deck.with_name("talk.pdf")
    if not has_browser():
        pytest.skip("the PDF handout needs Debian's chromium and playwright")
    for tool in ("pdfinfo", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (poppler-utils) is not installed: apt-get install poppler-utils")
    from PIL import Image, ImageStat

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, flags=re.M).group(1))
    html = deck.read_text()
    assert pages == stages(html), f"{pages} pages for {stages(html)} slides and fragment stages"
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout).groups())
    assert abs(width / height - 16 / 9) < 0.02, f"page {width} × {height} is not 16:9"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("pdf-page-*.png"):
        old.unlink()
    for number in sorted({1, 2, pages // 3, pages // 2, pages}):
        prefix = SHOTS / f"pdf-page-{number:03d}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "48", "-f", str(number), "-l", str(number), "-singlefile"]
            + [str(pdf), str(prefix)],
            check=True,
        )
        image = Image.open(f"{prefix}.png").convert("L")
        assert ImageStat.Stat(image).stddev[0] > 15, f"page {number} is blank"
        w, h = image.size
        for name, strip in {
            "top": (0, 0, w, 3),
            "left": (0, 0, 3, h),
            "right": (w - 3, 0, w, h),
            "bottom": (w // 5, h - 3, w - w // 5, h),  # the corners hold the clock and number
        }.items():
            assert ImageStat.Stat(image.crop(strip)).extrema[0][0] > 200, (
                f"page {number}: something is cut at the {name} edge"
            )
