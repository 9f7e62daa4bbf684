"""EIP-712 digests built in Python equal the ones JobEscrow computes, for any values."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.typed_data import (
    Domain,
    JobTerms,
    Receipt,
    Verdict,
    VerdictBatch,
    VerdictItem,
    job_id,
    receipt_digest,
    recover_signer,
    verdict_batch_digest,
    verdict_digest,
)
from tools.devnet import DevNet

pytestmark = pytest.mark.chain

b32 = st.binary(min_size=32, max_size=32)
u64 = st.integers(min_value=0, max_value=2**64 - 1)
addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
items = st.builds(
    VerdictItem, job_id=b32, outcome=st.sampled_from([1, 2]), units=u64, result_hash=b32
)
FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(
    receipt=st.builds(
        Receipt, job_id=b32, result_hash=b32, units=u64, started_at=u64, finished_at=u64
    )
)
def test_receipt_digest_matches_the_escrow(devnet_session: DevNet, receipt: Receipt) -> None:
    onchain = devnet_session.protocol.contracts.escrow.read(
        "receiptDigest",
        (
            receipt.job_id,
            receipt.result_hash,
            receipt.units,
            receipt.started_at,
            receipt.finished_at,
        ),
    )
    assert bytes(onchain) == receipt_digest(devnet_session.protocol.domain, receipt)


@FAST
@given(item=items, epoch=u64)
def test_verdict_digest_matches_the_escrow(
    devnet_session: DevNet, item: VerdictItem, epoch: int
) -> None:
    verdict = Verdict(**item.model_dump(), epoch=epoch)
    onchain = devnet_session.protocol.contracts.escrow.read(
        "verdictDigest",
        (verdict.job_id, verdict.outcome, verdict.units, verdict.result_hash, verdict.epoch),
    )
    assert bytes(onchain) == verdict_digest(devnet_session.protocol.domain, verdict)


@FAST
@given(
    batch=st.builds(
        VerdictBatch, items=st.lists(items, min_size=0, max_size=5).map(tuple), epoch=u64
    )
)
def test_batch_digest_matches_the_escrow(devnet_session: DevNet, batch: VerdictBatch) -> None:
    onchain = devnet_session.protocol.contracts.escrow.read(
        "verdictBatchDigest",
        [(i.job_id, i.outcome, i.units, i.result_hash) for i in batch.items],
        batch.epoch,
    )
    assert bytes(onchain) == verdict_batch_digest(devnet_session.protocol.domain, batch)


@FAST
@given(
    consumer=addresses,
    provider=addresses,
    budget=st.integers(0, 2**96 - 1),
    price=st.integers(0, 2**96 - 1),
    accept=st.integers(0, 2**40 - 1),
    deadline=st.integers(0, 2**40 - 1),
    spec=b32,
    salt=st.integers(0, 2**256 - 1),
)
def test_job_id_matches_the_escrow(
    devnet_session: DevNet,
    consumer: str,
    provider: str,
    budget: int,
    price: int,
    accept: int,
    deadline: int,
    spec: bytes,
    salt: int,
) -> None:
    terms = JobTerms(
        consumer=consumer,
        provider=provider,
        budget=budget,
        price_per_unit=price,
        accept_deadline=accept,
        deadline=deadline,
        spec=spec,
        salt=salt,
    )
    onchain = devnet_session.protocol.contracts.escrow.read("jobIdOf", terms.as_tuple())
    assert bytes(onchain) == job_id(terms)


def test_a_signature_for_another_chain_or_contract_is_useless(devnet_session: DevNet) -> None:
    verdict = Verdict(job_id=b"\x01" * 32, outcome=1, units=3, result_hash=b"\x02" * 32, epoch=1)
    domain = devnet_session.protocol.domain
    oracle = devnet_session.oracles[0]
    sig = oracle.sign_verdict(verdict).signature
    assert recover_signer(verdict_digest(domain, verdict), sig) == oracle.address
    for other in (
        Domain(chain_id=domain.chain_id + 1, verifying_contract=domain.verifying_contract),
        Domain(chain_id=domain.chain_id, verifying_contract="0x" + "11" * 20),
    ):
        assert recover_signer(verdict_digest(other, verdict), sig) != oracle.address
