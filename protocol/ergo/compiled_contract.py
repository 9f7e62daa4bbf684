"""A compiled ErgoScript contract: its ErgoTree and what follows from it. No JVM needed."""

from __future__ import annotations

import hashlib

from ergo_lib_python.chain import Address, NetworkPrefix
from ergo_lib_python.ergo_tree import ErgoTree
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CompiledContract", "blake2b256"]


def blake2b256(data: bytes) -> bytes:
    """Ergo's hash: Blake2b with a 32-byte digest."""
    return hashlib.blake2b(data, digest_size=32).digest()


class CompiledContract(BaseModel):
    """An ErgoTree by name; serialisable so transactions can be built without the JVM."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    tree_hex: str = Field(pattern=r"^([0-9a-f]{2})+$")

    @property
    def tree_bytes(self) -> bytes:
        return bytes.fromhex(self.tree_hex)

    def tree(self) -> ErgoTree:
        return ErgoTree.from_bytes(self.tree_bytes)

    @property
    def script_hash(self) -> bytes:
        """blake2b256 of the tree bytes, the way other scripts recognise this one."""
        return blake2b256(self.tree_bytes)

    def address(self, network: NetworkPrefix = NetworkPrefix.Testnet) -> str:
        return Address.recreate_from_ergo_tree(self.tree()).to_str(network)
