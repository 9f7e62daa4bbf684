"""The SDK's entry point: one chain connection, its manifest and the bound contracts.

protocol = Protocol.connect("http://127.0.0.1:8545")
consumer = Consumer(protocol, Wallet.from_env())
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web3 import Web3

from protocol.contract_errors import UnknownJob
from protocol.contracts import ProtocolContracts
from protocol.errors import InvalidInput
from protocol.manifest import DEFAULT_DEPLOYMENTS_DIR, Manifest, load_manifest, load_manifest_file
from protocol.rpc import connect, rpc_request
from protocol.tx.fees import FeeOracle
from protocol.tx.nonces import NonceTracker
from protocol.tx.sender import TxSender
from protocol.typed_data import Domain, JobTerms, job_id
from protocol.views import AwaitingPayout, Balances, JobState, ProviderStatus
from protocol.wallet import Wallet
from protocol.wire.fields import as_bytes32

__all__ = ["JobRef", "Protocol", "TxOptions", "address_topic", "parse_bytes32", "parse_job_id"]

JobRef = JobTerms | bytes | str

_IDS_PER_LOG_QUERY = 200  # job ids OR-ed into one eth_getLogs topic filter


def parse_bytes32(value: bytes | str, what: str) -> bytes:
    """32 bytes, given as bytes or 0x + 64 hex digits; InvalidInput naming ``what``."""
    try:
        return as_bytes32(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not 0x followed by 64 hex digits") from None


def parse_job_id(value: bytes | str) -> bytes:
    """A job id from 32 bytes or 0x + 64 hex digits."""
    return parse_bytes32(value, "job id")


class TxOptions:
    """How transactions are sent: gas margin, confirmations, timeout."""

    def __init__(
        self, *, gas_margin: float = 1.2, confirmations: int = 1, timeout: float = 120.0
    ) -> None:
        self.gas_margin = gas_margin
        self.confirmations = confirmations
        self.timeout = timeout


class Protocol:
    """A connected, checked deployment."""

    def __init__(self, w3: Web3, manifest: Manifest, options: TxOptions | None = None) -> None:
        self.w3 = w3
        self.manifest = manifest
        self.options = options or TxOptions()
        self.contracts = ProtocolContracts(w3, manifest)
        self.domain = Domain(
            chain_id=manifest.chain_id, verifying_contract=self.contracts.escrow.address
        )
        # Shared by every sender of this process: one nonce counter per key.
        self.nonces = NonceTracker(w3)
        self.fees = FeeOracle(w3)

    @classmethod
    def connect(
        cls,
        rpc_url: str,
        *,
        deployments_dir: Path = DEFAULT_DEPLOYMENTS_DIR,
        manifest_file: Path | None = None,
        chain_id: int | None = None,
        options: TxOptions | None = None,
    ) -> Protocol:
        """Connect to ``rpc_url`` and load its manifest (by chain id, or ``manifest_file``)."""
        w3 = connect(rpc_url, expect_chain_id=chain_id)
        if manifest_file is not None:
            manifest = load_manifest_file(w3, manifest_file)
        else:
            manifest = load_manifest(w3, deployments_dir, chain_id=chain_id)
        return cls(w3, manifest, options)

    def sender(self, wallet: Wallet) -> TxSender:
        return TxSender(
            self.w3,
            wallet,
            nonces=self.nonces,
            fees=self.fees,
            gas_margin=self.options.gas_margin,
            confirmations=self.options.confirmations,
            timeout=self.options.timeout,
        )

    # ------------------------------------------------------------------ reads

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def now(self) -> int:
        """Timestamp of the latest block (the contracts' notion of now)."""
        block = rpc_request(self.w3, "eth_getBlockByNumber", ["latest", False], "latest block")
        return int(block["timestamp"], 16)

    def eth_balance(self, address: str) -> int:
        return int(rpc_request(self.w3, "eth_getBalance", [address, "latest"], "balance"), 16)

    def transaction_count(self, address: str) -> int:
        """Transactions ``address`` has had mined (its next nonce)."""
        return int(
            rpc_request(self.w3, "eth_getTransactionCount", [address, "latest"], "nonce"), 16
        )

    def credit_balance(self, address: str) -> int:
        return int(self.contracts.credit.read("balanceOf", address))

    def claimable(self, address: str) -> int:
        return int(self.contracts.escrow.read("claimable", address))

    def balances(self, address: str) -> Balances:
        return Balances(
            address=address,
            eth=self.eth_balance(address),
            credits=self.credit_balance(address),
            claimable=self.claimable(address),
        )

    def provider_status(self, address: str) -> ProviderStatus:
        free, locked, ready_at, unbonding = self.contracts.staking.read("stakeOf", address)
        return ProviderStatus(
            address=address,
            free=int(free),
            locked=int(locked),
            unbonding=int(unbonding),
            unbonding_ready_at=int(ready_at),
            claimable=self.claimable(address),
            credits=self.credit_balance(address),
        )

    def awaiting_payout(self, provider: str) -> AwaitingPayout:
        """``provider``'s jobs settled as a release and not paid out yet, from the escrow's
        events since deployment: JobSettled of its jobs minus its JobPaidOut."""
        escrow = self.contracts.escrow
        start = self.manifest.block
        topic = address_topic(provider)
        opened = [
            bytes(e["jobId"])
            for e in escrow.logs("JobOpened", topics=[None, None, topic], from_block=start)
        ]
        # Settlements before payouts: a job paid out between the two queries is not listed.
        settled: list[dict[str, Any]] = []
        for i in range(0, len(opened), _IDS_PER_LOG_QUERY):
            ids = ["0x" + jid.hex() for jid in opened[i : i + _IDS_PER_LOG_QUERY]]
            settled += escrow.logs("JobSettled", topics=[ids], from_block=start)
        paid = {
            bytes(e["jobId"])
            for e in escrow.logs("JobPaidOut", topics=[None, topic], from_block=start)
        }
        waiting = [e for e in settled if bytes(e["jobId"]) not in paid]
        return AwaitingPayout(
            provider=provider,
            jobs=tuple(bytes(e["jobId"]) for e in waiting),
            provider_pay=sum(int(e["providerPay"]) for e in waiting),
            consumer_refund=sum(int(e["consumerRefund"]) for e in waiting),
        )

    def job(self, job: JobRef) -> JobState:
        jid = job_id(job) if isinstance(job, JobTerms) else parse_job_id(job)
        status, delivered_at, units, paid_out = self.contracts.escrow.read("jobs", jid)
        committed = bytes(self.contracts.escrow.read("committedResult", jid))
        return JobState(
            job_id=jid,
            status=int(status),
            delivered_at=int(delivered_at),
            units=int(units),
            paid_out=bool(paid_out),
            committed_result=committed,
        )

    def jobs_of(self, consumer: str) -> list[tuple[bytes, JobTerms]]:
        """(job id, terms) of every job ``consumer`` opened, oldest first (JobOpened logs)."""
        logs = self.contracts.escrow.logs(
            "JobOpened", topics=[None, address_topic(consumer)], from_block=self.manifest.block
        )
        return [(bytes(log["jobId"]), _terms_from_log(log["terms"])) for log in logs]

    def terms(self, job: JobRef) -> JobTerms:
        """The terms of a job, given them or its id (rebuilt from its JobOpened log)."""
        if isinstance(job, JobTerms):
            return job
        jid = parse_job_id(job)
        logs = self.contracts.escrow.logs(
            "JobOpened", topics=["0x" + jid.hex()], from_block=self.manifest.block
        )
        if not logs:
            raise UnknownJob(jid)
        return _terms_from_log(logs[0]["terms"])


def address_topic(address: str) -> str:
    """An address as an indexed event topic (left-padded to 32 bytes)."""
    try:
        raw = bytes.fromhex(address.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise InvalidInput(f"address {address!r} is not 0x followed by 40 hex digits")
    return "0x" + raw.rjust(32, b"\x00").hex()


def _terms_from_log(fields: dict[str, Any]) -> JobTerms:
    # The log's struct has the Solidity names, which JobTerms reads.
    return JobTerms.model_validate(dict(fields))
