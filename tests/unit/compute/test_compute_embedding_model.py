import numpy as np
import pytest

from protocol.compute.embedding_model import load_embedder
from protocol.compute.errors import InvalidJobSpec


def test_embeddings_are_unit_rows_of_the_model_dimension() -> None:
    embedder = load_embedder("all-MiniLM-L6-v2")
    rows = embedder.embed(["A man is eating food.", "The girl is carrying a baby."])
    assert embedder.dim == 384
    assert rows.shape == (2, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_meaning_decides_similarity() -> None:
    food, bread, baby = load_embedder("all-MiniLM-L6-v2").embed(
        [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The girl is carrying a baby.",
        ]
    )
    assert float(food @ bread) > 0.6
    assert float(food @ baby) < 0.3


def test_a_text_embeds_the_same_alone_or_padded_in_a_batch() -> None:
    embedder = load_embedder("all-MiniLM-L6-v2")
    short = "a short one"
    batch = embedder.embed([short, "a much longer sentence " * 20])
    alone = embedder.embed([short])
    assert float(batch[0] @ alone[0]) > 0.99999


def test_empty_input_gives_an_empty_array() -> None:
    assert load_embedder("all-MiniLM-L6-v2").embed([]).shape == (0, 384)


def test_unknown_model_is_refused() -> None:
    with pytest.raises(InvalidJobSpec, match="all-MiniLM-L6-v2"):
        load_embedder("bert-large")
