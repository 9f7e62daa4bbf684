"""Vendoring uPlot: only the pinned version with the pinned file hashes is copied."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from matcher.dashboard.errors import VendorError
from matcher.dashboard.vendor import (
    FILES,
    PACKAGE,
    VENDOR_DIR,
    VERSION,
    missing_or_wrong,
    vendor_assets,
)


def fake_checkout(root: Path, version: str = VERSION) -> Path:
    """A repository whose node_modules holds the package, built from the vendored files."""
    assert not missing_or_wrong(), "run scripts/build_dashboard.py first (make install does)"
    package = root / "node_modules" / PACKAGE
    for source, (name, _) in FILES.items():
        (package / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR_DIR / name, package / source)
    (package / "package.json").write_text(json.dumps({"name": PACKAGE, "version": version}))
    return package


def test_copies_the_pinned_files_from_node_modules(tmp_path: Path) -> None:
    fake_checkout(tmp_path)
    dest = tmp_path / "vendor"
    assert sorted(missing_or_wrong(dest)) == sorted(name for name, _ in FILES.values())
    assert vendor_assets(tmp_path, dest) == str(tmp_path / "node_modules" / PACKAGE)
    assert missing_or_wrong(dest) == []
    assert vendor_assets(tmp_path, dest) == "already vendored"


def test_a_changed_file_is_refused_and_nothing_is_copied(tmp_path: Path) -> None:
    package = fake_checkout(tmp_path)
    with (package / "dist/uPlot.esm.js").open("a") as f:
        f.write("\n// changed\n")
    dest = tmp_path / "vendor"
    with pytest.raises(VendorError, match="does not match the pinned sha256"):
        vendor_assets(tmp_path, dest)
    assert not dest.exists()


def test_a_vendored_file_that_was_edited_counts_as_wrong(tmp_path: Path) -> None:
    fake_checkout(tmp_path)
    dest = tmp_path / "vendor"
    vendor_assets(tmp_path, dest)
    (dest / "uPlot.min.css").write_text("/* edited */")
    assert missing_or_wrong(dest) == ["uPlot.min.css"]
