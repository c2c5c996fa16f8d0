"""Checking a notebook's *stored* slideshow metadata the way RISE reads it.

`analyse` groups the cells into slides and subslides as RISE does and checks them
against the rules of ``slides/rise_rules.py``: no heading left mid-slide, no
exercise skipped, no slide a page of code (more than `CODE_PAGE` lines across its
cells) or taller than a screenful (`SCREEN_LINES`). A single cell taller than a
screen cannot be fixed by the rules: it is named (`Analysis.scrolling`), to be
shortened or split by hand, and RISE scrolls it meanwhile. tests/test_rise.py runs
`analyse` on every notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rise_rules import (
    CODE_PAGE,
    HEADING,
    SCREEN_LINES,
    cell_lines,
    code_lines,
    heading_level,
    is_exercise,
    markdown_blocks,
    slide_type,
    source,
)


@dataclass
class Slide:
    label: str  # "3" for a slide, "3.2" for its second subslide
    cells: list[int] = field(default_factory=list)
    lines: float = 0.0
    code: int = 0


@dataclass
class Analysis:
    slides: list[Slide]
    fragments: int
    skipped: int
    notes: int
    problems: list[str]
    scrolling: list[str] = field(default_factory=list)  # single cells taller than a screen

    @property
    def subslides(self) -> int:
        return sum("." in slide.label for slide in self.slides)


def analyse(notebook: dict, name: str = "the notebook") -> Analysis:
    """Group the cells into (sub)slides as RISE does and check them against the rules."""
    cells = notebook["cells"]
    problems = []
    scrolls = bool(notebook.get("metadata", {}).get("rise", {}).get("scroll"))
    if not any("slideshow" in cell.get("metadata", {}) for cell in cells):
        problems.append("it has no slideshow metadata at all")
    slides: list[Slide] = []
    fragments = skipped = notes = 0
    h = v = 0
    for index, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind in ("skip", "notes"):
            skipped += kind == "skip"
            notes += kind == "notes"
            if is_exercise(cell):
                problems.append(f"cell {index} is an exercise but is marked {kind!r}")
            continue
        if not slides or kind == "slide":
            h, v = (h + 1 if slides else 1), 0
            slides.append(Slide(str(h)))
        elif kind == "subslide":
            v += 1
            slides.append(Slide(f"{h}.{v}"))
        fragments += kind == "fragment"
        slides[-1].cells.append(index)
        slides[-1].lines += cell_lines(cell)
        slides[-1].code += code_lines(cell)
        level = heading_level(cell)
        if level in (1, 2) and kind != "slide" and slides[-1].cells != [index]:
            problems.append(f"cell {index} opens a section ({_first(cell)!r}) but no slide")
        if level == 3 and kind not in ("slide", "subslide"):
            problems.append(f"cell {index} opens a part ({_first(cell)!r}) but no subslide")
        if cell["cell_type"] == "markdown" and any(
            HEADING.match(block[0]) for block in markdown_blocks(source(cell))[1:]
        ):
            problems.append(f"cell {index} has a heading in its middle, which cannot start a slide")
    too_full, scrolling = _too_full(slides, cells, scrolls)
    return Analysis(slides, fragments, skipped, notes, problems + too_full, scrolling)


def _too_full(slides: list[Slide], cells: list[dict], scrolls: bool) -> tuple[list, list]:
    """The slides that are a page of code or taller than a screen (problems), and the single
    cells taller than a screen that RISE scrolls when `scrolls` (to split by hand)."""
    problems, scrolling = [], []
    for slide in slides:
        code_cells = [i for i in slide.cells if code_lines(cells[i])]
        if slide.code > CODE_PAGE and len(code_cells) > 1:
            problems.append(
                f"slide {slide.label} (cells {code_cells}) is a page of code: {slide.code} "
                f"lines, more than {CODE_PAGE}"
            )
        if slide.lines > SCREEN_LINES and scrolls and len(slide.cells) == 1:
            index = slide.cells[0]
            scrolling.append(
                f"slide {slide.label}: cell {index} alone is {slide.lines:.0f} lines "
                f"({_first(cells[index])!r}); it scrolls until it is split by hand"
            )
        elif slide.lines > SCREEN_LINES:
            tall = [i for i in slide.cells if cell_lines(cells[i]) > SCREEN_LINES]
            where = (
                f"cells {slide.cells[0]}-{slide.cells[-1]}"
                if len(slide.cells) > 1
                else (f"cell {slide.cells[0]}")
            )
            detail = "; ".join(
                f"cell {i} alone is {cell_lines(cells[i]):.0f} lines "
                f"({_first(cells[i])!r}): split or shorten that cell by hand"
                for i in tall
            )
            problems.append(
                f"slide {slide.label} ({where}) holds {slide.lines:.0f} lines, more than a "
                f"screenful ({SCREEN_LINES})" + (f": {detail}" if detail else "")
            )
    return problems, scrolling


def _first(cell: dict) -> str:
    lines = [line for line in source(cell).splitlines() if line.strip()]
    return (lines[0][:50] + ("..." if len(lines[0]) > 50 else "")) if lines else ""


def summary(analysis: Analysis) -> str:
    return (
        f"{len(analysis.slides)} slides ({analysis.subslides} of them subslides), "
        f"{analysis.fragments} fragments, {analysis.skipped} skipped, {analysis.notes} notes, "
        f"{len(analysis.scrolling)} scrolling"
    )
