"""The handout: every slide and every fragment stage printed to ``talk.pdf`` by headless Chromium
(reveal.js's ``?print-pdf`` view), with every request outside the deck's folder refused."""

from __future__ import annotations

from pathlib import Path

from . import browser
from .errors import BuildError

PAGE_WAIT_MS = 60_000  # reveal.js lays out every page before it says pdf-ready
IMAGES_WAIT_MS = 30_000


def export_pdf(index: Path) -> Path:
    """Print every slide and fragment stage (reveal.js print-pdf) with headless Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BuildError('the PDF handout needs playwright (pip install ".[dev]")') from None
    chromium = browser.chromium_path()
    if chromium is None:
        raise BuildError("the PDF handout needs Debian's chromium (apt-get install chromium)")
    pdf = index.with_name("talk.pdf")
    with sync_playwright() as playwright:
        chrome = browser.launch(playwright, chromium)
        try:
            page = chrome.new_page(viewport={"width": 1280, "height": 720})
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("file://") else route.abort()
                ),
            )
            page.goto(index.as_uri() + "?print-pdf")
            page.wait_for_function("() => window.deckPdfReady === true", timeout=PAGE_WAIT_MS)
            page.wait_for_function(
                "() => [...document.images].every(img => img.complete)", timeout=IMAGES_WAIT_MS
            )
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        finally:
            chrome.close()
    return pdf
