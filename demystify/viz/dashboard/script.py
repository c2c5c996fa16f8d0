"""`Dashboard.code()`: a self-contained script that ends with the dashboard's exact weights.

The data, the same train/test split, the inputs (features), ``dm.Sequential``
with the same layers and seed, the same optimizer; then one ``dm.fit`` call
with the same batches -- its weights equal the dashboard's to the last bit,
because both draw the minibatches with ``dm.training.minibatches`` from one
generator seeded the same. After an edit (or a stop on a blown-up loss)
training no longer tells the whole story: the script writes the weights out.
"""

from __future__ import annotations

import math

import numpy as np

from .settings import DATASETS, FEATURES, OPTIMIZERS, YOUR_DATA


def array_code(name: str, array: np.ndarray) -> str:
    """``name = np.array([...], dtype=...)``, exact (``repr`` of a float reads back the same)."""
    if array.ndim == 1:
        items = [repr(value.item()) for value in array]
    else:
        items = ["[" + ", ".join(repr(value.item()) for value in row) + "]" for row in array]
    lines, line = [], "   "
    for item in items:
        if len(line) + len(item) + 2 > 96:
            lines.append(line)
            line = "   "
        line += f" {item},"
    lines.append(line)
    body = "\n".join(lines)
    return f"{name} = np.array(\n    [\n{body}\n    ],\n    dtype=np.{array.dtype},\n)"


def data_code(trainer) -> list[str]:
    """The points, the split, and (when they are not the coordinates) the features."""
    settings, data = trainer.settings, trainer.data
    if settings.dataset == YOUR_DATA:
        lines = [
            "# your data, written out",
            array_code("X", data.points),
            array_code("y", data.labels),
        ]
    else:
        lines = [DATASETS[settings.dataset].code(settings.seed, settings.noise)]
    test = round(1 - settings.train_fraction, 6)
    lines.append(
        f"X, X_test, y, y_test = dm.datasets.train_test_split(X, y, test_size={test!r}, "
        f"seed={settings.seed})"
    )
    if settings.features != ("x1", "x2")[: data.inputs]:
        labels = ", ".join(FEATURES[name][0] for name in settings.features)
        columns = ", ".join(FEATURES[name][1] for name in settings.features)
        lines += [
            "",
            "",
            "def inputs(X):",
            f'    """The network\'s inputs: {labels}."""',
            f"    return np.stack([{columns}], axis=1)",
            "",
            "",
            "X, X_test = inputs(X), inputs(X_test)",
        ]
    return lines


def model_code(trainer) -> list[str]:
    settings = trainer.settings
    OptimizerClass, extra = OPTIMIZERS[settings.optimizer]
    extra = {**extra, **({"weight_decay": settings.l2} if settings.l2 else {})}
    extra_text = "".join(f", {key}={value!r}" for key, value in extra.items())
    layers = [f"        dm.{layer!r}," for layer in trainer.model.layers]
    return [
        "model = dm.Sequential(",
        "    [",
        *layers,
        "    ],",
        f"    seed={settings.seed},",
        ")",
        f"loss = dm.{trainer.loss!r}",
        f"optimizer = dm.{OptimizerClass.__name__}(model.parameters(), lr={settings.lr!r}"
        f"{extra_text})",
    ]


def fit_code(trainer) -> list[str]:
    """One ``dm.fit`` call with the dashboard's batches (stopped mid-epoch by a callback)."""
    steps, batch_size = trainer.step_count, trainer.settings.batch_size
    per_epoch = math.ceil(len(trainer.X) / batch_size)
    epochs, lines, callbacks = math.ceil(steps / per_epoch), [], ""
    if steps % per_epoch:
        lines = [
            "",
            "",
            "class StopAtStep(dm.Callback):",
            '    """Stop where the dashboard stopped, in the middle of an epoch."""',
            "",
            "    def on_step_end(self, step, logs):",
            f"        return step >= {steps}  # step counts the optimizer's updates",
            "",
            "",
        ]
        callbacks = "    callbacks=[StopAtStep()],\n"
    return [
        *lines,
        f"# {steps} steps of {batch_size} rows ({per_epoch} steps make an epoch)",
        "dm.fit(",
        "    model,",
        "    loss,",
        "    optimizer,",
        "    X,",
        "    y,",
        f"    epochs={epochs},",
        f"    batch_size={batch_size},",
        f"    seed={trainer.settings.seed},",
        f"{callbacks}    verbose=0,",
        ")",
    ]


def weights_code(trainer) -> list[str]:
    """The weights written out (after edits, training alone does not lead to them)."""
    why = f"{trainer.edits} edit(s)" if trainer.edits else "a stop on a blown-up loss"
    lines = [f"# {trainer.step_count} steps and {why}: the weights, written out"]
    for k, array in enumerate(trainer.model.get_weights()):
        lines.append(array_code(f"w{k}", array))
    names = ", ".join(f"w{k}" for k in range(len(trainer.history.names)))
    return [*lines, f"model.set_weights([{names}])"]


def script(trainer) -> str:
    """The whole script (see the module's docstring)."""
    lines = ["import numpy as np", "", "import demystify as dm", "", *data_code(trainer)]
    lines += model_code(trainer)
    if trainer.step_count == 0 and not trainer.edits:
        lines.append("# no step yet: these are the starting weights")
    elif trainer.edits or trainer.failure:
        lines += weights_code(trainer)
    else:
        lines += fit_code(trainer)
    return "\n".join([*lines, ""])


__all__ = ["array_code", "script"]
