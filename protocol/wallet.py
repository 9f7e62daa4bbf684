"""Signing keys: an encrypted JSON v3 keystore or a hex key in an environment variable.

A Wallet never shows its key: repr/str print the address only, and no error message
quotes key material or passwords.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from eth_account import Account
from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount

from protocol.errors import WalletError
from protocol.typed_data import sign_digest

__all__ = ["DEFAULT_KEY_ENV", "DEFAULT_PASSWORD_ENV", "Wallet"]

DEFAULT_KEY_ENV = "GPUC_PRIVATE_KEY"
DEFAULT_PASSWORD_ENV = "GPUC_KEYSTORE_PASSWORD"


class Wallet:
    """One account's key, used only to sign."""

    __slots__ = ("_account",)

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    def __repr__(self) -> str:
        return f"Wallet({self.address})"

    __str__ = __repr__

    # ------------------------------------------------------------------ sources

    @classmethod
    def from_private_key(cls, key: str | bytes) -> Wallet:
        try:
            return cls(Account.from_key(key))
        except (ValueError, TypeError) as exc:
            # The message names the problem only: the value itself is never echoed.
            raise WalletError(
                "the private key is not 32 bytes of hex (0x followed by 64 hex digits)"
            ) from exc

    @classmethod
    def from_env(cls, var: str = DEFAULT_KEY_ENV) -> Wallet:
        value = os.environ.get(var, "").strip()
        if not value:
            raise WalletError(f"no private key: set {var} to a hex key or use a keystore file")
        try:
            return cls.from_private_key(value)
        except WalletError as exc:
            raise WalletError(f"{var} does not hold a private key: {exc}") from None

    @classmethod
    def from_keystore(
        cls,
        path: Path,
        *,
        password: str | None = None,
        password_env: str = DEFAULT_PASSWORD_ENV,
        prompt: Callable[[], str] | None = None,
    ) -> Wallet:
        """Decrypt ``path``. The password is ``password``, else ``$password_env``, else
        ``prompt()``; with none of them the call fails rather than block."""
        keystore = _read_keystore(path)
        if password is None:
            password = os.environ.get(password_env)
        if password is None and prompt is not None:
            password = prompt()
        if password is None:
            raise WalletError(
                f"keystore {path} needs a password: set {password_env} or run interactively"
            )
        try:
            key = Account.decrypt(keystore, password)
        except ValueError as exc:
            raise WalletError(f"wrong password for keystore {path} (MAC mismatch)") from exc
        return cls(Account.from_key(key))

    def to_keystore(
        self,
        path: Path,
        password: str,
        *,
        kdf: Literal["scrypt", "pbkdf2"] = "scrypt",
        iterations: int | None = None,
    ) -> Path:
        """Write an encrypted JSON v3 keystore (mode 0600); refuses to overwrite."""
        if not password:
            raise WalletError("refusing to write a keystore with an empty password")
        encrypted = Account.encrypt(self._account.key, password, kdf=kdf, iterations=iterations)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise WalletError(f"{path} exists already: choose another path") from None
        with os.fdopen(fd, "w") as handle:
            json.dump(encrypted, handle)
        return path

    # ------------------------------------------------------------------ use

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction:
        return self._account.sign_transaction(tx)

    def sign_digest(self, digest: bytes) -> bytes:
        """65-byte low-s signature of an EIP-712 digest."""
        return sign_digest(self._account.key, digest)


def _read_keystore(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise WalletError(f"keystore {path} does not exist: check the path") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise WalletError(
            f"keystore {path} is not readable JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict) or "crypto" not in {k.lower() for k in data}:
        raise WalletError(f"{path} is not a JSON v3 keystore (no 'crypto' section)")
    return data
