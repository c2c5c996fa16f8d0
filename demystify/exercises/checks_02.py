"""Checkers for the exercises of notebook 02; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

import numpy as np

from .. import activations, layers, losses, model
from ..apps.gradcheck import gradcheck
from .harness import cases, checker, describe

__all__: list[str] = ["relu", "leaky_relu", "softplus"]


@checker
def relu(run, relu, relu_derivative):
    """Check ``relu(x, ceiling=np.inf)`` and ``relu_derivative(x, ceiling=np.inf)``: the ReLU
    clipped at a ceiling, ``min(max(x, 0), ceiling)``, and its slope, entry by entry, with exact
    kinks (x = 0, x = ceiling) among the inputs, where the slope is 0, as in `dm.ReLU`."""
    settings = (((7,), None), ((3, 4), 6.0), ((2, 5), 1.0))  # None: called without a ceiling
    for number, (rng, (shape, ceiling)) in enumerate(zip(cases(), settings), start=1):
        x = (3 if ceiling is None else 2 * ceiling) * rng.normal(size=shape)
        x.flat[:2] = 0.0, ceiling or 0.0  # the kinks themselves
        args = {"x": x} if ceiling is None else {"x": x, "ceiling": ceiling}
        run.case = f"{number}, with {describe(args)}" + (
            " (no ceiling given)" if not ceiling else ""
        )
        expected, slope = _clipped_relu(x, ceiling)
        received = run.call(relu, "relu", args, keep_inputs=True)
        run.compare("relu(x)", expected, received, mistakes=_relu_mistakes(x, ceiling, slope))
        received = run.call(relu_derivative, "relu_derivative", args, keep_inputs=True)
        run.compare(
            "relu_derivative(x)",
            slope,
            received,
            mistakes=_slope_mistakes(x, ceiling or np.inf, expected),
        )


def _clipped_relu(x, ceiling):
    """The reference from `dm.ReLU`: min(max(x, 0), c) = c - relu(c - relu(x)), and its slope
    relu'(x) relu'(c - relu(x)) by the chain rule, 0 at both kinks as relu'(0) is 0."""
    inner, outer = activations.ReLU(), activations.ReLU()
    y = inner.forward(x)
    if ceiling is None:
        return y, inner.backward(np.ones_like(x))  # dL/dy = 1 leaves exactly f'(x)
    return ceiling - outer.forward(ceiling - y), inner.backward(outer.backward(np.ones_like(x)))


def _relu_mistakes(x, ceiling, slope):
    """(hint, what that mistake returns) pairs for relu(x, ceiling)."""
    c = np.inf if ceiling is None else ceiling
    return [
        (
            "np.max(x, 0) is the largest value along axis 0; "
            "the element-wise maximum is np.maximum(x, 0)",
            lambda: np.minimum(np.max(x, 0), c),
        ),
        (
            "that keeps the negative part; ReLU keeps the positive part (max(x, 0))",
            np.minimum(x, 0),
        ),
        (
            "the ceiling is missing: above it the output stays at the ceiling, "
            "np.minimum(..., ceiling)",
            np.maximum(x, 0),
        ),
        ("the floor is missing: below 0 the output is 0, np.maximum(..., 0)", np.minimum(x, c)),
        ("that looks like the derivative; relu should return the clipped value itself", slope),
    ]


def _slope_mistakes(x, c, expected):
    """(hint, what that mistake returns) pairs for relu_derivative(x, ceiling)."""
    return [
        (
            "that is ReLU itself, the function; its derivative (slope) is 1 between 0 and the "
            "ceiling and 0 elsewhere",
            expected,
        ),
        (
            "the slope is 1 for positive inputs and 0 for negative ones, not the other way round",
            (x < 0).astype(float),
        ),
        (
            "at x = 0 exactly the slope is 0 (at a kink we use 0, as dm.ReLU does): "
            "x > 0, not x >= 0",
            ((x >= 0) & (x < c)).astype(float),
        ),
        (
            "at x = ceiling exactly the slope is 0 too (a kink): x < ceiling, not x <= ceiling",
            ((x > 0) & (x <= c)).astype(float),
        ),
        (
            "above the ceiling the function is flat, so its slope is 0 there too",
            (x > 0).astype(float),
        ),
    ]


def _away_from_zero(x):
    """Inputs kept away from the kink at 0, where a slope may be either side's."""
    return np.where(np.abs(x) < 0.05, 0.5, x)


@checker
def leaky_relu(run, leaky_relu, leaky_relu_derivative):
    """Check ``leaky_relu(x, slope)`` and ``leaky_relu_derivative(x, slope)`` against
    ``dm.LeakyReLU(slope)``, element by element."""
    settings = (((7,), 0.01), ((3, 4), 0.1), ((2, 5), 0.3))
    for number, (rng, (shape, slope)) in enumerate(zip(cases(), settings), start=1):
        x = _away_from_zero(3 * rng.normal(size=shape))
        args = {"x": x, "slope": slope}
        run.case = f"{number}, with {describe(args)}"
        layer = activations.LeakyReLU(slope=slope)
        expected = layer.forward(x)
        expected_slope = layer.backward(np.ones_like(x))  # dL/dy = 1 leaves exactly f'(x)
        received = run.call(leaky_relu, "leaky_relu", args)
        run.compare(
            "leaky_relu(x, slope)",
            expected,
            received,
            mistakes=[
                (
                    "the small slope belongs to the negative side: x where x > 0, slope * x "
                    "elsewhere",
                    np.where(x > 0, slope * x, x),
                ),
                (
                    "that is the plain ReLU: a leaky ReLU keeps slope * x for negative x "
                    "instead of 0",
                    np.maximum(x, 0),
                ),
                (
                    "that looks like the derivative; leaky_relu returns the function's value",
                    expected_slope,
                ),
            ],
        )
        received = run.call(leaky_relu_derivative, "leaky_relu_derivative", args)
        run.compare(
            "leaky_relu_derivative(x, slope)",
            expected_slope,
            received,
            mistakes=[
                (
                    "that is the leaky ReLU itself; its derivative is 1 where x > 0 and the "
                    "constant slope elsewhere",
                    expected,
                ),
                (
                    "that is ReLU's derivative: on the negative side the slope is `slope`, not 0",
                    (x > 0).astype(float),
                ),
                (
                    "on the negative side the function is slope * x, whose derivative is the "
                    "number slope (not slope * x)",
                    np.where(x > 0, 1.0, slope * x),
                ),
                (
                    "1 for positive inputs and slope for negative ones, not the other way round",
                    np.where(x > 0, slope, 1.0),
                ),
            ],
        )


