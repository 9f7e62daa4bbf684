"""Forge a job's result the way a dishonest provider would (``--cheat``).

Pure: takes the honest result and units and returns forged ones, so tests and
demos can show that the verifiers catch each kind of lie and the escrow slashes.

Development only: `gpuc provider run --cheat` (or ``cheat = true`` in the agent config)
hands :func:`forging_tamper` to the agent as its ``result_tamper``; the provider package
itself holds no cheat code.
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from protocol.compute.container_result import pack_result, unpack_result
from protocol.compute.errors import MalformedArray, MalformedContainerResult
from protocol.compute.npy_codec import decode_npy, encode_npy
from provider.errors import ForgeryError

__all__ = ["DEFAULT_STRATEGY", "ForgedResult", "ForgeryStrategy", "forge", "strategies_for"]

INFLATION_FACTOR = 10


class ForgeryStrategy(StrEnum):
    WRONG_ENTRIES = "wrong_entries"  # a few values changed by far more than float noise
    RANDOM = "random"  # no work done: random values of the right shape
    SHUFFLED = "shuffled"  # right rows, wrong order (embeddings)
    TRUNCATED = "truncated"  # half the result dropped
    INFLATED_UNITS = "inflated_units"  # honest result, ten times the units claimed
    FABRICATED = "fabricated"  # container: made-up output files in a well-formed archive


_ARRAY_STRATEGIES = (
    ForgeryStrategy.WRONG_ENTRIES,
    ForgeryStrategy.RANDOM,
    ForgeryStrategy.TRUNCATED,
    ForgeryStrategy.INFLATED_UNITS,
)
_STRATEGIES: dict[str, tuple[ForgeryStrategy, ...]] = {
    "matmul": _ARRAY_STRATEGIES,
    "embeddings": (*_ARRAY_STRATEGIES, ForgeryStrategy.SHUFFLED),
    "container": (
        ForgeryStrategy.FABRICATED,
        ForgeryStrategy.TRUNCATED,
        ForgeryStrategy.INFLATED_UNITS,
    ),
}
DEFAULT_STRATEGY: dict[str, ForgeryStrategy] = {
    "matmul": ForgeryStrategy.WRONG_ENTRIES,
    "embeddings": ForgeryStrategy.SHUFFLED,
    "container": ForgeryStrategy.FABRICATED,
}


class ForgedResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    result: bytes = Field(repr=False)
    units: int = Field(ge=0)
    strategy: ForgeryStrategy


def strategies_for(kind: str) -> tuple[ForgeryStrategy, ...]:
    try:
        return _STRATEGIES[kind]
    except KeyError:
        raise ForgeryError(
            f"no forgeries for job kind {kind!r}; kinds: {', '.join(_STRATEGIES)}"
        ) from None


def forge(
    spec: dict[str, Any],
    result: bytes,
    units: int,
    strategy: ForgeryStrategy | None = None,
    seed: int = 0,
) -> ForgedResult:
    """A forged (result, units) for the honest ``result`` of a job with ``spec``.

    The forged bytes always differ from the honest ones, except for
    INFLATED_UNITS, which lies about the units only."""
    kind = str(spec.get("kind", ""))
    allowed = strategies_for(kind)
    chosen = strategy or DEFAULT_STRATEGY[kind]
    if chosen not in allowed:
        raise ForgeryError(
            f"strategy {chosen.value} does not apply to {kind} jobs; use one of "
            f"{', '.join(s.value for s in allowed)}"
        )
    if chosen is ForgeryStrategy.INFLATED_UNITS:
        return ForgedResult(result=result, units=max(1, units) * INFLATION_FACTOR, strategy=chosen)
    rng = np.random.Generator(np.random.PCG64(seed))
    if kind == "container":
        if chosen is ForgeryStrategy.FABRICATED:
            return ForgedResult(result=_fabricate(result, rng), units=units, strategy=chosen)
        # Half of the content: a tar archive ends in zero padding that is no loss to cut.
        content = len(result.rstrip(b"\x00"))
        return ForgedResult(result=result[: content // 2], units=units, strategy=chosen)
    array = _load_array(result)
    forged = _differing(_forge_array(array, chosen, rng), array)
    return ForgedResult(result=encode_npy(forged), units=units, strategy=chosen)


def _fabricate(result: bytes, rng: np.random.Generator) -> bytes:
    """The archive a provider would hand in without running the task: every output
    file made up (random arrays of the right shape, random bytes of the right
    length), the log and metrics kept, every hash in the manifest consistent."""
    try:
        honest = unpack_result(result)
    except MalformedContainerResult as exc:
        raise ForgeryError(f"the honest result is not a container archive: {exc}") from None
    made_up: dict[str, bytes] = {}
    for name, data in honest.outputs.items():
        try:
            array = decode_npy(data, None)
        except MalformedArray:
            made_up[name] = rng.bytes(max(1, len(data)))
            if made_up[name] == data:
                made_up[name] = data + b"\x00"
            continue
        noise = rng.standard_normal(array.shape).astype(array.dtype)
        made_up[name] = encode_npy(_differing(noise, array))
    if not made_up:
        made_up["result.txt"] = b"done"
    manifest = honest.manifest
    return pack_result(
        made_up,
        honest.log,
        manifest.metrics,
        exit_code=manifest.exit_code,
        engine=manifest.engine,
        gpu=manifest.gpu,
    )


def _load_array(result: bytes) -> NDArray[np.float32]:
    try:
        array = np.load(io.BytesIO(result), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ForgeryError(f"the honest result is not a .npy array: {exc}") from None
    if array.ndim != 2 or array.size == 0:
        raise ForgeryError(f"expected a non-empty 2-D result, got shape {array.shape}")
    return np.asarray(array, dtype=np.float32)


def _differing(forged: NDArray[np.float32], honest: NDArray[np.float32]) -> NDArray[np.float32]:
    """``forged``, changed in one entry if it happens to equal ``honest`` (a 1 x 1
    random row of the same norm, a shuffle of identical rows)."""
    if forged.shape != honest.shape or not np.array_equal(forged, honest):
        return forged
    changed = forged.copy()
    changed.reshape(-1)[0] += np.float32(1.0 + float(np.abs(honest).max()))
    return changed


def _forge_array(
    array: NDArray[np.float32], strategy: ForgeryStrategy, rng: np.random.Generator
) -> NDArray[np.float32]:
    rows = array.shape[0]
    if strategy is ForgeryStrategy.WRONG_ENTRIES:
        forged = array.copy()
        count = max(1, array.size // 100)
        picks = rng.choice(array.size, size=count, replace=False)
        # Shift by more than the largest entry: far outside any float tolerance.
        shift = 1.0 + float(np.abs(array).max())
        signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=count)
        forged.reshape(-1)[picks] += signs * np.float32(shift)
        return forged
    if strategy is ForgeryStrategy.RANDOM:
        noise = rng.standard_normal(array.shape, dtype=np.float32)
        # Same row norms as the honest result, so only the content gives it away.
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        scale = norms / np.maximum(np.linalg.norm(noise, axis=1, keepdims=True), 1e-12)
        return np.asarray(noise * scale, dtype=np.float32)
    if strategy is ForgeryStrategy.TRUNCATED:
        return array[: max(0, rows // 2)].copy()
    # SHUFFLED: every row moves (a rotation); a single row is negated instead.
    if rows == 1:
        return np.asarray(-array, dtype=np.float32)
    return np.roll(array, shift=1 + int(rng.integers(0, rows - 1)), axis=0)


def forging_tamper(spec: dict[str, Any], result: bytes, units: int) -> tuple[bytes, int, str]:
    """The agent's result hook in cheat mode: the kind's default forgery."""
    forged = forge(spec, result, units)
    return forged.result, forged.units, forged.strategy.value
