"""The bearer credential of an LLM session.

The consumer draws a random 32-byte secret; the session's job spec names only
``session_key_hash(secret)``, so the consumer's wallet authorizes the key by
opening the escrow whose spec hash commits to it. Requests carry

    Authorization: Bearer gpuc-llm.<job id, 64 hex>.<secret, 64 hex>

which the unchanged ``openai`` client sends as its ``api_key``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from eth_utils.crypto import keccak

from protocol.llm.errors import InvalidLLMRequest

__all__ = ["SessionCredential", "new_session_secret", "session_key_hash"]

_PREFIX = "gpuc-llm"
_TOKEN = re.compile(r"^gpuc-llm\.([0-9a-f]{64})\.([0-9a-f]{64})$")


def new_session_secret() -> bytes:
    return secrets.token_bytes(32)


def session_key_hash(secret: bytes) -> bytes:
    return keccak(b"GPUC llm session key v1" + secret)


@dataclass(frozen=True)
class SessionCredential:
    job_id: bytes
    secret: bytes

    @property
    def api_key(self) -> str:
        return f"{_PREFIX}.{self.job_id.hex()}.{self.secret.hex()}"

    @classmethod
    def parse(cls, authorization: str | None) -> SessionCredential:
        if authorization is None or not authorization.startswith("Bearer "):
            raise InvalidLLMRequest(
                "header Authorization must be 'Bearer gpuc-llm.<job id>.<session key>'"
            )
        match = _TOKEN.match(authorization.removeprefix("Bearer ").strip())
        if match is None:
            raise InvalidLLMRequest(
                "header Authorization: the session key must read "
                "gpuc-llm.<64 hex job id>.<64 hex secret>"
            )
        return cls(bytes.fromhex(match.group(1)), bytes.fromhex(match.group(2)))
