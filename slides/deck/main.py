"""The build, start to end: talk.md, the figures and numbers, the page, the outline, the PDF."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from .errors import BuildError
from .facts import measured_facts
from .fallback import RECORDINGS, record
from .figures import STEPPER, Use, make_figures
from .linecount import line_count
from .page import install_web_assets, write_page
from .pdf import export_pdf
from .render import FIGURE_PX, PAIR_PX, RECORDING_PX, Deck, figure_arguments, render_slide
from .runs import Runs
from .stepper import stepper_stages
from .talk import TALK, TALK_MINUTES, Slide, clock, outline, parse, sections, settings

SLIDES = Path(__file__).resolve().parents[1]
FIGURE_PLACEHOLDER = re.compile(r"\{\{(figures?|stepper|recording)(?: ([^}]*))?\}\}")


def wanted_figures(slides: list[Slide]) -> tuple[set[Use], bool, dict[str, int]]:
    """What the slides' placeholders ask for: the figures (name, height, pair), whether the
    stepper is shown, and the recordings with their heights."""
    figures, stepper, recordings = set(), False, {}
    for slide in slides:
        for kind, argument in FIGURE_PLACEHOLDER.findall(slide.body):
            if kind == STEPPER:
                stepper = True
            elif kind == "recording":
                names, height = figure_arguments(argument, RECORDING_PX)
                recordings[names[0]] = height
            else:
                pair = kind == "figures"
                names, height = figure_arguments(argument, PAIR_PX if pair else FIGURE_PX)
                figures.update(Use(name, height, pair) for name in names)
    unknown = set(recordings) - set(RECORDINGS)
    if unknown:
        raise BuildError(f"talk.md asks for unknown recordings {sorted(unknown)}")
    return figures, stepper, recordings


def summary(slides: list[Slide], loc: dict, figures: dict, start: str) -> dict:
    """outline.json: the sections with their clock times, the line count, the figures drawn."""
    return {
        "slides": len(slides),
        "sections": [
            {"name": name, "start": clock(begin, start), "minutes": end - begin, "slides": count}
            for name, begin, end, count in sections(slides)
        ],
        "loc": {key: loc[key] for key in ("core", "ring", "extras", "budget")},
        "figures": sorted(use.file for use in figures),
    }


def build(out: Path, pdf: bool = False, start: str = "10:30") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    slides = parse(TALK.read_text(encoding="utf-8"))
    install_web_assets(out)
    fields = settings()
    runs = Runs()
    measured_facts(runs.facts)
    wanted, stepper, recordings = wanted_figures(slides)
    figures = make_figures(out / "figures", wanted, runs)
    stages = stepper_stages(out / "figures") if stepper else []
    recorded = {name: record(name, out / "fallback", height) for name, height in recordings.items()}
    for name in set(RECORDINGS) - set(recorded):  # every live demo has its recording
        recorded[name] = record(name, out / "fallback", RECORDING_PX)
    loc = line_count()
    deck = Deck(slides, figures, loc, runs.facts, start, fields, stages, recorded)
    deck.recorded = {RECORDINGS[name][1]: drawn.src for name, drawn in recorded.items()}
    index = write_page(
        out, "\n".join(render_slide(slide, deck) for slide in slides), TALK_MINUTES * 60
    )
    outline_json = json.dumps(summary(slides, loc, figures, start), indent=1)
    (out / "outline.json").write_text(outline_json, encoding="utf-8")
    print(f"built {len(slides)} slides into {index}")
    print(outline(slides, start))
    print(f"line count: core {loc['core']}, ring {loc['ring']}, extras {loc['extras']}")
    if pdf:
        print(f"wrote {export_pdf(index)}")
    return index


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the offline reveal.js deck.")
    parser.add_argument("--out", type=Path, default=SLIDES / "build")
    parser.add_argument("--pdf", action="store_true", help="also print the handout talk.pdf")
    parser.add_argument("--start", default="10:30", help="the clock time the talk starts")
    args = parser.parse_args(argv)
    build(args.out, pdf=args.pdf, start=args.start)
