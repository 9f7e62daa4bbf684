"""ProtocolChainView against a real anvil deployment: reads, caching, catching up in
bounded steps, a chain that went back, and a node that stopped answering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.chain_view import ProtocolChainView
from protocol.client import Protocol
from protocol.rpc import connect
from protocol.typed_data import JobTerms, job_id
from tools.devnet import CREDIT, DevNet, local_devnet

pytestmark = pytest.mark.chain

SPEC = {"kind": "matmul", "n": 64}


@pytest.fixture
def net(tmp_path: Path) -> Iterator[DevNet]:
    with local_devnet(tmp_path / "deployments") as devnet:
        devnet.fund(devnet.consumer, 30 * CREDIT)
        devnet.fund_and_stake(devnet.provider, 12 * CREDIT)
        yield devnet


def own_view(
    net: DevNet, *, refresh_s: float, blocks_per_query: int = 2000, queries_per_refresh: int = 10
) -> ProtocolChainView:
    """The view on a connection of its own, as the matcher would hold it."""
    protocol = Protocol(connect(net.chain.rpc_url), net.manifest)
    return ProtocolChainView(
        protocol,
        refresh_s=refresh_s,
        blocks_per_query=blocks_per_query,
        queries_per_refresh=queries_per_refresh,
    )


def open_job(net: DevNet) -> JobTerms:
    terms = net.consumer.new_terms(
        provider=net.provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    net.consumer.open_job(terms)
    return terms


def test_reads_stake_balances_and_jobs_at_one_block(net: DevNet) -> None:
    terms = open_job(net)
    net.provider.accept(terms)
    view = own_view(net, refresh_s=0.0)
    c, p = net.consumer.address, net.provider.address
    snap = view.snapshot([p, "not an address"], [c.lower()])
    assert (snap.status, snap.chain_id) == ("connected", 31337)
    assert snap.block == net.chain.w3.eth.block_number
    (stake,) = snap.providers
    assert (stake.address, stake.free_wei, stake.locked_wei) == (p, 7 * CREDIT, 5 * CREDIT)
    # Providers first, then the matcher's wallets (checksummed, once), then job parties.
    assert [w.address for w in snap.wallets] == [p, c]
    assert snap.wallets[1].credits_wei == net.protocol.credit_balance(c)
    assert snap.wallets[1].eth_wei == net.protocol.eth_balance(c)
    (job,) = snap.jobs
    assert (job.job_id, job.status, job.consumer, job.budget_wei) == (
        "0x" + job_id(terms).hex(),
        "Accepted",
        c,
        10 * CREDIT,
    )
    assert snap.model_dump(mode="json")["wallets"][1]["credits_wei"] == str(
        net.protocol.credit_balance(c)
    )


def test_a_released_job_shows_what_it_owes_until_paid_out(net: DevNet) -> None:
    terms = open_job(net)
    net.provider.accept(terms)
    net.provider.submit_receipt(terms, result_hash=b"\x01" * 32, units=4)
    net.advance(int(net.protocol.contracts.escrow.read("disputeWindow")))
    net.provider.finalize(terms)
    view = own_view(net, refresh_s=0.0)
    p, c = net.provider.address, net.consumer.address
    snap = view.snapshot([p], [])
    (job,) = snap.jobs
    pay = 4 * CREDIT - 4 * CREDIT * 150 // 10_000
    assert (job.status, job.paid_wei, job.returned_wei, job.paid_out) == (
        "Settled",
        pay,
        6 * CREDIT,
        False,
    )
    # The receipt's result hash: the dashboard fetches the result archive by it.
    assert job.result_hash == "0x" + "01" * 32
    wallets = {w.address: w for w in snap.wallets}
    assert (wallets[p].claimable_wei, wallets[c].claimable_wei) == (0, 0)
    assert snap.providers[0].locked_wei == 5 * CREDIT
    net.consumer.pay_out([terms])
    snap = view.snapshot([p], [])
    (job,) = snap.jobs
    assert (job.status, job.paid_wei, job.paid_out) == ("Settled", pay, True)
    assert job.updated_block == net.chain.w3.eth.block_number
    wallets = {w.address: w for w in snap.wallets}
    assert (wallets[p].claimable_wei, wallets[c].claimable_wei) == (pay, 6 * CREDIT)
    assert snap.providers[0].locked_wei == 0


def test_snapshots_are_cached_for_the_refresh_period(net: DevNet) -> None:
    view = own_view(net, refresh_s=3600.0)
    first = view.snapshot([], [])
    open_job(net)
    assert view.snapshot([], []) is first
    assert first.jobs == []


def test_a_long_chain_is_caught_up_over_several_polls(net: DevNet) -> None:
    for _ in range(3):
        open_job(net)
    head = net.chain.w3.eth.block_number
    view = own_view(net, refresh_s=0.0, blocks_per_query=1, queries_per_refresh=2)
    seen = []
    for _ in range(head - net.manifest.block + 2):
        seen.append(len(view.snapshot([], []).jobs))
    assert seen[0] < 3 and seen[-1] == 3
    assert seen == sorted(seen)


def test_a_chain_that_went_back_starts_the_job_list_over(net: DevNet) -> None:
    view = own_view(net, refresh_s=0.0)
    before = net.snapshot()
    open_job(net)
    open_job(net)
    assert len(view.snapshot([], []).jobs) == 2
    net.revert(before)
    assert view.snapshot([], []).jobs == []
    open_job(net)
    assert len(view.snapshot([], []).jobs) == 1


def test_a_stopped_node_is_reported_with_the_last_data(net: DevNet) -> None:
    open_job(net)
    view = own_view(net, refresh_s=0.0)
    assert len(view.snapshot([], []).jobs) == 1
    net.chain.stop()
    snap = view.snapshot([], [])
    assert snap.status == "unreachable"
    assert snap.message is not None and "did not answer" in snap.message
    assert len(snap.jobs) == 1


def test_a_node_down_from_the_start_gives_an_empty_unreachable_snapshot(net: DevNet) -> None:
    view = own_view(net, refresh_s=0.0)
    net.chain.stop()
    snap = view.snapshot([net.provider.address], [])
    assert (snap.status, snap.jobs, snap.providers) == ("unreachable", [], [])
