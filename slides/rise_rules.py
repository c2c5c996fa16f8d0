"""The rules that give every notebook cell its RISE slide type, and how tall a cell is.

``slides/rise.py`` applies them (`presentable`); ``slides/rise_check.py`` checks a
notebook's stored metadata against them.

The screenful. ``rise.css`` sets the text for a room (prose 20 px, code and its
output 18 px: tests/test_browser_rise.py measures it). The unit of height is a
line of that code, `LINE_PX` = 23.4 px; a slide holds at most `SCREEN_LINES` = 28
of them, 655 px of the 720 at 1280×720 (the rest is margin and the controls).
The weights err on the tall side:

* markdown: 2 for the cell, every source line `PROSE_LINE` = 1.25 (the notebooks
  wrap prose at 100 characters, which renders in about one line of 29 px), a
  ``#`` title line 3 per 40 characters, a ``##`` heading 3, a ``###`` heading
  2.5, an image `IMAGE_LINES`;
* code: 1.5 for the cell, every source line 1, per text output 0.5 and its
  lines (wrapped at 100 characters), an image a fixed `IMAGE_LINES` = 12 (the
  ``rise.css`` written here caps every image at 260 px, plus its frame), a
  widget `WIDGET_LINES`.

No slide is a page of code: one slide shows at most `CODE_PAGE` = 16 lines of
code across its cells; a code cell that would bring more starts a subslide (a
single longer cell stays whole on its own slide).

The rules, in order:

1. A markdown cell with a ``#``, ``##`` or ``###`` heading after its first line
   is split before the heading (a heading must start a slide). A markdown cell
   longer than a screenful is split between paragraphs (outside code fences and
   ``$$`` blocks). The first piece keeps the cell's id, the others get
   ``ID-1``, ``ID-2``, ...; nothing is lost or reordered.
2. ``#`` and ``##`` headings start a ``slide``, ``###`` a ``subslide``.
3. A set-up cell (only imports and settings such as ``np.set_printoptions``, no
   output) is ``skip``. An exercise (tag ``exercise`` or a ``### BEGIN
   SOLUTION``) is never skipped.
4. A markdown cell without a heading, of plain prose (no code, maths, table or
   image) and at least `NOTES_LINES` long, is a long explanation: ``notes`` (the
   speaker view shows it; the notebook is unchanged for reading).
5. Every other cell continues the current slide (``-``), and a code cell right
   after a markdown cell on the same slide is a ``fragment`` (the slide asks,
   the fragment answers), unless the slide would then hold more than a
   screenful or more than `CODE_PAGE` lines of code: then it starts a
   ``subslide`` (below the slide, same section). A short markdown cell that
"""

from __future__ import annotations

import ast
import copy
import math
import re
from pathlib import Path

LINE_PX = 23.4  # a line of code at rise.css's 18 px (line height 1.3): the unit of height
SCREEN_LINES = 28  # 28 × 23.4 px = 655 px of the 720 (the rest is margin and the controls)
IMAGE_LINES = 12  # 12 × 23.4 px = 281 px: the 260 px rise.css allows an image, and its frame
WIDGET_LINES = 20
PROSE_LINE = 1.25  # a source line of prose (wrapped at 100 characters): 20 px × 1.45 high
CODE_PAGE = 16  # the most lines of code one slide shows across several cells
MARKDOWN_CELL, CODE_CELL, OUTPUT = 2.0, 1.5, 0.5  # a cell's and an output's own padding
NOTES_LINES = 17
WRAP = 100  # characters of 18 px output text per line on a 1280-pixel slide

RISE_CSS = Path(__file__).with_name("rise.css").read_text(encoding="utf-8")  # copied beside them

HEADING = re.compile(r"^(#{1,3}) \S")
FENCE = re.compile(r"^\s*(```|~~~)")
SETTINGS = {  # calls that only set things up: a cell of these and imports shows nothing
    "np.set_printoptions",
    "numpy.set_printoptions",
    "warnings.filterwarnings",
    "warnings.simplefilter",
    "plt.rcParams.update",
    "matplotlib.rcParams.update",
    "matplotlib.use",
    "plt.style.use",
}
RCPARAMS = {"plt.rcParams", "matplotlib.rcParams", "mpl.rcParams"}


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def as_lines(text: str) -> list[str]:
    """A cell's source the way nbformat stores it: lines that keep their line breaks."""
    return text.splitlines(keepends=True)


