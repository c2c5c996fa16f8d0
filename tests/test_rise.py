"""Every notebook presents as a RISE slideshow of screen-sized slides.

The rules and the screenful (28 lines of 23.4 px at 1280×720, text for a room) are in
`slides/rise.py`, which assigns the slideshow metadata. Here: the rules on small
notebooks made up for the purpose, the tool on copies of the real notebooks
(idempotent, ids and outputs untouched, everything it can fix fixed), and then
every notebook in ``notebooks/`` as it is stored, grouped into slides the way
RISE does: a slide for every section heading, no exercise skipped, no slide
taller than a screen.
"""

import copy
import json
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, load_script

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
rise = load_script("slides_rise", ROOT / "slides" / "rise.py")


def notebook(*cells) -> dict:
    for number, cell in enumerate(cells):
        cell.setdefault("id", f"cell{number}")
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": rise.as_lines(text)}


def code(text: str, outputs=(), tags=()) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {
        "cell_type": "code",
        "execution_count": 1 if outputs else None,
        "metadata": metadata,
        "outputs": list(outputs),
        "source": rise.as_lines(text),
    }


def printed(lines: int) -> dict:
    text = "".join(f"line {i}\n" for i in range(lines))
    return {"name": "stdout", "output_type": "stream", "text": rise.as_lines(text)}


def image() -> dict:
    data = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    return {"data": data, "metadata": {}, "output_type": "display_data"}


def kinds(nb: dict) -> list[str]:
    return [rise.slide_type(cell) for cell in nb["cells"]]


# --- the rules ----------------------------------------------------------------------------------


def test_headings_start_slides_and_the_set_up_is_skipped():
    nb = rise.presentable(
        notebook(
            md("# 00 · Title\n\nWhat you will be able to do"),
            code(
                "import numpy as np\n\nimport demystify as dm\n\nnp.set_printoptions(precision=4)"
            ),
            md("## 1. A section\n\nSome words."),
            code("print(1)", [printed(1)]),
            md("### A part"),
            code("x = 2"),
            md("More words."),
        )
    )
    assert kinds(nb) == ["slide", "skip", "slide", "fragment", "subslide", "fragment", "-"]
    assert nb["metadata"]["rise"]["theme"] == "white"
    analysis = rise.analyse(nb)
    assert [slide.label for slide in analysis.slides] == ["1", "2", "2.1"]
    assert analysis.problems == [] and analysis.fragments == 2 and analysis.skipped == 1


def test_only_imports_and_settings_are_set_up():
    setup = ["import numpy as np", "%matplotlib inline", 'plt.rcParams["figure.dpi"] = 100']
    shown = ['dm.use("cupy")', "np.random.seed(0)", "history.update(logs)", "x = 1"]
    for text in setup:
        assert rise.is_setup(code("import numpy as np\n" + text)), text
    for text in shown:
        assert not rise.is_setup(code("import numpy as np\n" + text)), text
    assert not rise.is_setup(code("import numpy as np", [printed(1)]))


def test_an_exercise_is_never_skipped_and_output_is_never_hidden():
    nb = rise.presentable(
        notebook(
            md("# Title"),
            code("import numpy as np", tags=["exercise"]),
            code("import numpy as np\n### BEGIN SOLUTION\n### END SOLUTION"),
            code("import this", [printed(3)]),
        )
    )
    assert "skip" not in kinds(nb)[1:]
    hidden = copy.deepcopy(nb)
    hidden["cells"][1]["metadata"]["slideshow"] = {"slide_type": "skip"}
    assert any("exercise" in problem for problem in rise.analyse(hidden).problems)


