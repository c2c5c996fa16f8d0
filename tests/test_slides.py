"""The talk deck builds from the repository, fits its slides, and prints as a handout.

Builds `slides/` once with the project's own build script (`--pdf` when Chromium
is there), then:

* checks what the build put in: figures drawn by the library, code that is the
  package's source without docstrings, the line count as measured, a time mark
  and speaker notes on every slide, a pointer to every notebook;
* opens the deck from ``file://`` in Debian's Chromium at 1280×720 with every
  other request aborted, steps through every slide and fragment with
  ``Reveal.next()``, and asserts that every element and every line of text lies
  inside the slide's box, that no code block, table or formula scrolls, that
  every image loaded and KaTeX rendered; a screenshot of every slide goes to
  ``test-artifacts/slides/``;
* counts the handout's pages (one per slide and fragment stage) and renders a
  few of them to PNG (poppler's ``pdftoppm``) to check they are neither blank
  nor cut.

The browser parts skip, with the reason, without Chromium, Playwright or poppler.
"""

import importlib.util
import inspect
import json
import re
import shutil
import subprocess
import sys
import types

import pytest
from helpers import ARTIFACTS, CHROMIUM, ROOT, launch_chromium, load_script

SHOTS = ARTIFACTS / "slides"


def has_browser() -> bool:
    return CHROMIUM is not None and importlib.util.find_spec("playwright") is not None


@pytest.fixture(scope="module")
def build():
    pytest.importorskip("matplotlib", reason="the slides' figures need the viz extra")
    pytest.importorskip("mistune", reason="the slides' markdown needs mistune (jupyterlab has it)")
    load_script("slides_build", ROOT / "slides" / "build.py")  # puts slides/deck in reach
    from deck import source, talk

    return types.SimpleNamespace(
        parse=talk.parse, sections=talk.sections, source_of=source.source_of, talk=talk
    )


