"""Image archives checked without an engine: the image id is the sha256 of the config
blob, every digest on the way to it must hold, an archive of two images or none is
refused, names are stripped before a load, and an engine's load output is read."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from protocol.compute.container_spec import parse_container_spec
from protocol.compute.errors import InvalidImageArchive, InvalidJobSpec
from protocol.containers.image_archive import (
    inspect_image_archive,
    loaded_image_ids,
    write_unnamed_archive,
)

CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"diff_ids": []}}).encode()
LAYER = b"layer bytes" * 100


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def docker_members(images: int = 1, config: bytes = CONFIG) -> dict[str, bytes]:
    entry = {"Config": f"{sha(config)}.json", "RepoTags": ["localhost/x:1"], "Layers": ["l.tar"]}
    return {
        f"{sha(config)}.json": config,
        "l.tar": LAYER,
        "manifest.json": json.dumps([entry] * images).encode(),
        "repositories": b'{"localhost/x": {"1": "abc"}}',
    }


def oci_members(
    manifest_type: str = "application/vnd.oci.image.manifest.v1+json",
) -> dict[str, bytes]:
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "config": {"digest": f"sha256:{sha(CONFIG)}", "size": len(CONFIG)},
            "layers": [{"digest": f"sha256:{sha(LAYER)}", "size": len(LAYER)}],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": manifest_type,
                "digest": f"sha256:{sha(manifest)}",
                "annotations": {"org.opencontainers.image.ref.name": "localhost/x:1"},
            }
        ],
    }
    return {
        "oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
        "index.json": json.dumps(index).encode(),
        f"blobs/sha256/{sha(manifest)}": manifest,
        f"blobs/sha256/{sha(CONFIG)}": CONFIG,
        f"blobs/sha256/{sha(LAYER)}": LAYER,
    }


def test_both_formats_give_the_config_hash_as_the_image_id(tmp_path: Path) -> None:
    docker = inspect_image_archive(write_tar(tmp_path / "d.tar", docker_members()))
    oci = inspect_image_archive(write_tar(tmp_path / "o.tar", oci_members()))
    assert docker.format == "docker-archive" and oci.format == "oci-archive"
    assert docker.image_id == oci.image_id == f"sha256:{sha(CONFIG)}"


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        (docker_members(images=2), "holds 2 images"),
        ({**docker_members(), "manifest.json": b"[]"}, "holds 0 images"),
        ({k: v for k, v in docker_members().items() if k != "l.tar"}, "lacks the layer"),
        ({**docker_members(), f"{sha(CONFIG)}.json": b"{}"}, "archive is corrupt"),
        ({**oci_members(), f"blobs/sha256/{sha(CONFIG)}": b"{}"}, "does not hash to its name"),
        ({k: v for k, v in oci_members().items() if sha(LAYER) not in k}, "lacks the layer"),
        (oci_members("application/vnd.oci.image.index.v1+json"), "not one image manifest"),
        ({"etc/passwd": b"root"}, "neither manifest.json"),
        ({"../escape": b"x", **docker_members()}, "outside it"),
        ({"manifest.json": b"not json"}, "is not JSON"),
    ],
)
def test_a_bad_archive_is_refused_naming_the_problem(
    tmp_path: Path, members: dict[str, bytes], problem: str
) -> None:
    with pytest.raises(InvalidImageArchive, match=problem):
        inspect_image_archive(write_tar(tmp_path / "bad.tar", members))


def test_a_file_that_is_no_tar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.tar"
    path.write_bytes(b"\x00not a tar archive" * 100)
    with pytest.raises(InvalidImageArchive, match=r"not a tar archive|neither manifest"):
        inspect_image_archive(path)


def test_names_are_stripped_and_the_id_kept(tmp_path: Path) -> None:
    for name, members in (("d", docker_members()), ("o", oci_members())):
        source = write_tar(tmp_path / f"{name}.tar", members)
        unnamed = tmp_path / f"{name}-unnamed.tar"
        write_unnamed_archive(source, unnamed)
        with tarfile.open(unnamed) as tar:
            names = tar.getnames()
            index = tar.extractfile("manifest.json" if name == "d" else "index.json")
            assert index is not None
            text = index.read().decode()
        assert "localhost/x" not in text and "repositories" not in names
        assert inspect_image_archive(unnamed).image_id == inspect_image_archive(source).image_id


def test_the_engines_load_output_is_read() -> None:
    image = "sha256:" + "ab" * 32
    assert loaded_image_ids(f"Getting image source signatures\nLoaded image: {image}\n") == [image]
    assert loaded_image_ids(f"Loaded image ID: {image}") == [image]  # docker
    assert loaded_image_ids(f"Loaded image(s): {'ab' * 32}") == [image]
    assert loaded_image_ids("Loaded image: localhost/x:1") == []


def test_a_spec_with_an_archive_names_the_image_by_id() -> None:
    archive = "0x" + "11" * 32
    spec = parse_container_spec(
        {"kind": "container", "image": f"sha256:{'ab' * 32}", "image_archive": archive}
    )
    assert spec.image_archive_digest == bytes.fromhex("11" * 32)
    assert spec.as_json()["image_archive"] == archive
    with pytest.raises(InvalidJobSpec, match="image is the archive's image id"):
        parse_container_spec({"kind": "container", "image": "python:3", "image_archive": archive})
    # A spec without an archive is published (and hashed) exactly as before.
    plain = parse_container_spec({"kind": "container", "image": "localhost/gpuc-python:1"})
    assert "image_archive" not in plain.as_json()
