"""The test/demo image: Debian's python3 and numpy, built offline from Debian's
packages (no registry is reachable) and imported into the local engine.

``apt-get download`` fetches the packages below, ``dpkg-deb -x`` unpacks them
into a rootfs, a few links the maintainer scripts would make are added, and
``<engine> import`` turns the tarball into an image. The tag is a hash of this
recipe, so a built image is reused until the recipe changes. About 25 MB of
packages and ~20 s here; debootstrap made the same rootfs far more slowly.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from protocol.compute.errors import ContainerEngineError
from protocol.containers.engine import ContainerEngine, run_quiet

__all__ = ["PACKAGES", "PYTHON_IMAGE", "ensure_python_image", "python_image_tag"]

PACKAGES: tuple[str, ...] = (
    "dash", "coreutils", "libc6", "libgcc-s1", "libstdc++6", "libacl1", "libattr1",
    "libselinux1", "libpcre2-8-0", "libgmp10", "libcrypt1", "zlib1g", "libexpat1",
    "libffi8", "libbz2-1.0", "liblzma5", "libssl3", "libsqlite3-0", "libuuid1",
    "libncursesw6", "libtinfo6", "libreadline8", "libdb5.3", "libnsl2", "libtirpc3",
    "libgssapi-krb5-2", "libkrb5-3", "libk5crypto3", "libcom-err2", "libkrb5support0",
    "libkeyutils1", "media-types", "python3.11-minimal", "libpython3.11-minimal",
    "libpython3.11-stdlib", "python3-numpy", "libblas3", "liblapack3", "libgfortran5",
    "libquadmath0",
)  # fmt: skip
# What the packages' maintainer scripts and update-alternatives would have linked.
_LINKS: tuple[tuple[str, str], ...] = (
    ("bin/sh", "dash"),
    ("usr/bin/python3", "python3.11"),
    ("usr/lib/x86_64-linux-gnu/libblas.so.3", "blas/libblas.so.3"),
    ("usr/lib/x86_64-linux-gnu/liblapack.so.3", "lapack/liblapack.so.3"),
)
_DIRS = ("tmp", "out", "in", "proc", "sys", "dev", "etc", "run")
PYTHON_IMAGE = "localhost/gpuc-python"


def python_image_tag() -> str:
    recipe = "\n".join([*PACKAGES, *(f"{a}->{b}" for a, b in _LINKS), *_DIRS]).encode()
    return f"{PYTHON_IMAGE}:{hashlib.sha256(recipe).hexdigest()[:16]}"


def ensure_python_image(engine: ContainerEngine) -> str:
    """The image's reference, built and imported first if the engine lacks it."""
    image = python_image_tag()
    if run_quiet(engine, engine.image_exists_command(image)).returncode == 0:
        return image
    with tempfile.TemporaryDirectory(prefix="gpuc-image-") as scratch:
        tarball = build_rootfs_tarball(Path(scratch))
        done = run_quiet(engine, engine.import_command(str(tarball), image), timeout=600)
        if done.returncode != 0:
            raise ContainerEngineError(f"importing {image} failed: {done.stderr.strip()[-500:]}")
    return image


def build_rootfs_tarball(scratch: Path) -> Path:
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise ContainerEngineError(f"building the image needs {tool!r} (Debian) on PATH")
    debs = scratch / "debs"
    rootfs = scratch / "rootfs"
    debs.mkdir()
    rootfs.mkdir()
    _check(
        ["apt-get", "-q", "-o", "APT::Sandbox::User=root", "download", *PACKAGES],
        cwd=debs,
        what="downloading the image's Debian packages",
    )
    for deb in sorted(debs.glob("*.deb")):
        _check(["dpkg-deb", "-x", str(deb), str(rootfs)], cwd=scratch, what=f"unpacking {deb.name}")
    for link, target in _LINKS:
        path = rootfs / link
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    for directory in _DIRS:
        (rootfs / directory).mkdir(exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    tarball = scratch / "rootfs.tar"
    with tarfile.open(tarball, "w") as tar:
        for path in sorted(rootfs.iterdir()):
            tar.add(path, arcname=path.name, filter=_normalise)
    return tarball


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    return info


def _check(command: list[str], cwd: Path, what: str) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ContainerEngineError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        raise ContainerEngineError(f"{what} failed: {done.stderr.strip()[-500:]}")
