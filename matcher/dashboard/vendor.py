"""The dashboard's one third-party asset, uPlot, copied from npm into static/vendor/.

No CDN: the page loads only files the matcher serves. The package comes from the
repository's node_modules when it is there (package.json lists it); otherwise it is
installed with npm into a temporary directory, never into the shared node_modules.
Every copied file is checked against the hash pinned here, so a different build of the
package fails loudly instead of being served.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from matcher.dashboard import STATIC_DIR
from matcher.dashboard.errors import VendorError

PACKAGE = "uplot"
VERSION = "1.6.32"
# package-relative source -> (name under static/vendor/, sha256)
FILES: dict[str, tuple[str, str]] = {
    "dist/uPlot.esm.js": (
        "uPlot.esm.js",
        "5dd9b3281aa64b461b42d9945f6adb2649d346502b12281a9ae0d46599a80eba",
    ),
    "dist/uPlot.min.css": (
        "uPlot.min.css",
        "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
    ),
    "LICENSE": (
        "uPlot.LICENSE",
        "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
    ),
}
VENDOR_DIR = STATIC_DIR / "vendor"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _installed_version(package_dir: Path) -> str | None:
    manifest = package_dir / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text()).get("version"))


def missing_or_wrong(dest: Path = VENDOR_DIR) -> list[str]:
    """Vendored files that are absent or differ from the pinned hashes."""
    bad = []
    for name, digest in FILES.values():
        path = dest / name
        if not path.is_file() or _sha256(path) != digest:
            bad.append(name)
    return bad


def _copy_from(package_dir: Path, dest: Path) -> None:
    version = _installed_version(package_dir)
    if version != VERSION:
        raise VendorError(f"{package_dir} holds {PACKAGE} {version}, expected {VERSION}")
    for source, (_, digest) in FILES.items():
        path = package_dir / source
        if not path.is_file():
            raise VendorError(f"{PACKAGE}@{VERSION} has no {source} at {path}")
        if _sha256(path) != digest:
            raise VendorError(
                f"{path} does not match the pinned sha256 {digest}: "
                f"reinstall {PACKAGE}@{VERSION} from npm"
            )
    dest.mkdir(parents=True, exist_ok=True)
    for source, (name, _) in FILES.items():
        shutil.copyfile(package_dir / source, dest / name)


def _npm_install(prefix: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm is not on PATH: install Node.js (with npm) to build the dashboard")
    command = [
        npm,
        "install",
        "--no-save",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        str(prefix),
        f"{PACKAGE}@{VERSION}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise VendorError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-800:]}")
    return prefix / "node_modules" / PACKAGE


def vendor_assets(repo_root: Path, dest: Path = VENDOR_DIR) -> str:
    """Copy the pinned uPlot files into ``dest``; returns where they came from."""
    if not missing_or_wrong(dest):
        return "already vendored"
    local = repo_root / "node_modules" / PACKAGE
    if _installed_version(local) == VERSION:
        _copy_from(local, dest)
        return str(local)
    with tempfile.TemporaryDirectory(prefix="gpuc-dashboard-npm-") as tmp:
        _copy_from(_npm_install(Path(tmp)), dest)
    return f"npm {PACKAGE}@{VERSION} (temporary install)"
