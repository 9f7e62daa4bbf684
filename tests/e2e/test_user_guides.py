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
