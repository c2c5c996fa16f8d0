"""How fast is demystify? One epoch of an MNIST-sized MLP beside its peers.

    python benchmarks/train_speed.py [--quick] [--batch 128 8192] [--rounds 5] [--repeats 2]
                                     [--only demystify hand] [--json results.json]

The same job for every system: 60,000 x 784 float32 inputs (random, seeded;
nothing is downloaded), a 784-256-128-10 ReLU network, softmax cross-entropy,
plain SGD (lr 0.01), one epoch. Systems: demystify on each available backend,
a minimal hand-written NumPy loop (the floor for a NumPy library), a hand-written
CuPy loop (GPU only), PyTorch eager on the same device, scikit-learn's
MLPClassifier, and the floating-point limit: the epoch's matmul FLOPs divided by
the float32 matmul rate measured here with one large ``np.matmul`` (and, with a GPU,
one large CuPy matmul for the GPU rows).

Every peer uses the same number of threads as NumPy's BLAS, and each system runs in a
fresh Python process: PyTorch's OpenMP worker threads otherwise keep spinning after it
finishes and slowed whichever system ran next by up to 2x on a 2-core machine. Times are the
best of ``--rounds`` x ``--repeats`` epochs, with the systems taking turns round by
round (on a shared, noisy machine a burst of load then hits every system alike
instead of whichever happened to be running, and the best time is the one least
disturbed by it). Memory is the traced peak of one epoch, and a 3-epoch run
checks that the peak does not grow from epoch to epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

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


def measure(
    batches, chosen, rows=60_000, rounds=5, repeats=2, memory=True, json_path=None, log=print
) -> dict:
    """Time the `chosen` systems at each batch size, every epoch run in a fresh worker process.

    Returns ``{"rows", "rounds", "repeats", "threads", "rate", "gpu_rate", "results", "memory",
    "errors", "complete"}``: results maps (system, batch) to the best seconds per epoch, memory
    maps a system to its peak bytes in each of 3 epochs (at the first batch size, when `memory`),
    errors maps a system whose worker failed to the end of its error output (it is not run
    again). With `json_path` the same is rewritten there as JSON after every worker, so a run cut
    short keeps what it measured (benchmarks/gpu_check.py reads it).
    """
    threads = blas_threads()
    data = {
        "rows": rows,
        "rounds": rounds,
        "repeats": repeats,
        "threads": threads,
        "rate": None,
        "gpu_rate": None,
        "results": {},
        "memory": {},
        "errors": {},
        "complete": False,
    }

    def save():
        if json_path:
            results = [
                {"system": name, "batch": batch, "seconds": seconds}
                for (name, batch), seconds in data["results"].items()
            ]
            Path(json_path).write_text(json.dumps({**data, "results": results}, indent=1))

    rate = data["rate"] = measured_matmul_rate()
    if gpu_available():  # the same limit for the GPU rows, from a cuBLAS float32 matmul
        import cupy

        data["gpu_rate"] = measured_matmul_rate(cupy, n=8192, sync=cupy.cuda.Device().synchronize)
        cupy.get_default_memory_pool().free_all_blocks()  # the workers need the memory, not us
        log(f"GPU float32 matmul rate {data['gpu_rate'] / 1e12:.1f} TFLOP/s")
    log(
        f"{rows:,} x {SIZES[0]} float32, MLP {'-'.join(map(str, SIZES))}, SGD, "
        f"{threads} BLAS thread(s), "
        f"float32 matmul rate {rate / 1e9:.1f} GFLOP/s, best of {rounds} rounds x {repeats} repeats"
    )
    results, errors = data["results"], data["errors"]
    for batch in batches:
        results[("FLOP limit (matmuls only)", batch)] = matmul_flops(rows) / rate
        if data["gpu_rate"]:
            results[("FLOP limit, GPU (matmuls only)", batch)] = (
                matmul_flops(rows) / data["gpu_rate"]
            )
        save()
        for round_number in range(rounds):  # every system takes a turn each round
            for name in chosen:
                if name in errors:
                    continue
                command = [
                    sys.executable,
                    __file__,
                    "--worker",
                    name,
                    "--rows",
                    str(rows),
                    "--repeats",
                    str(repeats),
                    "--batch",
                    str(batch),
                ]
                if memory and batch == batches[0] and round_number == 0:
                    command.append("--memory")
                worker = subprocess.run(command, capture_output=True, text=True)
                if worker.returncode != 0:
                    errors[name] = "\n".join(worker.stderr.strip().splitlines()[-15:])
                    last = (
                        errors[name].splitlines()[-1]
                        if errors[name]
                        else f"exit {worker.returncode}"
                    )
                    log(f"  round {round_number + 1}  batch {batch:>5}  {name:<28} FAILED: {last}")
                    save()
                    continue
                report = json.loads(worker.stdout.splitlines()[-1])
                results[(name, batch)] = min(
                    report["seconds"], results.get((name, batch), float("inf"))
                )
                if report["peaks"]:
                    data["memory"][name] = report["peaks"]
                save()
                log(
                    f"  round {round_number + 1}  batch {batch:>5}  {name:<28} "
                    f"{report['seconds']:8.3f} s"
                )
    data["complete"] = True
    save()
    return data


def grows(peaks) -> bool:
    """Whether peak memory grew from the first epoch to the last (by over 5 % and 1 MiB)."""
    return peaks[-1] > 1.05 * peaks[0] + 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 rows, 1 repeat, no memory runs"
    )
    parser.add_argument("--batch", type=int, nargs="+", default=[128, 8192])
    parser.add_argument("--repeats", type=int, default=2, help="epochs timed per system and round")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds in which every system takes a turn"
    )
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="time only the systems whose names contain one of these words, "
        "e.g. --only demystify hand",
    )
    parser.add_argument(
        "--json", metavar="PATH", help="also write the results there as JSON (after every worker)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # time one system in this process
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rows, repeats, rounds = (10_000, 1, 1) if args.quick else (args.rows, args.repeats, args.rounds)

    threads = blas_threads()
    if args.worker:
        rng = np.random.default_rng(0)
        X = rng.random((rows, SIZES[0]), dtype=np.float32)
        y = rng.integers(0, SIZES[-1], rows)
        batch, make = args.batch[0], systems(threads)[args.worker]
        epoch = make()
        epoch(X[: 2 * batch], y[: 2 * batch], batch, 99)  # warm up: allocate, load kernels
        seconds = time_epochs(epoch, X, y, batch, repeats)
        peaks = memory_per_epoch(args.worker, make(), X, y, batch) if args.memory else None
        print(json.dumps({"seconds": seconds, "peaks": peaks}))
        return
    chosen = [
        name
        for name in systems(threads)
        if not args.only or any(word in name for word in args.only)
    ]
    if not chosen:
        parser.error(f"--only {' '.join(args.only)} matches none of: {', '.join(systems(threads))}")
    data = measure(
        args.batch,
        chosen,
        rows,
        rounds,
        repeats,
        memory=not args.quick,
        json_path=args.json,
        log=lambda line: print(line, flush=True),
    )
    results, memory = data["results"], data["memory"]

    names = list(dict.fromkeys(name for name, _ in results))
    print(
        f"\nseconds per epoch (best of {rounds} x {repeats}); "
        f"peak memory of one epoch at batch {args.batch[0]}"
    )
    print(
        f"| {'system':<26} | "
        + " | ".join(f"batch {b:>5}" for b in args.batch)
        + " | peak MiB | grows over 3 epochs? |"
    )
    print("|" + "---|" * (len(args.batch) + 3))
    for name in names:
        cells = " | ".join(
            f"{results[(name, b)]:>11.3f}" if (name, b) in results else f"{'-':>11}"
            for b in args.batch
        )
        peaks = memory.get(name)
        mem = f"{max(peaks) / 2**20:8.1f}" if peaks else f"{'n/a':>8}"
        grown = ("yes" if grows(peaks) else "no") if peaks else "n/a"
        print(f"| {name:<26} | {cells} | {mem} | {grown:<20} |")
    for name, error in data["errors"].items():
        print(f"\n{name} FAILED:\n{error}")

    def ratio(a, b, batch):
        return (
            results[(a, batch)] / results[(b, batch)]
            if (a, batch) in results and (b, batch) in results
            else None
        )

    print("\nratios (demystify[numpy] time / peer time; < 1 means demystify is faster)")
    for batch in args.batch:
        for peer in names:
            r = ratio("demystify[numpy]", peer, batch)
            if r is not None and peer != "demystify[numpy]":
                print(f"  batch {batch:>5}: vs {peer:<26} {r:6.2f}x")

    targets = [
        ("CPU: demystify <= 1.10x hand NumPy loop", "demystify[numpy]", "hand NumPy loop", 1.10),
        (
            "CPU: demystify <= 0.85x PyTorch CPU eager",
            "demystify[numpy]",
            "PyTorch eager CPU",
            0.85,
        ),
        (
            "CPU: demystify >= 1.5x faster than scikit-learn",
            "demystify[numpy]",
            "scikit-learn MLP",
            1 / 1.5,
        ),
    ]
    gpu_targets = [
        ("GPU: CuPy at batch 128 no slower than PyTorch CUDA", "demystify[cupy]", 128, 1.0),
        ("GPU: CuPy at batch 8192 <= 1.25x PyTorch CUDA", "demystify[cupy]", 8192, 1.25),
    ]
    print("\ntargets")
    for label, mine, peer, bound in targets:
        for batch in args.batch[:1]:  # the CPU targets are for the standard job, batch 128
            r = ratio(mine, peer, batch)
            verdict = "not measured" if r is None else ("MET" if r <= bound else "MISSED")
            print(f"  {label:<52} batch {batch:>5}: {verdict}" + (f" ({r:.2f}x)" if r else ""))
    for label, mine, batch, bound in gpu_targets:
        r = ratio(mine, "PyTorch eager CUDA", batch)
        verdict = "not measured (no GPU)" if r is None else ("MET" if r <= bound else "MISSED")
        print(f"  {label:<52} {verdict}" + (f" ({r:.2f}x)" if r else ""))
    if not gpu_available():
        print("\nno CUDA GPU here: the CuPy and PyTorch CUDA rows were not measured")


if __name__ == "__main__":
    main()
