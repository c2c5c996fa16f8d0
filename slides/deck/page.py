"""The deck's page: `page.html` around the slides, `deck.css` and `deck.js` beside it, and the
pinned reveal.js and KaTeX from the npm registry (`slides/package.json`), copied next to the
deck so that it opens from disk with no network at all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import BuildError

HERE = Path(__file__).resolve().parent
SLIDES = HERE.parent
ASSETS = ("deck.css", "deck.js")  # the page's own style and script, copied beside index.html
WEB_ASSETS = {"reveal.js": ("dist", "plugin"), "katex": ("dist",)}  # npm package -> folders


def install_web_assets(out: Path) -> None:
    """Pinned reveal.js and KaTeX from the npm registry (once), copied beside the deck."""
    modules = SLIDES / "node_modules"
    if (
        not (modules / "reveal.js" / "dist" / "reveal.js").exists()
        or not (modules / "katex" / "dist" / "katex.min.js").exists()
    ):
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError("building the slides needs npm (Node.js) to install reveal.js once")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SLIDES, check=True
        )
    lib = out / "lib"
    for package, parts in WEB_ASSETS.items():
        for part in parts:
            destination = lib / package / part
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(modules / package / part, destination)


def write_page(out: Path, sections: str, total_seconds: int) -> Path:
    """index.html holding the slides' sections, with the page's own CSS and JS beside it."""
    for name in ASSETS:
        shutil.copy(HERE / name, out / name)
    index = out / "index.html"
    page = (HERE / "page.html").read_text(encoding="utf-8")
    index.write_text(page.format(slides=sections, total_seconds=total_seconds), encoding="utf-8")
    return index
