"""A deployed dev network for tests and demos: anvil + contracts + role objects.

    with local_devnet(tmp_path) as net:
        net.fund(net.consumer, 100 * CREDIT)
        ...

Account layout (anvil's dev accounts): 0 deployer/owner/treasury, 1 consumer,
2 provider, 3 second consumer, 4 second provider, the last ``committee`` accounts
are oracle committee members. Tests isolate themselves with ``checkpoint()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gpuc.devnet.local_chain import LocalChain
from protocol.amounts import CREDIT_UNIT
from protocol.client import Protocol, TxOptions
from protocol.deploy import deploy_and_write
from protocol.deploy_config import DeployConfig
from protocol.manifest import Manifest
from protocol.roles import Consumer, OracleOperator, Provider
from protocol.tx.sender import TxSender
from protocol.wallet import Wallet

__all__ = ["CREDIT", "DevNet", "local_devnet"]

CREDIT = CREDIT_UNIT  # one GPUC in wei


class DevNet:
    """A LocalChain with the protocol deployed and a role object per dev account."""

    def __init__(
        self, chain: LocalChain, manifest: Manifest, manifest_path: Path, committee: int
    ) -> None:
        self.chain = chain
        self.manifest = manifest
        self.manifest_path = manifest_path
        self.protocol = Protocol(chain.w3, manifest, TxOptions(timeout=30.0))
        self.wallets = [
            Wallet.from_private_key(a.private_key.get_secret_value()) for a in chain.accounts
        ]
        self.deployer = self.wallets[0]
        self.consumer = Consumer(self.protocol, self.wallets[1])
        self.provider = Provider(self.protocol, self.wallets[2])
        self.consumer2 = Consumer(self.protocol, self.wallets[3])
        self.provider2 = Provider(self.protocol, self.wallets[4])
        self.oracles = [OracleOperator(self.protocol, w) for w in self.wallets[-committee:]]

    # ------------------------------------------------------------------ money

    def fund(self, role: Consumer | Provider, credits: int) -> None:
        """Buy at least ``credits`` GPUC wei for ``role``'s account."""
        Consumer(self.protocol, role.wallet, role.sender).buy_exact_credits(credits)

    def fund_and_stake(self, provider: Provider, credits: int) -> None:
        self.fund(provider, credits)
        provider.stake(credits)

    # ------------------------------------------------------------------ time and state

    def advance(self, seconds: int) -> None:
        """Move chain time forward and mine a block carrying it."""
        self.chain.increase_time(seconds)
        self.chain.mine()

    def snapshot(self) -> str:
        return self.chain.snapshot()

    def revert(self, snapshot_id: str) -> None:
        """Back to ``snapshot_id``; local nonce counters and fee caches start over."""
        self.chain.revert(snapshot_id)
        self.protocol.nonces.forget_all()
        self.protocol.fees.invalidate()

    @contextmanager
    def checkpoint(self) -> Iterator[DevNet]:
        """Undo everything done inside the block."""
        snapshot = self.snapshot()
        try:
            yield self
        finally:
            self.revert(snapshot)


@contextmanager
def local_devnet(
    deployments_dir: Path,
    *,
    chain_id: int = 31337,
    committee: int = 3,
    threshold: int = 2,
    config: DeployConfig | None = None,
) -> Iterator[DevNet]:
    """Start anvil, deploy (manifest into ``deployments_dir``), yield; stop on exit."""
    with LocalChain(chain_id=chain_id) as chain:
        deployer = Wallet.from_private_key(chain.accounts[0].private_key.get_secret_value())
        members = tuple(a.address for a in chain.accounts[-committee:])
        base = config or DeployConfig()
        full = base.model_copy(
            update={"committee_members": members, "committee_threshold": threshold}
        )
        manifest, path = deploy_and_write(TxSender(chain.w3, deployer), full, deployments_dir)
        yield DevNet(chain, manifest, path, committee)
