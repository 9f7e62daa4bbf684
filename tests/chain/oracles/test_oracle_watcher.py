"""The watcher on a real anvil: confirmation depth, restart from the cursor, reorgs
that remove confirmed events (deeper than the depth) and chains that get shorter."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle_chain_helpers import MAX_UNITS, PRICE

from oracles.db import Database
from oracles.watcher import Watcher, WatchStore
from protocol.typed_data import JobTerms, job_id
from tools.dev_jobs import matmul_spec, open_job
from tools.devnet import DevNet

pytestmark = pytest.mark.chain


def _watcher(net: DevNet, db: Path, *, confirmations: int, **kwargs: int) -> Watcher:
    escrow = net.protocol.contracts.escrow
    start = kwargs.pop("start_block", net.chain.w3.eth.block_number + 1)
    return Watcher(
        net.chain.w3,
        escrow.address,
        escrow.abi,
        WatchStore(Database(db)),
        confirmations=confirmations,
        start_block=start,
        **kwargs,
    )


def _open(net: DevNet, seed: int, *, accept: bool = False) -> JobTerms:
    return open_job(
        net.consumer,
        net.provider,
        matmul_spec(seed),
        price_per_unit=PRICE,
        max_units=MAX_UNITS,
        accept=accept,
    )


def test_events_wait_for_their_confirmation_depth(oracle_net: DevNet, tmp_path: Path) -> None:
    net = oracle_net
    watcher = _watcher(net, tmp_path / "w.db", confirmations=3)
    terms = _open(net, 1001)
    opened_in = net.chain.w3.eth.block_number
    assert watcher.poll().added == ()
    net.chain.mine()
    assert watcher.poll().added == ()
    net.chain.mine()
    update = watcher.poll()
    (event,) = update.added
    assert event.name == "JobOpened" and event.job_id == job_id(terms)
    assert event.block_number == opened_in and update.cursor == opened_in
    assert event.block_time == net.chain.w3.eth.get_block(opened_in)["timestamp"]
    decoded = event.args["terms"]
    assert decoded["consumer"] == terms.consumer and decoded["provider"] == terms.provider
    assert decoded["budget"] == terms.budget and decoded["salt"] == terms.salt
    assert decoded["spec"] == "0x" + terms.spec.hex()


def test_a_restarted_watcher_resumes_from_its_cursor(oracle_net: DevNet, tmp_path: Path) -> None:
    net = oracle_net
    db = tmp_path / "w.db"
    first = _watcher(net, db, confirmations=1)
    terms = _open(net, 1002)
    assert [e.name for e in first.poll().added] == ["JobOpened"]
    start = first.start_block
    net.provider.accept(terms)
    # A new process: same database, same start block; only what is new comes out.
    again = _watcher(net, db, confirmations=1, start_block=start)
    assert again.cursor() == first.cursor()
    assert [e.name for e in again.poll().added] == ["JobAccepted"]
    assert again.poll().added == ()
    names = [e.name for e in again.store.events_for(job_id(terms))]
    assert names == ["JobOpened", "JobAccepted"]


def test_reorg_removing_a_confirmed_event_hands_it_back_and_the_reincluded_one_counts_once(
    oracle_net: DevNet, tmp_path: Path
) -> None:
    net = oracle_net
    watcher = _watcher(net, tmp_path / "w.db", confirmations=1)
    terms = _open(net, 1003)
    assert [e.name for e in watcher.poll().added] == ["JobOpened"]
    request = net.protocol.contracts.escrow.tx("accept", terms.as_tuple())
    sender = net.provider.sender
    signed = sender.prepare(request)
    sender.wait(sender.broadcast(signed))
    (accepted,) = watcher.poll().added
    assert accepted.name == "JobAccepted"

    net.chain.reorg(1)
    net.protocol.nonces.forget_all()
    update = watcher.poll()
    assert [e.key for e in update.removed] == [accepted.key]
    assert update.added == ()
    assert [e.name for e in watcher.store.events_for(job_id(terms))] == ["JobOpened"]

    sender.wait(net.chain.rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()]))
    (again,) = watcher.poll().added
    assert again.name == "JobAccepted" and again.tx_hash == accepted.tx_hash
    assert again.block_hash != accepted.block_hash
    assert watcher.poll().added == ()
    assert [e.name for e in watcher.store.events_for(job_id(terms))] == ["JobOpened", "JobAccepted"]


def test_a_chain_that_got_shorter_is_rewound(oracle_net: DevNet, tmp_path: Path) -> None:
    net = oracle_net
    watcher = _watcher(net, tmp_path / "w.db", confirmations=1)
    with net.checkpoint():
        terms = _open(net, 1004)
        net.chain.mine(2)
        (opened,) = watcher.poll().added
    # evm_revert dropped those blocks: the head is now below the watcher's cursor.
    update = watcher.poll()
    assert [e.key for e in update.removed] == [opened.key]
    assert update.cursor <= net.chain.w3.eth.block_number
    assert watcher.store.events_for(job_id(terms)) == []


def test_a_long_backlog_is_read_in_bounded_ranges(oracle_net: DevNet, tmp_path: Path) -> None:
    net = oracle_net
    watcher = _watcher(net, tmp_path / "w.db", confirmations=1, max_range=5)
    terms = _open(net, 1005)
    net.chain.mine(11)
    lags = []
    while True:
        update = watcher.poll()
        lags.append(update.lag)
        if update.lag == 0:
            break
    assert lags == [7, 2, 0]
    assert [e.name for e in watcher.store.events_for(job_id(terms))] == ["JobOpened"]
