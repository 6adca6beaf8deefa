"""Run an ASGI app in a background thread on a loopback port (demo, tests, benchmarks)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def background_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The socket is bound and listening before the server thread starts, so a client may connect at
    once (the kernel queues the connection) and nobody has to wait for a 'started' flag."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="http")
    thread.start()
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
