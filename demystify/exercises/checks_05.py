"""Checkers for the exercises of notebook 05; `check` is the one place to call them.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

from __future__ import annotations

import numpy as np

from .. import optim
from ..parameter import Parameter
from .harness import cases, checker, describe

__all__: list[str] = ["sgd_momentum_step", "adam_step"]


@checker
def sgd_momentum_step(run, sgd_momentum_step):
    """Check ``sgd_momentum_step(weights, grad, velocity, lr, momentum)``.

    It returns ``(new_weights, new_velocity)``.
    """
    settings = (((3, 4), 0.1, 0.9), ((5,), 0.05, 0.5), ((2, 3), 0.3, 0.99))
    for number, (rng, (shape, lr, momentum)) in enumerate(zip(cases(), settings), start=1):
        args = {
            "weights": rng.normal(size=shape),
            "grad": rng.normal(size=shape),
            "velocity": rng.normal(size=shape),
            "lr": lr,
            "momentum": momentum,
        }
        run.case = f"{number}, with {describe(args)}"
        w, g, v, _, _ = args.values()
        parameter = Parameter(w.copy())
        parameter.grad = g.copy()
        optimizer = optim.SGD([parameter], lr=lr, momentum=momentum)
        optimizer.velocity[0][...] = v
        optimizer.step()  # the library's update is the reference
        new_w, new_v = parameter.value, optimizer.velocity[0]
        received = run.outputs(
            run.call(sgd_momentum_step, "sgd_momentum_step", args, keep_inputs=True),
            ("new_weights", "new_velocity"),
        )
        weights_mistakes, velocity_mistakes = _momentum_mistakes(w, g, v, lr, momentum)
        run.compare(
            "new_weights", new_w, received[0], mistakes=weights_mistakes + [(SWAPPED, new_v)]
        )
        run.compare(
            "new_velocity", new_v, received[1], mistakes=velocity_mistakes + [(SWAPPED, new_w)]
        )


SWAPPED = "the two outputs look swapped: return (new_weights, new_velocity)"
CONVENTION = (
    "use this course's convention: velocity = momentum * velocity + grad, "
    "then weights = weights - lr * velocity (lr stays out of the velocity)"
)


def _momentum_mistakes(w, g, v, lr, momentum) -> tuple[list, list]:
    """(hint, what that mistake returns) pairs for the new weights and for the new velocity."""
    new_v = momentum * v + g
    weights = [
        (
            "velocity order: update the velocity first, "
            "then move the weights with the new velocity",
            w - lr * v,
        ),
        ("sign: the step goes downhill, weights - lr * velocity", w + lr * new_v),
        (
            "velocity sign: velocity = momentum * velocity + grad, "
            "and the weights move by - lr * velocity",
            w + lr * (momentum * v - g),
        ),
        (CONVENTION, w - (momentum * v + lr * g)),
        (
            "the momentum is missing: the weights should move by lr * (new velocity), "
            "not lr * grad",
            w - lr * g,
        ),
        (CONVENTION, w - lr * (momentum * v + (1 - momentum) * g)),
    ]
    velocity = [
        (
            "velocity sign: velocity = momentum * velocity + grad "
            "(the minus sign belongs to the weight update)",
            momentum * v - g,
        ),
        (CONVENTION, momentum * v + lr * g),
        (CONVENTION, momentum * v - lr * g),
        (CONVENTION, momentum * v + (1 - momentum) * g),
        ("the velocity should remember the past: momentum * velocity + grad", g),
        (
            "velocity order: the new velocity is momentum * velocity + grad, "
            "computed before the weights move",
            v,
        ),
    ]
    return weights, velocity


def _library_adam(weights, grad, m, v, t, lr, beta1, beta2, eps):
    """One step of ``dm.Adam`` on a `Parameter` whose state is (m, v) after ``t - 1`` steps."""
    parameter = Parameter(weights.copy())
    parameter.grad = grad.copy()
    optimizer = optim.Adam([parameter], lr=lr, betas=(beta1, beta2), eps=eps)
    optimizer.m[0][...] = m
    optimizer.v[0][...] = v
    optimizer.steps = t - 1  # step() counts this step: inside update, t is its number
    optimizer.step()
    return parameter.value, optimizer.m[0], optimizer.v[0]


@checker
def adam_step(run, adam_step):
    """Check ``adam_step(weights, grad, m, v, t, lr, beta1, beta2, eps)``.

    It returns ``(new_weights, new_m, new_v)``. The reference is ``dm.Adam``'s own step
    on a ``dm.Parameter`` whose running averages are set to ``m`` and ``v`` and whose
    step counter says this is step ``t``.
    """
    # (shape, t, lr, beta1, beta2, eps, scale of the gradients); case 1 is Adam's very first step
    settings = (
        ((3, 4), 1, 0.1, 0.9, 0.999, 1e-8, 1.0),
        ((5,), 3, 0.01, 0.9, 0.999, 1e-8, 2.0),
        ((2, 3), 40, 0.05, 0.8, 0.99, 1e-6, 0.01),  # small gradients: eps matters here
    )
    for number, (rng, setting) in enumerate(zip(cases(), settings), start=1):
        _adam_case(run, adam_step, number, rng, *setting)


def _adam_case(run, adam_step, number, rng, shape, t, lr, b1, b2, eps, scale) -> None:
    """One check case of `adam_step`: the library's step, the learner's, the known mistakes."""
    first = t == 1
    args = {
        "weights": rng.normal(size=shape),
        "grad": scale * rng.normal(size=shape),
        "m": np.zeros(shape) if first else scale * rng.normal(size=shape),
        "v": np.zeros(shape) if first else scale**2 * rng.uniform(0.2, 2.0, size=shape),
        "t": t,
        "lr": lr,
        "beta1": b1,
        "beta2": b2,
        "eps": eps,
    }
    run.case = f"{number}, with {describe(args)}" + (
        " -- the first step, from m = v = 0" if first else ""
    )
    w, g, m, v = (args[key] for key in ("weights", "grad", "m", "v"))
    new_w, new_m, new_v = _library_adam(w, g, m, v, t, lr, b1, b2, eps)
    received = run.outputs(
        run.call(adam_step, "adam_step", args), ("new_weights", "new_m", "new_v")
    )
    mistakes = _adam_mistakes(w, g, m, v, t, lr, b1, b2, eps, (new_w, new_m, new_v))
    run.compare("new_m", new_m, received[1], mistakes=mistakes["new_m"])
    run.compare("new_v", new_v, received[2], mistakes=mistakes["new_v"])
    run.compare("new_weights", new_w, received[0], mistakes=mistakes["new_weights"])


ADAM_SWAPPED = "the outputs look swapped: return (new_weights, new_m, new_v), in that order"
ADAM_STATE = (
    "return the running averages m and v themselves, not the corrected m_hat and v_hat: "
    "the next step divides them by its own (1 - beta**t) again"
)
AVERAGES_SWAPPED = "the two averages look swapped: new_m averages grad, new_v averages grad**2"


def _adam_mistakes(w, g, m, v, t, lr, b1, b2, eps, expected) -> dict[str, list]:
    """For each output, (hint, what that mistake returns) pairs."""
    new_w, new_m, new_v = expected
    m_hat, v_hat = new_m / (1 - b1**t), new_v / (1 - b2**t)
    # at step 1, from m = 0, three mistakes all return grad itself: name them together
    first_step = (
        "new_m is grad itself: either the factor (1 - beta1) is missing "
        "(m = beta1 * m + (1 - beta1) * grad), or you returned the corrected m_hat instead of m"
    )
    return {
        "new_m": [
            *([(first_step, g)] if t == 1 else []),
            (
                "Adam's m is an average: m = beta1 * m + (1 - beta1) * grad "
                "(momentum's velocity, beta * v + grad, has no (1 - beta))",
                b1 * m + g,
            ),
            (ADAM_STATE, m_hat),
            ("new_m should remember the past: beta1 * m + (1 - beta1) * grad", g),
            (AVERAGES_SWAPPED, new_v),
            (ADAM_SWAPPED, new_w),
        ],
        "new_v": [
            (
                "v averages the *squared* gradient: v = beta2 * v + (1 - beta2) * grad**2",
                b2 * v + (1 - b2) * g,
            ),
            (
                "v needs the factor (1 - beta2): v = beta2 * v + (1 - beta2) * grad**2",
                b2 * v + g**2,
            ),
            (ADAM_STATE, v_hat),
            (AVERAGES_SWAPPED, new_m),
            (ADAM_SWAPPED, new_w),
        ],
        "new_weights": _adam_weight_mistakes(w, m, v, t, lr, b1, b2, eps, expected)
        + [(ADAM_SWAPPED, new_m)],
    }


def _adam_weight_mistakes(w, m, v, t, lr, b1, b2, eps, expected) -> list:
    """(hint, the weights that mistake gives) pairs for the weight update."""
    new_w, new_m, new_v = expected
    m_hat, v_hat = new_m / (1 - b1**t), new_v / (1 - b2**t)

    def moved(m_used, v_used, power=t):
        return w - lr * (m_used / (1 - b1**power)) / (np.sqrt(v_used / (1 - b2**power)) + eps)

    return [
        (
            "the bias correction is missing: "
            "divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step",
            w - lr * new_m / (np.sqrt(new_v) + eps),
        ),
        (
            "only m was corrected: v needs its own correction, v_hat = v / (1 - beta2**t)",
            w - lr * m_hat / (np.sqrt(new_v) + eps),
        ),
        (
            "only v was corrected: m needs its own correction, m_hat = m / (1 - beta1**t)",
            w - lr * new_m / (np.sqrt(v_hat) + eps),
        ),
        (
            "t is off by one: t is already this step's number (1 for the first step); "
            "use beta**t as given, without adding 1",
            moved(new_m, new_v, t + 1),
        ),
        (
            "update m and v first, then move the weights with the *new* averages",
            lambda: moved(m, v),
        ),
        (
            "the square root is missing: divide by sqrt(v_hat) + eps, "
            "the typical size of the gradient, not by v_hat",
            w - lr * m_hat / (v_hat + eps),
        ),
        (
            "eps belongs outside the square root: m_hat / (np.sqrt(v_hat) + eps)",
            w - lr * m_hat / np.sqrt(v_hat + eps),
        ),
        ("sign: the step goes downhill, weights - lr * m_hat / ...", w + (w - new_w)),
    ]
