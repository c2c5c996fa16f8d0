"""Build the talk "Demystifying Neural Networks" as an offline reveal.js deck.

    python slides/build.py [--out slides/build] [--pdf]

Sources: `slides/talk.md` (slides separated by `---` lines, speaker notes after
`Note:`, maths between `$$`), with two kinds of placeholders filled here:

* ``{{figure NAME}}``: a figure drawn now by `demystify.viz` (see FIGURES);
* ``{{source module:Qualified.name}}``: the real source code of the package,
  read with `inspect`, so the slides cannot drift from the library.
* ``{{loc}}``: the package's current line count.

reveal.js and KaTeX come from pinned npm packages (`slides/package.json`,
installed here with `npm ci` when missing) and are copied into the output
folder, so the deck opens from disk with no network at all.
"""

from __future__ import annotations

import argparse
import html
import importlib
import inspect
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # build on a machine without a screen
import matplotlib.pyplot as plt  # noqa: E402
import mistune  # noqa: E402

import demystify as dm  # noqa: E402
from demystify import viz  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _trained_spirals():
    """A small seeded run whose pictures several slides share."""
    X, y = dm.datasets.spirals(n=300, classes=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
    recorder = viz.record(model)
    history = dm.fit(
        model,
        dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=2e-2),
        X,
        y,
        epochs=60,
        batch_size=32,
        validation=0.2,
        verbose=0,
        callbacks=[recorder],
    )
    return X, y, model, history, recorder


def make_figures(folder: Path) -> dict[str, str]:
    """Draw every figure with demystify.viz; returns name -> file name."""
    X, y, model, history, recorder = _trained_spirals()
    small = dm.Sequential([dm.Dense(3, 4), dm.Tanh(), dm.Dense(4, 2)], seed=1)
    figures = {
        "network": lambda: viz.draw_network(small),
        "weights": lambda: viz.plot_weights(small),
        "history": lambda: viz.plot_history(history, metrics=("loss", "accuracy")),
        "boundary": lambda: viz.plot_decision_boundary(model, X, y),
        "changes": lambda: viz.plot_weight_changes(recorder.weights[0], recorder.weights[-1]),
    }
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, draw in figures.items():
        figure = draw()
        figure = getattr(figure, "figure", figure)  # an Axes knows its Figure
        figure.savefig(folder / f"{name}.png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        names[name] = f"figures/{name}.png"
    return names


def source_of(reference: str) -> str:
    """The source of ``module:Qualified.name``, dedented."""
    module_name, _, qualname = reference.partition(":")
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return textwrap.dedent(inspect.getsource(target)).rstrip()


def line_count() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    import loc_counter  # the same rule the test suite enforces

    return loc_counter.machinery(loc_counter.count_package(ROOT / "demystify"))


def render_slide(text: str, figures: dict[str, str], loc: int) -> str:
    """One slide's markdown (with placeholders) -> a reveal.js <section>."""
    body, _, notes = text.partition("\nNote:")
    math_blocks: list[str] = []

    def keep_math(match: re.Match) -> str:  # keep maths away from the markdown parser
        math_blocks.append(match.group(0))
        return f"MATHBLOCK{len(math_blocks) - 1}X"

    body = re.sub(r"\$\$.+?\$\$|\$[^$\n]+\$", keep_math, body, flags=re.S)
    body = body.replace("{{loc}}", str(loc))
    body = re.sub(
        r"\{\{figure (\w+)\}\}",
        lambda m: f'<img class="figure" src="{figures[m.group(1)]}" alt="{m.group(1)}">',
        body,
    )
    body = re.sub(
        r"\{\{source ([\w.:]+)\}\}",
        lambda m: (
            f'\n<pre><code class="language-python" data-trim>'
            f"{html.escape(source_of(m.group(1)))}</code></pre>\n"
        ),
        body,
    )
    rendered = mistune.html(body)
    for index, block in enumerate(math_blocks):
        rendered = rendered.replace(f"MATHBLOCK{index}X", html.escape(block, quote=False))
    notes_html = mistune.html(notes.strip()) if notes.strip() else ""
    return f'<section>\n{rendered}\n<aside class="notes">{notes_html}</aside>\n</section>'


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Demystifying Neural Networks</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="lib/reveal.js/dist/reset.css">
<link rel="stylesheet" href="lib/reveal.js/dist/reveal.css">
<link rel="stylesheet" href="lib/reveal.js/dist/theme/white.css">
<link rel="stylesheet" href="lib/reveal.js/plugin/highlight/monokai.css">
<style>
  .reveal img.figure {{ max-height: 420px; max-width: 48%; margin: 0 4px; border: none; box-shadow: none; }}
  .reveal pre {{ font-size: 0.42em; width: 100%; }}
  .reveal pre code {{ max-height: 430px; }}
  .reveal h1 {{ font-size: 2.2em; }}
  .reveal ul {{ font-size: 0.8em; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{slides}
</div></div>
<script src="lib/reveal.js/dist/reveal.js"></script>
<script src="lib/reveal.js/plugin/notes/notes.js"></script>
<script src="lib/reveal.js/plugin/highlight/highlight.js"></script>
<script src="lib/reveal.js/plugin/math/math.js"></script>
<script>
  Reveal.initialize({{
    hash: true, slideNumber: "c/t", width: 1280, height: 760,
    katex: {{ local: "lib/katex", delimiters: [
      {{left: "$$", right: "$$", display: true}}, {{left: "$", right: "$", display: false}}] }},
    plugins: [RevealNotes, RevealHighlight, RevealMath.KaTeX]
  }});
</script>
</body>
</html>
"""


def install_web_assets(out: Path) -> None:
    """Pinned reveal.js and KaTeX from the npm registry (once), copied beside the deck."""
    modules = HERE / "node_modules"
    if not (modules / "reveal.js" / "dist" / "reveal.js").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("building the slides needs npm (Node.js) to install reveal.js once")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True
        )
    lib = out / "lib"
    for package, parts in (("reveal.js", ("dist", "plugin")), ("katex", ("dist",))):
        for part in parts:
            destination = lib / package / part
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(modules / package / part, destination)


def export_pdf(index: Path) -> Path:
    """Print the deck to PDF with headless Chromium (reveal's print-pdf layout)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("the PDF export needs Debian's chromium (apt-get install chromium)")
    pdf = index.with_name("demystify-slides.pdf")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            f"{index.as_uri()}?print-pdf",
        ],
        check=True,
        capture_output=True,
    )
    return pdf


def build(out: Path, pdf: bool = False) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    install_web_assets(out)
    figures = make_figures(out / "figures")
    loc = line_count()
    slides = [
        part.strip() for part in re.split(r"^---$", (HERE / "talk.md").read_text(), flags=re.M)
    ]
    sections = "\n".join(render_slide(text, figures, loc) for text in slides if text)
    index = out / "index.html"
    index.write_text(PAGE.format(slides=sections), encoding="utf-8")
    print(f"built {len(slides)} slides into {index}")
    if pdf:
        print(f"wrote {export_pdf(index)}")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the offline reveal.js deck.")
    parser.add_argument("--out", type=Path, default=HERE / "build")
    parser.add_argument("--pdf", action="store_true", help="also print a handout PDF with Chromium")
    args = parser.parse_args()
    build(args.out, pdf=args.pdf)


if __name__ == "__main__":
    main()
