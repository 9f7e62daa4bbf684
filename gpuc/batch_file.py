"""The JSON file `gpuc oracle sign-batch` and `settle-batch` read.

    {"epoch": 3, "items": [{"job": "0x...", "outcome": "release", "units": 60,
                            "result_hash": "0x..."}]}

epoch and result_hash may be left out: the current epoch and the result the provider
committed on chain are used (sign-batch prints the resolved batch to reuse verbatim).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gpuc.errors import UsageError

__all__ = ["BatchFile", "BatchFileItem", "read_batch_file"]


class BatchFileItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: str
    outcome: str | int
    units: int = Field(default=0, ge=0, lt=2**64)
    result_hash: str | None = None


class BatchFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    epoch: int | None = Field(default=None, ge=0, lt=2**64)
    items: list[BatchFileItem] = Field(min_length=1)


def read_batch_file(path: Path) -> BatchFile:
    try:
        return BatchFile.model_validate(json.loads(path.read_text()))
    except OSError as exc:
        raise UsageError(f"cannot read batch file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"batch file {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"batch file {path}: {where}: {first['msg']}") from None
