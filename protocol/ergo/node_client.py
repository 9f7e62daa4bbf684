"""A thin REST client for a live Ergo node: height, box lookup, last headers, submit.

httpx does the I/O; a transport can be injected (tests replay recorded node JSON).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from ergo_lib_python.chain import ErgoBox
from ergo_lib_python.transaction import Transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.ergo.chain_tip import HEADER_COUNT, ChainTip
from protocol.ergo.errors import NodeError, NodeNotFoundError, NodeRejectedError

__all__ = ["ErgoNodeClient", "NodeInfo"]

_BOX_ID = r"^[0-9a-f]{64}$"


class NodeInfo(BaseModel):
    """The part of the node's ``GET /info`` answer this SDK uses."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    name: str
    app_version: str = Field(alias="appVersion")
    full_height: int | None = Field(alias="fullHeight", ge=0)
    headers_height: int | None = Field(alias="headersHeight", ge=0)


class _BoxIdArg(BaseModel):
    box_id: str = Field(pattern=_BOX_ID)


class ErgoNodeClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"api_key": api_key} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ErgoNodeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- reads ------------------------------------------------------------------------------
    def info(self) -> NodeInfo:
        body = self._call("GET", "/info")
        try:
            return NodeInfo.model_validate(body)
        except ValidationError as exc:
            raise NodeError(f"node /info answer is not NodeInfo JSON: {exc}") from exc

    def height(self) -> int:
        """Height of the node's best full block."""
        full_height = self.info().full_height
        if full_height is None:
            raise NodeError("the node has no full blocks yet (fullHeight is null); wait for sync")
        return full_height

    def box(self, box_id: str) -> ErgoBox:
        """An unspent box by id (``GET /utxo/byId``)."""
        checked = _BoxIdArg(box_id=box_id).box_id
        body = self._call("GET", f"/utxo/byId/{checked}")
        try:
            box = ErgoBox.from_json(json.dumps(body))
        except Exception as exc:  # sigma-rust raises its own JSON error types
            raise NodeError(f"node returned a box that does not parse: {exc}") from exc
        if str(box.box_id) != checked:
            raise NodeError(f"node returned box {box.box_id} for {checked}")
        return box

    def chain_tip(self) -> ChainTip:
        """The last ten headers, for signing against the live chain."""
        body = self._call("GET", f"/blocks/lastHeaders/{HEADER_COUNT}")
        if not isinstance(body, list) or len(body) != HEADER_COUNT:
            raise NodeError(f"node returned no list of {HEADER_COUNT} headers")
        # The node lists them oldest first; the state context wants newest first.
        newest_first = sorted(body, key=lambda h: int(h["height"]), reverse=True)
        return ChainTip(headers=tuple(newest_first))

    # -- writes -----------------------------------------------------------------------------
    def submit(self, tx: Transaction) -> str:
        """Send a signed transaction; returns the id the node accepted."""
        body = self._call("POST", "/transactions", json_body=json.loads(tx.json()))
        if not isinstance(body, str) or body != str(tx.id):
            raise NodeError(f"node acknowledged {body!r}, expected transaction id {tx.id}")
        return body

    # -- plumbing ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, json_body: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=json_body)
        except httpx.HTTPError as exc:
            raise NodeError(f"cannot reach the Ergo node for {method} {path}: {exc}") from exc
        if response.status_code == 404:
            raise NodeNotFoundError(f"node has no {path}: {_detail(response)}")
        if response.status_code == 400 and path == "/transactions":
            raise NodeRejectedError(f"node refused the transaction: {_detail(response)}")
        if response.status_code >= 400:
            raise NodeError(
                f"node answered {response.status_code} to {method} {path}: {_detail(response)}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise NodeError(f"node answer to {method} {path} is not JSON") from exc


def _detail(response: httpx.Response) -> str:
    """The node's error JSON is {"error": code, "reason": ..., "detail": ...}."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("reason") or body)
    return str(body)
