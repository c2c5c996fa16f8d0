"""Is there a GPU to check at all, and what the machine is, in a few words for the report."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
from pathlib import Path

from .process import run_command

SMI_SECONDS = 20  # nvidia-smi answers in well under a second; a hung driver does not
VERSIONS = ("cupy-cuda13x", "cupy-cuda12x", "cupy", "torch", "numpy", "array-api-compat")


def first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def gpu_status() -> str | None:
    """None when CuPy sees a CUDA GPU; otherwise why not, in a few words."""
    try:
        import cupy
    except ImportError:
        return "CuPy not installed"
    except Exception as error:  # a broken install says anything
        return f"CuPy does not import: {first_line(error)}"
    try:
        return None if cupy.cuda.is_available() else "CuPy is installed but sees no CUDA device"
    except Exception as error:  # a driver missing or too old
        return f"CuPy cannot reach a GPU: {first_line(error)}"


def no_gpu_line(reason: str) -> str:
    return f"gpu-check: no CUDA GPU visible ({reason}) — nothing to verify"


def torch_sees_gpu() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


def _nvidia_smi(info: dict) -> None:
    smi = shutil.which("nvidia-smi")
    if not smi:
        info["GPU (nvidia-smi)"] = "nvidia-smi not found"
        return
    query = [smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"]
    found = run_command(query, SMI_SECONDS)["stdout"]
    info["GPU (nvidia-smi)"] = "; ".join(found.strip().splitlines()) or "?"
    header = re.search(r"CUDA Version:\s*([\d.]+)", run_command([smi], SMI_SECONDS)["stdout"])
    info["driver's CUDA version (nvidia-smi)"] = header[1] if header else "?"


def _libraries(info: dict) -> None:
    for project in VERSIONS:
        try:
            info[project] = importlib.metadata.version(project)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        import cupy

        runtime = cupy.cuda.runtime
        name = runtime.getDeviceProperties(0)["name"]
        info["CuPy sees"] = (
            f"{name.decode() if isinstance(name, bytes) else name}, CUDA runtime "
            f"{runtime.runtimeGetVersion()}, driver {runtime.driverGetVersion()}"
        )
    except Exception as error:  # reported, not raised
        info["CuPy sees"] = f"? ({first_line(error)})"
    try:
        import torch

        sees = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
        info["PyTorch"] = f"{torch.__version__} (CUDA {torch.version.cuda}), sees {sees}"
    except ImportError:
        info["PyTorch"] = "not installed"


def machine_info() -> dict:
    """The GPU, the driver, the libraries' versions, Python and the CPU."""
    info = {}
    _nvidia_smi(info)
    _libraries(info)
    info["Python"] = platform.python_version()
    cpu = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())[1]
    except (OSError, TypeError):
        pass
    info["CPU"] = f"{cpu}, {os.cpu_count()} logical cores"
    return info
