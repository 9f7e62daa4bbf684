"""Write the shared EIP-712 test vectors, contracts/test/vectors/eip712.json.

Every digest and signature in the file comes from protocol/typed_data.py (the SDK's own
implementation); contracts/test/vectors/Eip712Vectors.t.sol checks the escrow computes the
same digests and accepts exactly the same signatures, and tests/unit/test_eip712_vectors.py
checks the file is what this script generates now (so it cannot go stale).

    python scripts/gen_eip712_vectors.py          # rewrite the file
    python scripts/gen_eip712_vectors.py --check  # exit 1 if the file is stale

Numbers are written as decimal strings (uint64 values exceed JSON's safe integers), bytes as
0x-hex. Malleated signatures (high s, v written as 0/1) are listed with ``valid: false``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402
from eth_utils.crypto import keccak  # noqa: E402

from protocol.typed_data import (  # noqa: E402
    DOMAIN_NAME,
    DOMAIN_VERSION,
    Domain,
    JobTerms,
    Receipt,
    Verdict,
    VerdictBatch,
    VerdictItem,
    job_id,
    receipt_digest,
    sign_digest,
    verdict_batch_digest,
    verdict_digest,
)

VECTORS_PATH = ROOT / "contracts" / "test" / "vectors" / "eip712.json"

CHAIN_ID = 31337
# An arbitrary fixed address: the forge test etches a real JobEscrow's code there, so the
# vectors do not depend on the order in which a fixture deploys contracts.
VERIFYING_CONTRACT = "0x" + keccak(text="GPUC EIP-712 vectors: verifying contract")[12:].hex()

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
UINT64_MAX = 2**64 - 1


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _h(label: str) -> bytes:
    return keccak(text=label)


def _keys() -> list[bytes]:
    return [_h(f"GPUC EIP-712 vectors: signer {i}") for i in range(3)]


def _address(key: bytes) -> str:
    return str(Account.from_key(key).address)


def high_s(signature: bytes) -> bytes:
    """The malleable twin (r, N - s, v flipped): the same signer to a raw ecrecover."""
    s = int.from_bytes(signature[32:64], "big")
    v = 28 if signature[64] == 27 else 27
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


def raw_v(signature: bytes) -> bytes:
    """The same signature with v written as 0/1."""
    return signature[:64] + bytes([signature[64] - 27])


def _signatures(
    digest: bytes, keys: list[bytes]
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Valid signatures of every key (ascending signer, as the committee wants them) and the
    malleated variants of the first one."""
    ordered = sorted(keys, key=lambda k: int(_address(k), 16))
    valid = []
    for key in ordered:
        sig = sign_digest(key, digest)
        valid.append({"privateKey": _hex(key), "signer": _address(key), "signature": _hex(sig)})
    first = bytes.fromhex(valid[0]["signature"][2:])
    malleated: list[dict[str, Any]] = [
        {"variant": "high-s", "signer": valid[0]["signer"], "signature": _hex(high_s(first))},
        {"variant": "v-raw", "signer": valid[0]["signer"], "signature": _hex(raw_v(first))},
    ]
    for m in malleated:
        m["valid"] = False
    return valid, malleated


def _item_json(item: VerdictItem) -> dict[str, str]:
    return {
        "jobId": _hex(item.job_id),
        "outcome": str(item.outcome),
        "units": str(item.units),
        "resultHash": _hex(item.result_hash),
    }


def _receipt_json(r: Receipt) -> dict[str, str]:
    return {
        "jobId": _hex(r.job_id),
        "resultHash": _hex(r.result_hash),
        "units": str(r.units),
        "startedAt": str(r.started_at),
        "finishedAt": str(r.finished_at),
    }


def _entry(message: dict[str, Any], digest: bytes, keys: list[bytes]) -> dict[str, Any]:
    """One vector: the message as JSON, its digest, and its signatures."""
    valid, malleated = _signatures(digest, keys)
    return {"message": message, "digest": _hex(digest), "signatures": valid, "malleated": malleated}


