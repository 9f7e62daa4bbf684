"""The container engine's commands, the container spec and the result archive, as
pure functions (no engine needed)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from protocol.compute.container_result import (
    ContainerMetrics,
    compare_outputs,
    pack_result,
    unpack_result,
)
from protocol.compute.container_spec import container_units, parse_container_spec
from protocol.compute.errors import InvalidJobSpec, MalformedContainerResult
from protocol.compute.npy_codec import encode_npy
from protocol.containers.engine import ContainerEngine, RunPlan, find_engine
from protocol.containers.runner import ContainerCaps, plan_for, read_output_dir

PODMAN = ContainerEngine(name="podman", binary="/usr/bin/podman", runtime="runc")
DOCKER = ContainerEngine(name="docker", binary="docker")


def flag_values(command: list[str], flag: str) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == flag]


def plan(**changes: object) -> RunPlan:
    fields: dict[str, object] = {
        "name": "gpuc-ab-1",
        "image": "localhost/gpuc-python:1",
        "command": ("python3", "-c", "print(1)"),
        "memory_bytes": 512 * 2**20,
        "cpus": 1.5,
        "pids": 64,
        "out_dir": "/work/out",
    }
    return RunPlan.model_validate({**fields, **changes})


def test_podman_run_command_isolates_the_container() -> None:
    command = PODMAN.run_command(plan())

    assert command[:5] == ["/usr/bin/podman", "--runtime", "runc", "run", "--rm"]
    assert flag_values(command, "--name") == ["gpuc-ab-1"]
    assert flag_values(command, "--network") == ["none"]
    assert "--read-only" in command
    assert flag_values(command, "--memory") == ["536870912b"]
    # Swap equal to memory: no swap beyond the limit.
    assert flag_values(command, "--memory-swap") == ["536870912b"]
    assert flag_values(command, "--cpus") == ["1.5"]
    assert flag_values(command, "--pids-limit") == ["64"]
    assert flag_values(command, "--cap-drop") == ["ALL"]
    assert flag_values(command, "--security-opt") == ["no-new-privileges"]
    assert flag_values(command, "--user") == ["65534:65534"]
    assert flag_values(command, "--volume") == ["/work/out:/out:rw"]
    assert "--device" not in command
    assert command[-4:] == ["localhost/gpuc-python:1", "python3", "-c", "print(1)"]


def test_inputs_are_mounted_read_only_and_the_gpu_passed_through_by_cdi() -> None:
    gpu = PODMAN.model_copy(update={"gpu": True})

    command = gpu.run_command(plan(in_dir="/work/in", cgroup_parent="/gpuc/x"))

    assert flag_values(command, "--volume") == ["/work/out:/out:rw", "/work/in:/in:ro"]
    assert flag_values(command, "--device") == ["nvidia.com/gpu=all"]
    assert flag_values(command, "--cgroup-parent") == ["/gpuc/x"]
    assert flag_values(DOCKER.model_copy(update={"gpu": True}).run_command(plan()), "--gpus") == [
        "all"
    ]


def test_command_arguments_after_the_image_are_never_engine_flags() -> None:
    command = DOCKER.run_command(plan(command=("--privileged", "-v", "/:/host")))

    image_at = command.index("localhost/gpuc-python:1")
    assert "--privileged" not in command[:image_at]
    assert command[image_at + 1 :] == ["--privileged", "-v", "/:/host"]


def test_remove_command_names_the_container() -> None:
    assert DOCKER.remove_command("gpuc-ab-1") == [
        "docker",
        "rm",
        "--force",
        "--time",
        "0",
        "gpuc-ab-1",
    ]


def test_podman_reads_the_projects_containers_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTAINERS_CONF", raising=False)

    conf = Path(PODMAN.environment()["CONTAINERS_CONF"])

    assert "default_ulimits = []" in conf.read_text()
    assert "CONTAINERS_CONF" not in DOCKER.environment()


def test_spec_requests_are_capped_by_the_provider() -> None:
    spec = parse_container_spec(
        {"kind": "container", "image": "alpine", "memory_mib": 100_000, "cpus": 64, "pids": 9000}
    )
    caps = ContainerCaps(memory_bytes=256 * 2**20, cpus=2, pids=100)

    capped = plan_for(spec, caps, name="n", out_dir=Path("/o"), in_dir=None)

    assert (capped.memory_bytes, capped.cpus, capped.pids) == (256 * 2**20, 2, 100)
    small = parse_container_spec({"kind": "container", "image": "alpine", "memory_mib": 64})
    assert (
        plan_for(small, caps, name="n", out_dir=Path("/o"), in_dir=None).memory_bytes == 64 * 2**20
    )


@pytest.mark.parametrize(
    "image",
    [
        "alpine",
        "alpine:3.20",
        "ghcr.io/org/tool:v1.2",
        "localhost:5000/x/y",
        "busybox@sha256:" + "a" * 64,
    ],
)
def test_valid_images_parse(image: str) -> None:
    spec = parse_container_spec({"kind": "container", "image": image, "command": ["true"]})

    assert spec.image == image


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"kind": "container", "image": "--privileged", "command": []}, "image"),
        ({"kind": "container", "image": "Alpine", "command": []}, "image"),
        ({"kind": "container", "image": "", "command": []}, "image"),
        ({"kind": "container", "image": "alpine", "command": "echo hi"}, "command"),
        ({"kind": "container", "image": "alpine", "command": ["a\x00b"]}, "NUL"),
        ({"kind": "container", "image": "alpine", "mounts": ["/"]}, "mounts"),
        ({"kind": "container", "image": "alpine", "tolerance": 2.0}, "tolerance"),
        ({"kind": "container", "image": "alpine", "max_seconds": 0}, "max_seconds"),
        ({"kind": "container", "image": "alpine", "inputs_hash": "0x12"}, "inputs_hash"),
        ({"kind": "matmul", "image": "alpine"}, "kind"),
    ],
)
def test_malformed_specs_name_the_problem(document: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidJobSpec, match=problem):
        parse_container_spec(document)


@pytest.mark.parametrize(
    ("seconds", "units"), [(0.0, 1), (0.2, 1), (1.0, 1), (1.01, 2), (59.5, 60)]
)
def test_container_units_are_whole_seconds_rounded_up(seconds: float, units: int) -> None:
    assert container_units(seconds) == units


METRICS = ContainerMetrics(wall_seconds=1.5, cpu_seconds=1.2, memory_peak_bytes=10_000_000)


def test_result_archive_round_trips_and_is_deterministic() -> None:
    outputs = {"weights.npy": encode_npy(np.ones((2, 2), np.float32)), "sub/a.txt": b"a"}

    first = pack_result(outputs, b"log line\n", METRICS, exit_code=0, engine="podman")
    again = pack_result(
        dict(reversed(outputs.items())), b"log line\n", METRICS, exit_code=0, engine="podman"
    )
    parsed = unpack_result(first)

    assert first == again
    assert parsed.outputs == outputs
    assert parsed.log == b"log line\n"
    assert parsed.manifest.metrics == METRICS


def test_an_archive_whose_log_was_swapped_is_malformed() -> None:
    honest = pack_result({"a": b"1"}, b"real log", METRICS, exit_code=0, engine="podman")
    members = {}
    with tarfile.open(fileobj=io.BytesIO(honest)) as tar:
        for info in tar:
            extracted = tar.extractfile(info)
            assert extracted is not None
            members[info.name] = extracted.read()
    members["log.txt"] = b"a nicer log"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    with pytest.raises(MalformedContainerResult, match="log"):
        unpack_result(buffer.getvalue())
    with pytest.raises(MalformedContainerResult, match="tar"):
        unpack_result(b"not an archive at all" * 40)


def test_outputs_compare_exactly_or_within_the_declared_tolerance() -> None:
    reference = {"w.npy": encode_npy(np.array([1.0, 2.0], np.float32)), "note": b"x"}
    close = {"w.npy": encode_npy(np.array([1.0, 2.000001], np.float32)), "note": b"x"}
    far = {"w.npy": encode_npy(np.array([1.0, 2.5], np.float32)), "note": b"x"}

    assert compare_outputs(reference, reference, None) == []
    assert compare_outputs(close, reference, 1e-4) == []
    assert "w.npy: sha256" in compare_outputs(close, reference, None)[0]
    assert "tolerance" in compare_outputs(far, reference, 1e-4)[0]
    assert "missing outputs: note" in compare_outputs(
        {"w.npy": reference["w.npy"]}, reference, None
    )


def test_output_dir_never_follows_a_symlink_out_of_the_volume(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_bytes(b"fine")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "b").write_bytes(b"b")
    assert read_output_dir(tmp_path) == {"ok.txt": b"fine", "nested/b": b"b"}

    (tmp_path / "shadow").symlink_to("/etc/hostname")

    with pytest.raises(MalformedContainerResult, match="shadow"):
        read_output_dir(tmp_path)


NO_DAEMON = """#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2
exit 1
"""
# Stands in for a Docker daemon, which cannot run here: answers `version` only.
DAEMON = """#!/bin/sh
[ "$1" = version ] && echo "27.0.0-fake" && exit 0
exit 1
"""


def only_docker_on_path(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docker = tmp_path / "docker"
    docker.write_text(script)
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))  # the scripts use shell builtins only


def test_no_engine_on_path_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    status = find_engine(gpu=False)

    assert status.engine is None
    assert status.detail == "no 'podman' or 'docker' command on PATH"


def test_docker_without_a_daemon_is_refused_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_docker_on_path(tmp_path, NO_DAEMON, monkeypatch)

    status = find_engine(gpu=False)

    assert status.engine is None
    assert "Cannot connect to the Docker daemon" in status.detail


def test_docker_is_used_where_a_daemon_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_docker_on_path(tmp_path, DAEMON, monkeypatch)

    status = find_engine(gpu=False)

    assert status.engine is not None and status.engine.name == "docker"
    assert status.engine.runtime is None


def test_podman_is_preferred_and_runs_with_runc_as_root() -> None:
    status = find_engine(gpu=False, probe=False)

    assert status.engine is not None and status.engine.name == "podman"
    assert status.engine.runtime == "runc" and not status.engine.rootless
