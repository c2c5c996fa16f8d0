"""What the GPU check measures: the systems compared, the batch sizes, the phases, their limits."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "benchmarks"
DEFAULT_OUT = HERE / "gpu_report.md"
DEFAULT_WHEELS = REPO / ".whl"
SCRIPT = HERE / "gpu_check.py"

# the systems, as benchmarks/train_speed.py names them in its JSON
CUPY, HAND_CUPY, TORCH_CUDA = "demystify[cupy]", "hand CuPy loop", "PyTorch eager CUDA"
GPU_FLOP_LIMIT = "FLOP limit, GPU (matmuls only)"
# a small batch, where launching work dominates, and a large one, where the matmuls do
BATCHES = (128, 8192)
EPOCH_ROWS = 60_000  # an MNIST-sized epoch: the report turns µs per step into ms per epoch

# key, title, time limit in seconds; run in this order, the most telling first
PHASES = [
    ("tests_cupy", "tests/test_backends.py on cupy", 120),
    ("digits", "digits on CuPy and on NumPy, same seed", 60),
    ("bench", "train_speed.py at batch 128 and 8192", 210),
    ("profile", "one step taken apart", 60),
    ("tests_torch", "tests/test_backends.py on torch, CUDA tensors", 90),
]
# seconds of the budget kept back for each phase still to run: a phase that starts at all
# gets at least its imports and its first measurement done (CuPy's start-up takes ~10 s)
RESERVE = 20
SHORTEST = 10  # a phase given fewer seconds than this is not started