GRADCHECK_TOLERANCE = 1e-6  # float64 central differences agree with a right backward far better


def _softplus(x):
    """The reference softplus ``log(1 + e^x)``, without overflow."""
    return np.logaddexp(0.0, x)


@checker
def softplus(run, softplus_class):
    """Check a learner's ``Softplus(dm.Activation)``: its `function` against ``log(1 + e^x)``,
    its `derivative` against the library's sigmoid, and the whole layer with `dm.gradcheck`."""
    layer = _softplus_layer(run, softplus_class)
    big = np.array([[800.0, -800.0, 40.0], [-40.0, 0.5, -0.5]])  # exp(800) is inf in float64
    inputs = [3 * rng.normal(size=shape) for rng, shape in zip(cases((0, 1)), ((4, 3), (2, 6)))]
    for number, x in enumerate(inputs + [big], start=1):
        run.case = f"{number}, with x of shape {x.shape}" + (
            " -- very large |x|" if number == 3 else ""
        )
        _softplus_case(run, layer, x)
    _softplus_gradcheck(run, softplus_class)


def _softplus_layer(run, softplus_class):
    """The learner's layer, made with no arguments; fails in words if it is no dm.Activation."""
    try:
        layer = softplus_class()
    except TypeError as error:
        run.fail(
            "check.softplus wants your class, as in check.softplus(Softplus); "
            f"calling it with no arguments failed: {error}"
        )
    if not all(callable(getattr(layer, name, None)) for name in ("forward", "backward")):
        run.fail(
            "your class has no forward/backward: it should be a subclass of dm.Activation, "
            "which supplies them from your function and derivative.",
            "write it as `class Softplus(dm.Activation):`",
        )
    return layer


def _softplus_case(run, layer, x) -> None:
    """The learner's function and derivative at `x`, against the reference and known mistakes."""
    expected = _softplus(x)
    slope = activations.sigmoid(x)  # d/dx log(1 + e^x) = e^x / (1 + e^x)
    with np.errstate(all="ignore"):
        naive = np.log(1 + np.exp(x))
        naive_slope = np.exp(x) / (1 + np.exp(x))
    overflow = (
        "np.exp(x) overflows for large x (inf, then log(inf) = inf): "
        "use log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), whose exponent is never positive"
    )
    received = run.call(layer.function, "Softplus.function", {"x": x})
    function_mistakes = [
        (overflow, naive),
        ("that is sigmoid(x), softplus's derivative; function returns log(1 + e^x)", slope),
        (
            "that is ReLU, max(x, 0); softplus is its smooth version, max(x, 0) + log(1 + e^-|x|)",
            np.maximum(x, 0),
        ),
        (
            "the term log(1 + e^-|x|) is missing its log: log1p(exp(-|x|))",
            np.maximum(x, 0) + np.exp(-np.abs(x)),
        ),
    ]
    run.compare("Softplus().function(x)", expected, received, mistakes=function_mistakes)
    received = run.call(layer.derivative, "Softplus.derivative", {"x": x, "y": expected.copy()})
    derivative_mistakes = [
        ("that is softplus itself (y); derivative returns its slope", expected),
        (
            "that is sigmoid(-x) = 1 - sigmoid(x) (watch the sign): the slope of "
            "log(1 + e^x) is e^x / (1 + e^x) = sigmoid(x), or 1 - e^-y from the output",
            activations.sigmoid(-x),
        ),
        (
            "e^x / (1 + e^x) is inf / inf = nan for large x: compute the sigmoid stably, "
            "e.g. 1 - e^-y from the output y, or 1 / (1 + e^-x)",
            naive_slope,
        ),
    ]
    run.compare("Softplus().derivative(x, y)", slope, received, mistakes=derivative_mistakes)


def _softplus_gradcheck(run, softplus_class) -> None:
    """The layer between two dense layers, its backward against central differences."""
    run.case = "4, dm.gradcheck on Dense -> Softplus -> Dense, in float64"
    network = model.Sequential(
        [layers.Dense(3, 4), softplus_class(), layers.Dense(4, 2)], seed=0, dtype="float64"
    )
    x = cases((3,))[0].normal(size=(5, 3))
    y = cases((4,))[0].normal(size=(5, 2))
    errors = run.call(
        lambda: gradcheck(network, losses.MeanSquaredError(), x, y), "dm.gradcheck on it", {}
    )
    worst = max(errors, key=errors.get)
    if errors[worst] > GRADCHECK_TOLERANCE:
        run.fail(
            "dm.gradcheck disagrees: the backward pass through your layer differs from "
            f"central differences of its function (largest relative error {errors[worst]:.2g}, "
            f"in {worst!r}).",
            "is derivative the slope of exactly the function you wrote?",
        )
    run.passed += 1
