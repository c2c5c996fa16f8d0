"""The exercise checkers: a right answer passes, each well-known mistake fails in plain words.

The correct implementations below are written here, independently of the
notebooks; the wrong ones are the classic mistakes a learner makes. Each wrong
one must fail with `ExerciseFailed`, name the wrong output, show both shapes
and the first differing entry, and give the matching hint.
"""

import re

import numpy as np
import pytest

from demystify.exercises import ExerciseFailed, NotImplementedYet, check

# --- correct implementations -----------------------------------------------------------------


def neuron_forward(inputs, weights, bias):
    return float(np.dot(inputs, weights) + bias)


def dense_forward(x, weights, bias):
    return x @ weights + bias


def relu(x):
    return np.maximum(x, 0)


def relu_derivative(x):
    return (x > 0).astype(float)


def _softmax(logits, stable=True):
    shifted = logits - logits.max(axis=1, keepdims=True) if stable else logits
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels, stable=True, reduce=np.mean):
    rows = np.arange(len(logits))
    shifted = logits - logits.max(axis=1, keepdims=True) if stable else logits
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    grad = _softmax(logits, stable)
    grad[rows, labels] -= 1
    scale = 1 / len(logits) if reduce is np.mean else 1
    return reduce(-log_probs[rows, labels]), grad * scale


def dense_backward(x, weights, grad_out):
    return x.T @ grad_out, grad_out.sum(axis=0), grad_out @ weights.T


