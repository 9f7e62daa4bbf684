"""gpuc job logs: the live log from a real provider result server while the job runs, and
the signed log inside the result archive from a real document store once it is delivered.

The task itself is stood in for by a thread writing the container log file where the
container kind writes it (no podman needed): the server, its LiveLogs follower and the
HTTP streaming are the real ones."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from eth_utils.crypto import keccak

from gpuc.errors import GpucError
from gpuc.job_logs import archive_log, stream_live_log
from gpuc.market.document_store import create_document_app
from protocol.compute.container_result import ContainerMetrics, pack_result, sha256_ref
from provider.execution.kinds.container import LOG_FILE, TASK_DIR
from provider.results.live_logs import LiveLogs
from provider.results.server import LoopbackServer, ResultServer
from provider.results.store import ResultStore

JOB = bytes.fromhex("10c0" * 16)


def _running_log(work_root: Path) -> tuple[Path, Path]:
    workdir = work_root / f"gpuc-job-{JOB.hex()}-abc"
    (workdir / TASK_DIR).mkdir(parents=True)
    return workdir, workdir / TASK_DIR / LOG_FILE


def test_follow_prints_the_log_as_it_is_written_until_the_job_ends(tmp_path: Path) -> None:
    work_root = tmp_path / "work"
    workdir, log = _running_log(work_root)
    log.write_bytes(b"epoch 0\n")

    def task() -> None:
        time.sleep(0.8)
        with log.open("ab") as f:
            f.write(b"epoch 1\n")
        time.sleep(0.8)
        shutil.rmtree(workdir)  # the job ended: the provider removes its workdir

    seen: list[tuple[float, bytes]] = []
    logs = LiveLogs(work_root, poll_seconds=0.05)
    with (
        ResultServer(ResultStore(tmp_path / "results"), logs=logs) as server,
        httpx.Client() as http,
    ):
        started = time.monotonic()
        threading.Thread(target=task, daemon=True).start()
        answer = stream_live_log(
            http, server.base_url, JOB, lambda c: seen.append((time.monotonic(), c)), follow=True
        )
        ended = time.monotonic()
        assert answer.served and answer.bytes == len(b"epoch 0\nepoch 1\n")
        assert b"".join(c for _, c in seen) == b"epoch 0\nepoch 1\n"
        assert seen[0][0] - started < 0.6  # the first line came before the task went on
        assert ended - started > 1.5  # and the stream lasted until the job ended

        other = stream_live_log(http, server.base_url, b"\x01" * 32, seen.append, follow=True)
        assert not other.served and "runs no container job" in other.reason
        with pytest.raises(GpucError, match="HTTP 400"):
            stream_live_log(http, server.base_url, b"\x01", seen.append, follow=True)
        down = stream_live_log(http, "http://127.0.0.1:9", JOB, seen.append, follow=True)
        assert not down.served and "unreachable" in down.reason


def test_without_follow_it_prints_what_is_there_and_returns(tmp_path: Path) -> None:
    work_root = tmp_path / "work"
    workdir, log = _running_log(work_root)
    log.write_bytes(b"loading data\n")  # the job keeps running: its workdir stays
    got: list[bytes] = []
    logs = LiveLogs(work_root, poll_seconds=0.05)
    with (
        ResultServer(ResultStore(tmp_path / "results"), logs=logs) as server,
        httpx.Client() as http,
    ):
        started = time.monotonic()
        answer = stream_live_log(
            http, server.base_url, JOB, got.append, follow=False, idle_seconds=0.5
        )
        assert answer.served and b"".join(got) == b"loading data\n"
        assert time.monotonic() - started < 4
        shutil.rmtree(workdir)  # ends the server's follower too


def test_a_delivered_job_s_log_comes_from_its_result_archive(tmp_path: Path) -> None:
    log = b"epoch 0 loss 1.0\nepoch 1 loss 0.5\n"
    archive = pack_result(
        {"weights.bin": b"\x00" * 8},
        log,
        ContainerMetrics(wall_seconds=2.0),
        exit_code=0,
        engine="podman",
    )
    spec = b'{"kind":"matmul"}'
    store = ResultStore(tmp_path / "docs")
    with LoopbackServer(create_document_app(store)) as docs, httpx.Client() as http:
        for data in (archive, spec):
            ref = "0x" + keccak(data).hex()
            assert http.put(f"{docs.base_url}/{ref}", content=data).status_code == 201
        found = archive_log(http, docs.base_url, keccak(archive))
        assert found.log == log
        assert found.manifest.log_hash == sha256_ref(log) and found.manifest.exit_code == 0
        assert found.url.startswith(docs.base_url)
        with pytest.raises(GpucError, match="not a container result"):
            archive_log(http, docs.base_url, keccak(spec))
        with pytest.raises(GpucError, match="not available"):
            archive_log(http, docs.base_url, keccak(b"never stored"))


def test_the_gpuc_job_logs_command_prints_the_live_log(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from gpuc.cli import app

    work_root = tmp_path / "work"
    workdir, log = _running_log(work_root)
    log.write_bytes(b"step 1\nstep 2\n")
    threading.Timer(0.5, shutil.rmtree, args=(workdir,)).start()  # the job ends
    logs = LiveLogs(work_root, poll_seconds=0.05)
    with ResultServer(ResultStore(tmp_path / "results"), logs=logs) as server:
        job = "0x" + JOB.hex()
        args = ["job", "logs", job, "--provider-url", server.base_url, "--follow", "--json"]
        ran = CliRunner().invoke(app, args)
        assert ran.exit_code == 0, ran.output
        assert json.loads(ran.stdout) == {"job": job, "source": "live", "log": "step 1\nstep 2\n"}
