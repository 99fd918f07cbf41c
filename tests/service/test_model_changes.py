"""The read-only model-change helpers' readers: a version's JSON files and the numbers in them."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.model_changes import number_at, read_version_json


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{", b"{not json", b"[1, 2]"],
    ids=["not-utf8", "not-json", "not-an-object"],
)
def test_a_bad_version_file_reads_as_empty(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "metrics.json").write_bytes(content)
    assert read_version_json(tmp_path / "metrics.json") == {}


def test_a_version_file_reads_as_its_object_and_a_missing_one_as_empty(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"catalogue": "c1"}', encoding="utf-8")
    assert read_version_json(tmp_path / "manifest.json") == {"catalogue": "c1"}
    assert read_version_json(tmp_path / "absent.json") == {}


def test_number_at_takes_only_finite_numbers_at_the_end_of_the_keys() -> None:
    data = {"a": {"b": 2, "flag": True, "inf": float("inf"), "text": "3", "list": [1]}}
    assert number_at(data, "a", "b") == 2.0 and isinstance(number_at(data, "a", "b"), float)
    for keys in (("a", "flag"), ("a", "inf"), ("a", "text"), ("a", "list"), ("a", "x"), ("z",)):
        assert number_at(data, *keys) is None, keys
    assert number_at(data, "a", "b", "c") is None  # past a number
    assert number_at({"x": 1.5}) is None  # no keys: the object itself is not a number
