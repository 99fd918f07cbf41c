"""Turning a fit (0..1) into a probability of a good outcome, by a stored monotone lookup.

The fit model predicts an expected outcome grade, not a probability. Each model version may carry
``calibration.json``: a non-decreasing step function fitted by isotonic regression on students
held out from training, mapping fit to P(grade >= 2). Between two knots the probability is
interpolated linearly; below the first knot and above the last it is the end value. The lookup
never changes the order of occupations, so rankings and reasons are unaffected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import ModelArtifactError
from recommender.files import read_artifact_json

F32 = npt.NDArray[np.float32]

#: File name of the lookup inside a model version folder.
CALIBRATION_FILE: Final = "calibration.json"


@dataclass(frozen=True)
class FitCalibration:
    """Knots of a non-decreasing map from fit (0..1) to a probability (0..1) of ``target``."""

    fit: tuple[float, ...]
    probability: tuple[float, ...]
    target: str = "grade >= 2"

    def __post_init__(self) -> None:
        validate_calibration(self, "<arguments>")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"target": self.target, "fit": list(self.fit), "probability": list(self.probability)}


def validate_calibration(calibration: FitCalibration, source: str) -> None:
    """Raise ModelArtifactError unless knots are finite, in 0..1, sorted and of equal count."""
    x = np.asarray(calibration.fit, dtype=np.float64)
    y = np.asarray(calibration.probability, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise ModelArtifactError(
            source, f"calibration needs equal, non-empty knot lists, got {x.size} and {y.size}"
        )
    for name, values in (("fit", x), ("probability", y)):
        if not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1:
            raise ModelArtifactError(source, f"calibration {name} knots must lie in 0..1")
        if np.any(np.diff(values) < 0):
            raise ModelArtifactError(source, f"calibration {name} knots must not decrease")


def calibration_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> FitCalibration:
    """Build a calibration from its JSON form; missing or malformed keys name the source."""
    try:
        fit = tuple(float(v) for v in data["fit"])
        probability = tuple(float(v) for v in data["probability"])
        target = str(data.get("target", "grade >= 2"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelArtifactError(
            source, f"calibration needs numeric 'fit' and 'probability' lists ({exc!r})"
        ) from None
    try:
        return FitCalibration(fit=fit, probability=probability, target=target)
    except ModelArtifactError as exc:
        raise ModelArtifactError(source, exc.reason) from None


def load_calibration(path: Path) -> FitCalibration:
    """Read ``calibration.json`` (or a version folder holding it)."""
    file = path / CALIBRATION_FILE if path.is_dir() else path
    return calibration_from_mapping(read_artifact_json(file, "calibration"), str(file))


def calibrate_fit(fit: npt.ArrayLike, calibration: FitCalibration) -> F32:
    """Probability (0..1) per fit value: linear between knots, end values outside them."""
    x = np.asarray(fit, dtype=np.float64)
    p = np.interp(x, np.asarray(calibration.fit), np.asarray(calibration.probability))
    out: F32 = np.clip(p, 0.0, 1.0).astype(np.float32)
    return out
