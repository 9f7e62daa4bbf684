"""The in-flight hashes (protocol.tx.in_flight) stay bounded: mined ones go, old ones
age out, and past the size bound the oldest go first; a hash marked again is the newest."""

from __future__ import annotations

import pytest

from protocol.tx.in_flight import InFlight


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _hash(i: int) -> str:
    return "0x" + f"{i:064x}"


def test_a_hash_older_than_max_age_is_forgotten() -> None:
    clock = Clock()
    flight = InFlight(max_age=60.0, clock=clock)
    flight.add(_hash(1))
    clock.now += 30
    flight.add(_hash(2))
    clock.now += 30  # hash 1 is exactly 60 s old: still in flight
    assert flight.hashes() == [_hash(1), _hash(2)]
    clock.now += 0.5
    assert flight.hashes() == [_hash(2)]
    clock.now += 30
    assert flight.hashes() == [] and len(flight) == 0


def test_past_max_size_the_oldest_go_first() -> None:
    clock = Clock()
    flight = InFlight(max_size=3, clock=clock)
    for i in range(10):
        flight.add(_hash(i))
        clock.now += 1
    assert flight.hashes() == [_hash(7), _hash(8), _hash(9)]


def test_marking_a_hash_again_makes_it_the_newest() -> None:
    clock = Clock()
    flight = InFlight(max_age=60.0, max_size=2, clock=clock)
    flight.add(_hash(1))
    flight.add(_hash(2))
    clock.now += 50
    flight.add(_hash(1))  # still waited for: marked again
    flight.add(_hash(3))  # pushes out the oldest, now hash 2
    assert flight.hashes() == [_hash(1), _hash(3)]
    clock.now += 55  # hash 1 was marked 55 s ago: kept
    assert flight.hashes() == [_hash(1), _hash(3)]


def test_a_mined_hash_is_forgotten_and_unknown_ones_are_ignored() -> None:
    flight = InFlight()
    flight.add(_hash(1))
    flight.add(_hash(2))
    flight.discard(_hash(1))
    flight.discard(_hash(99))
    assert flight.hashes() == [_hash(2)]


def test_many_sends_never_waited_for_stay_bounded() -> None:
    flight = InFlight(max_size=100)
    for i in range(10_000):
        flight.add(_hash(i))
    assert len(flight) == 100
    assert flight.hashes()[-1] == _hash(9_999)


@pytest.mark.parametrize(("max_age", "max_size"), [(0.0, 10), (-1.0, 10), (60.0, 0)])
def test_bounds_must_be_positive(max_age: float, max_size: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        InFlight(max_age=max_age, max_size=max_size)
