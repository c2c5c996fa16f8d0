"""Build the talk "Demystifying Neural Networks" as an offline reveal.js deck.

    python slides/build.py [--out slides/build] [--pdf] [--start 10:30]

The source is `slides/talk.md`: slides separated by `---` lines, speaker notes
after a line `Note:`, maths between `$` or `$$`. What the build adds:

* ``{{figure NAME}}`` (or ``{{figures A B}}``, side by side): a figure drawn now
  by `demystify.viz` from seeded runs of the library (see `FIGURES`).
* ``{{stepper}}``: the backward pass as pictures, one fragment per step
  (`dm.viz.BackpropStepper`'s own static views when the package has them).
* ``{{source module:Qualified.name}}``: the package's real source, read with
  `inspect`, without docstrings and ``# shown in notebooks/...`` markers; a
  piece longer than `MAX_CODE_LINES` fails the build, so the code on a slide
  stays readable at the back of the room.
* ``{{loc core}}``, ``{{loc ring}}``, ``{{loc extras}}``, ``{{loc table}}``,
  ``{{loc verdict}}``: the line count measured now by `tests/loc_counter.py`
  (the rule of ``../shared/tools/loc.py``); ``{{fact NAME}}``: a number or
  table measured while drawing the figures; ``{{agenda}}``: the sections with
  their minutes.
* Directives, one per line in a slide: ``<!-- section: NAME -->`` starts a
  section of the talk, ``<!-- notebook: 04 -->`` points at the notebook to
  open live (the build fails if it does not exist), ``<!-- fragments -->``
  shows the slide's list items one at a time, ``<!-- class: NAME -->``.
* A time mark: every slide's notes begin with ``⏱ MINUTES`` (minutes since the
  start, strictly increasing, within the 90 minutes). It becomes "⏱ 10:55 ·
  25 min" in the notes, the clock in the slide-number corner (30, 60 and 80
  minutes are checkpoints, in red), and reveal.js's pacing timer in the
  speaker view (press S).

reveal.js and KaTeX come from pinned npm packages (`slides/package.json`,
installed with `npm ci` when missing) and are copied next to the deck, so it
opens from disk with no network at all. ``--pdf`` also prints the handout
`talk.pdf` (every slide and every fragment stage) with headless Chromium.
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # build on a machine without a screen
import matplotlib.pyplot as plt  # noqa: E402
import mistune  # noqa: E402
import numpy as np  # noqa: E402

import demystify as dm  # noqa: E402
from demystify import viz  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TALK_MINUTES = 90
CHECKPOINTS = (30, 60, 80)  # minutes a speaker checks the clock against
MAX_CODE_LINES = 15  # a longer piece of source is refused: it would not read at the back
CODE_WIDTH_PX = 1180  # the code block's width on the 1280-pixel slide
CODE_HEIGHT_PX = 440
DPI = 150  # figures are shown larger than their matplotlib size: keep them sharp


class BuildError(SystemExit):
    """A problem in talk.md or in what it points at, said in plain words."""

    def __init__(self, message: str):
        super().__init__(f"slides/build.py: {message}")


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Runs:
    """The seeded training runs several figures share, each computed once."""

    cache: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    def get(self, name, compute):
        if name not in self.cache:
            self.cache[name] = compute()
        return self.cache[name]


def _moons():
    return dm.datasets.moons(n=200, noise=0.15, seed=0)


def _train(model, X, y, epochs, lr=2e-2, loss=None, **kw):
    recorder = viz.record(model)
    history = dm.fit(
        model,
        loss or dm.SoftmaxCrossEntropy(),
        dm.Adam(model.parameters(), lr=lr),
        X,
        y,
        epochs=epochs,
        batch_size=32,
        verbose=0,
        callbacks=[recorder],
        **kw,
    )
    return model, history, recorder


def _spirals(runs: Runs):
    def compute():
        X, y = dm.datasets.spirals(n=300, classes=3, seed=0)
        model = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 3)], seed=0)
        return (X, y, *_train(model, X, y, epochs=60, validation=0.2))

    return runs.get("spirals", compute)


def _small():
    return dm.Sequential([dm.Dense(3, 4), dm.Tanh(), dm.Dense(4, 2)], seed=1)


def fig_network(runs):
    return viz.draw_network(_small())


def fig_weights(runs):
    return viz.plot_weights(_small())


def fig_before_after(runs):
    X, y = _moons()
    untrained = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 2)], seed=0)
    trained, history, _ = _train(
        dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 2)], seed=0), X, y, epochs=60
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
    X, y = _moons()
    linear = dm.Sequential([dm.Dense(2, 16), dm.Dense(16, 16), dm.Dense(16, 2)], seed=0)
    bent = dm.Sequential([dm.Dense(2, 16), dm.ReLU(), dm.Dense(16, 16), dm.ReLU(), dm.Dense(16, 2)])
    bent.initialize(np.random.default_rng(0))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    for ax, model, title in (
        (axes[0], linear, "three Dense, no activation"),
        (axes[1], bent, "with ReLU"),
    ):
        _train(model, X, y, epochs=60)
        accuracy = dm.accuracy(model.predict(X), y)
        viz.plot_decision_boundary(model, X, y, ax=ax, title=f"{title}: {accuracy:.0%} right")
    return fig


def fig_activations(runs):
    grid = np.linspace(-4, 4, 401).reshape(-1, 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained")
    for ax, activation in zip(axes, (dm.ReLU(), dm.Sigmoid(), dm.Tanh())):
        y = activation.forward(grid)
        slope = activation.backward(np.ones_like(grid))  # f'(x): the chain rule with dL/dy = 1
        ax.plot(grid, y, lw=2.5, label="f(x)")
        ax.plot(grid, slope, "--", lw=2, label="f′(x)")
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


def _stepper_inputs():
    model = dm.Sequential([dm.Dense(2, 3), dm.ReLU(), dm.Dense(3, 2)], seed=0)
    X, y = dm.datasets.xor(n=4, seed=0)
    return model, X, y


def _figure_of(item):
    """A Figure, an Axes, or PNG bytes from a static view: what savefig or a file needs."""
    if isinstance(item, (bytes, bytearray)):
        return bytes(item)
    return getattr(item, "figure", item)


def _stepper_own_views(Stepper) -> list:
    """The stepper's own static figures of the stages worth a slide each.

    The first forward product, the loss gradient, every ``dW``/``dA`` product of the
    backward pass, and the first update (the stepper has every stage in between too).
    """
    model, X, y = _stepper_inputs()
    stepper = Stepper(model, dm.SoftmaxCrossEntropy(), X, y, lr=0.5)
    chosen, seen = [], set()
    for index, stage in enumerate(stepper.stages):
        first_of_phase = stage.phase not in seen
        seen.add(stage.phase)
        backward_product = stage.phase == "backward" and stage.name[:2] in ("dW", "dA")
        if (first_of_phase and stage.phase in ("forward", "backward", "update")) or (
            backward_product
        ):
            chosen.append(index)
    return [_figure_of(stepper.static_figure(index)) for index in chosen]


def _drawn_steps() -> list:
    """The backward pass as four drawings of the network (a package without the stepper)."""
    model, _, _ = _stepper_inputs()
    steps = [
        (dict(layer=0), "forward: h = ReLU(x W₁ + b₁)"),
        (dict(layer=1), "forward: ŷ = h W₂ + b₂, then the loss L"),
        (dict(layer=1, backward=True), "backward: ∂L/∂W₂ = hᵀ g,   g ← g W₂ᵀ"),
        (dict(layer=0, backward=True), "backward: ∂L/∂W₁ = xᵀ g (through ReLU′)"),
    ]
    views = []
    for options, title in steps:
        fig = _figure_of(viz.draw_network(model, **options))
        fig.suptitle(title, fontsize=15)
        views.append(fig)
    return views


def stepper_views(runs: Runs) -> list:
    """The stepper's pictures: `dm.viz.BackpropStepper`'s own static views when it exists."""
    Stepper = getattr(viz, "BackpropStepper", None)
    if Stepper is not None:
        try:
            views = _stepper_own_views(Stepper)
            if views:
                runs.facts["stepper_source"] = "dm.viz.BackpropStepper.static_figure"
                return views
        except Exception as error:  # a widget still being built must not stop the talk
            print(f"note: dm.viz.BackpropStepper gave no static views ({error}); drawing instead")
    runs.facts["stepper_source"] = "dm.viz.draw_network"
    return _drawn_steps()


def _valley_paths():
    """Four optimizers of the package walking down one long, narrow valley."""
    scales = np.array([1.0, 12.0])  # L(w) = 0.5 * (w0**2 + 12 * w1**2): steep across, flat along

    def walk(make, steps=60):
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
    *_, history, _ = _spirals(runs)
    return viz.plot_history(history, metrics=("loss", "accuracy"))


def fig_boundary(runs):
    X, y, model, *_ = _spirals(runs)
    return viz.plot_decision_boundary(model, X, y)


def fig_overfit(runs):
    X_all, y_all = dm.datasets.moons(n=400, noise=0.35, seed=3)
    X, y, X_val, y_val = X_all[:40], y_all[:40], X_all[40:], y_all[40:]
    big = dm.Sequential(
        [dm.Dense(2, 128), dm.ReLU(), dm.Dense(128, 128), dm.ReLU(), dm.Dense(128, 2)]
    )
    big.initialize(np.random.default_rng(0))
    _, history, _ = _train(big, X, y, epochs=200, lr=1e-2, validation=(X_val, y_val))
    return viz.plot_history(history, metrics=("loss",))


def fig_digits(runs):
    X, y = dm.datasets.digits()
    order = np.random.default_rng(0).permutation(len(X))
    test, train = order[:360], order[360:]
    model = dm.Sequential([dm.Dense(64, 64), dm.ReLU(), dm.Dense(64, 10)], seed=0)
    _train(model, X[train], y[train], epochs=30, lr=1e-2)
    predicted = np.argmax(model.predict(X[test]), axis=1)
    runs.facts["digits_accuracy"] = f"{np.mean(predicted == y[test]):.1%}"
    runs.facts["digits_test"] = str(len(test))
    runs.facts["digits_wrong"] = str(int(np.sum(predicted != y[test])))
    wrong = np.flatnonzero(predicted != y[test])[:6]
    right = np.flatnonzero(predicted == y[test])[: 12 - len(wrong)]
    fig, axes = plt.subplots(2, 6, figsize=(9, 3.6), layout="constrained")
    for ax, index in zip(axes.ravel(), np.concatenate([right, wrong])):
        ok = predicted[index] == y[test][index]
        ax.imshow(X[test][index].reshape(8, 8), cmap="gray_r")
        ax.set_title(
            f"{predicted[index]}" if ok else f"{predicted[index]} (is {y[test][index]})",
            color="black" if ok else "crimson",
            fontsize=13,
        )
        ax.set_axis_off()
    return fig


def _moons_recorded(runs: Runs):
    def compute():
        X, y = _moons()
        model = dm.Sequential(
            [dm.Dense(2, 8), dm.Tanh(), dm.Dense(8, 8), dm.Tanh(), dm.Dense(8, 2)], seed=0
        )
        return _train(model, X, y, epochs=20)

    return runs.get("moons_recorded", compute)


def fig_dashboard(runs):
    try:
        dash = viz.Dashboard("moons", hidden="8,8", activation="tanh", optimizer="adam", lr=0.03)
        if "redraw" in inspect.signature(dash.step).parameters:
            dash.step(40, redraw=False)
        else:
            dash.step(40)
        figure = dash.static_figure()
        runs.facts["dashboard_source"] = "dm.viz.Dashboard.static_figure"
        return figure
    except Exception as error:  # the dashboard is growing: its static view may move
        print(f"note: dm.viz.Dashboard gave no static figure ({error}); plotting a recording")
    runs.facts["dashboard_source"] = "dm.viz.plot_recording"
    return viz.plot_recording(_moons_recorded(runs)[2])


def fig_changes(runs):
    _, _, recorder = _moons_recorded(runs)
    return viz.plot_weight_changes(recorder.weights[0], recorder.weights[-1])


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
    X, y = _moons()

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


class _MeanBias(dm.Dense):
    """Notebook 04's planted bug: the bias gradient averaged over the batch instead of summed."""

    def backward(self, grad_out, input_grad=True):
        xp = dm.backend.namespace()
        self.weights.accumulate(xp.matmul(self.cache.T, grad_out))
        self.bias.accumulate(xp.mean(grad_out, axis=0))
        return xp.matmul(grad_out, self.weights.value.T) if input_grad else None


