"""The checkers of notebooks 08 and 10: one function on every backend (checks_08), the
evolution strategy's gradient estimate (checks_10).

The correct implementations are written here, independently of the notebooks; the
wrong ones are the classic mistakes (see test_exercises.py for the harness's own rules).
"""

import re

import numpy as np
import pytest
from helpers import assert_mistake_named, stub

from demystify.exercises import ExerciseFailed, NotImplementedYet, check


def logsumexp_on_any_backend(x):
    import demystify as dm

    xp = dm.namespace()
    top = xp.max(x, axis=1, keepdims=True)
    return xp.squeeze(top, axis=1) + xp.log(xp.sum(xp.exp(x - top), axis=1))


def _lse(x, shift="row", axis=1, keep=False, mean=False, add_back=True):
    """A learner's logsumexp written against xp, right by default or with one known mistake."""
    import demystify as dm

    xp = dm.namespace()
    top = {
        "row": xp.max(x, axis=1, keepdims=True),
        "none": xp.zeros_like(x),
        "batch": xp.max(x),
        "flat": xp.max(x, axis=1),
        "column": xp.max(x, axis=0, keepdims=True),
    }[shift]
    total = (xp.mean if mean else xp.sum)(xp.exp(x - top), axis=axis, keepdims=keep)
    if not add_back:
        return xp.log(total)
    if keep:
        return top + xp.log(total)
    if shift == "column":
        return top[0, :] + xp.log(total)
    return (top[:, 0] if shift in ("row", "none") else top) + xp.log(total)


def es_gradient_antithetic(fitness, theta, eps, sigma):
    differences = np.array([fitness(theta + sigma * e) - fitness(theta - sigma * e) for e in eps])
    return differences @ eps / (2 * len(eps) * sigma)


def _es(fitness, theta, eps, sigma, scale=1.0, one_sided=False, unscaled=False, per_probe=False):
    """A learner's ES estimate, right by default or with one known mistake."""
    step = 1.0 if unscaled else sigma
    plus = np.array([fitness(theta + step * e) for e in eps])
    minus = np.array([fitness(theta) if one_sided else fitness(theta - step * e) for e in eps])
    n = len(eps)
    if per_probe:
        return (plus - minus)[:, None] * eps / (2 * n * sigma)
    return scale * (plus - minus) @ eps / ((1 if one_sided else 2) * n * sigma)


BACKENDS_AND_ES = {
    "logsumexp": (logsumexp_on_any_backend,),
    "es_gradient": (es_gradient_antithetic,),
}

LSE = "logsumexp(x) on the numpy backend"
BACKENDS_AND_ES_MISTAKES = [
    ("logsumexp", (lambda x: _lse(x, shift="none"),), LSE, "exp overflowed"),
    ("logsumexp", (lambda x: _lse(x, add_back=False),), LSE, "never added back"),
    ("logsumexp", (lambda x: _lse(x, shift="batch"),), LSE, "each row's own (axis=1)"),
    ("logsumexp", (lambda x: _lse(x, shift="flat"),), LSE, "lost their axis"),
    ("logsumexp", (lambda x: _lse(x, shift="column", axis=0),), LSE, "not down the columns"),
    ("logsumexp", (lambda x: _lse(x, keep=True),), LSE, "one number per row"),
    ("logsumexp", (lambda x: x - _lse(x, keep=True),), LSE, "that is log-softmax"),
    ("logsumexp", (lambda x: _lse(x, mean=True),), LSE, "log of the mean"),
    ("es_gradient", (lambda *a: _es(*a, scale=-1),), "the gradient estimate", "watch the sign"),
    ("es_gradient", (lambda *a: _es(*a, scale=2),), "the gradient estimate", "divide by 2 n sigma"),
    ("es_gradient", (lambda *a: _es(*a, scale=1 / a[3]),), "the gradient estimate", "1/sigma"),
    ("es_gradient", (lambda *a: _es(*a, scale=a[3]),), "the gradient estimate", "sigma too"),
    ("es_gradient", (lambda *a: _es(*a, scale=len(a[2])),), "the gradient estimate", "mean vs sum"),
    (
        "es_gradient",
        (lambda f, t, e, s: np.array([f(t + s * p) for p in e]) @ e / (len(e) * s),),
        "the gradient estimate",
        "use both probes of each pair",
    ),
    (
        "es_gradient",
        (lambda *a: _es(*a, one_sided=True),),
        "the gradient estimate",
        "one-sided difference",
    ),
    ("es_gradient", (lambda *a: _es(*a, per_probe=True),), "the gradient estimate", "axis 0"),
]


@pytest.mark.parametrize("name", sorted(BACKENDS_AND_ES))
def test_a_correct_backend_function_and_es_gradient_pass(name, capsys):
    getattr(check, name)(*BACKENDS_AND_ES[name])
    assert re.search(rf"✅ {name} passed \d+ checks\.\n$", capsys.readouterr().out)


