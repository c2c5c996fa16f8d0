"""The newer checkers of notebooks 00-03 (checks_00 ... checks_03): a right answer passes,
each well-known mistake is named, a stub says "your turn".

The correct implementations are written here, independently of the notebooks; the
wrong ones are the classic mistakes (see test_exercises.py for the harness's own rules).
"""

import re

import numpy as np
import pytest
from helpers import assert_mistake_named, stub

from demystify.exercises import ExerciseFailed, NotImplementedYet, check

# === notebooks 00-03: the newer checkers (checks_00 ... checks_03) ===============================


def count_parameters(layer_sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def dense_forward_columns(x_columns, weights, bias):
    return weights.T @ x_columns + bias[:, None]


def leaky_relu(x, slope):
    return np.where(x > 0, x, slope * x)


def leaky_relu_derivative(x, slope):
    return np.where(x > 0, 1.0, slope)


def _softplus_class(function=None, derivative=None, base=True):
    """A learner's Softplus: right by default, or with a wrong function or derivative."""
    import demystify as dm

    def right_function(self, x):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def right_derivative(self, x, y):
        return -np.expm1(-y)

    body = {
        "function": function or right_function,
        "derivative": derivative or right_derivative,
    }
    return type("Softplus", (dm.Activation,) if base else (), body)


def binary_cross_entropy(logits, targets, reduce="mean", stable=True):
    if stable:
        per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    else:
        s = 1 / (1 + np.exp(-logits))
        per_entry = -targets * np.log(s) - (1 - targets) * np.log(1 - s)
    divide = {"mean": logits.size, "sum": 1, "batch": len(logits)}[reduce]
    probabilities = 0.5 * (1 + np.tanh(logits / 2))
    return per_entry.sum() / divide, (probabilities - targets) / divide


NEWER = {
    "count_parameters": (count_parameters,),
    "dense_forward_columns": (dense_forward_columns,),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "softplus": (_softplus_class(),),
    "binary_cross_entropy": (binary_cross_entropy,),
}

NEWER_MISTAKES = [
    (
        "count_parameters",
        (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])),),
        "the number of parameters",
        "the biases are missing",
    ),
    (
        "count_parameters",
        (lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])),),
        "the number of parameters",
        "not one per input",
    ),
    (
        "count_parameters",
        (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])) + sum(s),),
        "the number of parameters",
        "the input units have no bias",
    ),
    ("count_parameters", (lambda s: sum(s),), "the number of parameters", "that counts units"),
    (
        "count_parameters",
        (lambda s: sum(a + 2 * b for a, b in zip(s[:-1], s[1:])),),
        "the number of parameters",
        "not n_in + n_out",
    ),
    (
        "dense_forward_columns",
        (lambda x, w, b: w.T @ x + b,),
        "the output",
        "the bias is added along the wrong axis",
    ),
    ("dense_forward_columns", (lambda x, w, b: x.T @ w + b,), "the output", "the rows layout"),
    (
        "dense_forward_columns",
        (lambda x, w, b: w @ x + b[:, None],),
        "the output",
        "the product is weights.T @ x_columns",
    ),
    ("dense_forward_columns", (lambda x, w, b: w.T @ x,), "the output", "the bias is missing"),
    (
        "leaky_relu",
        (lambda x, s: np.where(x > 0, s * x, x), leaky_relu_derivative),
        "leaky_relu(x, slope)",
        "belongs to the negative side",
    ),
    (
        "leaky_relu",
        (lambda x, s: np.maximum(x, 0), leaky_relu_derivative),
        "leaky_relu(x, slope)",
        "that is the plain ReLU",
    ),
    (
        "leaky_relu",
        (leaky_relu_derivative, leaky_relu_derivative),
        "leaky_relu(x, slope)",
        "looks like the derivative",
    ),
    (
        "leaky_relu",
        (leaky_relu, leaky_relu),
        "leaky_relu_derivative(x, slope)",
        "that is the leaky ReLU itself",
    ),
    (
        "leaky_relu",
        (leaky_relu, lambda x, s: (x > 0).astype(float)),
        "leaky_relu_derivative(x, slope)",
        "that is ReLU's derivative",
    ),
    (
        "leaky_relu",
        (leaky_relu, lambda x, s: np.where(x > 0, 1.0, s * x)),
        "leaky_relu_derivative(x, slope)",
        "not slope * x",
    ),
    (
        "leaky_relu",
        (leaky_relu, lambda x, s: np.where(x > 0, s, 1.0)),
        "leaky_relu_derivative(x, slope)",
        "not the other way round",
    ),
    (
        "softplus",
        (_softplus_class(function=lambda self, x: np.log(1 + np.exp(x))),),
        "Softplus().function(x)",
        "np.exp(x) overflows",
    ),
    (
        "softplus",
        (_softplus_class(function=lambda self, x: 1 / (1 + np.exp(-x))),),
        "Softplus().function(x)",
        "that is sigmoid(x)",
    ),
    (
        "softplus",
        (_softplus_class(function=lambda self, x: np.maximum(x, 0)),),
        "Softplus().function(x)",
        "that is ReLU",
    ),
    (
        "softplus",
        (_softplus_class(function=lambda self, x: np.maximum(x, 0) + np.exp(-np.abs(x))),),
        "Softplus().function(x)",
        "missing its log",
    ),
    (
        "softplus",
        (_softplus_class(derivative=lambda self, x, y: y),),
        "Softplus().derivative(x, y)",
        "that is softplus itself",
    ),
    (
        "softplus",
        (_softplus_class(derivative=lambda self, x, y: 1 / (1 + np.exp(x))),),
        "Softplus().derivative(x, y)",
        "watch the sign",
    ),
    (
        "softplus",
        (_softplus_class(derivative=lambda self, x, y: np.exp(-y)),),
        "Softplus().derivative(x, y)",
        "that is sigmoid(-x) = 1 - sigmoid(x)",
    ),
    (
        "softplus",
        (_softplus_class(derivative=lambda self, x, y: np.exp(x) / (1 + np.exp(x))),),
        "Softplus().derivative(x, y)",
        "inf / inf = nan",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: binary_cross_entropy(z, t, stable=False),),
        "mean_loss",
        "log of 0",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: binary_cross_entropy(z, t, reduce="sum"),),
        "mean_loss",
        "mean vs sum",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: binary_cross_entropy(z, t, reduce="batch"),),
        "mean_loss",
        "not only over the batch",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: binary_cross_entropy(z, t)[::-1],),
        "mean_loss",
        "swapped",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: (binary_cross_entropy(z, t)[0], binary_cross_entropy(z, t)[1] * z.size),),
        "grad_logits",
        "mean vs sum",
    ),
    (
        "binary_cross_entropy",
        (
            lambda z, t: (
                binary_cross_entropy(z, t)[0],
                binary_cross_entropy(z, t)[1] * z.size / len(z),
            ),
        ),
        "grad_logits",
        "not by the batch size alone",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: (binary_cross_entropy(z, t)[0], -binary_cross_entropy(z, t)[1]),),
        "grad_logits",
        "watch the sign",
    ),
    (
        "binary_cross_entropy",
        (lambda z, t: (binary_cross_entropy(z, t)[0], 1 / (1 + np.exp(-z)) / z.size),),
        "grad_logits",
        "subtract the target",
    ),
]


