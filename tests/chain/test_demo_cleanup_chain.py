"""What an interrupted `gpuc demo` closes (gpuc.market.demo_cleanup.close_jobs) on a real
chain: a job nobody accepted is cancelled and its budget claimed back; one accepted by a
provider that stops with the demo gets time to deliver; one accepted by a provider that
keeps running is left to it; one whose stopped provider delivered nothing past its
deadline and the dispute window is slashed for non-delivery."""

from __future__ import annotations

import threading
import time

from gpuc.market.demo_cleanup import close_jobs
from protocol.roles import Provider
from protocol.typed_data import JobTerms
from tools.devnet import CREDIT, DevNet


def _open(devnet: DevNet, provider: Provider, run_within: int = 600) -> JobTerms:
    terms = devnet.consumer.new_terms(
        provider=provider.address,
        budget=CREDIT,
        price_per_unit=CREDIT // 10,
        spec=b"\x11" * 32,
        accept_within=min(run_within, 300),
        run_within=run_within,
    )
    devnet.consumer.open_job(terms)
    return terms


def test_interrupted_demo_closes_what_the_state_allows(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 50 * CREDIT)
    devnet.fund_and_stake(devnet.provider2, 50 * CREDIT)
    stopping, staying = devnet.provider2, devnet.provider
    never_accepted = _open(devnet, stopping)
    delivers_late = _open(devnet, stopping)
    silent = _open(devnet, stopping)
    kept = _open(devnet, staying)
    for terms, role in ((delivers_late, stopping), (silent, stopping), (kept, staying)):
        role.accept(terms)
    balance = devnet.protocol.credit_balance(devnet.consumer.address)

    def deliver() -> None:
        time.sleep(1.5)
        stopping.submit_receipt(delivers_late, result_hash=b"\x22" * 32, units=3)

    thread = threading.Thread(target=deliver)
    thread.start()
    # Jobs are taken in order: ``delivers_late`` is still Accepted when its turn comes.
    lines = close_jobs(
        devnet.consumer,
        [never_accepted, delivers_late, silent, kept],
        stopping_providers=[stopping.address.upper().replace("0X", "0x")],
        wait_s=3.0,
    )
    thread.join()
    got = {line.job: (line.status_before, line.status_after, line.action) for line in lines}
    ids = ["0x" + devnet.protocol.job(t).job_id.hex() for t in
           (never_accepted, silent, delivers_late, kept)]  # fmt: skip
    assert got[ids[0]] == ("Open", "Refunded", "cancelled: the budget is back")
    assert got[ids[1]][:2] == ("Accepted", "Accepted")
    assert "slash-non-delivery " + ids[1] in got[ids[1]][2]
    assert got[ids[2]] == ("Accepted", "Delivered", "delivered before its provider stopped")
    assert got[ids[3]] == (
        "Accepted",
        "Accepted",
        "left to its provider, which keeps running and delivers it",
    )
    # The cancelled budget was claimed back at once.
    assert devnet.protocol.credit_balance(devnet.consumer.address) == balance + CREDIT
    assert devnet.protocol.claimable(devnet.consumer.address) == 0


def test_a_stopped_providers_job_past_its_deadline_is_slashed(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider2, 50 * CREDIT)
    terms = _open(devnet, devnet.provider2, run_within=60)
    devnet.provider2.accept(terms)
    window = int(devnet.protocol.contracts.escrow.read("disputeWindow"))
    devnet.advance(60 + window + 5)
    balance = devnet.protocol.credit_balance(devnet.consumer.address)
    (line,) = close_jobs(
        devnet.consumer, [terms], stopping_providers=[devnet.provider2.address], wait_s=0.5
    )
    assert (line.status_before, line.status_after) == ("Accepted", "Slashed")
    assert line.action == "provider slashed for non-delivery: the budget is back"
    assert devnet.protocol.credit_balance(devnet.consumer.address) > balance
