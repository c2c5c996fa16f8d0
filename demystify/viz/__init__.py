"""Pictures of a network: weights as heatmaps, the network as circles and arrows,
decision boundaries, loss curves, a live training dashboard, and a backprop stepper.

Everything here needs matplotlib (and the live dashboard, ipywidgets and anywidget); they are
imported only when this subpackage is, so ``import demystify`` stays light::

    import demystify as dm
    dm.viz.plot_weights(model)             # every weight matrix, one colour scale
    recorder = dm.viz.record(model)        # a callback for dm.fit
    dm.fit(..., callbacks=[recorder])
    dm.viz.plot_recording(recorder)        # how the first weight matrix moved
    dm.viz.Dashboard().show()              # train live in JupyterLab
    dm.viz.Dashboard(data=(X, y)).show()   # ... on your own data (or task="regression")
    dm.viz.BackpropStepper(model, loss, X[:4], y[:4]).show()   # one step, every number

Every function returns the matplotlib Figure and never calls ``plt.show()``; the two
widgets draw a static figure instead where widgets cannot run (``show(static=True)``).
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
from .stepper import BackpropStepper

__all__ = [
    "BackpropStepper",
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
