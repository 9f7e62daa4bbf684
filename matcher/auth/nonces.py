"""Used (signer, nonce) pairs, kept until their signature expires (pure, in memory;
the store persists them with the command so a replay after a restart fails too)."""

from __future__ import annotations

import heapq

from matcher.errors import AuthError, SignatureExpired, SignatureReplayed


class NonceRegistry:
    def __init__(self, max_ttl_s: float) -> None:
        self.max_ttl_s = max_ttl_s
        self._used: set[tuple[str, int]] = set()
        self._expiry: list[tuple[int, str, int]] = []

    def __len__(self) -> int:
        return len(self._used)

    def check(self, signer: str, nonce: int, expiry: int, now: float) -> None:
        """Raise unless a signature with this nonce and expiry may be used now."""
        if expiry <= now:
            raise SignatureExpired(
                f"the signature expired at {expiry} (now {int(now)}); sign again",
                field="X-GPUC-Expiry",
            )
        if expiry > now + self.max_ttl_s:
            raise AuthError(
                f"X-GPUC-Expiry {expiry} is more than {int(self.max_ttl_s)} s ahead",
                field="X-GPUC-Expiry",
            )
        if (signer.lower(), nonce) in self._used:
            raise SignatureReplayed(
                f"nonce {nonce} of {signer} was already used; every request needs a new nonce",
                field="X-GPUC-Nonce",
            )

    def use(self, signer: str, nonce: int, expiry: int) -> None:
        key = (signer.lower(), nonce)
        self._used.add(key)
        heapq.heappush(self._expiry, (expiry, key[0], nonce))

    def prune(self, now: float) -> None:
        """Forget nonces whose signatures have expired: they fail on expiry anyway."""
        while self._expiry and self._expiry[0][0] <= now:
            _, signer, nonce = heapq.heappop(self._expiry)
            self._used.discard((signer, nonce))
