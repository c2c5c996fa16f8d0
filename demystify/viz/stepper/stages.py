"""The stages of one training step, made from its frozen snapshot.

Forward layer by layer (``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``, ...), the
loss (see `loss_stages`), backward from the loss to the first layer
(``dW2 = A1ᵀ @ dZ2``, ``db2 = Σ rows of dZ2``, ``dA1 = dZ2 @ W2ᵀ``,
``dZ1 = dA1 ⊙ relu′(Z1)``, ...), then the SGD update of each parameter and
the loss once more. Every stage before the update shows the weights before
it; each update stage shows the weights as they are after it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .loss_stages import LossView, gradient_stage, prediction_stages, value_stages
from .snapshot import Snapshot, is_dense
from .stage import Entry, Stage, column_sum, elementwise, product
from .text import number, shape, tex, tex_function


def activation_name(layer) -> str:
    """How formulas call an activation: ``relu``, ``tanh``, ``σ`` (from the layer's repr)."""
    name = repr(layer).split("(")[0].lower()
    return {"sigmoid": "σ"}.get(name, name)


class Trace:
    """The arrays of one training step by name (Z1, A1, ...), and the stages made of them."""

    def __init__(self, layers: list, snapshot: Snapshot, lr: float, loss_name: str):
        self.layers, self.snap, self.lr, self.loss_name = layers, snapshot, lr, loss_name
        self.n = len(snapshot.X)
        self.names, self.dense = [], {}  # Z1, A1, Z2, ...; position -> Dense number (1, 2, ...)
        for position, layer in enumerate(layers):
            if is_dense(layer):
                self.dense[position] = len(self.dense) + 1
            name = f"Z{len(self.dense)}" if is_dense(layer) else f"A{len(self.dense)}"
            while name in self.names or name == "X":
                name += "b"  # two activations in a row
            self.names.append(name)
        self.stage = partial(Stage, weights=list(snapshot.before))

    def input_name(self, position: int) -> str:
        return "X" if position == 0 else self.names[position - 1]

    def column(self, position: int) -> int:
        """The picture's column of units that layer `position` writes into."""
        return sum(1 for p in self.dense if p <= position)

    def parameter(self, position: int, kind: str) -> tuple[int, np.ndarray, np.ndarray]:
        """Index among the parameters, value before the step, and gradient."""
        index = self.snap.parameters.index(f"{position}.{kind}")
        return index, self.snap.before[index], self.snap.gradients[index]

    def stages(self) -> list[Stage]:
        """Every stage, in the order the step runs."""
        count = len(self.layers)
        stages = [self.forward(position) for position in range(count)]
        snap, last = self.snap, count - 1
        view = LossView(
            self.loss_name,
            self.names[-1],
            snap.outputs[-1],
            snap.predictions,
            snap.targets,
            snap.loss_value,
            snap.loss_gradient,
            self.column(last),
            self.stage,
        )
        stages += prediction_stages(view) + value_stages(view) + [gradient_stage(view)]
        for position in reversed(range(count)):
            stages += self.backward(position)
        return stages + self.updates()

    # forward ---------------------------------------------------------------------------------

    def forward(self, position: int) -> Stage:
        layer, x_name, z_name = (
            self.layers[position],
            self.input_name(position),
            self.names[position],
        )
        x, z, column = (
            self.snap.inputs[position],
            self.snap.outputs[position],
            self.column(position),
        )
        units = lambda i, j: [(column, j)]  # noqa: E731
        if position not in self.dense:
            f = activation_name(layer)
            return self.stage(
                "forward",
                f"{z_name} = {f}({x_name})",
                f"{tex(z_name)} = {tex_function(f)}({tex(x_name)})",
                {x_name: x, z_name: z},
                [f"{f}(", x_name, ")", "=", z_name],
                f"{shape(x)} → {shape(z)}, the same shape",
                f"{repr(layer)} bends every number by itself: each unit of this column "
                "applies it to its own input; nothing is mixed.",
                elementwise((z_name, z), [(x_name, x)], f"{f}({{0}})", units=units),
                column=column,
            )
        k = self.dense[position]
        _, W, _ = self.parameter(position, "weights")
        _, b, _ = self.parameter(position, "bias")
        w_name, b_name = f"W{k}", f"b{k}"
        return self.stage(
            "forward",
            f"{z_name} = {x_name} @ {w_name} + {b_name}",
            f"{tex(z_name)} = {tex(x_name)}\\,{tex(w_name)} + {tex(b_name)}",
            {x_name: x, w_name: W, b_name: b[None, :], z_name: z},
            [x_name, "@", w_name, "+", b_name, "=", z_name],
            f"{shape(x)} @ {shape(W)} + {shape(b)} → {shape(z)}",
            f"Row i of {x_name} is example i; column j of {w_name} holds the weights on the "
            f"arrows into unit j; every row gets the same bias {b_name}.",
            product(
                (z_name, z),
                (x_name, x),
                (w_name, W),
                bias=(b_name, b[None, :]),
                arrows=lambda i, j: [(k - 1, m, j) for m in range(len(W))],
                units=units,
            ),
            layer=k - 1,
            column=column,
        )

    # backward --------------------------------------------------------------------------------

    def backward(self, position: int) -> list[Stage]:
        if position in self.dense:
            stages = [self.weight_gradient(position), self.bias_gradient(position)]
            return stages + ([self.handed_back(position)] if position > 0 else [])
        if position == 0:
            return []  # nothing before it learns: the data needs no gradient
        layer, x_name, z_name = (
            self.layers[position],
            self.input_name(position),
            self.names[position],
        )
        g, dx, column = "d" + z_name, "d" + x_name, self.column(position)
        G, dX, slope = (
            self.snap.received[position],
            self.snap.handed[position],
            self.snap.slopes[position],
        )
        f = activation_name(layer)
        s = f"{f}′({x_name})"
        return [
            self.stage(
                "backward",
                f"{dx} = {g} ⊙ {s}",
                f"{tex(dx)} = {tex(g)} \\odot {tex_function(f)}'({tex(x_name)})",
                {g: G, s: slope, dx: dX},
                [g, "⊙", s, "=", dx],
                f"{shape(G)} ⊙ {shape(slope)} → {shape(dX)}, entry by entry",
                f"The chain rule through {layer!r}: each gradient times the slope of {f} at "
                "that unit's input (the layer's derivative).",
                elementwise(
                    (dx, dX), [(g, G), (s, slope)], "{0}·{1}", None, lambda i, j: [(column, j)]
                ),
                column=column,
                backward=True,
            )
        ]

    def weight_gradient(self, position: int) -> Stage:
        """``dWk = Xᵀ @ dZk``: one gradient per arrow, which the picture's arrows now carry."""
        k, x_name, column = self.dense[position], self.input_name(position), self.column(position)
        g, x, G = (
            "d" + self.names[position],
            self.snap.inputs[position],
            self.snap.received[position],
        )
        w_index, _, dW = self.parameter(position, "weights")
        w, xt = f"W{k}", f"{x_name}ᵀ"
        return self.stage(
            "backward",
            f"d{w} = {xt} @ {g}",
            f"{tex('d' + w)} = {tex(xt)}\\,{tex(g)}",
            {xt: x.T, g: G, "d" + w: dW},
            [xt, "@", g, "=", "d" + w],
            f"{shape(x.T)} @ {shape(G)} → {shape(dW)}, the shape of {w}",
            f"One gradient per arrow: d{w}[i,j] adds up, over the {self.n} examples, what "
            f"went into arrow i→j times the gradient at its end. Dense.backward leaves it "
            f"in {self.snap.parameters[w_index]}.grad; the arrows show it now.",
            product(
                ("d" + w, dW),
                (xt, x.T),
                (g, G),
                arrows=lambda i, j: [(k - 1, i, j)],
                units=lambda i, j: [(column - 1, i), (column, j)],
            ),
            layer=k - 1,
            column=column,
            backward=True,
            arrow_values=dW,
        )

    def bias_gradient(self, position: int) -> Stage:
        """``dbk = Σ rows of dZk``: every example used the same bias."""
        k, column = self.dense[position], self.column(position)
        g, G = "d" + self.names[position], self.snap.received[position]
        b_index, _, db = self.parameter(position, "bias")
        return self.stage(
            "backward",
            f"db{k} = Σ rows of {g}",
            f"{tex(f'db{k}')} = \\sum_i {tex(g)}[i, :]",
            {g: G, f"db{k}": db[None, :]},
            ["Σ rows of", g, "=", f"db{k}"],
            f"{shape(G)} summed over its rows → {shape(db)}",
            "Every example used the same bias, so its gradient is the sum over the batch "
            f"(in {self.snap.parameters[b_index]}.grad).",
            column_sum((f"db{k}", db[None, :]), (g, G), lambda i, j: [(column, j)]),
            column=column,
            backward=True,
        )

    def handed_back(self, position: int) -> Stage:
        """``dX = dZk @ Wkᵀ``: the gradient the layer hands to the one before it."""
        k, x_name, column = self.dense[position], self.input_name(position), self.column(position)
        g, dx = "d" + self.names[position], "d" + x_name
        G, dX = self.snap.received[position], self.snap.handed[position]
        _, W, _ = self.parameter(position, "weights")
        wt = f"W{k}ᵀ"
        return self.stage(
            "backward",
            f"{dx} = {g} @ {wt}",
            f"{tex(dx)} = {tex(g)}\\,{tex(wt)}",
            {g: G, wt: W.T, dx: dX},
            [g, "@", wt, "=", dx],
            f"{shape(G)} @ {shape(W.T)} → {shape(dX)}, the shape of {x_name}",
            f"The gradient flows back along the same arrows: unit j of {x_name} collects the "
            "gradient of every unit it feeds, times the weight of the arrow between them.",
            product(
                (dx, dX),
                (g, G),
                (wt, W.T),
                arrows=lambda i, j: [(k - 1, j, m) for m in range(W.shape[1])],
                units=lambda i, j: [(column - 1, j)],
            ),
            layer=k - 1,
            column=column - 1,
            backward=True,
        )

    # the update ------------------------------------------------------------------------------

    def updates(self) -> list[Stage]:
        """``W ← W − η dW`` for each parameter in turn, then the loss with the new weights."""
        weights, stages = list(self.snap.before), []
        for index, name in enumerate(self.snap.parameters):
            weights[index] = self.snap.after[index]
            stage = self.update(index, name)
            stage.weights = list(weights)
            stages.append(stage)
        before, after = self.snap.loss_value, self.snap.loss_after
        verdict = "lower" if after < before else "not lower"
        text = (
            f"L before = {number(before)}\nL after  = {number(after)}: {verdict}, "
            "for the same rows with the new weights"
        )
        check = self.stage(
            "update",
            "L again, with the new weights",
            "L_{\\mathrm{after}} = \\mathrm{loss}(\\mathrm{forward}(X),\\ Y)",
            {"L before": np.array([[before]]), "L after": np.array([[after]])},
            ["L before", "→", "L after"],
            "one number before the step, one after",
            "The same rows through the network again: one small step downhill.",
            lambda i, j: Entry(text, {"L before": [(0, 0)], "L after": [(0, 0)]}, [], []),
        )
        check.weights = list(weights)
        return stages + [check]

    def update(self, index: int, name: str) -> Stage:
        position, kind = int(name.split(".")[0]), name.split(".")[1]
        k, is_w, lr = self.dense[position], kind == "weights", self.lr
        symbol, column = f"{'W' if is_w else 'b'}{k}", self.column(position)
        old, grad, new = (
            np.atleast_2d(a)
            for a in (self.snap.before[index], self.snap.gradients[index], self.snap.after[index])
        )
        new_name = f"{symbol} new"
        return self.stage(
            "update",
            f"{symbol} ← {symbol} − {lr:g}·d{symbol}",
            f"{tex(symbol)} \\leftarrow {tex(symbol)} - \\eta\\, {tex('d' + symbol)}"
            f",\\quad \\eta = {lr:g}",
            {symbol: old, f"d{symbol}": grad, new_name: new},
            [symbol, f"− {lr:g} ×", f"d{symbol}", "=", new_name],
            f"{shape(self.snap.before[index])}: every number moves a little against its gradient",
            f"SGD.step on {name}: a number whose gradient is positive goes down, one whose "
            "gradient is negative goes up.",
            elementwise(
                (new_name, new),
                [(symbol, old), (f"d{symbol}", grad)],
                f"{{0}} − {lr:g}·{{1}}",
                arrows=(lambda i, j: [(k - 1, i, j)]) if is_w else None,
                units=None if is_w else (lambda i, j: [(column, j)]),
            ),
            layer=k - 1 if is_w else None,
            column=None if is_w else column,
        )


__all__ = ["Trace", "activation_name"]