def measured_facts(facts: dict) -> None:
    """Numbers the slides quote that need no figure: a FLOP count and a gradient check."""
    sizes, batch = (784, 256, 128, 10), 128
    rows = ["| layer | forward x @ W | backward (two products) |", "|---|---|---|"]
    forward = backward = 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        flops = 2 * batch * n_in * n_out
        forward, backward = forward + flops, backward + 2 * flops
        rows.append(f"| {n_in} → {n_out} | {flops / 1e6:.1f} MFLOP | {2 * flops / 1e6:.1f} MFLOP |")
    elementwise = batch * sum(sizes[1:]) * 8  # bias, ReLU and its derivative, the loss: a few each
    share = (forward + backward) / (forward + backward + elementwise)
    facts["flops_table"] = "\n".join(rows)
    facts["matmul_share"] = f"{share:.1%}"
    rng = np.random.default_rng(0)
    model = dm.Sequential([dm.Dense(4, 5), dm.Tanh(), _MeanBias(5, 3)], seed=0)
    errors = dm.gradcheck(
        model, dm.SoftmaxCrossEntropy(), rng.normal(size=(6, 4)), np.arange(6) % 3
    )
    rows = ["| parameter | relative error | |", "|---|---|---|"]
    for name, error in errors.items():
        rows.append(f"| `{name}` | {error:.1e} | {'✔' if error < 1e-6 else '✘ a bug'} |")
    facts["gradcheck_table"] = "\n".join(rows)


