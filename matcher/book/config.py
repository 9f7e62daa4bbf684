"""Tunables of the book; defaults follow design.md section 5."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BookConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    heartbeat_ttl_s: float = Field(default=60.0, gt=0)
    # An offer's capacity is sold this far ahead: it can take capacity * horizon units
    # minus what it already owes.
    horizon_s: float = Field(default=3600.0, gt=0)
    demand_window_s: float = Field(default=60.0, gt=0)
    ema_tau_s: float = Field(default=30.0, gt=0)
    sample_interval_s: float = Field(default=10.0, gt=0)
    history_s: float = Field(default=86_400.0, gt=0)
    # Resting bids examined past one that cannot fill (min job size, all-or-none)
    # before the book gives up for this event; bounds the work of one match.
    resting_scan_limit: int = Field(default=8, ge=1)
    accept_window_s: int = Field(default=300, gt=0)
    deadline_grace_s: int = Field(default=600, ge=0)
    # A filled or cancelled order (not a batch's) and its fills leave memory this long
    # after they finished: memory follows the live market, not all of history.
    order_retention_s: float = Field(default=7 * 86_400.0, gt=0)
