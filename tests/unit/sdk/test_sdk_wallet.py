"""Wallets: keystore round trip, env keys, and no key material in any output."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from eth_account import Account

from protocol.errors import WalletError
from protocol.wallet import Wallet

KEY = "0x" + "4c" * 32
ADDRESS = Account.from_key(KEY).address


def test_keystore_round_trip(tmp_path: Path) -> None:
    path = Wallet.from_private_key(KEY).to_keystore(
        tmp_path / "k.json", "s3cret", kdf="pbkdf2", iterations=1000
    )
    data = json.loads(path.read_text())
    assert data["version"] == 3
    assert "4c4c" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Wallet.from_keystore(path, password="s3cret").address == ADDRESS


def test_default_scrypt_keystore_round_trip(tmp_path: Path) -> None:
    path = Wallet.from_private_key(KEY).to_keystore(tmp_path / "k.json", "pw")
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    assert Wallet.from_keystore(path, password="pw").address == ADDRESS


def test_password_from_env_then_prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Wallet.from_private_key(KEY).to_keystore(
        tmp_path / "k.json", "pw", kdf="pbkdf2", iterations=1000
    )
    monkeypatch.setenv("MY_PW", "pw")
    assert Wallet.from_keystore(path, password_env="MY_PW").address == ADDRESS
    monkeypatch.delenv("MY_PW")
    asked: list[bool] = []

    def prompt() -> str:
        asked.append(True)
        return "pw"

    assert Wallet.from_keystore(path, password_env="MY_PW", prompt=prompt).address == ADDRESS
    assert asked == [True]
    with pytest.raises(WalletError, match="needs a password: set MY_PW"):
        Wallet.from_keystore(path, password_env="MY_PW")


def test_wrong_password_and_bad_files_are_clear(tmp_path: Path) -> None:
    path = Wallet.from_private_key(KEY).to_keystore(
        tmp_path / "k.json", "right", kdf="pbkdf2", iterations=1000
    )
    with pytest.raises(WalletError, match="wrong password") as wrong:
        Wallet.from_keystore(path, password="wrong")
    assert "right" not in str(wrong.value) and "wrong" in str(wrong.value)
    with pytest.raises(WalletError, match="does not exist"):
        Wallet.from_keystore(tmp_path / "missing.json", password="x")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(WalletError, match="not readable JSON"):
        Wallet.from_keystore(tmp_path / "junk.json", password="x")
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(WalletError, match="not a JSON v3 keystore"):
        Wallet.from_keystore(tmp_path / "other.json", password="x")
    with pytest.raises(WalletError, match="exists already"):
        Wallet.from_private_key(KEY).to_keystore(path, "pw")
    with pytest.raises(WalletError, match="empty password"):
        Wallet.from_private_key(KEY).to_keystore(tmp_path / "new.json", "")


def test_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", KEY)
    assert Wallet.from_env("K").address == ADDRESS
    monkeypatch.setenv("K", "0x1234zz")
    with pytest.raises(WalletError, match="K does not hold a private key") as bad:
        Wallet.from_env("K")
    assert "1234zz" not in str(bad.value)
    monkeypatch.delenv("K")
    with pytest.raises(WalletError, match="set K"):
        Wallet.from_env("K")


def test_the_key_is_never_shown() -> None:
    wallet = Wallet.from_private_key(KEY)
    for text in (repr(wallet), str(wallet), f"{wallet}"):
        assert "4c4c" not in text
        assert ADDRESS in text
    assert not hasattr(wallet, "__dict__")  # no attribute dump can leak it
