"""ONNX export of a fitted pipeline, with the parity check every export must pass.

Parity: over at least 1,000 rows, the ONNX fit differs from the sklearn fit by at most 1e-4
(fit = predicted grade / 3), and each student's top 10 is the same list unless two scores tie
within that tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from onnx import ModelProto
from sklearn.pipeline import Pipeline

from recommender.errors import ModelArtifactError
from recommender.features import FEATURE_NAMES
from recommender.files import READABLE, write_atomic
from recommender.model import MAX_GRADE, load_fit_model

PARITY_TOLERANCE = 1e-4
PARITY_MIN_ROWS = 1000
TARGET_OPSET = 17


#: Attribute of a fitted pipeline naming the feature columns it was fitted on (in order).
FEATURES_ATTRIBUTE = "pathways_features"


def pipeline_features(pipe: Pipeline) -> tuple[str, ...]:
    """The feature columns a fitted pipeline reads (all of FEATURE_NAMES when it names none)."""
    return tuple(getattr(pipe, FEATURES_ATTRIBUTE, FEATURE_NAMES))


def model_input(pipe: Pipeline, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The columns of a full pair matrix (n, len(FEATURE_NAMES)) that the pipeline reads."""
    names = pipeline_features(pipe)
    if names == FEATURE_NAMES:
        return x
    return np.ascontiguousarray(x[:, [FEATURE_NAMES.index(n) for n in names]])


def refuse_unservable(pipe: Pipeline) -> None:
    """Raise ValueError for a pipeline the engine cannot serve: one that predicts probabilities.

    A classifier's ONNX output 0 is its label, which ``FitModel.predict_grade`` would read as a
    grade; its parity against ``predict_proba`` would pass while the served fit is wrong.
    """
    if hasattr(pipe, "predict_proba"):
        raise ValueError(
            "a classifier pipeline cannot be served: the engine reads ONNX output 0 as the "
            "predicted grade; train a regressor on the grade (training.train.ESTIMATORS)"
        )


def convert_pipeline(pipe: Pipeline, metadata: dict[str, str]) -> ModelProto:
    """ONNX ModelProto of a fitted pipeline: float32 input (n, features), grade output, metadata.

    The input has one column per feature the pipeline reads; their names go into the metadata.
    Only a regressor on the grade can be served (the engine reads output 0 as the predicted
    grade), so a classifier pipeline is refused.
    """
    from skl2onnx import to_onnx

    refuse_unservable(pipe)
    names = pipeline_features(pipe)
    sample = np.zeros((1, len(names)), dtype=np.float32)
    onx: ModelProto = to_onnx(pipe, sample, target_opset=TARGET_OPSET)
    entries = {**metadata, "feature_names": ",".join(names)}
    for key, value in sorted(entries.items()):
        prop = onx.metadata_props.add()
        prop.key = key
        prop.value = value
    return onx


def write_onnx(pipe: Pipeline, path: Path, metadata: dict[str, str]) -> None:
    """Write model.onnx atomically (temp file, then rename)."""
    onx = convert_pipeline(pipe, metadata)
    write_atomic(path, onx.SerializeToString(), mode=READABLE)  # the service's user reads it


@dataclass(frozen=True)
class ParityReport:
    """Outcome of comparing ONNX with sklearn on the same rows."""

    rows: int
    max_abs_diff: float
    top10_mismatches: int
    students: int

    @property
    def passed(self) -> bool:
        """True when the tolerance and the top-10 rule both hold on enough rows."""
        return (
            self.rows >= PARITY_MIN_ROWS
            and self.max_abs_diff <= PARITY_TOLERANCE
            and self.top10_mismatches == 0
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for metrics.json."""
        return {
            "rows": self.rows,
            "students": self.students,
            "max_abs_diff": self.max_abs_diff,
            "top10_mismatches": self.top10_mismatches,
            "tolerance": PARITY_TOLERANCE,
            "passed": self.passed,
        }


def _sklearn_fit(pipe: Pipeline, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    return np.asarray(pipe.predict(model_input(pipe, x)), dtype=np.float64) / MAX_GRADE


def _same_top10(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> bool:
    """Equal top-10 lists, allowing swaps among items whose scores tie within the tolerance."""
    ta = np.argsort(-a, kind="stable")[:10]
    tb = np.argsort(-b, kind="stable")[:10]
    if np.array_equal(ta, tb):
        return True
    cut = a[ta[-1]]
    differing = np.setxor1d(ta, tb)
    ordered_ok = np.all(np.abs(a[ta] - a[tb]) <= PARITY_TOLERANCE)
    return bool(ordered_ok and np.all(np.abs(a[differing] - cut) <= PARITY_TOLERANCE))


def check_parity(
    pipe: Pipeline, onnx_path: Path, x: npt.NDArray[np.float32], group_size: int
) -> ParityReport:
    """Compare ONNX and sklearn fit on the full pair matrix x; rows come in groups of group_size
    (one student each). The ONNX side is read as the engine reads it (output 0, the grade)."""
    refuse_unservable(pipe)
    model = load_fit_model(onnx_path)
    ref = _sklearn_fit(pipe, x)
    got = model.predict_grade(x).astype(np.float64) / MAX_GRADE
    diff = float(np.max(np.abs(ref - got))) if x.shape[0] else 0.0
    students = x.shape[0] // group_size if group_size else 0
    mismatches = 0
    for s in range(students):
        sl = slice(s * group_size, (s + 1) * group_size)
        if not _same_top10(ref[sl], got[sl]):
            mismatches += 1
    return ParityReport(int(x.shape[0]), diff, mismatches, students)


def require_parity(report: ParityReport, onnx_path: Path) -> None:
    """Raise ModelArtifactError when parity failed."""
    if not report.passed:
        raise ModelArtifactError(
            str(onnx_path),
            f"ONNX parity failed: {report.rows} rows, max |diff| {report.max_abs_diff:.2e} "
            f"(limit {PARITY_TOLERANCE:g}), {report.top10_mismatches} top-10 mismatches",
        )
