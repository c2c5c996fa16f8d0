"""The checkers of notebooks 05 and 06: Adam's step (checks_05), early stopping in your own
loop (checks_06).

The correct implementations are written here, independently of the notebooks; the
wrong ones are the classic mistakes (see test_exercises.py for the harness's own rules).
"""

import re

import numpy as np
import pytest
from helpers import stub

from demystify.exercises import ExerciseFailed, NotImplementedYet, check


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
