"""One slide of talk.md into a reveal.js ``<section>``: placeholders, markdown, notes, timing.

Placeholders in a slide: ``{{figure NAME [HEIGHT]}}``, ``{{figures A B [HEIGHT]}}``,
``{{stepper}}``, ``{{recording NAME [HEIGHT]}}``, ``{{source module:Qualified.name}}``,
``{{loc WHAT}}``, ``{{fact NAME}}``, ``{{talk FIELD}}`` (from talk.toml) and ``{{agenda}}``.
An image carries its alt text and ``data-min-text``: the smallest text in its PNG's pixels.
Their HTML (and the maths) is kept away from the
markdown parser and put back after it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import mistune

from .errors import BuildError
from .figures import Use
from .linecount import loc_text
from .source import code_block, source_of
from .talk import CHECKPOINTS, TALK_MINUTES, Slide, agenda, clock

FIGURE_PX, PAIR_PX, RECORDING_PX = 420, 360, 520  # default heights on the slide
PLACEHOLDER = re.compile(r"\{\{(\w+)(?: ([^}]*))?\}\}")
MATHS = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", flags=re.S)


@dataclass
class Deck:
    """What every slide's placeholders are filled from."""

    slides: list[Slide]
    figures: dict
    loc: dict
    facts: dict
    start: str
    settings: dict = field(default_factory=dict)
    stages: list = field(default_factory=list)
    recordings: dict = field(default_factory=dict)
    recorded: dict = field(default_factory=dict)  # notebook number -> its demo's recording


@dataclass
class Placeholders:
    """Fills one slide's placeholders; HTML pieces wait in `protected` until after markdown."""

    deck: Deck
    slide: Slide
    protected: list[str] = field(default_factory=list)

    def protect(self, text: str) -> str:
        self.protected.append(text)
        return f"PROTECTED{len(self.protected) - 1}X"

    def restore(self, rendered: str) -> str:
        for index in reversed(range(len(self.protected))):  # a piece may hold an earlier one
            rendered = rendered.replace(f"<p>PROTECTED{index}X</p>", self.protected[index])
            rendered = rendered.replace(f"PROTECTED{index}X", self.protected[index])
        return rendered

    def images(self, argument: str, height: int, pair: bool = False) -> str:
        names, height = figure_arguments(argument, height)
        return "".join(image(self.deck.figures[Use(name, height, pair)]) for name in names)

    def stepper(self) -> str:
        """The stepper's stages stacked: the first shows at once, step k swaps stage k for k + 1."""
        views, items = self.deck.stages, []
        for k, view in enumerate(views):
            if len(views) == 1:
                kind, step = "", None
            elif k == 0:
                kind, step = " fragment fade-out", 0
            else:
                kind = " fragment " + ("fade-in" if k == len(views) - 1 else "fade-in-then-out")
                step = k - 1
            index = "" if step is None else f' data-fragment-index="{step}"'
            items.append(f'<div class="stage{kind}"{index}>{stage_html(view)}</div>')
        return f'<div class="r-stack stepper">{"".join(items)}</div>'

    def fill(self, match: re.Match) -> str:
        """The text (or protected HTML) that one ``{{kind argument}}`` stands for."""
        kind, argument = match.group(1), (match.group(2) or "").strip()
        if kind == "figure":
            return self.protect(self.images(argument, FIGURE_PX))
        if kind == "figures":
            return self.protect(f'<div class="pair">{self.images(argument, PAIR_PX, True)}</div>')
        if kind == "recording":
            names, _ = figure_arguments(argument, RECORDING_PX)
            return self.protect(image(self.deck.recordings[names[0]], "recording"))
        if kind == "talk":
            if argument not in self.deck.settings:
                raise BuildError(f"slide {self.slide.number}: talk.toml has no {argument!r}")
            value = html.escape(str(self.deck.settings[argument]))
            if argument == "link":
                return self.protect(f'<a href="{value}">{value}</a>')
            return value
        if kind == "stepper":
            return self.protect(self.stepper())
        if kind == "source":
            return self.protect(code_block(source_of(argument)))
        if kind == "loc":
            text = loc_text(argument, self.deck.loc)
            return self.protect(text) if text.startswith("<") else text
        if kind == "fact":
            if argument not in self.deck.facts:
                raise BuildError(f"slide {self.slide.number}: unknown {{{{fact {argument}}}}}")
            return self.deck.facts[argument]
        if kind == "agenda":
            return self.protect(agenda(self.deck.slides, self.deck.start))
        raise BuildError(f"slide {self.slide.number}: unknown placeholder {match.group(0)}")


