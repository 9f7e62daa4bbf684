"""Result arrays on the wire: NumPy ``.npy`` bytes (format version 1.0 or 2.0).

The matmul result C is an (n, n) array and the embeddings result an
(count, dim) array, of dtype float32 (float16 and float64 are accepted too),
little-endian, no pickled objects. Decoding reads the header first and checks
shape and dtype before it allocates anything, so a hostile header cannot make
the reader allocate more than the bytes it was handed.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.lib import format as npy_format
from numpy.typing import NDArray

from protocol.compute.errors import MalformedArray

__all__ = ["RESULT_DTYPES", "decode_npy", "encode_npy"]

RESULT_DTYPES: tuple[str, ...] = ("<f2", "<f4", "<f8")


def encode_npy(array: NDArray[np.floating]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def decode_npy(data: bytes, shape: tuple[int, ...] | None) -> NDArray[np.floating]:
    """The array in ``data``; raises MalformedArray unless it has exactly ``shape``
    (any shape when None), a float dtype from RESULT_DTYPES, no trailing bytes and
    only finite values."""
    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            header = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            header = npy_format.read_array_header_2_0(stream)
        else:
            raise ValueError(f".npy format version {version} is not accepted (use 1.0 or 2.0)")
    except (ValueError, SyntaxError, EOFError) as exc:
        raise MalformedArray(f"result is not a .npy array: {exc}") from None
    found_shape, fortran_order, dtype = header
    if shape is None:
        shape = tuple(found_shape)
    if tuple(found_shape) != shape:
        raise MalformedArray(f"result has shape {tuple(found_shape)}, the job needs {shape}")
    if dtype.str not in RESULT_DTYPES:
        raise MalformedArray(
            f"result dtype {dtype.str} is not allowed; use little-endian float16/32/64"
        )
    body = data[stream.tell() :]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(body) != expected:
        raise MalformedArray(f"result body is {len(body)} bytes, shape and dtype need {expected}")
    flat = np.frombuffer(body, dtype=dtype)
    array: NDArray[np.floating] = flat.reshape(shape, order="F" if fortran_order else "C")
    if not np.isfinite(array).all():
        raise MalformedArray("result holds NaN or infinite values")
    return array
