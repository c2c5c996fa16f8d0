"""The job train_speed.py times, and the systems that do it: one epoch of an MNIST-sized MLP.

The job: a 784-256-128-10 ReLU network, softmax cross-entropy, plain SGD (lr 0.01),
one epoch over float32 rows. Here: its matmul FLOPs and the float32 matmul rate they
are divided by (the floating-point limit), a minimal hand-written NumPy/CuPy loop,
demystify on a backend, PyTorch eager and scikit-learn's MLPClassifier, each as a
function that makes an ``epoch(X, y, batch, seed)``; then the clock and the traced
memory of an epoch. ``python benchmarks/train_speed.py`` runs them against each other.
"""

from __future__ import annotations

import os
import time
import tracemalloc
import warnings

import numpy as np

import demystify as dm

SIZES = (784, 256, 128, 10)
LR = 0.01


def matmul_flops(rows: int) -> int:
    """Matmul FLOPs of one epoch: forward 2*n*sum(a*b); backward the weight gradient of
    every layer (same again) and the input gradient of every layer but the first."""
    pairs = list(zip(SIZES[:-1], SIZES[1:]))
    forward = 2 * rows * sum(a * b for a, b in pairs)
    backward = forward + 2 * rows * sum(a * b for a, b in pairs[1:])
    return forward + backward


def measured_matmul_rate(xp=np, n: int = 2048, sync=lambda: None) -> float:
    """float32 FLOP/s of a large square matmul (best of 5)."""
    a = xp.asarray(np.random.default_rng(0).random((n, n), dtype=np.float32))
    best = float("inf")
    for _ in range(6):
        sync()  # nothing queued before the clock starts
        start = time.perf_counter()
        xp.matmul(a, a)
        sync()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def init_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32), np.zeros(b, np.float32))
        for a, b in zip(SIZES[:-1], SIZES[1:])
    ]


# The floor: the fewest array operations one epoch of this MLP can be written with,
# in three pieces (step_costs.py times them one by one).


def hand_forward(params, x, xp=np) -> list:
    """Every layer's output, the input first; ReLU in place on the fresh matmul result."""
    activations = [x]
    for i, (w, b) in enumerate(params):
        z = x @ w
        z += b
        x = xp.maximum(z, 0, out=z) if i < len(params) - 1 else z
        activations.append(x)
    return activations


def hand_loss_gradient(scores, labels, xp=np):
    """Softmax cross-entropy, fused: only its gradient (softmax - onehot) / batch, in place."""
    z = scores - scores.max(axis=1, keepdims=True)
    p = xp.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[xp.arange(len(labels)), labels] -= 1
    return p / len(labels)


def hand_backward(params, activations, g, lr: float) -> None:
    """Backward, each layer's SGD update as soon as its gradients are known (lr=0: none)."""
    for i in reversed(range(len(params))):
        w, b = params[i]
        gw, gb = activations[i].T @ g, g.sum(axis=0)
        if i:
            g = g @ w.T
            g *= activations[i] > 0
        if lr:
            w -= lr * gw
            b -= lr * gb


def hand_loop(xp, to_device=lambda a: a):
    """One epoch of the hand-written loop, on NumPy or (with `to_device`) CuPy."""
    params = [(to_device(w), to_device(b)) for w, b in init_weights()]

    def epoch(X, y, batch, seed):
        order = np.random.default_rng(seed).permutation(len(X))
        for start in range(0, len(X), batch):
            index = order[start : start + batch]
            activations = hand_forward(params, to_device(X[index]), xp)
            grad_scores = hand_loss_gradient(activations[-1], to_device(y[index]), xp)
            hand_backward(params, activations, grad_scores, LR)

    epoch.params = params  # so a test can check that it trains exactly like demystify
    return epoch


