"""The interface one job kind's verifier implements."""

from __future__ import annotations

from typing import Protocol

from oracles.verify.report import KindCheck
from oracles.verify.request import VerificationRequest
from protocol.compute.specs import AnyJobSpec

__all__ = ["KindVerifier"]


class KindVerifier(Protocol):
    """Checks a result's content; the registry does the receipt checks every kind shares."""

    @property
    def kind(self) -> str: ...

    def check(self, spec: AnyJobSpec, request: VerificationRequest) -> KindCheck: ...
