"""Checkers for the exercises of notebook 00; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

from .. import layers, model
from .harness import checker

__all__: list[str] = ["count_parameters"]


@checker
def count_parameters(run, count_parameters):
    """Check ``count_parameters(layer_sizes) -> int``: the weights and biases of a stack of
    dense layers, ``layer_sizes[0] -> layer_sizes[1] -> ...``; the library's own count is the
    reference."""
    for number, sizes in enumerate(([2, 3, 2], [784, 128, 10], [4, 16, 16, 3], [5, 1]), start=1):
        run.case = f"{number}, with layer_sizes {sizes}"
        pairs = list(zip(sizes[:-1], sizes[1:]))
        network = model.Sequential([layers.Dense(n_in, n_out) for n_in, n_out in pairs], seed=0)
        expected = sum(parameter.size for parameter in network.parameters())
        received = run.call(count_parameters, "count_parameters", {"layer_sizes": list(sizes)})
        weights = sum(n_in * n_out for n_in, n_out in pairs)
        run.compare(
            "the number of parameters",
            expected,
            received,
            scalar=True,
            mistakes=[
                (
                    "the biases are missing: every unit of every dense layer has one bias, "
                    "so add n_out for each layer",
                    weights,
                ),
                (
                    "one bias per output unit (n_out), not one per input (n_in)",
                    weights + sum(n_in for n_in, _ in pairs),
                ),
                (
                    "the input units have no bias (they are the data, not a layer's output): "
                    "only the units of layer_sizes[1:] have one",
                    weights + sum(sizes),
                ),
                (
                    "that counts units (the circles), not parameters: the parameters are the "
                    "arrows (n_in * n_out weights per layer) plus one bias per unit",
                    sum(sizes),
                ),
                (
                    "a layer from n_in to n_out units has n_in * n_out weights (every input to "
                    "every output), not n_in + n_out",
                    sum(n_in + n_out + n_out for n_in, n_out in pairs),
                ),
            ],
        )
