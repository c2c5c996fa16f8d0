"""The checkers of notebooks 04, 07 and 09: backward through a list of layers (checks_04),
the weight that moved most (checks_07), one round of model averaging (checks_09).

The correct implementations are written here, independently of the notebooks; the
wrong ones are the classic mistakes (see test_exercises.py for the harness's own rules).
"""

import re

import numpy as np
import pytest
from helpers import assert_mistake_named, stub

from demystify.exercises import ExerciseFailed, NotImplementedYet, check

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
    assert_mistake_named("sequential_backward", wrong, output, hint, capsys)


@pytest.mark.parametrize(
    "mistake, output, hint", CHANGE_MISTAKES, ids=[m[0] for m in CHANGE_MISTAKES]
)
def test_each_largest_change_mistake_is_named(mistake, output, hint, capsys):
    wrong = (lambda before, after: largest_change(before, after, mistake),)
    assert_mistake_named("largest_change", wrong, output, hint, capsys)


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
