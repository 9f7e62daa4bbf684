"""The agent's pure parts: the receipt body the oracles take, the OpenAI batch mapping,
the document fetcher's content checks and the config file's errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from eth_utils.crypto import keccak

from oracles.submission import check_submission
from protocol.compute.embedding_inputs import decode_inputs, encode_inputs, inputs_hash
from protocol.compute.specs import EmbeddingsSpec
from protocol.job_spec import canonical_spec, spec_hash
from protocol.typed_data import Domain, JobTerms, Receipt, job_id, receipt_digest
from protocol.wallet import Wallet
from protocol.wire.oracle import ReceiptSubmission
from provider.agent_config import load_agent_config
from provider.documents import DocumentFetcher
from provider.errors import AgentConfigError, DocumentUnavailable, JobRefused
from provider.openai_batch import batch_spec, embedding_responses, parse_batch, results_bytes

PROVIDER = Wallet.from_private_key("0x" + "33" * 32)
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "ab" * 20)
SPEC = {"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"}


def _terms() -> JobTerms:
    return JobTerms(
        consumer="0x" + "11" * 20,
        provider=PROVIDER.address,
        budget=10**18,
        price_per_unit=10**16,
        accept_deadline=2_000_000_000,
        deadline=2_000_000_100,
        spec=spec_hash(SPEC),
        salt=7,
    )


def test_the_submission_the_provider_posts_is_what_the_oracles_accept() -> None:
    terms = _terms()
    receipt = Receipt(
        job_id=job_id(terms), result_hash=keccak(b"r"), units=1, started_at=5, finished_at=6
    )
    signature = PROVIDER.sign_digest(receipt_digest(DOMAIN, receipt))
    sent = ReceiptSubmission(
        terms=terms,
        receipt=receipt,
        signature=signature,
        result_url="http://127.0.0.1:1/r",
        spec=SPEC,
    )
    body = json.dumps(sent.model_dump(mode="json"))  # what post_receipt sends
    assert json.loads(body)["terms"]["budget"] == str(10**18)  # big integers as strings
    parsed = ReceiptSubmission.model_validate(json.loads(body))
    assert parsed.terms == terms and parsed.receipt == receipt and parsed.signature == signature
    check_submission(parsed, DOMAIN, {"matmul", "embeddings"})  # raises on any mismatch


def _batch_file(lines: list[dict[str, object]]) -> bytes:
    return "\n".join(json.dumps(x) for x in lines).encode()


def test_batch_embeds_every_text_in_request_order() -> None:
    content = _batch_file(
        [
            {"custom_id": "a", "url": "/v1/embeddings", "body": {"model": "m", "input": "one"}},
            {"custom_id": "b", "url": "/v1/chat/completions", "body": {"model": "m"}},
            {
                "custom_id": "c",
                "url": "/v1/embeddings",
                "body": {"model": "m", "input": ["x", "y"]},
            },
        ]
    )
    requests = parse_batch(content)
    job = batch_spec(requests)
    assert job is not None
    spec, inputs = job
    assert decode_inputs(inputs, EmbeddingsSpec.model_validate(spec)) == ["one", "x", "y"]
    assert spec["inputs_hash"] == inputs_hash(inputs) and spec["count"] == 3
    vectors = np.arange(9, dtype=np.float32).reshape(3, 3)
    results = embedding_responses(requests, vectors)
    assert [r["custom_id"] for r in results] == ["a", "b", "c"]
    assert results[0]["body"]["data"][0]["embedding"] == [0.0, 1.0, 2.0]
    assert results[1]["status_code"] == 400 and "error" in results[1]
    assert [d["embedding"][0] for d in results[2]["body"]["data"]] == [3.0, 6.0]
    assert results_bytes(results) == results_bytes(json.loads(results_bytes(results)))


def test_batch_refuses_unusable_lines() -> None:
    with pytest.raises(JobRefused, match="batch line 1"):
        parse_batch(b'{"custom_id": "a", "url": "/v1/embeddings", "body": {"input": [1]}}')
    assert (
        batch_spec(parse_batch(_batch_file([{"custom_id": "a", "url": "/v1/x", "body": {}}])))
        is None
    )


def _fetcher(store: dict[str, bytes]) -> DocumentFetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        ref = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, content=store[ref]) if ref in store else httpx.Response(404)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return DocumentFetcher(["http://docs.invalid/documents"], http)


def test_fetcher_checks_hashes_and_fetches_embedding_inputs() -> None:
    inputs = encode_inputs(["a b", "c d"])
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": inputs_hash(inputs),
        "count": 2,
    }
    digest = spec_hash(spec)
    good = {"0x" + digest.hex(): canonical_spec(spec), inputs_hash(inputs): inputs}
    docs = _fetcher(good).job(digest)
    assert docs.inputs == inputs and docs.inputs_url is not None and docs.document == spec
    # A source that answers with other bytes under the name is ignored.
    lying = {"0x" + digest.hex(): canonical_spec(SPEC)}
    with pytest.raises(DocumentUnavailable, match="wrong bytes"):
        _fetcher(lying).job(digest)
    with pytest.raises(DocumentUnavailable, match="HTTP 404"):
        _fetcher({"0x" + digest.hex(): canonical_spec(spec)}).job(digest)  # inputs missing


def test_config_errors_name_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    path.write_text(json.dumps({"manifest": "m.json", "matcher_url": "http://x", "data_dir": "d",
                                "oracle_urls": [], "offers": []}))  # fmt: skip
    with pytest.raises(AgentConfigError, match="oracle_urls"):
        load_agent_config(path)
    path.write_text("{not json")
    with pytest.raises(AgentConfigError, match="not valid"):
        load_agent_config(path)
    good = {
        "manifest": "m.json",
        "matcher_url": "http://x",
        "data_dir": "d",
        "oracle_urls": ["http://o"],
        "offers": [{"resource": "matmul", "kind": "matmul",
                    "strategy": {"kind": "fixed", "price_wei": 5}}],
    }  # fmt: skip
    path.write_text(json.dumps(good))
    config = load_agent_config(path)
    assert config.manifest == tmp_path / "m.json" and config.data_dir == tmp_path / "d"