def figure_arguments(argument: str, height: int) -> tuple[list[str], int]:
    """``NAME [NAME ...] [HEIGHT]`` -> the names and the height on the slide."""
    words = argument.split()
    if words and words[-1].isdigit():
        height = int(words.pop())
    return words, height


def image(drawn, kind: str = "figure") -> str:
    """An <img> at its slide size, with its alt text and its smallest text (PNG pixels)."""
    return (
        f'<img class="{kind}" src="{drawn.src}" alt="{html.escape(drawn.alt)}" '
        f'width="{drawn.width}" height="{drawn.height}" data-min-text="{drawn.min_text:.2f}">'
    )


def stage_html(view) -> str:
    """One stepper stage: title, formula, shapes, the matrices beside the picture, the sum."""
    return (
        f'<p class="stage-title">{html.escape(view.title)}</p>'
        f'<div class="stage-formula">{html.escape("$$" + view.formula + "$$")}</div>'
        f'<p class="shapes">shapes: {html.escape(view.shapes)}</p>'
        f'<div class="stage-row"><div class="tables">{view.tables}</div>'
        f"{image(view.picture)}</div>"
        f'<pre class="entry">{html.escape(view.entry)}</pre>'
    )


def _body(slide: Slide, fill: Placeholders) -> str:
    body = MATHS.sub(lambda m: fill.protect(html.escape(m.group(0))), slide.body)
    rendered = mistune.html(PLACEHOLDER.sub(fill.fill, body))
    if slide.fragments:
        rendered = rendered.replace("<li>", '<li class="fragment">')
    rendered = fill.restore(rendered)
    if slide.recap:
        rendered += f'\n<p class="recap"><b>Recap</b> · {html.escape(slide.recap)}</p>'
    if slide.notebook:
        recorded = fill.deck.recorded.get(slide.notebook[len("notebooks/") :][:2])
        also = f' · recorded: <a href="{recorded}">{recorded}</a>' if recorded else ""
        rendered += f'\n<p class="open">▶ open <code>{slide.notebook}</code>{also}</p>'
    return rendered


def _notes(slide: Slide, fill: Placeholders, start: str) -> str:
    checkpoint = " — checkpoint" if slide.minute in CHECKPOINTS else ""
    when = f"◷ {clock(slide.minute, start)} · {slide.minute} min"  # ⏱ is missing from many fonts
    notes = [f"<p><strong>{when}</strong>{checkpoint}</p>"]
    if slide.notebook:
        notes.append(f"<p>Open <code>{slide.notebook}</code> live.</p>")
    notes.append(mistune.html(re.sub(r"\{\{(fact|loc) (\w+)\}\}", fill.fill, slide.notes)))
    return "".join(notes)


def _attributes(slide: Slide, slides: list[Slide], start: str) -> str:
    """The section's data: its minute and clock, its seconds (reveal.js's pacing), its class."""
    following = [s.minute for s in slides if s.minute > slide.minute]
    seconds = ((following[0] if following else TALK_MINUTES) - slide.minute) * 60
    attributes = {
        "data-minute": slide.minute,
        "data-clock": clock(slide.minute, start),
        "data-timing": seconds,
        "data-checkpoint": "true" if slide.minute in CHECKPOINTS else None,
        "class": " ".join(slide.classes) or None,
    }
    return "".join(f' {key}="{value}"' for key, value in attributes.items() if value is not None)


def render_slide(slide: Slide, deck: Deck) -> str:
    """One slide's markdown (with placeholders) -> a reveal.js <section>."""
    fill = Placeholders(deck, slide)
    body, notes = _body(slide, fill), _notes(slide, fill, deck.start)
    attributes = _attributes(slide, deck.slides, deck.start)
    return f'<section{attributes}>\n{body}\n<aside class="notes">{notes}</aside>\n</section>'
