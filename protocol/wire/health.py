"""The one health path every GPUC HTTP service answers (matcher, oracle, provider result
server, LLM provider, gateway): 200 with {"status": "ok", ...} while it can serve, else
503 where the service can tell (the oracle: {"status": "degraded", ...})."""

from __future__ import annotations

__all__ = ["HEALTH_PATH"]

HEALTH_PATH = "/health"
