"""Consumer-supplied images: an OCI or Docker image archive (``podman save``,
``docker save``), checked, then loaded into the local engine.

The image's id is the sha256 of its config blob, which in turn names every layer's
digest; the engine checks the layers against it on load. So a spec names its image
by that id (``image: "sha256:<64 hex>"``) and ``inspect_image_archive`` (pure: reads
the tar, runs nothing) finds the id an archive holds and checks every digest on the
way from the archive's index to the config. Before loading, the archive's names
(RepoTags, ref.name annotations) are removed, so a consumer's archive can never
re-tag an image the provider or another job uses; the image is loaded untagged and
run by its id, and the id the engine reports must be the one the spec names.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from protocol.compute.errors import ContainerEngineError, InvalidImageArchive
from protocol.containers.engine import ContainerEngine, run_quiet

__all__ = [
    "ImageArchive",
    "ensure_archive_image",
    "image_present",
    "inspect_image_archive",
    "load_image_archive",
    "loaded_image_ids",
    "write_unnamed_archive",
]

_DIGEST = re.compile(r"^sha256:([0-9a-f]{64})$")
_LOADED = re.compile(r"^Loaded image(?:\(s\)| ID)?:\s*(.+)$")
_MAX_METADATA_BYTES = 4 * 2**20
_MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


class ImageArchive(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["docker-archive", "oci-archive"]
    # sha256 of the image's config blob: what ``podman images --no-trunc`` shows.
    image_id: str


def inspect_image_archive(path: Path) -> ImageArchive:
    """The one image an archive holds; InvalidImageArchive naming what is wrong."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = {}
            for info in tar:
                name = _member_name(info)
                if name in members:
                    raise InvalidImageArchive(f"the image archive holds {name!r} twice")
                members[name] = info
            if "manifest.json" in members:
                return _docker_archive(tar, members)
            if "index.json" in members:
                return _oci_archive(tar, members)
    except (tarfile.TarError, EOFError) as exc:
        raise InvalidImageArchive(f"{path} is not a tar archive: {exc}") from None
    except OSError as exc:
        raise InvalidImageArchive(f"cannot read the image archive {path}: {exc}") from None
    raise InvalidImageArchive(
        f"{path} is a tar archive but no image archive: it has neither manifest.json "
        "(docker-archive) nor index.json (oci-archive); make one with `podman save`"
    )


def _member_name(info: tarfile.TarInfo) -> str:
    path = PurePosixPath(info.name)
    if path.is_absolute() or ".." in path.parts:
        raise InvalidImageArchive(f"the image archive has a member outside it: {info.name!r}")
    if not (info.isfile() or info.isdir() or info.issym() or info.islnk()):
        raise InvalidImageArchive(f"the image archive member {info.name!r} is not a file")
    return str(path)


def _read(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str) -> bytes:
    seen: set[str] = set()
    info = members.get(name)
    while info is not None and (info.issym() or info.islnk()):
        if name in seen:
            break
        seen.add(name)
        target = info.linkname if info.islnk() else str(PurePosixPath(name).parent / info.linkname)
        name = _normal(target)
        info = members.get(name)
    if info is None or not info.isfile():
        raise InvalidImageArchive(f"the image archive lacks {name!r}")
    if info.size > _MAX_METADATA_BYTES and not name.endswith(".tar"):
        raise InvalidImageArchive(f"the image archive's {name!r} is implausibly large")
    handle = tar.extractfile(info)
    if handle is None:
        raise InvalidImageArchive(f"cannot read {name!r} from the image archive")
    return handle.read()


