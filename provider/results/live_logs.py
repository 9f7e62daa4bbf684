"""Follow a running container task's log: ``GET /logs/0x<jobId>`` on the result server.

The container kind writes the task's stdout and stderr to
``<work_root>/gpuc-job-<jobId>-*/task/container.log`` as they come
(provider.execution.kinds.container). A follower reads what is there and then
new bytes as they are written, until the job's workdir is removed (the job
ended); the signed, content-addressed log is then in the result archive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from provider.execution.kinds.container import LOG_FILE, TASK_DIR

__all__ = ["LiveLogs"]

_CHUNK = 65536


class LiveLogs:
    def __init__(
        self,
        work_root: Path,
        *,
        poll_seconds: float = 0.2,
        max_follow_seconds: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.work_root = work_root
        self.poll_seconds = poll_seconds
        self.max_follow_seconds = max_follow_seconds
        self._clock = clock

    def find(self, job_id: bytes) -> Path | None:
        """The log of the running job ``job_id``, or None if none runs here now."""
        for workdir in sorted(self.work_root.glob(f"gpuc-job-{job_id.hex()}-*")):
            log = workdir / TASK_DIR / LOG_FILE
            if log.is_file():
                return log
        return None

    def follow(self, log: Path) -> Iterator[bytes]:
        """Every byte of ``log``, then new ones as they come, until its job ends."""
        deadline = self._clock() + self.max_follow_seconds
        workdir = log.parent.parent
        with log.open("rb") as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if chunk:
                    yield chunk
                    continue
                if not workdir.exists() or self._clock() > deadline:
                    rest = handle.read()
                    if rest:
                        yield rest
                    return
                time.sleep(self.poll_seconds)
