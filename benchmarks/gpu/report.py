"""The report: Markdown rewritten after every phase (and its data as JSON beside it), so that a
run cut short still says what it measured. The speed sections are in `report_speed`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .plan import PHASES
from .report_speed import bench_section, profile_section
from .targets import TOLERANCE, count_text, digits_differences, targets


def _header(state: dict) -> list[str]:
    machine = state.get("machine", {})
    lines = ["# GPU check: demystify on CuPy against NumPy and PyTorch CUDA", ""]
    lines += [
        f"Run {state.get('started', '?')} with `{state.get('command', 'benchmarks/gpu_check.py')}`"
        + (f", {state['seconds']:.0f} s in all" if state.get("seconds") else "")
        + f" (budget {state.get('budget', 0):.0f} s)."
        + ("" if state.get("finished") else " **The run had not finished when this was written.**"),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    lines += [f"| wheels | {line} |" for line in state.get("wheels", [])]
    if state.get("missing"):
        lines.append(f"| missing | {', '.join(state['missing'])} |")
    return lines


def _targets_and_phases(phases: dict, verdicts) -> list[str]:
    lines = ["", "## Targets", "", "| target | verdict | measured |", "|---|---|---|"]
    lines += [f"| {label} | {verdict} | {detail} |" for label, verdict, detail in verdicts]
    lines += ["", "| phase | status | seconds | time limit |", "|---|---|---|---|"]
    for key, title, _ in PHASES:
        phase = phases.get(key) or {}
        seconds = f"{phase['seconds']:.1f}" if phase.get("seconds") is not None else "-"
        limit = f"{phase['timeout']:.0f}" if phase.get("timeout") else "-"
        lines.append(f"| {title} | {phase.get('status', 'not run')} | {seconds} | {limit} |")
    return lines


def _tests_section(phases: dict) -> list[str]:
    lines = ["", "## 1. tests/test_backends.py on the GPU", ""]
    for key, name in (("tests_cupy", "cupy"), ("tests_torch", "torch with CUDA tensors")):
        phase = phases.get(key) or {}
        tests = phase.get("data")
        if tests:
            lines.append(f"* **{name}** (`pytest -k {name.split()[0]}`): {count_text(tests)}.")
            lines += [f"  * failed: `{test}`" for test in tests["failed_tests"]]
            lines += [f"  * skipped: {reason}" for reason in tests["skip_reasons"]]
        else:
            lines.append(f"* **{name}**: {phase.get('status', 'not run')}.")
        if phase.get("log") and (not tests or tests["failures"] or tests["errors"]):
            lines += ["", "```", phase["log"], "```", ""]
    return lines


def _digits_section(phase: dict) -> list[str]:
    lines = ["", "## 2. The digits on CuPy and on NumPy, from the same seed", ""]
    digits = phase.get("data")
    rows = digits_differences(digits)
    if not rows:
        lines.append(f"Not measured: {phase.get('status', 'not run')}.")
        return lines + (["", "```", phase["log"], "```"] if phase.get("log") else [])
    lines += [
        f"{digits['setup']}; {digits['epochs']} epochs "
        f"(NumPy {digits['numpy']['seconds']:.2f} s, CuPy {digits['cupy']['seconds']:.2f} s; "
        f"CuPy's weights were `{digits['cupy']['array_type']}` arrays). "
        f"Tolerance, every epoch: {TOLERANCE}.",
        "",
        "| epoch | loss NumPy | loss CuPy | difference | val_loss NumPy | val_loss CuPy "
        "| difference | within tolerance |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_key = {(row["key"], row["epoch"]): row for row in rows}
    for epoch in range(1, digits["epochs"] + 1):
        train, val = by_key.get(("loss", epoch)), by_key.get(("val_loss", epoch))
        if not train or not val:
            continue
        ok = all(row["diff"] <= row["bound"] for row in (train, val))
        lines.append(
            f"| {epoch} | {train['numpy']:.6f} | {train['cupy']:.6f} | {train['diff']:.1e} "
            f"| {val['numpy']:.6f} | {val['cupy']:.6f} | {val['diff']:.1e} "
            f"| {'yes' if ok else 'NO'} |"
        )
    return lines


def render(state: dict) -> str:
    """The whole report as Markdown, from what has been measured so far."""
    phases = state["phases"]
    verdicts = targets(state)
    lines = _header(state) + _targets_and_phases(phases, verdicts)
    lines += _tests_section(phases) + _digits_section(phases.get("digits") or {})
    lines += bench_section(phases.get("bench") or {})
    lines += profile_section(phases.get("profile") or {}, verdicts)
    return "\n".join(lines) + "\n"


def write_report(state: dict, out: Path) -> None:
    """The report and its data as JSON beside it; both copied into $OUT when that is set."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(state), encoding="utf-8")
    data = out.with_suffix(".json")
    data.write_text(json.dumps(state, indent=1, default=str), encoding="utf-8")
    if os.environ.get("OUT"):
        folder = Path(os.environ["OUT"])
        folder.mkdir(parents=True, exist_ok=True)
        for path in (out, data):
            if (folder / path.name).resolve() != path.resolve():
                shutil.copyfile(path, folder / path.name)
