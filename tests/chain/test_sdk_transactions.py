"""The sender: EIP-1559 fields, gas margin, confirmations, timeouts, pipelined nonces."""

from __future__ import annotations

import pytest

from protocol.contract_errors import WrongStatus
from protocol.errors import InsufficientFunds, InvalidInput, TransactionFailed, TransactionTimeout
from protocol.node_errors import NodeRejected
from protocol.tx.in_flight import InFlight
from protocol.tx.nonces import NonceTracker
from protocol.tx.sender import TxSender
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain


def test_transactions_are_eip1559_with_the_gas_margin(devnet: DevNet) -> None:
    sender = devnet.protocol.sender(devnet.wallets[1])
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    estimate = int(devnet.protocol.w3.eth.estimate_gas(request.as_call(sender.address)))  # type: ignore[arg-type]
    mined = sender.send(request)
    tx = devnet.protocol.w3.eth.get_transaction(mined.tx_hash)  # type: ignore[arg-type]
    assert tx["type"] == 2
    assert tx["maxFeePerGas"] >= tx["maxPriorityFeePerGas"] > 0
    assert tx["gas"] == -(-estimate * 12 // 10)
    assert mined.gas_used <= tx["gas"]


def test_waiting_for_more_confirmations_than_blocks_times_out(devnet: DevNet) -> None:
    sender = TxSender(devnet.protocol.w3, devnet.wallets[1], confirmations=3, timeout=0.3)
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    with pytest.raises(TransactionTimeout, match="mined but not confirmed") as timed_out:
        sender.send(request)
    # Two more blocks make it three deep: the same transaction is then confirmed.
    devnet.chain.mine(2)
    mined = sender.wait(timed_out.value.tx_hash, timeout=1.0)
    assert mined.tx_hash == timed_out.value.tx_hash


def test_confirmations_are_counted_once_blocks_arrive(devnet: DevNet) -> None:
    sender = TxSender(devnet.protocol.w3, devnet.wallets[1], timeout=5.0)
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    signed = sender.prepare(request)
    tx_hash = sender.broadcast(signed)
    devnet.chain.mine(2)
    mined = sender.wait(tx_hash, label=signed.label, confirmations=3, timeout=1.0)
    assert devnet.protocol.w3.eth.block_number - mined.block_number + 1 >= 3


def test_a_transaction_that_reverts_when_mined_is_reported_with_its_reason(
    devnet: DevNet,
) -> None:
    consumer = devnet.consumer
    devnet.fund(consumer, 10 * CREDIT)
    terms = consumer.new_terms(
        provider=devnet.provider.address,
        budget=10 * CREDIT,
        price_per_unit=CREDIT,
        spec=b"\x01" * 32,
    )
    consumer.open_job(terms)
    sender = consumer.sender
    request = devnet.protocol.contracts.escrow.tx("cancel", terms.as_tuple())
    # Both pass their preflight now; the second is mined after the first and reverts.
    first = sender.prepare(request)
    second = sender.prepare(request, preflight=False, gas=first.gas)
    assert second.nonce == first.nonce + 1
    sender.wait(sender.broadcast(first))
    with pytest.raises(TransactionFailed) as failed:
        sender.wait(sender.broadcast(second))
    assert "WrongStatus" in str(failed.value)
    assert isinstance(failed.value.reason, WrongStatus)


def test_too_little_eth_is_refused_before_sending(devnet: DevNet) -> None:
    wallet = devnet.wallets[5]
    devnet.chain.set_balance(wallet.address, 10**15)
    sender = devnet.protocol.sender(wallet)
    request = devnet.protocol.contracts.sale.tx("buy", 10**18, 0, value=10**18)
    with pytest.raises(InsufficientFunds, match="fund the account"):
        sender.send(request)
    assert devnet.protocol.transaction_count(wallet.address) == 0


def test_pipelined_nonces_send_many_before_waiting(devnet: DevNet) -> None:
    sender = devnet.protocol.sender(devnet.wallets[1])
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    gas = sender.estimate_gas(request)
    signed = [sender.prepare(request, preflight=False, gas=gas) for _ in range(5)]
    assert [s.nonce for s in signed] == list(range(signed[0].nonce, signed[0].nonce + 5))
    hashes = [sender.broadcast(s) for s in signed]
    mined = [sender.wait(h) for h in hashes]
    assert len({m.tx_hash for m in mined}) == 5
    assert devnet.consumer.balance().credits == 5 * sender_credits(devnet)


def sender_credits(devnet: DevNet) -> int:
    return devnet.consumer.quote_buy(10**15)[0]


def test_rebroadcasting_the_same_bytes_is_harmless(devnet: DevNet) -> None:
    sender = devnet.protocol.sender(devnet.wallets[1])
    devnet.chain.rpc("evm_setAutomine", [False])
    try:
        signed = sender.prepare(devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15))
        assert sender.broadcast(signed) == sender.broadcast(signed) == signed.tx_hash
    finally:
        devnet.chain.rpc("evm_setAutomine", [True])
    devnet.chain.mine()
    assert sender.wait(signed.tx_hash).tx_hash == signed.tx_hash


