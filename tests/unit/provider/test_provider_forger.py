"""The cheat-mode forger: every forgery differs from the honest result (or units)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from gpuc.devnet.cheat import (
    DEFAULT_STRATEGY,
    INFLATION_FACTOR,
    ForgeryStrategy,
    forge,
    strategies_for,
)
from protocol.compute.container_result import ContainerMetrics, pack_result, unpack_result
from protocol.compute.matrices import reference_product
from protocol.compute.npy_codec import encode_npy
from protocol.compute.specs import MatmulSpec
from provider.errors import ForgeryError

MATMUL = {"kind": "matmul", "n": 32, "seed_a": 1, "seed_b": 2, "dtype": "float32"}
EMBEDDINGS = {
    "kind": "embeddings",
    "model": "all-MiniLM-L6-v2",
    "inputs_hash": "0x" + "ab" * 32,
    "count": 6,
}


def honest_matmul() -> bytes:
    return encode_npy(reference_product(MatmulSpec.model_validate(MATMUL)))


def honest_embeddings(rows: int = 6, dim: int = 8, seed: int = 0) -> bytes:
    values = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return encode_npy(values / np.linalg.norm(values, axis=1, keepdims=True))


def honest_container() -> bytes:
    outputs = {"w.npy": encode_npy(np.ones((3, 2), np.float32)), "note.txt": b"trained"}
    metrics = ContainerMetrics(wall_seconds=2.5)
    return pack_result(outputs, b"step 0\n", metrics, exit_code=0, engine="podman")


def load(data: bytes) -> NDArray[np.float32]:
    return np.asarray(np.load(io.BytesIO(data), allow_pickle=False), dtype=np.float32)


@pytest.mark.parametrize("kind", ["matmul", "embeddings", "container"])
def test_every_strategy_forges_something(kind: str) -> None:
    specs: dict[str, dict[str, Any]] = {
        "matmul": MATMUL,
        "embeddings": EMBEDDINGS,
        "container": {"kind": "container"},
    }
    results = {
        "matmul": honest_matmul(),
        "embeddings": honest_embeddings(),
        "container": honest_container(),
    }
    spec, honest = specs[kind], results[kind]
    for strategy in strategies_for(kind):
        forged = forge(spec, honest, units=3, strategy=strategy)
        assert forged.strategy is strategy
        if strategy is ForgeryStrategy.INFLATED_UNITS:
            assert forged.result == honest
            assert forged.units == 3 * INFLATION_FACTOR
        else:
            assert forged.result != honest
            assert forged.units == 3


def test_wrong_entries_change_about_one_percent_by_more_than_the_largest_value() -> None:
    honest = load(honest_matmul())

    forged = load(forge(MATMUL, honest_matmul(), 1, ForgeryStrategy.WRONG_ENTRIES).result)

    changed = np.flatnonzero(forged != honest)
    assert changed.size == honest.size // 100
    assert np.all(np.abs(forged - honest).reshape(-1)[changed] > np.abs(honest).max())


def test_shuffled_embeddings_keep_every_row_but_move_each() -> None:
    honest = load(honest_embeddings())

    forged = load(forge(EMBEDDINGS, honest_embeddings(), 6, ForgeryStrategy.SHUFFLED).result)

    assert forged.shape == honest.shape
    assert sorted(map(tuple, forged.tolist())) == sorted(map(tuple, honest.tolist()))
    assert all(not np.array_equal(forged[i], honest[i]) for i in range(len(honest)))


def test_random_embeddings_keep_the_row_norms() -> None:
    honest = load(honest_embeddings())

    forged = load(forge(EMBEDDINGS, honest_embeddings(), 6, ForgeryStrategy.RANDOM).result)

    np.testing.assert_allclose(np.linalg.norm(forged, axis=1), 1.0, rtol=1e-5)
    assert np.abs((forged * honest).sum(axis=1)).max() < 0.999


def test_truncation_halves_the_rows() -> None:
    forged = load(forge(MATMUL, honest_matmul(), 1, ForgeryStrategy.TRUNCATED).result)

    assert forged.shape == (16, 32)


def test_defaults_per_kind() -> None:
    assert forge(MATMUL, honest_matmul(), 1).strategy is DEFAULT_STRATEGY["matmul"]
    assert forge(EMBEDDINGS, honest_embeddings(), 6).strategy is ForgeryStrategy.SHUFFLED
    fabricated = forge({"kind": "container"}, honest_container(), 2)
    assert fabricated.strategy is ForgeryStrategy.FABRICATED
    assert fabricated.units == 2


def test_fabricated_container_output_is_well_formed_but_made_up() -> None:
    honest = unpack_result(honest_container())

    forged = unpack_result(forge({"kind": "container"}, honest_container(), 2).result)

    assert forged.log == honest.log
    assert forged.outputs.keys() == honest.outputs.keys()
    assert forged.outputs["w.npy"] != honest.outputs["w.npy"]
    assert load(forged.outputs["w.npy"]).shape == (3, 2)
    assert forged.outputs["note.txt"] != honest.outputs["note.txt"]


def test_same_seed_same_forgery_other_seed_other_forgery() -> None:
    first = forge(MATMUL, honest_matmul(), 1, seed=1).result

    assert forge(MATMUL, honest_matmul(), 1, seed=1).result == first
    assert forge(MATMUL, honest_matmul(), 1, seed=2).result != first


def test_unknown_kind_and_inapplicable_strategy_are_errors() -> None:
    with pytest.raises(ForgeryError, match="no forgeries for job kind 'video'"):
        forge({"kind": "video"}, b"", 1)
    with pytest.raises(ForgeryError, match="shuffled does not apply to matmul"):
        forge(MATMUL, honest_matmul(), 1, ForgeryStrategy.SHUFFLED)
    with pytest.raises(ForgeryError, match=r"not a \.npy array"):
        forge(MATMUL, b"not npy", 1)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 12),
    cols=st.integers(1, 12),
    seed=st.integers(0, 2**32),
    strategy=st.sampled_from(
        [s for s in strategies_for("embeddings") if s is not ForgeryStrategy.INFLATED_UNITS]
    ),
)
def test_content_forgeries_always_differ(
    rows: int, cols: int, seed: int, strategy: ForgeryStrategy
) -> None:
    honest = honest_embeddings(rows, cols, seed)

    assert forge(EMBEDDINGS, honest, rows, strategy, seed=seed).result != honest


def test_a_shuffle_of_identical_rows_still_differs() -> None:
    honest = encode_npy(np.ones((3, 4), dtype=np.float32) / 2)

    forged = forge(EMBEDDINGS, honest, 3, ForgeryStrategy.SHUFFLED)

    assert forged.result != honest
    assert load(forged.result).shape == (3, 4)
