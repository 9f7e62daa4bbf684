"""A content-addressed store of job results on local disk.

Each result lives in ``<data_dir>/0x<keccak256 hex>``. A write goes to a temp
file in the same directory, is fsynced and renamed into place, so a reader sees
either nothing or the whole file. A read re-hashes the bytes, so a corrupted or
tampered file is never served as the committed result.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from provider.errors import ResultCorrupt, ResultNotFound, ResultStoreError
from provider.results.content_hash import hash_ref, result_hash

__all__ = ["ResultStore"]

_TEMP_PREFIX = ".incoming-"


class ResultStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultStoreError(
                f"cannot create the result directory {self.data_dir}: {exc}"
            ) from exc

    def path_for(self, digest: bytes) -> Path:
        return self.data_dir / hash_ref(digest)

    def put(self, data: bytes) -> bytes:
        """Store ``data``; returns its keccak256. Storing the same bytes twice is a no-op."""
        digest = result_hash(data)
        final = self.path_for(digest)
        if final.exists():
            return digest
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.data_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, final)
        except OSError as exc:
            Path(temp_name).unlink(missing_ok=True)
            raise ResultStoreError(f"cannot write result {hash_ref(digest)}: {exc}") from exc
        self._sync_directory()
        return digest

    def has(self, digest: bytes) -> bool:
        return self.path_for(digest).is_file()

    def size(self, digest: bytes) -> int:
        try:
            return self.path_for(digest).stat().st_size
        except FileNotFoundError:
            raise ResultNotFound(f"no result {hash_ref(digest)} in {self.data_dir}") from None

    def get(self, digest: bytes) -> bytes:
        """The bytes stored under ``digest``, checked against it."""
        try:
            data = self.path_for(digest).read_bytes()
        except FileNotFoundError:
            raise ResultNotFound(f"no result {hash_ref(digest)} in {self.data_dir}") from None
        except OSError as exc:
            raise ResultStoreError(f"cannot read result {hash_ref(digest)}: {exc}") from exc
        found = result_hash(data)
        if found != digest:
            raise ResultCorrupt(
                f"stored file {hash_ref(digest)} now hashes to {hash_ref(found)}; "
                "delete it and re-run the job"
            )
        return data

    def _sync_directory(self) -> None:
        # The rename is durable only once the directory entry is on disk.
        fd = os.open(self.data_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
