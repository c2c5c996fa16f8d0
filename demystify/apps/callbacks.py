"""Callbacks for `dm.fit`: early stopping and a progress bar, written on the public contract.

A `dm.Callback` watches or steers training from outside the loop (notebook 06
has you write early stopping into your own loop first). These two use only
the public library (`demystify.training.Callback`, imported by its module
because the package imports this file while it starts), as any user's
callback would, so they live in the ring,
counted apart from the core; `dm.EarlyStopping` and ``dm.fit(...,
early_stopping=n, verbose=1)`` are these.
"""

import math

import numpy as np

from demystify import checks
from demystify.training import Callback, History


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs; keep the best weights.

    ``mode="min"``: lower is better (a loss); ``mode="max"``: higher is better (an accuracy).
    """

    def __init__(self, monitor="val_loss", patience: int = 10, mode="min", restore_best=True):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(monitor, str):
            raise ValueError(
                f"EarlyStopping: monitor must be the name of a number fit records, such as "
                f"'val_loss' or 'val_accuracy', got {monitor!r:.60}"
            )
        if not isinstance(restore_best, (bool, np.bool_)):
            raise ValueError(
                f"EarlyStopping: restore_best must be True or False, got {restore_best!r:.60}"
            )
        self.monitor = monitor
        self.patience = checks.number("patience", patience, "[1, inf)", True, "EarlyStopping")
        self.sign = 1.0 if mode == "min" else -1.0  # scores are compared as "lower is better"
        self.restore_best = restore_best

    def on_train_begin(self, model) -> None:
        self.model = model
        self.best = math.inf
        self.best_weights = None
        self.waited = 0

    # shown in notebooks/06_the_training_loop.ipynb
    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.monitor not in logs:
            raise ValueError(  # a typo, or no validation data
                f"EarlyStopping watches {self.monitor!r}, but fit records {', '.join(logs)}: "
                "check the name, or give fit validation data"
            )
        score = self.sign * logs[self.monitor]
        if score < self.best:
            self.best = score
            self.best_weights = self.model.get_weights()
            self.waited = 0
            return False
        self.waited += 1
        return self.waited >= self.patience

    def on_train_end(self, history: History) -> None:
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class ProgressBar(Callback):
    """A bar that moves once per epoch and shows that epoch's numbers (tqdm's, in Jupyter too)."""

    def __init__(self, epochs: int, what: str = "training"):
        self.epochs = epochs
        self.what = what

    def on_train_begin(self, model) -> None:
        from tqdm.auto import tqdm  # its notebook widget inside Jupyter, text elsewhere

        self.bar = tqdm(total=self.epochs, desc=self.what, unit="epoch")

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.bar.update(1)
        self.bar.set_postfix({name: f"{value:.4f}" for name, value in logs.items()})

    def on_train_end(self, history) -> None:
        self.bar.close()
