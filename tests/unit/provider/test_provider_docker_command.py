"""The container kind's spec and docker command, as pure functions."""

from __future__ import annotations

import pytest

from provider.errors import ContainerSpecInvalid
from provider.execution.docker_engine import docker_remove_command, docker_run_command
from provider.execution.kinds.container import container_units
from provider.execution.kinds.container_spec import parse_container_spec


def flag_value(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_run_command_isolates_the_container() -> None:
    command = docker_run_command(
        "python:3.11-slim", ["python", "-c", "print(1)"], "gpuc-ab-1", 512 * 1024 * 1024
    )

    assert command[:3] == ["docker", "run", "--rm"]
    assert flag_value(command, "--name") == "gpuc-ab-1"
    assert flag_value(command, "--network") == "none"
    assert flag_value(command, "--memory") == "536870912b"
    # Swap equal to memory: no swap beyond the limit.
    assert flag_value(command, "--memory-swap") == "536870912b"
    assert flag_value(command, "--cap-drop") == "ALL"
    assert flag_value(command, "--security-opt") == "no-new-privileges"
    assert command[-4:] == ["python:3.11-slim", "python", "-c", "print(1)"]


def test_command_arguments_after_the_image_are_never_docker_flags() -> None:
    command = docker_run_command("alpine", ["--privileged", "-v", "/:/host"], "n", 64 * 2**20)

    image_at = command.index("alpine")
    assert "--privileged" not in command[:image_at]
    assert command[image_at + 1 :] == ["--privileged", "-v", "/:/host"]


def test_remove_command_names_the_container() -> None:
    assert docker_remove_command("gpuc-ab-1") == ["docker", "rm", "--force", "gpuc-ab-1"]


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
        ({"kind": "matmul", "image": "alpine"}, "kind"),
    ],
)
def test_malformed_specs_name_the_problem(document: dict[str, object], problem: str) -> None:
    with pytest.raises(ContainerSpecInvalid, match=problem):
        parse_container_spec(document)


@pytest.mark.parametrize(
    ("seconds", "units"), [(0.0, 1), (0.2, 1), (1.0, 1), (1.01, 2), (59.5, 60)]
)
def test_container_units_are_whole_seconds_rounded_up(seconds: float, units: int) -> None:
    assert container_units(seconds) == units
