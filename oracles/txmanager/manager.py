"""Land each transaction exactly once, across crashes, RPC outages and stuck fees.

submit(key, request): preflight, estimate, take the next nonce, sign, commit
(nonce, raw bytes, hash) to SQLite, then broadcast. A key names a purpose
("settle:<job>:<epoch>"); submitting it again returns the stored intent, so a
restarted caller cannot create a second transaction for the same purpose.

poll(): for each open intent, look for a receipt of any of its attempts. None yet:
resend the same bytes now and then; "already known" and "nonce too low" only
mean "look for the receipt", never "sign a new transaction". Still unmined after
``replace_after`` seconds: sign the same call at the same nonce with fees raised
by ``fee_bump`` (nodes want at least +12.5 %) and store it before sending. A
receipt that later vanishes (reorg) puts the intent back to pending and its bytes
are sent again. An intent is final once its receipt is ``confirmations`` deep.
"""

from __future__ import annotations

import math
import time
from typing import Any

from oracles.audit import AuditLog
from oracles.crash import crash_point
from oracles.txmanager.records import TxAttempt, TxIntent, TxStatus
from oracles.txmanager.store import TxStore
from protocol.errors import ChainUnreachable
from protocol.node_errors import NodeRejected
from protocol.rpc import rpc_request
from protocol.tx.fees import Fees
from protocol.tx.request import TxRequest
from protocol.tx.sender import TxSender

__all__ = ["TxManager"]

# Rejections that mean "these bytes, or another of ours at this nonce, got there":
# the answer is a receipt lookup, not a new transaction.
_LOOK_FOR_RECEIPT = (
    "already known",
    "already imported",
    "known transaction",
    "nonce too low",
    "replacement transaction underpriced",
)


