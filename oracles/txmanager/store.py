"""Intents and attempts in SQLite. An attempt's raw bytes are committed before the
manager broadcasts them, so after any crash the same bytes can be sent again."""

from __future__ import annotations

import sqlite3
import time

from oracles.db import Database
from oracles.txmanager.records import TxAttempt, TxIntent, TxStatus

__all__ = ["TxStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tx_intents (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    to_address TEXT,
    data BLOB NOT NULL,
    value TEXT NOT NULL,
    gas INTEGER NOT NULL,
    status TEXT NOT NULL,
    mined_hash TEXT,
    mined_block INTEGER,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tx_intents_open ON tx_intents (status);
CREATE TABLE IF NOT EXISTS tx_attempts (
    tx_hash TEXT PRIMARY KEY,
    intent_key TEXT NOT NULL REFERENCES tx_intents (key),
    raw BLOB NOT NULL,
    max_fee_per_gas TEXT NOT NULL,
    max_priority_fee_per_gas TEXT NOT NULL,
    created_at REAL NOT NULL,
    broadcast_at REAL
);
CREATE INDEX IF NOT EXISTS tx_attempts_intent ON tx_attempts (intent_key, created_at);
"""


def _attempt(row: sqlite3.Row) -> TxAttempt:
    return TxAttempt(
        tx_hash=row["tx_hash"],
        raw=bytes(row["raw"]),
        max_fee_per_gas=int(row["max_fee_per_gas"]),
        max_priority_fee_per_gas=int(row["max_priority_fee_per_gas"]),
        created_at=row["created_at"],
        broadcast_at=row["broadcast_at"],
    )


def _insert_attempt(conn: sqlite3.Connection, key: str, attempt: TxAttempt) -> None:
    conn.execute(
        "INSERT INTO tx_attempts (tx_hash, intent_key, raw, max_fee_per_gas, "
        "max_priority_fee_per_gas, created_at, broadcast_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            attempt.tx_hash,
            key,
            attempt.raw,
            str(attempt.max_fee_per_gas),
            str(attempt.max_priority_fee_per_gas),
            attempt.created_at,
            attempt.broadcast_at,
        ),
    )


class TxStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(_SCHEMA)

    def insert(self, intent: TxIntent) -> None:
        """The intent and its first attempt, committed together."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO tx_intents (key, label, sender, nonce, to_address, data, value, gas, "
                "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    intent.key,
                    intent.label,
                    intent.sender,
                    intent.nonce,
                    intent.to,
                    intent.data,
                    str(intent.value),
                    intent.gas,
                    intent.status.value,
                    intent.created_at,
                    intent.updated_at,
                ),
            )
            for attempt in intent.attempts:
                _insert_attempt(conn, intent.key, attempt)

    def add_attempt(self, key: str, attempt: TxAttempt) -> None:
        with self.db.transaction() as conn:
            _insert_attempt(conn, key, attempt)

    def mark_broadcast(self, tx_hash: str) -> None:
        self.db.execute(
            "UPDATE tx_attempts SET broadcast_at = ? WHERE tx_hash = ?", (time.time(), tx_hash)
        )

    def set_status(
        self,
        key: str,
        status: TxStatus,
        *,
        mined_hash: str | None = None,
        mined_block: int | None = None,
        error: str | None = None,
    ) -> None:
        self.db.execute(
            "UPDATE tx_intents SET status = ?, mined_hash = ?, mined_block = ?, error = ?, "
            "updated_at = ? WHERE key = ?",
            (status.value, mined_hash, mined_block, error, time.time(), key),
        )

    def get(self, key: str) -> TxIntent | None:
        row = self.db.row("SELECT * FROM tx_intents WHERE key = ?", (key,))
        return None if row is None else self._intent(row)

    def open_intents(self, sender: str) -> list[TxIntent]:
        rows = self.db.rows(
            "SELECT * FROM tx_intents WHERE sender = ? AND status IN (?, ?) ORDER BY nonce",
            (sender, TxStatus.PENDING.value, TxStatus.MINED.value),
        )
        return [self._intent(r) for r in rows]

    def highest_nonce(self, sender: str) -> int | None:
        """The highest nonce this store has used for ``sender`` (dropped intents excluded:
        their nonce went to another transaction)."""
        row = self.db.row(
            "SELECT MAX(nonce) AS n FROM tx_intents WHERE sender = ? AND status != ?",
            (sender, TxStatus.DROPPED.value),
        )
        return None if row is None or row["n"] is None else int(row["n"])

    def _intent(self, row: sqlite3.Row) -> TxIntent:
        attempts = self.db.rows(
            "SELECT * FROM tx_attempts WHERE intent_key = ? ORDER BY created_at, rowid",
            (row["key"],),
        )
        return TxIntent(
            key=row["key"],
            label=row["label"],
            sender=row["sender"],
            nonce=row["nonce"],
            to=row["to_address"],
            data=bytes(row["data"]),
            value=int(row["value"]),
            gas=row["gas"],
            status=TxStatus(row["status"]),
            attempts=tuple(_attempt(a) for a in attempts),
            mined_hash=row["mined_hash"],
            mined_block=row["mined_block"],
            error=row["error"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
