"""Provider reputation: the pure score, the routing rule built on it, and (in ``chain``)
the reader that builds a provider's history from escrow events. docs/reputation.md."""

from protocol.reputation.history import (
    AcceptSample,
    DeliverySample,
    JobOutcome,
    OutcomeKind,
    ProviderHistory,
    UptimeSample,
)
from protocol.reputation.routing import (
    MAX_RELIABILITY_WEIGHT,
    Candidate,
    RoutingPreference,
    effective_price,
    eligible,
    rank,
)
from protocol.reputation.score import Reputation, ReputationParts, ScoreConfig, score

__all__ = [
    "MAX_RELIABILITY_WEIGHT",
    "AcceptSample",
    "Candidate",
    "DeliverySample",
    "JobOutcome",
    "OutcomeKind",
    "ProviderHistory",
    "Reputation",
    "ReputationParts",
    "RoutingPreference",
    "ScoreConfig",
    "UptimeSample",
    "effective_price",
    "eligible",
    "rank",
    "score",
]
