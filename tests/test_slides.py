"""The talk deck builds from the repository and works offline in a real browser.

Builds `slides/` with the project's own build script, opens the deck from disk
in headless Chromium with every request that is not a local file blocked, and
checks that reveal.js started, every slide is there, images loaded, maths
rendered and every content slide has speaker notes. Screenshots of the title
and two content slides go to `test-artifacts/slides/`.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "slides"


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    pytest.importorskip("matplotlib", reason="the slides' figures need the viz extra")
    if shutil.which("npm") is None and not (ROOT / "slides" / "node_modules").exists():
        pytest.skip("npm is needed once to install reveal.js for the slides")
    out = tmp_path_factory.mktemp("deck")
    result = subprocess.run(
        [sys.executable, str(ROOT / "slides" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "index.html"


def expected_slide_count() -> int:
    talk = (ROOT / "slides" / "talk.md").read_text()
    return len([part for part in re.split(r"^---$", talk, flags=re.M) if part.strip()])


def test_build_makes_figures_from_the_library_and_real_source(deck):
    html = deck.read_text()
    figures = sorted((deck.parent / "figures").glob("*.png"))
    assert {f.stem for f in figures} >= {"network", "weights", "history", "boundary", "changes"}
    assert all(f.stat().st_size > 5000 for f in figures)  # real plots, not empty images
    # code on the slides is the package's source, read at build time
    import inspect
    import demystify as dm

    first_line = inspect.getsource(dm.Dense.backward).strip().splitlines()[0]
    assert first_line.replace("->", "-&gt;") in html
    assert "https://" not in html and "http://" not in html  # nothing points outside


def test_deck_works_offline_in_chromium(deck):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blocked = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 760})

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
            page.screenshot(path=str(ARTIFACTS / "title.png"))

            assert page.evaluate("Reveal.getTotalSlides()") == expected_slide_count()
            images = page.evaluate("""() => [...document.images].map(
                img => ({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0}))""")
            assert images and all(image["ok"] for image in images), images
            assert page.evaluate("document.querySelectorAll('.katex').length") >= 6
            assert page.evaluate("document.querySelectorAll('.katex-error').length") == 0
            notes = page.evaluate("""() => [...document.querySelectorAll('.slides > section')].map(
                s => (s.querySelector('aside.notes') || {textContent: ''}).textContent.trim().length)""")
            assert len(notes) == expected_slide_count() and all(n > 40 for n in notes), notes
            for number in (3, 6):
                page.evaluate(f"Reveal.slide({number})")
                page.wait_for_timeout(400)
                page.screenshot(path=str(ARTIFACTS / f"slide-{number}.png"))
        finally:
            browser.close()
    assert blocked == [], f"the deck tried to reach the network: {blocked}"
