"""Deploy GPUC onto an OfflineLedger: issue the NFTs and GPUC, compile, create bank and verdict.

The same steps a deployment to a live node takes, run against the in-memory ledger so the
contracts can be exercised (and benchmarked) with no node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ergo_lib_python.chain import ErgoBox
from ergo_lib_python.ergo_tree import ErgoTree
from ergo_lib_python.wallet import SecretKey

from protocol.ergo.bank_state import BankState
from protocol.ergo.bank_tx import bank_box_candidate
from protocol.ergo.contracts import ContractParams, ErgoContracts, compile_contracts
from protocol.ergo.offline_ledger import OfflineLedger
from protocol.ergo.signer import sign_plan
from protocol.ergo.token_issue import fund_outputs, issue_token, issued_token_id
from protocol.ergo.tx_plan import MIN_BOX_VALUE, TxPlan, p2pk_tree
from protocol.ergo.verdict import ErgoVerdict
from protocol.ergo.verdict_tx import verdict_box_candidate
from protocol.typed_data import Outcome

__all__ = ["GENESIS_VERDICT", "OfflineDeployment", "deploy_offline", "public_key_hex"]

GPUC_DECIMALS = 6
GENESIS_VERDICT = ErgoVerdict(
    job_id="0x" + "00" * 32,
    outcome=Outcome.RELEASE,
    units=0,
    result_hash="0x" + "00" * 32,
    epoch=0,
)


def public_key_hex(secret: SecretKey) -> str:
    return bytes(secret.public_image().h).hex()


@dataclass(frozen=True)
class OfflineDeployment:
    contracts: ErgoContracts
    bank_nft: str
    bank_box_id: str
    verdict_box_id: str


def deploy_offline(
    ledger: OfflineLedger,
    deployer: SecretKey,
    *,
    oracle_keys: Sequence[str],
    threshold: int,
    treasury: ErgoTree,
    rate: int,
    supply: int,
    compiler: Callable[[ContractParams], ErgoContracts] = compile_contracts,
) -> OfflineDeployment:
    """Four transactions: verdict NFT, bank NFT, GPUC (EIP-4), then the bank and verdict boxes."""
    home = p2pk_tree(public_key_hex(deployer))
    wallet = ledger.genesis_box(home, 10**12)

    def run(plan: TxPlan) -> list[ErgoBox]:
        return ledger.apply(sign_plan(plan, ledger.tip, [deployer]))

    issued: list[tuple[str, ErgoBox]] = []
    for name, amount, description, decimals in (
        ("GPUC verdict", 1, "GPUC oracle committee verdict NFT", 0),
        ("GPUC bank", 1, "GPUC bank NFT", 0),
        ("GPUC", supply, "GPU compute credit", GPUC_DECIMALS),
    ):
        token_id = issued_token_id(wallet)
        issuance, wallet, _fee = run(
            issue_token(
                [wallet],
                receiver=home,
                amount=amount,
                name=name,
                description=description,
                decimals=decimals,
                height=ledger.height,
                change_tree=home,
            )
        )
        issued.append((token_id, issuance))
    (verdict_nft, nft_box), (bank_nft, bank_nft_box), (gpuc_id, gpuc_box) = issued
    contracts = compiler(
        ContractParams(
            gpuc_id=gpuc_id,
            verdict_nft=verdict_nft,
            oracle_keys=tuple(oracle_keys),
            threshold=threshold,
            treasury_tree_hex=bytes(treasury).hex(),
        )
    )
    bank = bank_box_candidate(
        contracts,
        bank_nft=bank_nft,
        reserve=supply,
        state=BankState(circulating=0, rate=rate),
        value=MIN_BOX_VALUE,
        height=ledger.height,
    )
    verdict = verdict_box_candidate(contracts, GENESIS_VERDICT, height=ledger.height)
    bank_box, verdict_box, _change, _fee = run(
        fund_outputs(
            [nft_box, bank_nft_box, gpuc_box, wallet],
            [bank, verdict],
            height=ledger.height,
            change_tree=home,
        )
    )
    return OfflineDeployment(
        contracts=contracts,
        bank_nft=bank_nft,
        bank_box_id=str(bank_box.box_id),
        verdict_box_id=str(verdict_box.box_id),
    )
