"""gpuc up: the whole marketplace on this machine until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpuc.context import cli_command, state
from protocol.amounts import format_units

if TYPE_CHECKING:  # imported where used: `gpuc up --help` must not load web3
    from gpuc.market.local_market import LocalMarket


@cli_command
def up(
    dispute_window: Annotated[
        int, typer.Option(min=1, help="Seconds a delivered result can be disputed.")
    ] = 60,
    block_time: Annotated[
        int, typer.Option(min=1, help="Also mine an empty block every N s (txs mine at once).")
    ] = 1,
    llm: Annotated[
        bool, typer.Option(help="Also run an LLM provider serving Gemma 3 270M per token.")
    ] = True,
) -> None:
    """Chain + contracts, a 2-of-3 oracle committee, the matcher with its dashboard, three
    providers (fixed, cost-based and sigmoid pricing) and a funded dev consumer whose
    matched jobs are opened on chain. Ctrl-C (or SIGTERM) stops every part."""
    from gpuc.market.local_market import LocalMarket
    from gpuc.market.plan import LLMProviderPlan, MarketPlan

    out = state().output
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    llm_providers = (LLMProviderPlan(name="gemma", account=3),) if llm else ()
    market = LocalMarket(
        MarketPlan(
            dispute_window_s=dispute_window, block_time_s=block_time, llm_providers=llm_providers
        )
    )
    try:
        with out.waiting("starting chain, oracles, matcher and providers"):
            market.start()
        _show(market)
        while not stop.wait(1.0):
            if market.chain is None or not market.chain.running:
                out.note("anvil stopped; shutting down")
                break
    finally:
        # Ctrl-C during the shutdown must not leave half of it running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        market.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
    out.note("marketplace stopped; nothing left running")


def summary(market: LocalMarket) -> dict[str, Any]:
    assert market.chain is not None and market.oracles is not None
    return {
        "rpc_url": market.chain.rpc_url,
        "chain_id": market.protocol.chain_id,
        "manifest": str(market.manifest_path),
        "market_file": str(market.summary_path),
        "matcher": market.matcher_url,
        "dashboard": market.matcher_url + "/dashboard/",
        "openai_base_url": market.matcher_url + "/v1",
        "documents": market.documents_url,
        "oracles": market.oracles.urls,
        "consumer": market.consumer_wallet.address,
        "consumer_api_key": market.api_key(),
        "providers": {
            name: {"address": p.address, "pid": p.child.pid, "log": str(p.child.log_path)}
            for name, p in market.providers.items()
        },
        "llm_providers": [url for url, _ in market.llm_providers.values()],
        "pids": market.child_pids(),
    }


def _show(market: LocalMarket) -> None:
    out = state().output
    data = summary(market)
    if out.json_mode:
        out.result(data)
        return
    out.result(
        {k: data[k] for k in ("rpc_url", "chain_id", "matcher", "dashboard", "openai_base_url")},
        title="GPUC marketplace",
    )
    committee = [w.address for w in market.wallets[-market.plan.committee :]]
    rows = [("consumer", data["consumer"], _credits(market, data["consumer"]), "")]
    for name, running in market.providers.items():
        status = market.protocol.provider_status(running.address)
        rows.append(
            (f"provider ({name})", running.address, _credits(market, running.address),
             f"staked {format_units(status.free + status.locked)} GPUC")
        )  # fmt: skip
    for name, (url, _) in market.llm_providers.items():
        llm_wallet = market.wallets[
            next(p.account for p in market.plan.llm_providers if p.name == name)
        ]
        rows.append((f"llm provider ({name})", llm_wallet.address, "", url))
    for url, address in zip(data["oracles"], committee, strict=True):
        rows.append(("oracle", address, "", url))
    out.rows(
        title="accounts (anvil's public test keys: never use them elsewhere)",
        columns=("role", "address", "GPUC", "notes"),
        rows=rows,
    )
    key = market.chain.accounts[market.plan.consumer_account].private_key.get_secret_value()  # type: ignore[union-attr]
    out.note(
        "\nTry it (another shell):\n"
        f"  export GPUC_RPC_URL={data['rpc_url']} GPUC_MANIFEST={data['manifest']}\n"
        f"  export GPUC_MATCHER_URL={data['matcher']}\n"
        f"  export GPUC_PRIVATE_KEY={key}   # the dev consumer\n"
        '  gpuc buy matmul --max-price 0.05 --spec \'{"kind": "matmul", "n": 128, '
        '"seed_a": 1, "seed_b": 2, "dtype": "float32"}\'\n'
        f"  gpuc demo --market {data['market_file']}\n"
        f"  OpenAI client: base_url={data['openai_base_url']} api_key={data['consumer_api_key']}\n"
        "  (batches: metadata={'max_price_wei': ...}; the dev consumer's fills are opened"
        " on chain for you)\n"
        + (
            "  LLM per token: gpuc gateway"
            + "".join(f" --oracle {url}" for url in data["oracles"])
            + "\n    (finds the LLM offers in the book and reports sessions to the oracles;"
            " then base_url=http://127.0.0.1:8300/v1)\n"
            if data["llm_providers"]
            else ""
        )
        + "Press Ctrl-C to stop everything."
    )


def _credits(market: LocalMarket, address: str) -> str:
    return format_units(market.protocol.credit_balance(address))
