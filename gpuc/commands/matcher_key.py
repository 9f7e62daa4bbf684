"""gpuc matcher key: API keys for the matcher's OpenAI endpoints.

create  the wallet signs ApiKey(owner, expiry); the key is registered with the matcher
        (so `list` shows it) and printed once: it is a bearer credential
list    this wallet's registered keys
revoke  refuse a key from now on (by the key, or by a registered key's id)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.errors import UsageError

if TYPE_CHECKING:  # imported where used: `gpuc matcher key CMD --help` must not load web3
    from protocol.matcher_client import MatcherClient

app = typer.Typer(help="API keys for the matcher's OpenAI Batch API (create, list, revoke).")

MAX_LIFETIME_S = 31 * 86_400  # the matcher's default maximum


def _client() -> MatcherClient:
    from protocol.matcher_client import MatcherClient

    """The matcher of the common --matcher flag (GPUC_MATCHER_URL), signed by the wallet."""
    s = state()
    chain_id = s.settings.chain_id or 31337
    return MatcherClient(s.settings.matcher_url, chain_id=chain_id, wallet=s.wallet())


@app.command()
@cli_command
def create(
    lifetime: Annotated[
        int, typer.Option(min=60, help="Seconds the key stays valid (at most 31 days).")
    ] = 7 * 86_400,
) -> None:
    """Make an API key signed by the wallet, valid for --lifetime seconds."""
    if lifetime > MAX_LIFETIME_S:
        raise UsageError(f"--lifetime is at most {MAX_LIFETIME_S} s (31 days), got {lifetime}")
    s = state()
    wallet = s.wallet()
    chain_id = s.settings.chain_id or 31337
    expiry = int(time.time()) + lifetime
    from matcher.auth.api_key import api_key_digest, api_key_from_signature

    digest = api_key_digest(wallet.address, chain_id=chain_id, expiry=expiry)
    key = api_key_from_signature(wallet.address, expiry, wallet.sign_digest(digest))
    with _client() as client:
        info = client.register_api_key(key)
    s.output.result(
        {"key": key, "key_id": info.key_id, "owner": info.owner, "expires_at": info.expires_at},
        title="API key (shown once: store it like a password)",
    )


@app.command("list")
@cli_command
def list_keys() -> None:
    """This wallet's registered API keys."""
    with _client() as client:
        keys = client.api_keys()
    state().output.rows(
        title="API keys",
        columns=["key id", "expires at", "revoked at"],
        rows=[[k.key_id, k.expires_at, k.revoked_at or "-"] for k in keys],
        data={"keys": [k.model_dump() for k in keys]},
    )


@app.command()
@cli_command
def revoke(
    key: Annotated[str, typer.Argument(help="The key (gpuc_...) or a registered key's id.")],
) -> None:
    """Revoke an API key: the matcher refuses it from now on."""
    with _client() as client:
        if key.startswith("key_"):
            info = client.revoke_api_key(key_id=key)
        else:
            info = client.revoke_api_key(key=key)
    state().output.result(info.model_dump(), title="API key revoked")
