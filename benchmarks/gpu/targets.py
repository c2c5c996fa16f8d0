"""The issue's targets as data (what is compared, a bound, a unit) and their verdicts.

A verdict is MET, MISSED or "not measured" (with why), and carries the measured value
in the target's unit, so that the report renders it and a test can check the number.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import CUPY, TORCH_CUDA

# float32: CuPy's losses within RTOL * |NumPy's| + ATOL of NumPy's, every epoch
RTOL, ATOL = 1e-4, 1e-6
# train_speed.py's rule for memory that grows: the last epoch's peak above the first's by
# more than this share and this many bytes (allocators round up; a leak keeps growing)
GROWTH_SHARE, GROWTH_BYTES = 0.05, 2**20
MEMORY_BATCH, MEMORY_EPOCHS = 128, 3  # train_speed.py measures peak memory so


def short(number: float) -> str:
    """``1e-4`` rather than ``0.0001`` or ``1e-04``."""
    mantissa, exponent = f"{number:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


TOLERANCE = f"|CuPy - NumPy| <= {short(RTOL)} x |NumPy| + {short(ATOL)}"


@dataclass(frozen=True)
class Target:
    key: str
    label: str  # what is claimed, for the report
    bound: float  # the measured value may be at most this
    unit: str  # what the measured value counts


def _speed(batch: int, bound: float) -> Target:
    claim = "no slower than" if bound == 1.0 else f"at most {bound:g}x"
    label = f"CuPy at batch {batch} {claim} PyTorch CUDA eager" + (
        "" if bound == 1.0 else "'s time"
    )
    return Target(f"speed_{batch}", label, bound, "x PyTorch CUDA eager's time")


TARGETS = (
    Target("tests_cupy", "tests/test_backends.py passes on cupy", 0, "tests failed"),
    Target(
        "digits",
        f"CuPy training matches NumPy's losses (float32: {TOLERANCE})",
        1.0,
        "x the tolerance, at the worst epoch",
    ),
    _speed(128, 1.0),  # small batches: launching work dominates, the gap is ours to close
    _speed(8192, 1.25),  # large batches: the matmuls dominate, both call cuBLAS
    Target(
        "memory",
        f"device memory flat across epochs ({CUPY}, {MEMORY_EPOCHS} epochs at batch "
        f"{MEMORY_BATCH})",
        0,
        "epochs whose peak grew",
    ),
)


@dataclass(frozen=True)
class Verdict:
    target: Target
    verdict: str  # MET, MISSED or not measured
    value: float | None  # in the target's unit
    detail: str  # what was measured, in words and numbers

    def __iter__(self):  # (label, verdict, detail), as the report's table rows
        return iter((self.target.label, self.verdict, self.detail))


def judged(target: Target, value: float, detail: str) -> Verdict:
    return Verdict(target, "MET" if value <= target.bound else "MISSED", value, detail)


def not_measured(target: Target, why: str) -> Verdict:
    return Verdict(target, "not measured", None, why)


def grows(peaks) -> bool:
    """train_speed.py's rule: the last epoch's peak well above the first's."""
    return peaks[-1] > (1 + GROWTH_SHARE) * peaks[0] + GROWTH_BYTES


def digits_differences(found: dict) -> list[dict] | None:
    """Per epoch: NumPy's and CuPy's training and validation losses, and how far apart."""
    if not found or "numpy" not in found or "cupy" not in found:
        return None
    rows = []
    for key in ("loss", "val_loss"):
        for epoch, (ref, got) in enumerate(zip(found["numpy"][key], found["cupy"][key]), 1):
            rows.append(
                {
                    "epoch": epoch,
                    "key": key,
                    "numpy": ref,
                    "cupy": got,
                    "diff": abs(got - ref),
                    "bound": RTOL * abs(ref) + ATOL,
                }
            )
    return rows


def bench_results(data: dict | None) -> dict:
    """train_speed.py's JSON: (system, batch) -> seconds."""
    if not data:
        return {}
    return {(row["system"], row["batch"]): row["seconds"] for row in data.get("results", [])}


def count_text(tests: dict) -> str:
    return (
        f"{tests['passed']} passed, {tests['failures']} failed, {tests['errors']} errors, "
        f"{tests['skipped']} skipped"
    )


def why_not(phase: dict | None, prefix: str = "", if_ok: str = "the phase reported nothing"):
    if not phase:
        return f"{prefix}phase not run"
    if phase.get("status") == "ok":
        return f"{prefix}{if_ok}" if if_ok else ""
    return f"{prefix}phase {phase.get('status')}"


def _tests(target: Target, phases: dict) -> Verdict:
    tests = (phases.get("tests_cupy") or {}).get("data")
    if not tests or not tests["tests"]:
        return not_measured(target, why_not(phases.get("tests_cupy")))
    return judged(target, tests["tests"] - tests["passed"], count_text(tests))


def _digits(target: Target, phases: dict) -> Verdict:
    rows = digits_differences((phases.get("digits") or {}).get("data"))
    if not rows:
        return not_measured(target, why_not(phases.get("digits")))
    worst = max(rows, key=lambda row: row["diff"] / row["bound"])
    detail = (
        f"largest difference {worst['diff']:.2e} ({worst['key']}, epoch {worst['epoch']}; "
        f"allowed {worst['bound']:.2e})"
    )
    return judged(target, worst["diff"] / worst["bound"], detail)


def _speed_verdict(target: Target, phases: dict, batch: int) -> Verdict:
    results = bench_results((phases.get("bench") or {}).get("data"))
    mine, peer = results.get((CUPY, batch)), results.get((TORCH_CUDA, batch))
    if mine is None or peer is None:
        missing = [name for name, value in ((CUPY, mine), (TORCH_CUDA, peer)) if value is None]
        why = why_not(phases.get("bench"), prefix="; ", if_ok="")
        return not_measured(target, f"no time for {' and '.join(missing)}{why}")
    ratio = mine / peer
    return judged(target, ratio, f"{ratio:.2f}x ({mine:.3f} s against {peer:.3f} s per epoch)")


def _memory(target: Target, phases: dict) -> Verdict:
    peaks = ((phases.get("bench") or {}).get("data") or {}).get("memory", {}).get(CUPY)
    if not peaks:
        return not_measured(target, why_not(phases.get("bench")))
    detail = " -> ".join(f"{peak / 2**20:.1f}" for peak in peaks) + " MiB"
    return judged(target, int(grows(peaks)), detail)


def targets(state: dict) -> list[Verdict]:
    """Every target's verdict from what the run has measured so far."""
    phases, out = state["phases"], []
    for target in TARGETS:
        if target.key == "tests_cupy":
            out.append(_tests(target, phases))
        elif target.key == "digits":
            out.append(_digits(target, phases))
        elif target.key == "memory":
            out.append(_memory(target, phases))
        else:
            out.append(_speed_verdict(target, phases, int(target.key.removeprefix("speed_"))))
    return out
