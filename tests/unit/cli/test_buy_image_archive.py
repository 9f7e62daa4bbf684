"""`gpuc buy --image-archive` (or a spec file's "image_archive" path) refuses a file that
is no image archive, a non-container spec or a doubled archive before it connects to
anything: the refusals run with no chain and no matcher configured."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from typer.testing import CliRunner

from gpuc.cli import app
from gpuc.commands.buy import _image_archive_path
from gpuc.errors import ExitCode

NOWHERE = {"GPUC_RPC_URL": "http://127.0.0.1:9", "GPUC_MATCHER_URL": "http://127.0.0.1:9"}


def _buy(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["buy", "container-cpu", "--max-price", "0.01", *args], env=NOWHERE
    )
    return result.exit_code, " ".join(result.output.split())


def test_a_bad_archive_or_spec_is_refused_before_any_connection(tmp_path: Path) -> None:
    notes = tmp_path / "notes.tar"
    (tmp_path / "readme.txt").write_text("not an image")
    with tarfile.open(notes, "w") as tar:
        tar.add(tmp_path / "readme.txt", arcname="readme.txt")
    container = json.dumps({"kind": "container", "command": ["true"]})

    code, output = _buy("--spec", container, "--image-archive", str(notes))
    assert code == ExitCode.BAD_INPUT and "bad image archive" in output and "neither" in output

    code, output = _buy("--spec", '{"kind": "matmul", "n": 8}', "--image-archive", str(notes))
    assert code == ExitCode.BAD_INPUT and "goes with a container job" in output

    code, output = _buy("--spec", container, "--image-archive", str(tmp_path / "absent.tar"))
    assert code == ExitCode.BAD_INPUT and "is not a file" in output

    spec_file = tmp_path / "job.json"
    spec_file.write_text(json.dumps({"kind": "container", "image_archive": "notes.tar"}))
    code, output = _buy("--spec-file", str(spec_file))
    assert code == ExitCode.BAD_INPUT and "bad image archive" in output


def test_a_spec_files_archive_path_is_read_relative_to_it(tmp_path: Path) -> None:
    spec_file = tmp_path / "jobs" / "job.json"
    document: dict[str, object] = {"kind": "container", "image_archive": "image.tar"}
    assert _image_archive_path(document, None, spec_file) == tmp_path / "jobs" / "image.tar"
    assert "image_archive" not in document  # filled in with the uploaded hash later
    uploaded = {"kind": "container", "image_archive": "0x" + "ab" * 32}
    assert _image_archive_path(uploaded, None, spec_file) is None
    flag = tmp_path / "other.tar"
    assert _image_archive_path(dict(uploaded), flag, spec_file) == flag
