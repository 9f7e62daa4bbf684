"""Job kinds by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from provider.errors import UnknownJobKind
from provider.execution.kind import JobKind

__all__ = ["KindRegistry"]


class KindRegistry:
    def __init__(self, kinds: Iterable[JobKind] = ()) -> None:
        self._kinds: dict[str, JobKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind {kind.name!r} is already registered")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind:
        kind = self._kinds.get(name)
        if kind is None:
            known = ", ".join(sorted(self._kinds)) or "none"
            raise UnknownJobKind(f"no runner for job kind {name!r}; registered kinds: {known}")
        return kind

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._kinds))

    def __iter__(self) -> Iterator[JobKind]:
        return iter(self._kinds.values())

    def __contains__(self, name: object) -> bool:
        return name in self._kinds
