"""gpuc chain up: a local anvil chain with the contracts deployed, until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpuc.context import cli_command, state

if TYPE_CHECKING:  # imported where used: `gpuc chain CMD --help` must not load web3
    from gpuc.devnet.local_chain import DevAccount, LocalChain

app = typer.Typer(help="Run a local chain for development.")

DEFAULT_CHAIN_ID = 31337
CONSUMER_INDEX = 1
PROVIDER_INDEX = 2


def _roles(accounts: tuple[DevAccount, ...], committee: int) -> dict[int, str]:
    roles = {0: "deployer, owner, treasury", CONSUMER_INDEX: "consumer", PROVIDER_INDEX: "provider"}
    for account in accounts[len(accounts) - committee :]:
        roles[account.index] = "oracle (committee member)"
    return roles


@app.command()
@cli_command
def up(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
    accounts: Annotated[int, typer.Option(min=5, help="Funded dev accounts.")] = 10,
    committee: Annotated[
        int, typer.Option(min=1, help="Committee members (the last accounts).")
    ] = 3,
    threshold: Annotated[int, typer.Option(min=1, help="Signatures a verdict needs (k).")] = 2,
) -> None:
    """Start anvil, deploy the contracts, print accounts and addresses; Ctrl-C stops it all.

    --chain-id sets the local chain's id (default 31337)."""
    from gpuc.devnet.local_chain import LocalChain
    from protocol.deploy import deploy_and_write
    from protocol.deploy_config import DeployConfig
    from protocol.errors import LocalChainError
    from protocol.tx.sender import TxSender
    from protocol.wallet import Wallet

    s = state()
    out = s.output
    if committee > accounts - 3:
        raise LocalChainError(
            f"--committee {committee} leaves no room for deployer, consumer and provider among "
            f"{accounts} accounts: lower --committee or raise --accounts"
        )
    directory = s.settings.deployments_dir
    chain_id = s.settings.chain_id or DEFAULT_CHAIN_ID
    stop = threading.Event()
    previous = _stop_on_signals(stop)
    manifest_path: Path | None = None
    chain = LocalChain(chain_id=chain_id, port=port, accounts=accounts)
    try:
        with out.waiting("starting anvil and deploying the contracts"):
            chain.start()
            dev = chain.accounts
            members = tuple(a.address for a in dev[len(dev) - committee :])
            deployer = Wallet.from_private_key(dev[0].private_key.get_secret_value())
            config = DeployConfig(committee_members=members, committee_threshold=threshold)
            manifest, manifest_path = deploy_and_write(
                TxSender(chain.w3, deployer), config, directory
            )
        _show(chain, manifest_path, manifest.contracts, committee)
        while not stop.wait(0.5):
            if not chain.running:
                raise LocalChainError("anvil stopped unexpectedly; start the chain again")
    finally:
        chain.stop()
        _restore_signals(previous)
        if manifest_path is not None:
            manifest_path.unlink(missing_ok=True)  # the chain it describes is gone
    out.note("chain stopped; nothing left running")


def _summary(
    chain: LocalChain, manifest: Path, contracts: dict[str, Any], committee: int
) -> dict[str, Any]:
    roles = _roles(chain.accounts, committee)
    return {
        "rpc_url": chain.rpc_url,
        "chain_id": chain.chain_id,
        "pid": chain.pid,
        "manifest": str(manifest),
        "contracts": {name: record.address for name, record in contracts.items()},
        "accounts": [
            {
                "index": a.index,
                "address": a.address,
                # anvil's public test mnemonic: these keys are published, dev use only
                "private_key": a.private_key.get_secret_value(),
                "role": roles.get(a.index, "spare"),
            }
            for a in chain.accounts
        ],
    }


def _show(chain: LocalChain, manifest: Path, contracts: dict[str, Any], committee: int) -> None:
    out = state().output
    summary = _summary(chain, manifest, contracts, committee)
    if out.json_mode:
        out.result(summary)
        return
    out.result(
        {k: summary[k] for k in ("rpc_url", "chain_id", "pid", "manifest")},
        title="GPUC local chain",
    )
    out.rows(
        title="contracts", columns=("contract", "address"), rows=list(summary["contracts"].items())
    )
    out.rows(
        title="funded dev accounts (anvil's public test keys: never use them elsewhere)",
        columns=("#", "role", "address", "private key"),
        rows=[(a["index"], a["role"], a["address"], a["private_key"]) for a in summary["accounts"]],
    )
    _print_usage(chain, manifest.parent)


def _print_usage(chain: LocalChain, deployments: Path) -> None:
    out = state().output
    consumer = chain.accounts[CONSUMER_INDEX].private_key.get_secret_value()
    provider = chain.accounts[PROVIDER_INDEX].address
    out.note(
        "\nIn another shell:\n"
        f"  export GPUC_RPC_URL={chain.rpc_url}\n"
        f"  export GPUC_DEPLOYMENTS_DIR={deployments.resolve()}\n"
        f"  export GPUC_PRIVATE_KEY={consumer}   # account {CONSUMER_INDEX}, the consumer\n"
        "  gpuc credits buy 100\n"
        "  gpuc credits balance\n"
        f"  gpuc job open --provider {provider} --budget 10 --price 1 "
        '--spec \'{"kind": "matmul", "n": 256}\'\n'
        "Press Ctrl-C to stop the chain."
    )


def _stop_on_signals(stop: threading.Event) -> dict[int, Any]:
    """Ctrl-C and SIGTERM end the wait loop so the chain is stopped on the way out."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


@app.command()
@cli_command
def fund(
    address: Annotated[str, typer.Argument(help="The account to give ETH to.")],
    eth: Annotated[str, typer.Option(help="ETH to set its balance to (dev chains only).")] = "10",
) -> None:
    """Dev-chain faucet: set ADDRESS's ETH balance (anvil's anvil_setBalance), for gas and
    buying credits. Refused on any chain that is not a local development chain."""
    from gpuc.errors import GpucError
    from gpuc.parsing import parse_address, parse_amount
    from protocol.amounts import format_units
    from protocol.errors import ProtocolError
    from protocol.rpc import connect, rpc_request

    s = state()
    who = parse_address(address, "address")
    wei = parse_amount(eth, "--eth")
    w3 = connect(s.settings.rpc_url)
    chain_id = int(rpc_request(w3, "eth_chainId", [], "eth_chainId"), 16)
    if chain_id != DEFAULT_CHAIN_ID:
        raise GpucError(
            f"chain {chain_id} is not a local dev chain ({DEFAULT_CHAIN_ID}): get ETH the usual way"
        )
    try:
        rpc_request(w3, "anvil_setBalance", [who, hex(wei)], "anvil_setBalance")
    except ProtocolError as exc:
        raise GpucError(f"the node at {s.settings.rpc_url} has no dev faucet: {exc}") from None
    balance = int(rpc_request(w3, "eth_getBalance", [who, "latest"], "eth_getBalance"), 16)
    s.output.result({"address": who, "eth": format_units(balance)}, title="funded (dev chain)")
