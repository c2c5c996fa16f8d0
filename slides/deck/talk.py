"""The talk's text: `slides/talk.md` read into slides, with their directives and time marks.

Slides are separated by ``---`` lines, speaker notes follow a line ``Note:`` and begin
with a time mark ``⏱ MINUTES`` (minutes since the start, strictly increasing, within
the talk). Directives, one per line in a slide: ``<!-- section: NAME -->`` starts a
section, ``<!-- notebook: 04 -->`` points at the notebook to open live,
``<!-- fragments -->`` shows the list items one at a time, ``<!-- class: NAME -->``,
``<!-- recap: ONE LINE -->`` closes a section with its one-line recap (every section
between the opening and the close ends with one). The title and closing slides' fields
(presenter, date, link) come from `slides/talk.toml` (`settings`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from .errors import BuildError

ROOT = Path(__file__).resolve().parents[2]
TALK = ROOT / "slides" / "talk.md"
SETTINGS = ROOT / "slides" / "talk.toml"
SETTING_FIELDS = ("title", "presenter", "date", "link")
TALK_MINUTES = 90
CHECKPOINTS = (30, 60, 80)  # minutes a speaker checks the clock against


@dataclass
class Slide:
    number: int
    body: str
    notes: str
    minute: int = 0
    section: str | None = None
    notebook: str | None = None
    fragments: bool = False
    classes: list[str] = field(default_factory=list)
    recap: str | None = None


DIRECTIVE = re.compile(
    r"^<!--\s*(section|notebook|fragments|class|recap)\s*:?\s*(.*?)\s*-->\s*$", re.M
)
TIME_MARK = re.compile(r"^⏱\s*(\d+)\s*$", re.M)


def parse(talk: str) -> list[Slide]:
    """Slides with their directives and time marks, checked."""
    parts = [part.strip() for part in re.split(r"^---$", talk, flags=re.M)]
    slides = [_slide(number, part) for number, part in enumerate((p for p in parts if p), 1)]
    minutes = [slide.minute for slide in slides]
    if minutes[0] != 0 or any(b <= a for a, b in zip(minutes, minutes[1:])):
        raise BuildError(f"time marks must start at 0 and grow slide by slide: {minutes}")
    if minutes[-1] >= TALK_MINUTES:
        raise BuildError(f"the last slide starts at minute {minutes[-1]}, after the talk's end")
    missing = [m for m in CHECKPOINTS if m not in minutes]
    if missing:
        raise BuildError(f"no slide is marked at the checkpoint minutes {missing}")
    if slides[0].section is None:
        raise BuildError("the first slide must start a section (<!-- section: NAME -->)")
    _check_recaps(slides)
    return slides


def _check_recaps(slides: list[Slide]) -> None:
    """Every section between the first and the last ends with a recap, and only there."""
    starts = [k for k, slide in enumerate(slides) if slide.section is not None]
    ends = [k - 1 for k in starts[1:]] + [len(slides) - 1]
    for k, (start, end) in enumerate(zip(starts, ends)):
        inner = 0 < k < len(starts) - 1
        if inner and not slides[end].recap:
            raise BuildError(
                f"the section {slides[start].section!r} ends (slide {end + 1}) without a "
                "recap: add <!-- recap: ONE LINE --> to its last slide"
            )
        early = [s.number for s in slides[start:end] if s.recap]
        if early:
            raise BuildError(f"a recap belongs on a section's last slide, not on slides {early}")


def settings(path: Path = SETTINGS) -> dict:
    """The talk's fields (title, presenter, date, link) from talk.toml, all required."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise BuildError(f"cannot read the talk's settings {path}: {error}") from error
    missing = [name for name in SETTING_FIELDS if not str(values.get(name, "")).strip()]
    if missing:
        raise BuildError(
            f"{path.name} must fill {missing} (the title and closing slides show them)"
        )
    return values


def _slide(number: int, part: str) -> Slide:
    """One slide's text (body, ``Note:``, notes) with its directives read and taken out."""
    body, marker, notes = part.partition("\nNote:")
    if not marker or not notes.strip():
        raise BuildError(f"slide {number} has no speaker notes (a line 'Note:' and text)")
    mark = TIME_MARK.search(notes)
    if not mark:
        raise BuildError(f"slide {number}: its notes need a time mark, a line '⏱ MINUTES'")
    slide = Slide(number, body, TIME_MARK.sub("", notes, count=1).strip(), int(mark.group(1)))
    for key, value in DIRECTIVE.findall(body):
        if key == "section":
            slide.section = value
        elif key == "notebook":
            slide.notebook = notebook_path(value, number)
        elif key == "fragments":
            slide.fragments = True
        elif key == "recap":
            slide.recap = value
        else:
            slide.classes += value.split()
    slide.body = DIRECTIVE.sub("", body).strip()
    return slide


def notebook_path(number: str, slide: int) -> str:
    found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    if len(found) != 1:
        raise BuildError(f"slide {slide} points at notebook {number!r}, which does not exist")
    return f"notebooks/{found[0].name}"


def clock(minute: int, start: str) -> str:
    """The clock time ``minute`` minutes after `start` (``"10:30"``)."""
    hours, minutes = map(int, start.split(":"))
    total = hours * 60 + minutes + minute
    return f"{total // 60:02d}:{total % 60:02d}"


def sections(slides: list[Slide]) -> list[tuple[str, int, int, int]]:
    """(name, first minute, last minute, slide count) for every section, in order."""
    out = []
    for slide in slides:
        if slide.section is not None:
            out.append([slide.section, slide.minute, 0])
        out[-1][2] += 1
    ends = [start for _, start, _ in out[1:]] + [TALK_MINUTES]
    return [(name, start, end, count) for (name, start, count), end in zip(out, ends)]


def agenda(slides: list[Slide], start: str) -> str:
    """Every section, the opening included, with its clock time and minutes, as an HTML table."""
    rows = "".join(
        f"<tr><td>{clock(begin, start)}</td><td>{html.escape(name)}</td>"
        f"<td>{end - begin} min</td></tr>"
        for name, begin, end, _ in sections(slides)
    )
    return f'<table class="agenda"><tbody>{rows}</tbody></table>'


def outline(slides: list[Slide], start: str) -> str:
    """The sections as a text table, for the build's printout."""
    lines = [f"{'start':>5}  {'min':>3}  {'slides':>6}  section"]
    for name, begin, end, count in sections(slides):
        lines.append(f"{clock(begin, start):>5}  {end - begin:>3}  {count:>6}  {name}")
    return "\n".join(lines)
