"""The limits one job process runs under."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MIB", "ResourceLimits"]

MIB = 1024 * 1024


class ResourceLimits(BaseModel):
    """Wall time, address space (RLIMIT_AS, or a container's --memory) and result size."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall_seconds: float = Field(default=600.0, gt=0, le=7 * 24 * 3600)
    # Address space, not resident memory: numpy/torch reserve virtual memory they
    # never touch, so this is set well above what a job really needs.
    memory_bytes: int = Field(default=8 * 1024 * MIB, ge=64 * MIB)
    max_result_bytes: int = Field(default=1024 * MIB, ge=1)
    # Caps on what a container task's spec may ask for (its memory is capped by
    # ``memory_bytes``).
    container_cpus: float = Field(default=2.0, gt=0)
    container_pids: int = Field(default=256, ge=8)
