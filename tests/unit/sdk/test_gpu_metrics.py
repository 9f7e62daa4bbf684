"""GPU utilisation of a container task. No GPU exists on this machine, so the parser
and the sampler are fed a recorded fake: nvidia-smi's output for
``--query-gpu=utilization.gpu --format=csv,noheader,nounits`` (one line per GPU), as
written by a stand-in script named nvidia-smi. Without a GPU the figure is None with
the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from protocol.containers.gpu_metrics import QUERY, GpuSampler, parse_utilization

# Recorded fake: what nvidia-smi prints for QUERY on a host with two GPUs.
TWO_GPUS = "87\n13\n"
NOT_SUPPORTED = "[N/A]\n"


def test_the_parser_reads_each_gpus_percentage() -> None:
    assert parse_utilization(TWO_GPUS) == [0.87, 0.13]
    assert parse_utilization("100 %\n") == [1.0]  # without nounits
    assert parse_utilization(NOT_SUPPORTED) is None
    assert parse_utilization("[Not Supported]") is None
    assert parse_utilization("") is None
    assert parse_utilization("250\n") is None


def fake_smi(tmp_path: Path, output: str) -> str:
    script = tmp_path / "nvidia-smi"
    expected = " ".join(QUERY)
    script.write_text(f'#!/bin/sh\n[ "$*" = "{expected}" ] || exit 9\nprintf "%s" "{output}"\n')
    os.chmod(script, 0o755)
    return str(script)


def test_the_sampler_averages_what_nvidia_smi_says(tmp_path: Path) -> None:
    sampler = GpuSampler(True, interval=0.05, binary=fake_smi(tmp_path, TWO_GPUS))
    sampler.start()
    utilization, note = sampler.stop()
    assert utilization == pytest.approx(0.5) and note is None


def test_no_gpu_or_no_figure_is_none_with_the_reason(tmp_path: Path) -> None:
    assert GpuSampler(False).stop() == (None, "no GPU is passed to the container on this host")
    missing = GpuSampler(True, binary=str(tmp_path / "absent"))
    missing.start()
    assert missing.stop() == (None, f"{tmp_path / 'absent'} is not on PATH")
    na = GpuSampler(True, interval=0.05, binary=fake_smi(tmp_path, NOT_SUPPORTED))
    na.start()
    value, note = na.stop()
    assert value is None and note is not None and "[N/A]" in note