def _normal(name: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(name).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidImageArchive(f"the image archive's {what} is not JSON") from None


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _docker_archive(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> ImageArchive:
    manifest = _json(_read(tar, members, "manifest.json"), "manifest.json")
    if not isinstance(manifest, list) or len(manifest) != 1 or not isinstance(manifest[0], dict):
        count = len(manifest) if isinstance(manifest, list) else "no"
        raise InvalidImageArchive(
            f"the image archive holds {count} images: give an archive of exactly one image"
        )
    config_name = manifest[0].get("Config")
    layers = manifest[0].get("Layers")
    if not isinstance(config_name, str) or not isinstance(layers, list):
        raise InvalidImageArchive("the archive's manifest.json lacks Config or Layers")
    for layer in layers:
        if not isinstance(layer, str) or _normal(layer) not in members:
            raise InvalidImageArchive(f"the archive lacks the layer {layer!r} its manifest names")
    image_id = _sha256(_read(tar, members, _normal(config_name)))
    named = re.search(r"([0-9a-f]{64})(\.json)?$", config_name)
    if named is not None and named.group(1) != image_id.removeprefix("sha256:"):
        raise InvalidImageArchive(
            f"the archive's config {config_name} hashes to {image_id}: the archive is corrupt"
        )
    return ImageArchive(format="docker-archive", image_id=image_id)


def _blob(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], digest: object) -> bytes:
    found = _DIGEST.match(digest) if isinstance(digest, str) else None
    if found is None:
        raise InvalidImageArchive(f"the archive names a blob {digest!r} that is no sha256 digest")
    data = _read(tar, members, f"blobs/sha256/{found.group(1)}")
    if _sha256(data) != digest:
        raise InvalidImageArchive(f"the archive's blob {digest} does not hash to its name")
    return data


def _oci_archive(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> ImageArchive:
    index = _json(_read(tar, members, "index.json"), "index.json")
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list) or len(manifests) != 1 or not isinstance(manifests[0], dict):
        count = len(manifests) if isinstance(manifests, list) else "no"
        raise InvalidImageArchive(
            f"the image archive's index.json lists {count} images: give exactly one"
        )
    entry = manifests[0]
    if entry.get("mediaType") not in _MANIFEST_TYPES:
        raise InvalidImageArchive(
            f"the archive's index names a {entry.get('mediaType')!r}, not one image manifest"
        )
    manifest = _json(_blob(tar, members, entry.get("digest")), "image manifest")
    config = manifest.get("config") if isinstance(manifest, dict) else None
    layers = manifest.get("layers") if isinstance(manifest, dict) else None
    if not isinstance(config, dict) or not isinstance(layers, list):
        raise InvalidImageArchive("the archive's image manifest lacks config or layers")
    for layer in layers:
        digest = layer.get("digest") if isinstance(layer, dict) else None
        found = _DIGEST.match(digest) if isinstance(digest, str) else None
        if found is None or f"blobs/sha256/{found.group(1)}" not in members:
            raise InvalidImageArchive(f"the archive lacks the layer {digest!r} its manifest names")
    _blob(tar, members, config.get("digest"))
    return ImageArchive(format="oci-archive", image_id=str(config["digest"]))


def write_unnamed_archive(source: Path, destination: Path) -> None:
    """Copy an image archive without its names: no RepoTags, no ``repositories``, no
    ref.name annotations (the image id, a hash of the config, does not change)."""
    with tarfile.open(source, mode="r:") as tar, tarfile.open(destination, mode="w") as out:
        for info in tar:
            name = str(PurePosixPath(info.name))
            if name == "repositories":
                continue
            if name in ("manifest.json", "index.json") and info.isfile():
                handle = tar.extractfile(info)
                document = _json(handle.read() if handle is not None else b"", name)
                _strip_names(document)
                data = json.dumps(document).encode()
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
                continue
            out.addfile(info, tar.extractfile(info) if info.isfile() else None)


def _strip_names(document: Any) -> None:
    if isinstance(document, list):  # docker-archive manifest.json
        for entry in document:
            if isinstance(entry, dict):
                entry["RepoTags"] = []
    elif isinstance(document, dict):  # oci-archive index.json
        for entry in document.get("manifests") or ():
            if isinstance(entry, dict) and isinstance(entry.get("annotations"), dict):
                entry["annotations"].pop("org.opencontainers.image.ref.name", None)
                entry["annotations"].pop("io.containerd.image.name", None)


def loaded_image_ids(output: str) -> list[str]:
    """The image ids an engine's ``load`` says it loaded (pure)."""
    ids: list[str] = []
    for line in output.splitlines():
        found = _LOADED.match(line.strip())
        if found is None:
            continue
        for item in found.group(1).split(","):
            item = item.strip()
            if _DIGEST.match(item):
                ids.append(item)
            elif re.fullmatch(r"[0-9a-f]{64}", item):
                ids.append("sha256:" + item)
    return ids


def image_present(engine: ContainerEngine, image_id: str) -> bool:
    done = run_quiet(engine, engine.image_exists_command(image_id))
    found = done.stdout.strip()
    return done.returncode == 0 and image_id.removeprefix("sha256:") in found


def load_image_archive(
    engine: ContainerEngine, archive: Path, image_id: str, scratch: Path
) -> None:
    """Check that ``archive`` holds ``image_id``, load it untagged, and check the engine
    now has that id. InvalidImageArchive for a bad or different archive,
    ContainerEngineError when the engine fails."""
    found = inspect_image_archive(archive)
    if found.image_id != image_id:
        raise InvalidImageArchive(
            f"the image archive holds image {found.image_id}, the spec names {image_id}"
        )
    unnamed = scratch / "unnamed-image.tar"
    try:
        write_unnamed_archive(archive, unnamed)
        done = run_quiet(engine, [engine.binary, "load", "-i", str(unnamed)], timeout=600)
    finally:
        unnamed.unlink(missing_ok=True)
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise InvalidImageArchive(f"`{engine.name} load` refused the image archive: {tail}")
    loaded = loaded_image_ids(done.stdout + "\n" + done.stderr)
    if loaded != [image_id] or not image_present(engine, image_id):
        raise ContainerEngineError(
            f"`{engine.name} load` loaded {loaded or 'nothing it named'}, the spec names {image_id}"
        )


_LOADING = threading.Lock()


def ensure_archive_image(
    engine: ContainerEngine,
    image_id: str,
    fetch_archive: Callable[[Path], object],
    scratch_root: Path | None = None,
) -> bool:
    """Make ``image_id`` present: if the engine lacks it, ``fetch_archive(path)`` writes
    the (already hash-checked) archive to ``path`` and it is checked and loaded. True when
    it was loaded now, False when the engine had it (the id is a hash of the image's
    config, which names every layer, so the same id is the same image)."""
    with _LOADING:  # one load at a time; a second job for the same image finds it
        if image_present(engine, image_id):
            return False
        if scratch_root is not None:
            scratch_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="gpuc-image-", dir=scratch_root) as scratch:
            archive = Path(scratch) / "image.tar"
            fetch_archive(archive)
            load_image_archive(engine, archive, image_id, Path(scratch))
        return True
