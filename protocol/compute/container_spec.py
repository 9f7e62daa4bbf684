"""The ``container`` job spec: an image, a command, resource requests and whether
the task is deterministic (docs/protocol-types.md).

The provider runs it (capping the requests by its own configuration) and, for
a deterministic task, the oracles may run it again and compare output hashes
(or numbers within ``tolerance``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from protocol.compute.errors import InvalidJobSpec
from protocol.job_spec import spec_hash

__all__ = [
    "MAX_COMMAND_ARGS",
    "MAX_CONTAINER_SECONDS",
    "ContainerSpec",
    "container_units",
    "parse_container_spec",
]

MAX_COMMAND_ARGS = 256
MAX_CONTAINER_SECONDS = 7 * 24 * 3600
# An image reference: [registry/]name[:tag][@digest]; never starts with "-", so it
# can never be read as an engine flag.
# Or an image id, ``sha256:<64 hex>`` (the one form allowed with ``image_archive``).
_IMAGE = (
    r"^([a-z0-9][a-z0-9._-]*(:[0-9]{1,5})?(/[a-z0-9][a-z0-9._-]*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?|sha256:[0-9a-f]{64})$"
)


class ContainerSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    kind: Literal["container"]
    image: str = Field(min_length=1, max_length=512, pattern=_IMAGE)
    command: list[str] = Field(default_factory=list, max_length=MAX_COMMAND_ARGS)
    # Same image + command + inputs give the same files in /out (up to ``tolerance``):
    # the oracles may re-run it and a mismatch is the provider's fault.
    deterministic: bool = False
    # For ``.npy`` outputs of a deterministic task: |a - b| <= tolerance * (1 + |b|).
    # None: every output file must be byte-identical.
    tolerance: float | None = Field(default=None, ge=0.0, le=1.0)
    # The most wall seconds the consumer buys (the job is worth at most this many units).
    max_seconds: int = Field(default=600, ge=1, le=MAX_CONTAINER_SECONDS)
    # Requests; the provider caps each by its own configuration.
    memory_mib: int = Field(default=512, ge=16, le=1024 * 1024)
    cpus: float = Field(default=1.0, gt=0.0, le=256.0)
    pids: int = Field(default=128, ge=8, le=65536)
    # keccak256 of the input file, mounted read-only at /in/inputs.bin.
    inputs_hash: str | None = Field(default=None, pattern=r"^0x[0-9a-f]{64}$")
    # The consumer's image: keccak256 of a chunked-document manifest
    # (protocol.chunked_documents) whose file is an OCI/Docker image archive holding the
    # image ``image`` names by id. None: ``image`` is already on the provider's engine.
    image_archive: str | None = Field(default=None, pattern=r"^0x[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _archive_names_its_image(self) -> ContainerSpec:
        if self.image_archive is not None and not self.image.startswith("sha256:"):
            raise ValueError(
                "with image_archive, image is the archive's image id, sha256:<64 hex> "
                "(gpuc buy --image-archive fills both in)"
            )
        return self

    def as_json(self) -> dict[str, Any]:
        """The canonical document (every field, defaults included, but ``image_archive``
        only when set, so specs without one hash as before): the form that is published
        and hashed into the job's terms."""
        document = self.model_dump(mode="json")
        if document["image_archive"] is None:
            del document["image_archive"]
        return document

    def hash(self) -> bytes:
        return spec_hash(self.as_json())

    @property
    def inputs_digest(self) -> bytes | None:
        return None if self.inputs_hash is None else bytes.fromhex(self.inputs_hash[2:])

    @property
    def image_archive_digest(self) -> bytes | None:
        return None if self.image_archive is None else bytes.fromhex(self.image_archive[2:])


def parse_container_spec(document: dict[str, Any]) -> ContainerSpec:
    """Validate a container spec document; raises InvalidJobSpec naming the bad field."""
    if not isinstance(document, dict):
        raise InvalidJobSpec(f"a job spec is a JSON object, got {type(document).__name__}")
    try:
        spec = ContainerSpec.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'spec'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidJobSpec(f"invalid container job spec: {problems}") from None
    if any("\x00" in arg for arg in spec.command):
        raise InvalidJobSpec("invalid container job spec: command holds a NUL character")
    return spec


def container_units(wall_seconds: float) -> int:
    """CPU- (or GPU-) seconds of wall time: whole seconds, rounded up, at least one."""
    return max(1, math.ceil(wall_seconds))
