"""What the watcher has confirmed, on disk: the cursor, block hashes, events.

The cursor is the last block scanned; its hash (and the hash of every block that
held an event) is kept so a reorg is noticed on the next poll and undone: events
above the common ancestor are deleted and handed back as removed.
"""

from __future__ import annotations

import json
import sqlite3

from oracles.db import Database
from oracles.watcher.events import TERMINAL_EVENTS, ChainEvent

__all__ = ["WatchStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watch_blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chain_events (
    block_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    block_time INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    job_id TEXT NOT NULL,
    args TEXT NOT NULL,
    PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX IF NOT EXISTS chain_events_job ON chain_events (job_id, name);
CREATE INDEX IF NOT EXISTS chain_events_block ON chain_events (block_number);
"""
_CURSOR = "watch_cursor"


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _event(row: sqlite3.Row) -> ChainEvent:
    return ChainEvent(
        name=row["name"],
        job_id=bytes.fromhex(row["job_id"][2:]),
        block_number=row["block_number"],
        block_hash=bytes.fromhex(row["block_hash"][2:]),
        block_time=row["block_time"],
        log_index=row["log_index"],
        tx_hash=bytes.fromhex(row["tx_hash"][2:]),
        args=json.loads(row["args"]),
    )


def _put_cursor(conn: sqlite3.Connection, number: int) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_CURSOR, str(number)),
    )


class WatchStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(_SCHEMA)

    # ------------------------------------------------------------------ cursor

    def cursor(self) -> tuple[int, bytes] | None:
        """(block number, block hash) of the last block scanned, if any."""
        number = self.db.get_meta(_CURSOR)
        if number is None:
            return None
        found = self.block_hash(int(number))
        return None if found is None else (int(number), found)

    def block_hash(self, number: int) -> bytes | None:
        row = self.db.row("SELECT hash FROM watch_blocks WHERE number = ?", (number,))
        return None if row is None else bytes.fromhex(row["hash"][2:])

    def known_blocks_below(self, number: int, limit: int) -> list[tuple[int, bytes]]:
        """Stored (number, hash) pairs below ``number``, newest first."""
        rows = self.db.rows(
            "SELECT number, hash FROM watch_blocks WHERE number < ? ORDER BY number DESC LIMIT ?",
            (number, limit),
        )
        return [(r["number"], bytes.fromhex(r["hash"][2:])) for r in rows]

    # ------------------------------------------------------------------ changes

    def append(
        self, events: list[ChainEvent], blocks: dict[int, bytes], cursor: int, keep: int
    ) -> None:
        """Store a scanned range atomically: its events, block hashes, the new cursor;
        forget block hashes more than ``keep`` blocks below it."""
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO chain_events (block_hash, log_index, block_number, "
                "block_time, tx_hash, name, job_id, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        _hex(e.block_hash),
                        e.log_index,
                        e.block_number,
                        e.block_time,
                        _hex(e.tx_hash),
                        e.name,
                        _hex(e.job_id),
                        json.dumps(e.args),
                    )
                    for e in events
                ],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO watch_blocks (number, hash) VALUES (?, ?)",
                [(n, _hex(h)) for n, h in blocks.items()],
            )
            conn.execute("DELETE FROM watch_blocks WHERE number < ?", (cursor - keep,))
            _put_cursor(conn, cursor)

    def rewind(self, ancestor: int, ancestor_hash: bytes) -> list[ChainEvent]:
        """Undo everything above block ``ancestor``; returns the removed events."""
        with self.db.transaction() as conn:
            removed = [
                _event(r)
                for r in conn.execute(
                    "SELECT * FROM chain_events WHERE block_number > ? "
                    "ORDER BY block_number, log_index",
                    (ancestor,),
                ).fetchall()
            ]
            conn.execute("DELETE FROM chain_events WHERE block_number > ?", (ancestor,))
            conn.execute("DELETE FROM watch_blocks WHERE number > ?", (ancestor,))
            conn.execute(
                "INSERT OR REPLACE INTO watch_blocks (number, hash) VALUES (?, ?)",
                (ancestor, _hex(ancestor_hash)),
            )
            _put_cursor(conn, ancestor)
        return removed

    # ------------------------------------------------------------------ reads

    def events_for(self, job_id: bytes) -> list[ChainEvent]:
        rows = self.db.rows(
            "SELECT * FROM chain_events WHERE job_id = ? ORDER BY block_number, log_index",
            (_hex(job_id),),
        )
        return [_event(r) for r in rows]

    def latest(self, job_id: bytes, name: str) -> ChainEvent | None:
        row = self.db.row(
            "SELECT * FROM chain_events WHERE job_id = ? AND name = ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1",
            (_hex(job_id), name),
        )
        return None if row is None else _event(row)

    def closing_event(self, job_id: bytes) -> ChainEvent | None:
        """The confirmed event that ended the job (settled, slashed, refunded), if any."""
        marks = ",".join("?" * len(TERMINAL_EVENTS))
        row = self.db.row(
            f"SELECT * FROM chain_events WHERE job_id = ? AND name IN ({marks}) LIMIT 1",
            (_hex(job_id), *TERMINAL_EVENTS),
        )
        return None if row is None else _event(row)

    def is_closed(self, job_id: bytes) -> bool:
        """Whether a confirmed event ended the job."""
        return self.closing_event(job_id) is not None
