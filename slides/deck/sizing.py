"""Figures drawn at their size on the slide, never shrunk, with no text too small for the room.

A slide is 1280 × 720 CSS pixels. A figure that will show ``width × height`` pixels is
drawn ``width / 100 × height / 100`` inches at `PX_PER_INCH` = 100, every text in it raised
to at least `MIN_PT` points (12.5 pt is 17.4 px on the slide, 16.7 px at reveal.js's scale
for a 1280 × 720 window), and saved at twice that resolution so it stays sharp on a
projector. After saving, the smallest text the PNG holds is measured from the figure's own
text artists, in the PNG's pixels; the page carries it on the image (``data-min-text``), so
the browser test multiplies it by the shown width over the PNG's width and checks it.
"""

from __future__ import annotations

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

PX_PER_INCH = 100  # a figure's inch on the slide, in CSS pixels
SHARPNESS = 2  # PNG pixels per CSS pixel
MIN_PT = 12.5
SLIDE_WIDTH = 1200  # the widest a figure may be (the slide is 1280 wide)
ROOMY = {  # matplotlib's defaults, raised, for text made after the bump (new tick labels)
    key: MIN_PT
    for key in (
        "font.size",
        "xtick.labelsize",
        "ytick.labelsize",
        "legend.fontsize",
        "axes.labelsize",
        "axes.titlesize",
        "figure.titlesize",
    )
}


def roomy_fonts():
    """A context in which matplotlib's default text sizes are at least `MIN_PT`."""
    return matplotlib.rc_context(ROOMY)


def as_figure(item) -> Figure:
    """The Figure of what a drawing function returned (a Figure or an Axes)."""
    figure = item.get_figure() if isinstance(item, Axes) else item
    if not isinstance(figure, Figure):
        raise TypeError(f"a slide figure must be a matplotlib Figure or Axes, got {item!r}")
    return figure.get_figure(root=True)


def shown_texts(fig: Figure) -> list[Text]:
    """Every text the figure will draw: visible, not empty, not on a hidden axis."""
    return [
        text
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip() and _drawn(text)
    ]


def _drawn(text: Text) -> bool:
    axes = text.axes
    if axes is None:
        return True
    if not axes.get_visible():
        return False
    axis_texts = {
        *axes.xaxis.get_ticklabels(which="both"),
        *axes.yaxis.get_ticklabels(which="both"),
        axes.xaxis.label,
        axes.yaxis.label,
    }
    return axes.axison or text not in axis_texts


def fit_to_slide(item, width: float, height: float) -> Figure:
    """Set the figure to ``width × height`` CSS pixels and raise every small text to MIN_PT."""
    fig = as_figure(item)
    fig.set_size_inches(width / PX_PER_INCH, height / PX_PER_INCH)
    fig.canvas.draw()  # makes the tick labels the new size asks for
    for axes in fig.findobj(Axes):
        for axis, which in ((axes.xaxis, "x"), (axes.yaxis, "y")):
            sizes = [t.get_fontsize() for t in axis.get_ticklabels(which="both")]
            if sizes and min(sizes) < MIN_PT:
                axes.tick_params(axis=which, which="both", labelsize=MIN_PT)
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_PT:
            text.set_fontsize(MIN_PT)
    return fig


def smallest_text_px(fig: Figure, dpi: float) -> float:
    """The smallest font size of the figure's shown texts, in pixels of a PNG saved at `dpi`."""
    texts = shown_texts(fig)
    if not texts:
        return float("inf")
    return min(text.get_fontsize() for text in texts) * dpi / 72
