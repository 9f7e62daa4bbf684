"""Measure the compute device the agent sells: a CUDA GPU through torch when one
is present, else the CPU through numpy.

The figures are published to the matcher (capacity) and registered for the
oracles' throughput check (units claimed must fit the wall time), so they are
measured, in a short bounded benchmark: the best of repeated float32 products
(steady state, no first-call overhead) and, where the reference model loads,
embeddings per second over a fixed batch of synthetic sentences.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.compute.embedding_inputs import synthetic_texts
from protocol.compute.matrices import matrix_from_seed
from protocol.compute.units import MATMUL_FLOP_PER_UNIT, matmul_flop
from provider.errors import DeviceError
from provider.execution.kinds.embeddings import MODEL_PACKAGES

__all__ = [
    "Backend",
    "DeviceProfile",
    "benchmark_embeddings",
    "benchmark_matmul",
    "detect_backend",
    "measure_device",
]

Backend = Literal["cpu", "cuda"]
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
_BENCH_SEED_A, _BENCH_SEED_B, _BENCH_TEXT_SEED = 7001, 7002, 7003


class DeviceProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Backend
    name: str
    logical_cpus: int = Field(ge=1)
    # GPU memory on cuda, host RAM on cpu.
    memory_bytes: int = Field(ge=0)
    matmul_gflops: float = Field(gt=0)
    matmul_n: int = Field(ge=1)
    # None where the reference embedding model is not installed.
    embeddings_per_second: float | None = Field(default=None, gt=0)
    measured_at: int

    def units_per_second(self, kind: str) -> float | None:
        """Throughput in the kind's billing units, or None if this device has no figure."""
        if kind == "matmul":
            return self.matmul_gflops * 1e9 / MATMUL_FLOP_PER_UNIT
        if kind == "embeddings":
            return self.embeddings_per_second
        if kind == "container":
            return 1.0  # a unit is a second of the task's wall time, on any hardware
        return None


def detect_backend() -> Backend:
    """cuda when torch imports and sees a GPU, else cpu."""
    if find_spec("torch") is None:
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def benchmark_matmul(
    multiply: Callable[[], None],
    n: int,
    budget_seconds: float,
    max_repeats: int = 50,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """GFLOP/s of the fastest of repeated ``multiply()`` calls (each one n x n product),
    after one warm-up call, until ``budget_seconds`` or ``max_repeats`` is reached."""
    multiply()
    best = float("inf")
    spent = 0.0
    for _ in range(max_repeats):
        start = clock()
        multiply()
        elapsed = clock() - start
        best = min(best, elapsed)
        spent += elapsed
        if spent >= budget_seconds:
            break
    if not best > 0:
        raise DeviceError(f"a {n} x {n} product took no measurable time; use a larger n")
    return matmul_flop(n) / best / 1e9


def benchmark_embeddings(
    embed: Callable[[list[str]], object],
    count: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Embeddings per second over ``count`` synthetic sentences, after a small warm-up."""
    texts = synthetic_texts(_BENCH_TEXT_SEED, count)
    embed(texts[:4])
    start = clock()
    embed(texts)
    elapsed = clock() - start
    if not elapsed > 0:
        raise DeviceError("embedding took no measurable time; use a larger count")
    return count / elapsed


def measure_device(
    backend: Backend | None = None,
    matmul_n: int = 1024,
    budget_seconds: float = 1.0,
    embeddings_count: int | None = 64,
) -> DeviceProfile:
    """Benchmark this machine. ``embeddings_count=None`` skips the embedding model
    (it takes seconds to load)."""
    chosen: Backend = backend or detect_backend()
    if chosen == "cuda":
        name, memory, multiply = _cuda_device(matmul_n)
    else:
        name, memory, multiply = _cpu_device(matmul_n)
    gflops = benchmark_matmul(multiply, matmul_n, budget_seconds)
    per_second = None
    if embeddings_count is not None and _embedding_model_installed():
        from protocol.compute.embedding_model import load_embedder

        embedder = load_embedder(EMBEDDING_MODEL)
        per_second = benchmark_embeddings(embedder.embed, embeddings_count)
    return DeviceProfile(
        backend=chosen,
        name=name,
        logical_cpus=os.cpu_count() or 1,
        memory_bytes=memory,
        matmul_gflops=gflops,
        matmul_n=matmul_n,
        embeddings_per_second=per_second,
        measured_at=int(time.time()),
    )


def _embedding_model_installed() -> bool:
    return all(find_spec(name) is not None for name in MODEL_PACKAGES)


def _cpu_device(n: int) -> tuple[str, int, Callable[[], None]]:
    a = matrix_from_seed(_BENCH_SEED_A, n, "float32")
    b = matrix_from_seed(_BENCH_SEED_B, n, "float32")

    def multiply() -> None:
        _ = a @ b

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return _cpu_name(), int(memory), multiply


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return os.uname().machine


def _cuda_device(n: int) -> tuple[str, int, Callable[[], None]]:
    import torch

    if not torch.cuda.is_available():
        raise DeviceError("backend cuda was asked for but torch sees no CUDA GPU")
    a = torch.from_numpy(matrix_from_seed(_BENCH_SEED_A, n, "float32")).cuda()
    b = torch.from_numpy(matrix_from_seed(_BENCH_SEED_B, n, "float32")).cuda()

    def multiply() -> None:
        _ = a @ b
        # Kernels run asynchronously: wait, or the clock measures only the launch.
        torch.cuda.synchronize()

    properties = torch.cuda.get_device_properties(0)
    return str(properties.name), int(properties.total_memory), multiply
