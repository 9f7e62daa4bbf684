"""The oracle's SQLite tables without a chain: watch cursor and rewind, job verdicts,
votes and settlement reservations, transaction intents, and the audit lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

from oracles.audit import AuditLog, jsonable, read_audit
from oracles.db import Database
from oracles.job_store import JobStore, PeerVote, VerdictState
from oracles.txmanager import TxAttempt, TxIntent, TxStatus, TxStore
from oracles.watcher import ChainEvent, WatchStore
from protocol.typed_data import Verdict

JOB = b"\x07" * 32


def _event(block: int, name: str = "JobAccepted", index: int = 0) -> ChainEvent:
    return ChainEvent(
        name=name,
        job_id=JOB,
        block_number=block,
        block_hash=block.to_bytes(32, "big"),
        block_time=1_700_000_000 + block,
        log_index=index,
        tx_hash=b"\x09" * 32,
        args={"jobId": "0x" + JOB.hex(), "collateral": 5},
    )


def test_watch_store_rewind_returns_and_deletes_what_is_above_the_ancestor(
    tmp_path: Path,
) -> None:
    store = WatchStore(Database(tmp_path / "o.db"))
    assert store.cursor() is None
    store.append([_event(10, "JobOpened")], {10: _event(10).block_hash}, cursor=10, keep=100)
    store.append([_event(12)], {12: _event(12).block_hash, 13: b"\x0d" * 32}, cursor=13, keep=100)
    assert store.cursor() == (13, b"\x0d" * 32)
    assert [e.name for e in store.events_for(JOB)] == ["JobOpened", "JobAccepted"]
    removed = store.rewind(11, b"\x0b" * 32)
    assert [e.key for e in removed] == [_event(12).key]
    assert store.cursor() == (11, b"\x0b" * 32)
    assert [e.name for e in store.events_for(JOB)] == ["JobOpened"]
    assert store.latest(JOB, "JobAccepted") is None
    assert store.known_blocks_below(20, 10) == [(11, b"\x0b" * 32), (10, _event(10).block_hash)]


def test_watch_store_forgets_block_hashes_beyond_the_window(tmp_path: Path) -> None:
    store = WatchStore(Database(tmp_path / "o.db"))
    store.append([], {n: n.to_bytes(32, "big") for n in range(1, 11)}, cursor=10, keep=3)
    assert [n for n, _ in store.known_blocks_below(11, 100)] == [10, 9, 8, 7]


def test_watch_store_reports_a_closed_job(tmp_path: Path) -> None:
    store = WatchStore(Database(tmp_path / "o.db"))
    store.append([_event(5), _event(6, "JobSlashed")], {}, cursor=6, keep=10)
    closing = store.closing_event(JOB)
    assert closing is not None and closing.name == "JobSlashed"


def _verdict(units: int = 1) -> Verdict:
    return Verdict(job_id=JOB, outcome=1, units=units, result_hash=b"\x01" * 32, epoch=2)


def test_job_store_one_verdict_per_job_and_reservations(tmp_path: Path) -> None:
    jobs = JobStore(Database(tmp_path / "o.db"))
    jobs.put_verdict(
        JOB,
        VerdictState.SIGNED,
        verdict=_verdict(),
        digest=b"\x02" * 32,
        signature=b"\x03" * 65,
        basis=("0xab:0",),
        evidence={"outcome": "release"},
    )
    stored = jobs.verdict(JOB)
    assert stored is not None and stored.verdict == _verdict() and stored.basis == ("0xab:0",)
    jobs.set_quorum_at(JOB, 5.0)
    jobs.set_quorum_at(JOB, 9.0)  # the first quorum time stays
    assert jobs.verdict(JOB).quorum_at == 5.0  # type: ignore[union-attr]
    jobs.reserve_tx([JOB], "settle:x:2:0")
    assert jobs.reserved_tx_keys() == ["settle:x:2:0"]
    assert [v.job_id for v in jobs.verdicts_with_tx("settle:x:2:0")] == [JOB]
    jobs.release_tx("settle:x:2:0", tried=True)
    after = jobs.verdict(JOB)
    assert after is not None and after.tx_key is None and after.tx_tries == 1
    jobs.delete_verdict(JOB)
    assert jobs.verdict(JOB) is None


def test_job_store_votes_are_kept_once_per_signer_and_digest(tmp_path: Path) -> None:
    jobs = JobStore(Database(tmp_path / "o.db"))
    vote = PeerVote(
        signer="0x" + "aa" * 20, signature=b"\x04" * 65, digest=b"\x05" * 32, verdict=_verdict()
    )
    assert jobs.add_vote(JOB, vote) is True
    assert jobs.add_vote(JOB, vote) is False
    other = vote.model_copy(update={"digest": b"\x06" * 32, "verdict": _verdict(units=9)})
    assert jobs.add_vote(JOB, other) is True
    assert [v.verdict.units for v in jobs.votes(JOB, b"\x05" * 32)] == [1]
    assert len(jobs.votes(JOB)) == 2


def _intent(key: str, nonce: int, status: TxStatus = TxStatus.PENDING) -> TxIntent:
    attempt = TxAttempt(
        tx_hash=f"0x{nonce:064x}",
        raw=b"\x02raw",
        max_fee_per_gas=10,
        max_priority_fee_per_gas=1,
        created_at=1.0,
    )
    return TxIntent(
        key=key,
        label="JobEscrow.settle",
        sender="0x" + "bb" * 20,
        nonce=nonce,
        to="0x" + "cc" * 20,
        data=b"\x01",
        value=0,
        gas=100_000,
        status=status,
        attempts=(attempt,),
        created_at=1.0,
        updated_at=1.0,
    )


def test_tx_store_persists_raw_bytes_and_tracks_nonces(tmp_path: Path) -> None:
    store = TxStore(Database(tmp_path / "o.db"))
    sender = "0x" + "bb" * 20
    assert store.highest_nonce(sender) is None
    store.insert(_intent("a", 4))
    store.insert(_intent("b", 5))
    assert store.highest_nonce(sender) == 5
    store.set_status("b", TxStatus.DROPPED, error="nonce used")
    assert store.highest_nonce(sender) == 4  # a dropped intent's nonce went to another tx
    bump = TxAttempt(
        tx_hash="0x" + "ff" * 32,
        raw=b"\x02bumped",
        max_fee_per_gas=13,
        max_priority_fee_per_gas=2,
        created_at=2.0,
    )
    store.add_attempt("a", bump)
    reopened = TxStore(Database(tmp_path / "o.db")).get("a")
    assert reopened is not None and [a.raw for a in reopened.attempts] == [
        b"\x02raw",
        b"\x02bumped",
    ]
    assert [i.key for i in store.open_intents(sender)] == ["a"]


def test_audit_lines_are_json_with_hex_bytes(tmp_path: Path) -> None:
    stream = io.StringIO()
    log = AuditLog("0xme", stream=stream, path=tmp_path / "audit.log")
    log.record("verdict_signed", job=JOB, verdict=_verdict(), sizes=(1, 2))
    log.close()
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["event"] == "verdict_signed" and entry["node"] == "0xme"
    assert entry["job"] == "0x" + JOB.hex()
    assert entry["verdict"]["result_hash"] == "0x" + "01" * 32 and entry["sizes"] == [1, 2]
    with (tmp_path / "audit.log").open("a") as handle:
        handle.write("INFO: not json\n{cut")
    assert [e["event"] for e in read_audit(tmp_path / "audit.log")] == ["verdict_signed"]
    assert jsonable({"x": (b"\x01",)}) == {"x": ["0x01"]}