def test_a_heading_inside_a_cell_splits_it_and_keeps_everything():
    text = (
        "End of section one.\n\n## 2. Section two\n\nIts words.\n\n```python\n# not a heading\n```"
    )
    nb = rise.presentable(notebook(md("# Title"), md(text)))
    sources = [rise.source(cell) for cell in nb["cells"]]
    second = "## 2. Section two\n\nIts words.\n\n```python\n# not a heading\n```"
    assert sources[1:] == ["End of section one.", second]
    assert [cell["id"] for cell in nb["cells"]] == ["cell0", "cell1", "cell1-1"]
    assert kinds(nb) == ["slide", "-", "slide"]
    stored = notebook(md("# Title"), md(text))
    stored["cells"][0]["metadata"]["slideshow"] = {"slide_type": "slide"}
    assert any("heading in its middle" in p for p in rise.analyse(stored).problems)


def test_long_markdown_is_split_between_paragraphs_never_inside_maths_or_code():
    paragraphs = [f"Paragraph {i} " + "word " * 15 + "\nand its second line." for i in range(14)]
    maths = "$$\nL = 1\n\nM = 2\n$$"
    text = "## A long section\n\n" + "\n\n".join(paragraphs[:7] + [maths] + paragraphs[7:])
    nb = rise.presentable(notebook(md("# Title"), md(text)))
    pieces = [rise.source(cell) for cell in nb["cells"][1:]]
    assert len(pieces) > 1 and all(rise.markdown_lines(p) <= rise.SCREEN_LINES for p in pieces)
    assert "\n\n".join(pieces) == text
    assert any(maths in piece for piece in pieces)  # the $$ block stays whole
    assert kinds(nb)[1] == "slide" and set(kinds(nb)[2:]) <= {"subslide", "notes"}


def test_a_long_plain_explanation_becomes_speaker_notes():
    prose = "\n".join(f"A sentence that explains the result, number {i}." for i in range(16))
    nb = rise.presentable(notebook(md("# Title"), code("x = 1", [printed(2)]), md(prose)))
    assert kinds(nb) == ["slide", "fragment", "notes"]
    table = prose + "\n\n| a | b |\n|---|---|\n| 1 | 2 |"  # a table is content, not a note
    nb = rise.presentable(notebook(md("# Title"), md(table)))
    assert kinds(nb)[1] != "notes"


def test_a_full_slide_goes_on_below_and_an_introduction_moves_with_its_code():
    nb = rise.presentable(
        notebook(
            md("## Section"),
            code("a = 1", [printed(20)]),
            md("Now the next step:"),
            code("b = 2", [printed(12)]),
        )
    )
    assert kinds(nb) == ["slide", "fragment", "subslide", "fragment"]
    assert all(slide.lines <= rise.SCREEN_LINES for slide in rise.analyse(nb).slides)


def test_a_cell_taller_than_a_screen_is_reported_for_a_hand_edit():
    nb = rise.presentable(notebook(md("## Section"), code("\n".join(["x = 1"] * 30), [image()])))
    analysis = rise.analyse(nb)  # RISE scrolls it (the tool sets rise.scroll) but names it
    assert analysis.problems == [] and nb["metadata"]["rise"]["scroll"] is True
    assert len(analysis.scrolling) == 1 and "cell 1 alone is" in analysis.scrolling[0]
    nb["metadata"]["rise"]["scroll"] = False  # without scrolling it is a problem
    problems = rise.analyse(nb).problems
    assert len(problems) == 1 and "cell 1 alone is" in problems[0] and "by hand" in problems[0]


def test_no_slide_is_a_page_of_code():
    short = [code("\n".join(["y = 2"] * 9)) for _ in range(3)]  # 27 lines of code in 3 cells
    nb = rise.presentable(notebook(md("## Section"), *short))
    analysis = rise.analyse(nb)
    assert kinds(nb) == ["slide", "fragment", "subslide", "subslide"]
    assert analysis.problems == [] and all(s.code <= rise.CODE_PAGE for s in analysis.slides)
    for cell in nb["cells"]:
        cell["metadata"]["slideshow"]["slide_type"] = "-"  # all on one slide: a page of code
    nb["cells"][0]["metadata"]["slideshow"]["slide_type"] = "slide"
    assert any("page of code" in p for p in rise.analyse(nb).problems)


def test_no_metadata_at_all_is_reported():
    problems = rise.analyse(notebook(md("# Title"), code("x = 1"))).problems
    assert problems and "no slideshow metadata" in problems[0]


