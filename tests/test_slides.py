"""The talk deck builds from the repository with what the talk needs.

The deck is built once per run (the `build` and `deck` fixtures of ``conftest.py``:
`slides/` with the project's own build script, ``--pdf`` when Chromium is there);
here we check what the build put in: figures drawn by the library, code that is
the package's source without docstrings, the line count as measured, a time mark
and speaker notes on every slide, a pointer to every notebook. The deck in
Chromium and its handout are checked in ``test_slides_browser.py``.
"""

import inspect
import json
import re

import pytest
from helpers import ROOT, load_script, sections_of

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
