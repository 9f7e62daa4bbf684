"""A consumer's own image under real podman: `podman save` of an image the engine
then forgets, uploaded as a chunked document (16 MiB chunks, ~109 MB) to a real
document store on loopback, fetched and loaded by the provider, run with the same
isolation, and loaded again from the same archive for the oracle's re-run. A bad
archive, or one holding another image than the spec names, is refused by name.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from container_image import READ_MARKER

from gpuc.errors import UsageError
from gpuc.market.document_store import create_document_app
from gpuc.market.image_upload import attach_image_archive
from oracles.container_rerun import engine_rerun
from protocol.compute.container_result import unpack_result
from protocol.compute.container_spec import parse_container_spec
from protocol.containers.engine import ContainerEngine, run_quiet
from protocol.containers.image_archive import image_present
from provider.documents import DocumentFetcher
from provider.errors import AgentError
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import MIB, ResourceLimits
from provider.execution.outcome import Succeeded
from provider.images import ImageLoader
from provider.results.server import LoopbackServer
from provider.results.store import ResultStore


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("store")
    with LoopbackServer(create_document_app(ResultStore(folder))) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def uploaded(consumer_image: tuple[str, Path, str], store_url: str) -> dict[str, Any]:
    """The consumer's spec after `gpuc buy --image-archive` uploaded the archive."""
    with httpx.Client(timeout=30) as http:
        return attach_image_archive(
            http,
            store_url,
            {"kind": "container", "command": ["python3", "-c", READ_MARKER], "deterministic": True},
            consumer_image[1],
        )


def forget(engine: ContainerEngine, image_id: str) -> None:
    run_quiet(engine, [engine.binary, "rmi", "--force", image_id])
    assert not image_present(engine, image_id)


def test_the_consumers_archive_is_loaded_run_and_rerun_from_the_same_archive(
    container_engine: ContainerEngine,
    consumer_image: tuple[str, Path, str],
    store_url: str,
    uploaded: dict[str, Any],
    tmp_path: Path,
) -> None:
    image_id, _, marker = consumer_image
    forget(container_engine, image_id)
    spec = uploaded
    assert spec["image"] == image_id and str(spec["image_archive"]).startswith("0x")
    parsed = parse_container_spec(spec)

    fetcher = DocumentFetcher([store_url], httpx.Client(timeout=30))
    image_url = ImageLoader(fetcher, tmp_path / "images").ensure(parsed)
    assert image_url == f"{store_url}/{spec['image_archive']}"
    assert image_present(container_engine, image_id)

    limits = ResourceLimits(wall_seconds=60, memory_bytes=256 * MIB)
    executor = JobExecutor(default_registry(), limits, work_root=tmp_path / "jobs")
    outcome = executor.run(JobRequest(job_id=b"\x07" * 32, spec=parsed.as_json()))
    assert isinstance(outcome, Succeeded), outcome
    assert unpack_result(outcome.result).outputs == {"marker.txt": marker.encode()}

    # The oracle's re-run on an engine without the image loads it from the same archive.
    forget(container_engine, image_id)
    reference = engine_rerun(work_root=tmp_path / "oracle")(parsed, None, image_url)
    assert reference == {"marker.txt": marker.encode()}
    assert image_present(container_engine, image_id)


def test_an_archive_of_another_image_or_no_image_is_refused(
    container_engine: ContainerEngine,
    consumer_image: tuple[str, Path, str],
    store_url: str,
    uploaded: dict[str, Any],
    tmp_path: Path,
) -> None:
    image_id, archive, _ = consumer_image
    forget(container_engine, image_id)
    other = "sha256:" + "ab" * 32
    spec = uploaded
    with httpx.Client(timeout=30) as http:
        lying = parse_container_spec({**spec, "image": other})
        loader = ImageLoader(DocumentFetcher([store_url], http), tmp_path / "images")
        with pytest.raises(AgentError, match=f"holds image {image_id}, the spec names {other}"):
            loader.ensure(lying)
        assert not image_present(container_engine, image_id)

        not_an_image = tmp_path / "notes.tar"
        subprocess.run(["tar", "-cf", str(not_an_image), "-C", str(tmp_path), "images"], check=True)
        with pytest.raises(UsageError, match=r"bad image archive: .*neither manifest\.json"):
            attach_image_archive(http, store_url, {"kind": "container"}, not_an_image)
        with pytest.raises(UsageError, match="goes with a container job"):
            attach_image_archive(http, store_url, {"kind": "matmul"}, archive)

        missing = parse_container_spec({**spec, "image_archive": "0x" + "cd" * 32})
        with pytest.raises(AgentError, match="is not available"):
            loader.ensure(missing)
