"""A child process of the local market: started in its own session (Ctrl-C in the terminal
reaches only ``gpuc up``, which then stops each child itself), output to a log file,
stopped by its PID: SIGTERM, then SIGKILL if it does not exit in time."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from gpuc.errors import GpucError

__all__ = ["ChildProcess", "MarketStartError"]


class MarketStartError(GpucError):
    """A part of the local market did not start; the message names it and shows its log."""


class ChildProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> ChildProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(self.env or {})},
            cwd=self.cwd,
            start_new_session=True,
        )
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 12) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:]) or "(no output)"

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float) -> None:
        """Until ``ready()``; MarketStartError if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process is not None and self.process.poll() is not None:
                raise MarketStartError(
                    f"{self.name} exited with code {self.process.returncode} before {what}:\n"
                    f"{self.tail()}"
                )
            if time.monotonic() > deadline:
                raise MarketStartError(
                    f"{self.name} not {what} within {timeout:g} s:\n{self.tail()}"
                )
            time.sleep(0.1)

    def stop(self, *, kill: bool = False, timeout: float = 15.0) -> int | None:
        """Signal the process by its PID and reap it; its exit code (None if never started)."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return process.returncode
