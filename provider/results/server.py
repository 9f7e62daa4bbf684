"""Run the result app with uvicorn in a background thread, on 127.0.0.1 only.

The socket is bound before the thread starts, so the port (configured, or a
free one when 0) is known and taken by the time ``start`` returns.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

from provider.errors import ResultServerError
from provider.results.app import create_result_app
from provider.results.content_hash import hash_ref
from provider.results.live_logs import LiveLogs
from provider.results.store import ResultStore

__all__ = ["LOOPBACK", "LoopbackServer", "ResultServer"]

LOOPBACK = "127.0.0.1"


class LoopbackServer:
    """Any ASGI app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int = 0, startup_timeout: float = 10.0) -> None:
        if not 0 <= port <= 65535:
            raise ResultServerError(f"port {port} is out of range 0..65535")
        self._app = app
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise ResultServerError("the result server is not running; call start() first")
        return int(self._socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        if self._thread is not None:
            raise ResultServerError("the result server is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, self._requested_port))
        except OSError as exc:
            sock.close()
            raise ResultServerError(
                f"cannot bind {LOOPBACK}:{self._requested_port}: {exc}; "
                "choose another port or 0 for a free one"
            ) from exc
        sock.listen(64)
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="result-server", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ResultServerError(
                    f"the result server did not start within {self._startup_timeout} s"
                )
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._socket, self._server, self._thread = None, None, None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ResultServer(LoopbackServer):
    """``with ResultServer(store) as server: server.result_url(digest)``."""

    def __init__(
        self,
        store: ResultStore,
        port: int = 0,
        startup_timeout: float = 10.0,
        logs: LiveLogs | None = None,
    ) -> None:
        super().__init__(create_result_app(store, logs), port, startup_timeout)
        self.store = store
        self.logs = logs

    def log_url(self, job_id: bytes) -> str:
        """Where a running container task's log can be followed."""
        return f"{self.base_url}/logs/0x{job_id.hex()}"

    def result_url(self, digest: bytes) -> str:
        return f"{self.base_url}/results/{hash_ref(digest)}"
