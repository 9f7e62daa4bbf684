"""What the agent checks before it offers anything: that it could serve a matched job.

An agent that cannot fetch job documents, reach an oracle or load the embedding model
would still win fills, accept nothing (or fail every job) and leave consumers' budgets
locked until their deadlines. So at start:

- every offer's kind has what it needs on this machine (embeddings: the model packages);
- at least one document source answers (the spec of every judged job comes from there);
- at least one oracle answers /health (receipts go there; without one nothing settles).

Offers whose kind cannot run here are dropped (and said so); a missing document source
or oracle refuses the whole start. ``problems`` is pure over the answers it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.util import find_spec

import httpx

from protocol.wire.health import HEALTH_PATH
from provider.agent_config import AgentConfig, OfferConfig
from provider.execution.kinds.embeddings import MODEL_PACKAGES

__all__ = ["SelfCheck", "run_self_check", "unservable_offers"]

_ZERO_REF = "0x" + "00" * 32  # a document nobody has: a live store answers 404


class SelfCheck:
    """The outcome: offers kept, offers dropped (with why), and fatal problems."""

    def __init__(
        self, kept: tuple[OfferConfig, ...], dropped: dict[str, str], fatal: list[str]
    ) -> None:
        self.kept = kept
        self.dropped = dropped
        self.fatal = fatal


def unservable_offers(
    offers: Sequence[OfferConfig], installed: Callable[[str], bool]
) -> dict[str, str]:
    """resource -> why, for offers whose kind cannot run on this machine."""
    missing = [name for name in MODEL_PACKAGES if not installed(name)]
    return {
        o.resource: f"the embedding model needs {', '.join(missing)} (not installed)"
        for o in offers
        if o.kind == "embeddings" and missing
    }


def _answers(http: httpx.Client, url: str, ok: Callable[[int], bool]) -> str | None:
    """None when ``url`` answers as a live service would; else the problem."""
    try:
        status = http.get(url, timeout=5.0).status_code
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__} {exc}".strip()
    return None if ok(status) else f"{url}: HTTP {status}"


def run_self_check(config: AgentConfig, http: httpx.Client) -> SelfCheck:
    dropped = unservable_offers(config.offers, lambda name: find_spec(name) is not None)
    kept = tuple(o for o in config.offers if o.resource not in dropped)
    fatal = []
    if not kept:
        fatal.append("no offer can be served on this machine")
    if not config.document_sources:
        fatal.append(
            "document_sources is empty: jobs' specs and input files come from there "
            "(the matcher's store is <matcher_url>/documents)"
        )
    else:
        problems = [
            p
            for source in config.document_sources
            if (p := _answers(http, f"{source.rstrip('/')}/{_ZERO_REF}", lambda s: s in (200, 404)))
        ]
        if len(problems) == len(config.document_sources):
            fatal.append("no document source answers: " + "; ".join(problems))
    problems = [
        p
        for url in config.oracle_urls
        if (p := _answers(http, f"{url.rstrip('/')}{HEALTH_PATH}", lambda s: s < 500 or s == 503))
    ]
    if len(problems) == len(config.oracle_urls):
        fatal.append("no oracle answers (receipts could not be delivered): " + "; ".join(problems))
    return SelfCheck(kept, dropped, fatal)