def heading_level(cell: dict) -> int | None:
    """1-3 for a markdown cell that opens with a #, ## or ### heading, else None."""
    if cell["cell_type"] != "markdown":
        return None
    match = HEADING.match(source(cell).lstrip("\n"))
    return len(match.group(1)) if match else None


def is_exercise(cell: dict) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return "exercise" in tags or "### BEGIN SOLUTION" in source(cell)


def slide_type(cell: dict) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") or "-"


# --- how tall a cell is -----------------------------------------------------------------------


def markdown_lines(text: str) -> float:
    total = MARKDOWN_CELL
    for line in text.splitlines():
        if line.startswith("# "):
            total += 3 * math.ceil(len(line) / 40)
        elif line.startswith("## "):
            total += 3
        elif line.startswith("### "):
            total += 2.5
        elif re.search(r"!\[[^\]]*\]\(", line) or "<img" in line:
            total += IMAGE_LINES
        else:
            total += PROSE_LINE
    return total


def text_lines(text: str) -> int:
    return sum(max(1, math.ceil(len(line) / WRAP)) for line in text.splitlines())


def output_lines(output: dict) -> float:
    kind = output.get("output_type")
    if kind == "stream":
        return OUTPUT + text_lines(source({"source": output.get("text", "")}))
    if kind == "error":
        return OUTPUT + text_lines("\n".join(output.get("traceback", [])))
    data = output.get("data", {})
    if any(key.startswith("image/") for key in data):
        return IMAGE_LINES
    if "application/vnd.jupyter.widget-view+json" in data:
        return WIDGET_LINES
    if "text/html" in data:
        rows = source({"source": data["text/html"]}).count("<tr")
        html = source({"source": data["text/html"]})
        return OUTPUT + (rows * 1.3 if rows else text_lines(html))
    for key in ("text/markdown", "text/latex", "text/plain"):
        if key in data:
            return OUTPUT + text_lines(source({"source": data[key]}))
    return 0


def code_lines(cell: dict | None) -> int:
    """The lines of code a cell shows (0 for markdown)."""
    if cell is None or cell["cell_type"] != "code":
        return 0
    return len(source(cell).splitlines())


def cell_lines(cell: dict) -> float:
    """The height of a cell on a slide, in lines of `LINE_PX` (see the module docstring)."""
    if cell["cell_type"] == "markdown":
        return markdown_lines(source(cell))
    lines = CODE_CELL + len(source(cell).splitlines())
    return lines + sum(output_lines(output) for output in cell.get("outputs", []))


# --- rule 1: splitting markdown ---------------------------------------------------------------


def markdown_blocks(text: str) -> list[list[str]]:
    """Lines grouped into blocks: split at headings and blank lines outside fences and $$."""
    blocks: list[list[str]] = [[]]
    fenced = maths = False
    for line in text.splitlines():
        if not fenced and not maths and (HEADING.match(line) or not line.strip()):
            if blocks[-1]:
                blocks.append([])
            if line.strip():
                blocks[-1].append(line)
            continue
        blocks[-1].append(line)
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.strip().count("$$") % 2 == 1:
            maths = not maths
    return [block for block in blocks if block]


def split_markdown(text: str) -> list[str]:
    """Pieces of a markdown cell: one per heading, each within a screenful where it can be."""
    pieces: list[list[list[str]]] = [[]]
    for block in markdown_blocks(text):
        if HEADING.match(block[0]) and pieces[-1]:
            pieces.append([])
        pieces[-1].append(block)
    out = []
    for blocks in pieces:
        chunk: list[list[str]] = []
        for block in blocks:
            candidate = chunk + [block]
            if chunk and markdown_lines(_join(candidate)) > SCREEN_LINES:
                out.append(_join(chunk))
                chunk = [block]
            else:
                chunk = candidate
        if chunk:
            out.append(_join(chunk))
    return out


def _join(blocks: list[list[str]]) -> str:
    return "\n\n".join("\n".join(block) for block in blocks)


def _needs_split(cell: dict) -> bool:
    if cell["cell_type"] != "markdown" or cell.get("attachments"):
        return False
    text = source(cell)
    return len(split_markdown(text)) > 1


