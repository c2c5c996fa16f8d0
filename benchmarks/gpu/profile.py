"""One training step taken apart on the GPU: microseconds per step of each piece, and of the
step with one thing fewer at a time, down to the hand-written CuPy loop (the floor).

Every step is the library's own: `dm.train_step` with `dm.SoftmaxCrossEntropy`, on a batch
drawn by `dm.training.minibatches`, plus the running accuracy `train_epoch` keeps
(`metrics.hits`). Runs inside its own process (``gpu_check.py --phase profile``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .plan import BATCHES, HERE, REPO

# the profile's step variants, each one thing fewer than the one before
WHOLE, NO_ACCURACY = "whole step, as fit takes it", "- without the running accuracy"
HAND_STEP, TORCH_STEP = "hand CuPy loop step (the floor)", "PyTorch eager CUDA step"
TIMED_ROWS = 6_400  # each timing runs a piece on at least this many rows, so that a small
MIN_CALLS = 3  # batch is called often enough (at least MIN_CALLS) to rise above clock noise
BEST_OF = 3  # the best of this many timings: the others met a hiccup of the machine
TINY_STEPS = 1e-3  # times train_systems' LR: the weights barely move, every step is alike


def _timer(sync, calls: int):
    def timed(function, wait: bool = True) -> float:
        """Best of BEST_OF: microseconds per call, waiting for the GPU at the end (or not)."""
        best = float("inf")
        for _ in range(BEST_OF):
            sync()
            start = time.perf_counter()
            for _ in range(calls):
                function()
            if wait:
                sync()
            best = min(best, time.perf_counter() - start)
            sync()
        return best / calls * 1e6

    return timed


def _torch_step(X, y, sizes, lr):
    """PyTorch's eager step on the same batch, or None without a CUDA PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.manual_seed(0)
    linear = [torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    relu = torch.nn.ReLU
    model = torch.nn.Sequential(linear[0], relu(), linear[1], relu(), linear[2]).cuda()
    optimizer, loss = torch.optim.SGD(model.parameters(), lr=lr), torch.nn.CrossEntropyLoss()

    def step():
        x, target = torch.from_numpy(X).to("cuda"), torch.from_numpy(y).to("cuda")
        optimizer.zero_grad(set_to_none=True)
        loss(model(x), target).backward()
        optimizer.step()

    step()  # warm up
    return step


def _pieces(setup: dict, rows) -> list:
    """(what, function, waits for the GPU at the end, also its launch time), for one batch."""
    from train_systems import hand_backward, hand_forward, hand_loss_gradient

    import demystify as dm
    from demystify import backend, metrics

    model, loss, optimizer = setup["model"], setup["loss"], setup["optimizer"]
    X, y, labels, params, lr = setup["X"], setup["y"], setup["labels"], setup["hand"], setup["lr"]
    xb, yb = X[rows], y[rows]
    on_device = backend.asarray(xb)
    outputs = model.forward(on_device)
    loss.forward(outputs, yb)
    grad = loss.backward()

    def step(with_accuracy=True):  # what train_epoch does with one batch
        _, judged = dm.train_step(model, loss, optimizer, backend.asarray(X[rows]), y[rows])
        if with_accuracy:
            metrics.hits(judged, labels[rows])

    def backward_and_update():
        optimizer.zero_grad()
        model.backward(grad, input_grad=False)
        optimizer.step()

    xp = setup["xp"]

    def hand_step():
        acts = hand_forward(params, xp.asarray(X[rows]), xp)
        hand_backward(params, acts, hand_loss_gradient(acts[-1], xp.asarray(y[rows]), xp), lr)

    pieces = [
        ("X[rows]: gather the batch on the host", lambda: X[rows], False, False),
        ("backend.asarray(batch): copy it to the GPU", lambda: backend.asarray(xb), True, False),
        (
            "loss.forward: one-hot, softmax, float() waits for the GPU",
            lambda: loss.forward(outputs, yb),
            True,
            False,
        ),
        (
            "running accuracy: outputs to the host, argmax",
            lambda: metrics.hits(outputs, labels[rows]),
            True,
            False,
        ),
        ("forward (3 matmuls, 2 ReLUs)", lambda: model.forward(on_device), True, True),
        ("backward and SGD update", backward_and_update, True, True),
        (WHOLE, step, True, False),
        (NO_ACCURACY, lambda: step(False), True, True),
        (HAND_STEP, hand_step, True, True),
    ]
    torch_step = _torch_step(xb, yb, setup["sizes"], lr)
    if torch_step is not None:
        pieces.append((TORCH_STEP, torch_step, True, True))
    return pieces


def _device(name: str):
    """The array module of the backend `name` and a function that waits for its device."""
    if name == "cupy":
        import cupy

        return cupy, cupy.cuda.Device().synchronize
    import numpy

    return numpy, lambda: None  # NumPy has finished when it returns: the test's dry run


def _setup(batches, backend: str) -> dict:
    """The network of train_speed.py on the backend, its data, the hand loop's weights, a loss."""
    import numpy as np
    from train_systems import LR, SIZES, init_weights

    import demystify as dm

    rows = 2 * max(batches)
    rng = np.random.default_rng(0)
    X = rng.random((rows, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], rows)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers += [dm.Dense(n_in, n_out)] + ([dm.ReLU()] if k < len(SIZES) - 2 else [])
    model = dm.Sequential(layers)
    model.set_weights([array for pair in init_weights() for array in pair])
    lr = LR * TINY_STEPS
    xp, sync = _device(backend)
    return {
        "X": X,
        "y": y,
        "labels": dm.metrics.labels(y),
        "sizes": SIZES,
        "lr": lr,
        "model": model,
        "loss": dm.SoftmaxCrossEntropy(),
        "optimizer": dm.SGD(model.parameters(), lr=lr),
        "hand": [(xp.asarray(w), xp.asarray(b)) for w, b in init_weights()],
        "xp": xp,
        "sync": sync,
    }


def profile_phase(batches=BATCHES, json_path: Path | None = None, backend="cupy") -> dict:
    """One training step at each batch size, taken apart: microseconds per step of each piece.

    With `json_path`, what is measured is written there after each piece (a timeout keeps it).
    ``backend="numpy"`` is a dry run of the same code on the CPU (for the tests).
    """
    sys.path[:0] = [str(REPO), str(HERE)]
    import numpy as np

    import demystify as dm

    found = {"batches": {}}
    with dm.use(backend):
        setup = _setup(batches, backend)
        for batch in batches:
            rows = next(dm.training.minibatches(len(setup["X"]), batch, np.random.default_rng(1)))
            timed = _timer(setup["sync"], max(MIN_CALLS, TIMED_ROWS // batch))
            measured = found["batches"].setdefault(str(batch), [])
            for what, function, wait, launch in _pieces(setup, rows):
                measured.append({"piece": what, "us": timed(function, wait)})
                if launch:
                    measured[-1]["host_us"] = timed(function, wait=False)
                if json_path:
                    json_path.write_text(json.dumps(found, indent=1))
    return found