@pytest.mark.parametrize(
    "name, functions, output, hint",
    BACKENDS_AND_ES_MISTAKES,
    ids=[f"{m[0]}-{m[3][:30]}" for m in BACKENDS_AND_ES_MISTAKES],
)
def test_a_backend_or_es_mistake_is_named(name, functions, output, hint, capsys):
    assert_mistake_named(name, functions, output, hint, capsys)


@pytest.mark.parametrize("name", sorted(BACKENDS_AND_ES))
def test_the_backend_and_es_stubs_say_your_turn(name):
    with pytest.raises(NotImplementedYet) as caught:
        getattr(check, name)(stub)
    assert str(caught.value).startswith(
        f"not implemented yet — your turn: write the body of `{name}`"
    )
    assert caught.traceback[-1].name == "public"


def test_logsumexp_counts_one_check_per_case_whatever_the_backends(capsys):
    check.logsumexp(logsumexp_on_any_backend)
    assert "passed 4 checks" in capsys.readouterr().out  # the stored output must not depend on it


def _uses_numpy_functions(x):
    return np.log(np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)), axis=1)) + np.max(x, axis=1)


def _hands_back_numpy(x):
    return np.asarray(logsumexp_on_any_backend(x))


def _assigns_by_integer_arrays(x):
    import demystify as dm

    xp = dm.namespace()
    top = xp.max(x, axis=1, keepdims=True)
    shifted = x - top
    shifted[xp.arange(x.shape[0]), xp.argmax(x, axis=1)] = 0.0  # fancy-index assignment
    return top[:, 0] + xp.log(xp.sum(xp.exp(x - top), axis=1))


def _calls_numpy_names(x):
    import demystify as dm

    return dm.namespace().concatenate([logsumexp_on_any_backend(x)])


def _writes_into_its_input(x):
    import demystify as dm

    xp = dm.namespace()
    top = xp.max(x, axis=1, keepdims=True)
    x -= top
    return top[:, 0] + xp.log(xp.sum(xp.exp(x), axis=1))


@pytest.mark.parametrize(
    "function, said, hint",
    [
        (
            lambda x: (lambda m: m[:, 0] + np.log(np.exp(x - m).sum(axis=1)))(
                x.max(axis=1, keepdims=True)
            ),
            "raised AttributeError on array_api_strict",
            "`x.max(...)` is a NumPy array method",
        ),
        (_uses_numpy_functions, "raised TypeError on array_api_strict", "not np's"),
        (_hands_back_numpy, "it returned a numpy.ndarray", "not np's"),
        (_assigns_by_integer_arrays, "raised IndexError", "one-hot mask"),
        (_calls_numpy_names, "raised AttributeError", "`xp.concat`"),
        (_writes_into_its_input, "changed the array it was given", "compute a new array"),
    ],
    ids=["method", "np-functions", "numpy-result", "fancy-assignment", "numpy-name", "in-place"],
)
def test_logsumexp_names_the_numpy_habit_that_only_numpy_forgives(function, said, hint):
    pytest.importorskip("array_api_strict")
    with pytest.raises(ExerciseFailed) as caught:
        check.logsumexp(function)
    message = str(caught.value)
    assert said in message and "\n  hint: " in message and hint in message.split("hint: ")[1], (
        message
    )


def test_the_backend_checker_leaves_the_chosen_backend_alone():
    import demystify as dm

    pytest.importorskip("array_api_strict")
    with dm.use("array_api_strict"):
        check.logsumexp(logsumexp_on_any_backend)
        assert dm.backend_name() == "array_api_strict"
    assert dm.backend_name() == "numpy"


def test_es_gradient_prints_its_agreement_with_backprop(capsys):
    check.es_gradient(es_gradient_antithetic)
    printed = capsys.readouterr().out
    cosine = float(re.search(r"cosine with backprop's gradient (-?[\d.]+)", printed).group(1))
    assert cosine > 0.95, printed


def test_es_gradient_pointing_the_wrong_way_with_many_probes_fails():
    def right_for_few_probes_only(fitness, theta, eps, sigma):
        estimate = es_gradient_antithetic(fitness, theta, eps, sigma)
        return estimate if len(eps) < 100 else -estimate

    with pytest.raises(ExerciseFailed, match=r"check case 3.*the cosine is -0\.9"):
        check.es_gradient(right_for_few_probes_only)


def test_es_gradient_scoring_all_probes_at_once_is_explained():
    with pytest.raises(ExerciseFailed, match="fitness was given an array of shape") as caught:
        check.es_gradient(lambda fitness, theta, eps, sigma: fitness(theta + sigma * eps))
    assert "one at a time" in str(caught.value)


# === notebooks 05 and 06: Adam's step; early stopping in your own loop (checks_05, checks_06) ====
