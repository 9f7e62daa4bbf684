"""Delivered jobs built end to end off-chain: terms, a provider's signed receipt
and the VerificationRequest an oracle would assemble. Used by the simulation,
the benchmark and the tests."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_utils.crypto import keccak

from oracles.verify.request import TimingPolicy, VerificationRequest
from protocol.job_spec import spec_hash
from protocol.typed_data import Domain, JobTerms, Receipt, job_id, receipt_digest, sign_digest

__all__ = ["SIM_DOMAIN", "SimJob", "sign_receipt"]

# anvil's chain id and a fixed escrow address: the domain only has to be consistent.
SIM_DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "e5" * 20)
_CONSUMER = "0x" + "c0" * 20


def sign_receipt(domain: Domain, receipt: Receipt, private_key: bytes) -> bytes:
    return sign_digest(private_key, receipt_digest(domain, receipt))


class SimJob:
    """One job between a fixed consumer and the provider holding ``provider_key``."""

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        provider_key: bytes,
        max_units: int,
        accepted_at: int = 1_700_000_000,
        deadline_after: int = 3_600,
        salt: int = 0,
        domain: Domain = SIM_DOMAIN,
    ) -> None:
        self.spec = spec
        self.provider_key = provider_key
        self.accepted_at = accepted_at
        self.domain = domain
        price = 10**12
        self.terms = JobTerms(
            consumer=_CONSUMER,
            provider=Account.from_key(provider_key).address,
            budget=max_units * price,
            price_per_unit=price,
            accept_deadline=accepted_at,
            deadline=accepted_at + deadline_after,
            spec=spec_hash(spec),
            salt=salt,
        )
        self.job_id = job_id(self.terms)

    def receipt(self, result: bytes, *, units: int, started_at: int, finished_at: int) -> Receipt:
        return Receipt(
            job_id=self.job_id,
            result_hash=keccak(result),
            units=units,
            started_at=started_at,
            finished_at=finished_at,
        )

    def request(
        self,
        result: bytes,
        receipt: Receipt,
        *,
        units_per_second: float,
        secret: bytes,
        inputs: bytes | None = None,
        signer_key: bytes | None = None,
        timing: TimingPolicy | None = None,
    ) -> VerificationRequest:
        """What an oracle assembles after fetching ``result``; the receipt is
        signed with ``signer_key`` (the provider's own key unless forging)."""
        key = self.provider_key if signer_key is None else signer_key
        return VerificationRequest(
            domain=self.domain,
            terms=self.terms,
            spec=self.spec,
            receipt=receipt,
            signature=sign_receipt(self.domain, receipt, key),
            result=result,
            inputs=inputs,
            units_per_second=units_per_second,
            accepted_at=self.accepted_at,
            secret=secret,
            timing=timing or TimingPolicy(),
        )
