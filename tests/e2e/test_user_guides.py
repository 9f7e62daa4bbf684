"""The user guides (docs/guides/*.md) run as written against a fresh `gpuc up`: every
command in their ``console`` blocks must succeed and print what the guide shows, so the
guides cannot rot. The three guides share one market, in the order a reader would go."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from guide_session import GuideSession, normalize, steps_of

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "guides"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def market_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("up")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GPUC_")}
    process = subprocess.Popen(
        [str(BIN / "gpuc"), "up", "--json", "--dispute-window", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home,
        env=env,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line, process.stderr.read() if process.stderr else ""
        summary = json.loads(line)
        assert "error" not in summary, summary
        yield {
            **env,
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "GPUC_RPC_URL": summary["rpc_url"],
            "GPUC_MANIFEST": summary["manifest"],
            "GPUC_MATCHER_URL": summary["matcher"],
        }
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.parametrize("guide", ["consumer.md", "provider.md", "oracle.md"])
def test_guide_runs_as_written(guide: str, market_env: dict[str, str], tmp_path: Path) -> None:
    steps = steps_of((GUIDES / guide).read_text())
    assert len(steps) >= 4, f"{guide} has too few console commands to be a session"
    session = GuideSession(tmp_path, market_env)
    try:
        for step in steps:
            session.run(step, f"docs/guides/{guide}")
    finally:
        session.close()


def test_the_session_parser_and_matcher() -> None:
    text = "```console\n$ echo hi\nhi\n$ export A=1\n```\n```sh\n$ not run\n```\n"
    steps = steps_of(text)
    assert [(s.command, s.expected) for s in steps] == [("echo hi", ["hi"]), ("export A=1", [])]
    assert normalize("│ status │  Settled │\n└──┘") == "status Settled"


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    session = GuideSession(tmp_path, dict(os.environ))
    (step,) = steps_of("```console\n$ echo 'status   Settled'\nstatus ... Refunded\n```")
    with pytest.raises(AssertionError, match=r"did not print 'status \.\.\. Refunded'"):
        session.run(step, "x.md")
    (failing,) = steps_of("```console\n$ false\n```")
    with pytest.raises(AssertionError, match="exited 1"):
        session.run(failing, "x.md")


def test_the_whole_demo_against_the_same_gpuc_up(
    market_env: dict[str, str], tmp_path: Path
) -> None:
    """`gpuc demo --market` as a user runs it, against the guides' `gpuc up` (after the
    guides: the consumer guide reads the dev consumer's latest job, and the demo buys as
    that consumer). Its JSON summary must show every part of the session."""
    # `gpuc up` writes market.json in its home, beside the deployments folder.
    market_file = Path(market_env["GPUC_MANIFEST"]).parents[1] / "market.json"
    assert market_file.is_file(), f"no market.json beside {market_env['GPUC_MANIFEST']}"
    demo = [
        str(BIN / "gpuc"), "demo", "--market", str(market_file), "--json",
        "--matmul-jobs", "1", "--embeddings-jobs", "1", "--container-jobs", "1",
    ]  # fmt: skip
    done = subprocess.run(
        demo, cwd=tmp_path, env=market_env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    kinds = {job["kind"]: job for job in report["jobs"]}
    assert set(kinds) == {"matmul", "embeddings", "container"}, report["jobs"]
    assert all(job["status"] == "Settled" for job in report["jobs"]), report["jobs"]
    assert kinds["container"]["paid_to_provider_wei"] > 0
    # A chat answer bought in real time through the gateway, paid per token from escrow.
    chat = report["llm"]
    assert chat is not None and chat["answer"].strip(), chat
    assert chat["completion_tokens"] > 0 and chat["cost_wei"] > 0, chat
    # A chat batch from the Batch API, run on the LLM provider and paid on chain.
    chat_batch = report["llm_batch"]
    assert chat_batch["status"] == "completed", chat_batch
    assert len(chat_batch["answers"]) == 2 and chat_batch["tokens"] > 0, chat_batch
    assert chat_batch["chain_status"] == "Settled", chat_batch
    # The embeddings batch waited below the ask until a cheaper provider came.
    batch = report["batch"]
    assert batch["status"] == "completed" and batch["completed_requests"] == 3, batch
    assert batch["fill_price_wei"] <= batch["limit_wei"] < batch["price_when_placed_wei"], batch
    # The cheater is slashed and the consumer gets its budget back with compensation.
    cheat = report["cheat"]
    assert cheat["status"] == "Slashed" and cheat["slashed_wei"] > 0, cheat
    assert cheat["consumer_credited_wei"] >= cheat["budget_wei"] + cheat["compensation_wei"] > 0
    # The killed provider's job is slashed for non-delivery; the work ran and was paid
    # elsewhere, once.
    moved = report["migration"]
    assert moved is not None
    assert moved["killed_provider"] == "victim" and moved["moved_to"] != "victim", moved
    assert moved["first_job_status"] == "Slashed", moved
    assert moved["attempts"] == 2 and moved["status"] == "Settled", moved
    assert moved["paid_to_provider_wei"] > 0, moved
    assert report["gas"]["transactions"] > 0