def split_cells(cells: list[dict]) -> list[dict]:
    taken = {cell.get("id") for cell in cells}
    out = []
    for cell in cells:
        if not _needs_split(cell):
            out.append(cell)
            continue
        for number, piece in enumerate(split_markdown(source(cell))):
            part = copy.deepcopy(cell)
            part["source"] = as_lines(piece)
            if number and "id" in cell:
                new_id, suffix = f"{cell['id'][:58]}-{number}", number
                while new_id in taken:
                    suffix += 100
                    new_id = f"{cell['id'][:58]}-{suffix}"
                taken.add(new_id)
                part["id"] = new_id
            out.append(part)
    return out


# --- rules 2-5: slide types -------------------------------------------------------------------


def is_setup(cell: dict) -> bool:
    """Only imports and settings, and no output: nothing to show on a slide."""
    if cell["cell_type"] != "code" or cell.get("outputs") or is_exercise(cell):
        return False
    lines = [line for line in source(cell).splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return False
    if not tree.body:
        return bool(source(cell).strip())  # magics only: %matplotlib inline

    def dotted(node) -> str:
        if isinstance(node, ast.Attribute):
            return f"{dotted(node.value)}.{node.attr}"
        return node.id if isinstance(node, ast.Name) else "?"

    def setting(node) -> bool:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return dotted(node.value.func) in SETTINGS
        if isinstance(node, ast.Assign):  # plt.rcParams["figure.dpi"] = 100
            return all(
                isinstance(t, ast.Subscript) and dotted(t.value) in RCPARAMS for t in node.targets
            )
        return False

    return all(isinstance(n, (ast.Import, ast.ImportFrom)) or setting(n) for n in tree.body)


def is_long_prose(cell: dict) -> bool:
    if cell["cell_type"] != "markdown" or heading_level(cell) or is_exercise(cell):
        return False
    text = source(cell)
    structured = re.search(r"^\s*(```|~~~|\|)|\$\$|!\[|<img|<table", text, flags=re.M)
    return not structured and markdown_lines(text) >= NOTES_LINES


def assign(cells: list[dict]) -> list[str]:
    """The slide type of every cell, by rules 2-5."""
    kinds = ["skip" if is_setup(c) else "notes" if is_long_prose(c) else None for c in cells]
    visible = [i for i, kind in enumerate(kinds) if kind is None]
    used, code, previous = 0.0, 0, None
    for position, i in enumerate(visible):
        cell, height = cells[i], cell_lines(cells[i])
        level = heading_level(cell)
        following = cells[visible[position + 1]] if position + 1 < len(visible) else None
        introduces = (
            cell["cell_type"] == "markdown"
            and following is not None
            and following["cell_type"] == "code"
        )
        pair = height + (cell_lines(following) if introduces else 0)
        lines = code_lines(cell)
        page = code + lines + (code_lines(following) if introduces else 0)
        if position == 0 or level in (1, 2):
            kinds[i], used, code = "slide", height, lines
        elif level == 3:
            kinds[i], used, code = "subslide", height, lines
        elif (
            used + height > SCREEN_LINES
            or (code and code + lines > CODE_PAGE)
            or (introduces and used + pair > SCREEN_LINES and pair <= SCREEN_LINES)
            or (introduces and code and page > CODE_PAGE)
        ):
            kinds[i], used, code = "subslide", height, lines
        else:
            after_text = cell["cell_type"] == "code" and previous == "markdown"
            kinds[i], used = ("fragment" if after_text else "-"), used + height
            code += lines
        previous = cell["cell_type"]
    return kinds


def presentable(notebook: dict) -> dict:
    """The notebook with split markdown and slideshow metadata; the input is not changed."""
    result = copy.deepcopy(notebook)
    result["cells"] = split_cells(result["cells"])
    # the "white" theme brings its fonts; RISE's default ("simple") fetches them from the web;
    # a cell taller than a screen at the room's text size scrolls rather than shrinks
    settings = result.setdefault("metadata", {}).setdefault("rise", {})
    settings.setdefault("theme", "white")
    settings.setdefault("scroll", True)
    for cell, kind in zip(result["cells"], assign(result["cells"])):
        show = dict(cell.get("metadata", {}).get("slideshow", {}))
        show["slide_type"] = kind
        cell.setdefault("metadata", {})["slideshow"] = show
    return result
