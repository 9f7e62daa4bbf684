"""The provider agent's settlement watcher on anvil: a job the committee settled with
settleAndPayOut is paid already, so the agent does not pay it out again; a job settled
with plain settle is paid out; one claim pulls both."""

from __future__ import annotations

import io
from typing import Any

import pytest

from protocol.typed_data import JobStatus, JobTerms, job_id
from provider.agent_log import AgentLog, read_agent_log
from provider.job_pipeline import Delivered
from provider.settlements import SettlementWatcher
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

SPEC = {"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"}


def _settled(net: DevNet, seed: int, *, pay_out: bool) -> JobTerms:
    """A 10-credit job opened accepted, released for 6 units by 2-of-3 oracles."""
    spec = {**SPEC, "seed_a": seed}
    terms = net.consumer.new_terms(
        provider=net.provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=spec
    )
    net.consumer.open_accepted(terms, net.provider.sign_acceptance(terms))
    op = net.oracles[0]
    verdict = op.verdict(terms, outcome=1, units=6, result_hash=bytes([seed]) * 32)
    combined = op.combine_verdict(verdict, [o.sign_verdict(verdict) for o in net.oracles[:2]])
    op.settle(terms, verdict, combined, pay_out=pay_out)
    return terms


def test_a_job_paid_at_settlement_is_not_paid_out_again(devnet: DevNet) -> None:
    net = devnet
    net.consumer.buy_exact_credits(20 * CREDIT)
    net.fund_and_stake(net.provider, 50 * CREDIT)
    paid_at_once = _settled(net, 11, pay_out=True)
    two_step = _settled(net, 12, pay_out=False)
    assert net.protocol.job(paid_at_once).paid_out
    assert not net.protocol.job(two_step).paid_out
    owed = net.protocol.claimable(net.provider.address)
    assert owed > 0  # the settleAndPayOut job's pay, credited already

    credit = net.protocol.contracts.credit
    credits_before = int(credit.read("balanceOf", net.provider.address))
    sent_before = net.protocol.w3.eth.get_transaction_count(net.provider.address)  # type: ignore[arg-type]

    # The job paid at settlement: no payOut is sent for it, the claim pulls its pay.
    events = _poll(net, [paid_at_once])
    names = [e["event"] for e in events]
    assert "payout_sent" not in names and "payout_failed" not in names
    (settled,) = [e for e in events if e["event"] == "job_settled"]
    assert settled["job"] == "0x" + job_id(paid_at_once).hex() and settled["paid_out"] is True
    (claimed,) = [e for e in events if e["event"] == "payment_claimed"]
    assert claimed["amount"] == owed
    sent = net.protocol.w3.eth.get_transaction_count(net.provider.address)  # type: ignore[arg-type]
    assert sent - sent_before == 1  # the claim only

    # The two-step job: paid out by the agent (one payOut), then claimed.
    events = _poll(net, [two_step])
    (settled,) = [e for e in events if e["event"] == "job_settled"]
    assert settled["paid_out"] is False
    (payout,) = [e for e in events if e["event"] == "payout_sent"]
    assert payout["jobs"] == 1 and payout["provider_pay"] == owed  # equal jobs, equal pay
    (claimed,) = [e for e in events if e["event"] == "payment_claimed"]
    assert claimed["amount"] == owed
    credits_after = int(credit.read("balanceOf", net.provider.address))
    assert credits_after - credits_before == 2 * owed
    assert net.protocol.claimable(net.provider.address) == 0
    for terms in (paid_at_once, two_step):
        state = net.protocol.job(terms)
        assert state.status == JobStatus.SETTLED and state.paid_out


def _poll(net: DevNet, jobs: list[JobTerms]) -> list[dict[str, Any]]:
    """One poll of a watcher following ``jobs``; its log events. It follows nothing after."""
    stream = io.StringIO()
    watcher = SettlementWatcher(net.protocol, net.provider, AgentLog(stream))
    for terms in jobs:
        watcher.follow(
            Delivered(
                terms=terms, job_id=job_id(terms), fill_id="f", kind="matmul", optimistic=False
            )
        )
    watcher.poll()
    assert watcher.pending == {}
    return read_agent_log(stream.getvalue())
