"""The shared EIP-712 vectors (contracts/test/vectors/eip712.json) against the Python SDK.

The same file is checked against the escrow by contracts/test/vectors/Eip712Vectors.t.sol, so
together they prove protocol/typed_data.py and JobEscrow hash and accept identically. The file
must be exactly what scripts/gen_eip712_vectors.py writes today.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from eth_account import Account

from protocol.errors import SignatureError
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
    sign_digest,
    verdict_batch_digest,
    verdict_digest,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = ROOT / "contracts" / "test" / "vectors" / "eip712.json"
GENERATOR_PATH = ROOT / "scripts" / "gen_eip712_vectors.py"
KINDS = ("receipts", "verdicts", "verdictBatches")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_eip712_vectors", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
    return data


@pytest.fixture(scope="module")
def domain(vectors: dict[str, Any]) -> Domain:
    d = vectors["domain"]
    return Domain(chain_id=int(d["chainId"]), verifying_contract=d["verifyingContract"])


def _b(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text[2:])


def _item(m: dict[str, str]) -> VerdictItem:
    return VerdictItem(
        job_id=m["jobId"],
        outcome=int(m["outcome"]),
        units=int(m["units"]),
        result_hash=m["resultHash"],
    )


def _digest_of(kind: str, domain: Domain, m: dict[str, Any]) -> bytes:
    """Rebuild the typed message from the JSON alone and hash it with the SDK."""
    if kind == "receipts":
        receipt = Receipt(
            job_id=m["jobId"],
            result_hash=m["resultHash"],
            units=int(m["units"]),
            started_at=int(m["startedAt"]),
            finished_at=int(m["finishedAt"]),
        )
        return receipt_digest(domain, receipt)
    if kind == "verdicts":
        item = _item(m)
        verdict = Verdict(**item.model_dump(), epoch=int(m["epoch"]))
        return verdict_digest(domain, verdict)
    batch = VerdictBatch(items=tuple(_item(i) for i in m["items"]), epoch=int(m["epoch"]))
    return verdict_batch_digest(domain, batch)


def test_vectors_file_is_what_the_generator_writes_now() -> None:
    generator = _load_generator()
    expected = generator.render(generator.build_vectors())
    assert VECTORS_PATH.read_text() == expected, (
        "contracts/test/vectors/eip712.json is stale: run `python scripts/gen_eip712_vectors.py`"
    )


def test_domain_is_the_escrow_domain_on_anvil(vectors: dict[str, Any]) -> None:
    d = vectors["domain"]
    assert (d["name"], d["version"], d["chainId"]) == ("GPUC JobEscrow", "1", "31337")


def test_job_ids_match(vectors: dict[str, Any]) -> None:
    assert vectors["jobTerms"], "no job-terms vectors"
    for v in vectors["jobTerms"]:
        t = v["terms"]
        terms = JobTerms(
            consumer=t["consumer"],
            provider=t["provider"],
            budget=int(t["budget"]),
            price_per_unit=int(t["pricePerUnit"]),
            accept_deadline=int(t["acceptDeadline"]),
            deadline=int(t["deadline"]),
            spec=t["spec"],
            salt=int(t["salt"]),
        )
        assert job_id(terms) == _b(v["jobId"])


@pytest.mark.parametrize("kind", KINDS)
def test_digests_match(kind: str, vectors: dict[str, Any], domain: Domain) -> None:
    assert vectors[kind], f"no {kind} vectors"
    for v in vectors[kind]:
        assert _digest_of(kind, domain, v["message"]) == _b(v["digest"])


@pytest.mark.parametrize("kind", KINDS)
def test_valid_signatures_recover_to_their_signers(kind: str, vectors: dict[str, Any]) -> None:
    for v in vectors[kind]:
        digest = _b(v["digest"])
        signers = [s["signer"] for s in v["signatures"]]
        assert signers == sorted(signers, key=lambda a: int(a, 16)), "ascending signer order"
        for s in v["signatures"]:
            key = _b(s["privateKey"])
            assert Account.from_key(key).address == s["signer"]
            assert sign_digest(key, digest) == _b(s["signature"]), "signing is deterministic"
            assert recover_signer(digest, _b(s["signature"])) == s["signer"]


@pytest.mark.parametrize("kind", KINDS)
def test_malleated_signatures_are_rejected(kind: str, vectors: dict[str, Any]) -> None:
    for v in vectors[kind]:
        digest = _b(v["digest"])
        variants = {m["variant"] for m in v["malleated"]}
        assert variants == {"high-s", "v-raw"}
        for m in v["malleated"]:
            assert m["valid"] is False
            with pytest.raises(SignatureError):
                recover_signer(digest, _b(m["signature"]))
            if m["variant"] == "high-s":
                # eth-account alone would take the twin as the same signer: why the SDK checks s
                assert Account._recover_hash(digest, signature=_b(m["signature"])) == m["signer"]


def test_a_changed_message_no_longer_matches_its_digest(
    vectors: dict[str, Any], domain: Domain
) -> None:
    message = dict(vectors["verdicts"][0]["message"])
    message["units"] = str(int(message["units"]) + 1)
    assert _digest_of("verdicts", domain, message) != _b(vectors["verdicts"][0]["digest"])
