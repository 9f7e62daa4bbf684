"""A fresh offline GPUC deployment per test; the contracts are compiled once per session."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate
from ergo_lib_python.ergo_tree import ErgoTree
from ergo_lib_python.transaction import DataInput, Transaction, UnsignedTransaction
from ergo_lib_python.wallet import SecretKey
from ergo_wasm_validator import tx_json, validate_cases, validation_case

from protocol.ergo.bank_tx import exchange_at_bank
from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.collateral_tx import lock_collateral
from protocol.ergo.contracts import ContractParams, ErgoContracts, compile_contracts
from protocol.ergo.errors import SpendRejectedError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.escrow_tx import open_escrow
from protocol.ergo.offline_deployment import OfflineDeployment, deploy_offline, public_key_hex
from protocol.ergo.offline_ledger import OfflineLedger
from protocol.ergo.register_codec import registers_of
from protocol.ergo.signer import sign_plan
from protocol.ergo.tx_plan import TxPlan, p2pk_tree
from protocol.ergo.verdict import ErgoVerdict
from protocol.ergo.verdict_tx import publish_verdict
from protocol.typed_data import Outcome

RATE = 1_000  # nanoERG per GPUC unit
SUPPLY = 10**15
JOB = "0x" + "ab" * 32
RESULT = "0x" + "cd" * 32


def _key(seed: int) -> SecretKey:
    return SecretKey.from_bytes(bytes([seed]) * 32)


@dataclass
class Parties:
    deployer: SecretKey = field(default_factory=lambda: _key(1))
    consumer: SecretKey = field(default_factory=lambda: _key(2))
    provider: SecretKey = field(default_factory=lambda: _key(3))
    stranger: SecretKey = field(default_factory=lambda: _key(4))
    treasury: SecretKey = field(default_factory=lambda: _key(5))
    oracles: tuple[SecretKey, ...] = field(default_factory=lambda: (_key(10), _key(11), _key(12)))

    @staticmethod
    def pk(secret: SecretKey) -> str:
        return public_key_hex(secret)

    @staticmethod
    def tree(secret: SecretKey) -> ErgoTree:
        return p2pk_tree(public_key_hex(secret))


def tampered(tx: Transaction) -> Transaction:
    """The same signed transaction with one nanoERG more in its first output than it spends."""
    outputs = list(tx.output_candidates)
    first = outputs[0]
    outputs[0] = ErgoBoxCandidate(
        value=first.value + 1,
        script=first.ergo_tree,
        creation_height=first.creation_height,
        tokens=first.tokens,
        registers=registers_of(first.additional_registers),
    )
    return Transaction(list(tx.inputs), list(tx.data_inputs), outputs)


class World:
    """One deployment on a fresh OfflineLedger, with the parties and their helpers."""

    def __init__(self, contracts_cache: dict[ContractParams, ErgoContracts]) -> None:
        def compiler(params: ContractParams) -> ErgoContracts:
            if params not in contracts_cache:
                contracts_cache[params] = compile_contracts(params)
            return contracts_cache[params]

        self.parties = Parties()
        self.ledger = OfflineLedger(next_height=1_000)
        self.deployment: OfflineDeployment = deploy_offline(
            self.ledger,
            self.parties.deployer,
            oracle_keys=[Parties.pk(o) for o in self.parties.oracles],
            threshold=2,
            treasury=Parties.tree(self.parties.treasury),
            rate=RATE,
            supply=SUPPLY,
            compiler=compiler,
        )
        self.contracts = self.deployment.contracts
        self.bank_box_id = self.deployment.bank_box_id
        self.verdict_box_id = self.deployment.verdict_box_id

    # -- chain access ---------------------------------------------------------------------
    @property
    def bank_box(self) -> ErgoBox:
        return self.ledger.box(self.bank_box_id)

    @property
    def verdict_box(self) -> ErgoBox:
        return self.ledger.box(self.verdict_box_id)

    def wallet(self, owner: SecretKey, erg: int = 10**10) -> ErgoBox:
        return self.ledger.genesis_box(Parties.tree(owner), erg)

    # -- proving ----------------------------------------------------------------------------
    def accept(self, plan: TxPlan, secrets: Sequence[SecretKey] = ()) -> list[ErgoBox]:
        """Sign with sigma-rust, check with wasm validate_tx (and that a tampered copy fails),
        then apply to the ledger."""
        tip = self.ledger.tip
        tx = sign_plan(plan, tip, secrets)
        signed = tx_json(tx)
        good, bad = validate_cases(
            [validation_case(signed, plan, tip), validation_case(tx_json(tampered(tx)), plan, tip)]
        )
        assert good.valid, good.error
        assert not bad.valid
        outputs = self.ledger.apply(tx)
        self.last_tx = tx
        return outputs

    def reject(self, plan: TxPlan, secrets: Sequence[SecretKey] = ()) -> str:
        """The interpreter must refuse to prove the spend; nothing changes on the ledger."""
        before = {str(b.box_id) for b in self.ledger.unspent()}
        with pytest.raises(SpendRejectedError) as caught:
            sign_plan(plan, self.ledger.tip, secrets)
        assert {str(b.box_id) for b in self.ledger.unspent()} == before
        return str(caught.value)

    # -- protocol steps ---------------------------------------------------------------------
    def buy_gpuc(self, owner: SecretKey, amount: int) -> ErgoBox:
        outputs = self.accept(
            exchange_at_bank(
                self.contracts,
                self.bank_box,
                minted=amount,
                funding=[self.wallet(owner)],
                receiver=Parties.tree(owner),
                height=self.ledger.height,
                change_tree=Parties.tree(owner),
            ),
            [owner],
        )
        self.bank_box_id = str(outputs[0].box_id)
        return outputs[1]

    def escrow_terms(self, **changes: Any) -> EscrowTerms:
        base: dict[str, Any] = {
            "job_id": JOB,
            "provider_key": Parties.pk(self.parties.provider),
            "consumer_key": Parties.pk(self.parties.consumer),
            "price_per_unit": 10,
            "timeout_height": self.ledger.height + 50,
            "compensation": 200,
        }
        return EscrowTerms(**{**base, **changes})

    def open_job(self, budget: int = 1_000, **changes: Any) -> ErgoBox:
        consumer = self.parties.consumer
        gpuc = self.buy_gpuc(consumer, budget)
        plan = open_escrow(
            self.contracts,
            self.escrow_terms(**changes),
            budget=budget,
            funding=[gpuc, self.wallet(consumer)],
            height=self.ledger.height,
            change_tree=Parties.tree(consumer),
        )
        return self.accept(plan, [consumer])[0]

    def lock(self, stake: int = 2_000, slash_amount: int = 500, unlock_in: int = 100) -> ErgoBox:
        provider = self.parties.provider
        gpuc = self.buy_gpuc(provider, stake)
        terms = CollateralTerms(
            provider_key=Parties.pk(provider),
            slash_amount=slash_amount,
            unlock_height=self.ledger.height + unlock_in,
        )
        plan = lock_collateral(
            self.contracts,
            terms,
            stake=stake,
            funding=[gpuc, self.wallet(provider)],
            height=self.ledger.height,
            change_tree=Parties.tree(provider),
        )
        return self.accept(plan, [provider])[0]

    def verdict(
        self, outcome: Outcome, units: int = 40, job: str = JOB, epoch: int = 1
    ) -> ErgoVerdict:
        return ErgoVerdict(
            job_id=job, outcome=outcome, units=units, result_hash=RESULT, epoch=epoch
        )

    def publish_plan(self, verdict: ErgoVerdict) -> TxPlan:
        return publish_verdict(
            self.contracts,
            self.verdict_box,
            verdict,
            funding=[self.wallet(self.parties.deployer)],
            height=self.ledger.height,
            change_tree=Parties.tree(self.parties.deployer),
        )

    def publish(self, verdict: ErgoVerdict) -> ErgoBox:
        signers = [*self.parties.oracles[:2], self.parties.deployer]
        box = self.accept(self.publish_plan(verdict), signers)[0]
        self.verdict_box_id = str(box.box_id)
        return box


def with_output(plan: TxPlan, index: int, candidate: ErgoBoxCandidate) -> TxPlan:
    """The plan with output ``index`` replaced: how a cheater would redirect value."""
    outputs = list(plan.unsigned.output_candidates)
    outputs[index] = candidate
    return _rebuilt(plan, outputs, plan.data_boxes)


def without_data_inputs(plan: TxPlan) -> TxPlan:
    return _rebuilt(plan, list(plan.unsigned.output_candidates), ())


def with_data_boxes(plan: TxPlan, data_boxes: Sequence[ErgoBox]) -> TxPlan:
    return _rebuilt(plan, list(plan.unsigned.output_candidates), tuple(data_boxes))


def _rebuilt(plan: TxPlan, outputs: list[ErgoBoxCandidate], data: Sequence[ErgoBox]) -> TxPlan:
    unsigned = UnsignedTransaction(
        list(plan.unsigned.inputs), [DataInput(b.box_id) for b in data], outputs
    )
    return TxPlan(unsigned=unsigned, boxes_to_spend=plan.boxes_to_spend, data_boxes=tuple(data))


def signed(tx: Transaction) -> dict[str, Any]:
    return tx_json(tx)


@pytest.fixture(scope="session")
def contracts_cache() -> dict[ContractParams, ErgoContracts]:
    return {}


@pytest.fixture
def world(contracts_cache: dict[ContractParams, ErgoContracts]) -> Iterator[World]:
    yield World(contracts_cache)
