"""What the executor is asked to run, and what a kind's code sees inside the job process."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ComputeDevice", "JobRequest", "RunContext"]

ComputeDevice = Literal["cpu", "cuda"]


class JobRequest(BaseModel):
    """A matched job: its id, its spec document and, for kinds that have one, its input file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: bytes
    spec: dict[str, Any]
    inputs: bytes | None = Field(default=None, repr=False)

    @field_validator("job_id")
    @classmethod
    def _job_id_is_bytes32(cls, value: bytes) -> bytes:
        if len(value) != 32:
            raise ValueError(f"job_id must be 32 bytes, got {len(value)}")
        return value

    @property
    def kind(self) -> str:
        kind = self.spec.get("kind")
        return kind if isinstance(kind, str) else ""


class RunContext(BaseModel):
    """Handed to a kind's ``run`` function in the job process."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: dict[str, Any]
    inputs: bytes | None = Field(default=None, repr=False)
    device: ComputeDevice
    memory_bytes: int
    wall_seconds: float
    # A private scratch directory, removed after the job.
    workdir: str
    # Unique per run: names containers so a killed job's container can be removed.
    label: str
    # The provider's caps on a container task's CPUs and processes.
    container_cpus: float = 2.0
    container_pids: int = 256
