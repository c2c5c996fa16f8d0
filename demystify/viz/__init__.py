"""Pictures of a network: weights as heatmaps, the network as circles and arrows,
decision boundaries, loss curves, and a live training dashboard.

Everything here needs matplotlib (and the dashboard, ipywidgets); they are
imported only when this subpackage is, so ``import demystify`` stays light::

    import demystify as dm
    dm.viz.plot_weights(model)             # every weight matrix, one colour scale
    recorder = dm.viz.record(model)        # a callback for dm.fit
    dm.fit(..., callbacks=[recorder])
    dm.viz.plot_recording(recorder)        # how the first weight matrix moved
    dm.viz.Dashboard().show()              # train live in JupyterLab

Every function returns the matplotlib Figure and never calls ``plt.show()``.
"""

try:
    import matplotlib  # noqa: F401  (checked here so the message names the extra)
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        f'demystify.viz needs matplotlib ({error}); install it with: pip install "demystify[viz]"'
    ) from None

from .dashboard import Dashboard
from .network import draw_network
from .plots import (
    plot_decision_boundary,
    plot_gradient_histograms,
    plot_history,
    plot_weight_changes,
    plot_weights,
)
from .record import WeightRecorder, plot_recording, record

__all__ = [
    "Dashboard",
    "WeightRecorder",
    "draw_network",
    "plot_decision_boundary",
    "plot_gradient_histograms",
    "plot_history",
    "plot_recording",
    "plot_weight_changes",
    "plot_weights",
    "record",
]
