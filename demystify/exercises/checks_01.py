"""Checkers for the exercises of notebook 01; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

import ast
import inspect
import textwrap

import numpy as np

from .harness import cases, checker, dense_layer, describe
from .learner_code import no_python_loop

__all__: list[str] = ["neuron_forward", "dense_forward", "dense_forward_columns"]


@checker
def neuron_forward(run, neuron_forward):
    """Check ``neuron_forward(inputs, weights, bias) -> float``: a weighted sum plus a bias."""
    for number, (rng, n) in enumerate(zip(cases(), (3, 5, 1)), start=1):
        args = {
            "inputs": rng.normal(size=n),
            "weights": rng.normal(size=n),
            "bias": float(rng.normal()),
        }
        run.case = f"{number}, with {describe(args)}"
        inputs, weights, bias = args.values()
        expected = dense_layer(weights[:, None], [bias]).forward(inputs[None, :])[0, 0]
        received = run.call(neuron_forward, "neuron_forward", args)
        run.compare(
            "the output",
            expected,
            received,
            scalar=True,
            mistakes=[
                (
                    "you returned one number per input: add the products up into one number "
                    "(np.dot(inputs, weights) + bias)",
                    inputs * weights + bias,
                ),
                ("the bias is missing: add it once, after the weighted sum", inputs @ weights),
                (
                    "the bias was added to every product; add it once, to the sum",
                    np.sum(inputs * weights + bias),
                ),
            ],
        )
    run.case = "4, reading your code: the exercise asks for no Python loop"
    no_python_loop(
        run,
        neuron_forward,
        "neuron_forward",
        "the dot product adds up every product in one call: np.dot(inputs, weights) + bias",
    )


@checker
def dense_forward(run, dense_forward):
    """Check ``dense_forward(x, weights, bias) -> (batch, n_out)`` written as one matrix product
    with the bias folded into the weights: no ``+`` and no Python loop in its code."""
    shapes = ((4, 3, 3), (5, 3, 2), (1, 4, 6))  # (batch, n_in, n_out); square weights first
    for number, (rng, (batch, n_in, n_out)) in enumerate(zip(cases(), shapes), start=1):
        args = {
            "x": rng.normal(size=(batch, n_in)),
            "weights": rng.normal(size=(n_in, n_out)),
            "bias": rng.normal(size=n_out),
        }
        run.case = f"{number}, with {describe(args)}"
        x, weights, bias = args.values()
        received = run.call(dense_forward, "dense_forward", args, keep_inputs=True)
        run.compare(
            "the output",
            dense_layer(weights, bias).forward(x),
            received,
            mistakes=_dense_mistakes(x, weights, bias),
        )
    run.case = "4, reading your code: one matrix product, the bias folded in"
    _no_addition(run, dense_forward)
    no_python_loop(
        run,
        dense_forward,
        "dense_forward",
        "np.hstack puts the column of ones beside every example at once; then one @ does "
        "every example",
    )


def _dense_mistakes(x, weights, bias):
    """(hint, what that mistake returns) pairs; lambdas, as some mistakes cannot run on a case."""
    ones = np.ones((len(x), 1))
    return [
        (
            "the weights look transposed: they have shape (n_in, n_out), "
            "so the product is x @ weights, (batch, n_in) @ (n_in, n_out), with no .T",
            lambda: x @ weights.T + bias,
        ),
        (
            "the column of ones and the bias row must sit at the same end: ones as the last "
            "column of x go with the bias as the last row of the weights (np.hstack([x, ones]) "
            "with np.vstack([weights, bias]))",
            lambda: np.hstack([ones, x]) @ np.vstack([weights, bias]),
        ),
        (
            "the bias is missing: it is the last row of the bigger weight matrix, and the "
            "column you add to x must hold ones (a zero times the bias adds nothing)",
            x @ weights,
        ),
        (
            "x and weights are multiplied entry by entry: use the matrix product @",
            lambda: x * weights + bias,
        ),
    ]


def _no_addition(run, function) -> None:
    """Fail if the function's code adds with ``+`` or ``np.add``: the exercise folds the bias into
    the weights so that one matrix product does everything (a function whose source cannot be
    read is not judged)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return
    adds = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.BinOp, ast.AugAssign))
        and isinstance(node.op, ast.Add)
        or isinstance(node, ast.Attribute)
        and node.attr == "add"
    ]
    if adds:
        run.fail(
            "the output is right, but your code adds the bias with `+`: this exercise asks for "
            "the bias folded into the weights, so that a single matrix product computes "
            "x @ weights + bias with no addition.",
            "give x a column of ones, np.hstack([x, np.ones((len(x), 1))]), and the weights the "
            "bias as one more row, np.vstack([weights, bias]); multiply the two",
        )
    run.passed += 1


@checker
def dense_forward_columns(run, dense_forward_columns):
    """Check ``dense_forward_columns(x_columns, weights, bias) -> (n_out, batch)``: the same
    layer with the examples in the columns; the library's `Dense` (on ``x_columns.T``) is the
    reference."""
    # (n_in, n_out, batch): first square weights and as many examples as units, where transposed
    # weights and a bias added along the wrong axis still run (and can be named), then no squares
    shapes = ((3, 3, 3), (4, 2, 5), (5, 3, 6))
    for number, (rng, (n_in, n_out, batch)) in enumerate(zip(cases(), shapes), start=1):
        args = {
            "x_columns": rng.normal(size=(n_in, batch)),
            "weights": rng.normal(size=(n_in, n_out)),
            "bias": rng.normal(size=n_out),
        }
        run.case = f"{number}, with {describe(args)}"
        x, weights, bias = args.values()
        expected = dense_layer(weights, bias).forward(x.T).T  # the rows layout, turned round
        received = run.call(dense_forward_columns, "dense_forward_columns", args)
        run.compare(
            "the output",
            expected,
            received,
            mistakes=_mistakes(x, weights, bias),
        )


def _mistakes(x, weights, bias):
    """(hint, what that mistake returns) pairs; lambdas, as some mistakes cannot run on a case."""
    return [
        (
            "the bias is added along the wrong axis: with examples in columns it is a "
            "column too, bias[:, None] of shape (n_out, 1), so that bias[j] goes to row j "
            "(a plain (n_out,) array is broadcast along each row instead)",
            lambda: weights.T @ x + bias,
        ),
        (
            "that is the rows layout, (batch, n_out): here the examples stay in the "
            "columns, so the output is (n_out, batch), weights.T @ x_columns",
            lambda: x.T @ weights + bias,
        ),
        (
            "weights has shape (n_in, n_out); with examples in columns the product is "
            "weights.T @ x_columns, (n_out, n_in) @ (n_in, batch)",
            lambda: weights @ x + bias[:, None],
        ),
        (
            "the bias is missing: add it after the matrix product, as a column bias[:, None]",
            lambda: weights.T @ x,
        ),
    ]
