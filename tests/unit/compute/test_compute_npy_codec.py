import io

import numpy as np
import pytest
from numpy.lib import format as npy_format

from protocol.compute.errors import MalformedArray
from protocol.compute.npy_codec import decode_npy, encode_npy


def _npy_with_header(shape: tuple[int, ...], dtype: str, body: bytes) -> bytes:
    stream = io.BytesIO()
    npy_format.write_array_header_1_0(
        stream, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return stream.getvalue() + body


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_roundtrip_keeps_values(dtype: type[np.floating]) -> None:
    array = np.arange(12, dtype=dtype).reshape(3, 4) / 7
    decoded = decode_npy(encode_npy(array), (3, 4))
    assert decoded.dtype == array.dtype
    assert np.array_equal(decoded, array)


def test_fortran_order_is_read_in_its_order() -> None:
    array = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    stream = io.BytesIO()
    np.save(stream, array)
    assert np.array_equal(decode_npy(stream.getvalue(), (2, 3)), array)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an npy file at all", "not a .npy"),
        (encode_npy(np.zeros((3, 3), dtype=np.float32)), "shape"),
        (encode_npy(np.zeros((2, 4), dtype=np.int32)), "dtype"),
        (encode_npy(np.zeros((2, 4), dtype=">f4")), "dtype"),
        (encode_npy(np.zeros((2, 4), dtype=np.float32))[:-1], "bytes"),
        (encode_npy(np.zeros((2, 4), dtype=np.float32)) + b"\0", "bytes"),
        (encode_npy(np.full((2, 4), np.nan, dtype=np.float32)), "NaN"),
        (encode_npy(np.full((2, 4), np.inf, dtype=np.float32)), "infinite"),
    ],
)
def test_rejects_what_is_not_the_job_format(data: bytes, message: str) -> None:
    with pytest.raises(MalformedArray, match=message):
        decode_npy(data, (2, 4))


def test_huge_declared_shape_is_refused_before_allocating() -> None:
    # A header claiming 10^12 float32 entries over 16 real bytes must not allocate 4 TB.
    hostile = _npy_with_header((1_000_000, 1_000_000), "<f4", b"\0" * 16)
    with pytest.raises(MalformedArray, match="bytes"):
        decode_npy(hostile, (1_000_000, 1_000_000))


def test_object_arrays_are_refused_without_unpickling() -> None:
    hostile = _npy_with_header((2, 4), "|O", b"\0" * 64)
    with pytest.raises(MalformedArray, match="dtype"):
        decode_npy(hostile, (2, 4))
