"""A provider's reputation: a score in [0, 1] with its parts (pure; docs/reputation.md).

Each part is a recency-weighted mean of per-observation values in [0, 1], pulled towards a
neutral prior by a few pseudo-observations, so that a newcomer starts at the prior and a
handful of jobs cannot swing it to either end:

    part = (prior * prior_weight + sum(w_i * v_i)) / (prior_weight + sum(w_i))
    w_i  = kind_weight * 0.5 ** (age_i / half_life)

The score is the weighted mean of the parts. It belongs to the staked address the history
was read for; an address with no stake scores 0 (a fresh key is not free reputation: it
starts at the prior, flagged provisional, and must stake to be routed to at all).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from protocol.reputation.history import OutcomeKind, ProviderHistory

__all__ = ["OUTCOME_VALUES", "Reputation", "ReputationParts", "ScoreConfig", "score"]

# What each outcome says about reliability, and how much it counts (a fraud verdict
# counts three times: it is the one outcome the provider chose).
OUTCOME_VALUES: dict[OutcomeKind, tuple[float, float]] = {
    OutcomeKind.SETTLED: (1.0, 1.0),
    OutcomeKind.SETTLED_AFTER_DISPUTE: (0.75, 1.0),
    OutcomeKind.NOT_ACCEPTED: (0.2, 1.0),
    OutcomeKind.SLASHED_NON_DELIVERY: (0.0, 1.0),
    OutcomeKind.SLASHED_FAULT: (0.0, 3.0),
}


class ScoreConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prior: float = Field(default=0.5, ge=0, le=1)
    prior_weight: float = Field(default=2.0, gt=0)  # pseudo-observations per part
    half_life_s: float = Field(default=14 * 86_400.0, gt=0)
    min_observations: int = Field(default=5, ge=0)  # jobs before the score is not provisional
    latency_ref_s: float = Field(default=30.0, gt=0)  # an accept this slow scores 0.5
    uptime_unit_s: float = Field(default=3600.0, gt=0)  # an hour of uptime is one observation
    weight_reliability: float = Field(default=0.6, ge=0)
    weight_uptime: float = Field(default=0.15, ge=0)
    weight_latency: float = Field(default=0.1, ge=0)
    weight_timeliness: float = Field(default=0.15, ge=0)


class ReputationParts(BaseModel):
    model_config = ConfigDict(frozen=True)

    reliability: float
    uptime: float
    latency: float
    timeliness: float


class Reputation(BaseModel):
    """The score, its parts and how much evidence is behind it."""

    model_config = ConfigDict(frozen=True)

    provider: str
    score: float = Field(ge=0, le=1)
    parts: ReputationParts
    jobs: int  # outcomes observed
    completed: int  # settled (with or without a dispute)
    failed: int  # not accepted, slashed
    observations: float  # recency-weighted outcome count
    provisional: bool  # fewer than min_observations jobs: mostly the prior
    staked: bool

    @property
    def failure_probability(self) -> float:
        """Expected chance a job given to this provider fails (1 - reliability)."""
        return 1.0 - self.parts.reliability


def _recency(at: float, now: float, half_life_s: float) -> float:
    return float(0.5 ** (max(0.0, now - at) / half_life_s))


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _part(samples: Iterable[tuple[float, float]], config: ScoreConfig) -> tuple[float, float]:
    """(weighted mean with the prior, total sample weight) of (weight, value) pairs."""
    total = 0.0
    weighted = 0.0
    for weight, value in samples:
        total += weight
        weighted += weight * _clamp(value)
    part = (config.prior * config.prior_weight + weighted) / (config.prior_weight + total)
    return _clamp(part), total


def _timeliness(window_used: float) -> float:
    """1 up to half the window, then falling linearly to 0 at the deadline."""
    return 1.0 if window_used <= 0.5 else _clamp(2.0 * (1.0 - window_used))


def score(history: ProviderHistory, now: float, config: ScoreConfig | None = None) -> Reputation:
    """The reputation of ``history``'s provider as of ``now`` (unix seconds)."""
    cfg = config or ScoreConfig()
    hl = cfg.half_life_s
    reliability, observations = _part(
        (
            (OUTCOME_VALUES[o.kind][1] * _recency(o.at, now, hl), OUTCOME_VALUES[o.kind][0])
            for o in history.outcomes
        ),
        cfg,
    )
    uptime, _ = _part(
        (
            (_recency(u.at, now, hl) * u.period_s / cfg.uptime_unit_s, u.uptime)
            for u in history.uptime
        ),
        cfg,
    )
    latency, _ = _part(
        (
            (_recency(a.at, now, hl), cfg.latency_ref_s / (cfg.latency_ref_s + a.latency_s))
            for a in history.accepts
        ),
        cfg,
    )
    timeliness, _ = _part(
        ((_recency(d.at, now, hl), _timeliness(d.window_used)) for d in history.deliveries),
        cfg,
    )
    parts = ReputationParts(
        reliability=reliability, uptime=uptime, latency=latency, timeliness=timeliness
    )
    weights = (
        (cfg.weight_reliability, reliability),
        (cfg.weight_uptime, uptime),
        (cfg.weight_latency, latency),
        (cfg.weight_timeliness, timeliness),
    )
    total_weight = sum(w for w, _ in weights)
    value = sum(w * p for w, p in weights) / total_weight if total_weight > 0 else cfg.prior
    completed = sum(
        o.kind in (OutcomeKind.SETTLED, OutcomeKind.SETTLED_AFTER_DISPUTE) for o in history.outcomes
    )
    failed = sum(
        o.kind
        in (
            OutcomeKind.NOT_ACCEPTED,
            OutcomeKind.SLASHED_NON_DELIVERY,
            OutcomeKind.SLASHED_FAULT,
        )
        for o in history.outcomes
    )
    return Reputation(
        provider=history.provider,
        score=_clamp(value) if history.staked else 0.0,
        parts=parts,
        jobs=len(history.outcomes),
        completed=completed,
        failed=failed,
        observations=observations,
        provisional=len(history.outcomes) < cfg.min_observations,
        staked=history.staked,
    )
