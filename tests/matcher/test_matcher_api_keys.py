"""API keys: a maximum lifetime, revocation that survives restarts, and the CLI
`gpuc matcher key create|list|revoke` (issue 13, defect 8)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from matcher_api_helpers import CHAIN_ID, LiveServer, Wallet, settings_for
from typer.testing import CliRunner

from gpuc.cli import app as gpuc
from matcher.auth.api_key import make_api_key
from matcher.book.clock import SystemClock

C = Wallet(95)
DAY = 86_400


def _gpuc(*args: str) -> Any:
    env = {"GPUC_PRIVATE_KEY": C.key, "GPUC_CHAIN_ID": str(CHAIN_ID), "GPUC_KEYSTORE": None}
    result = CliRunner().invoke(gpuc, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _batches(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/batches", headers={"Authorization": f"Bearer {key}"})


def test_keys_live_at_most_the_maximum_lifetime(sqlite_url: str) -> None:
    with LiveServer(settings_for(sqlite_url), SystemClock()) as server:
        ok = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(time.time()) + 30 * DAY)
        assert _batches(server.url, ok).status_code == 200
        forever = make_api_key(C.key, chain_id=CHAIN_ID, expiry=2**63)
        r = _batches(server.url, forever)
        assert r.status_code == 401
        assert "maximum lifetime" in r.json()["error"]["message"]


def test_cli_creates_lists_and_revokes_keys_durably(sqlite_url: str) -> None:
    settings = settings_for(sqlite_url)
    with LiveServer(settings, SystemClock()) as server:
        made = _gpuc("matcher", "key", "create", "--lifetime", str(DAY), "--matcher", server.url)
        key, key_id = made["key"], made["key_id"]
        assert made["owner"] == C.address
        assert _batches(server.url, key).status_code == 200
        listed = _gpuc("matcher", "key", "list", "--matcher", server.url)["keys"]
        assert [(k["key_id"], k["revoked_at"]) for k in listed] == [(key_id, None)]
        revoked = _gpuc("matcher", "key", "revoke", key_id, "--matcher", server.url)
        assert revoked["revoked_at"] is not None
        r = _batches(server.url, key)
        assert r.status_code == 401
        assert "revoked" in r.json()["error"]["message"]
        # A key never registered is revoked by the key itself.
        other = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(time.time()) + DAY)
        _gpuc("matcher", "key", "revoke", other, "--matcher", server.url)
        assert _batches(server.url, other).status_code == 401
    with LiveServer(settings, SystemClock()) as server:  # revocations are in the log
        assert _batches(server.url, key).status_code == 401
        assert _batches(server.url, other).status_code == 401


def test_a_wallet_cannot_revoke_anothers_key(sqlite_url: str) -> None:
    from matcher_api_helpers import send

    with (
        LiveServer(settings_for(sqlite_url), SystemClock()) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(time.time()) + DAY)
        r = send(http, time.time(), Wallet(96), "POST", "/api/market/keys/revoke", {"key": key})
        assert r.status_code == 403
        assert _batches(server.url, key).status_code == 200
