"""GPU utilisation of a container task, where a GPU exists: ``nvidia-smi`` is sampled
while the task runs and the mean of the samples is reported (a fraction, 0 to 1).

nvidia-smi reports each device's utilisation, not a container's; a provider passes
the GPU to one task at a time, so the device's figure is the task's. Where no GPU is
passed to the container, or nvidia-smi gives no usable figure, the utilisation is None
and ``reason`` says why. The parser is pure (tested on recorded nvidia-smi output).
"""

from __future__ import annotations

import shutil
import subprocess
import threading

__all__ = ["QUERY", "GpuSampler", "parse_utilization"]

# One line per GPU, a whole percentage each ("37"), or "[N/A]" / "[Not Supported]".
QUERY = ("--query-gpu=utilization.gpu", "--format=csv,noheader,nounits")


def parse_utilization(text: str) -> list[float] | None:
    """Per-GPU utilisation (fractions) from ``nvidia-smi`` with QUERY; None when a line
    is not a percentage (the driver does not report it) or there is no line."""
    values: list[float] = []
    for line in text.splitlines():
        field = line.strip().removesuffix("%").strip()
        if not field:
            continue
        try:
            percent = float(field)
        except ValueError:
            return None
        if not 0.0 <= percent <= 100.0:
            return None
        values.append(percent / 100.0)
    return values or None


class GpuSampler:
    """Samples every ``interval`` seconds from ``start()`` to ``stop()`` (a thread)."""

    def __init__(self, gpu: bool, interval: float = 1.0, binary: str = "nvidia-smi") -> None:
        self.interval = interval
        self._binary = shutil.which(binary) if gpu else None
        self._samples: list[float] = []
        self._problem: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not gpu:
            self._problem = "no GPU is passed to the container on this host"
        elif self._binary is None:
            self._problem = f"{binary} is not on PATH"

    def start(self) -> None:
        if self._binary is None:
            return
        self._thread = threading.Thread(target=self._run, name="gpu-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._binary is not None
        while True:
            self.sample_once()
            if self._stop.wait(self.interval):
                return

    def sample_once(self) -> None:
        assert self._binary is not None
        try:
            done = subprocess.run(
                [self._binary, *QUERY], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self._problem = f"nvidia-smi failed: {exc}"
            return
        values = parse_utilization(done.stdout) if done.returncode == 0 else None
        if values is None:
            self._problem = f"nvidia-smi gave no utilisation: {done.stdout.strip()[:100]!r}"
            return
        self._samples.append(sum(values) / len(values))

    def stop(self) -> tuple[float | None, str | None]:
        """(mean utilisation, None) or (None, why there is none)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._binary is not None and not self._samples and self._problem is None:
            self.sample_once()  # a task shorter than one interval still gets one sample
        if self._samples:
            return round(sum(self._samples) / len(self._samples), 4), None
        return None, self._problem or "no sample was taken"
