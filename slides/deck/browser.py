"""Debian's Chromium, headless, as the deck's PDF export and the project's browser tests start it.

One copy of the flags: `slides/deck/pdf.py` prints the handout with it and
`tests/helpers.py` loads this file for every browser test. It imports nothing
of the deck (the tests load it by its path), and never a browser of
playwright's own (``playwright install`` downloads one, which this project
never does): the browser is the system's ``chromium``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# headless as root in a container (no sandbox, no /dev/shm), with nothing in the background
# reaching the network (news, component updates) and no first-run dialogues
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def chromium_path() -> Path | None:
    """The system's Chromium, or None when it is not installed (``apt-get install chromium``)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    return DEBIAN_CHROMIUM if DEBIAN_CHROMIUM.exists() else None


def launch(playwright, path: Path | None = None, **options):
    """Start the system's Chromium headless through playwright's synchronous API."""
    path = path or chromium_path()
    if path is None:
        raise FileNotFoundError("Debian's chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(
        executable_path=str(path), args=list(CHROMIUM_FLAGS), **options
    )
