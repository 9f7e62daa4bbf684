"""The ``container`` job spec: an image and the command to run in it.

docs/protocol-types.md names the document; ``protocol.compute`` has no
reference execution for it (its result cannot be recomputed by a verifier),
so its type lives with the only code that runs it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from provider.errors import ContainerSpecInvalid

__all__ = ["MAX_COMMAND_ARGS", "ContainerSpec", "parse_container_spec"]

MAX_COMMAND_ARGS = 256
# A Docker reference: [registry/]name[:tag][@digest]; must not start with "-" so it
# can never be read as a docker flag.
_IMAGE = (
    r"^[a-z0-9][a-z0-9._-]*(:[0-9]{1,5})?(/[a-z0-9][a-z0-9._-]*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$"
)


class ContainerSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    kind: Literal["container"]
    image: str = Field(min_length=1, max_length=512, pattern=_IMAGE)
    command: list[str] = Field(default_factory=list, max_length=MAX_COMMAND_ARGS)


def parse_container_spec(document: dict[str, Any]) -> ContainerSpec:
    try:
        spec = ContainerSpec.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'spec'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ContainerSpecInvalid(f"invalid container job spec: {problems}") from None
    if any("\x00" in arg for arg in spec.command):
        raise ContainerSpecInvalid("invalid container job spec: command holds a NUL character")
    return spec
