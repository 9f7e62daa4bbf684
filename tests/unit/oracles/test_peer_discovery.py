"""The members' endpoints kept current (protocol.oracle_endpoints.MemberEndpoints) and an
oracle's peers built from them (oracles.peers.PeerClient): re-read when due and soon
after a peer fails, the last list kept when a read fails. Pure: a step clock and a
list the test changes stand for the matcher and the chain."""

from __future__ import annotations

from oracles.config import PeerConfig
from oracles.peers import PeerClient
from protocol.oracle_endpoints import MemberEndpoints

ME, A, B = ("0x" + d * 40 for d in "abc")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Listing:
    """What the matcher and the chain would answer, and how often they were asked."""

    def __init__(self, found: dict[str, str | None]) -> None:
        self.found = found
        self.reads = 0
        self.fail = False

    def __call__(self) -> dict[str, str | None]:
        self.reads += 1
        if self.fail:
            raise ConnectionError("matcher away")
        return dict(self.found)


def test_read_again_only_when_due_or_asked_and_kept_when_a_read_fails() -> None:
    clock, listing = Clock(), Listing({A: "http://127.0.0.1:1"})
    changes: list[dict[str, str | None]] = []
    errors: list[str] = []
    members = MemberEndpoints(
        listing,
        refresh_s=30,
        clock=clock,
        on_change=changes.append,
        on_error=lambda exc: errors.append(str(exc)),
    )
    assert members.current() == {A: "http://127.0.0.1:1"} and listing.reads == 1
    listing.found[B] = "http://127.0.0.1:2"
    clock.now += 29
    assert B not in members.current() and listing.reads == 1  # not due yet
    members.refresh_soon()  # a peer failed: read again, 5 s after the last read at most
    assert members.current()[B] == "http://127.0.0.1:2" and listing.reads == 2
    members.refresh_soon()
    assert members.current() and listing.reads == 2  # not again within 5 s
    clock.now += 5
    assert members.current() and listing.reads == 3
    listing.fail = True
    clock.now += 30
    assert members.current() == {A: "http://127.0.0.1:1", B: "http://127.0.0.1:2"}
    assert errors == ["matcher away"] and listing.reads == 4
    assert changes == [
        {A: "http://127.0.0.1:1"},
        {A: "http://127.0.0.1:1", B: "http://127.0.0.1:2"},
    ]


def test_peers_are_configured_plus_published_others_and_a_failure_forces_a_read() -> None:
    clock = Clock()
    listing = Listing({ME: "http://127.0.0.1:9", A: "http://127.0.0.1:1", B: None})
    members = MemberEndpoints(listing, refresh_s=30, clock=clock)
    configured = PeerConfig.model_validate({"address": A, "url": "http://127.0.0.1:7"})
    client = PeerClient([configured], timeout=1, members=members, me=ME.upper().replace("X", "x"))
    try:
        # The configured URL wins over the published one; no entry for oneself or a
        # member without a URL.
        assert client.peers == (configured,)
        listing.found[B] = "http://127.0.0.1:2"
        assert client.peers == (configured,)  # not due
        client.peer_failed()
        clock.now += 5
        assert [(p.address.lower(), p.url) for p in client.peers] == [
            (A, "http://127.0.0.1:7"),
            (B, "http://127.0.0.1:2"),
        ]
        assert listing.reads == 2
    finally:
        client.close()


def test_without_a_matcher_the_peers_are_the_configured_ones() -> None:
    configured = PeerConfig.model_validate({"address": A, "url": "http://127.0.0.1:7"})
    client = PeerClient([configured], timeout=1)
    try:
        client.peer_failed()
        assert client.peers == (configured,)
    finally:
        client.close()
