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
checks that the peak does not grow from epoch to epoch. The job and the systems are in
``train_systems.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # train_systems, when imported by path
from train_systems import (  # noqa: E402
    SIZES,
    blas_threads,
    gpu_available,
    matmul_flops,
    measured_matmul_rate,
    memory_per_epoch,
    systems,
    time_epochs,
)


def save(data: dict, json_path) -> None:
    """Write `data` as JSON to `json_path` (when given), its results as a list of rows."""
    if json_path:
        results = [
            {"system": name, "batch": batch, "seconds": seconds}
            for (name, batch), seconds in data["results"].items()
        ]
        Path(json_path).write_text(json.dumps({**data, "results": results}, indent=1))


def matmul_rates(data: dict, log) -> None:
    """Measure the float32 matmul rate here, and on the GPU when there is one, into `data`."""
    data["rate"] = measured_matmul_rate()
    if gpu_available():  # the same limit for the GPU rows, from a cuBLAS float32 matmul
        import cupy

        data["gpu_rate"] = measured_matmul_rate(cupy, n=8192, sync=cupy.cuda.Device().synchronize)
        cupy.get_default_memory_pool().free_all_blocks()  # the workers need the memory, not us
        log(f"GPU float32 matmul rate {data['gpu_rate'] / 1e12:.1f} TFLOP/s")


def take_turn(data: dict, name: str, batch: int, round_number: int, memory: bool, log) -> None:
    """Time system `name` once at `batch` in a fresh worker process; note its best time and
    memory peaks in `data`, or its error (then it is not run again)."""
    command = [sys.executable, __file__, "--worker", name, "--rows", str(data["rows"])]
    command += ["--repeats", str(data["repeats"]), "--batch", str(batch)]
    if memory:
        command.append("--memory")
    worker = subprocess.run(command, capture_output=True, text=True)
    results, errors = data["results"], data["errors"]
    if worker.returncode != 0:
        errors[name] = "\n".join(worker.stderr.strip().splitlines()[-15:])
        last = errors[name].splitlines()[-1] if errors[name] else f"exit {worker.returncode}"
        log(f"  round {round_number + 1}  batch {batch:>5}  {name:<28} FAILED: {last}")
        return
    report = json.loads(worker.stdout.splitlines()[-1])
    results[(name, batch)] = min(report["seconds"], results.get((name, batch), float("inf")))
    if report["peaks"]:
        data["memory"][name] = report["peaks"]
    log(f"  round {round_number + 1}  batch {batch:>5}  {name:<28} {report['seconds']:8.3f} s")


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
    matmul_rates(data, log)
    rate = data["rate"]
    log(
        f"{rows:,} x {SIZES[0]} float32, MLP {'-'.join(map(str, SIZES))}, SGD, "
        f"{threads} BLAS thread(s), "
        f"float32 matmul rate {rate / 1e9:.1f} GFLOP/s, best of {rounds} rounds x {repeats} repeats"
    )
    results = data["results"]
    for batch in batches:
        results[("FLOP limit (matmuls only)", batch)] = matmul_flops(rows) / rate
        if data["gpu_rate"]:
            results[("FLOP limit, GPU (matmuls only)", batch)] = (
                matmul_flops(rows) / data["gpu_rate"]
            )
        save(data, json_path)
        for round_number in range(rounds):  # every system takes a turn each round
            for name in chosen:
                if name in data["errors"]:
                    continue
                first = memory and batch == batches[0] and round_number == 0
                take_turn(data, name, batch, round_number, first, log)
                save(data, json_path)
    data["complete"] = True
    save(data, json_path)
    return data


def grows(peaks) -> bool:
    """Whether peak memory grew from the first epoch to the last (by over 5 % and 1 MiB)."""
    return peaks[-1] > 1.05 * peaks[0] + 2**20


def parser() -> argparse.ArgumentParser:
    """The command line."""
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
    return parser


