"""A signed request: Request(string method,string path,bytes32 bodyHash,uint256 nonce,
uint64 expiry) under the "GPUC Matcher" domain. The body hash binds the exact bytes
sent; the nonce (unique per signer) and the expiry stop replays."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from eth_account import Account

from matcher.auth.eip712 import recover, sign, typed_digest, uint256
from matcher.errors import AuthError
from protocol.matcher_client.signing import (
    HEADER_EXPIRY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SIGNER,
)
from protocol.signatures import keccak

__all__ = [
    "HEADER_EXPIRY",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_SIGNER",
    "REQUEST_TYPEHASH",
    "SignedRequest",
    "recover_request_signer",
    "request_digest",
    "request_struct_hash",
    "sign_request",
]

REQUEST_TYPEHASH = keccak(
    text="Request(string method,string path,bytes32 bodyHash,uint256 nonce,uint64 expiry)"
)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    signer: str
    nonce: int
    expiry: int
    signature: str

    def headers(self) -> dict[str, str]:
        return {
            HEADER_SIGNER: self.signer,
            HEADER_NONCE: str(self.nonce),
            HEADER_EXPIRY: str(self.expiry),
            HEADER_SIGNATURE: self.signature,
        }


@functools.lru_cache(maxsize=1024)
def _text_hash(text: str) -> bytes:
    # Methods and paths repeat on every request; hash each once.
    return keccak(text=text)


def request_struct_hash(method: str, path: str, body: bytes, nonce: int, expiry: int) -> bytes:
    return keccak(
        REQUEST_TYPEHASH
        + _text_hash(method.upper())
        + _text_hash(path)
        + keccak(body)
        + uint256(nonce)
        + uint256(expiry)
    )


def request_digest(
    chain_id: int, method: str, path: str, body: bytes, nonce: int, expiry: int
) -> bytes:
    return typed_digest(chain_id, request_struct_hash(method, path, body, nonce, expiry))


def sign_request(
    private_key: str | bytes,
    *,
    chain_id: int,
    method: str,
    path: str,
    body: bytes,
    nonce: int,
    expiry: int,
) -> SignedRequest:
    """Client side: the headers that authorise one request."""
    struct_hash = request_struct_hash(method, path, body, nonce, expiry)
    return SignedRequest(
        signer=str(Account.from_key(private_key).address),
        nonce=nonce,
        expiry=expiry,
        signature=sign(chain_id, struct_hash, private_key),
    )


def recover_request_signer(
    chain_id: int, method: str, path: str, body: bytes, signed: SignedRequest
) -> str:
    """Server side: the signer's checksum address, or AuthError naming what is wrong."""
    struct_hash = request_struct_hash(method, path, body, signed.nonce, signed.expiry)
    recovered = recover(chain_id, struct_hash, signed.signature, field=HEADER_SIGNATURE)
    if recovered.lower() != signed.signer.lower():
        raise AuthError(
            f"{HEADER_SIGNATURE} was made by {recovered}, not by {HEADER_SIGNER} {signed.signer}"
            " (wrong key, chain id, method, path, body, nonce or expiry)",
            field=HEADER_SIGNATURE,
        )
    return recovered
