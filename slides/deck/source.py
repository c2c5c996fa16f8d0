"""The package's real source on a slide: read with `inspect`, docstrings and markers taken out.

``{{source module:Qualified.name}}`` in talk.md becomes a code block; a piece longer
than `MAX_CODE_LINES` (once its docstrings are gone) fails the build, so the code on a
slide stays readable at the back of the room.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import re
import textwrap

from .errors import BuildError

MAX_CODE_LINES = 15  # a longer piece of source is refused: it would not read at the back
CODE_WIDTH_PX = 1180  # the code block's width on the 1280-pixel slide
CODE_HEIGHT_PX = 440  # what is left of the 720-pixel slide under a heading
CHAR_WIDTH_EM = 0.61  # a monospace character's width, in font sizes (DejaVu Sans Mono)
LINE_HEIGHT_EM = 1.3  # the code block's line height (deck.css)
FONT_PX = (15, 24)  # the smallest font that reads at the back, and the largest we use
MARKER = re.compile(r"^\s*# shown in notebooks/")


def source_of(reference: str) -> str:
    """The source of ``module:Qualified.name`` without docstrings and notebook markers.

    Refuses (BuildError) a name that does not exist, or a piece longer than
    `MAX_CODE_LINES` once the docstrings are gone.
    """
    module_name, _, qualname = reference.partition(":")
    try:
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        text = textwrap.dedent(inspect.getsource(target))
    except (ImportError, AttributeError, TypeError, OSError) as error:
        raise BuildError(f"{{{{source {reference}}}}}: no such source ({error})") from None
    kept = _without_docstrings(text)
    if len(kept) > MAX_CODE_LINES:
        raise BuildError(
            f"{{{{source {reference}}}}} is {len(kept)} lines without its docstring; a slide "
            f"shows at most {MAX_CODE_LINES}, so choose a smaller function or method"
        )
    return "\n".join(kept)


def _without_docstrings(text: str) -> list[str]:
    """The lines of `text` without docstrings, notebook markers and doubled blank lines."""
    drop, placeholder = set(), {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if ast.get_docstring(node, clean=False) is not None:
                doc = node.body[0]
                drop.update(range(doc.lineno, doc.end_lineno + 1))
                if len(node.body) == 1:  # nothing but a docstring: keep the body valid
                    placeholder[doc.lineno] = " " * doc.col_offset + "..."
    kept: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in placeholder:
            kept.append(placeholder[number])
        elif number in drop or MARKER.match(line):
            continue
        elif not line.strip() and (not kept or not kept[-1].strip() or kept[-1].endswith(":")):
            continue  # no blank line at the top, twice in a row, or where a docstring was
        else:
            kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def code_block(code: str) -> str:
    """A <pre> whose font size lets the longest line and all the lines fit the slide."""
    lines = code.splitlines()
    longest = max(len(line) for line in lines)
    smallest, largest = FONT_PX
    size = min(
        largest,
        CODE_WIDTH_PX / (CHAR_WIDTH_EM * longest + 2),  # + the block's padding, in ems
        CODE_HEIGHT_PX / (LINE_HEIGHT_EM * len(lines) + 0.8),
    )
    if size < smallest:
        raise BuildError(f"code too wide for a slide ({longest} characters): {lines[0]!r}")
    return (
        f'<pre class="code" style="font-size: {size:.1f}px"><code class="language-python" '
        f"data-trim>{html.escape(code)}</code></pre>"
    )
