"""The pictures tried as a clumsy user (issue #25): grids, types, highlights.

Rows as in ``test_bad_input.py``; every picture needs the viz extra (skipped
with its name without it).
"""

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer, tiny_net_with
from helpers import tiny_net as net

import demystify as dm

HUGE = 10**12  # more of anything than any machine holds

HUGE = 10**12  # more of anything than any machine holds


def viz():
    return pytest.importorskip("demystify.viz", reason="the pictures need the viz extra")


def notebook():
    viz()
    from demystify.viz import notebook

    return notebook


def blank_figure():
    viz()
    from matplotlib.figure import Figure

    return Figure()


def boundary(**options):
    X, y = dm.datasets.xor(n=8, seed=0)
    args = {"model": net(n_in=2, n_out=2), "X": X, "y": y} | options
    return viz().plot_decision_boundary(**args)


def recorder():
    model = net()
    recorder = viz().record(model)
    optimizer = dm.SGD(model.parameters())
    dm.fit(model, dm.SoftmaxCrossEntropy(), optimizer, X4, Y3, callbacks=[recorder], verbose=0)
    return recorder


CASES = {
    # --- pictures: grids, types, highlights ------------------------------------------------
    "boundary resolution 10**6": (
        lambda: boundary(resolution=10**6),
        ValueError,
        "plot_decision_boundary: resolution 1,000,000 (1,000,000² points) needs",
    ),
    "boundary resolution 1": (
        lambda: boundary(resolution=1),
        ValueError,
        "resolution must be a whole number in [2, inf), got 1",
    ),
    "boundary resolution 2.5": (lambda: boundary(resolution=2.5), ValueError, "got 2.5"),
    "boundary model None": (
        lambda: boundary(model=None),
        ValueError,
        "plot_decision_boundary: model must be a network (with .predict), got None",
    ),
    "boundary X strings": (
        lambda: boundary(X=np.array([["a", "b"]] * 8)),
        ValueError,
        "plot_decision_boundary: X must hold numbers",
    ),
    "boundary X complex": (
        lambda: boundary(X=np.ones((8, 2)) * 1j),
        ValueError,
        "X holds complex numbers",
    ),
    "boundary a 3-feature model": (
        lambda: boundary(model=net(n_in=3, n_out=2)),
        ValueError,
        "the map is drawn over 2 features; the model takes 3",
    ),
    "boundary y 0.7": (
        lambda: boundary(y=np.full(8, 0.7)),
        ValueError,
        "plot_decision_boundary: y must be class numbers 0, 1, 2, ..., got 0.7",
    ),
    "boundary y negative": (lambda: boundary(y=np.full(8, -5)), ValueError, "got -5"),
    "boundary padding nan": (
        lambda: boundary(padding=float("nan")),
        ValueError,
        "padding must be a number in [0, inf)",
    ),
    "plot_history None": (
        lambda: viz().plot_history(None),
        ValueError,
        "plot_history: history must be what dm.fit returns",
    ),
    "plot_history metrics None": (
        lambda: viz().plot_history({"loss": [1.0]}, metrics=None),
        ValueError,
        "metrics must be names such as 'loss'",
    ),
    "plot_history strings": (
        lambda: viz().plot_history({"loss": ["high", "low"]}),
        ValueError,
        "plot_history: history['loss'] must hold numbers",
    ),
    "plot_history ax a string": (
        lambda: viz().plot_history({"loss": [1.0]}, ax="left"),
        ValueError,
        "plot_history: ax must be a matplotlib Axes",
    ),
    "plot_weights None": (
        lambda: viz().plot_weights(None),
        ValueError,
        "give a model, a layer, or a list of weight arrays",
    ),
    "plot_weights a string": (
        lambda: viz().plot_weights("model.npz"),
        ValueError,
        "got 'model.npz'",
    ),
    "plot_weights names 3": (
        lambda: viz().plot_weights(net(), names=3),
        ValueError,
        "names must be a list of names, one per array, got 3",
    ),
    "plot_weights ncols -1": (
        lambda: viz().plot_weights(net(), ncols=-1),
        ValueError,
        "ncols must be a whole number in [1, inf)",
    ),
    "plot_weights vmax -1": (
        lambda: viz().plot_weights(net(), vmax=-1),
        ValueError,
        "vmax must be a number in (0, inf)",
    ),
    "plot_weights axes a string": (
        lambda: viz().plot_weights(dm.Dense(2, 3), axes="left"),
        ValueError,
        "axes must be matplotlib Axes",
    ),
    "gradient histograms None": (
        lambda: viz().plot_gradient_histograms(None),
        ValueError,
        "plot_gradient_histograms: give it a model",
    ),
    "gradient histograms bins 0": (
        lambda: viz().plot_gradient_histograms(net(), bins=0),
        ValueError,
        "bins must be a whole number in [1, inf)",
    ),
    "draw_network max_units 2.5": (
        lambda: viz().draw_network(net(), max_units=2.5),
        ValueError,
        "max_units must be a whole number in [2, inf)",
    ),
    "draw_network layer 0.5": (
        lambda: viz().draw_network(net(), layer=0.5),
        ValueError,
        "layer must be a whole number in [0, 1], got 0.5",
    ),
    "draw_network radius -1": (
        lambda: viz().draw_network(net(), radius=-1),
        ValueError,
        "radius must be a number in (0, inf)",
    ),
    "draw_network ax a string": (
        lambda: viz().draw_network(net(), ax="left"),
        ValueError,
        "draw_network: ax must be a matplotlib Axes",
    ),
    "draw_network arrows None": (
        lambda: viz().draw_network(net(), arrows=None),
        ValueError,
        "draw_network: arrows must be a list of tuples, got None",
    ),
    "draw_network NaN weights": (
        lambda: viz().draw_network(tiny_net_with(np.nan)),
        ValueError,
        "draw_network: 0.weights contains NaN",
    ),
    "draw_network an arrow it lacks": (
        lambda: viz().draw_network(net(), arrows=[(0, 99, 0)]),
        ValueError,
        "arrows holds (0, 99, 0), not an arrow",
    ),
    "draw_network a unit it lacks": (
        lambda: viz().draw_network(net(), units=[(9, 0)]),
        ValueError,
        "units holds (9, 0), not a unit",
    ),
    "png_bytes None": (
        lambda: notebook().png_bytes(None),
        ValueError,
        "png_bytes: give it a matplotlib Figure, got None",
    ),
    "png_bytes dpi 0": (
        lambda: notebook().png_bytes(blank_figure(), dpi=0),
        ValueError,
        "dpi must be a whole number in [1, 2000]",
    ),
    "record None": (lambda: viz().record(None), ValueError, "record: give it the model"),
    "record every True": (
        lambda: viz().record(net(), every=True),
        ValueError,
        "every must be a whole number in [1, inf), got True",
    ),
    "plot_recording a model": (
        lambda: viz().plot_recording(net()),
        ValueError,
        "plot_recording: give it the recorder that dm.viz.record(model) made",
    ),
    "plot_recording snapshots 0": (
        lambda: viz().plot_recording(recorder(), snapshots=0),
        ValueError,
        "snapshots must be a whole number in [1, inf)",
    ),
    "plot_recording parameter 1.5": (
        lambda: viz().plot_recording(recorder(), parameter=1.5),
        ValueError,
        "parameter must be a position 0..1 or a name",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])
