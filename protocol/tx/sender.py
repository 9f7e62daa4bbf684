"""Send transactions from one key: preflight, estimate, sign, broadcast, wait.

Each step is its own method so a crash-safe manager can persist the signed bytes
between ``prepare`` and ``broadcast`` and resend them later. ``send`` runs them all.
A revert found by the preflight eth_call raises its ContractError before any nonce is
taken or anything is sent.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field
from web3 import Web3

from protocol.errors import (
    InvalidInput,
    ProtocolError,
    TransactionFailed,
    TransactionTimeout,
)
from protocol.node_errors import NodeRejected
from protocol.rpc import rpc_request
from protocol.tx.fees import FeeOracle, Fees
from protocol.tx.in_flight import InFlight
from protocol.tx.nonces import NonceTracker
from protocol.tx.request import TxRequest
from protocol.wallet import Wallet

__all__ = ["MinedTx", "SignedTx", "TxSender"]


# How nodes say "I have these exact bytes already" (geth, anvil, others).
_SAME_BYTES_KNOWN = ("already known", "already imported", "known transaction")
# How nodes say "another transaction of this key took that nonce" (another process sent
# from the same key since our tracker read the count): sign again with a fresh nonce.
_NONCE_TAKEN = ("nonce too low", "replacement transaction underpriced", "nonce has already")
NONCE_RETRIES = 3


class SignedTx(BaseModel):
    """Signed bytes ready to broadcast (and to persist before broadcasting)."""

    model_config = ConfigDict(frozen=True)

    label: str
    sender: str
    nonce: int
    gas: int
    tx_hash: str
    raw: bytes


class MinedTx(BaseModel):
    """A mined, successful transaction."""

    model_config = ConfigDict(frozen=True)

    label: str
    tx_hash: str
    block_number: int
    gas_used: int
    effective_gas_price: int
    contract_address: str | None = None
    receipt: dict[str, Any] = Field(repr=False)  # the raw JSON-RPC receipt (logs for events)

    @property
    def fee_paid(self) -> int:
        return self.gas_used * self.effective_gas_price


class TxSender:
    """Transactions from ``wallet`` over ``w3``."""

    # Hashes this process broadcast and has not seen mined yet (for an interrupted CLI to
    # say which transaction may still be mined, or that nothing was sent); bounded in age
    # and count, so pipelined sends never waited for do not pile up (protocol.tx.in_flight).
    _in_flight: ClassVar[InFlight] = InFlight()

    @classmethod
    def in_flight(cls) -> list[str]:
        return cls._in_flight.hashes()

    def __init__(
        self,
        w3: Web3,
        wallet: Wallet,
        *,
        nonces: NonceTracker | None = None,
        fees: FeeOracle | None = None,
        gas_margin: float = 1.2,
        confirmations: int = 1,
        timeout: float = 120.0,
        poll_interval: float = 0.02,
    ) -> None:
        if gas_margin < 1.0:
            raise InvalidInput(f"gas margin {gas_margin} is below 1.0: use at least 1.0")
        if confirmations < 1:
            raise InvalidInput(f"confirmations must be at least 1, got {confirmations}")
        self.w3 = w3
        self.wallet = wallet
        self.nonces = nonces or NonceTracker(w3)
        self.fee_oracle = fees or FeeOracle(w3)
        self.gas_margin = gas_margin
        self.confirmations = confirmations
        self.timeout = timeout
        self.poll_interval = poll_interval
        self._chain_id: int | None = None

    @property
    def address(self) -> str:
        return self.wallet.address

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self._rpc("eth_chainId", [], "eth_chainId"), 16)
        return self._chain_id

    # ------------------------------------------------------------------ steps

    def preflight(self, request: TxRequest) -> bytes:
        """eth_call the request; a revert raises its ContractError. Returns the call's output."""
        result = self._rpc("eth_call", [request.as_call(self.address), "latest"], request.label)
        return bytes.fromhex(str(result)[2:])

    def estimate_gas(self, request: TxRequest) -> int:
        """eth_estimateGas times the margin."""
        estimate = int(
            self._rpc("eth_estimateGas", [request.as_call(self.address)], request.label), 16
        )
        return math.ceil(estimate * self.gas_margin)

    def build(self, request: TxRequest, *, nonce: int, gas: int, fees: Fees) -> dict[str, Any]:
        """The unsigned EIP-1559 transaction."""
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
            "value": request.value,
            "data": request.data,
        }
        if request.to is not None:
            tx["to"] = request.to
        return tx

    def sign(self, tx: dict[str, Any], label: str) -> SignedTx:
        signed = self.wallet.sign_transaction(tx)
        return SignedTx(
            label=label,
            sender=self.address,
            nonce=int(tx["nonce"]),
            gas=int(tx["gas"]),
            tx_hash="0x" + bytes(signed.hash).hex(),
            raw=bytes(signed.raw_transaction),
        )

    def prepare(
        self, request: TxRequest, *, preflight: bool = True, gas: int | None = None
    ) -> SignedTx:
        """Preflight, estimate, take a nonce and sign. Nothing is sent.

        ``preflight=False`` with an explicit ``gas`` skips both node calls, for pipelines
        whose later transactions depend on earlier ones not yet mined.
        """
        if preflight:
            self.preflight(request)
        if gas is None:
            gas = self.estimate_gas(request)
        fees = self.fee_oracle.fees()
        nonce = self.nonces.take(self.address)
        return self.sign(self.build(request, nonce=nonce, gas=gas, fees=fees), request.label)

    def broadcast(self, signed: SignedTx) -> str:
        """eth_sendRawTransaction; 'already known' counts as sent (same bytes, same hash)."""
        try:
            self._rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()], signed.label)
        except NodeRejected as exc:
            if not any(m in str(exc).lower() for m in _SAME_BYTES_KNOWN):
                self.nonces.forget(self.address)
                raise
        except BaseException:
            self.nonces.forget(self.address)
            raise
        self._in_flight.add(signed.tx_hash)
        return signed.tx_hash

    def wait(
        self,
        tx_hash: str,
        *,
        label: str = "transaction",
        confirmations: int | None = None,
        timeout: float | None = None,
    ) -> MinedTx:
        """Wait until the receipt is ``confirmations`` blocks deep; raise on revert or timeout.
        While it waits the hash is in flight (marked anew each poll, so a long wait keeps it
        among the newest: not aged out while the wait lasts)."""
        confirmations = confirmations or self.confirmations
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            self._in_flight.add(tx_hash)
            receipt = self._receipt(tx_hash, label)
            if receipt is not None:
                mined_in = int(receipt["blockNumber"], 16)
                if confirmations <= 1 or self._head(label) - mined_in + 1 >= confirmations:
                    self._in_flight.discard(tx_hash)
                    return self._mined(receipt, label)
            if time.monotonic() >= deadline:
                state = "mined but not confirmed" if receipt is not None else "not mined"
                raise TransactionTimeout(
                    f"{label} {tx_hash} {state} after {timeout:g} s "
                    f"(wanted {confirmations} confirmation(s)); it may still be mined: "
                    "check it later or raise the timeout",
                    tx_hash,
                )
            time.sleep(self.poll_interval)

    def send(
        self,
        request: TxRequest,
        *,
        preflight: bool = True,
        gas: int | None = None,
        confirmations: int | None = None,
        timeout: float | None = None,
    ) -> MinedTx:
        """Prepare, broadcast and wait. When another process sent from this key in between
        (the node answers "nonce too low"), sign again with a fresh nonce from the node, up
        to NONCE_RETRIES times; the preflight runs again, so a transaction the other one
        made invalid is refused rather than sent."""
        for attempt in range(NONCE_RETRIES + 1):
            signed = self.prepare(request, preflight=preflight, gas=gas)
            try:
                tx_hash = self.broadcast(signed)
            except NodeRejected as exc:
                if attempt == NONCE_RETRIES or not _nonce_taken(exc):
                    raise
                if self._receipt(signed.tx_hash, signed.label) is not None:
                    tx_hash = signed.tx_hash  # our own bytes were mined (a resent request)
                else:
                    continue  # broadcast() made the tracker forget: the next take re-reads
            return self.wait(
                tx_hash, label=signed.label, confirmations=confirmations, timeout=timeout
            )
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ node access

    def _rpc(self, method: str, params: list[Any], label: str) -> Any:
        return rpc_request(self.w3, method, params, label)

    def _receipt(self, tx_hash: str, label: str) -> dict[str, Any] | None:
        result = self._rpc("eth_getTransactionReceipt", [tx_hash], label)
        return dict(result) if result else None

    def _head(self, label: str) -> int:
        return int(self._rpc("eth_blockNumber", [], label), 16)

    def _mined(self, raw: dict[str, Any], label: str) -> MinedTx:
        if int(raw["status"], 16) != 1:
            reason = self._replay(raw)
            why = str(reason) if reason else "the replay did not revert"
            raise TransactionFailed(
                f"{label} {raw['transactionHash']} was mined in block "
                f"{int(raw['blockNumber'], 16)} but reverted (the state changed after its "
                f"preflight): {why}",
                str(raw["transactionHash"]),
                reason,
            )
        address = raw.get("contractAddress")
        return MinedTx(
            label=label,
            tx_hash=str(raw["transactionHash"]),
            block_number=int(raw["blockNumber"], 16),
            gas_used=int(raw["gasUsed"], 16),
            effective_gas_price=int(raw.get("effectiveGasPrice") or "0x0", 16),
            contract_address=to_checksum_address(address) if address else None,
            receipt=raw,
        )

    def _replay(self, raw: dict[str, Any]) -> ProtocolError | None:
        """Re-run the failed transaction at the end of its block to name the error."""
        tx = self._rpc("eth_getTransactionByHash", [raw["transactionHash"]], "replay")
        call = {k: tx[k] for k in ("from", "to", "input", "value", "gas") if tx.get(k)}
        try:
            self._rpc("eth_call", [call, raw["blockNumber"]], "replay")
        except ProtocolError as exc:
            return exc
        return None


def _nonce_taken(exc: NodeRejected) -> bool:
    lowered = str(exc).lower()
    return any(m in lowered for m in _NONCE_TAKEN)
