"""The matcher service: the engine, made durable and authenticated.

Every change runs the same way: check the signature's nonce and the rate limit, let
time act on the book (logged as a Sweep if it did anything), apply the command to the
in-memory engine (refused commands change nothing), queue the command and the used
nonce for the group-commit writer, and acknowledge only after that commit returned.
Commands are applied and queued in one step without awaiting in between, so the log
order is the apply order and a restart's replay rebuilds the same book.

Nothing leaves the server before it is durable: every response waits (`flush`) until
all that was applied before it was computed is committed. An unexpected exception in
the engine (a bug) leaves no half-applied command behind: the book is rebuilt from
the log, without the command, before anything else runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import pickle
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from matcher.auth.nonces import NonceRegistry
from matcher.auth.rate_limit import RateLimiter
from matcher.book.clock import Clock
from matcher.book.resources import ResourceCatalog
from matcher.engine.commands import Command, Sweep, command_adapter
from matcher.engine.engine import Applied, Engine
from matcher.errors import EngineFailure, MatcherError, NotFound, StorageUnavailable
from matcher.settings import MatcherSettings
from matcher.storage.group_commit import WriteItem
from matcher.storage.store import FileRow, Store

log = logging.getLogger(__name__)


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def _file_record(row: FileRow) -> dict[str, object]:
    return {
        "id": row.id,
        "owner": row.owner,
        "purpose": row.purpose,
        "filename": row.filename,
        "bytes": row.size_bytes,
        "created_at": row.created_at,
        "content": row.content,
    }


def _metadata_only(row: FileRow) -> FileRow:
    return FileRow(row.id, row.owner, row.purpose, row.filename, row.size_bytes, row.created_at)


@dataclass(frozen=True, slots=True)
class Signer:
    """A verified signature: who signed, and the nonce it spends."""

    address: str
    nonce: int
    expiry: int


class MatcherService:
    def __init__(
        self, settings: MatcherSettings, clock: Clock, catalog: ResourceCatalog | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.catalog = catalog or ResourceCatalog()
        self.engine = Engine(self.catalog, settings.book)
        self.nonces = NonceRegistry(settings.max_signature_ttl_s)
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.store = Store(settings.database_url)
        self.files: dict[str, FileRow] = {}
        self._last_now = float("-inf")
        self._sweeper: asyncio.Task[None] | None = None
        self.restored_commands = 0
        self._last_write: Future[None] | None = None
        self._rebuilding: asyncio.Event | None = None
        self.generation = 0  # +1 each time the engine is rebuilt after a failure
        # Seq of the last command handed to the writer (commit order = submit order),
        # and the seq the newest snapshot holds.
        self._submitted_seq = self.store.writer.last_seq
        self._snapshot_seq = 0

    # -- life ----------------------------------------------------------------------

    def restore(self) -> None:
        """Replay the log: the book, batches and fills come back exactly as acknowledged."""
        started = time.perf_counter()
        count = self._replay_log()
        now = self.now()
        for used in self.store.nonces(now):
            self.nonces.use(used.signer, used.nonce, used.expires_at)
        self.files = {row.id: row for row in self.store.file_metadata()}
        self.restored_commands = count
        # The replayed book is long-lived: keep it out of the cyclic GC's full passes,
        # which otherwise stall matching for milliseconds at 100,000 resting orders.
        gc.collect()
        gc.freeze()
        log.info("replayed %d commands in %.2f s", count, time.perf_counter() - started)

    def _replay_log(self) -> int:
        """Load the newest snapshot, then replay the commands logged after it."""
        count = 0
        after = 0
        snapshot = self.store.latest_snapshot()
        if snapshot is not None:
            # Our own storage, written by `snapshot` below: trusted like the log itself.
            after, _at, state = snapshot
            self.engine, last_now = pickle.loads(state)
            self._last_now = max(self._last_now, last_now)
            self._snapshot_seq = after
        for logged in self.store.commands(after):
            command = command_adapter.validate_json(logged.command)
            if not isinstance(command, Sweep):
                self.engine.advance(logged.at)
            self.engine.apply(command, logged.at)
            self._last_now = max(self._last_now, logged.at)
            count += 1
        return count

    def _rebuild(self) -> None:
        """The engine met a bug mid-command: rebuild it from the (committed) log."""
        started = time.perf_counter()
        self.engine = Engine(self.catalog, self.settings.book)
        count = self._replay_log()
        self.generation += 1
        log.warning(
            "engine rebuilt from %d commands in %.2f s", count, time.perf_counter() - started
        )

    async def start(self) -> None:
        self.store.writer.start()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="matcher-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self.store.writer.failure is None and self._submitted_seq > self._snapshot_seq:
            with contextlib.suppress(StorageUnavailable):
                await self.snapshot()  # the next start replays nothing
        self.store.close()

    async def snapshot(self) -> None:
        """Store the book as it is now and drop the log up to here (one transaction)."""
        while self._rebuilding is not None:
            await self._rebuilding.wait()
        seq = self._submitted_seq
        if seq <= self._snapshot_seq:
            return
        started = time.perf_counter()
        state = pickle.dumps((self.engine, self._last_now), protocol=pickle.HIGHEST_PROTOCOL)
        self._snapshot_seq = seq
        await asyncio.wrap_future(self._submit(WriteItem(snapshot=(seq, self.now(), state))))
        log.info(
            "snapshot at command %d: %d bytes in %.2f s",
            seq,
            len(state),
            time.perf_counter() - started,
        )

    def now(self) -> float:
        """The clock, never behind what the book has already seen."""
        self._last_now = max(self._last_now, self.clock.now())
        return self._last_now

    # -- writes --------------------------------------------------------------------

    def authorize(self, signer: Signer) -> None:
        """Rate limit and replay checks; raises without spending anything."""
        now = self.now()
        self.limiter.take(signer.address.lower(), now)
        self.nonces.check(signer.address, signer.nonce, signer.expiry, now)

    async def execute(
        self,
        command: Command,
        signer: Signer | None,
        files: Sequence[FileRow] = (),
    ) -> Applied:
        """Apply `command` and return once it is on disk."""
        while self._rebuilding is not None:
            await self._rebuilding.wait()
        failure = self.store.writer.failure
        if failure is not None:
            raise StorageUnavailable(f"storage failed ({failure}); restart the matcher")
        now = self.now()
        item = WriteItem()
        if signer is not None:
            self.nonces.check(signer.address, signer.nonce, signer.expiry, now)
        error: MatcherError | None = None
        broken = False
        applied = Applied()
        try:
            swept = self.engine.advance(now)
            if swept is not None:
                item.commands.append((now, Sweep().model_dump_json()))
            applied = self.engine.apply(command, now)
            item.commands.append((now, command.model_dump_json()))
            for row in files:
                self.files[row.id] = _metadata_only(row)
                item.files.append(_file_record(row))
        except MatcherError as exc:
            error = exc
        except Exception:
            log.exception("the engine failed on %s; rebuilding it from the log", command.type)
            broken = True  # the command was not added to `item`; a Sweep before it was
            self._rebuilding = asyncio.Event()
        if signer is not None:
            # A refused request spends its nonce too: a signature that failed once must
            # not succeed later when the book has changed.
            self.nonces.use(signer.address, signer.nonce, signer.expiry)
            item.nonces.append((signer.address, signer.nonce, signer.expiry))
        if broken:
            await self._recover(item)
            raise EngineFailure(
                f"an internal error stopped this {command.type}: it was not applied, and the"
                " book is as it was before it"
            )
        if item.commands or item.nonces or item.files:
            await asyncio.wrap_future(self._submit(item))
        if error is not None:
            raise error
        return applied

    async def _recover(self, item: WriteItem) -> None:
        """Commit what came before the failure, then rebuild the engine from the log;
        other commands wait meanwhile, so none is applied to the broken engine."""
        gate = self._rebuilding
        try:
            await asyncio.wrap_future(self._submit(item))  # in order: all before it too
            self._rebuild()
        finally:
            self._rebuilding = None
            if gate is not None:
                gate.set()

    def _submit(self, item: WriteItem) -> Future[None]:
        self._submitted_seq += len(item.commands)
        future = self.store.writer.submit(item)
        self._last_write = future
        return future

    async def flush(self) -> None:
        """Return once everything applied so far is committed (reads call this before
        they answer: nothing is shown before it is durable)."""
        while self._rebuilding is not None:
            await self._rebuilding.wait()
        last = self._last_write
        if last is not None and not last.done():
            await asyncio.wrap_future(last)

    async def store_file(self, row: FileRow) -> None:
        """A file that is not part of a command (an uploaded batch input)."""
        item = WriteItem(files=[_file_record(row)])
        await asyncio.wrap_future(self._submit(item))
        self.files[row.id] = _metadata_only(row)

    async def sweep(self) -> None:
        if self._submitted_seq - self._snapshot_seq >= self.settings.snapshot_every_commands:
            await self.snapshot()
        now = self.now()
        self.nonces.prune(now)
        self.store.writer.prune_before = int(now)
        if self.engine.advance(now) is not None:
            item = WriteItem(commands=[(now, Sweep().model_dump_json())])
            await asyncio.wrap_future(self._submit(item))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_s)
            try:
                await self.sweep()
            except StorageUnavailable:
                log.exception("sweep could not be stored")

    # -- reads ---------------------------------------------------------------------

    @property
    def revoked_keys(self) -> set[str]:
        return self.engine.revoked_keys

    def file(self, file_id: str, owner: str | None = None) -> FileRow:
        row = self.files.get(file_id)
        if row is None or (owner is not None and row.owner.lower() != owner.lower()):
            raise NotFound(f"no file {file_id!r}", field="file_id")
        return row

    async def file_content(self, file_id: str) -> bytes:
        content = await asyncio.to_thread(self.store.file_content, file_id)
        if content is None:
            raise NotFound(f"no file {file_id!r}", field="file_id")
        return content
