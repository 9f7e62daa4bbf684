"""Human output (Rich tables, spinners on waits) or JSON for scripts; errors as one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

from gpuc.errors import exit_code_for
from gpuc.hints import fix_for

__all__ = ["Output", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """bytes -> 0x hex; everything else as JSON has it (wei amounts are passed as strings)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


_WIDE = 200


class Output:
    """Where a command's result and errors go."""

    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self.console = Console(highlight=False)
        if not self.console.is_terminal:
            # Piped or captured: never cut a hash or an address to fit 80 columns.
            self.console = Console(highlight=False, width=_WIDE)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def result(self, data: Mapping[str, Any], *, title: str | None = None) -> None:
        """One record: JSON object, or a two-column table."""
        if self.json_mode:
            self._json(data)
            return
        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for key, value in to_jsonable(data).items():
            if key.endswith("_wei"):  # exact wei is for scripts; the table shows units
                continue
            shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
            table.add_row(key.replace("_", " "), shown)
        self.console.print(table)

    def rows(
        self,
        *,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """A table of ``rows``; in JSON mode ``data`` (if given) instead."""
        if self.json_mode:
            if data is not None:
                self._json(data)
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(to_jsonable(c)) for c in row))
        self.console.print(table)

    def note(self, text: str) -> None:
        """A human hint; silent in JSON mode."""
        if not self.json_mode:  # never wrapped: keys and URLs stay on one line to copy
            self.console.print(text, markup=False, soft_wrap=True)

    @contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        """A spinner while a transaction or the chain is awaited (terminals only)."""
        if self.json_mode or not self.errors.is_terminal:
            yield
            return
        with self.errors.status(text):
            yield

    def fail(self, exc: BaseException) -> int:
        """Print ``exc`` as one line (plus a fix) and return its exit code."""
        message = " ".join(str(exc).split()) or type(exc).__name__
        fix = fix_for(exc)
        code = exit_code_for(exc)
        if self.json_mode:
            error: dict[str, Any] = {"type": type(exc).__name__, "message": message}
            if fix:
                error["fix"] = fix
            fields = getattr(exc, "fields", None)
            if callable(fields):
                error["values"] = {k: _scalar(v) for k, v in fields().items()}
            self._json({"error": error, "exit_code": code})
        else:
            line = f"error: {message}" + (f" (fix: {fix})" if fix else "")
            self.errors.print(line, markup=False)
        return code

    def _json(self, data: Mapping[str, Any]) -> None:
        sys.stdout.write(json.dumps(to_jsonable(data)) + "\n")
        sys.stdout.flush()


def _scalar(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
