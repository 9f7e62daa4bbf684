"""What the dashboard asks of a document store: the bytes stored under a keccak256.

Injected into ``create_app`` (the market host passes its /documents store, which
providers copy every result archive into). Without one the dashboard cannot show
a container job's resource use and says so.
"""

from __future__ import annotations

from typing import Protocol


class DocumentSource(Protocol):
    def read(self, digest: bytes) -> bytes | None:
        """The bytes stored under ``digest`` (32 bytes), or None when unknown.

        Blocking (it may read a disk); the matcher calls it off the event loop.
        """
        ...
