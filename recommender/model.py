"""Scoring the learned fit with ONNX Runtime, and reading the version ``registry.json`` seeds.

A model version is a folder ``models/<version>/`` holding ``model.onnx`` (a float32 pair matrix in,
the predicted outcome grade 0..3 out). Its metadata names the feature columns it reads, a subset of
``FEATURE_NAMES`` in its own order; the scorer takes the full pair matrix the one feature builder
makes and hands the model exactly those columns, so versions trained on different subsets serve
side by side. The fit of an occupation is that prediction divided by 3 and
clipped to 0..1. The service's active version is its database pointer (``service.state``);
``models/registry.json`` names the version a new database starts with (and, offline, the
default of ``locate_model_version``); nothing in the code writes it.

``manifest.json``, written last by training, lists the SHA-256 of every file of the version;
``verify_model_files`` checks them all before a version is served, so an edited, truncated or
deleted file (a policy.json gone would otherwise fall back to the default policy) is refused by
name instead of served.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import ModelArtifactError, UnknownModelVersionError
from recommender.features import FEATURE_NAMES
from recommender.files import read_artifact_json, sha256_of_file
from recommender.shipped import shipped_path

F32 = npt.NDArray[np.float32]

#: The shipped models folder (the checkout's models/, or the installed package data).
DEFAULT_MODELS_DIR: Final = shipped_path("models")

#: Highest outcome grade; fit = predicted grade / MAX_GRADE.
MAX_GRADE: Final = 3.0

MANIFEST_FILE: Final = "manifest.json"
#: Files a version load reads when present; each present one must be listed in the manifest.
LOADED_FILES: Final = ("model.onnx", "policy.json", "calibration.json", "typical_fit.json")


@dataclass(frozen=True)
class FitModel:
    """A loaded ONNX fit model; ``metadata`` holds the strings written at export."""

    path: Path
    version: str
    metadata: dict[str, str]
    _session: Any
    _input_name: str
    _columns: npt.NDArray[np.int64] | None = None

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The feature columns this model reads, in its input order."""
        if self._columns is None:
            return FEATURE_NAMES
        return tuple(FEATURE_NAMES[int(i)] for i in self._columns)

    def predict_grade(self, features: F32) -> F32:
        """Predicted outcome grade per row (about 0..3), float32 (n,), from the full pair matrix."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(FEATURE_NAMES):
            raise ModelArtifactError(
                str(self.path), f"expected features (n, {len(FEATURE_NAMES)}), got {x.shape}"
            )
        x = np.ascontiguousarray(x if self._columns is None else x[:, self._columns])
        out = self._session.run(None, {self._input_name: x})[0]
        return np.asarray(out, dtype=np.float32).reshape(-1)

    def score_fit(self, features: F32) -> F32:
        """Fit per row in 0..1 (predicted grade / 3, clipped)."""
        fit: F32 = np.clip(self.predict_grade(features) / MAX_GRADE, 0.0, 1.0).astype(np.float32)
        return fit


def load_fit_model(path: Path, *, intra_op_threads: int = 1) -> FitModel:
    """Load ``model.onnx`` (or a version folder holding it) with the given intra-op thread count."""
    import onnxruntime as ort

    file = path / "model.onnx" if path.is_dir() else path
    if not file.is_file():
        raise ModelArtifactError(str(file), "model file not found")
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(
            str(file), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelArtifactError(str(file), f"not a loadable ONNX model ({exc})") from None
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise ModelArtifactError(str(file), f"expected one input, found {len(inputs)}")
    meta = dict(session.get_modelmeta().custom_metadata_map)
    names = meta.get("feature_names")
    wanted = FEATURE_NAMES if names is None else tuple(names.split(","))
    unknown = [n for n in wanted if n not in FEATURE_NAMES]
    if unknown:
        raise ModelArtifactError(
            str(file), f"model reads features this code does not build: {', '.join(unknown[:3])}"
        )
    width = inputs[0].shape[1] if len(inputs[0].shape) == 2 else None
    if width is not None and width != len(wanted):
        raise ModelArtifactError(
            str(file), f"model takes {width} features but its metadata names {len(wanted)}"
        )
    columns = None
    if wanted != FEATURE_NAMES:
        columns = np.array([FEATURE_NAMES.index(n) for n in wanted], dtype=np.int64)
    return FitModel(
        path=file,
        version=meta.get("version", file.parent.name),
        metadata=meta,
        _session=session,
        _input_name=inputs[0].name,
        _columns=columns,
    )


def verify_model_files(folder: Path) -> dict[str, str]:
    """Check every file ``folder/manifest.json`` lists against its SHA-256; return the listing.

    ModelArtifactError naming the file when the manifest is missing or unreadable, a listed file
    is missing or differs, or a file the load reads (``LOADED_FILES``) is present but unlisted;
    ``model.onnx`` must be listed. Reads each listed file once.
    """
    manifest_file = folder / MANIFEST_FILE
    files = read_artifact_json(manifest_file, "manifest").get("files")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in files.items()
    ):
        raise ModelArtifactError(
            str(manifest_file), "manifest has no 'files' object of file name -> sha256"
        )
    if "model.onnx" not in files:
        raise ModelArtifactError(str(manifest_file), "manifest does not list model.onnx")
    for name in LOADED_FILES:
        if name not in files and (folder / name).exists():
            raise ModelArtifactError(str(folder / name), "file is not listed in the manifest")
    for name, expected in sorted(files.items()):
        if Path(name).name != name or name in ("", ".", ".."):
            raise ModelArtifactError(str(manifest_file), f"manifest lists a path {name!r}")
        file = folder / name
        try:
            actual = sha256_of_file(file)
        except FileNotFoundError:
            raise ModelArtifactError(str(file), "file listed in the manifest is missing") from None
        except OSError as exc:
            raise ModelArtifactError(str(file), f"unreadable: {exc}") from None
        if actual != expected.lower():
            raise ModelArtifactError(
                str(file),
                f"SHA-256 {actual[:12]}… does not match the manifest's {expected[:12]}…; "
                "the file was changed after training",
            )
    return dict(files)


def read_registry(models_dir: Path = DEFAULT_MODELS_DIR) -> dict[str, Any]:
    """Read ``registry.json`` from a models folder (the seed version and its history)."""
    file = models_dir / "registry.json"
    data = read_artifact_json(file, "registry")
    if not isinstance(data.get("active"), str):
        raise ModelArtifactError(str(file), "registry must be an object with a string 'active'")
    return data


def read_active_version(models_dir: Path = DEFAULT_MODELS_DIR) -> str:
    """The version ``registry.json`` names: what a new database's pointer is seeded with."""
    return str(read_registry(models_dir)["active"])


def locate_model_version(models_dir: Path = DEFAULT_MODELS_DIR, version: str | None = None) -> Path:
    """Folder of a model version (registry.json's when version is None); must hold model.onnx."""
    name = read_active_version(models_dir) if version is None else version
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UnknownModelVersionError(name)
    folder = models_dir / name
    if not (folder / "model.onnx").is_file():
        raise UnknownModelVersionError(name)
    return folder
