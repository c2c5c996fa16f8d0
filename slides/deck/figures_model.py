"""Figures of the talk's first half: the network, a neuron, a layer, activations, losses.

Each ``fig_NAME(runs)`` draws with `demystify.viz` or matplotlib from seeded runs of the
library and returns a Figure (or an Axes); `figures.FIGURES` names them for talk.md.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import demystify as dm
from demystify import viz

from .runs import EPOCHS, moons, small, train


def fig_network(runs):
    return viz.draw_network(small())


def fig_weights(runs):
    return viz.plot_weights(small())


def fig_before_after(runs):
    X, y = moons()
    untrained = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 2)], seed=0)
    trained, history, _ = train(
        dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 2)], seed=0), X, y, epochs=EPOCHS
    )
    runs.facts["moons_accuracy"] = f"{dm.accuracy(trained.predict(X), y):.0%}"
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    viz.plot_decision_boundary(untrained, X, y, ax=axes[0], title="random weights")
    viz.plot_decision_boundary(trained, X, y, ax=axes[1], title="after 60 epochs")
    return fig


def fig_neuron(runs):
    neuron = dm.Sequential([dm.Dense(3, 1)], seed=2)
    return viz.draw_network(neuron, arrows=[(0, i, 0) for i in range(3)], names=False)


def fig_layer(runs):
    layer = dm.Sequential([dm.Dense(3, 4)], seed=2)
    return viz.draw_network(layer, layer=0)


def fig_linear_vs_relu(runs):
    X, y = moons()
    linear = dm.Sequential([dm.Dense(2, 16), dm.Dense(16, 16), dm.Dense(16, 2)], seed=0)
    bent = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 16), dm.ReLU(), dm.Dense(16, 2)])
    bent.initialize(np.random.default_rng(0))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    for ax, model, title in (
        (axes[0], linear, "three Dense, no activation"),
        (axes[1], bent, "with ReLU"),
    ):
        train(model, X, y, epochs=EPOCHS)
        accuracy = dm.accuracy(model.predict(X), y)
        viz.plot_decision_boundary(model, X, y, ax=ax, title=f"{title}: {accuracy:.0%} right")
    return fig


def fig_activations(runs):
    grid = np.linspace(-4, 4, 401).reshape(-1, 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained")
    for ax, activation in zip(axes, (dm.ReLU(), dm.Sigmoid(), dm.Tanh())):
        y = activation.forward(grid)
        slope = activation.backward(np.ones_like(grid))  # f'(x): the chain rule with dL/dy = 1
        ax.plot(grid, y, lw=2.5, label=r"$f(x)$")
        ax.plot(grid, slope, "--", lw=2, label=r"$f'(x)$")
        ax.set_title(type(activation).__name__, fontsize=14)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=11)
    return fig


def fig_losses(runs):
    p = np.linspace(0.01, 0.99, 199)
    mse = [dm.MeanSquaredError()(np.array([[q]]), np.array([[1.0]])) for q in p]
    bce = dm.BinaryCrossEntropy()
    logits = np.log(p / (1 - p)).reshape(-1, 1)
    cross = [bce(logits[i : i + 1], np.array([[1.0]])) for i in range(len(p))]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    ax.plot(p, mse, lw=2.5, label="squared error (p − 1)²")
    ax.plot(p, cross, lw=2.5, label="cross-entropy −log p")
    ax.set_xlabel("probability the network gives the right class, p", fontsize=12)
    ax.set_ylabel("loss", fontsize=12)
    ax.set_ylim(0, 4.6)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=12)
    return fig
