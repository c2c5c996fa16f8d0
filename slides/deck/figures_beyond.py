"""Figures beyond one machine and beyond backprop: a Spark step, evolution against backprop."""

from __future__ import annotations

import matplotlib.pyplot as plt

import demystify as dm

from .runs import moons


def fig_spark(runs):
    """One data-parallel step: broadcast, partition sums, tree sum, one optimizer step."""
    fig, ax = plt.subplots(figsize=(11, 4.6), layout="constrained")
    ax.set_xlim(0, 11)
    ax.set_ylim(-0.9, 4.3)
    ax.set_axis_off()

    def box(x, y, text, colour, w=2.2, h=0.8):
        ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, fc=colour, ec="0.3", lw=1.2))
        ax.text(x, y, text, ha="center", va="center", fontsize=12)

    def arrow(a, b, colour, **style):
        ax.annotate("", b, a, arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.8, **style))

    box(1.3, 2.1, "driver\nweights w", "#dbe9f6", h=1.1)
    for k, y in enumerate((3.6, 2.1, 0.6)):
        box(5.3, y, f"partition {k + 1}\ngrad_sums(its rows)", "#fde9d9", w=2.8)
        arrow((2.4, 2.1), (3.9, y), "#1f77b4")
        arrow((6.7, y), (8.0, 2.1), "#d62728")
    box(9.1, 2.1, "tree sum\n÷ n rows", "#e2f0d9", h=1.1)
    ax.text(1.3, 3.2, "① broadcast w", color="#1f77b4", fontsize=12, ha="center")
    ax.text(9.1, 3.2, "② sums (L, ∇, n)", color="#d62728", fontsize=12, ha="center")
    arrow((9.1, 1.55), (1.3, 1.55), "#2ca02c", connectionstyle="arc3,rad=-0.42")
    ax.text(5.2, -0.8, "③ optimizer.step() on the driver, with the ordinary optimizer",
            color="#2ca02c", fontsize=12, ha="center")  # fmt: skip
    return fig


def fig_evolution(runs):
    X, y = moons()

    def net():
        return dm.Sequential([dm.Dense(2, 16), dm.Tanh(), dm.Dense(16, 1)], seed=0)

    loss = dm.BinaryCrossEntropy()
    fitness = dm.evolve.data_fitness(X, y)
    _, genetic = dm.evolve.genetic(net(), fitness, generations=80, population=40, verbose=0)
    _, strategy = dm.evolve.evolution_strategy(
        net(), fitness, generations=80, population=40, verbose=0
    )
    model = net()
    backprop = dm.fit(
        model, loss, dm.Adam(model.parameters(), lr=0.05), X, y.reshape(-1, 1),
        epochs=80, batch_size=len(X), verbose=0,
    )  # fmt: skip
    runs.facts["weights_moons"] = str(sum(p.size for p in model.parameters()))
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    ax.plot(backprop["loss"], lw=2.5, label="backprop + Adam (1 forward + 1 backward pass)")
    ax.plot(strategy["loss"], lw=2, label="evolution strategy (41 forward passes)")
    ax.plot(genetic["loss"], lw=2, label="genetic algorithm (40 forward passes)")
    ax.set_xlabel("step / generation", fontsize=12)
    ax.set_ylabel("loss", fontsize=12)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=11)
    return fig
