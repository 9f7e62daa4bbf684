"""A consumer's provider-signed bill against the chain the provider committed
(oracles.verify.llm.check_consumer_bill): a prefix passes; a later bill or another
chain is the provider's fault; a bill the provider did not sign proves nothing."""

from __future__ import annotations

from eth_account import Account
from eth_utils.crypto import keccak

from oracles.verify.llm import check_consumer_bill
from oracles.verify.report import FailureCode
from protocol.llm.bill import BillLink, SignedBill, chain_head, sign_bill

PROVIDER_KEY = "0x" + "42" * 32
PROVIDER = Account.from_key(PROVIDER_KEY).address
JOB = b"\x05" * 32


def _link(i: int, tokens: int = 7) -> BillLink:
    return BillLink(
        request_digest=keccak(b"q%d" % i), response_digest=keccak(b"a%d" % i), tokens=tokens
    )


LINKS = [_link(i) for i in range(4)]


def _bill(links: list[BillLink], key: str = PROVIDER_KEY) -> SignedBill:
    return sign_bill(
        key, JOB, len(links), sum(link.tokens for link in links), chain_head(JOB, links)
    )


def test_a_bill_on_the_committed_chain_passes() -> None:
    for upto in range(len(LINKS) + 1):
        assert check_consumer_bill(_bill(LINKS[:upto]), PROVIDER, LINKS) == []


def test_a_later_bill_than_the_committed_chain_is_a_fault() -> None:
    later = _bill([*LINKS, _link(9)])
    (failure,) = check_consumer_bill(later, PROVIDER, LINKS)
    assert failure.code == FailureCode.WRONG_RESULT and "has 4 answers" in failure.detail


def test_a_bill_of_another_chain_is_a_fault() -> None:
    forked = _bill([LINKS[0], _link(5)])
    (failure,) = check_consumer_bill(forked, PROVIDER, LINKS)
    assert "another chain" in failure.detail
    recounted = _bill([LINKS[0], _link(1, tokens=8)])
    assert check_consumer_bill(recounted, PROVIDER, LINKS)


def test_a_bill_signed_by_someone_else_proves_nothing() -> None:
    assert check_consumer_bill(_bill([*LINKS, _link(9)], "0x" + "43" * 32), PROVIDER, LINKS) == []