def sgd_momentum_step(weights, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return weights - lr * velocity, velocity


def training_loop(model, loss, optimizer, X, y, epochs, batch_size, seed, mistake=None):
    rng, losses = np.random.default_rng(seed), []
    for _ in range(epochs):
        order = rng.permutation(len(X)) if mistake != "no shuffle" else np.arange(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            value = loss.forward(model.forward(X[batch]), y[batch])
            if mistake != "no zero_grad":
                optimizer.zero_grad()
            model.backward(loss.backward())
            if mistake != "no step":
                optimizer.step()
            batch_losses.append(value)
        if mistake == "per batch":
            losses += batch_losses
        else:
            losses.append(
                float(np.sum(batch_losses) if mistake == "sum" else np.mean(batch_losses))
            )
    return losses


CORRECT = {
    "neuron_forward": (neuron_forward,),
    "dense_forward": (dense_forward,),
    "relu": (relu, relu_derivative),
    "softmax_cross_entropy": (softmax_cross_entropy,),
    "dense_backward": (dense_backward,),
    "sgd_momentum_step": (sgd_momentum_step,),
    "training_loop": (training_loop,),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_correct_implementation_passes(name, capsys):
    getattr(check, name)(*CORRECT[name])
    out = capsys.readouterr().out
    match = re.fullmatch(rf"✅ {name} passed (\d+) checks\.\n", out)
    assert match, out
    assert int(match.group(1)) >= 3


def test_float32_work_and_plain_lists_still_pass(capsys):
    check.dense_forward(lambda x, w, b: (x.astype(np.float32) @ w.astype(np.float32) + b).tolist())
    check.neuron_forward(lambda i, w, b: np.array([i @ w + b]))  # one number in a 1-element array
    assert capsys.readouterr().out.count("✅") == 2


def test_the_training_loop_may_average_the_batch_losses_unweighted(capsys):
    # a plain mean of the batch losses differs from fit's weighted mean only when the last
    # batch is smaller; both are fair answers, and the checker runs such a case
    check.training_loop(training_loop)
    assert "✅ training_loop passed" in capsys.readouterr().out


# --- mistakes --------------------------------------------------------------------------------


def stub(*args):
    raise NotImplementedError("not implemented yet — your turn")


MISTAKES = [
    # (checker, learner's functions, wrong output named in the message, hint fragment)
    ("neuron_forward", (lambda i, w, b: i * w + b,), "the output", "add the products up"),
    ("neuron_forward", (lambda i, w, b: float(i @ w),), "the output", "the bias is missing"),
    ("dense_forward", (lambda x, w, b: x @ w.T + b,), "the output", "transposed"),
    ("dense_forward", (lambda x, w, b: x @ w,), "the output", "the bias is missing"),
    ("relu", (lambda x: np.max(x, 0), relu_derivative), "relu(x)", "np.maximum(x, 0)"),
    ("relu", (relu, relu), "relu_derivative(x)", "that is ReLU itself"),
    (
        "softmax_cross_entropy",
        (lambda z, c: softmax_cross_entropy(z, c, stable=False),),
        "mean_loss",
        "softmax overflow",
    ),
    (
        "softmax_cross_entropy",
        (lambda z, c: softmax_cross_entropy(z, c, reduce=np.sum),),
        "mean_loss",
        "mean vs sum",
    ),
    (
        "softmax_cross_entropy",
        (lambda z, c: (softmax_cross_entropy(z, c)[0], softmax_cross_entropy(z, c)[1] * len(z)),),
        "grad_logits",
        "mean vs sum",
    ),
    (
        "softmax_cross_entropy",
        (lambda z, c: (softmax_cross_entropy(z, c)[0], _softmax(z) / len(z)),),
        "grad_logits",
        "subtract 1 at each row's true class",
    ),
    (
        "dense_backward",
        (lambda x, w, g: (x.T @ g, g, g @ w.T),),
        "grad_bias",
        "forgot to sum the bias gradient over the batch",
    ),
    (
        "dense_backward",
        (lambda x, w, g: (x.T @ g / len(x), g.mean(axis=0), g @ w.T),),
        "grad_weights",
        "mean vs sum",
    ),
    (
        "dense_backward",
        (lambda x, w, g: (x.T @ g, g.mean(axis=0), g @ w.T),),
        "grad_bias",
        "mean vs sum",
    ),
    (
        "dense_backward",
        (lambda x, w, g: (g.T @ x, g.sum(axis=0), g @ w.T),),
        "grad_weights",
        "transposed",
    ),
    ("dense_backward", (lambda x, w, g: (x.T @ g, g.sum(axis=0), g @ w),), "grad_x", "transposed"),
    (
        "dense_backward",
        (lambda x, w, g: (x.T @ g, g @ w.T, g.sum(axis=0)),),
        "grad_bias",
        "this looks like grad_x",
    ),
    (
        "sgd_momentum_step",
        (lambda w, g, v, lr, m: (w - lr * v, m * v + g),),
        "new_weights",
        "velocity order",
    ),
    (
        "sgd_momentum_step",
        (lambda w, g, v, lr, m: (w + lr * (m * v + g), m * v + g),),
        "new_weights",
        "sign",
    ),
    (
        "sgd_momentum_step",
        (lambda w, g, v, lr, m: (w + lr * (m * v - g), m * v - g),),
        "new_weights",
        "velocity sign",
    ),
    (
        "sgd_momentum_step",
        (lambda w, g, v, lr, m: sgd_momentum_step(w, g, v, lr, m)[::-1],),
        "new_weights",
        "swapped",
    ),
    (
        "sgd_momentum_step",
        (lambda w, g, v, lr, m: (w - (m * v + lr * g), m * v + lr * g),),
        "new_weights",
        "lr stays out of the velocity",
    ),
    (
        "training_loop",
        (lambda *a: training_loop(*a, mistake="no zero_grad"),),
        "the list of per-epoch losses",
        "zero_grad",
    ),
    (
        "training_loop",
        (lambda *a: training_loop(*a, mistake="no step"),),
        "the list of per-epoch losses",
        "optimizer.step()",
    ),
    (
        "training_loop",
        (lambda *a: training_loop(*a, mistake="no shuffle"),),
        "the list of per-epoch losses",
        "shuffle the data every epoch",
    ),
    (
        "training_loop",
        (lambda *a: training_loop(*a, mistake="sum"),),
        "the list of per-epoch losses",
        "mean vs sum",
    ),
]


@pytest.mark.parametrize(
    "name, functions, output, hint", MISTAKES, ids=[f"{m[0]}-{m[3][:30]}" for m in MISTAKES]
)
def test_a_common_mistake_is_named(name, functions, output, hint, capsys):
    with pytest.raises(ExerciseFailed) as caught:
        getattr(check, name)(*functions)
    message = str(caught.value)
    assert message.startswith(f"{name} (check case "), message
    assert f": {output} is wrong." in message
    assert re.search(r"expected shape \([\d, ]*\), received shape \([\d, ]*\)", message), message
    if "(the shape is right)" in message:  # then the first differing entry is shown too
        assert re.search(
            r"first difference( at index \([\d, ]+\))?: expected \S+, received \S+", message
        )
    assert "\n  hint: " in message and hint in message.split("hint: ")[1], message
    assert "✅" not in capsys.readouterr().out


def test_the_first_differing_entry_is_reported_with_its_index():
    def wrong_in_one_place(x, weights, bias):
        out = x @ weights + bias
        out[1, 2] += 1.0
        return out

    with pytest.raises(ExerciseFailed) as caught:
        check.dense_forward(wrong_in_one_place)
    message = str(caught.value)
    assert "first difference at index (1, 2): expected " in message
    expected, received = re.search(
        r"expected (\S+), received (\S+)", message.split("index (1, 2)")[1]
    ).groups()
    assert float(received) == pytest.approx(float(expected) + 1.0, abs=1e-5)
    assert "hint" not in message  # no known mistake looks like this one


def test_returning_none_says_so():
    with pytest.raises(
        ExerciseFailed, match=r"the output is None\.\n  hint: did you forget the `return`"
    ):
        check.dense_forward(lambda x, w, b: None)
    with pytest.raises(
        ExerciseFailed, match=r"it returned None; it should return \(grad_weights, grad_bias"
    ):
        check.dense_backward(lambda x, w, g: None)
    with pytest.raises(ExerciseFailed, match=r"it returned None"):
        check.training_loop(lambda *args: None)


def test_a_wrong_type_says_so():
    with pytest.raises(ExerciseFailed, match=r"the output should be numbers .* but it is a str"):
        check.dense_forward(lambda x, w, b: "x @ w + b")
    with pytest.raises(
        ExerciseFailed,
        match=r"should return 2 things, \(mean_loss, grad_logits\), "
        r"but it returned one float",
    ):
        check.softmax_cross_entropy(lambda z, c: 1.0)
    with pytest.raises(
        ExerciseFailed, match=r"wants your function itself, as in check.relu\(relu\)"
    ):
        check.relu(relu(np.ones(3)), relu_derivative)


def test_per_batch_losses_instead_of_per_epoch():
    with pytest.raises(
        ExerciseFailed, match=r"returned \d+ losses for 8 epochs.*\n  hint: .*one number per epoch"
    ):
        check.training_loop(lambda *a: training_loop(*a, mistake="per batch"))


def test_relu_must_not_overwrite_its_input():
    def in_place(x):
        x[x < 0] = 0
        return x

    with pytest.raises(ExerciseFailed, match=r"relu changed the array it was given"):
        check.relu(in_place, relu_derivative)


def test_the_overflow_hint_needs_really_large_logits_only(capsys):
    # a naive softmax is right on ordinary logits: the failure must come from the large-logit case
    with pytest.raises(ExerciseFailed) as caught:
        check.softmax_cross_entropy(lambda z, c: softmax_cross_entropy(z, c, stable=False))
    assert "very large logits" in str(caught.value) and "received nan" in str(caught.value)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_the_student_stub_says_your_turn_in_plain_words(name):
    with pytest.raises(NotImplementedYet) as caught:
        getattr(check, name)(*[stub] * len(CORRECT[name]))
    first = "relu" if name == "relu" else name
    assert str(caught.value).startswith(
        f"not implemented yet — your turn: write the body of `{first}`"
    )
    assert caught.value.__suppress_context__  # raised from None: no NotImplementedError chain shown
    assert isinstance(caught.value, AssertionError) and isinstance(caught.value, ExerciseFailed)
    # the traceback stops at the public checker: none of its insides are shown
    assert caught.traceback[-1].name == "public"


def test_a_bug_inside_the_learners_code_keeps_its_own_traceback():
    with pytest.raises(ValueError) as caught:  # NumPy's matmul shape clash, in the learner's line
        check.dense_forward(lambda x, w, b: x @ w @ np.ones((5, 5)))
    assert not isinstance(caught.value, ExerciseFailed)
    assert any(
        "raised inside your `dense_forward`" in note
        for note in getattr(caught.value, "__notes__", [])
    ) or not hasattr(caught.value, "add_note")


def test_the_checker_leaves_the_chosen_backend_alone():
    import demystify as dm

    with dm.use("array_api_strict"):
        check.dense_forward(dense_forward)
        assert dm.backend_name() == "array_api_strict"


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
    test_a_common_mistake_is_named(name, functions, output, hint, capsys)


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
    test_a_common_mistake_is_named(name, functions, output, hint, capsys)


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


def adam_step(weights, grad, m, v, t, lr, beta1, beta2, eps, mistake=None):
    m = (beta1 * m + grad) if mistake == "momentum m" else beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad if mistake == "v of grad" else grad * grad)
    power = t + 1 if mistake == "t + 1" else t
    m_hat = m if mistake == "no correction" else m / (1 - beta1**power)
    v_hat = v if mistake == "no correction" else v / (1 - beta2**power)
    if mistake == "eps inside":
        step = m_hat / np.sqrt(v_hat + eps)
    elif mistake == "no sqrt":
        step = m_hat / (v_hat + eps)
    else:
        step = m_hat / (np.sqrt(v_hat) + eps)
    new_weights = weights + lr * step if mistake == "sign" else weights - lr * step
    if mistake == "hats returned":
        return new_weights, m_hat, v_hat
    if mistake == "swapped":
        return m, new_weights, v
    return new_weights, m, v


ADAM_MISTAKES = [
    # (the mistake, the output the message names, a fragment of its hint)
    ("no correction", "new_weights", "the bias correction is missing"),
    ("t + 1", "new_weights", "t is off by one"),
    ("eps inside", "new_weights", "eps belongs outside the square root"),
    ("no sqrt", "new_weights", "the square root is missing"),
    ("sign", "new_weights", "the step goes downhill"),
    ("momentum m", "new_m", "m = beta1 * m + (1 - beta1) * grad"),
    ("v of grad", "new_v", "*squared* gradient"),
    ("hats returned", "new_m", "you returned the corrected m_hat instead of m"),
    ("swapped", "new_m", "the outputs look swapped"),
]


def test_a_correct_adam_step_passes(capsys):
    check.adam_step(adam_step)
    assert re.fullmatch(r"✅ adam_step passed 9 checks\.\n", capsys.readouterr().out)


@pytest.mark.parametrize("mistake, output, hint", ADAM_MISTAKES, ids=[m[0] for m in ADAM_MISTAKES])
def test_each_adam_mistake_is_named(mistake, output, hint):
    with pytest.raises(ExerciseFailed) as caught:
        check.adam_step(lambda *args: adam_step(*args, mistake=mistake))
    message = str(caught.value)
    assert message.startswith("adam_step (check case "), message
    assert f": {output} is wrong." in message, message
    assert "\n  hint: " in message and hint in message.split("hint: ")[1], message


def test_adams_first_step_is_checked_from_zero_averages():
    # moving with the old averages: at step 1 (m = v = 0) the weights do not move at all
    def stale(weights, grad, m, v, t, lr, beta1, beta2, eps):
        step = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return (
            weights - lr * step,
            beta1 * m + (1 - beta1) * grad,
            beta2 * v + (1 - beta2) * grad**2,
        )

    with pytest.raises(
        ExerciseFailed, match=r"check case 1, .*the first step.*\n.*\n.*\n  hint: update m"
    ):
        check.adam_step(stale)


def fit_with_early_stopping(
    model, loss, optimizer, X, y, X_val, y_val, epochs, batch_size, seed, patience, mistake=None
):
    import demystify as dm

    rng = np.random.default_rng(seed)
    losses, val_losses, best, kept, waited = [], [], None, None, 0
    for _ in range(epochs):
        order = np.arange(len(X)) if mistake == "no shuffle" else rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            value = loss.forward(model.forward(X[rows]), y[rows])
            optimizer.zero_grad()
            model.backward(loss.backward())
            optimizer.step()
            total += value * len(rows)
        losses.append(total / len(X))
        val_losses.append(dm.evaluate(model, loss, X_val, y_val)["loss"])
        if best is None or val_losses[-1] < best:
            best, kept = val_losses[-1], model.get_weights()
            waited = waited if mistake == "no reset" else 0
        else:
            waited += 1
            limit = patience + 1 if mistake == "late" else patience
            if mistake != "never stops" and waited >= limit:
                break
    if mistake != "no restore":
        model.set_weights(kept)
    return (val_losses, losses) if mistake == "swapped" else (losses, val_losses)


EARLY_MISTAKES = [
    ("no restore", "the model's 0.weights after your function returned", "put back the"),
    ("late", "val_losses (one validation loss per epoch that ran)", "one epoch too many"),
    ("never stops", "val_losses (one validation loss per epoch that ran)", "it never stopped"),
    ("no reset", "val_losses (one validation loss per epoch that ran)", "set the count back to 0"),
    ("no shuffle", "val_losses (one validation loss per epoch that ran)", "shuffle the data"),
    ("swapped", "val_losses (one validation loss per epoch that ran)", "the training losses"),
]


def test_a_correct_early_stopping_loop_passes(capsys):
    check.fit_with_early_stopping(fit_with_early_stopping)
    out = capsys.readouterr().out
    assert re.fullmatch(r"✅ fit_with_early_stopping passed \d+ checks\.\n", out), out


@pytest.mark.parametrize(
    "mistake, output, hint", EARLY_MISTAKES, ids=[m[0] for m in EARLY_MISTAKES]
)
def test_each_early_stopping_mistake_is_named(mistake, output, hint):
    with pytest.raises(ExerciseFailed) as caught:
        check.fit_with_early_stopping(lambda *args: fit_with_early_stopping(*args, mistake=mistake))
    message = str(caught.value)
    assert message.startswith("fit_with_early_stopping (check case "), message
    assert f": {output} is wrong." in message, message
    assert re.search(r"expected shape \([\d, ]*\), received shape \([\d, ]*\)", message), message
    assert "\n  hint: " in message and hint in message.split("hint: ")[1], message


def test_the_early_stopping_cases_stop_early_once_and_run_through_once():
    import demystify as dm
    from demystify.exercises.checks_06 import _overfitting_problem, _variant

    for seed, epochs, patience, stops in ((2, 60, 4, True), (1, 8, 4, False)):
        (X, y, X_val, y_val), fresh = _overfitting_problem(seed)
        reference = fresh()
        history = dm.fit(
            *reference,
            X,
            y,
            epochs=epochs,
            batch_size=10,
            validation=(X_val, y_val),
            early_stopping=patience,
            seed=seed,
            verbose=0,
        )
        assert (len(history["loss"]) < epochs) == stops
        assert np.argmin(history["val_loss"]) < len(history["loss"]) - 1  # restoring matters
        # the checker's mistake-free variant is dm.fit, exactly: the mistakes are built on it
        losses, val_losses, weights = _variant(
            *fresh(), X, y, X_val, y_val, epochs, 10, seed, patience
        )
        np.testing.assert_allclose(losses, history["loss"], rtol=1e-12)
        np.testing.assert_allclose(val_losses, history["val_loss"], rtol=1e-12)
        for mine, theirs in zip(weights, reference[0].get_weights()):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("name", ["adam_step", "fit_with_early_stopping"])
def test_the_05_and_06_stubs_say_your_turn(name):
    with pytest.raises(NotImplementedYet, match=rf"^not implemented yet — your turn: .*`{name}`"):
        getattr(check, name)(stub)


# --- notebook 09: one round of model averaging, by hand --------------------------------------


def averaging_round(
    weights, make_model, make_optimizer, loss, blocks, batch_size, seeds, mistake=None
):
    import demystify as dm

    trained, rows, current = [], [], weights
    for k, (X_k, y_k) in enumerate(blocks):
        model = make_model()
        if mistake != "fresh":
            model.set_weights(current if mistake == "sequential" else weights)
        seed = seeds[0] if mistake == "one seed" else seeds[k]
        dm.fit(model, loss, make_optimizer(model), X_k, y_k, 1, batch_size, seed=seed, verbose=0)
        trained.append(model.get_weights())
        rows.append(len(X_k))
        current = trained[-1]
    shares = {
        "plain mean": [1 / len(rows)] * len(rows),
        "sum": [1.0] * len(rows),
    }.get(mistake, [n / sum(rows) for n in rows])
    return [sum(share * w for share, w in zip(shares, layer)) for layer in zip(*trained)]


AVERAGING_MISTAKES = [
    ("plain mean", "share of the rows, n_k / N"),
    ("sum", "that is a sum"),
    ("sequential", "every block must start from the same `weights`"),
    ("fresh", "start every block from `weights`"),
    ("one seed", "its own seed, seeds[k]"),
]


def test_a_correct_averaging_round_passes(capsys):
    check.averaging_round(averaging_round)
    out = capsys.readouterr().out
    assert re.fullmatch(r"✅ averaging_round passed \d+ checks\.\n", out), out


@pytest.mark.parametrize(
    "mistake, hint", AVERAGING_MISTAKES, ids=[m[0] for m in AVERAGING_MISTAKES]
)
def test_each_averaging_mistake_is_named(mistake, hint):
    with pytest.raises(ExerciseFailed) as caught:
        check.averaging_round(lambda *args: averaging_round(*args, mistake=mistake))
    message = str(caught.value)
    assert message.startswith("averaging_round (check case 1, blocks of 30, 50, 20 rows"), message
    assert ": the averaged 0.weights is wrong." in message, message
    assert "\n  hint: " in message and hint in message.split("hint: ")[1], message


def test_the_averaging_checker_agrees_with_spark_fit_on_one_round():
    """The checker's reference (dm.fit on every block, row-weighted mean) is what
    `dms.fit(mode="average")` computes on its workers, given the same seeds."""
    import pickle
    from types import SimpleNamespace

    import demystify as dm
    from demystify.exercises.checks_09 import _averaging_problem, _mean, _trained
    from demystify.spark import NO_SUMS, _add, _averaged_weights

    blocks, make_model, make_optimizer = _averaging_problem((30, 50, 20), 0)
    loss, start = dm.SoftmaxCrossEntropy(), make_model()
    optimizer = make_optimizer(start)
    seeds = [[7, 2, k] for k in range(3)]
    shares = [len(X) / 100 for X, _ in blocks]
    expected = _mean(
        _trained(start.get_weights(), make_model, make_optimizer, loss, blocks, 8, seeds), shares
    )
    shared = SimpleNamespace(value=pickle.dumps((start, optimizer, 2, 100)))
    sums = NO_SUMS
    for k, (X, y) in enumerate(blocks):
        sums = _add(sums, _averaged_weights(k, X, y, shared, loss, 8, 1, 7))
    for mine, theirs in zip(sums.arrays, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_the_09_stub_says_your_turn():
    with pytest.raises(
        NotImplementedYet, match=r"^not implemented yet — your turn: .*`averaging_round`"
    ):
        check.averaging_round(stub)


# === notebooks 04 and 07: backward through a list of layers; the weight that moved most =========
# (checks_04, checks_07)


def sequential_backward(layers, grad_out, mistake=None):
    """A learner's loop over the layers: right by default, or with a classic mistake."""
    order = list(layers) if mistake == "first to last" else list(reversed(layers))
    if mistake == "first layer left out":
        order = order[:-1]
    grad = grad_out
    for layer in order:
        if mistake == "twice":
            layer.backward(grad)
        grad = layer.backward(grad_out if mistake == "not handed on" else grad)
    return grad_out if mistake == "returns grad_out" else grad


def largest_change(before, after, mistake=None):
    """A learner's answer: right by default, or with a classic mistake."""
    moved = after - before
    score = {"no abs": moved, "largest weight": np.abs(after)}.get(mistake, np.abs(moved))
    flat = int(np.argmax(score))
    i, j = np.unravel_index(flat, moved.shape)
    if mistake == "swapped":
        i, j = j, i
    if mistake == "divmod by rows":
        i, j = divmod(flat, moved.shape[0])
    change = moved[np.unravel_index(flat, moved.shape)]
    change = {"before - after": -change, "size": abs(change)}.get(mistake, change)
    return int(i), int(j), float(change)


LAYER_LOOP_MISTAKES = [
    ("first to last", "the returned gradient dL/dx", "for layer in reversed(layers)"),
    ("not handed on", "the returned gradient dL/dx", "every layer got the same grad_out"),
    ("first layer left out", "the returned gradient dL/dx", "the first layer (layers[0])"),
    ("returns grad_out", "the returned gradient dL/dx", "you returned grad_out itself"),
    ("twice", "the gradient in 0.weights.grad (layer 0, Dense)", "backward *adds* into .grad"),
]

CHANGE_MISTAKES = [
    ("no abs", "the entry (i, j)", "another moved further *down*"),
    ("largest weight", "the entry (i, j)", "the largest weight, not the largest change"),
    ("swapped", "the entry (i, j)", "row and column look swapped"),
    ("divmod by rows", "the entry (i, j)", "np.unravel_index"),
    ("before - after", "the change of entry (1, 0)", "keep the sign"),
    ("size", "the change of entry (1, 0)", "keep the sign"),
]


@pytest.mark.parametrize("name", ["sequential_backward", "largest_change"])
def test_a_correct_layer_loop_and_largest_change_pass(name, capsys):
    getattr(check, name)(globals()[name])
    assert re.fullmatch(rf"✅ {name} passed \d+ checks\.\n", capsys.readouterr().out)


@pytest.mark.parametrize(
    "mistake, output, hint", LAYER_LOOP_MISTAKES, ids=[m[0] for m in LAYER_LOOP_MISTAKES]
)
def test_each_layer_loop_mistake_is_named(mistake, output, hint, capsys):
    wrong = (lambda layers, grad_out: sequential_backward(layers, grad_out, mistake),)
    test_a_common_mistake_is_named("sequential_backward", wrong, output, hint, capsys)


@pytest.mark.parametrize(
    "mistake, output, hint", CHANGE_MISTAKES, ids=[m[0] for m in CHANGE_MISTAKES]
)
def test_each_largest_change_mistake_is_named(mistake, output, hint, capsys):
    wrong = (lambda before, after: largest_change(before, after, mistake),)
    test_a_common_mistake_is_named("largest_change", wrong, output, hint, capsys)


def test_the_largest_change_cases_catch_a_missing_abs_and_swapped_indices():
    """At least one case moved most *downwards* while another entry rose most, and no matrix is
    square: otherwise the checker could not tell those mistakes from the right answer."""
    from demystify.exercises.checks_07 import _SNAPSHOTS, _snapshots

    downwards = 0
    for seed, name in _SNAPSHOTS:
        before, after = _snapshots(seed, name)
        moved = after - before
        assert moved.shape[0] != moved.shape[1]
        biggest = np.argmax(np.abs(moved))
        downwards += moved.flat[biggest] < 0 and biggest != np.argmax(moved)
    assert downwards >= 1


def test_largest_change_wants_three_things_back():
    with pytest.raises(ExerciseFailed, match=r"should return 3 things, \(i, j, change\)"):
        check.largest_change(lambda before, after: largest_change(before, after)[:2])


def test_the_layer_loop_leaves_no_trace_of_its_own_forward(capsys):
    """The checker runs forward itself; a loop that ignores `layers` cannot pass."""
    with pytest.raises(ExerciseFailed, match="the returned gradient dL/dx is wrong"):
        check.sequential_backward(lambda layers, grad_out: np.zeros_like(grad_out))


@pytest.mark.parametrize("name", ["sequential_backward", "largest_change"])
def test_the_04_and_07_stubs_say_your_turn(name):
    with pytest.raises(NotImplementedYet, match=rf"^not implemented yet — your turn: .*`{name}`"):
        getattr(check, name)(stub)
