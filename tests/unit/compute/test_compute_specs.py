from typing import Any

import pytest

from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import MAX_MATMUL_N, EmbeddingsSpec, MatmulSpec, parse_spec
from protocol.compute.units import matmul_units, spec_units
from protocol.errors import InvalidInput
from protocol.job_spec import spec_hash

MATMUL = {"kind": "matmul", "n": 256, "seed_a": 1, "seed_b": 2, "dtype": "float32"}
EMBED = {
    "kind": "embeddings",
    "model": "all-MiniLM-L6-v2",
    "inputs_hash": "0x" + "ab" * 32,
    "count": 64,
}


def test_parses_each_kind_and_hashes_like_the_document() -> None:
    matmul = parse_spec(dict(MATMUL))
    embed = parse_spec(dict(EMBED))
    assert isinstance(matmul, MatmulSpec) and matmul.n == 256
    assert isinstance(embed, EmbeddingsSpec) and embed.inputs_digest == bytes.fromhex("ab" * 32)
    assert matmul.hash() == spec_hash(MATMUL)
    assert embed.hash() == spec_hash(EMBED)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({**MATMUL, "kind": "container"}, "container"),
        ({**MATMUL, "n": 0}, "n"),
        ({**MATMUL, "n": MAX_MATMUL_N + 1}, "n"),
        ({**MATMUL, "seed_a": -1}, "seed_a"),
        ({**MATMUL, "seed_b": True}, "seed_b"),
        ({**MATMUL, "n": "256"}, "n"),
        ({**MATMUL, "dtype": "int8"}, "dtype"),
        ({**MATMUL, "extra": 1}, "extra"),
        ({**EMBED, "model": "bert-large"}, "model"),
        ({**EMBED, "inputs_hash": "0x" + "AB" * 32}, "inputs_hash"),
        ({**EMBED, "inputs_hash": "0x1234"}, "inputs_hash"),
        ({**EMBED, "count": 0}, "count"),
    ],
)
def test_rejects_bad_specs_naming_the_field(document: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidJobSpec, match=named) as caught:
        parse_spec(document)
    assert isinstance(caught.value, InvalidInput)


def test_rejects_a_non_object() -> None:
    with pytest.raises(InvalidJobSpec, match="JSON object"):
        parse_spec([1, 2])  # type: ignore[arg-type]


def test_matmul_units_round_flop_up_to_whole_units() -> None:
    assert matmul_units(1) == 1  # 2 FLOP still costs a unit: never 0
    assert matmul_units(1000) == 2  # exactly 2 GFLOP
    assert matmul_units(1001) == 3
    assert matmul_units(2048) == -(-2 * 2048**3 // 10**9)


def test_spec_units_per_kind() -> None:
    assert spec_units(parse_spec({**MATMUL, "n": 1024})) == matmul_units(1024)
    assert spec_units(parse_spec({**EMBED, "count": 37})) == 37
