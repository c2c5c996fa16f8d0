"""The exercise checkers: a right answer passes, each well-known mistake fails in plain words.

The correct implementations below are written here, independently of the
notebooks; the wrong ones are the classic mistakes a learner makes. Each wrong
one must fail with `ExerciseFailed`, name the wrong output, show both shapes
and the first differing entry, and give the matching hint.
"""

import re

import numpy as np
import pytest
from helpers import assert_mistake_named, stub

from demystify.exercises import ExerciseFailed, NotImplementedYet, check
from demystify.exercises.check import RaisedInYourCode

# --- correct implementations -----------------------------------------------------------------


def neuron_forward(inputs, weights, bias):
    return float(np.dot(inputs, weights) + bias)


def dense_forward(x, weights, bias):  # 1.2: the bias folded into the weights, one product
    return np.hstack([x, np.ones((len(x), 1))]) @ np.vstack([weights, bias])


def relu(x, ceiling=np.inf):  # 2.1: a ReLU clipped at a ceiling
    return np.minimum(np.maximum(x, 0), ceiling)


def relu_derivative(x, ceiling=np.inf):
    return ((x > 0) & (x < ceiling)).astype(float)


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
    check.dense_forward(lambda x, w, b: dense_forward(x.astype(np.float32), w, b).tolist())
    check.neuron_forward(lambda i, w, b: np.array([i @ w + b]))  # one number in a 1-element array
    assert capsys.readouterr().out.count("✅") == 2


def test_the_training_loop_may_average_the_batch_losses_unweighted(capsys):
    # a plain mean of the batch losses differs from fit's weighted mean only when the last
    # batch is smaller; both are fair answers, and the checker runs such a case
    check.training_loop(training_loop)
    assert "✅ training_loop passed" in capsys.readouterr().out


# --- mistakes --------------------------------------------------------------------------------


MISTAKES = [
    # (checker, learner's functions, wrong output named in the message, hint fragment)
    ("neuron_forward", (lambda i, w, b: i * w + b,), "the output", "add the products up"),
    ("neuron_forward", (lambda i, w, b: float(i @ w),), "the output", "the bias is missing"),
    ("dense_forward", (lambda x, w, b: dense_forward(x, w.T, b),), "the output", "transposed"),
    ("dense_forward", (lambda x, w, b: x @ w,), "the output", "the bias is missing"),
    (
        "relu",
        (lambda x, c=np.inf: np.minimum(np.max(x, 0), c), relu_derivative),
        "relu(x)",
        "np.maximum(x, 0)",
    ),
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
    assert_mistake_named(name, functions, output, hint, capsys)


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
    with pytest.raises(
        ExerciseFailed, match=r"the output should be numbers .* but it is text, a str"
    ):
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
    def in_place(x, ceiling=np.inf):
        x[x < 0] = 0
        x[x > ceiling] = ceiling
        return x

    with pytest.raises(ExerciseFailed, match=r"`relu` changed its argument `x` in place"):
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


def test_a_bug_inside_the_learners_code_is_one_plain_paragraph():
    def clash(x, weights, bias):
        return x @ weights @ np.ones((5, 5))  # NumPy's matmul shape clash, in the learner's line

    with pytest.raises(RaisedInYourCode) as caught:
        check.dense_forward(clash)
    message = str(caught.value)
    assert isinstance(caught.value, ExerciseFailed) and isinstance(caught.value.error, ValueError)
    assert message.startswith("dense_forward (check case 1, with x of shape (4, 3), ")
    assert "your code raised ValueError while running `dense_forward` on this case's inputs" in (
        message
    )
    assert re.search(
        r"the line that raised: line \d+ of your `clash` \(test_exercises\.py\): "
        r"return x @ weights @ np\.ones\(\(5, 5\)\)",
        message,
    ), message
    assert len(message.splitlines()) == 3  # what was called, the error, the line: no traceback
    assert caught.traceback[-1].name == "public"  # and no frame of the checker's insides


def test_the_checker_leaves_the_chosen_backend_alone():
    import demystify as dm

    with dm.use("array_api_strict"):
        check.dense_forward(dense_forward)
        assert dm.backend_name() == "array_api_strict"
