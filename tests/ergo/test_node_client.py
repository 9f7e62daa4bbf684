"""The node REST client against recorded node JSON, replayed by a transport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from ergo_lib_python.transaction import Transaction

from protocol.ergo.errors import NodeError, NodeNotFoundError, NodeRejectedError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.node_client import ErgoNodeClient

pytestmark = pytest.mark.ergo

RECORDED = Path(__file__).parent / "recorded"


def _load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


ESCROW_BOX = _load("utxo_byId_escrow.json")
RELEASE_TX = _load("transaction_release.json")


class RecordedNode:
    """Replays recorded answers by route and remembers what it was sent."""

    def __init__(self, reject_submit: bool = False) -> None:
        self.reject_submit = reject_submit
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/info":
            return httpx.Response(200, json=_load("info.json"))
        if path == "/blocks/lastHeaders/10":
            return httpx.Response(200, json=_load("blocks_lastHeaders_10.json"))
        if path == f"/utxo/byId/{ESCROW_BOX['boxId']}":
            return httpx.Response(200, json=ESCROW_BOX)
        if path == "/transactions" and request.method == "POST":
            if self.reject_submit:
                return httpx.Response(400, json=_load("error_bad_transaction.json"))
            return httpx.Response(200, json=json.loads(request.content)["id"])
        return httpx.Response(404, json=_load("error_not_found.json"))


def _client(node: RecordedNode) -> ErgoNodeClient:
    return ErgoNodeClient(
        "http://node.invalid:9052", api_key="k", transport=httpx.MockTransport(node)
    )


def test_height_is_the_full_height() -> None:
    node = RecordedNode()
    assert _client(node).height() == 1_402_310
    assert node.requests[0].headers["api_key"] == "k"


def test_box_lookup_parses_and_checks_the_box_id() -> None:
    box = _client(RecordedNode()).box(ESCROW_BOX["boxId"])
    assert str(box.box_id) == ESCROW_BOX["boxId"]
    assert EscrowTerms.from_box(box).price_per_unit == 10


def test_unknown_box_is_not_found() -> None:
    with pytest.raises(NodeNotFoundError, match="not found"):
        _client(RecordedNode()).box("00" * 31 + "aa")


def test_malformed_box_id_is_refused_before_any_request() -> None:
    node = RecordedNode()
    with pytest.raises(ValueError, match="box_id"):
        _client(node).box("not-a-box-id")
    assert node.requests == []


def test_chain_tip_orders_headers_newest_first_and_builds_a_state_context() -> None:
    tip = _client(RecordedNode()).chain_tip()
    assert tip.next_height == 1_402_311
    assert [h["height"] for h in tip.headers] == list(range(1_402_310, 1_402_300, -1))
    tip.state_context()


def test_submit_returns_the_transaction_id() -> None:
    node = RecordedNode()
    tx = Transaction.from_json(json.dumps(RELEASE_TX))
    assert _client(node).submit(tx) == RELEASE_TX["id"]
    assert json.loads(node.requests[0].content)["inputs"][0]["boxId"] == ESCROW_BOX["boxId"]


def test_refused_submission_carries_the_node_detail() -> None:
    tx = Transaction.from_json(json.dumps(RELEASE_TX))
    with pytest.raises(NodeRejectedError, match="Scripts of all transaction inputs"):
        _client(RecordedNode(reject_submit=True)).submit(tx)


def test_unreachable_node_is_a_node_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = ErgoNodeClient("http://node.invalid:9052", transport=httpx.MockTransport(down))
    with pytest.raises(NodeError, match="cannot reach"):
        client.height()
