"""Helpers shared by the tests: load a script by its path, and launch Debian's Chromium.

One copy of each, so that a change of browser flags or of the way scripts are
loaded is made in one place.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# headless Chromium as root in a container, with nothing running in the background
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def load_script(name: str, path: Path):
    """Import a script that is not in a package (a benchmark, the slide builder) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def launch_chromium(playwright, **options):
    """Debian's Chromium, headless, started by playwright (never a browser of playwright's own)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, **options)
