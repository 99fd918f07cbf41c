"""The file helpers: atomic writes (the mode asked for, the old content on failure, no leftovers)
and the content hash."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from recommender.files import PRIVATE, READABLE, atomic_path, sha256_of_file, write_atomic


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
