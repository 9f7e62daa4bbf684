"""The oracle's job table: submissions received, verdicts decided, peers' signatures.

One verdict row per job is what makes this oracle judge a job once: it is written
in the same transaction that records the decision, and a restart finds it there.
A verdict row's ``tx_key`` is reserved before the settlement is signed, so a crash
at any point leads back to the same transaction manager intent, never a second one.
"""

from __future__ import annotations

import json
import sqlite3
import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from oracles.db import Database
from oracles.submission import ReceiptSubmission
from protocol.typed_data import Verdict

__all__ = ["JobStore", "PeerVote", "StoredSubmission", "StoredVerdict", "VerdictState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    job_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
    job_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    verdict TEXT,
    digest TEXT,
    signature TEXT,
    basis TEXT NOT NULL,
    evidence TEXT NOT NULL,
    decided_at REAL NOT NULL,
    quorum_at REAL,
    tx_key TEXT,
    tx_tries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS verdicts_state ON verdicts (state);
CREATE TABLE IF NOT EXISTS peer_signatures (
    job_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    signer TEXT NOT NULL,
    signature TEXT NOT NULL,
    verdict TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (job_id, digest, signer)
);
"""


class VerdictState(StrEnum):
    SIGNED = "signed"  # signed and shared; the committee settles it
    FINALIZE = "finalize"  # release of an on-chain receipt: the dispute window pays it
    UNJUDGEABLE = "unjudgeable"  # this oracle could not judge it (evidence says why)
    MOOT = "moot"  # the job ended on chain before this oracle decided


class StoredSubmission(BaseModel):
    model_config = ConfigDict(frozen=True)

    submission: ReceiptSubmission
    received_at: float


class StoredVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: bytes
    state: VerdictState
    verdict: Verdict | None
    digest: bytes | None
    signature: bytes | None
    basis: tuple[str, ...]  # keys of the chain events the decision rests on
    evidence: dict[str, Any]
    decided_at: float
    quorum_at: float | None
    tx_key: str | None
    tx_tries: int


class PeerVote(BaseModel):
    """A member's signature over some verdict for a job (maybe not ours)."""

    model_config = ConfigDict(frozen=True)

    signer: str
    signature: bytes
    digest: bytes
    verdict: Verdict


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _unhex(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value[2:])


def _verdict_json(verdict: Verdict) -> str:
    return json.dumps(
        {
            "job_id": _hex(verdict.job_id),
            "outcome": verdict.outcome,
            "units": verdict.units,
            "result_hash": _hex(verdict.result_hash),
            "epoch": verdict.epoch,
        }
    )


def _stored_verdict(row: sqlite3.Row) -> StoredVerdict:
    return StoredVerdict(
        job_id=bytes.fromhex(row["job_id"][2:]),
        state=VerdictState(row["state"]),
        verdict=None if row["verdict"] is None else Verdict.model_validate_json(row["verdict"]),
        digest=_unhex(row["digest"]),
        signature=_unhex(row["signature"]),
        basis=tuple(json.loads(row["basis"])),
        evidence=json.loads(row["evidence"]),
        decided_at=row["decided_at"],
        quorum_at=row["quorum_at"],
        tx_key=row["tx_key"],
        tx_tries=row["tx_tries"],
    )


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(_SCHEMA)

    # ------------------------------------------------------------------ submissions

    def submission(self, job_id: bytes) -> StoredSubmission | None:
        row = self.db.row("SELECT * FROM submissions WHERE job_id = ?", (_hex(job_id),))
        if row is None:
            return None
        return StoredSubmission(
            submission=ReceiptSubmission.model_validate_json(row["body"]),
            received_at=row["received_at"],
        )

    def put_submission(self, submission: ReceiptSubmission) -> None:
        """Insert, or replace one whose job has no verdict yet (new URLs, same receipt)."""
        self.db.execute(
            "INSERT INTO submissions (job_id, body, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT(job_id) DO UPDATE SET body = excluded.body",
            (_hex(submission.job_id), submission.to_json(), time.time()),
        )

    def undecided(self) -> list[StoredSubmission]:
        rows = self.db.rows(
            "SELECT s.* FROM submissions s LEFT JOIN verdicts v ON v.job_id = s.job_id "
            "WHERE v.job_id IS NULL ORDER BY s.received_at"
        )
        return [
            StoredSubmission(
                submission=ReceiptSubmission.model_validate_json(r["body"]),
                received_at=r["received_at"],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ verdicts

    def verdict(self, job_id: bytes) -> StoredVerdict | None:
        row = self.db.row("SELECT * FROM verdicts WHERE job_id = ?", (_hex(job_id),))
        return None if row is None else _stored_verdict(row)

    def verdicts_in(self, *states: VerdictState) -> list[StoredVerdict]:
        marks = ",".join("?" * len(states))
        rows = self.db.rows(
            f"SELECT * FROM verdicts WHERE state IN ({marks}) ORDER BY decided_at",
            [s.value for s in states],
        )
        return [_stored_verdict(r) for r in rows]

    def verdicts_with_tx(self, tx_key: str) -> list[StoredVerdict]:
        rows = self.db.rows("SELECT * FROM verdicts WHERE tx_key = ?", (tx_key,))
        return [_stored_verdict(r) for r in rows]

    def put_verdict(
        self,
        job_id: bytes,
        state: VerdictState,
        *,
        verdict: Verdict | None = None,
        digest: bytes | None = None,
        signature: bytes | None = None,
        basis: tuple[str, ...] = (),
        evidence: dict[str, Any] | None = None,
    ) -> None:
        """Record (or, after an epoch change or a dispute, re-record) this oracle's verdict."""
        self.db.execute(
            "INSERT INTO verdicts (job_id, state, verdict, digest, signature, basis, evidence, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
            "state = excluded.state, verdict = excluded.verdict, digest = excluded.digest, "
            "signature = excluded.signature, basis = excluded.basis, "
            "evidence = excluded.evidence, quorum_at = NULL",
            (
                _hex(job_id),
                state.value,
                None if verdict is None else _verdict_json(verdict),
                None if digest is None else _hex(digest),
                None if signature is None else _hex(signature),
                json.dumps(list(basis)),
                json.dumps(evidence or {}),
                time.time(),
            ),
        )

    def delete_verdict(self, job_id: bytes) -> None:
        self.db.execute("DELETE FROM verdicts WHERE job_id = ?", (_hex(job_id),))

    def set_quorum_at(self, job_id: bytes, when: float) -> None:
        self.db.execute(
            "UPDATE verdicts SET quorum_at = ? WHERE job_id = ? AND quorum_at IS NULL",
            (when, _hex(job_id)),
        )

    def reserve_tx(self, job_ids: list[bytes], tx_key: str) -> None:
        """Claim the jobs for the settlement ``tx_key`` before it is signed."""
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE verdicts SET tx_key = ? WHERE job_id = ?",
                [(tx_key, _hex(j)) for j in job_ids],
            )

    def release_tx(self, tx_key: str, *, tried: bool) -> None:
        """Free the jobs of ``tx_key`` for another settlement (``tried``: it was sent)."""
        self.db.execute(
            "UPDATE verdicts SET tx_key = NULL, tx_tries = tx_tries + ? WHERE tx_key = ?",
            (1 if tried else 0, tx_key),
        )

    def reserved_tx_keys(self) -> list[str]:
        rows = self.db.rows("SELECT DISTINCT tx_key FROM verdicts WHERE tx_key IS NOT NULL")
        return [r["tx_key"] for r in rows]

    # ------------------------------------------------------------------ peers

    def add_vote(self, job_id: bytes, vote: PeerVote) -> bool:
        """Store a member's signature; False if it was known already."""
        changed = self.db.execute(
            "INSERT OR IGNORE INTO peer_signatures (job_id, digest, signer, signature, verdict, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                _hex(job_id),
                _hex(vote.digest),
                vote.signer,
                _hex(vote.signature),
                _verdict_json(vote.verdict),
                time.time(),
            ),
        )
        return changed > 0

    def votes(self, job_id: bytes, digest: bytes | None = None) -> list[PeerVote]:
        sql = "SELECT * FROM peer_signatures WHERE job_id = ?"
        params: list[Any] = [_hex(job_id)]
        if digest is not None:
            sql += " AND digest = ?"
            params.append(_hex(digest))
        return [
            PeerVote(
                signer=r["signer"],
                signature=bytes.fromhex(r["signature"][2:]),
                digest=bytes.fromhex(r["digest"][2:]),
                verdict=Verdict.model_validate_json(r["verdict"]),
            )
            for r in self.db.rows(sql, params)
        ]
