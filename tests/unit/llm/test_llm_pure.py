"""The pure parts of protocol.llm: turn format, requests, bill chain, wire limits."""

from __future__ import annotations

import pytest
from eth_account import Account

from protocol.llm.bill import (
    Answer,
    BillLink,
    SignedBill,
    answer_digest,
    chain_head,
    genesis_head,
    request_digest,
    sign_bill,
    verify_bill,
    verify_chain,
)
from protocol.llm.chat_format import format_chat
from protocol.llm.errors import BillError, InvalidLLMRequest
from protocol.llm.requests import ChatRequest, CompletionRequest, parse_request
from protocol.llm.session_key import SessionCredential, session_key_hash
from protocol.llm.types import ChatMessage
from protocol.llm.wire import json_depth, parse_bounded_json

JOB = bytes(range(32))
KEY = "0x" + "11" * 32
PROVIDER = Account.from_key(KEY).address


def _links(n: int) -> list[BillLink]:
    return [
        BillLink(
            request_digest=bytes([i]) * 32, response_digest=bytes([i + 100]) * 32, tokens=10 + i
        )
        for i in range(n)
    ]


def test_chat_format_is_gemma_turns_with_system_folded_into_first_user_turn() -> None:
    prompt = format_chat(
        [
            ChatMessage(role="system", content="Be brief."),
            ChatMessage(role="user", content="Hi"),
            ChatMessage(role="assistant", content="Hello"),
            ChatMessage(role="user", content="Capital of France?"),
        ]
    )
    assert prompt == (
        "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\nHello<end_of_turn>\n"
        "<start_of_turn>user\nCapital of France?<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


@pytest.mark.parametrize(
    "messages",
    [[], [ChatMessage(role="system", content="x")], [ChatMessage(role="assistant", content="x")]],
)
def test_chat_format_rejects_conversations_without_a_leading_user_turn(
    messages: list[ChatMessage],
) -> None:
    with pytest.raises(InvalidLLMRequest, match="messages"):
        format_chat(messages)


def test_request_canonical_form_ignores_stream_and_round_trips() -> None:
    body = {"model": "gemma-3-270m", "messages": [{"role": "user", "content": "Hi"}]}
    plain = ChatRequest.model_validate(body)
    streamed = ChatRequest.model_validate({**body, "stream": True})
    assert request_digest(plain.canonical()) == request_digest(streamed.canonical())
    assert parse_request(plain.canonical()) == plain
    completion = CompletionRequest.model_validate(
        {"model": "m", "prompt": "The capital", "max_tokens": 3}
    )
    assert completion.canonical()["prompt"] == "The capital"
    assert parse_request(completion.canonical()).prompt == "The capital"
    limited = ChatRequest.model_validate({**body, "max_completion_tokens": 5})
    assert limited.limit == 5


def test_request_rejects_out_of_range_limits() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        CompletionRequest.model_validate({"model": "m", "prompt": "x", "max_tokens": 0})
    with pytest.raises(ValueError, match="n"):
        CompletionRequest.model_validate({"model": "m", "prompt": "x", "n": 2})


def test_chain_head_depends_on_every_link_and_its_order() -> None:
    links = _links(3)
    head = chain_head(JOB, links)
    assert chain_head(JOB, []) == genesis_head(JOB)
    assert chain_head(JOB, list(reversed(links))) != head
    assert chain_head(JOB, links[:2]) != head
    changed = links[1].model_copy(update={"tokens": links[1].tokens + 1})
    assert chain_head(JOB, [links[0], changed, links[2]]) != head
    assert chain_head(bytes(32), links) != head


def test_verify_chain_accepts_the_honest_chain_and_names_each_lie() -> None:
    links = _links(4)
    head = chain_head(JOB, links)
    total = sum(link.tokens for link in links)
    verify_chain(JOB, links, head, total)
    with pytest.raises(BillError, match="not the committed head"):
        verify_chain(JOB, links[:3], head, total)
    with pytest.raises(BillError, match="sum to"):
        verify_chain(JOB, links, head, total + 1)


def test_signed_bill_verifies_round_trips_as_json_and_orders_by_seq() -> None:
    head = chain_head(JOB, _links(2))
    bill = sign_bill(KEY, JOB, 2, 21, head)
    verify_bill(bill, PROVIDER)
    wire = bill.model_dump(mode="json")
    assert wire["total_tokens"] == "21"  # integers travel as decimal strings
    again = SignedBill.model_validate(wire)
    assert again == bill
    verify_bill(again, PROVIDER)
    later = sign_bill(KEY, JOB, 3, 30, chain_head(JOB, _links(3)))
    assert later.later_than(bill) and not bill.later_than(later)
    with pytest.raises(BillError, match="signed by"):
        verify_bill(bill, Account.from_key("0x" + "22" * 32).address)
    forged = bill.model_copy(update={"total_tokens": 99})
    with pytest.raises(BillError):
        verify_bill(forged, PROVIDER)


def test_answer_digest_covers_text_counts_and_finish() -> None:
    answer = Answer(text="Paris", finish_reason="stop", prompt_tokens=5, completion_tokens=2)
    for change in (
        {"text": "Pari"},
        {"finish_reason": "length"},
        {"prompt_tokens": 6},
        {"completion_tokens": 3},
    ):
        assert answer_digest(answer.model_copy(update=change)) != answer_digest(answer)


def test_session_credential_round_trips_and_rejects_malformed_keys() -> None:
    credential = SessionCredential(JOB, b"\x07" * 32)
    parsed = SessionCredential.parse(f"Bearer {credential.api_key}")
    assert parsed == credential
    assert session_key_hash(parsed.secret) != session_key_hash(b"\x08" * 32)
    for bad in (None, "Basic x", "Bearer sk-123", "Bearer gpuc-llm.00.11"):
        with pytest.raises(InvalidLLMRequest, match="Authorization"):
            SessionCredential.parse(bad)


def test_bounded_json_checks_size_and_depth_before_parsing() -> None:
    assert json_depth(b'{"a": "[[[[", "b": [1, {"c": 2}]}') == 3
    assert parse_bounded_json(b'{"a": 1}') == {"a": 1}
    with pytest.raises(InvalidLLMRequest, match="nested"):
        parse_bounded_json(b"[" * 100_000 + b"]" * 100_000, max_bytes=10**6)
    with pytest.raises(InvalidLLMRequest, match="bytes"):
        parse_bounded_json(b" " * 11, max_bytes=10)
    with pytest.raises(InvalidLLMRequest, match="object"):
        parse_bounded_json(b"[1]")
    with pytest.raises(InvalidLLMRequest, match="not JSON"):
        parse_bounded_json(b"{")
