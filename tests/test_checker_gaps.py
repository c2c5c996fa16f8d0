"""Checkers without gaps: each wrong answer a learner tried, and each way a function can misbehave
(crash, never return, answer in text), fails with the mistake named in plain words.

The wrong answers are the ones listed in issue 27: a ReLU slope of 1 at x = 0 or one of
True/False, a momentum step that updates its arrays in place, a Python loop where the text asks
for none, a wrong index inside 7.1, a shape error inside 10.1, a function that never returns,
and answers returned as strings or complex numbers. Their correct answers pass in
``test_exercises.py``; here each mistake is named.
"""

import re

import numpy as np
import pytest
from helpers import assert_mistake_named

from demystify.exercises import ExerciseFailed, check, harness
from demystify.exercises.check import RaisedInYourCode

# --- 2.1: the clipped ReLU's slope at its kinks, and numbers rather than True/False ------------


def relu(x, ceiling=np.inf):
    return np.clip(x, 0, ceiling)


def relu_derivative(x, ceiling=np.inf):
    return ((x > 0) & (x < ceiling)).astype(float)


RELU_MISTAKES = [
    # (relu, relu_derivative, wrong output, hint fragment)
    (relu, lambda x, c=np.inf: ((x >= 0) & (x < c)).astype(float), "relu_derivative", "x >= 0"),
    (relu, lambda x, c=np.inf: ((x > 0) & (x <= c)).astype(float), "relu_derivative", "x <= c"),
    (relu, lambda x, c=np.inf: (x > 0).astype(float), "relu_derivative", "flat, so its slope"),
    (lambda x, c=np.inf: np.maximum(x, 0), relu_derivative, "relu", "the ceiling is missing"),
    (lambda x, c=np.inf: np.minimum(x, c), relu_derivative, "relu", "the floor is missing"),
]


@pytest.mark.parametrize("function, derivative, output, hint", RELU_MISTAKES)
def test_the_relu_slope_at_the_kinks_and_the_ceiling_are_named(
    function, derivative, output, hint, capsys
):
    assert_mistake_named("relu", (function, derivative), f"{output}(x)", hint, capsys)


def test_a_relu_slope_of_one_at_zero_fails_even_without_a_ceiling():
    with pytest.raises(ExerciseFailed) as caught:
        check.relu(relu, lambda x, c=np.inf: (x >= 0).astype(float))
    message = str(caught.value)
    assert message.startswith("relu (check case 1, with x of shape (7,) (no ceiling given))")
    assert "at x = 0 exactly the slope is 0" in message


def test_a_relu_slope_of_true_and_false_is_refused_with_the_mistake_named():
    with pytest.raises(ExerciseFailed) as caught:
        check.relu(relu, lambda x, c=np.inf: (x > 0) & (x < c))
    message = str(caught.value)
    assert "relu_derivative(x) should be numbers (a NumPy array), but it holds True/False" in (
        message
    )
    assert "hint: a comparison such as x > 0 gives booleans" in message
    assert ".astype(float)" in message


# --- 5.1: new arrays, not the given ones changed in place ----------------------------------------


def test_a_momentum_step_that_updates_its_arrays_in_place_fails():
    def in_place(weights, grad, velocity, lr, momentum):
        velocity *= momentum
        velocity += grad
        weights -= lr * velocity
        return weights, velocity  # the right numbers, but the caller's arrays overwritten

    with pytest.raises(ExerciseFailed) as caught:
        check.sgd_momentum_step(in_place)
    message = str(caught.value)
    assert "`sgd_momentum_step` changed its argument `weights` in place" in message
    assert "the exercise asks for new arrays" in message and "hint: compute a new array" in message


# --- 1.1 and 1.2: no Python loop where the text asks for none; 1.2 folds the bias in -----------


def test_a_neuron_written_with_a_python_loop_fails():
    def looped(inputs, weights, bias):
        total = bias
        for x_i, w_i in zip(inputs, weights):
            total += x_i * w_i
        return total

    with pytest.raises(ExerciseFailed) as caught:
        check.neuron_forward(looped)
    message = str(caught.value)
    assert "check case 4, reading your code" in message
    assert "`neuron_forward` runs a `for` loop, a Python loop (for x_i, w_i in zip(" in message
    assert "hint: the dot product" in message


def test_a_dense_layer_looping_over_the_examples_fails():
    def one_row_at_a_time(x, weights, bias):
        with_ones = np.vstack([weights, bias])
        return np.array([np.append(row, 1.0) @ with_ones for row in x])

    with pytest.raises(ExerciseFailed, match=r"runs a comprehension, a Python loop"):
        check.dense_forward(one_row_at_a_time)


def test_the_given_away_dense_layer_with_a_plus_is_not_the_new_exercise():
    with pytest.raises(ExerciseFailed) as caught:
        check.dense_forward(lambda x, weights, bias: x @ weights + bias)
    message = str(caught.value)
    assert "the output is right, but your code adds the bias with `+`" in message
    assert "np.vstack([weights, bias])" in message


def test_the_ones_and_the_bias_row_at_opposite_ends_are_named(capsys):
    def mismatched(x, weights, bias):
        return np.hstack([np.ones((len(x), 1)), x]) @ np.vstack([weights, bias])

    assert_mistake_named("dense_forward", (mismatched,), "the output", "the same end", capsys)


