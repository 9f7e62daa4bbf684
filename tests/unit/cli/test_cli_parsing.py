"""The CLI's input parsing and error wording, without a chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuc import hints
from gpuc.errors import ExitCode, UsageError, exit_code_for
from gpuc.parsing import (
    parse_address,
    parse_bytes32,
    parse_member_signature,
    parse_outcome,
    parse_spec,
)
from protocol import contract_errors
from protocol.errors import ChainUnreachable, InvalidInput, TransactionTimeout
from protocol.job_spec import spec_hash


def test_addresses_are_checksummed_or_refused() -> None:
    assert parse_address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8") == (
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    )
    with pytest.raises(UsageError, match="'0xzz' is not an address"):
        parse_address("0xzz", "--provider")
    # Mixed case is an EIP-55 checksum: a wrong one (one letter's case flipped) is a typo.
    good = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert parse_address(good) == good
    assert parse_address(good.upper().replace("0X", "0x")) == good  # one case: no checksum
    with pytest.raises(UsageError, match=r"wrong EIP-55 checksum.*0x70997970C51812dc3A010C7d"):
        parse_address("0x70997970c51812dc3A010C7d01b50e0d17dc79C8", "--provider")


def test_spec_from_exactly_one_source(tmp_path: Path) -> None:
    spec = {"kind": "matmul", "n": 4}
    file = tmp_path / "spec.json"
    file.write_text('{"n": 4, "kind": "matmul"}')
    assert parse_spec('{"kind": "matmul", "n": 4}', None, None) == spec_hash(spec)
    assert parse_spec(None, file, None) == spec_hash(spec)
    assert parse_spec(None, None, "0x" + "11" * 32) == b"\x11" * 32
    with pytest.raises(UsageError, match="exactly one"):
        parse_spec("{}", file, None)
    with pytest.raises(UsageError, match='"kind"'):
        parse_spec("[1]", None, None)
    with pytest.raises(UsageError, match="cannot read"):
        parse_spec(None, tmp_path / "missing.json", None)


def test_small_parsers() -> None:
    assert parse_outcome("Release") == 1 and parse_outcome("fault") == 2
    with pytest.raises(InvalidInput, match="--result-hash '0x12' is not 0x followed by 64"):
        parse_bytes32("0x12", "--result-hash")
    with pytest.raises(UsageError, match="SIGNER:SIGNATURE"):
        parse_member_signature("0x" + "11" * 65)
    with pytest.raises(UsageError, match="65 bytes"):
        parse_member_signature("0x" + "11" * 20 + ":0x1234")


def test_every_fix_names_a_real_contract_error() -> None:
    for name in hints._FIXES:
        assert hasattr(contract_errors, name), name


def test_exit_codes_by_kind() -> None:
    assert exit_code_for(UsageError("x")) == ExitCode.BAD_INPUT
    assert exit_code_for(InvalidInput("x")) == ExitCode.BAD_INPUT
    assert exit_code_for(ChainUnreachable("x")) == ExitCode.CHAIN
    assert exit_code_for(contract_errors.ZeroAmount()) == ExitCode.REVERTED
    assert exit_code_for(TransactionTimeout("x", "0x")) == ExitCode.TRANSACTION
