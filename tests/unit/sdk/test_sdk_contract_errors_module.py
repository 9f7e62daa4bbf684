"""protocol/contract_errors.py is generated from the ABIs and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol import contract_errors
from protocol.artifacts import CONTRACT_NAMES, load_artifact
from protocol.errors import ContractError, ProtocolError
from tools.codegen.contract_errors_codegen import (
    collect_errors,
    enum_members,
    natspec_summaries,
    snake_case,
)
from tools.codegen.contract_errors_sources import TARGET, render_from_tree

ROOT = Path(__file__).resolve().parents[3]


def test_generated_module_matches_the_artifacts() -> None:
    assert (ROOT / TARGET).read_text() == render_from_tree(ROOT), (
        "protocol/contract_errors.py is stale: run python scripts/gen_contract_errors.py"
    )


def test_every_abi_error_has_a_class_of_the_same_name() -> None:
    names = {
        entry["name"]
        for contract in CONTRACT_NAMES
        for entry in load_artifact(contract).abi
        if entry["type"] == "error"
    }
    assert len(names) > 60
    for name in names:
        cls = getattr(contract_errors, name)
        assert issubclass(cls, ContractError) and issubclass(cls, ProtocolError)
        assert contract_errors.ERRORS_BY_SELECTOR[cls.selector] is cls
        assert cls.summary(), f"{name} has no message"


def test_natspec_is_read_from_triple_slash_and_block_comments() -> None:
    source = """
    /// @notice Free stake does not cover
    /// what is asked.
    error InsufficientStake(address provider);
    /**
     * @dev Indicates a `balance` error.
     * @param sender Address.
     */
    error ERC20InsufficientBalance(address sender);
    error Bare();
    enum Status { None, Open }
    """
    summaries = natspec_summaries([source])
    assert summaries == {
        "InsufficientStake": "Free stake does not cover what is asked.",
        "ERC20InsufficientBalance": "Indicates a balance error.",
    }
    assert enum_members([source]) == {"Status": ("None", "Open")}


def test_conflicting_declarations_are_refused() -> None:
    abis = {
        "A": [{"type": "error", "name": "E", "inputs": [{"name": "x", "type": "uint256"}]}],
        "B": [{"type": "error", "name": "E", "inputs": [{"name": "x", "type": "address"}]}],
    }
    with pytest.raises(ValueError, match="declared as"):
        collect_errors(abis, {})


def test_parameter_names_become_snake_case() -> None:
    assert snake_case("nowTime") == "now_time"
    assert snake_case("termsJobId") == "terms_job_id"
    assert snake_case("from") == "from_"


def test_messages_name_the_error_and_its_values() -> None:
    # Amounts show in whole GPUC (or ETH) next to their wei; times as UTC dates.
    error = contract_errors.InsufficientStake("0x" + "12" * 20, 5 * 10**18, 10**19 + 1)
    assert str(error) == (
        f"InsufficientStake(provider=0x{'12' * 20}, free=5 (5000000000000000000 wei), "
        "needed=10.000000000000000001 (10000000000000000001 wei)): "
        "Free stake does not cover what is asked."
    )
    assert error.fields() == {
        "provider": "0x" + "12" * 20,
        "free": 5 * 10**18,
        "needed": 10**19 + 1,
    }
    late = contract_errors.TooLate(b"\x01" * 32, 1_800_000_000, 1_800_000_060)
    assert "now_time=2027-01-15 08:01:00 UTC (1800000060)" in str(late)