# --- the tool on copies of the real notebooks -----------------------------------------------------


@pytest.fixture(scope="module")
def presented(tmp_path_factory):
    """Copies of every notebook, run through the tool twice: (original, after once, after twice)."""
    folder = tmp_path_factory.mktemp("rise")
    for path in NOTEBOOKS:
        shutil.copy(path, folder / path.name)
    copies = sorted(folder.glob("*.ipynb"))
    assert rise.main([str(p) for p in copies]) in (0, 1)
    once = {p.name: p.read_bytes() for p in copies}
    assert rise.main([str(p) for p in copies]) in (0, 1)
    twice = {p.name: p.read_bytes() for p in copies}
    assert (folder / "rise.css").read_text() == rise.RISE_CSS
    return {p.name: (p.read_bytes(), once[p.name], twice[p.name]) for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_tool_is_idempotent_and_keeps_every_id_and_output(presented, path):
    original, once, twice = (json.loads(data) for data in presented[path.name])
    assert presented[path.name][1] == presented[path.name][2], "a second run changed it"
    after = {cell.get("id"): cell for cell in once["cells"]}
    ids = [cell.get("id") for cell in original["cells"]]
    assert [i for i in after if i in ids] == ids, "every cell is still there, in its order"
    for cell in original["cells"]:
        kept = after[cell.get("id")]
        assert kept.get("outputs") == cell.get("outputs") and kept["cell_type"] == cell["cell_type"]
        if cell["cell_type"] == "code":
            assert kept["source"] == cell["source"]

        def rest(metadata):
            return {key: value for key, value in metadata.items() if key != "slideshow"}

        assert rest(kept["metadata"]) == rest(cell["metadata"])
    words = [" ".join(rise.source(c) for c in nb["cells"]).split() for nb in (original, once)]
    assert words[0] == words[1], "the text is the same, only split into cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_tool_fixes_everything_but_cells_taller_than_a_screen(presented, path):
    after = json.loads(presented[path.name][1])
    left = [p for p in rise.analyse(after).problems if "alone is" not in p]
    assert left == [], left


# --- the notebooks as stored ----------------------------------------------------------------------


def listed(problems: list[str], most: int = 12) -> str:
    shown = problems[:most] + (
        [f"... and {len(problems) - most} more"] if len(problems) > most else []
    )
    return "\n  " + "\n  ".join(shown)


def stored(path: Path):
    return rise.analyse(json.loads(path.read_text(encoding="utf-8")), path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_has_slideshow_metadata_by_the_rules(path):
    problems = [p for p in stored(path).problems if "more than a screenful" not in p]
    css = path.with_name("rise.css")
    if not css.exists() or css.read_text(encoding="utf-8") != rise.RISE_CSS:
        problems.append("notebooks/rise.css is missing or differs from slides/rise.py's")
    assert problems == [], (
        f"{path.name} does not present well in RISE: run python slides/rise.py "
        f"notebooks/{path.name}" + listed(problems)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_slide_holds_more_than_a_screenful(path):
    analysis = stored(path)
    first = ""
    if any("no slideshow metadata" in p for p in analysis.problems):  # one endless slide:
        analysis = rise.analyse(rise.presentable(json.loads(path.read_text(encoding="utf-8"))))
        first = "it has no slideshow metadata yet, and even after the tool "  # say what stays
    too_tall = [p for p in analysis.problems if "more than a screenful" in p]
    assert too_tall == [], (
        f"{path.name}: {first}slides are taller than 1280×720 ({rise.SCREEN_LINES} lines of "
        f"{rise.LINE_PX} px). "
        f"A cell that is too tall alone must be split or shortened by hand (for example the "
        f"plotting code in a cell of its own); then run python slides/rise.py "
        f"notebooks/{path.name}" + listed(too_tall)
    )
    headings = sum(
        1
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if rise.heading_level(cell) in (1, 2)
    )
    assert len([s for s in analysis.slides if "." not in s.label]) >= headings