FIGURES = {
    name.removeprefix("fig_"): function
    for name, function in list(globals().items())
    if name.startswith("fig_") and callable(function)
}


def _save(item, path: Path) -> None:
    if isinstance(item, bytes):
        path.write_bytes(item)
        return
    item.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(item)


def make_figures(folder: Path, wanted: set[str], runs: Runs) -> dict[str, str]:
    """Draw the figures talk.md uses; returns name -> path relative to the deck."""
    folder.mkdir(parents=True, exist_ok=True)
    unknown = wanted - set(FIGURES) - {"stepper"}
    if unknown:
        raise BuildError(
            f"talk.md asks for unknown figures {sorted(unknown)}; known: {sorted(FIGURES)}"
        )
    names = {}
    for name in sorted(wanted - {"stepper"}):
        _save(_figure_of(FIGURES[name](runs)), folder / f"{name}.png")
        names[name] = f"figures/{name}.png"
    if "stepper" in wanted:
        for index, view in enumerate(stepper_views(runs)):
            _save(view, folder / f"stepper-{index}.png")
            names[f"stepper-{index}"] = f"figures/stepper-{index}.png"
    return names


# --- code from the package ----------------------------------------------------------------------

MARKER = re.compile(r"^\s*# shown in notebooks/")


def source_of(reference: str) -> str:
    """The source of ``module:Qualified.name`` without docstrings and notebook markers.

    Refuses (BuildError) a name that does not exist, or a piece longer than
    `MAX_CODE_LINES` once the docstrings are gone.
    """
    module_name, _, qualname = reference.partition(":")
    try:
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        text = textwrap.dedent(inspect.getsource(target))
    except (ImportError, AttributeError, TypeError, OSError) as error:
        raise BuildError(f"{{{{source {reference}}}}}: no such source ({error})") from None
    drop, placeholder = set(), {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if ast.get_docstring(node, clean=False) is not None:
                doc = node.body[0]
                drop.update(range(doc.lineno, doc.end_lineno + 1))
                if len(node.body) == 1:  # nothing but a docstring: keep the body valid
                    placeholder[doc.lineno] = " " * doc.col_offset + "..."
    kept: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in placeholder:
            kept.append(placeholder[number])
        elif number in drop or MARKER.match(line):
            continue
        elif not line.strip() and (not kept or not kept[-1].strip() or kept[-1].endswith(":")):
            continue  # no blank line at the top, twice in a row, or where a docstring was
        else:
            kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    if len(kept) > MAX_CODE_LINES:
        raise BuildError(
            f"{{{{source {reference}}}}} is {len(kept)} lines without its docstring; a slide "
            f"shows at most {MAX_CODE_LINES}, so choose a smaller function or method"
        )
    return "\n".join(kept)


def code_block(code: str) -> str:
    """A <pre> whose font size lets the longest line and all the lines fit the slide."""
    lines = code.splitlines()
    longest = max(len(line) for line in lines)
    size = min(24, CODE_WIDTH_PX / (0.61 * longest + 2), CODE_HEIGHT_PX / (1.3 * len(lines) + 0.8))
    if size < 15:
        raise BuildError(f"code too wide for a slide ({longest} characters): {lines[0]!r}")
    return (
        f'<pre class="code" style="font-size: {size:.1f}px"><code class="language-python" '
        f"data-trim>{html.escape(code)}</code></pre>"
    )


# --- the line count -------------------------------------------------------------------------------


def line_count() -> dict:
    """core, ring and extras of the package, by the rule the test suite enforces."""
    sys.path.insert(0, str(ROOT / "tests"))
    import loc_counter  # the same rule as ../shared/tools/loc.py (tests/test_loc.py checks)

    counts = loc_counter.count_package(ROOT / "demystify")
    ring = {name: n for name, n in counts.items() if loc_counter.is_ring(name)}
    extras = {name: n for name, n in counts.items() if loc_counter.is_extra(name)}
    core = {name: n for name, n in counts.items() if name not in ring and name not in extras}
    return {
        "core": loc_counter.core(counts),
        "ring": sum(ring.values()),
        "extras": sum(extras.values()),
        "budget": loc_counter.BUDGET,
        "files": core,
    }


def loc_text(what: str, loc: dict) -> str:
    if what in ("core", "ring", "extras", "budget"):
        return f"{loc[what]:,}"
    if what == "verdict":
        over = loc["core"] - loc["budget"]
        if over <= 0:
            return f"within the {loc['budget']:,}-line budget, {-over} lines to spare"
        return f"{over} lines over the {loc['budget']:,}-line budget"
    if what == "panel":
        cells = [("core", loc["core"]), ("ring: Spark, evolution", loc["ring"])]
        cells.append(("extras: plots, widgets, data, checkers", loc["extras"]))
        items = "".join(f"<div><b>{n:,}</b><span>{name}</span></div>" for name, n in cells)
        return f'<div class="numbers">{items}</div>'
    if what == "table":
        biggest = sorted(loc["files"].items(), key=lambda item: -item[1])[:6]
        rows = " · ".join(f"{name} {n}" for name, n in biggest)
        return f'<p class="small">largest core modules: {rows}</p>'
    raise BuildError(
        f"unknown {{{{loc {what}}}}}: core, ring, extras, budget, verdict, panel, table"
    )


# --- talk.md -> slides -------------------------------------------------------------------------


@dataclass
class Slide:
    number: int
    body: str
    notes: str
    minute: int = 0
    section: str | None = None
    notebook: str | None = None
    fragments: bool = False
    classes: list[str] = field(default_factory=list)


DIRECTIVE = re.compile(r"^<!--\s*(section|notebook|fragments|class)\s*:?\s*(.*?)\s*-->\s*$", re.M)
TIME_MARK = re.compile(r"^⏱\s*(\d+)\s*$", re.M)


def parse(talk: str) -> list[Slide]:
    """Slides with their directives and time marks, checked."""
    parts = [part.strip() for part in re.split(r"^---$", talk, flags=re.M)]
    slides = []
    for number, part in enumerate((p for p in parts if p), start=1):
        body, marker, notes = part.partition("\nNote:")
        if not marker or not notes.strip():
            raise BuildError(f"slide {number} has no speaker notes (a line 'Note:' and text)")
        mark = TIME_MARK.search(notes)
        if not mark:
            raise BuildError(f"slide {number}: its notes need a time mark, a line '⏱ MINUTES'")
        slide = Slide(number, body, TIME_MARK.sub("", notes, count=1).strip(), int(mark.group(1)))
        for key, value in DIRECTIVE.findall(body):
            if key == "section":
                slide.section = value
            elif key == "notebook":
                slide.notebook = notebook_path(value, number)
            elif key == "fragments":
                slide.fragments = True
            else:
                slide.classes += value.split()
        slide.body = DIRECTIVE.sub("", body).strip()
        slides.append(slide)
    minutes = [slide.minute for slide in slides]
    if minutes[0] != 0 or any(b <= a for a, b in zip(minutes, minutes[1:])):
        raise BuildError(f"time marks must start at 0 and grow slide by slide: {minutes}")
    if minutes[-1] >= TALK_MINUTES:
        raise BuildError(f"the last slide starts at minute {minutes[-1]}, after the talk's end")
    missing = [m for m in CHECKPOINTS if m not in minutes]
    if missing:
        raise BuildError(f"no slide is marked at the checkpoint minutes {missing}")
    if slides[0].section is None:
        raise BuildError("the first slide must start a section (<!-- section: NAME -->)")
    return slides


def notebook_path(number: str, slide: int) -> str:
    found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    if len(found) != 1:
        raise BuildError(f"slide {slide} points at notebook {number!r}, which does not exist")
    return f"notebooks/{found[0].name}"


def clock(minute: int, start: str) -> str:
    hours, minutes = map(int, start.split(":"))
    total = hours * 60 + minutes + minute
    return f"{total // 60:02d}:{total % 60:02d}"


def sections(slides: list[Slide]) -> list[tuple[str, int, int, int]]:
    """(name, first minute, last minute, slide count) for every section, in order."""
    out = []
    for slide in slides:
        if slide.section is not None:
            out.append([slide.section, slide.minute, 0])
        out[-1][2] += 1
    ends = [start for _, start, _ in out[1:]] + [TALK_MINUTES]
    return [(name, start, end, count) for (name, start, count), end in zip(out, ends)]


def agenda(slides: list[Slide], start: str) -> str:
    rows = "".join(
        f"<tr><td>{clock(begin, start)}</td><td>{html.escape(name)}</td>"
        f"<td>{end - begin} min</td></tr>"
        for name, begin, end, _ in sections(slides)[1:]
    )
    return f'<table class="agenda"><tbody>{rows}</tbody></table>'


def render_slide(
    slide: Slide, slides: list[Slide], figures: dict, loc: dict, facts: dict, start: str
) -> str:
    """One slide's markdown (with placeholders) -> a reveal.js <section>."""
    protected: list[str] = []

    def protect(text: str) -> str:  # keep maths and HTML away from the markdown parser
        protected.append(text)
        return f"PROTECTED{len(protected) - 1}X"

    def image(name: str, height: int) -> str:
        return f'<img class="figure" src="{figures[name]}" alt="{name}" style="height: {height}px">'

    def images(argument: str, height: int) -> str:
        words = argument.split()
        if words and words[-1].isdigit():  # {{figure NAME 300}}: its height on the slide
            height = int(words.pop())
        return "".join(image(name, height) for name in words)

    def stepper() -> str:
        views = sorted((n for n in figures if n.startswith("stepper-")), key=lambda n: int(n[8:]))
        # the first view shows at once; step k swaps view k for view k + 1 (the last one stays)
        items = []
        for k, name in enumerate(views):
            if len(views) == 1:
                kind, step = "", None
            elif k == 0:
                kind, step = " fragment fade-out", 0
            else:
                kind = " fragment " + ("fade-in" if k == len(views) - 1 else "fade-in-then-out")
                step = k - 1
            index = "" if step is None else f' data-fragment-index="{step}"'
            items.append(f'<img class="figure{kind}"{index} src="{figures[name]}" alt="{name}">')
        items = "".join(items)
        return f'<div class="r-stack">{items}</div>'

    def placeholder(match: re.Match) -> str:
        kind, argument = match.group(1), (match.group(2) or "").strip()
        if kind == "figure":
            return protect(images(argument, 420))
        if kind == "figures":
            return protect(f'<div class="pair">{images(argument, 360)}</div>')
        if kind == "stepper":
            return protect(stepper())
        if kind == "source":
            return protect(code_block(source_of(argument)))
        if kind == "loc":
            text = loc_text(argument, loc)
            return protect(text) if text.startswith("<") else text
        if kind == "fact":
            if argument not in facts:
                raise BuildError(f"slide {slide.number}: unknown {{{{fact {argument}}}}}")
            return facts[argument]
        if kind == "agenda":
            return protect(agenda(slides, start))
        raise BuildError(f"slide {slide.number}: unknown placeholder {match.group(0)}")

    body = re.sub(
        r"\$\$.+?\$\$|\$[^$\n]+\$",
        lambda m: protect(html.escape(m.group(0))),
        slide.body,
        flags=re.S,
    )
    body = re.sub(r"\{\{(\w+)(?: ([^}]*))?\}\}", placeholder, body)
    rendered = mistune.html(body)
    if slide.fragments:
        rendered = rendered.replace("<li>", '<li class="fragment">')
    for index in reversed(range(len(protected))):  # a protected piece may hold an earlier one
        rendered = rendered.replace(f"<p>PROTECTED{index}X</p>", protected[index])
        rendered = rendered.replace(f"PROTECTED{index}X", protected[index])
    if slide.notebook:
        rendered += f'\n<p class="open">▶ open <code>{slide.notebook}</code></p>'
    checkpoint = slide.minute in CHECKPOINTS
    when = f"◷ {clock(slide.minute, start)} · {slide.minute} min"  # ⏱ is missing from many fonts
    notes = [f"<p><strong>{when}</strong>" + (" — checkpoint" if checkpoint else "") + "</p>"]
    if slide.notebook:
        notes.append(f"<p>Open <code>{slide.notebook}</code> live.</p>")
    spoken = re.sub(r"\{\{(fact|loc) (\w+)\}\}", lambda m: placeholder(m), slide.notes)
    notes.append(mistune.html(spoken))
    following = [s.minute for s in slides if s.minute > slide.minute]
    seconds = ((following[0] if following else TALK_MINUTES) - slide.minute) * 60
    attributes = {
        "data-minute": slide.minute,
        "data-clock": clock(slide.minute, start),
        "data-timing": seconds,
        "data-checkpoint": "true" if checkpoint else None,
        "class": " ".join(slide.classes) or None,
    }
    attrs = "".join(f' {key}="{value}"' for key, value in attributes.items() if value is not None)
    return (
        f'<section{attrs}>\n{rendered}\n<aside class="notes">{"".join(notes)}</aside>\n</section>'
    )


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Demystifying Neural Networks</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="lib/reveal.js/dist/reset.css">
<link rel="stylesheet" href="lib/reveal.js/dist/reveal.css">
<link rel="stylesheet" href="lib/reveal.js/dist/theme/white.css">
<link rel="stylesheet" href="lib/reveal.js/plugin/highlight/monokai.css">
<style>
  .reveal {{ --r-main-font-size: 32px; --r-heading1-size: 2.1em; --r-heading2-size: 1.45em; }}
  .reveal h1, .reveal h2, .reveal h3 {{ text-transform: none; }}
  .reveal h2 {{ margin-bottom: 0.45em; }}
  .reveal p, .reveal ul, .reveal ol {{ margin: 0.35em 0; }}
  .reveal ul ul {{ font-size: 0.9em; }}
  .reveal img.figure {{ display: block; margin: 0.3em auto; max-width: 100%; object-fit: contain;
    border: none; box-shadow: none; }}
  .reveal .pair {{ display: flex; justify-content: center; align-items: center; gap: 16px; }}
  .reveal .pair img.figure {{ max-width: 49%; margin: 0.2em 0; }}
  .reveal .r-stack img.figure {{ width: 100%; }}
  .reveal pre.code {{ width: 100%; margin: 0.4em 0; box-shadow: none; }}
  .reveal pre.code code {{ max-height: none; padding: 0.45em 0.7em; line-height: 1.3;
    border-radius: 6px; }}
  .reveal .katex-display {{ margin: 0.4em 0; }}
  .reveal .open {{ font-size: 0.62em; color: #555; margin-top: 0.6em; }}
  .reveal .open code {{ color: #1a5fa8; }}
  .reveal table {{ font-size: 0.8em; margin: 0.3em auto; }}
  .reveal table.agenda td {{ padding: 0.12em 0.7em; border-bottom: 1px solid #ddd; }}
  .reveal table.agenda {{ font-size: 0.66em; }}
  .reveal .slide-number {{ left: 8px; right: auto; font: 16px "DejaVu Sans", sans-serif;
    background: rgba(0, 0, 0, 0.5); }}
  .reveal .slide-number .checkpoint {{ color: #ffdf6b; font-weight: bold; }}
  .reveal .title h1 {{ margin-bottom: 0.2em; }}
  .reveal .small {{ font-size: 0.62em; color: #444; }}
  .reveal pre.text {{ font-size: 17px; width: 100%; box-shadow: none; }}
  .reveal pre.text code {{ max-height: none; background: #f6f6f6; color: #222; }}
  .reveal .numbers {{ display: flex; justify-content: center; gap: 60px; margin: 0.5em 0; }}
  .reveal .numbers div {{ display: flex; flex-direction: column; align-items: center; }}
  .reveal .numbers b {{ font-size: 2.3em; color: #1a5fa8; }}
  .reveal .numbers div:first-child b {{ color: #c0392b; }}
  .reveal .numbers span {{ font-size: 0.6em; color: #555; max-width: 9em; text-align: center; }}
  .reveal .slide-number.slide-number-pdf {{ left: auto; right: 8px; }}
  .pdf-page .clock-pdf {{ position: absolute; left: 10px; bottom: 8px; font: 14px "DejaVu Sans";
    color: #777; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{slides}
</div></div>
<script src="lib/reveal.js/dist/reveal.js"></script>
<script src="lib/reveal.js/plugin/notes/notes.js"></script>
<script src="lib/reveal.js/plugin/highlight/highlight.js"></script>
<script src="lib/reveal.js/plugin/math/math.js"></script>
<script>
  // the corner: slide number, then the clock time at which this slide should start
  function clockMark(slide) {{
    if (!slide || !slide.dataset) return [""];
    const number = Reveal.getSlides().indexOf(slide) + 1;
    const mark = `${{slide.dataset.clock}} · ${{slide.dataset.minute}}′`;
    const when = slide.dataset.checkpoint
      ? `<span class="checkpoint">◷ ${{mark}}</span>` : `◷ ${{mark}}`;
    return [`${{number}}/${{Reveal.getTotalSlides()}}  ${{when}}`];
  }}
  Reveal.on("pdf-ready", () => {{  // the handout carries the clock too
    for (const page of document.querySelectorAll(".pdf-page")) {{
      const slide = page.querySelector("section");
      if (!slide || page.querySelector(".clock-pdf")) continue;
      const mark = document.createElement("div");
      mark.className = "clock-pdf";
      mark.textContent = `◷ ${{slide.dataset.clock}} · ${{slide.dataset.minute}} min`;
      page.appendChild(mark);
    }}
    window.deckPdfReady = true;
  }});
  Reveal.initialize({{
    hash: true, slideNumber: clockMark, width: 1280, height: 720, margin: 0.04, center: true,
    totalTime: {total_seconds}, pdfSeparateFragments: true, pdfMaxPagesPerSlide: 1,
    katex: {{ local: "lib/katex", delimiters: [
      {{left: "$$", right: "$$", display: true}}, {{left: "$", right: "$", display: false}}] }},
    plugins: [RevealNotes, RevealHighlight, RevealMath.KaTeX]
  }});
</script>
</body>
</html>
"""


def install_web_assets(out: Path) -> None:
    """Pinned reveal.js and KaTeX from the npm registry (once), copied beside the deck."""
    modules = HERE / "node_modules"
    if (
        not (modules / "reveal.js" / "dist" / "reveal.js").exists()
        or not (modules / "katex" / "dist" / "katex.min.js").exists()
    ):
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError("building the slides needs npm (Node.js) to install reveal.js once")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True
        )
    lib = out / "lib"
    for package, parts in (("reveal.js", ("dist", "plugin")), ("katex", ("dist",))):
        for part in parts:
            destination = lib / package / part
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(modules / package / part, destination)


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        raise BuildError("the PDF handout needs Debian's chromium (apt-get install chromium)")
    return found


def export_pdf(index: Path) -> Path:
    """Print every slide and fragment stage (reveal.js print-pdf) with headless Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BuildError('the PDF handout needs playwright (pip install ".[dev]")') from None
    pdf = index.with_name("talk.pdf")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("file://") else route.abort()
                ),
            )
            page.goto(index.as_uri() + "?print-pdf")
            page.wait_for_function("() => window.deckPdfReady === true", timeout=60000)
            page.wait_for_function(
                "() => [...document.images].every(img => img.complete)", timeout=30000
            )
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    return pdf


def outline(slides: list[Slide], start: str) -> str:
    lines = [f"{'start':>5}  {'min':>3}  {'slides':>6}  section"]
    for name, begin, end, count in sections(slides):
        lines.append(f"{clock(begin, start):>5}  {end - begin:>3}  {count:>6}  {name}")
    return "\n".join(lines)


def build(out: Path, pdf: bool = False, start: str = "10:30") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    slides = parse((HERE / "talk.md").read_text(encoding="utf-8"))
    install_web_assets(out)
    wanted = set()
    for slide in slides:
        for kind, argument in re.findall(r"\{\{(figures?|stepper)(?: ([^}]*))?\}\}", slide.body):
            names = [word for word in argument.split() if not word.isdigit()]
            wanted.update(names if kind != "stepper" else ["stepper"])
    runs = Runs()
    measured_facts(runs.facts)
    figures = make_figures(out / "figures", wanted, runs)
    loc = line_count()
    sections_html = "\n".join(
        render_slide(slide, slides, figures, loc, runs.facts, start) for slide in slides
    )
    index = out / "index.html"
    page = PAGE.format(slides=sections_html, total_seconds=TALK_MINUTES * 60)
    index.write_text(page, encoding="utf-8")
    summary = {
        "slides": len(slides),
        "sections": [
            {"name": name, "start": clock(begin, start), "minutes": end - begin, "slides": count}
            for name, begin, end, count in sections(slides)
        ],
        "loc": {key: loc[key] for key in ("core", "ring", "extras", "budget")},
        "figures": {key: value for key, value in runs.facts.items() if key.endswith("_source")},
    }
    (out / "outline.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(f"built {len(slides)} slides into {index}")
    print(outline(slides, start))
    print(f"line count: core {loc['core']}, ring {loc['ring']}, extras {loc['extras']}")
    for key, value in summary["figures"].items():
        print(f"{key.removesuffix('_source')} figure from {value}")
    if pdf:
        print(f"wrote {export_pdf(index)}")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the offline reveal.js deck.")
    parser.add_argument("--out", type=Path, default=HERE / "build")
    parser.add_argument("--pdf", action="store_true", help="also print the handout talk.pdf")
    parser.add_argument("--start", default="10:30", help="the clock time the talk starts")
    args = parser.parse_args()
    build(args.out, pdf=args.pdf, start=args.start)


if __name__ == "__main__":
    main()
