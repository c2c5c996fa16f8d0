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
    if isinstance(model, type) or not hasattr(model, "layers"):
        raise ValueError(
            f"summary: give it a network such as dm.Sequential([...]), got {model!r:.60}"
        )
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
    """Counts ``C[true, predicted]``: the diagonal is right, everything else is a mix-up.

    `pred`: network outputs (one score per class, or one logit) or class numbers;
    `target`: class numbers or one-hot rows. Class numbers are whole and >= 0.
    """
    pred = dm.checks.real_array(pred, "confusion_matrix: predictions")
    predicted = predicted_classes(_class_numbers(pred, "predictions") if pred.ndim == 1 else pred)
    target = dm.checks.real_array(target, "confusion_matrix: targets")
    if target.ndim == 2 and target.shape[1] > 1 and not _one_hot(target):
        raise ValueError(
            "confusion_matrix: the targets look like network outputs, not one-hot rows; "
            "the order is confusion_matrix(pred, target)"
        )
    classes = dm.metrics.labels(
        target if target.ndim == 2 and target.shape[1] > 1 else _class_numbers(target, "targets")
    )
    if predicted.shape != classes.shape:
        raise ValueError(
            f"confusion_matrix: {len(predicted)} predictions for {len(classes)} labels"
        )
    found = int(max(predicted.max(initial=0), classes.max(initial=0)) + 1)
    n_classes = found if n_classes is None else n_classes
    n_classes = dm.checks.number(
        "n_classes", n_classes, f"[{found}, inf)", True, "confusion_matrix"
    )
    dm.checks.affordable(8.0 * n_classes**2, f"confusion_matrix: a matrix of {n_classes:,} classes")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (classes, predicted), 1)
    return matrix


def _class_numbers(array: np.ndarray, name: str) -> np.ndarray:
    """`array` (labels, or one 0/1 column) if it holds whole numbers >= 0, else plain words."""
    if array.size and not (np.all(array == np.round(array)) and array.min() >= 0):
        wrong = array[(array != np.round(array)) | (array < 0)][0]
        raise ValueError(
            f"confusion_matrix: {name} must be class numbers 0, 1, 2, ..., got {wrong:g}"
        )
    largest = float(
        array.max(initial=0)
    )  # before the cast to whole numbers, which 1e300 would wrap
    dm.checks.affordable(
        8.0 * (largest + 1) * (largest + 1), f"confusion_matrix: a class number of {largest:g}"
    )
    return array


def _one_hot(rows: np.ndarray) -> bool:
    return bool(np.all((rows == 0) | (rows == 1)) and np.all(rows.sum(axis=1) == 1))


def mse(pred, target) -> float:
    """Mean squared error over every entry (`dm.MeanSquaredError`, on host arrays)."""
    pred = dm.asarray(dm.checks.real_array(pred, "mse: predictions"))
    return dm.MeanSquaredError().forward(pred, dm.checks.real_array(target, "mse: targets"))
