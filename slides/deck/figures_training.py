"""Figures of training: optimizers in a valley, loss curves, boundaries, digits, weight changes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import demystify as dm
from demystify import viz

from .runs import moons_recorded, spirals, train

HELD_OUT = 360  # digits kept out of training: a fifth of the 1,797, the slide counts them
VALLEY_STEPS = 60  # steps each optimizer takes down the valley (the legend says 60)


def _valley_paths():
    """Four optimizers of the package walking down one long, narrow valley."""
    scales = np.array([1.0, 12.0])  # L(w) = 0.5 * (w0**2 + 12 * w1**2): steep across, flat along

    def walk(make, steps=VALLEY_STEPS):
        w = dm.Parameter(np.array([-4.5, 1.2]))
        optimizer = make([w])
        path = [w.value.copy()]
        for _ in range(steps):
            optimizer.zero_grad()
            w.grad = scales * w.value  # dL/dw
            optimizer.step()
            path.append(w.value.copy())
        return np.array(path)

    paths = {
        "SGD": walk(lambda p: dm.SGD(p, lr=0.15)),
        "momentum": walk(lambda p: dm.SGD(p, lr=0.04, momentum=0.8)),
        "RMSprop": walk(lambda p: dm.RMSprop(p, lr=0.15)),
        "Adam": walk(lambda p: dm.Adam(p, lr=0.4)),
    }
    return scales, paths


def _valley_axes(ax, scales):
    w0, w1 = np.meshgrid(np.linspace(-5, 1.5, 200), np.linspace(-1.6, 1.6, 200))
    ax.contour(w0, w1, 0.5 * (scales[0] * w0**2 + scales[1] * w1**2), levels=14, colors="0.75")
    ax.plot(0, 0, "k*", ms=14)
    ax.set_xlabel("w₀", fontsize=12)
    ax.set_ylabel("w₁", fontsize=12)


def fig_valley(runs):
    scales, paths = runs.get("valley", _valley_paths)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    _valley_axes(ax, scales)
    ax.plot(*paths["SGD"].T, "o-", ms=3, lw=1.5, label="SGD, 60 steps")
    ax.legend(fontsize=12)
    return fig


def fig_optimizers(runs):
    scales, paths = runs.get("valley", _valley_paths)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    _valley_axes(ax, scales)
    for name, path in paths.items():
        ax.plot(*path.T, "o-", ms=2.5, lw=1.5, label=name)
    ax.legend(fontsize=12, ncols=4, loc="upper center")
    return fig


def fig_history(runs):
    *_, history, _ = spirals(runs)
    return viz.plot_history(history, metrics=("loss", "accuracy"))


def fig_boundary(runs):
    X, y, model, *_ = spirals(runs)
    return viz.plot_decision_boundary(model, X, y)


def fig_overfit(runs):
    X_all, y_all = dm.datasets.moons(n=400, noise=0.35, seed=3)
    X, y, X_val, y_val = X_all[:40], y_all[:40], X_all[40:], y_all[40:]
    big = dm.Sequential(
        [dm.Dense(2, 128), dm.ReLU(), dm.Dense(128, 128), dm.ReLU(), dm.Dense(128, 2)]
    )
    big.initialize(np.random.default_rng(0))
    _, history, _ = train(big, X, y, epochs=200, lr=1e-2, validation=(X_val, y_val))
    return viz.plot_history(history, metrics=("loss",))


def fig_digits(runs):
    X, y = dm.datasets.digits()
    order = np.random.default_rng(0).permutation(len(X))
    held_out, rows = order[:HELD_OUT], order[HELD_OUT:]
    model = dm.Sequential([dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 10)], seed=0)
    train(model, X[rows], y[rows], epochs=30, lr=1e-2)
    predicted = np.argmax(model.predict(X[held_out]), axis=1)
    runs.facts["digits_accuracy"] = f"{np.mean(predicted == y[held_out]):.1%}"
    runs.facts["digits_test"] = str(len(held_out))
    runs.facts["digits_wrong"] = str(int(np.sum(predicted != y[held_out])))
    right = np.flatnonzero(predicted == y[held_out])[:6]
    wrong = np.flatnonzero(predicted != y[held_out])[:6]
    rows = {
        "read right: the network's answer above each digit": right,
        "read wrong: the network's answer in red, (is) the true digit": wrong,
    }
    fig = plt.figure(figsize=(9, 4.2), layout="constrained")
    for subfig, (legend, indices) in zip(fig.subfigures(2, 1), rows.items()):
        subfig.suptitle(legend)
        for ax, index in zip(subfig.subplots(1, 6), indices):
            ok = predicted[index] == y[held_out][index]
            ax.imshow(X[held_out][index].reshape(8, 8), cmap="gray_r")
            ax.set_title(
                f"{predicted[index]}" if ok else f"{predicted[index]} (is {y[held_out][index]})",
                color="black" if ok else "crimson",
            )
        for ax in subfig.axes:
            ax.set_axis_off()
    return fig


def fig_changes(runs):
    _, _, recorder = moons_recorded(runs)
    return viz.plot_weight_changes(recorder.weights[0], recorder.weights[-1])
