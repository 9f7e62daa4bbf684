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
        """Where the running job ``job_id`` writes its log (the file may not exist yet
        while the container starts), or None if no such job runs here now."""
        for workdir in sorted(self.work_root.glob(f"gpuc-job-{job_id.hex()}-*")):
            if workdir.is_dir():
                return workdir / TASK_DIR / LOG_FILE
        return None

    def follow(self, log: Path) -> Iterator[bytes]:
        """Every byte of ``log``, then new ones as they come, until its job ends."""
        deadline = self._clock() + self.max_follow_seconds
        workdir = log.parent.parent
        while not log.is_file():
            if not workdir.exists() or self._clock() > deadline:
                return
            time.sleep(self.poll_seconds)
        try:
            handle = log.open("rb")
        except FileNotFoundError:  # the job ended between the check and the open
            return
        with handle:
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
