"""What people read: a model's summary, a classifier's confusion matrix, a regression's MSE.

Presentation built on the public library, so it lives in the ring, counted
apart from the core; `dm.summary(model)`, `dm.confusion_matrix` and `dm.mse`
are these.
"""

import numpy as np

import demystify as dm

from .accuracy import predicted_classes


def summary(model) -> str:
    """A table of layers, output widths and parameter counts (printed and returned).

    Nothing runs through the network: each layer says how wide its output is
    (`n_out`; None keeps the width it receives), so printing a summary changes
    nothing, not even the random numbers a `Dropout` would draw.
    """
    width = model.n_in
    lines = [f"{'#':>3}  {'layer':<44}{'output shape':<16}{'parameters':>10}"]
    for index, layer in enumerate(model.layers):
        width = layer.n_out or width
        count = sum(p.size for p in layer.parameters())
        lines.append(f"{index:>3}  {layer!r:<44}{f'(batch, {width})':<16}{count:>10,}")
    lines.append(f"total parameters: {sum(p.size for p in model.parameters()):,}")
    print("\n".join(lines))
    return "\n".join(lines)


def confusion_matrix(pred, target, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[true, predicted]``: the diagonal is right, everything else is a mix-up."""
    predicted = predicted_classes(pred)
    classes = dm.metrics.labels(dm.checks.real_array(target, "targets"))
    if predicted.shape != classes.shape or classes.min(initial=0) < 0:
        raise ValueError(
            f"confusion_matrix: {len(predicted)} predictions for {len(classes)} labels"
        )
    found = int(max(predicted.max(initial=0), classes.max(initial=0)) + 1)
    n_classes = dm.checks.number("n_classes", n_classes or found, f"[{found}, inf)", whole=True)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (classes, predicted), 1)
    return matrix


def mse(pred, target) -> float:
    """Mean squared error over every entry (`dm.MeanSquaredError`, on host arrays)."""
    return dm.MeanSquaredError().forward(
        dm.asarray(dm.checks.real_array(pred, "predictions")), target
    )
