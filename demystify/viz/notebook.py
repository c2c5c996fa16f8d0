"""Showing a live widget in a notebook, with a static picture for where widgets cannot run.

A cell's output is a bundle of the same thing in several formats, and each
viewer picks the richest one it can show. The widgets here display one bundle
with two formats: the live widget (JupyterLab with a kernel draws that) and a
PNG of the same view (nbviewer, GitHub, nbconvert's HTML and PDF, which have no
kernel, fall back to it). So a saved notebook shows the widget's picture even
where nothing can run.

Pictures inside the widgets are matplotlib Figures made without pyplot and
handed to an ``Output`` widget as PNG data directly: nothing is drawn inside a
capture context, so nothing leaks into a cell's outputs (which nbval compares).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from matplotlib.figure import Figure

from .. import checks

HINT = (
    "(static figure: the live {what} needs JupyterLab with ipywidgets -- "
    'pip install "demystify[viz]")'
)


def in_a_kernel() -> bool:
    """True inside a Jupyter kernel (not in plain Python, nor a terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def widgets_available() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def png_bytes(fig, dpi: int = 96) -> bytes:
    """The figure as PNG bytes (a pyplot figure is closed afterwards)."""
    if isinstance(fig, type) or not hasattr(fig, "savefig"):
        raise ValueError(f"png_bytes: give it a matplotlib Figure, got {fig!r:.60}")
    checks.number("dpi", dpi, "[1, 2000]", whole=True, owner="png_bytes")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    if getattr(fig.canvas, "manager", None) is not None:  # made by pyplot: let it go
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buffer.getvalue()


def png_output(fig: Figure, name: str, dpi: int = 96) -> tuple[dict]:
    """What an ``Output`` widget's ``outputs`` takes to show `fig` as a PNG."""
    data = base64.b64encode(png_bytes(fig, dpi)).decode("ascii")
    return (
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": data, "text/plain": f"<{name}>"},
        },
    )


def display_widget(box, static_figure: Callable[[], object], text: str) -> None:
    """Display the widget `box` with a PNG of ``static_figure()`` for viewers without widgets."""
    from IPython.display import display

    bundle = box._repr_mimebundle_()
    bundle["image/png"] = base64.b64encode(png_bytes(static_figure(), dpi=80)).decode("ascii")
    bundle["text/plain"] = text
    display(bundle, raw=True)


def display_static(fig, what: str):
    """The static path: print the hint, then display `fig` (in a kernel) or return it."""
    print(HINT.format(what=what))
    if not in_a_kernel():
        return fig
    from IPython.display import display

    display(fig)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return None


__all__ = [
    "HINT",
    "display_static",
    "display_widget",
    "in_a_kernel",
    "png_bytes",
    "png_output",
    "widgets_available",
]