def work(args, rows: int, repeats: int) -> None:
    """Time one system in this process (a worker): print its seconds and memory peaks as JSON."""
    threads = blas_threads()
    rng = np.random.default_rng(0)
    X = rng.random((rows, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], rows)
    batch, make = args.batch[0], systems(threads)[args.worker]
    epoch = make()
    epoch(X[: 2 * batch], y[: 2 * batch], batch, 99)  # warm up: allocate, load kernels
    seconds = time_epochs(epoch, X, y, batch, repeats)
    peaks = memory_per_epoch(args.worker, make(), X, y, batch) if args.memory else None
    print(json.dumps({"seconds": seconds, "peaks": peaks}))


def print_table(data: dict, batches: list, rounds: int, repeats: int) -> list[str]:
    """The seconds per epoch and the memory of each system; returns the systems' names."""
    results, memory = data["results"], data["memory"]
    names = list(dict.fromkeys(name for name, _ in results))
    print(
        f"\nseconds per epoch (best of {rounds} x {repeats}); "
        f"peak memory of one epoch at batch {batches[0]}"
    )
    print(
        f"| {'system':<26} | "
        + " | ".join(f"batch {b:>5}" for b in batches)
        + " | peak MiB | grows over 3 epochs? |"
    )
    print("|" + "---|" * (len(batches) + 3))
    for name in names:
        cells = " | ".join(
            f"{results[(name, b)]:>11.3f}" if (name, b) in results else f"{'-':>11}"
            for b in batches
        )
        peaks = memory.get(name)
        mem = f"{max(peaks) / 2**20:8.1f}" if peaks else f"{'n/a':>8}"
        grown = ("yes" if grows(peaks) else "no") if peaks else "n/a"
        print(f"| {name:<26} | {cells} | {mem} | {grown:<20} |")
    for name, error in data["errors"].items():
        print(f"\n{name} FAILED:\n{error}")
    return names


def ratio(results: dict, a: str, b: str, batch: int) -> float | None:
    """System `a`'s time over system `b`'s at `batch`, when both were measured."""
    return (
        results[(a, batch)] / results[(b, batch)]
        if (a, batch) in results and (b, batch) in results
        else None
    )


def print_ratios(results: dict, names: list[str], batches: list) -> None:
    """demystify[numpy]'s time over each peer's, at each batch size."""
    print("\nratios (demystify[numpy] time / peer time; < 1 means demystify is faster)")
    for batch in batches:
        for peer in names:
            r = ratio(results, "demystify[numpy]", peer, batch)
            if r is not None and peer != "demystify[numpy]":
                print(f"  batch {batch:>5}: vs {peer:<26} {r:6.2f}x")


def print_targets(results: dict, batches: list) -> None:
    """Each of the issue's speed targets: met, missed or not measured."""
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
        for batch in batches[:1]:  # the CPU targets are for the standard job, batch 128
            r = ratio(results, mine, peer, batch)
            verdict = "not measured" if r is None else ("MET" if r <= bound else "MISSED")
            print(f"  {label:<52} batch {batch:>5}: {verdict}" + (f" ({r:.2f}x)" if r else ""))
    for label, mine, batch, bound in gpu_targets:
        r = ratio(results, mine, "PyTorch eager CUDA", batch)
        verdict = "not measured (no GPU)" if r is None else ("MET" if r <= bound else "MISSED")
        print(f"  {label:<52} {verdict}" + (f" ({r:.2f}x)" if r else ""))
    if not gpu_available():
        print("\nno CUDA GPU here: the CuPy and PyTorch CUDA rows were not measured")


def main(argv=None):
    command_line = parser()
    args = command_line.parse_args(argv)
    rows, repeats, rounds = (10_000, 1, 1) if args.quick else (args.rows, args.repeats, args.rounds)
    if args.worker:
        work(args, rows, repeats)
        return
    threads = blas_threads()
    chosen = [
        name
        for name in systems(threads)
        if not args.only or any(word in name for word in args.only)
    ]
    if not chosen:
        command_line.error(
            f"--only {' '.join(args.only)} matches none of: {', '.join(systems(threads))}"
        )
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
    names = print_table(data, args.batch, rounds, repeats)
    print_ratios(data["results"], names, args.batch)
    print_targets(data["results"], args.batch)


if __name__ == "__main__":
    main()
