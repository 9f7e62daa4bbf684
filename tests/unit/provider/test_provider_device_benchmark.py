"""Device figures: the benchmark arithmetic with a fake clock, and a real CPU run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from provider.device import DeviceProfile, benchmark_embeddings, benchmark_matmul, measure_device
from provider.errors import DeviceError


def stepping_clock(steps: list[float]) -> Callable[[], float]:
    """A fake clock returning the given readings in turn."""
    readings = iter(steps)
    return lambda: next(readings)


def test_gflops_come_from_the_fastest_timed_product() -> None:
    calls: list[int] = []
    # Three timed products of 0.5 s, 0.25 s and 0.5 s; budget 1.2 s ends after the third.
    clock = stepping_clock([0.0, 0.5, 1.0, 1.25, 2.0, 2.5])

    gflops = benchmark_matmul(lambda: calls.append(1), n=1000, budget_seconds=1.2, clock=clock)

    assert gflops == pytest.approx(2 * 1000**3 / 0.25 / 1e9)
    assert len(calls) == 4  # one warm-up and three timed


def test_repeats_are_bounded_even_when_the_budget_is_not_reached() -> None:
    calls: list[int] = []
    ticks = iter(range(100))

    benchmark_matmul(
        lambda: calls.append(1),
        n=10,
        budget_seconds=1e9,
        max_repeats=5,
        clock=lambda: float(next(ticks)),
    )

    assert len(calls) == 6


def test_a_product_with_no_measurable_time_is_an_error() -> None:
    with pytest.raises(DeviceError, match="no measurable time"):
        benchmark_matmul(lambda: None, n=1, budget_seconds=1.0, clock=lambda: 5.0)


def test_embeddings_per_second() -> None:
    seen: list[int] = []

    rate = benchmark_embeddings(
        lambda texts: seen.append(len(texts)), count=40, clock=stepping_clock([1.0, 3.0])
    )

    assert rate == pytest.approx(20.0)
    assert seen == [4, 40]


def test_units_per_second_by_kind() -> None:
    profile = DeviceProfile(
        backend="cpu",
        name="test",
        logical_cpus=2,
        memory_bytes=1,
        matmul_gflops=40.0,
        matmul_n=512,
        embeddings_per_second=None,
        measured_at=0,
    )

    assert profile.units_per_second("matmul") == pytest.approx(40.0)
    assert profile.units_per_second("embeddings") is None
    assert profile.units_per_second("container") == 1.0  # one unit per second of wall time
    assert profile.units_per_second("llm") is None


def test_measuring_this_cpu_gives_a_plausible_profile() -> None:
    profile = measure_device(backend="cpu", matmul_n=256, budget_seconds=0.2, embeddings_count=None)

    assert profile.backend == "cpu"
    assert profile.matmul_n == 256
    # Any CPU that runs this suite does more than 0.1 and less than 100k GFLOP/s.
    assert 0.1 < profile.matmul_gflops < 100_000
    assert profile.memory_bytes > 0
    assert profile.embeddings_per_second is None
