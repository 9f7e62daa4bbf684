"""Every Solidity custom error maps to its Python class, raised by a real revert.

Each case makes the contracts refuse a call; the SDK's preflight eth_call must raise the
exception named like the Solidity error, with the decoded values, and send nothing (the
caller's nonce and the block height stay put). Errors no outside call can reach are
listed with the reason, and decoded from synthetic revert data instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode

from protocol import contract_errors
from protocol.contracts import BoundContract
from protocol.deploy import deploy_contract
from protocol.errors import ContractError
from protocol.revert import RevertedWithoutReason, decode_revert
from protocol.roles import Consumer
from protocol.tx.sender import TxSender
from protocol.typed_data import (
    JobTerms,
    Permit,
    Verdict,
    acceptance_digest,
    job_id,
    permit_digest,
    verdict_digest,
)
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

ZERO = "0x0000000000000000000000000000000000000000"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SPEC = b"\x5e" * 32

# No call from outside can make these revert; why, for each:
UNREACHABLE = {
    "InsufficientBalance": "Address.sendValue of more ETH than held: reserve always covers",
    "InvalidAccountNonce": "ERC20Permit uses unchecked nonces",
    "StringTooLong": "ShortStrings of the fixed EIP-712 names, at construction",
    "InvalidShortString": "ShortStrings of the fixed EIP-712 names, at construction",
    "ReentrancyGuardReentrantCall": "needs a re-entering token; GPUC has no hooks",
    "SafeERC20FailedOperation": "GPUC reverts instead of returning false",
    "InsufficientLocked": "the escrow never unlocks more than it locked",
    "ERC20InvalidSender": "transferFrom(0) fails on the approver check first",
    "SlashMismatch": "ProviderStaking slashes exactly the locked collateral it is asked for",
}


class Call:
    """A refused call: who sends it and how."""

    def __init__(self, sender: TxSender, send: Callable[[], object]) -> None:
        self.sender = sender
        self.send = send


def _sender(net: DevNet, index: int) -> TxSender:
    return net.protocol.sender(net.wallets[index])


def _raw(
    net: DevNet, index: int, contract: BoundContract, fn: str, *args: Any, value: int = 0
) -> Call:
    sender = _sender(net, index)
    return Call(sender, lambda: sender.send(contract.tx(fn, *args, value=value)))


def _deploy(net: DevNet, name: str, args: list[Any]) -> Call:
    sender = _sender(net, 0)
    return Call(sender, lambda: deploy_contract(sender, name, args))


def _terms(net: DevNet, **changes: Any) -> JobTerms:
    now = net.protocol.now()
    fields: dict[str, Any] = {
        "consumer": net.consumer.address,
        "provider": net.provider.address,
        "budget": 10 * CREDIT,
        "price_per_unit": CREDIT,
        "accept_deadline": now + 600,
        "deadline": now + 3600,
        "spec": SPEC,
        "salt": 1,
    }
    fields.update(changes)
    return JobTerms(**fields)


def _opened(net: DevNet, **changes: Any) -> JobTerms:
    net.fund(net.consumer, 10 * CREDIT)
    terms = _terms(net, **changes)
    net.consumer.open_job(terms)
    return terms


def _accepted(net: DevNet, **changes: Any) -> JobTerms:
    net.fund_and_stake(net.provider, 10 * CREDIT)
    terms = _opened(net, **changes)
    net.provider.accept(terms)
    return terms


def _verdict_tuple(
    terms: JobTerms, epoch: int, outcome: int = 1, units: int = 1
) -> tuple[Any, ...]:
    return (job_id(terms), outcome, units, b"\x01" * 32, epoch)


def _escrow(net: DevNet) -> BoundContract:
    return net.protocol.contracts.escrow


def _epoch(net: DevNet) -> int:
    return net.oracles[0].committee().epoch


def _signed(net: DevNet, digest: bytes, indexes: list[int]) -> bytes:
    """Signatures of dev accounts ``indexes`` over ``digest``, in the order given."""
    return b"".join(net.wallets[i].sign_digest(digest) for i in indexes)


def _oracle_indexes(net: DevNet) -> list[int]:
    """Dev-account indexes of the committee, ascending by address."""
    members = {o.address for o in net.oracles}
    return sorted(
        (i for i, w in enumerate(net.wallets) if w.address in members),
        key=lambda i: int(net.wallets[i].address, 16),
    )


def _settle_with(net: DevNet, terms: JobTerms, verdict: tuple[Any, ...], sigs: bytes) -> Call:
    return _raw(net, 0, _escrow(net), "settle", terms.as_tuple(), verdict, sigs)


def _release_digest(net: DevNet, terms: JobTerms) -> tuple[tuple[Any, ...], bytes]:
    v = _verdict_tuple(terms, _epoch(net))
    digest = verdict_digest(
        net.protocol.domain,
        Verdict(job_id=v[0], outcome=v[1], units=v[2], result_hash=v[3], epoch=v[4]),
    )
    return v, digest


def _permit_call(
    net: DevNet,
    *,
    deadline_delta: int = 3600,
    signer: int = 1,
    s_high: bool = False,
    zero_r: bool = False,
) -> Call:
    credit = net.protocol.contracts.credit
    owner = net.consumer.address
    spender = net.wallets[5].address
    deadline = net.protocol.now() + deadline_delta
    permit = Permit(owner=owner, spender=spender, value=1, nonce=0, deadline=deadline)
    sig = net.wallets[signer].sign_digest(
        permit_digest(net.protocol.chain_id, credit.address, permit)
    )
    r, s, v = sig[:32], sig[32:64], sig[64]
    if s_high:
        s = (SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
        v = 55 - v
    if zero_r:
        r = bytes(32)
    return _raw(net, 5, credit, "permit", owner, spender, 1, deadline, v, r, s)


def _side_sale(net: DevNet, *, rate: int = 10**15, treasury: str | None = None) -> BoundContract:
    sender = _sender(net, 0)
    address = deploy_contract(
        sender,
        "CreditSale",
        [ZERO, rate, treasury or net.deployer.address, 50, net.deployer.address],
    )
    return BoundContract(net.protocol.w3, "CreditSale", address)


def _side_staking(net: DevNet, delay: int) -> BoundContract:
    credit = net.protocol.contracts.credit.address
    address = deploy_contract(
        _sender(net, 0), "ProviderStaking", [credit, delay, net.deployer.address]
    )
    return BoundContract(net.protocol.w3, "ProviderStaking", address)


def _escrow_config(net: DevNet, **changes: Any) -> list[Any]:
    c = net.protocol.contracts
    config = {
        "credit": c.credit.address,
        "staking": c.staking.address,
        "committee": c.committee.address,
        "treasury": net.deployer.address,
        "fee": 100,
        "burn": 50,
        "collateral": 5000,
        "slash_burn": 5000,
        "window": 3600,
        "max_duration": 7 * 86400,
        "verdict_window": 3600,
        "bond": 1000,
        "compensation_cap": 2500,
    }
    config.update(changes)
    return [tuple(config.values())]


def _open_accepted(net: DevNet, *, signer_index: int = 2, acceptance: bytes | None = None) -> Call:
    net.fund(net.consumer, 10 * CREDIT)
    terms = _terms(net)
    if acceptance is None:
        digest = acceptance_digest(net.protocol.domain, job_id(terms))
        acceptance = net.wallets[signer_index].sign_digest(digest)
    escrow = _escrow(net)
    net.consumer.ensure_allowance(net.protocol.contracts.credit, escrow.address, terms.budget)
    return _raw(net, 1, escrow, "openAccepted", terms.as_tuple(), acceptance)


def _failed_call(net: DevNet) -> Call:
    # A sale whose treasury (the committee contract) cannot receive ETH.
    sale = _side_sale(net, treasury=net.protocol.contracts.committee.address)
    _sender(net, 1).send(sale.tx("buy", 10**16, 0, value=10**16))
    return _raw(net, 1, sale, "withdrawSpread")


def _safe_cast(net: DevNet) -> Call:
    staking = _side_staking(net, 2**64)
    net.fund(net.consumer, 10 * CREDIT)
    net.consumer.ensure_allowance(net.protocol.contracts.credit, staking.address, CREDIT)
    _sender(net, 1).send(staking.tx("stake", CREDIT))
    return _raw(net, 1, staking, "requestUnbond", CREDIT)


def _invalid_outcome(net: DevNet) -> Call:
    terms = _accepted(net)
    v = _verdict_tuple(terms, _epoch(net), outcome=3)
    digest = bytes(_escrow(net).read("verdictDigest", v))
    return _settle_with(net, terms, v, _signed(net, digest, _oracle_indexes(net)[:2]))


def _signatures(net: DevNet, order: str) -> Call:
    terms = _terms(net)
    v, digest = _release_digest(net, terms)
    ordered = _oracle_indexes(net)
    chosen = {"ascending": ordered[:1], "descending": [ordered[1], ordered[0]], "stranger": [5, 6]}[
        order
    ]
    if order == "stranger":
        chosen = sorted(chosen, key=lambda i: int(net.wallets[i].address, 16))
    return _settle_with(net, terms, v, _signed(net, digest, chosen))


def _on_job(net: DevNet, terms: JobTerms, index: int, fn: str, *more: Any) -> Call:
    return _raw(net, index, _escrow(net), fn, terms.as_tuple(), *more)


def _unbonding_not_ready(net: DevNet) -> Call:
    net.fund_and_stake(net.provider, CREDIT)
    net.provider.request_unbond(CREDIT)
    return _raw(net, 2, net.protocol.contracts.staking, "withdraw")


def _cancelled_twice(net: DevNet) -> Call:
    terms = _opened(net)
    net.consumer.cancel(terms)
    return _on_job(net, terms, 1, "cancel")


def _pay_out_unsettled(net: DevNet) -> Call:
    # A stranger pays out (anyone may) a job that is only accepted, through the SDK.
    terms = _accepted(net)
    stranger = Consumer(net.protocol, net.wallets[5])
    return Call(stranger.sender, lambda: stranger.pay_out([terms]))


def _accept_too_late(net: DevNet) -> Call:
    net.fund_and_stake(net.provider, 10 * CREDIT)
    terms = _opened(net)
    net.advance(601)
    return _on_job(net, terms, 2, "accept")


CASES: dict[str, Callable[[DevNet], Call]] = {
    # ---- credit sale and token
    "ZeroAmount": lambda n: _raw(n, 1, n.protocol.contracts.sale, "buy", 0, 0),
    "PaymentMismatch": lambda n: _raw(n, 1, n.protocol.contracts.sale, "buy", 100, 0, value=50),
    "AmountTooSmall": lambda n: _raw(n, 1, _side_sale(n, rate=10**20), "buy", 1, 0, value=1),
    "SlippageExceeded": lambda n: _raw(
        n, 1, n.protocol.contracts.sale, "buy", 10**15, 10**30, value=10**15
    ),
    "SpreadTooHigh": lambda n: _raw(n, 0, n.protocol.contracts.sale, "setSpread", 5000),
    "InvalidConfig": lambda n: _deploy(
        n, "CreditSale", [ZERO, 10**15, ZERO, 50, n.deployer.address]
    ),
    "NothingToWithdraw": lambda n: _raw(n, 1, _side_sale(n), "withdrawSpread"),
    "FailedCall": _failed_call,
    "NotMinter": lambda n: _raw(n, 1, n.protocol.contracts.credit, "mint", n.consumer.address, 1),
    "ERC20InsufficientBalance": lambda n: _raw(
        n, 1, n.protocol.contracts.credit, "transfer", n.provider.address, 1
    ),
    "ERC20InsufficientAllowance": lambda n: _raw(
        n, 2, n.protocol.contracts.credit, "transferFrom", n.consumer.address, n.provider.address, 1
    ),
    "ERC20InvalidReceiver": lambda n: _raw(n, 1, n.protocol.contracts.credit, "transfer", ZERO, 0),
    "ERC20InvalidApprover": lambda n: _raw(
        n, 1, n.protocol.contracts.credit, "transferFrom", ZERO, n.provider.address, 0
    ),
    "ERC20InvalidSpender": lambda n: _raw(n, 1, n.protocol.contracts.credit, "approve", ZERO, 1),
    "ERC2612ExpiredSignature": lambda n: _permit_call(n, deadline_delta=-10),
    "ERC2612InvalidSigner": lambda n: _permit_call(n, signer=2),
    "ECDSAInvalidSignature": lambda n: _permit_call(n, zero_r=True),
    "ECDSAInvalidSignatureS": lambda n: _permit_call(n, s_high=True),
    "OwnableUnauthorizedAccount": lambda n: _raw(n, 5, n.protocol.contracts.sale, "setSpread", 1),
    "OwnableInvalidOwner": lambda n: _deploy(
        n, "CreditSale", [ZERO, 10**15, n.deployer.address, 50, ZERO]
    ),
    "SafeCastOverflowedUintDowncast": _safe_cast,
    # ---- staking
    "InsufficientStake": lambda n: _raw(n, 2, n.protocol.contracts.staking, "requestUnbond", 1),
    "NotEscrow": lambda n: _raw(n, 5, n.protocol.contracts.staking, "lock", n.provider.address, 1),
    "EscrowAlreadySet": lambda n: _raw(
        n, 0, n.protocol.contracts.staking, "setEscrow", n.protocol.contracts.escrow.address
    ),
    "InvalidEscrow": lambda n: _raw(
        n, 0, _side_staking(n, 10**6), "setEscrow", n.wallets[5].address
    ),
    "UnbondingNotReady": lambda n: _unbonding_not_ready(n),
    "NothingUnbonding": lambda n: _raw(n, 2, n.protocol.contracts.staking, "withdraw"),
    "StakeOverflow": lambda n: _raw(n, 2, n.protocol.contracts.staking, "stake", 2**96),
    # ---- committee
    "InvalidSignatureLength": lambda n: _settle_with(
        n, _terms(n), _verdict_tuple(_terms(n), _epoch(n)), b"\x01" * 64
    ),
    "InvalidSignature": lambda n: _settle_with(
        n, _terms(n), _verdict_tuple(_terms(n), _epoch(n)), bytes(130)
    ),
    "UnknownSigner": lambda n: _signatures(n, "stranger"),
    "SignersNotAscending": lambda n: _signatures(n, "descending"),
    "InsufficientSignatures": lambda n: _signatures(n, "ascending"),
    "FutureEpoch": lambda n: _settle_with(
        n, _terms(n), _verdict_tuple(_terms(n), _epoch(n) + 1), bytes(130)
    ),
    "InvalidThreshold": lambda n: _raw(n, 0, n.protocol.contracts.committee, "setThreshold", 0),
    "AlreadyMember": lambda n: _raw(
        n, 0, n.protocol.contracts.committee, "addMember", n.oracles[0].address
    ),
    "NotMember": lambda n: _raw(
        n, 0, n.protocol.contracts.committee, "removeMember", n.wallets[5].address
    ),
    "ZeroAddressMember": lambda n: _raw(n, 0, n.protocol.contracts.committee, "addMember", ZERO),
    # ---- escrow
    "NotConsumer": lambda n: _raw(n, 3, _escrow(n), "open", _terms(n).as_tuple()),
    "NotProvider": lambda n: _on_job(n, _opened(n), 4, "accept"),
    "InvalidAcceptance": lambda n: _open_accepted(n, signer_index=5),
    "ECDSAInvalidSignatureLength": lambda n: _open_accepted(n, acceptance=b"\x01" * 64),
    "TooManyUnits": lambda n: _raw(
        n, 1, _escrow(n), "open", (*_terms(n).as_tuple()[:2], 2**64, 1, *_terms(n).as_tuple()[4:])
    ),
    "ZeroWindow": lambda n: _deploy(n, "JobEscrow", _escrow_config(n, window=0)),
    "BpsTooLow": lambda n: _deploy(n, "JobEscrow", _escrow_config(n, bond=0)),
    "InvalidPrice": lambda n: _raw(
        n, 1, _escrow(n), "open", _terms(n, price_per_unit=0).as_tuple()
    ),
    "InvalidDeadlines": lambda n: _raw(
        n, 1, _escrow(n), "open", _terms(n, accept_deadline=1).as_tuple()
    ),
    "InvalidProvider": lambda n: _raw(
        n, 1, _escrow(n), "open", _terms(n, provider=n.consumer.address).as_tuple()
    ),
    "JobExists": lambda n: _on_job(n, _opened(n), 1, "open"),
    "UnknownJob": lambda n: _raw(n, 1, _escrow(n), "cancel", _terms(n).as_tuple()),
    "WrongStatus": lambda n: _cancelled_twice(n),
    "TooLate": lambda n: _accept_too_late(n),
    "TooEarly": lambda n: _on_job(n, _opened(n), 1, "refund"),
    "UnitsExceedMax": lambda n: _on_job(n, _accepted(n), 2, "submitReceipt", b"\x01" * 32, 11),
    "ZeroUnits": lambda n: _on_job(n, _accepted(n), 2, "submitReceipt", b"\x01" * 32, 0),
    "VerdictJobMismatch": lambda n: _settle_with(
        n, _terms(n), _verdict_tuple(_terms(n, salt=2), _epoch(n)), bytes(130)
    ),
    "InvalidOutcome": _invalid_outcome,
    "EmptyBatch": lambda n: _raw(n, 0, _escrow(n), "settleBatch", [], _epoch(n), b""),
    "NothingToClaim": lambda n: _raw(n, 1, _escrow(n), "claim"),
    "NotSettled": _pay_out_unsettled,
    "BpsTooHigh": lambda n: _deploy(n, "JobEscrow", _escrow_config(n, fee=1500, burn=1000)),
    "UnbondingTooShort": lambda n: _deploy(
        n, "JobEscrow", _escrow_config(n, max_duration=30 * 86400)
    ),
    "ZeroAddress": lambda n: _deploy(n, "JobEscrow", _escrow_config(n, credit=ZERO)),
}


def test_every_error_has_a_case_or_a_reason() -> None:
    generated = {cls.__name__ for cls in contract_errors.ERRORS_BY_SELECTOR.values()}
    assert generated == set(CASES) | set(UNREACHABLE)
    assert not set(CASES) & set(UNREACHABLE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_revert_raises_the_mapped_exception_and_sends_nothing(
    devnet: DevNet, name: str
) -> None:
    expected: type[ContractError] = getattr(contract_errors, name)
    call = CASES[name](devnet)
    w3 = devnet.protocol.w3
    nonce = devnet.protocol.transaction_count(call.sender.address)
    block = w3.eth.block_number
    with pytest.raises(expected) as raised:
        call.send()
    assert type(raised.value) is expected
    assert name in str(raised.value)
    assert len(raised.value.values) == len(expected.field_names)
    for field in expected.field_names:
        assert hasattr(raised.value, field)
    assert devnet.protocol.transaction_count(call.sender.address) == nonce, "a transaction was sent"
    assert w3.eth.block_number == block


def test_decoded_values_are_the_contracts_values(devnet: DevNet) -> None:
    sale = devnet.protocol.contracts.sale
    sender = _sender(devnet, 1)
    with pytest.raises(contract_errors.PaymentMismatch) as raised:
        sender.send(sale.tx("buy", 100, 0, value=50))
    assert (raised.value.sent, raised.value.expected) == (50, 100)
    with pytest.raises(contract_errors.WrongStatus) as wrong:
        terms = _opened(devnet)
        devnet.consumer.cancel(terms)
        devnet.consumer.cancel(terms)
    assert wrong.value.job_id == job_id(terms)
    assert wrong.value.status == 7
    assert "status=Refunded" in str(wrong.value)


@pytest.mark.parametrize("name", sorted(UNREACHABLE))
def test_unreachable_errors_still_decode(name: str) -> None:
    cls: type[ContractError] = getattr(contract_errors, name)
    samples = {"address": ZERO, "uint256": 7, "uint8": 8, "string": "x", "bytes32": b"\x01" * 32}
    values = [samples[t] for t in cls.abi_types]
    decoded = decode_revert(cls.selector + abi_encode(list(cls.abi_types), values))
    assert type(decoded) is cls
    assert list(decoded.values) == values


def test_unknown_or_empty_revert_data_is_named_as_such() -> None:
    assert isinstance(decode_revert(b""), RevertedWithoutReason)
    unknown = decode_revert(bytes.fromhex("deadbeef") + bytes(32))
    assert isinstance(unknown, RevertedWithoutReason)
    assert "deadbeef" in str(unknown)
