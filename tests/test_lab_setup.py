"""The JupyterLab set-up `make setup` installs: kernel messages reach the browser at once."""

import asyncio
import sys
from pathlib import Path

import pytest
from helpers import ROOT, load_script

pytest.importorskip("jupyter_server", reason="jupyter_server is not installed")
CONFIG = ROOT / "mk" / "jupyter_server_config.py"


def test_the_kernel_websocket_turns_nagle_off_before_it_opens(monkeypatch):
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    calls = []

    async def original_open(handler, *args, **kwargs):
        calls.append(("open", args))

    monkeypatch.setattr(KernelWebsocketHandler, "open", original_open)
    load_script("jupyter_server_config", CONFIG)  # patches the handler as the server would

    class Handler:
        def set_nodelay(self, value):
            calls.append(("nodelay", value))

    asyncio.run(KernelWebsocketHandler.open(Handler(), "kernel-id"))
    assert calls == [("nodelay", True), ("open", ("kernel-id",))]


def test_make_setup_installs_it_where_the_venvs_jupyter_reads_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "cp mk/jupyter_server_config.py $(VENV)/etc/jupyter/jupyter_server_config.py" in makefile
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.py"
    if installed.exists():  # this interpreter is a venv made by `make setup`
        assert installed.read_text() == CONFIG.read_text()
