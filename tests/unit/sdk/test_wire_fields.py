"""protocol.wire.fields: hex in, bytes inside, 0x hex out; addresses checksummed."""

from __future__ import annotations

import pytest
from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ValidationError

from protocol.wire.fields import Address, Bytes32, HttpUrl, Signature65


class _Body(BaseModel):
    id: Bytes32
    who: Address
    sig: Signature65
    url: HttpUrl


GOOD = {"id": "0x" + "ab" * 32, "who": "0x" + "cd" * 20, "sig": "0x" + "01" * 65, "url": "http://x"}


def test_good_values_read_and_write_back() -> None:
    body = _Body.model_validate(GOOD)
    assert body.id == bytes.fromhex("ab" * 32) and body.sig == bytes([1]) * 65
    assert body.who == to_checksum_address("0x" + "cd" * 20)
    assert body.model_dump(mode="json") == {**GOOD, "who": body.who}
    assert _Body.model_validate(body.model_dump(mode="json")) == body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "0x" + "ab" * 31),
        ("id", "0xzz" + "ab" * 31),
        ("who", "0x1234"),
        ("sig", "0x" + "01" * 64),
        ("url", "ftp://x"),
    ],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        _Body.model_validate({**GOOD, field: value})
