"""JupyterLab's server, set up for live widgets: kernel messages leave at once.

The server relays every kernel message to the browser over a websocket, and
tornado leaves Nagle's algorithm on for it: a small message (a dashboard frame
of a 2-8-8-2 network, ~20 KB) then waits for the browser's delayed
acknowledgement, about 40 ms, so the dashboard could not pass 18 frames a
second (benchmarks/dashboard_fps.py; with this, 30). `make setup` copies this
file to the venv's etc/jupyter, where every `jupyter` of the venv reads it.
"""

from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def _open_without_delay(self, *args, **kwargs):
    self.set_nodelay(True)  # TCP_NODELAY: send each message as soon as it is written
    return await _open(self, *args, **kwargs)


KernelWebsocketHandler.open = _open_without_delay
