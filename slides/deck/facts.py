"""Numbers the slides quote that need no figure: a FLOP count and a gradient check."""

from __future__ import annotations

import numpy as np

import demystify as dm


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
