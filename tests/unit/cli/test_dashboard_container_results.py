"""The dashboard shows a container job's resource use: the market host serves the parsed
manifest of a result archive that a provider copied into its document store."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils.crypto import keccak
from fastapi.testclient import TestClient

from gpuc.market.market_host import create_market_app
from matcher.dashboard.container_view import container_result_view
from matcher.dashboard.errors import NotAContainerResult
from matcher.settings import MatcherSettings
from protocol.compute.container_result import ContainerMetrics, pack_result, sha256_ref

LOG = b"step 1\nstep 2\n" + "\u00e9t\u00e9 fini\n".encode()
OUTPUTS = {"result.txt": b"42\n", "sub/more.bin": b"\x00\x01"}


def _archive() -> bytes:
    metrics = ContainerMetrics(wall_seconds=2.5, cpu_seconds=1.25, memory_peak_bytes=64 << 20)
    return pack_result(OUTPUTS, LOG, metrics, exit_code=3, engine="podman")


def _ref(data: bytes) -> str:
    return "0x" + keccak(data).hex()


def test_a_stored_result_archive_is_served_as_its_manifest(tmp_path: Path) -> None:
    settings = MatcherSettings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    archive = _archive()
    with TestClient(create_market_app(settings, None, tmp_path / "docs")) as client:
        # What a provider does after delivering: copy the archive into the store.
        assert client.put(f"/documents/{_ref(archive)}", content=archive).status_code == 201
        answer = client.get(f"/api/dashboard/container-results/{_ref(archive).upper()[1:]}")
        assert answer.status_code == 422  # "X..." is not 0x + hex
        view = client.get(f"/api/dashboard/container-results/{_ref(archive)}").json()
        manifest = view["manifest"]
        assert (manifest["exit_code"], manifest["engine"]) == (3, "podman")
        assert manifest["metrics"] == {
            "wall_seconds": 2.5,
            "cpu_seconds": 1.25,
            "memory_peak_bytes": 64 << 20,
            "gpu_utilization": None,
            "gpu_note": None,
        }
        assert manifest["log_hash"] == sha256_ref(LOG)
        assert manifest["outputs"] == {name: sha256_ref(d) for name, d in OUTPUTS.items()}
        assert (view["result_hash"], view["archive_bytes"]) == (_ref(archive), len(archive))
        assert (view["log_bytes"], view["log_tail"]) == (len(LOG), LOG.decode())

        unknown = client.get(f"/api/dashboard/container-results/{_ref(b'nothing')}")
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (
            404,
            "container_result_unavailable",
        )
        spec = b'{"kind":"matmul"}'  # a document, not a container result
        assert client.put(f"/documents/{_ref(spec)}", content=spec).status_code == 201
        refused = client.get(f"/api/dashboard/container-results/{_ref(spec)}")
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "not_a_container_result"


def test_the_view_rehashes_and_checks_the_archive() -> None:
    archive = _archive()
    digest = keccak(archive)
    assert container_result_view(digest, archive).manifest.metrics.cpu_seconds == 1.25
    with pytest.raises(NotAContainerResult, match="do not hash"):
        container_result_view(keccak(b"other"), archive)
    # A log that no longer matches the manifest's log_hash (same length, one byte changed).
    tampered = archive.replace(b"step 2", b"step 9")
    with pytest.raises(NotAContainerResult, match="log"):
        container_result_view(keccak(tampered), tampered)
    long_log = b"x" * 5000 + b"END"
    big = pack_result({}, long_log, ContainerMetrics(wall_seconds=0), exit_code=0, engine="podman")
    tail = container_result_view(keccak(big), big).log_tail
    assert tail.endswith("END") and len(tail) == 4096
