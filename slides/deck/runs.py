"""The seeded data and training runs the figures share, each computed once per build."""

from __future__ import annotations

from dataclasses import dataclass, field

import demystify as dm
from demystify import viz

EPOCHS = 60  # enough for the small moons and spirals networks to settle (the slides say 60)
BATCH_SIZE = 32


@dataclass
class Runs:
    """The seeded training runs several figures share, and the numbers the slides quote."""

    cache: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    def get(self, name, compute):
        if name not in self.cache:
            self.cache[name] = compute()
        return self.cache[name]


def moons():
    return dm.datasets.moons(n=200, noise=0.15, seed=0)


def train(model, X, y, epochs, lr=2e-2, loss=None, **options):
    """Adam on `model`, quietly, with a weight recorder: (model, history, recorder)."""
    recorder = viz.record(model)
    history = dm.fit(
        model,
        loss or dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=lr),
        X,
        y,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=0,
        callbacks=[recorder],
        **options,
    )
    return model, history, recorder


def spirals(runs: Runs):
    """Three spirals and a 2-16-3 network trained on them (a fifth held out)."""

    def compute():
        X, y = dm.datasets.spirals(n=300, classes=3, seed=0)
        model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
        return (X, y, *train(model, X, y, epochs=EPOCHS, validation=0.2))

    return runs.get("spirals", compute)


def small():
    """The 3-4-2 network the first slides draw."""
    return dm.Sequential([dm.Dense(3, 4), dm.Tanh(), dm.Dense(4, 2)], seed=1)


def moons_recorded(runs: Runs):
    """A 2-8-8-2 tanh network on the moons, its weights recorded every epoch."""

    def compute():
        X, y = moons()
        model = dm.Sequential(
            [dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 8), dm.Tanh(), dm.Dense(8, 2)], seed=0
        )
        return train(model, X, y, epochs=20)

    return runs.get("moons_recorded", compute)
