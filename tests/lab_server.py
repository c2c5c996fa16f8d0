"""Kept for the browser tests that import ``from lab_server import wait_for_lab``.

The JupyterLab helpers (start, wait, stop) now live in ``tests/helpers.py``.
"""

from helpers import wait_for_lab

__all__ = ["wait_for_lab"]
