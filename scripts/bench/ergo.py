"""Ergo benchmark: JVM start-up, compile time per contract, sign time per tx.

Signing is timed with sigma-rust (no JVM) and with ergo-appkit 5 (JVM) on the same plans.

Run: .venv/bin/python scripts/bench/ergo.py [--rounds N]
Prints figures; bounded (a few seconds of work per figure).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ergo_lib_python.wallet import SecretKey

from protocol.ergo.appkit_prover import AppkitProver
from protocol.ergo.bank_tx import exchange_at_bank
from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.collateral_tx import lock_collateral, withdraw_collateral
from protocol.ergo.compiler import compile_script
from protocol.ergo.contracts import CONTRACT_NAMES, ContractParams, compile_contracts
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.escrow_tx import open_escrow, refund_escrow, release_escrow, slash_for_fault
from protocol.ergo.jvm import ensure_jvm
from protocol.ergo.offline_deployment import deploy_offline, public_key_hex
from protocol.ergo.offline_ledger import OfflineLedger
from protocol.ergo.signer import sign_plan
from protocol.ergo.tx_plan import TxPlan, p2pk_tree
from protocol.ergo.verdict import ErgoVerdict
from protocol.ergo.verdict_tx import publish_verdict
from protocol.typed_data import Outcome


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:8.2f} ms  (n={len(samples)})"


def _since_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1e3


def _time(fn: Callable[[], Any], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _key(seed: int) -> SecretKey:
    return SecretKey.from_bytes(bytes([seed]) * 32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="samples per figure (1-200)")
    rounds = max(1, min(200, parser.parse_args().rounds))

    start = time.perf_counter()
    ensure_jvm()
    print(f"JVM start-up (appkit 5 jar on the class path): {_since_ms(start):.0f} ms")

    deployer, consumer, provider, treasury = _key(1), _key(2), _key(3), _key(5)
    oracles = [_key(10), _key(11), _key(12)]
    ledger = OfflineLedger()
    compiled: dict[ContractParams, Any] = {}

    def compiler(params: ContractParams) -> Any:
        compiled[params] = compile_contracts(params)
        return compiled[params]

    start = time.perf_counter()
    deployment = deploy_offline(
        ledger,
        deployer,
        oracle_keys=[public_key_hex(o) for o in oracles],
        threshold=2,
        treasury=p2pk_tree(public_key_hex(treasury)),
        rate=1_000,
        supply=10**15,
        compiler=compiler,
    )
    print(f"first compile of all four contracts (cold JIT): {_since_ms(start):.0f} ms")
    contracts = deployment.contracts
    (params,) = compiled

    print("\ncompile time per contract (warm JVM):")
    from ergo_lib_python.chain import Constant, EcPoint

    from protocol.ergo.contracts import contract_source  # same sources the deployment used

    gpuc = Constant(bytes.fromhex(params.gpuc_id))
    nft = Constant(bytes.fromhex(params.verdict_nft))
    constants = {
        "verdict": {
            "oracleKeys": Constant(
                [Constant(EcPoint(bytes.fromhex(k))) for k in params.oracle_keys]
            ),
            "threshold": Constant.from_i32(2),
        },
        "bank": {"gpucId": gpuc},
        "escrow": {"gpucId": gpuc, "verdictNft": nft},
        "collateral": {
            "gpucId": gpuc,
            "verdictNft": nft,
            "escrowHash": Constant(contracts.escrow.script_hash),
            "treasury": Constant(bytes.fromhex(params.treasury_tree_hex)),
        },
    }
    for name in CONTRACT_NAMES:
        source = contract_source(name)
        samples = _time(partial(compile_script, name, source, constants[name]), max(3, rounds // 4))
        size = len(getattr(contracts, name).tree_bytes)
        print(f"  {name:<10} {size:4d} B tree  {_ms(samples)}")

    # One of each spend path against one ledger snapshot; release, refund and slash are
    # alternative spends of the same escrow, each signed on its own.
    def run(plan: TxPlan, secrets: list[SecretKey]) -> list[Any]:
        return ledger.apply(sign_plan(plan, ledger.tip, secrets))

    def wallet(owner: SecretKey) -> Any:
        return ledger.genesis_box(p2pk_tree(public_key_hex(owner)), 10**10)

    bank = ledger.box(deployment.bank_box_id)
    home_c = p2pk_tree(public_key_hex(consumer))
    home_p = p2pk_tree(public_key_hex(provider))
    mint = exchange_at_bank(
        contracts,
        bank,
        minted=5_000,
        funding=[wallet(consumer)],
        receiver=home_c,
        height=ledger.height,
        change_tree=home_c,
    )
    bank, c_gpuc, *_ = run(mint, [consumer])
    bank, p_gpuc, *_ = run(
        exchange_at_bank(
            contracts,
            bank,
            minted=5_000,
            funding=[wallet(provider)],
            receiver=home_p,
            height=ledger.height,
            change_tree=home_p,
        ),
        [provider],
    )
    job = "0x" + "ab" * 32
    terms = EscrowTerms(
        job_id=job,
        provider_key=public_key_hex(provider),
        consumer_key=public_key_hex(consumer),
        price_per_unit=10,
        timeout_height=ledger.height + 5,
        compensation=200,
    )
    escrow = run(
        open_escrow(
            contracts,
            terms,
            budget=1_000,
            funding=[c_gpuc, wallet(consumer)],
            height=ledger.height,
            change_tree=home_c,
        ),
        [consumer],
    )[0]
    collateral = run(
        lock_collateral(
            contracts,
            CollateralTerms(
                provider_key=public_key_hex(provider),
                slash_amount=500,
                unlock_height=ledger.height + 5,
            ),
            stake=2_000,
            funding=[p_gpuc, wallet(provider)],
            height=ledger.height,
            change_tree=home_p,
        ),
        [provider],
    )[0]
    verdict = ErgoVerdict(
        job_id=job, outcome=Outcome.FAULT, units=40, result_hash="0x" + "cd" * 32, epoch=1
    )
    home_d = p2pk_tree(public_key_hex(deployer))
    publish = publish_verdict(
        contracts,
        ledger.box(deployment.verdict_box_id),
        verdict,
        funding=[wallet(deployer)],
        height=ledger.height,
        change_tree=home_d,
    )
    verdict_box = run(publish, [*oracles[:2], deployer])[0]
    release_verdict = ErgoVerdict(
        job_id=job, outcome=Outcome.RELEASE, units=40, result_hash="0x" + "cd" * 32, epoch=1
    )
    release_box = run(
        publish_verdict(
            contracts,
            verdict_box,
            release_verdict,
            funding=[wallet(deployer)],
            height=ledger.height,
            change_tree=home_d,
        ),
        [*oracles[:2], deployer],
    )[0]
    ledger.advance(10)  # past the timeout and the unlock height
    height = ledger.height
    fresh_bank = ledger.box(str(bank.box_id))
    paths: list[tuple[str, TxPlan, list[SecretKey]]] = [
        (
            "bank mint",
            exchange_at_bank(
                contracts,
                fresh_bank,
                minted=100,
                funding=[wallet(consumer)],
                receiver=home_c,
                height=height,
                change_tree=home_c,
            ),
            [consumer],
        ),
        (
            "verdict 2-of-3",
            publish_verdict(
                contracts,
                release_box,
                verdict,
                funding=[wallet(deployer)],
                height=height,
                change_tree=home_d,
            ),
            [*oracles[:2], deployer],
        ),
        ("escrow release", release_escrow(contracts, escrow, release_box, height=height), []),
        ("escrow refund", refund_escrow(contracts, escrow, height=height), []),
        ("collateral withdraw", withdraw_collateral(collateral, height=height), [provider]),
    ]
    # The slash needs the fault verdict as its data input.
    paths.append(
        (
            "fault slash",
            slash_for_fault(contracts, escrow, collateral, verdict_box, height=height),
            [],
        )
    )

    print("\nsign time per transaction (the prover evaluates each input's script):")
    print(f"  {'path':<20} {'sigma-rust (no JVM)':>34}   {'appkit 5 (JVM, warm)':>34}")
    tip = ledger.tip
    start = time.perf_counter()
    appkit = AppkitProver(tip)
    appkit.sign(paths[0][1], paths[0][2])
    print(f"  (appkit context + first signature, JIT cold: {_since_ms(start):.0f} ms)")
    for name, plan, secrets in paths:
        rust = _time(partial(sign_plan, plan, tip, secrets), rounds)
        appkit.sign(plan, secrets)  # warm this path
        java = _time(partial(appkit.sign, plan, secrets), max(3, rounds // 2))
        print(f"  {name:<20} {_ms(rust):>34}   {_ms(java):>34}")


if __name__ == "__main__":
    main()
