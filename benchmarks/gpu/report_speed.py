"""The report's speed sections: train_speed.py's seconds per epoch, and one step taken apart."""

from __future__ import annotations

from .plan import CUPY, EPOCH_ROWS, GPU_FLOP_LIMIT, HAND_CUPY, TORCH_CUDA
from .profile import HAND_STEP, NO_ACCURACY, TORCH_STEP, WHOLE
from .targets import MEMORY_BATCH, MEMORY_EPOCHS, bench_results, grows

LAUNCH_BOUND = 0.8  # a step whose queuing takes this share of its time keeps the GPU waiting


def bench_section(phase: dict) -> list[str]:
    lines = ["", "## 3. train_speed.py on the GPU: seconds per epoch", ""]
    data = phase.get("data")
    results = bench_results(data)
    if not results:
        lines.append(f"Not measured: {phase.get('status', 'not run')}.")
        return lines + (["", "```", phase["log"], "```"] if phase.get("log") else [])
    batches = sorted({batch for _, batch in results})
    lines += [
        f"{data['rows']:,} x 784 float32, 784-256-128-10 ReLU, softmax cross-entropy, SGD; best of "
        f"{data['rounds']} rounds x {data['repeats']} epochs, each system in a fresh process"
        + (
            f"; GPU float32 matmul rate {data['gpu_rate'] / 1e12:.1f} TFLOP/s"
            if data.get("gpu_rate")
            else ""
        )
        + ("" if data.get("complete") else f"; **incomplete: {phase.get('status')}**")
        + f". Peak device memory of one epoch at batch {MEMORY_BATCH} (CuPy: its memory pool, "
        "emptied before each epoch; PyTorch: `torch.cuda.max_memory_allocated()`), "
        f"over {MEMORY_EPOCHS} epochs.",
        "",
        "| system | "
        + " | ".join(f"batch {b}" for b in batches)
        + f" | peak MiB | grows over {MEMORY_EPOCHS} epochs? |",
        "|---|" + "---|" * (len(batches) + 2),
    ]
    memory = data.get("memory", {})
    for name in dict.fromkeys(name for name, _ in results):
        cells = " | ".join(
            f"{results[(name, b)]:.3f}" if (name, b) in results else "-" for b in batches
        )
        peaks = memory.get(name)
        mib = f"{max(peaks) / 2**20:.1f}" if peaks else "n/a"
        grown = ("yes" if grows(peaks) else "no") if peaks else "n/a"
        lines.append(f"| {name} | {cells} | {mib} | {grown} |")
    ratios = [
        f"* {name}, batch {batch}: {results[(name, batch)] / results[(TORCH_CUDA, batch)]:.2f}x"
        for name in (CUPY, HAND_CUPY, GPU_FLOP_LIMIT)
        for batch in batches
        if (name, batch) in results and (TORCH_CUDA, batch) in results
    ]
    if ratios:
        lines += ["", "Time over PyTorch eager CUDA's (below 1 is faster):", "", *ratios]
    else:
        lines += ["", "No PyTorch eager CUDA times to compare with."]
    for name, error in data.get("errors", {}).items():
        lines += ["", f"{name} failed:", "", "```", error, "```"]
    if phase.get("log"):
        lines += [
            "",
            "<details><summary>train_speed.py's output</summary>",
            "",
            "```",
            phase["log"],
            "```",
            "",
            "</details>",
        ]
    return lines


def profile_section(phase: dict, verdicts) -> list[str]:
    lines = ["", "## 4. Where the time goes: one step taken apart", ""]
    missed = [
        v.target.label
        for v in verdicts
        if v.verdict == "MISSED" and v.target.key.startswith("speed")
    ]
    data = phase.get("data")
    if missed:
        lines.append(f"Missed: {'; '.join(missed)}. The pieces below say where a step's time goes.")
        lines.append("")
    if not data:
        lines.append(f"Not measured: {phase.get('status', 'not run')}.")
        return lines + (["", "```", phase["log"], "```"] if phase.get("log") else [])
    lines += [
        "Microseconds per step on one batch (best of 3 runs), timed until the GPU has finished "
        "(the host-only pieces have nothing to wait for); `launch µs` is how long Python takes to "
        "queue the same work without waiting for it. 'ms per epoch' multiplies by the steps of a "
        f"{EPOCH_ROWS:,}-row epoch.",
    ]
    for batch, rows in data["batches"].items():
        steps = -(-EPOCH_ROWS // int(batch))  # the last, smaller batch is a step too
        lines += [
            "",
            f"Batch {batch} ({steps} steps per epoch):",
            "",
            "| piece | µs per step | launch µs | ms per epoch |",
            "|---|---|---|---|",
        ]
        for row in rows:
            host = f"{row['host_us']:.0f}" if "host_us" in row else ""
            lines.append(
                f"| {row['piece']} | {row['us']:.0f} | {host} | {row['us'] * steps / 1e3:.1f} |"
            )
        lines += _explain(rows)
    return lines


def _explain(rows) -> list[str]:
    """One sentence from the step variants: what demystify's step spends beyond the floor."""
    us = {row["piece"]: row["us"] for row in rows}
    host = {row["piece"]: row.get("host_us") for row in rows}
    whole, floor = us.get(WHOLE), us.get(HAND_STEP)
    if whole is None or floor is None:
        return []
    bare = us.get(NO_ACCURACY, whole)
    parts = [
        f"running accuracy {whole - bare:+.0f} µs",
        f"the rest (float(loss) waiting for the GPU, layer calls, out-of-place arrays) "
        f"{bare - floor:+.0f} µs",
    ]
    text = (
        f"A demystify step takes {whole:.0f} µs against the hand loop's {floor:.0f} µs: "
        + ", ".join(parts)
        + "."
    )
    torch_us = us.get(TORCH_STEP)
    if torch_us:
        text += f" PyTorch eager CUDA takes {torch_us:.0f} µs."
    launch = host.get(NO_ACCURACY)
    if launch and launch > LAUNCH_BOUND * bare:
        text += (
            f" Without its waits the step is launch-bound: queuing it takes {launch:.0f} of "
            f"its {bare:.0f} µs, so the GPU waits on Python."
        )
    return ["", text]