def demystify_system(name):
    def make():
        with dm.use(name):
            model = dm.Sequential(
                [dm.Dense(784, 256), dm.ReLU(), dm.Dense(256, 128), dm.ReLU(), dm.Dense(128, 10)],
                seed=0,
            )
        loss = dm.SoftmaxCrossEntropy()
        optimizer = dm.SGD(model.parameters(), lr=LR)

        def epoch(X, y, batch, seed):
            with dm.use(name):
                dm.fit(
                    model, loss, optimizer, X, y, epochs=1, batch_size=batch, seed=seed, verbose=0
                )

        return epoch

    return make


def torch_system(device):
    def make():
        import torch

        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, 10),
        ).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        loss_fn = torch.nn.CrossEntropyLoss()

        def epoch(X, y, batch, seed):
            order = np.random.default_rng(seed).permutation(len(X))
            for start in range(0, len(X), batch):
                index = order[start : start + batch]
                x = torch.from_numpy(X[index]).to(device)
                target = torch.from_numpy(y[index]).to(device)
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(x), target).backward()
                optimizer.step()
            if device == "cuda":
                torch.cuda.synchronize()

        return epoch

    return make


def sklearn_system():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def epoch(X, y, batch, seed):
        model = MLPClassifier(
            hidden_layer_sizes=SIZES[1:-1],
            solver="sgd",
            learning_rate_init=LR,
            momentum=0.0,
            alpha=0.0,
            batch_size=batch,
            max_iter=1,
            shuffle=True,
            random_state=seed,
            tol=0.0,
            n_iter_no_change=10**9,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)

    return epoch


def gpu_available() -> bool:
    try:
        import cupy

        return bool(cupy.cuda.is_available())
    except Exception:
        return False


def systems(threads: int) -> dict:
    found = {f"demystify[{name}]": demystify_system(name) for name in dm.available_backends()}
    if "demystify[cupy]" in found:  # the clock stops only when the GPU has finished the epoch
        found["demystify[cupy]"] = lambda: _synced(demystify_system("cupy")())
    found["hand NumPy loop"] = lambda: hand_loop(np)
    try:
        import torch

        torch.set_num_threads(threads)
        found["PyTorch eager CPU"] = torch_system("cpu")
        if torch.cuda.is_available():
            found["PyTorch eager CUDA"] = torch_system("cuda")
    except ImportError:
        pass
    if gpu_available():
        import cupy

        found["hand CuPy loop"] = lambda: _synced(hand_loop(cupy, cupy.asarray))
    try:
        import sklearn  # noqa: F401

        found["scikit-learn MLP"] = sklearn_system
    except ImportError:
        pass
    return found


def _synced(epoch):
    import cupy

    def run(*args):
        epoch(*args)
        cupy.cuda.Device().synchronize()

    return run


def time_epochs(epoch, X, y, batch, repeats):
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        epoch(X, y, batch, repeat)
        times.append(time.perf_counter() - start)
    return min(times)


def memory_per_epoch(name, epoch, X, y, batch, epochs=3):
    """Peak bytes allocated during each of `epochs` epochs (host: tracemalloc; GPU: its pool)."""
    peaks = []
    if "CUDA" in name or "cupy" in name.lower():
        for e in range(epochs):
            if "CUDA" in name:
                import torch

                torch.cuda.reset_peak_memory_stats()
                epoch(X, y, batch, e)
                peaks.append(torch.cuda.max_memory_allocated())
            else:  # the pool keeps what it allocated: emptied first, its size is the epoch's peak
                import cupy

                pool = cupy.get_default_memory_pool()
                pool.free_all_blocks()
                epoch(X, y, batch, e)
                peaks.append(pool.total_bytes())
        return peaks
    if "PyTorch" in name or name == "demystify[torch]":
        return None  # torch's CPU allocator is invisible to tracemalloc
    tracemalloc.start()
    for e in range(epochs):
        tracemalloc.reset_peak()
        epoch(X, y, batch, e)
        peaks.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    return peaks


def blas_threads() -> int:
    """Threads of NumPy's BLAS (every peer gets as many); all cores without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # a bare machine: NumPy's BLAS uses every core by default
        return os.cpu_count() or 1
    return max(
        [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] or [1]
    )