def _terms_vectors() -> list[dict[str, Any]]:
    out = []
    samples = [
        JobTerms(
            consumer=_address(_h("vector consumer")),
            provider=_address(_h("vector provider")),
            budget=100 * 10**18,
            price_per_unit=10**18,
            accept_deadline=1_700_003_600,
            deadline=1_700_086_400,
            spec=_h("vector spec"),
            salt=1,
        ),
        JobTerms(
            consumer=_address(_h("vector consumer")),
            provider=_address(_h("vector provider")),
            budget=2**96 - 1,
            price_per_unit=1,
            accept_deadline=2**40 - 1,
            deadline=2**40 - 1,
            spec=bytes(32),
            salt=2**256 - 1,
        ),
    ]
    for t in samples:
        out.append(
            {
                "terms": {
                    "consumer": t.consumer,
                    "provider": t.provider,
                    "budget": str(t.budget),
                    "pricePerUnit": str(t.price_per_unit),
                    "acceptDeadline": str(t.accept_deadline),
                    "deadline": str(t.deadline),
                    "spec": _hex(t.spec),
                    "salt": str(t.salt),
                },
                "jobId": _hex(job_id(t)),
            }
        )
    return out


def build_vectors() -> dict[str, Any]:
    """The whole vectors document (pure: no I/O)."""
    domain = Domain(chain_id=CHAIN_ID, verifying_contract=VERIFYING_CONTRACT)
    keys = _keys()
    job1, job2, job3 = _h("vector job 1"), _h("vector job 2"), _h("vector job 3")

    receipts = [
        Receipt(
            job_id=job1,
            result_hash=_h("result 1"),
            units=1,
            started_at=1_700_000_000,
            finished_at=1_700_000_360,
        ),
        Receipt(
            job_id=job2,
            result_hash=_h("result 2"),
            units=UINT64_MAX,
            started_at=0,
            finished_at=UINT64_MAX,
        ),
        Receipt(job_id=bytes(32), result_hash=bytes(32), units=0, started_at=0, finished_at=0),
    ]
    verdicts = [
        Verdict(job_id=job1, outcome=1, units=60, result_hash=_h("result 1"), epoch=4),
        Verdict(job_id=job2, outcome=2, units=0, result_hash=bytes(32), epoch=4),
        Verdict(
            job_id=job3, outcome=1, units=UINT64_MAX, result_hash=_h("result 3"), epoch=UINT64_MAX
        ),
    ]
    batches = [
        VerdictBatch(items=(verdicts[0].item(),), epoch=4),
        VerdictBatch(items=tuple(v.item() for v in verdicts), epoch=7),
        VerdictBatch(items=(), epoch=4),
    ]

    receipt_json = [
        _entry(_receipt_json(r), receipt_digest(domain, r), keys[:1])  # the provider signs
        for r in receipts
    ]
    verdict_json = [
        _entry({**_item_json(v), "epoch": str(v.epoch)}, verdict_digest(domain, v), keys)
        for v in verdicts
    ]
    batch_json = [
        _entry(
            {"items": [_item_json(i) for i in b.items], "epoch": str(b.epoch)},
            verdict_batch_digest(domain, b),
            keys,
        )
        for b in batches
    ]
    return {
        "generator": "scripts/gen_eip712_vectors.py",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": str(CHAIN_ID),
            "verifyingContract": domain.verifying_contract,
        },
        "jobTerms": _terms_vectors(),
        "receipts": receipt_json,
        "verdicts": verdict_json,
        "verdictBatches": batch_json,
    }


def render(vectors: dict[str, Any]) -> str:
    """The exact text written to disk (compared byte for byte by the staleness test)."""
    return json.dumps(vectors, indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = render(build_vectors())
    if args.check:
        current = VECTORS_PATH.read_text() if VECTORS_PATH.exists() else ""
        if current != text:
            print(f"{VECTORS_PATH.relative_to(ROOT)} is stale: run scripts/gen_eip712_vectors.py")
            return 1
        print(f"{VECTORS_PATH.relative_to(ROOT)} is up to date")
        return 0
    VECTORS_PATH.parent.mkdir(parents=True, exist_ok=True)
    VECTORS_PATH.write_text(text)
    print(f"wrote {VECTORS_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
