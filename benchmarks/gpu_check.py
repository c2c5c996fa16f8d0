"""The GPU half, proved in one run: CuPy against NumPy and PyTorch CUDA, in one Markdown report.

    python benchmarks/gpu_check.py [--wheels DIR] [--out benchmarks/gpu_report.md] [--budget 420]
    make gpu-check ARGS="--wheels .whl"

On a machine with an NVIDIA GPU and CuPy (``cupy-cuda12x`` or ``cupy-cuda13x``) it runs, each
phase in a process of its own under a time limit:

1. ``tests/test_backends.py`` on the cupy backend, and on torch with CUDA tensors where PyTorch
   sees the GPU (pass / fail / skip counts);
2. the shipped digits trained on CuPy and on NumPy from one seed: the largest loss difference
   of every epoch, against a float32 tolerance;
3. ``benchmarks/train_speed.py`` at batch 128 and 8192 for demystify[cupy], the hand CuPy loop,
   PyTorch eager CUDA and the GPU's float32 matmul FLOP limit, with peak device memory over
   three epochs;
4. one training step taken apart (gathering the batch, moving it, the loss and its ``float()``,
   the running accuracy, forward, backward), to say where the time goes;

and writes one report (``--out``; also copied into ``$OUT`` when that is set), rewritten after
every phase: a phase that fails or runs out of time is marked, the others are still reported.
Nothing is downloaded. Pure-Python packages this machine lacks (array-api-compat, ...) come from
a folder of wheels (``--wheels DIR``; ``.whl/`` when it exists); without them the script says in
one line what is missing. Without a CUDA GPU it says so in one line and exits 0.

This file is the command line; the check itself is the package `benchmarks/gpu/`, one
concept per module (its ``__init__`` lists them).
"""

import sys
from pathlib import Path

# `gpu` sits beside this script, which runs from anywhere (python3 benchmarks/gpu_check.py)
# with no install at all (a GPU machine has no venv): its folder is where Python looks first
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(description=__doc__.split("\n\n")[0]))
