"""The container engine and test image, once per pytest session (real podman).

No skip: a machine without podman fails these tests with the reason
(`make install-system` installs podman and runc from Debian's packages).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol.containers.engine import ContainerEngine, require_engine, run_quiet
from protocol.containers.image import ensure_python_image

TRAIN_SCRIPT = """
import numpy as np
rng = np.random.default_rng(7)
x = rng.standard_normal((256, 8))
true_w = np.arange(1.0, 9.0)
y = x @ true_w + 0.01 * rng.standard_normal(256)
w = np.zeros(8)
for step in range(200):
    grad = x.T @ (x @ w - y) / len(y)
    w -= 0.1 * grad
    if step % 50 == 0:
        print(f"step {step} loss {float(np.mean((x @ w - y) ** 2)):.6f}", flush=True)
np.save("/out/weights.npy", w)
print("done", flush=True)
"""


@pytest.fixture(scope="session")
def container_engine() -> ContainerEngine:
    return require_engine()


@pytest.fixture(scope="session")
def container_image(container_engine: ContainerEngine) -> str:
    return ensure_python_image(container_engine)


# What a consumer's own image runs in the tests: it reads the file only that image has.
READ_MARKER = "import shutil; shutil.copy('/gpuc-marker', '/out/marker.txt'); print('copied')"


def podman(engine: ContainerEngine, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [engine.binary, *args], capture_output=True, text=True, cwd=cwd, env=engine.environment()
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def consumer_image(
    container_engine: ContainerEngine,
    container_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, str]]:
    """A consumer's own image: (image id, its docker-archive from `podman save`, the marker
    file it carries). The test image plus one file, so the engine does not have it when a
    test starts; removed again afterwards."""
    folder = tmp_path_factory.mktemp("consumer-image")
    marker = uuid.uuid4().hex
    (folder / "marker").write_text(marker)
    (folder / "Containerfile").write_text(f"FROM {container_image}\nCOPY marker /gpuc-marker\n")
    tag = f"localhost/gpuc-consumer-test:{marker[:12]}"
    runtime = ["--runtime", container_engine.runtime] if container_engine.runtime else []
    podman(container_engine, *runtime, "build", "-q", "-t", tag, ".", cwd=folder)
    image_id = "sha256:" + podman(container_engine, "image", "inspect", "--format", "{{.Id}}", tag)
    archive = folder / "image.tar"
    podman(container_engine, "save", "-o", str(archive), tag)
    podman(container_engine, "rmi", "--force", image_id)
    yield image_id, archive, marker
    run_quiet(container_engine, [container_engine.binary, "rmi", "--force", image_id])
