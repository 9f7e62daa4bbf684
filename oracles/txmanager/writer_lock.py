"""One writer per key: an exclusive lock file held for the life of the process.

Nonces and signed bytes live in the oracle's database, so two processes sending
from one key with one database would hand out the same nonce twice. flock is
released by the kernel when the process dies, even by kill -9, so a restart
after a crash never finds a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from oracles.errors import WriterLockHeld

__all__ = ["WriterLock"]


class WriterLock:
    def __init__(self, directory: Path, address: str) -> None:
        self.path = directory / f"{address.lower()}.writer.lock"
        self._fd: int | None = None

    def acquire(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WriterLockHeld(
                f"another process holds {self.path}: it is already sending transactions from "
                "this key; stop it, or give this oracle its own key"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
