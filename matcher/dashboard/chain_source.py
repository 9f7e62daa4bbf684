"""What the matcher asks of a chain: one read-only snapshot for the dashboard.

Injected into ``create_app``; ``matcher.chain_view.ProtocolChainView`` reads a real
deployment through the SDK. Without one the dashboard says that no chain is connected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from matcher.dashboard.models import ChainSnapshot


class ChainView(Protocol):
    def snapshot(self, providers: Sequence[str], wallets: Sequence[str]) -> ChainSnapshot:
        """Stakes of ``providers``, balances of ``wallets`` and recent jobs.

        Blocking (it talks to a node); the matcher calls it off the event loop. It
        reports an unreachable node in the snapshot rather than raising.
        """
        ...
