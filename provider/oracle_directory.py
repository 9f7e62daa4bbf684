"""Where the committee's oracles listen, kept current while the agent runs.

The URLs are the configured ones plus every committee member's published URL (the
matcher's ``/api/oracles`` list, only addresses the chain says are members:
protocol.oracle_endpoints). They are read again every ``refresh_s`` seconds and at
once when a receipt finds an oracle down, so a member that joined after the agent
started gets receipts, and one that moved is found at its new URL. A failed read keeps
the last list (the matcher or the chain may be briefly away).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import httpx

from protocol.oracle_endpoints import DEFAULT_REFRESH_S, MemberEndpoints, merged_oracle_urls
from protocol.wire.oracle import OracleAnswer, ReceiptSubmission, post_receipt
from provider.agent_log import AgentLog

__all__ = ["DEFAULT_REFRESH_S", "OracleDirectory", "deliver_receipt"]

Discover = Callable[[], dict[str, str | None]]


class OracleDirectory:
    def __init__(
        self,
        configured: Sequence[str],
        discover: Discover | None,
        log: AgentLog,
        *,
        refresh_s: float = DEFAULT_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configured = tuple(configured)
        self.refresh_s = refresh_s
        self._log = log
        self._members = (
            None
            if discover is None
            else MemberEndpoints(
                discover,
                refresh_s=refresh_s,
                clock=clock,
                on_change=self._changed,
                on_error=lambda exc: log.event(
                    "oracles_refresh_failed", error=type(exc).__name__, detail=str(exc)
                ),
            )
        )

    def urls(self) -> list[str]:
        """The current list, read again first when ``refresh_s`` has passed."""
        found = {} if self._members is None else self._members.current()
        return merged_oracle_urls(self.configured, found)

    def refresh(self) -> list[str]:
        """Read the members' endpoints now; the new list (the old one if the read fails)."""
        found = {} if self._members is None else self._members.refresh()
        return merged_oracle_urls(self.configured, found)

    def _changed(self, found: dict[str, str | None]) -> None:
        urls = merged_oracle_urls(self.configured, found)
        self._log.event("oracles_discovered", members=found, oracle_urls=urls)


def deliver_receipt(
    oracles: OracleDirectory,
    submission: ReceiptSubmission,
    http: httpx.Client,
    retry_s: float = 20.0,
    pause_s: float = 1.0,
) -> list[OracleAnswer]:
    """POST the submission to every oracle the directory knows, and keep offering it for
    ``retry_s`` to those that did not answer or answered 5xx (restarting). When one
    fails the members' endpoints are read again at once, so an oracle that joined or
    moved since the last read gets the receipt too. One answer per oracle tried."""
    deadline = time.monotonic() + retry_s
    pending = oracles.urls()
    final: dict[str, OracleAnswer] = {}
    while True:
        for answer in post_receipt(pending, submission, http):
            final[answer.url] = answer
        pending = [u for u, a in final.items() if a.status is None or a.status >= 500]
        if pending:
            pending += [u for u in oracles.refresh() if u not in final]
        if not pending or time.monotonic() > deadline:
            return list(final.values())
        time.sleep(pause_s)
