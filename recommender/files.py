"""Files: writing one atomically (readers see the old content or the new, never a half-written
file), hashing one and reading a model artifact's JSON.

The one helper every writer of the project uses (training's tables, benchmarks, pictures and
model files, the benchmark results). The new content goes to a temporary file beside the target,
is flushed to disk, gets the caller's ``mode`` (explicit: ``tempfile.mkstemp`` would leave 0600,
and no umask applies) and is renamed over the target; on any error the temporary file is removed
and the target is untouched.

``sha256_of_file`` is the one content hash of a file on disk (model manifests, the catalogue
build's inputs and outputs, outcome-record files). ``read_artifact_json`` reads the JSON
object of a model artifact (registry, manifest, calibration, metrics, typical fit) with one error,
``ModelArtifactError`` naming the file, whatever is wrong with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from recommender.errors import ModelArtifactError

__all__ = [
    "PRIVATE",
    "READABLE",
    "atomic_path",
    "read_artifact_json",
    "sha256_of_file",
    "write_atomic",
]

#: Mode of files others read: model versions (the service's user), committed data, results.
READABLE = 0o644
#: Mode of files only their owner may read (e.g. student outcome records).
PRIVATE = 0o600


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` to write (open it, or hand it to a library);
    when the block ends without an error, the file there gets ``mode`` (e.g. 0o644) and
    replaces ``target``. The target's folder must exist."""
    final = Path(target)
    handle, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as written:  # durable before it becomes visible
            os.fsync(written.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(target: str | os.PathLike[str], data: bytes | str, *, mode: int) -> None:
    """Replace ``target`` with ``data`` (str is written as UTF-8, line ends as given) atomically,
    with the file ``mode`` given (e.g. 0o644)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target, mode=mode) as temporary:
        temporary.write_bytes(payload)


def sha256_of_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 (64 lowercase hex digits) of a file's bytes, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_artifact_json(file: Path, what: str) -> dict[str, Any]:
    """The JSON object in a model artifact ``file`` (UTF-8); ``what`` names it in the errors.

    ModelArtifactError naming the file: "<what> file not found"; "unreadable <what>: …" when it
    cannot be read, is not UTF-8 or is not JSON; "<what> must be a JSON object" for other JSON.
    """
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtifactError(str(file), f"{what} file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelArtifactError(str(file), f"unreadable {what}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelArtifactError(str(file), f"{what} must be a JSON object")
    return data
