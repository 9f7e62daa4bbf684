"""Compile ErgoScript with ergo-appkit 5 through JPype; constants are sigma-rust Constants."""

from __future__ import annotations

from collections.abc import Mapping

import jpype
from ergo_lib_python.chain import Constant

from protocol.ergo.compiled_contract import CompiledContract
from protocol.ergo.errors import CompileError
from protocol.ergo.jvm import ensure_jvm

__all__ = ["TESTNET_PREFIX", "compile_script"]

# Network prefix only matters for address literals inside scripts; ours use none.
TESTNET_PREFIX = 16


def compile_script(
    name: str,
    source: str,
    constants: Mapping[str, Constant],
    network_prefix: int = TESTNET_PREFIX,
) -> CompiledContract:
    """Compile ``source`` with named compile-time ``constants`` into a :class:`CompiledContract`.

    Constants cross into the JVM as their serialised bytes, so any type sigma-rust can
    build (Coll[Byte], Int, Long, GroupElement, Coll[GroupElement], ...) works unchanged.
    """
    ensure_jvm()
    hash_map = jpype.JClass("java.util.HashMap")
    ergo_value = jpype.JClass("org.ergoplatform.appkit.ErgoValue")
    java_helpers = jpype.JClass("org.ergoplatform.appkit.JavaHelpers")

    env = hash_map()
    for key, constant in constants.items():
        env.put(key, ergo_value.fromHex(bytes(constant).hex()).getValue())
    try:
        tree = java_helpers.compile(env, source, jpype.JByte(network_prefix))
    except jpype.JException as exc:
        reason = _short(str(exc.getMessage()))
        raise CompileError(
            f"contract {name!r} does not compile: {reason}; fix the ErgoScript source or "
            "supply the missing constants"
        ) from exc
    return CompiledContract(name=name, tree_hex=bytes(tree.bytes()).hex())


def _short(message: str) -> str:
    """The compiler's message without the dump of its whole predefined environment."""
    return " ".join(message.split(" in env Map(")[0].split())