class TxManager:
    """The single writer for ``sender``'s key (hold a WriterLock around it)."""

    def __init__(
        self,
        sender: TxSender,
        store: TxStore,
        *,
        confirmations: int = 1,
        replace_after: float = 30.0,
        fee_bump: float = 1.25,
        max_fee_per_gas: int | None = None,
        rebroadcast_every: float = 3.0,
        drop_after_checks: int = 3,
        audit: AuditLog | None = None,
    ) -> None:
        if fee_bump < 1.125:
            raise ValueError(f"fee_bump {fee_bump} is below the +12.5 % nodes require")
        self.sender = sender
        self.store = store
        self.confirmations = confirmations
        self.replace_after = replace_after
        self.fee_bump = fee_bump
        self.max_fee_per_gas = max_fee_per_gas
        self.rebroadcast_every = rebroadcast_every
        self.drop_after_checks = drop_after_checks
        self.audit = audit
        self._nonce_strikes: dict[str, int] = {}

    @property
    def address(self) -> str:
        return self.sender.address

    # ------------------------------------------------------------------ submit

    def submit(self, key: str, request: TxRequest) -> TxIntent:
        """Send ``request`` once for ``key``. A revert found by the preflight raises its
        ContractError and nothing is stored; an unreachable node during the broadcast
        leaves the signed intent stored for poll() to send."""
        existing = self.store.get(key)
        if existing is not None:
            return existing
        self.sender.preflight(request)
        gas = self.sender.estimate_gas(request)
        fees = self.sender.fee_oracle.fees()
        nonce = self._next_nonce()
        signed = self.sender.sign(
            self.sender.build(request, nonce=nonce, gas=gas, fees=fees), request.label
        )
        now = time.time()
        intent = TxIntent(
            key=key,
            label=request.label,
            sender=self.address,
            nonce=nonce,
            to=request.to,
            data=request.data,
            value=request.value,
            gas=gas,
            status=TxStatus.PENDING,
            attempts=(
                TxAttempt(
                    tx_hash=signed.tx_hash,
                    raw=signed.raw,
                    max_fee_per_gas=fees.max_fee_per_gas,
                    max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                    created_at=now,
                ),
            ),
            created_at=now,
            updated_at=now,
        )
        self.store.insert(intent)
        self._record("tx_signed", intent, tx_hash=signed.tx_hash, gas=gas)
        crash_point("after_sign")
        self._broadcast(intent, intent.latest)
        crash_point("after_broadcast")
        return self._reload(key)

    def recover(self) -> None:
        """After a restart: send every open intent's latest bytes again, at once. A node
        that has them already answers "already known" or "nonce too low"; poll() then
        finds the receipt."""
        for intent in self.store.open_intents(self.address):
            self._broadcast(intent, intent.latest, again=True)

    # ------------------------------------------------------------------ progress

    def poll(self) -> list[TxIntent]:
        """Advance every open intent; returns those that became final in this poll."""
        finished = []
        for intent in self.store.open_intents(self.address):
            after = self._advance(intent)
            if not after.status.open:
                finished.append(after)
        return finished

    def get(self, key: str) -> TxIntent | None:
        return self.store.get(key)

    def _advance(self, intent: TxIntent) -> TxIntent:
        found = self._find_receipt(intent)
        if found is not None:
            return self._on_receipt(intent, found)
        if intent.status == TxStatus.MINED:
            self.store.set_status(intent.key, TxStatus.PENDING)
            self._record("tx_reorged_out", intent, tx_hash=intent.mined_hash)
            intent = self._reload(intent.key)
        chain_nonce = int(self._rpc("eth_getTransactionCount", [self.address, "latest"]), 16)
        if chain_nonce > intent.nonce:
            # The nonce is used; our receipt may just not be visible yet. Only after
            # several looks is it someone else's transaction.
            strikes = self._nonce_strikes.get(intent.key, 0) + 1
            self._nonce_strikes[intent.key] = strikes
            if strikes >= self.drop_after_checks:
                error = f"nonce {intent.nonce} was used by a transaction that is not ours"
                self.store.set_status(intent.key, TxStatus.DROPPED, error=error)
                self._record("tx_dropped", intent, error=error)
                self._nonce_strikes.pop(intent.key, None)
            return self._reload(intent.key)
        latest = intent.latest
        now = time.time()
        if now - latest.created_at >= self.replace_after:
            self._replace(intent)
        elif latest.broadcast_at is None or now - latest.broadcast_at >= self.rebroadcast_every:
            self._broadcast(intent, latest, again=latest.broadcast_at is not None)
        return self._reload(intent.key)

    def _on_receipt(self, intent: TxIntent, found: tuple[str, dict[str, Any]]) -> TxIntent:
        tx_hash, receipt = found
        if intent.status == TxStatus.PENDING:
            crash_point("before_receipt")
        self._nonce_strikes.pop(intent.key, None)
        block = int(receipt["blockNumber"], 16)
        head = int(self._rpc("eth_blockNumber", []), 16)
        if head - block + 1 < self.confirmations:
            if intent.status != TxStatus.MINED or intent.mined_hash != tx_hash:
                self.store.set_status(
                    intent.key, TxStatus.MINED, mined_hash=tx_hash, mined_block=block
                )
                self._record("tx_mined", intent, tx_hash=tx_hash, block=block)
            return self._reload(intent.key)
        succeeded = int(receipt["status"], 16) == 1
        status = TxStatus.CONFIRMED if succeeded else TxStatus.REVERTED
        self.store.set_status(intent.key, status, mined_hash=tx_hash, mined_block=block)
        self._record(
            "tx_confirmed" if succeeded else "tx_reverted",
            intent,
            tx_hash=tx_hash,
            block=block,
            gas_used=int(receipt["gasUsed"], 16),
        )
        return self._reload(intent.key)

    # ------------------------------------------------------------------ node work

    def _next_nonce(self) -> int:
        pending = int(self._rpc("eth_getTransactionCount", [self.address, "pending"]), 16)
        ours = self.store.highest_nonce(self.address)
        return pending if ours is None else max(pending, ours + 1)

    def _find_receipt(self, intent: TxIntent) -> tuple[str, dict[str, Any]] | None:
        for attempt in reversed(intent.attempts):
            receipt = self._rpc("eth_getTransactionReceipt", [attempt.tx_hash])
            if receipt:
                return attempt.tx_hash, dict(receipt)
        return None

    def _broadcast(self, intent: TxIntent, attempt: TxAttempt, *, again: bool = False) -> None:
        node_said = None
        try:
            self._rpc("eth_sendRawTransaction", ["0x" + attempt.raw.hex()])
        except NodeRejected as exc:
            node_said = next((m for m in _LOOK_FOR_RECEIPT if m in str(exc).lower()), None)
            if node_said is None:
                self._record(
                    "tx_broadcast_refused", intent, tx_hash=attempt.tx_hash, error=str(exc)
                )
                return
        except ChainUnreachable as exc:
            self._record("tx_broadcast_failed", intent, tx_hash=attempt.tx_hash, error=str(exc))
            return
        self.store.mark_broadcast(attempt.tx_hash)
        self._record(
            "tx_rebroadcast" if again else "tx_broadcast",
            intent,
            tx_hash=attempt.tx_hash,
            node_said=node_said,
        )

    def _replace(self, intent: TxIntent) -> None:
        """Same call, same nonce, higher fees."""
        old = intent.latest
        self.sender.fee_oracle.invalidate()
        now_fees = self.sender.fee_oracle.fees()
        max_fee = max(math.ceil(old.max_fee_per_gas * self.fee_bump), now_fees.max_fee_per_gas)
        tip = max(
            math.ceil(old.max_priority_fee_per_gas * self.fee_bump),
            now_fees.max_priority_fee_per_gas,
        )
        if self.max_fee_per_gas is not None:
            max_fee = min(max_fee, self.max_fee_per_gas)
        if max_fee <= old.max_fee_per_gas:
            # At the fee cap: nothing higher to offer, keep resending what there is.
            self._broadcast(intent, old, again=True)
            return
        fees = Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))
        request = TxRequest(to=intent.to, data=intent.data, value=intent.value, label=intent.label)
        tx = self.sender.build(request, nonce=intent.nonce, gas=intent.gas, fees=fees)
        signed = self.sender.sign(tx, intent.label)
        attempt = TxAttempt(
            tx_hash=signed.tx_hash,
            raw=signed.raw,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            created_at=time.time(),
        )
        self.store.add_attempt(intent.key, attempt)
        self._record(
            "tx_replaced",
            intent,
            old_hash=old.tx_hash,
            tx_hash=signed.tx_hash,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )
        self._broadcast(intent, attempt)

    def _reload(self, key: str) -> TxIntent:
        intent = self.store.get(key)
        assert intent is not None, key
        return intent

    def _rpc(self, method: str, params: list[Any]) -> Any:
        return rpc_request(self.sender.w3, method, params, f"txmanager {method}")

    def _record(self, event: str, intent: TxIntent, **fields: Any) -> None:
        if self.audit is not None:
            self.audit.record(event, key=intent.key, nonce=intent.nonce, **fields)
