"""The container engine and test image, once per pytest session (real podman).

No skip: a machine without podman fails these tests with the reason
(`make install-system` installs podman and runc from Debian's packages).
"""

from __future__ import annotations

import pytest

from protocol.containers.engine import ContainerEngine, require_engine
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