# --- any error inside the learner's code: one plain paragraph ------------------------------------


def three_lines(message: str) -> list[str]:
    lines = message.splitlines()
    assert len(lines) == 3, message  # what was called, the error, the line that raised
    return lines


def test_a_wrong_index_inside_largest_change_is_one_plain_paragraph():
    def wrong_index(before, after):
        delta = np.abs(after - before)
        i, j = np.unravel_index(np.argmax(delta), delta.shape)
        return i, j, (after - before)[j, i + 10]  # row and column swapped, and off the end

    with pytest.raises(RaisedInYourCode) as caught:
        check.largest_change(wrong_index)
    first, error, line = three_lines(str(caught.value))
    assert first.startswith("largest_change (check case 1, ")
    assert first.endswith(
        "your code raised IndexError while running `largest_change` on this case's inputs:"
    )
    assert "out of bounds" in error
    assert re.search(r"line \d+ of your `wrong_index` \(test_checker_gaps\.py\): return i, j", line)
    assert isinstance(caught.value.error, IndexError)


def test_a_shape_error_inside_es_gradient_is_one_plain_paragraph():
    def wrong_shape(fitness, theta, eps, sigma):
        up = np.array([fitness(theta + sigma * e) for e in eps])
        down = np.array([fitness(theta - sigma * e) for e in eps])
        return eps @ (up - down) / (2 * len(eps) * sigma)  # (n, d) @ (n,): the shapes clash

    with pytest.raises(RaisedInYourCode) as caught:
        check.es_gradient(wrong_shape)
    first, error, line = three_lines(str(caught.value))
    assert "your code raised ValueError while running `es_gradient`" in first
    assert "matmul" in error and "mismatch" in error
    assert "line" in line and "eps @ (up - down)" in line
    assert "Traceback" not in str(caught.value)


def test_the_capstone_reports_a_crash_in_the_checkers_words_and_keeps_the_error():
    # parts.py reads `.error` to tell a missing name from a bug: the error travels with the failure
    def missing(x, weights, bias):
        return undefined_helper(x)  # noqa: F821

    with pytest.raises(RaisedInYourCode) as caught:
        check.dense_forward(missing)
    assert isinstance(caught.value.error, NameError)
    assert "NameError while running `dense_forward`" in str(caught.value)


# --- a function that never returns ------------------------------------------------------------


def test_a_function_that_never_returns_is_stopped_with_a_plain_message(monkeypatch):
    monkeypatch.setattr(harness, "TIME_LIMIT", 0.3)

    def forever(x, ceiling=np.inf):
        while True:
            x = x + 0

    with pytest.raises(ExerciseFailed) as caught:
        check.relu(forever, relu_derivative)
    message = str(caught.value)
    assert "`relu` did not return within 0.3 seconds" in message
    assert "so the checker stopped it" in message and "a loop that never ends?" in message


def test_a_time_limit_ends_with_the_call_and_restores_the_alarm(monkeypatch):
    import signal

    monkeypatch.setattr(harness, "TIME_LIMIT", 0.3)
    check.relu(relu, relu_derivative)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


# --- answers as text or complex numbers ---------------------------------------------------------


def test_an_answer_returned_as_a_string_is_refused():
    with pytest.raises(ExerciseFailed) as caught:
        check.neuron_forward(lambda inputs, weights, bias: f"{np.dot(inputs, weights) + bias:.6f}")
    message = str(caught.value)
    assert (
        "the output should be numbers (a NumPy array or a float), but it is text, a str" in message
    )
    assert "hint: return the numbers themselves" in message


def test_an_array_of_strings_is_refused():
    with pytest.raises(
        ExerciseFailed,
        match=r"but it is text, a ndarray such as .0\.0.\n  hint: return the numbers",
    ):
        check.relu(lambda x, c=np.inf: relu(x, c).astype(str), relu_derivative)


def test_an_answer_in_complex_numbers_is_refused():
    with pytest.raises(ExerciseFailed) as caught:
        check.neuron_forward(lambda inputs, weights, bias: complex(np.dot(inputs, weights) + bias))
    message = str(caught.value)
    assert "the output should be real numbers (a NumPy array or a float), but it holds " in message
    assert "complex numbers" in message and "hint: a square root" in message


def test_an_error_inside_dm_gradcheck_on_the_learners_layer_is_one_plain_paragraph():
    import demystify as dm

    class Softplus(dm.Activation):
        def function(self, x):
            return np.logaddexp(0.0, x)

        def derivative(self, x, y):
            if x.shape == (5, 4):  # only inside the network of the gradcheck case
                return 1 / (1 + np.exp(-x)) @ np.ones((3, 3))
            return 1 / (1 + np.exp(-x))

    with pytest.raises(RaisedInYourCode) as caught:
        check.softplus(Softplus)
    first, error, line = three_lines(str(caught.value))
    assert first.startswith("softplus (check case 4, dm.gradcheck on Dense -> Softplus -> Dense")
    assert "your code raised ValueError while running `dm.gradcheck on it`" in first
    assert "line" in line and "your `derivative`" in line and "np.ones((3, 3))" in line
