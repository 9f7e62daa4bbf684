"""What a job waits for, by status and time (pure): the consumer can see why it is stuck."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gpuc.cli import app
from gpuc.market.buy import waiting_for
from protocol.typed_data import JobStatus, JobTerms

TERMS = JobTerms(
    consumer="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    provider="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    budget=10,
    price_per_unit=1,
    accept_deadline=1_000,
    deadline=2_000,
    spec=b"\x11" * 32,
    salt=1,
)


def test_each_status_says_what_it_waits_for() -> None:
    open_now = waiting_for(JobStatus.OPEN, TERMS, now=900, dispute_window=60)
    assert "to accept within 100 s" in open_now and "0x" + "11" * 32 in open_now
    assert "gpuc job refund" in waiting_for(JobStatus.OPEN, TERMS, now=1_001, dispute_window=60)
    assert "due within 500 s" in waiting_for(JobStatus.ACCEPTED, TERMS, 1_500, 60)
    assert "slash opens in 30 s" in waiting_for(JobStatus.ACCEPTED, TERMS, 2_030, 60)
    assert "non-delivery slash" in waiting_for(JobStatus.ACCEPTED, TERMS, 2_100, 60)
    assert "verdict" in waiting_for(JobStatus.DELIVERED, TERMS, 2_100, 60)
    assert "closed" in waiting_for(JobStatus.SETTLED, TERMS, 2_100, 60)


def test_buy_refuses_bad_input_before_connecting(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = [
        (["buy", "matmul", "--max-price", "1e3", "--spec", "{}"], "exponent notation"),
        (["buy", "matmul", "--max-price", "0.1"], "give exactly one of"),
        (["buy", "matmul", "--max-price", "0.1", "--spec", "[1]"], 'with a "kind"'),
        (["buy", "matmul", "--max-price", "0.1", "--texts", str(tmp_path / "no")], "cannot read"),
    ]
    for args, problem in cases:
        result = runner.invoke(app, [*args, "--rpc", "http://127.0.0.1:9"])
        assert result.exit_code == 2, (args, result.output)
        assert problem in result.output, (args, result.output)
