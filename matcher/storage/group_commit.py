"""One writer thread that commits whatever has queued up in a single transaction.

A commit with synchronous=FULL costs an fsync; with one transaction per order the
disk caps the order rate. Requests that arrive while a commit is in flight wait in
the queue and go out together in the next one, and each is acknowledged only after
the commit that holds it returned.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, insert

from matcher.errors import StorageUnavailable
from matcher.storage.schema import commands, files, snapshots, used_nonces


@dataclass(slots=True)
class WriteItem:
    commands: list[tuple[float, str]] = field(default_factory=list)
    nonces: list[tuple[str, int, int]] = field(default_factory=list)
    files: list[dict[str, object]] = field(default_factory=list)
    # (seq of the last command it holds, at, pickled state): stored, and the log up to
    # that seq (and older snapshots) deleted in the same transaction.
    snapshot: tuple[int, float, bytes] | None = None
    future: Future[None] = field(default_factory=Future)


_STOP = object()


class GroupCommitWriter:
    def __init__(self, engine: Engine, last_seq: int, *, max_group: int = 1024) -> None:
        self._engine = engine
        self._seq = last_seq
        self._max_group = max_group
        self._queue: queue.SimpleQueue[WriteItem | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        self.commits = 0
        self.items = 0
        self.prune_before: int | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="matcher-writer", daemon=True)
            self._thread.start()

    @property
    def last_seq(self) -> int:
        """The seq of the last command committed."""
        return self._seq

    def submit(self, item: WriteItem) -> Future[None]:
        if self.failure is not None:
            item.future.set_exception(
                StorageUnavailable(f"storage failed earlier ({self.failure}); restart the matcher")
            )
            return item.future
        self._queue.put(item)
        return item.future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group: list[WriteItem] = [first]  # type: ignore[list-item]
            stop = False
            while len(group) < self._max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                group.append(nxt)  # type: ignore[arg-type]
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[WriteItem]) -> None:
        command_rows: list[dict[str, object]] = []
        nonce_rows: list[dict[str, object]] = []
        file_rows: list[dict[str, object]] = []
        snapshot: tuple[int, float, bytes] | None = None
        seq = self._seq
        for item in group:
            for at, command in item.commands:
                seq += 1
                command_rows.append({"seq": seq, "at": at, "command": command})
            nonce_rows.extend(
                {"signer": s.lower(), "nonce": str(n), "expires_at": e} for s, n, e in item.nonces
            )
            file_rows.extend(item.files)
            if item.snapshot is not None:
                snapshot = item.snapshot
        try:
            with self._engine.begin() as conn:
                if command_rows:
                    conn.execute(insert(commands), command_rows)
                if nonce_rows:
                    conn.execute(insert(used_nonces), nonce_rows)
                if file_rows:
                    conn.execute(insert(files), file_rows)
                if snapshot is not None:
                    last, at, state = snapshot
                    conn.execute(insert(snapshots), [{"seq": last, "at": at, "state": state}])
                    conn.execute(delete(snapshots).where(snapshots.c.seq < last))
                    conn.execute(delete(commands).where(commands.c.seq <= last))
                if self.prune_before is not None:
                    conn.execute(
                        delete(used_nonces).where(used_nonces.c.expires_at <= self.prune_before)
                    )
                    self.prune_before = None
        except BaseException as exc:  # a failed commit: nothing in the group is durable
            self.failure = exc
            error = StorageUnavailable(f"commit failed ({exc}); restart the matcher")
            for item in group:
                item.future.set_exception(error)
            return
        self._seq = seq
        self.commits += 1
        self.items += len(group)
        for item in group:
            item.future.set_result(None)
