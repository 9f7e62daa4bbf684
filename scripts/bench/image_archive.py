"""Consumer-supplied image benchmark (real podman, a real document store on loopback).

An image derived from the project's test image (one extra file, so the engine does not
already have it) is saved as a docker-archive (~109 MB), then timed:
1. check: reading the archive and finding its image id (no engine);
2. upload: 16 MiB chunks plus the manifest to the store (`gpuc buy --image-archive`);
3. fetch: chunks back to disk, each chunk and the whole checked (the provider);
4. load: tags stripped and `podman load` (the provider, before it accepts).
Each step once per round; the image is removed before each load.

Run: .venv/bin/python scripts/bench/image_archive.py [--rounds N]   (~20 s a round here)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from gpuc.market.document_store import create_document_app
from protocol.chunked_documents import fetch_chunked, publish_chunked
from protocol.containers.engine import ContainerEngine, require_engine, run_quiet
from protocol.containers.image import ensure_python_image
from protocol.containers.image_archive import inspect_image_archive, load_image_archive
from provider.results.server import LoopbackServer
from provider.results.store import ResultStore


def _podman(engine: ContainerEngine, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [engine.binary, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=engine.environment(),
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    engine = require_engine()
    base = ensure_python_image(engine)
    figures: dict[str, list[float]] = {"check": [], "upload": [], "fetch": [], "load": []}
    with tempfile.TemporaryDirectory(prefix="gpuc-bench-image-") as scratch_dir:
        scratch = Path(scratch_dir)
        (scratch / "marker").write_text(uuid.uuid4().hex)
        (scratch / "Containerfile").write_text(f"FROM {base}\nCOPY marker /gpuc-marker\n")
        runtime = ["--runtime", engine.runtime] if engine.runtime else []
        tag = f"localhost/gpuc-bench-image:{uuid.uuid4().hex[:12]}"
        _podman(engine, *runtime, "build", "-q", "-t", tag, ".", cwd=scratch)
        image_id = "sha256:" + _podman(engine, "image", "inspect", "--format", "{{.Id}}", tag)
        archive = scratch / "image.tar"
        _podman(engine, "save", "-o", str(archive), tag)
        size = archive.stat().st_size
        try:
            with (
                LoopbackServer(create_document_app(ResultStore(scratch / "store"))) as store,
                httpx.Client(timeout=60) as http,
            ):
                for _ in range(rounds):
                    started = time.perf_counter()
                    inspect_image_archive(archive)
                    checked = time.perf_counter()
                    ref = publish_chunked(http, store.base_url, archive)
                    uploaded = time.perf_counter()
                    copy = scratch / "fetched.tar"
                    fetch_chunked(http, [store.base_url], bytes.fromhex(ref[2:]), copy)
                    fetched = time.perf_counter()
                    run_quiet(engine, [engine.binary, "rmi", "--force", image_id])
                    unloaded = time.perf_counter()
                    load_image_archive(engine, copy, image_id, scratch)
                    loaded = time.perf_counter()
                    copy.unlink()
                    figures["check"].append(checked - started)
                    figures["upload"].append(uploaded - checked)
                    figures["fetch"].append(fetched - uploaded)
                    figures["load"].append(loaded - unloaded)
        finally:
            run_quiet(engine, [engine.binary, "rmi", "--force", image_id])
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; archive "
        f"{size / 1e6:.1f} MB in {-(-size // 2**24)} chunks; {rounds} rounds"
    )
    for step, times in figures.items():
        print(
            f"{step:<7} median {statistics.median(times):6.2f} s  "
            f"({size / 1e6 / max(statistics.median(times), 1e-6):8.1f} MB/s)"
        )


if __name__ == "__main__":
    main()