@pytest.mark.parametrize("name", sorted(NEWER))
def test_a_correct_answer_to_a_newer_exercise_passes(name, capsys):
    getattr(check, name)(*NEWER[name])
    assert re.fullmatch(rf"✅ {name} passed \d+ checks\.\n", capsys.readouterr().out)


@pytest.mark.parametrize(
    "name, functions, output, hint",
    NEWER_MISTAKES,
    ids=[f"{m[0]}-{m[3][:30]}" for m in NEWER_MISTAKES],
)
def test_a_newer_exercises_common_mistake_is_named(name, functions, output, hint, capsys):
    assert_mistake_named(name, functions, output, hint, capsys)


def _stub_method(self, *args):
    raise NotImplementedError("not implemented yet — your turn")


@pytest.mark.parametrize("name", sorted(NEWER))
def test_a_newer_exercises_stub_says_your_turn(name):
    if name == "softplus":  # the student copy of the class: both methods stubbed
        functions = (_softplus_class(function=_stub_method, derivative=_stub_method),)
        first = "Softplus.function"
    else:
        functions, first = (stub,) * len(NEWER[name]), name
    with pytest.raises(NotImplementedYet) as caught:
        getattr(check, name)(*functions)
    assert str(caught.value).startswith(
        f"not implemented yet — your turn: write the body of `{first}`"
    )
    assert caught.traceback[-1].name == "public"


def test_softplus_wants_an_activation_subclass_and_a_matching_derivative():
    with pytest.raises(ExerciseFailed, match=r"subclass of dm.Activation"):
        check.softplus(_softplus_class(base=False))
    with pytest.raises(ExerciseFailed, match=r"wants your class"):
        check.softplus(lambda required: None)


# === notebooks 08 and 10: one function on every backend; the ES gradient (checks_08, checks_10) ===
