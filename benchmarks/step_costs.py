"""Where does one training step go? demystify's pieces beside the hand loop's, timed with timeit.

    python benchmarks/step_costs.py [--batch 128] [--number 300]

`train_speed.py` says how long an epoch takes; this script says why demystify's epoch
is a few per cent longer than the hand-written NumPy loop's. It times, on one batch
of the benchmark's job (784-256-128-10 ReLU MLP, float32, softmax cross-entropy, SGD),
each piece of a step in both versions -- forward, loss, backward, update -- plus the
things only demystify does: the running accuracy, and the check of the whole
training set that `fit` runs once per call. Each time is the best of 7 repeats.
The pieces are timed apart, so they need not add up to the whole step exactly
(caches are warmer when a piece runs on its own).
"""

import argparse
import timeit

import numpy as np
from train_systems import LR, SIZES, hand_backward, hand_forward, hand_loss_gradient, init_weights

import demystify as dm
from demystify import backend
from demystify.metrics import hits
from demystify.training import check_data


def best_microseconds(function, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=7)) / number * 1e6


PIECES = (
    "forward (3 matmuls, 2 ReLUs)",
    "loss value and gradient",
    "backward",
    "backward and SGD update",
    "running accuracy",
    "whole step",
)


def the_model() -> tuple[dm.Sequential, dm.SoftmaxCrossEntropy]:
    """The benchmark's network, holding the hand loop's starting weights, and its loss."""
    model = dm.Sequential(
        [dm.Dense(784, 256), dm.ReLU(), dm.Dense(256, 128), dm.ReLU(), dm.Dense(128, 10)]
    )
    model.set_weights([array for pair in init_weights() for array in pair])  # the hand loop's start
    return model, dm.SoftmaxCrossEntropy()


def demystify_times(model, loss, x, y, n: int) -> list[float]:
    """Microseconds of each of `PIECES` in demystify."""
    optimizer = dm.SGD(
        model.parameters(), lr=LR * 1e-3
    )  # tiny steps: the weights stay put while we time
    outputs = model.forward(x)
    loss.forward(outputs, y)
    grad_outputs = loss.backward()

    def demystify_backward():
        optimizer.zero_grad()
        model.backward(grad_outputs, input_grad=False)

    def demystify_backward_and_update():
        demystify_backward()
        optimizer.step()

    def demystify_step():  # one step of dm.fit's epoch: train_step, then count the right answers
        _, scores = dm.train_step(model, loss, optimizer, backend.asarray(x), y)
        hits(scores, y)

    return [
        best_microseconds(lambda: model.forward(x), n),
        best_microseconds(lambda: (loss.forward(outputs, y), loss.backward()), n),
        best_microseconds(demystify_backward, n),
        best_microseconds(demystify_backward_and_update, n),
        best_microseconds(lambda: hits(outputs, y), n),
        best_microseconds(demystify_step, n),
    ]


def hand_times(x, y, n: int) -> list[float]:
    """Microseconds of each of `PIECES` in the hand loop of train_speed.py (its own functions)."""
    params = [(w.copy(), b.copy()) for w, b in init_weights()]
    activations = hand_forward(params, x)
    hand_grad = hand_loss_gradient(activations[-1], y)

    def hand_step():
        acts = hand_forward(params, x)
        hand_backward(params, acts, hand_loss_gradient(acts[-1], y), LR * 1e-3)

    return [
        best_microseconds(lambda: hand_forward(params, x), n),
        best_microseconds(lambda: hand_loss_gradient(activations[-1], y), n),
        best_microseconds(lambda: hand_backward(params, activations, hand_grad, 0.0), n),
        best_microseconds(lambda: hand_backward(params, activations, hand_grad, LR * 1e-3), n),
        0.0,
        best_microseconds(hand_step, n),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--number", type=int, default=300, help="calls per timing")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.random((args.batch, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], args.batch)
    model, loss = the_model()
    n = args.number
    rows = zip(PIECES, demystify_times(model, loss, x, y, n), hand_times(x, y, n))
    steps = -(-60_000 // args.batch)
    print(
        f"one step at batch {args.batch}, microseconds (best of 7 x {n}); "
        f"'per epoch' = x {steps} steps of a 60,000-row epoch, in ms"
    )
    header = ("piece", "demystify", "hand loop", "difference", "per epoch")
    print("| {:<30} | {:>9} | {:>9} | {:>10} | {:>9} |".format(*header))
    print("|---|---|---|---|---|")
    for name, mine, hand in rows:
        per_epoch = (mine - hand) * steps / 1e3
        print(
            f"| {name:<30} | {mine:9.1f} | {hand:9.1f} | {mine - hand:+10.1f} | {per_epoch:+9.2f} |"
        )

    X = rng.random((60_000, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], 60_000)
    check = best_microseconds(lambda: check_data(model, loss, X, labels), 3)
    print(
        f"\nonce per fit call: checking the 60,000 x 784 training set (finite values, labels) "
        f"takes {check / 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
