"""The dashboard's state: the model, its training step by step, and the history of what happened.

Training is the library's own engine: each step is one ``dm.train_step`` on the
next minibatch of ``dm.training.minibatches`` (one generator seeded once, a
fresh order each epoch), exactly what ``dm.fit`` does with the same
``batch_size`` and ``seed``. The history keeps one snapshot of the weights per
frame (and per edit), with the change the last step made.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ... import backend
from ...init import as_generator
from ...layers import Dense
from ...losses import MeanSquaredError, SoftmaxCrossEntropy
from ...model import Sequential
from ...training import check_data, minibatches, train_step
from .data import Data
from .settings import ACTIVATIONS, OPTIMIZERS, Settings

LOSSES = {"classification": SoftmaxCrossEntropy, "regression": MeanSquaredError}


@dataclass
class History:
    """Parallel lists, one entry per snapshot: ``steps[k]``, ``weights[k]`` (a list of arrays,
    as ``model.get_weights()``), ``changes[k]`` (what the last step before it changed),
    ``events[k]`` (what happened: steps or an edit), ``curve[k]`` the loss point
    ``(step, train loss, test loss)`` and ``accuracy[k]`` ``(train, test)`` (a classifier's)."""

    names: list[str]
    steps: list[int] = field(default_factory=list)
    weights: list[list[np.ndarray]] = field(default_factory=list)
    changes: list[list[np.ndarray]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    curve: list[tuple[int, float, float]] = field(default_factory=list)
    accuracy: list[tuple[float, float] | None] = field(default_factory=list)

    def add(self, step: int, weights, change, event: str, scores: tuple) -> None:
        """Keep a snapshot; `scores` is ``(train loss, test loss, accuracies or None)``."""
        self.steps.append(step)
        self.weights.append(weights)
        self.changes.append(change)
        self.events.append(event)
        self.curve.append((step, scores[0], scores[1]))
        self.accuracy.append(scores[2])

    def __len__(self) -> int:
        return len(self.steps)


def build_model(settings: Settings, n_in: int, n_out: int) -> Sequential:
    """Dense layers of the chosen sizes with the activation between them, seeded."""
    sizes = (n_in, *settings.hidden, n_out)
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, init=settings.init))
        if k < len(sizes) - 2:
            layers.append(ACTIVATIONS[settings.activation]())
    return Sequential(layers, seed=settings.seed)


class Trainer:
    """One training run: model, loss, optimizer, the minibatch order, and the history."""

    def __init__(self, settings: Settings, data: Data):
        self.settings, self.data = settings, data
        classify = settings.task == "classification"
        X, y = data.train()
        self.n_in, self.n_out = X.shape[1], data.classes if classify else 1
        self.model = build_model(settings, self.n_in, self.n_out)
        self.loss, self.judge = self.fresh_loss(), self.fresh_loss()  # judge: whole data sets
        OptimizerClass, extra = OPTIMIZERS[settings.optimizer]
        self.optimizer = OptimizerClass(
            self.model.parameters(), lr=settings.lr, weight_decay=settings.l2, **extra
        )
        where = f"data set {settings.dataset!r}"
        self.X, self.y = check_data(self.model, self.loss, X, y, name=where)
        self.test = check_data(self.model, self.loss, *data.test(), name=where)
        self.rng, self.queue = as_generator(settings.seed), deque()
        self.step_count, self.edits, self.failure = 0, 0, ""
        self.batch_loss = math.nan
        names = [name for name, _ in self.model.named_parameters()]
        self.history = History(names)
        weights = self.model.get_weights()
        self.history.add(0, weights, [w * 0 for w in weights], "start", self.scores())

    def fresh_model(self) -> Sequential:
        """A new network of the same shape, with the seeded first weights."""
        return build_model(self.settings, self.n_in, self.n_out)

    def fresh_loss(self):
        return LOSSES[self.settings.task]()

    def scores(self) -> tuple[float, float, tuple[float, float] | None]:
        """Loss on every training row and every test row (NaN once not finite), and accuracies."""
        (train, right), (test, held) = self.judge_on(self.X, self.y), self.judge_on(*self.test)
        return train, test, (right, held) if self.settings.task == "classification" else None

    def judge_on(self, X, y) -> tuple[float, float]:
        """(loss, accuracy) of the model on (X, y); accuracy is NaN for a regression."""
        outputs = backend.to_numpy(self.model.outputs(X))
        if not np.all(np.isfinite(outputs)):
            return math.nan, math.nan
        hits = math.nan
        if self.settings.task == "classification":
            hits = float(np.mean(np.argmax(outputs, axis=1) == y))
        return float(self.judge(backend.asarray(outputs), y)), hits

    def next_rows(self) -> np.ndarray:
        """The rows of the next minibatch (a new epoch's order is drawn when one ends)."""
        if not self.queue:
            self.queue.extend(minibatches(len(self.X), self.settings.batch_size, self.rng))
        return self.queue[0]

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next minibatch, as the network sees it (what the next step trains on)."""
        rows = self.next_rows()
        return self.X[rows], self.y[rows]

    def step(self, steps: int = 1) -> None:
        """Train `steps` minibatches (one ``dm.train_step`` each), then keep a snapshot.

        A loss that stops being finite stops training: the model goes back to the
        last snapshot's weights and step, and `failure` says what happened.
        """
        before = None
        for left in range(steps - 1, -1, -1):
            if self.failure:
                break
            rows = self.next_rows()
            self.queue.popleft()
            before = self.model.get_weights() if left == 0 else None  # for the last change
            value, _ = train_step(
                self.model, self.loss, self.optimizer, backend.asarray(self.X[rows]), self.y[rows]
            )
            if not math.isfinite(value):
                self.failure = (
                    f"the loss became NaN or infinite at step {self.step_count + 1}; went back to "
                    f"the weights of step {self.history.steps[-1]}. Lower the learning rate "
                    f"(now {self.settings.lr:g}) and Reset."
                )
                self.model.set_weights(self.history.weights[-1])
                self.step_count = self.history.steps[-1]
                break
            self.step_count, self.batch_loss = self.step_count + 1, value
        if before is not None and not self.failure:
            after = self.model.get_weights()
            change = [a - b for a, b in zip(after, before)]
            self.history.add(self.step_count, after, change, "steps", self.scores())

    def edit(self, name: str, i: int, j: int, value: float) -> str:
        """Set entry ``[i, j]`` of parameter `name` (a bias: ``[0, j]``); the history records it."""
        names = self.history.names
        if name not in names:
            raise ValueError(f"Dashboard.edit: no parameter {name!r}; there are {', '.join(names)}")
        before, weights = self.model.get_weights(), self.model.get_weights()
        array = weights[names.index(name)]
        index = (j,) if array.ndim == 1 else (i, j)
        if array.ndim == 1 and i != 0 or not all(0 <= k < n for k, n in zip(index, array.shape)):
            raise ValueError(f"Dashboard.edit: {name} has shape {array.shape}, no entry [{i}, {j}]")
        if not math.isfinite(value):
            raise ValueError(f"Dashboard.edit: the new value must be a finite number, got {value}")
        old = float(array[index])
        array[index] = value
        self.model.set_weights(weights)
        self.edits += 1
        where = f"{name}[{j}]" if array.ndim == 1 else f"{name}[{i}, {j}]"
        event = f"edited {where}: {old:+.4g} → {float(array[index]):+.4g}"
        after = self.model.get_weights()
        change = [a - b for a, b in zip(after, before)]
        self.history.add(self.step_count, after, change, event, self.scores())
        return event


__all__ = ["History", "Trainer", "build_model"]
