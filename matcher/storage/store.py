"""Reads at start-up and for file contents; writes go through the group-commit writer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from matcher.storage.database import make_engine
from matcher.storage.group_commit import GroupCommitWriter
from matcher.storage.schema import commands, files, metadata, snapshots, used_nonces


@dataclass(frozen=True, slots=True)
class LoggedCommand:
    seq: int
    at: float
    command: str


@dataclass(frozen=True, slots=True)
class UsedNonce:
    signer: str
    nonce: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class FileRow:
    id: str
    owner: str
    purpose: str
    filename: str
    size_bytes: int
    created_at: int
    content: bytes | None = None  # None when only the metadata was read


class Store:
    def __init__(self, url: str, *, max_group: int = 1024) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        metadata.create_all(self.engine)
        self.writer = GroupCommitWriter(self.engine, self._last_seq(), max_group=max_group)

    def _last_seq(self) -> int:
        """The last seq used: in the log, or inside the newest snapshot (the log may be
        compacted down to nothing)."""
        with self.engine.connect() as conn:
            logged = conn.execute(select(func.coalesce(func.max(commands.c.seq), 0))).scalar_one()
            snapped = conn.execute(select(func.coalesce(func.max(snapshots.c.seq), 0))).scalar_one()
            return max(int(logged), int(snapped))

    def latest_snapshot(self) -> tuple[int, float, bytes] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(snapshots.c.seq, snapshots.c.at, snapshots.c.state)
                .order_by(snapshots.c.seq.desc())
                .limit(1)
            ).first()
            return None if row is None else (int(row[0]), float(row[1]), bytes(row[2]))

    def command_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(commands)).scalar_one())

    def commands(self, after_seq: int = 0) -> Iterator[LoggedCommand]:
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=2000).execute(
                select(commands.c.seq, commands.c.at, commands.c.command)
                .where(commands.c.seq > after_seq)
                .order_by(commands.c.seq)
            )
            for seq, at, command in rows:
                yield LoggedCommand(int(seq), float(at), str(command))

    def nonces(self, now: float) -> list[UsedNonce]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(used_nonces.c.signer, used_nonces.c.nonce, used_nonces.c.expires_at).where(
                    used_nonces.c.expires_at > int(now)
                )
            )
            return [UsedNonce(s, int(n), int(e)) for s, n, e in rows]

    def file_metadata(self) -> list[FileRow]:
        cols = [files.c[n] for n in ("id", "owner", "purpose", "filename", "bytes", "created_at")]
        with self.engine.connect() as conn:
            return [FileRow(*row) for row in conn.execute(select(*cols))]

    def file_content(self, file_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(files.c.content).where(files.c.id == file_id)).first()
            return None if row is None else bytes(row[0])

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()