def test_sender_settings_are_checked() -> None:
    with pytest.raises(InvalidInput, match="gas margin"):
        TxSender(None, None, gas_margin=0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="confirmations"):
        TxSender(None, None, confirmations=0)  # type: ignore[arg-type]


def test_a_nonce_taken_by_another_process_is_retried_with_a_fresh_one(devnet: DevNet) -> None:
    """Two processes, one key (an agent and `gpuc provider unbond`): each has its own nonce
    tracker. The one whose cached nonce the other used signs again instead of failing."""
    wallet = devnet.wallets[1]
    agent = TxSender(devnet.protocol.w3, wallet)
    other = TxSender(devnet.protocol.w3, wallet)
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    agent.send(request)  # the agent's tracker now caches the next nonce
    start = devnet.protocol.transaction_count(wallet.address)
    other.send(request)  # the other process takes that nonce first
    mined = agent.send(request)  # without the retry: "nonce too low"
    tx = devnet.protocol.w3.eth.get_transaction(mined.tx_hash)  # type: ignore[arg-type]
    assert tx["nonce"] == start + 1
    assert devnet.protocol.transaction_count(wallet.address) == start + 2


def test_a_nonce_clash_is_not_retried_past_the_limit(devnet: DevNet) -> None:
    wallet = devnet.wallets[1]
    sender = TxSender(devnet.protocol.w3, wallet)
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    sender.send(request)
    stale = sender.nonces.take(wallet.address) - 1  # a nonce already used

    class StaleTracker(NonceTracker):
        def take(self, address: str) -> int:
            return stale

    stuck = TxSender(devnet.protocol.w3, wallet, nonces=StaleTracker(devnet.protocol.w3))
    with pytest.raises(NodeRejected, match="nonce too low"):
        stuck.send(request)


def test_a_mined_transaction_is_no_longer_in_flight(devnet: DevNet) -> None:
    sender = TxSender(devnet.protocol.w3, devnet.wallets[1])
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    signed = sender.prepare(request)
    tx_hash = sender.broadcast(signed)
    assert tx_hash in TxSender.in_flight()
    sender.wait(tx_hash)
    assert tx_hash not in TxSender.in_flight()


def test_pipelined_sends_never_waited_for_stay_bounded(
    devnet: DevNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broadcasts nobody waits for are kept up to the bound (oldest forgotten first); a
    hash being waited for is marked again, so it is there until seen mined."""
    flight = InFlight(max_size=3)
    monkeypatch.setattr(TxSender, "_in_flight", flight)
    sender = TxSender(devnet.protocol.w3, devnet.wallets[1])
    request = devnet.protocol.contracts.sale.tx("buy", 10**15, 0, value=10**15)
    gas = sender.estimate_gas(request)
    hashes = [sender.broadcast(sender.prepare(request, preflight=False, gas=gas)) for _ in range(5)]
    assert TxSender.in_flight() == sorted(hashes[2:])
    # Forgotten by the bound, still waitable: the wait marks it the newest (pushing out
    # the oldest) and forgets it once mined.
    first = sender.wait(hashes[0])
    assert first.tx_hash == hashes[0]
    assert TxSender.in_flight() == sorted(hashes[3:])
    sender.wait(hashes[4])
    assert TxSender.in_flight() == [hashes[3]]
