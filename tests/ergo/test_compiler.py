"""ergo-appkit 5 through JPype: the jar, compile errors, determinism, and a predef cross-check."""

from __future__ import annotations

import jpype
import pytest
from ergo_lib_python.chain import Constant

from protocol.ergo.compiler import compile_script
from protocol.ergo.contracts import CONTRACT_NAMES, contract_source
from protocol.ergo.errors import CompileError, ContractSourceError
from protocol.ergo.jvm import appkit_jar, ensure_jvm
from protocol.ergo.tx_plan import FEE_TREE_HEX

pytestmark = pytest.mark.ergo


def test_the_jar_is_appkit_5_from_the_pypi_package() -> None:
    jar = appkit_jar()
    assert jar.name == "ergo-appkit-5.0.0.jar"
    assert "ergo_python_appkit" in jar.parts


def test_compiling_twice_gives_the_same_tree() -> None:
    source = "{ sigmaProp(HEIGHT > limit) }"
    first = compile_script("t", source, {"limit": Constant.from_i32(7)})
    second = compile_script("t", source, {"limit": Constant.from_i32(7)})
    other = compile_script("t", source, {"limit": Constant.from_i32(8)})
    assert first == second
    assert first.tree_hex != other.tree_hex
    assert first.tree().constants()[-1] == Constant.from_i32(7)


def test_a_script_error_is_a_compile_error_naming_the_contract() -> None:
    with pytest.raises(CompileError, match=r"'broken'.*'undefinedName' because it is not found;"):
        compile_script("broken", "{ sigmaProp(HEIGHT > undefinedName) }", {})


def test_a_missing_constant_is_a_compile_error() -> None:
    with pytest.raises(CompileError, match="'escrow'"):
        compile_script("escrow", contract_source("escrow"), {})


def test_every_contract_source_is_present() -> None:
    for name in CONTRACT_NAMES:
        assert contract_source(name).lstrip().startswith("{")
    with pytest.raises(ContractSourceError, match=r"nope\.es"):
        contract_source("nope")


def test_fee_tree_matches_appkits_fee_proposition() -> None:
    ensure_jvm()
    predef = jpype.JClass("org.ergoplatform.ErgoScriptPredef")

    assert bytes(predef.feeProposition(720).bytes()).hex() == FEE_TREE_HEX