@pytest.fixture(scope="module")
def deck(build, tmp_path_factory):
    if shutil.which("npm") is None and not (ROOT / "slides" / "node_modules").exists():
        pytest.skip("npm is needed once to install reveal.js for the slides")
    out = tmp_path_factory.mktemp("deck")
    command = [sys.executable, str(ROOT / "slides" / "build.py"), "--out", str(out)]
    result = subprocess.run(
        command + (["--pdf"] if has_browser() else []), capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out / "index.html"


def sections_of(html: str) -> list[str]:
    return re.findall(r"<section\b.*?</section>", html, flags=re.S)


def stages(html: str) -> int:
    """Slides plus fragment steps (fragments that share a data-fragment-index are one step)."""
    total = 0
    for section in sections_of(html):
        tags = re.findall(r'<[^>]*class="[^"]*\bfragment\b[^>]*>', section)
        shared = {re.search(r'data-fragment-index="(\d+)"', t) for t in tags} - {None}
        total += (
            1
            + len({m.group(1) for m in shared})
            + sum("data-fragment-index" not in t for t in tags)
        )
    return total


# --- what the build put in ------------------------------------------------------------------


def test_the_talk_fills_90_minutes_in_sections(build):
    slides = build.parse((ROOT / "slides" / "talk.md").read_text(encoding="utf-8"))
    assert 35 <= len(slides) <= 52, f"{len(slides)} slides for a 90-minute talk"
    minutes = [slide.minute for slide in slides]
    assert minutes[0] == 0 and minutes[-1] < 90 and minutes == sorted(set(minutes))
    assert {30, 60, 80} <= set(minutes), "the 30-, 60- and 80-minute checkpoints are marked"
    sections = build.sections(slides)
    assert len(sections) >= 12 and sum(count for *_, count in sections) == len(slides)
    pointed = {slide.notebook for slide in slides if slide.notebook}
    notebooks = {f"notebooks/{path.name}" for path in (ROOT / "notebooks").glob("*.ipynb")}
    assert pointed == notebooks, f"no slide points at {sorted(notebooks - pointed)}"
    assert all(len(slide.notes) > 80 for slide in slides), "every slide has real speaker notes"


def test_the_build_refuses_a_slide_without_notes_or_time_mark(build):
    good = "<!-- section: A -->\n## One\n\nNote:\n⏱ 0\nWords."
    marks = "\n---\n## Two\n\nNote:\n⏱ {}\nWords."
    with pytest.raises(SystemExit, match="time mark"):
        build.parse(good + "\n---\n## Two\n\nNote:\nno mark here")
    with pytest.raises(SystemExit, match="no speaker notes"):
        build.parse(good + "\n---\n## Two")
    with pytest.raises(SystemExit, match="grow"):
        build.parse(good + marks.format(30) + marks.format(30))
    with pytest.raises(SystemExit, match="checkpoint"):
        build.parse(good + marks.format(30) + marks.format(60))
    with pytest.raises(SystemExit, match="does not exist"):
        build.parse("<!-- section: A -->\n<!-- notebook: 99 -->\n## One\n\nNote:\n⏱ 0\nW")
    slides = build.parse(good + marks.format(30) + marks.format(60) + marks.format(80))
    assert [slide.minute for slide in slides] == [0, 30, 60, 80]


def test_every_inner_section_ends_with_a_recap(build):
    slide = "{}## {}\n\nNote:\n⏱ {}\nWords."
    a, c = (
        slide.format("<!-- section: A -->\n", "a", 0),
        slide.format("<!-- section: C -->\n", "c", 60),
    )
    d = slide.format("", "d", 80)
    with pytest.raises(SystemExit, match="'B' ends \\(slide 2\\) without a recap"):
        build.parse("\n---\n".join([a, slide.format("<!-- section: B -->\n", "b", 30), c, d]))
    b = slide.format("<!-- section: B -->\n<!-- recap: one line -->\n", "b", 30)
    assert [s.recap for s in build.parse("\n---\n".join([a, b, c, d]))] == [None, "one line"] + [
        None
    ] * 2
    early = c.replace("## c", "<!-- recap: too early -->\n## c")
    with pytest.raises(SystemExit, match="last slide, not on slides \\[3\\]"):
        build.parse("\n---\n".join([a, b, early, d]))
    talk = build.parse((ROOT / "slides" / "talk.md").read_text(encoding="utf-8"))
    recaps = [slide.recap for slide in talk if slide.recap]
    assert len(recaps) == len(build.sections(talk)) - 2  # all but the opening and the close
    assert all(10 < len(recap) < 100 for recap in recaps), "a recap is one line"


def test_the_talk_has_notation_questions_and_its_settings(build):
    talk = build.parse((ROOT / "slides" / "talk.md").read_text(encoding="utf-8"))
    bodies = [slide.body for slide in talk]
    notation = [body for body in bodies if body.startswith("## Notation")]
    assert len(notation) == 1 and "rows are examples" in notation[0]
    assert "$W[i, j]$ is **the arrow $i \\to j$**" in notation[0] and "count from 0" in notation[0]
    questions = [slide for slide in talk if "question" in slide.classes]
    assert len(questions) == 2 and all("?" in slide.body for slide in questions)
    for field in ("presenter", "date", "link"):  # the title and the closing slide show them
        assert f"{{{{talk {field}}}}}" in bodies[0]
    assert "{{talk presenter}}" in bodies[-1] and "{{talk link}}" in bodies[-1]
    settings = build.talk.settings()
    assert all(str(settings[name]).strip() for name in build.talk.SETTING_FIELDS)
    # one neuron: the formula counts its inputs from 0, as the picture of Dense(3, 1) does
    neuron = next(body for body in bodies if body.startswith("## One neuron"))
    assert sorted(set(re.findall(r"w_(\d)", neuron))) == ["0", "1", "2"]


def test_code_on_slides_is_the_source_without_docstrings(build):
    import demystify as dm

    code = build.source_of("demystify.layers:Dense.backward")
    real = inspect.getsource(dm.Dense.backward)
    assert code.splitlines()[0] == real.strip().splitlines()[0]
    assert code.splitlines()[-1].strip() == real.strip().splitlines()[-1].strip()
    assert '"""' not in code and "dL/dweights" not in code  # the docstring is gone
    relu = build.source_of("demystify.activations:ReLU")
    assert "# shown in notebooks/" not in relu and '"""' not in relu
    assert "class ReLU" in relu and "def derivative" in relu
    with pytest.raises(SystemExit, match="at most 15"):
        build.source_of("demystify.training:fit")
    with pytest.raises(SystemExit, match="no such source"):
        build.source_of("demystify.layers:Dense.no_such_method")


def test_build_makes_figures_from_the_library_and_real_source(build, deck):
    html = deck.read_text()
    figures = sorted((deck.parent / "figures").glob("*.png"))
    assert {"network", "weights", "history", "boundary", "changes", "stepper"} <= {
        f.stem.split("-")[0] for f in figures
    }
    assert all(f.stat().st_size > 5000 for f in figures)  # real plots, not empty images
    for tag in re.findall(r"<img\b[^>]*>", html):  # alt texts describe, they do not name files
        alt = re.search(r'alt="([^"]*)"', tag).group(1)
        assert len(alt.split()) >= 8 and ".png" not in alt and ".gif" not in alt, tag
        assert re.search(r'data-min-text="[\d.]+"', tag), tag
    assert "xp.matmul(x.T, grad_out)" in html  # Dense.backward, read from the package
    assert "dL/dweights" not in html and "# shown in notebooks/" not in html
    link = build.talk.settings()["link"]
    elsewhere = html.replace(link, "")  # only the project's own link may point outside
    assert "https://" not in elsewhere and "http://" not in elsewhere
    assert html.count(f'href="{link}"') == 2  # on the title and on the closing slide
    outline = json.loads((deck.parent / "outline.json").read_text())
    assert outline["slides"] == len(sections_of(html))


def test_every_live_demo_has_a_recorded_fallback(deck):
    from PIL import Image

    html = deck.read_text()
    for name, notebook in (("dashboard", "07"), ("stepper", "04")):
        path = deck.parent / "fallback" / f"{name}.gif"
        with Image.open(path) as gif:
            assert gif.n_frames >= 5 and gif.info.get("loop") == 0, f"{name}: a looping animation"
        section = next(s for s in sections_of(html) if f"notebooks/{notebook}_" in s)
        assert f'href="fallback/{name}.gif"' in section, f"the {name} demo's slide links it"
    assert '<img class="recording" src="fallback/dashboard.gif"' in html


def test_the_line_count_is_measured_not_claimed(deck):
    loc_counter = load_script("loc_counter", ROOT / "tests" / "loc_counter.py")
    counts = loc_counter.count_package(ROOT / "demystify")
    core = loc_counter.core(counts)
    html = deck.read_text()
    assert f"{core:,}" in html
    if core > loc_counter.BUDGET:
        assert "under 1000" not in html and "under 1,000" not in html
        assert f"{core - loc_counter.BUDGET} lines over" in html


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


def test_every_slide_and_fragment_fits_in_chromium(deck):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("slide-*.png"):
        old.unlink()
    html = deck.read_text()
    blocked, problems, visited, too_small, smallest = [], [], [], [], []
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})

            def only_local_files(route):
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local_files)
            page.goto(deck.as_uri())
            page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30000)
            page.wait_for_function(
                "() => document.querySelectorAll('.katex').length > 0", timeout=30000
            )
            page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
            page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
            page.evaluate("Reveal.slide(0, 0, -1)")
            total = page.evaluate("Reveal.getTotalSlides()")
            assert total == len(sections_of(html))
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
