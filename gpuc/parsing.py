"""Turn command-line text into checked values; each failure names the flag and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpuc.errors import UsageError
from protocol.amounts import parse_units

if TYPE_CHECKING:  # imported where used: `gpuc CMD --help` must not load web3
    from protocol.committee_signatures import MemberSignature

__all__ = [
    "parse_address",
    "parse_amount",
    "parse_bytes32",
    "parse_job",
    "parse_member_signature",
    "parse_outcome",
    "parse_spec",
]


def parse_address(text: str, what: str = "address") -> str:
    from eth_utils.address import is_address, is_checksum_address, to_checksum_address

    if not is_address(text):
        raise UsageError(f"{what} {text!r} is not an address: use 0x followed by 40 hex digits")
    digits = text.removeprefix("0x").removeprefix("0X")
    mixed = digits != digits.lower() and digits != digits.upper()
    if mixed and not is_checksum_address(text):
        raise UsageError(
            f"{what} {text!r} has a wrong EIP-55 checksum (mixed case that does not match "
            f"{to_checksum_address(text)}): check for a typo, or write it in one case"
        )
    return to_checksum_address(text)


def parse_amount(text: str, what: str = "amount") -> int:
    """A positive decimal amount of GPUC or ETH -> wei."""
    return parse_units(text, what=what)


def parse_job(text: str) -> bytes:
    from protocol.client import parse_job_id

    return parse_job_id(text)


def parse_bytes32(text: str, what: str) -> bytes:
    from protocol.client import parse_bytes32 as protocol_parse_bytes32

    return protocol_parse_bytes32(text, what)


def parse_outcome(text: str) -> int:
    from protocol.typed_data import Outcome

    names = {
        "release": Outcome.RELEASE,
        "1": Outcome.RELEASE,
        "fault": Outcome.FAULT,
        "2": Outcome.FAULT,
    }
    try:
        return names[text.strip().lower()]
    except KeyError:
        raise UsageError(f"outcome {text!r} is neither 'release' nor 'fault'") from None


def parse_member_signature(text: str) -> MemberSignature:
    """SIGNER:SIGNATURE, as `gpuc oracle sign` prints it."""
    signer, sep, signature = text.partition(":")
    if not sep:
        raise UsageError(f"signature {text!r} must be SIGNER:SIGNATURE (from gpuc oracle sign)")
    raw = signature.strip().removeprefix("0x")
    try:
        sig = bytes.fromhex(raw)
    except ValueError:
        sig = b""
    if len(sig) != 65:
        raise UsageError(f"signature of {signer} is not 65 bytes of hex (0x + 130 digits)")
    from protocol.committee_signatures import MemberSignature

    return MemberSignature(signer=parse_address(signer, "signer"), signature=sig)


def parse_spec(spec_json: str | None, spec_file: Path | None, spec_hash_text: str | None) -> bytes:
    """The job spec's hash from exactly one of --spec, --spec-file, --spec-hash."""
    given = [x for x in (spec_json, spec_file, spec_hash_text) if x is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --spec JSON, --spec-file PATH or --spec-hash HASH")
    if spec_hash_text is not None:
        return parse_bytes32(spec_hash_text, "--spec-hash")
    try:
        text = spec_file.read_text() if spec_file is not None else str(spec_json)
        spec: Any = json.loads(text)
    except OSError as exc:
        raise UsageError(f"cannot read --spec-file {spec_file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"job spec is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(spec, dict) or "kind" not in spec:
        raise UsageError('job spec must be a JSON object with a "kind" (e.g. {"kind": "matmul"})')
    from protocol.job_spec import spec_hash

    return spec_hash(spec)
