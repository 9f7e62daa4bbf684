"""A provider's signed acceptance of a fill's terms, carried by the matcher to the consumer.

On a fill the provider agent checks the job as it would before accepting on chain, signs
the EIP-712 ``Acceptance(jobId)`` of the fill's exact terms and posts it (a signed request)
to ``POST /api/market/fills/{fill_id}/acceptance``. The consumer's job opener reads it back
(``GET`` the same path) and opens and accepts the job in one transaction
(``JobEscrow.openAcceptedWithPermit``); without one in time it opens and waits for the
provider's ``accept`` as before.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AcceptancePost", "AcceptanceView", "SignatureHex"]

# 65 bytes (r, s, v), hex with 0x: what JobEscrow.openAccepted takes as `acceptance`.
SignatureHex = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]


class AcceptancePost(BaseModel):
    """What the provider posts: its signature over ``acceptanceDigest(jobId)`` of the fill."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signature: SignatureHex


class AcceptanceView(BaseModel):
    """What the matcher holds for a fill: who signed (the fill's provider) and when."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    fill_id: str
    job_id: str
    provider: str
    signature: SignatureHex
    at: float  # matcher time the acceptance arrived
