"""The file helpers: atomic writes (the mode asked for, the old content on failure, no leftovers),
the content hash and model artifacts' JSON (one error, naming the file, from every reader)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recommender.calibration import load_calibration
from recommender.errors import ModelArtifactError
from recommender.files import (
    PRIVATE,
    READABLE,
    atomic_path,
    read_artifact_json,
    sha256_of_file,
    write_atomic,
)
from recommender.model import read_registry, verify_model_files
from recommender.typical import load_typical_fit
from recommender.versions import read_model_metrics


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [READABLE, PRIVATE, 0o640])
def test_the_file_gets_the_mode_asked_for_whatever_the_umask(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "table.tsv"
    old = os.umask(0o077)  # the umask mkstemp's 0600 and a strict login would both impose
    try:
        write_atomic(target, "a\tb\n", mode=mode)
    finally:
        os.umask(old)
    assert _mode(target) == mode
    assert target.read_bytes() == b"a\tb\n"


def test_text_is_written_as_utf8_with_its_own_line_ends(tmp_path: Path) -> None:
    target = tmp_path / "card.md"
    write_atomic(target, "Región\r\nñ\n", mode=READABLE)
    assert target.read_bytes() == "Región\r\nñ\n".encode()


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "records.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target, mode=READABLE) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("the writer failed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["records.csv"]


def test_a_library_writing_to_the_path_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"before")
    with atomic_path(target, mode=PRIVATE) as temporary:
        assert temporary.parent == tmp_path and temporary != target
        assert target.read_bytes() == b"before"  # nothing visible until the block ends
        temporary.write_bytes(b"after")
    assert target.read_bytes() == b"after"
    assert _mode(target) == PRIVATE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.parametrize("size", [0, 5, (1 << 20) + 3])
def test_sha256_of_file_hashes_every_byte_across_the_read_blocks(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    (tmp_path / "data.bin").write_bytes(data)
    assert sha256_of_file(tmp_path / "data.bin") == hashlib.sha256(data).hexdigest()


def test_sha256_of_an_empty_file_is_the_published_empty_digest(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_of_file(str(tmp_path / "empty")) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_read_artifact_json_returns_the_object_and_names_the_file_in_each_error(
    tmp_path: Path,
) -> None:
    file = tmp_path / "thing.json"
    file.write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read_artifact_json(file, "thing") == {"a": [1, 2]}
    for content, says in (
        (b"\xff\xfe{}", "unreadable thing: "),
        (b"{not json", "unreadable thing: "),
        (b"[1, 2]", "thing must be a JSON object"),
    ):
        file.write_bytes(content)
        with pytest.raises(ModelArtifactError) as exc:
            read_artifact_json(file, "thing")
        assert exc.value.file == str(file) and exc.value.reason.startswith(says)
    with pytest.raises(ModelArtifactError) as exc:
        read_artifact_json(tmp_path / "absent.json", "thing")
    assert exc.value.reason == "thing file not found"
    assert exc.value.file == str(tmp_path / "absent.json")


#: Each model-artifact reader: (file it reads in a version folder, how to call it on the folder).
ARTIFACT_READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "registry": ("registry.json", read_registry),
    "manifest": ("manifest.json", verify_model_files),
    "calibration": ("calibration.json", load_calibration),
    "metrics": ("metrics.json", lambda folder: read_model_metrics(folder.parent, folder.name)),
    "typical fit": ("typical_fit.json", lambda folder: load_typical_fit(folder, ["a"])),
}


@pytest.mark.parametrize("content", [b"\xff\xfe\x00{", b"{not json"], ids=["not-utf8", "not-json"])
@pytest.mark.parametrize("what", sorted(ARTIFACT_READERS))
def test_every_artifact_reader_refuses_a_bad_file_with_model_artifact_error_naming_it(
    tmp_path: Path, what: str, content: bytes
) -> None:
    name, read = ARTIFACT_READERS[what]
    folder = tmp_path / "v1"
    folder.mkdir()
    (folder / name).write_bytes(content)
    with pytest.raises(ModelArtifactError) as exc:
        read(folder)
    assert exc.value.file == str(folder / name)
    assert exc.value.reason.startswith(f"unreadable {what}: ")
