"""Each occupation's typical fit over students in general, kept with a version.

The ranking orders occupations by how much better one fits *this* student than it fits students in
general (the idea behind empirically keyed occupational scales: people in a field against people
in general):

    relative fit = (fit - typical) / scale - exposure

``typical`` is the occupation's mean fit over a reference population of students and ``scale`` is
the square root of its fit's SD over them, relative to the median occupation's (about 1). Without
the first, an occupation that fits almost everyone a little (few demands, a common interest
pattern) tops almost every list; without the second, one whose fit swings widely tops many lists
by its spread alone. ``exposure`` is a small per-occupation offset fitted on real people's
answers (training.exposure): positive for an occupation that would otherwise be in more than a
set share of their top-10 lists, negative for one that would be in none. It is the same for
every student, so it never reorders one student's list by anything about the student. The fit
shown and its probability stay the model's own.

``typical_fit.json`` in a version folder: ``{"codes": [...], "typical": [...], "scale": [...],
"exposure": [...], "students": n, "population": "...", "exposure_fitted_on": {...}}``; an
occupation the file does not name gets typical 0, scale 1 and exposure 0 (unchanged); a file
without ``scale`` uses 1 everywhere and one without ``exposure`` uses 0 (versions up to
2026.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import ModelArtifactError
from recommender.files import read_artifact_json

TYPICAL_FIT_FILE: Final = "typical_fit.json"

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TypicalFit:
    """Per occupation (catalogue order): mean fit over a reference population, its scale and
    the exposure offset (zeros when none was fitted)."""

    typical: F32
    scale: F32
    exposure: F32 | None = None

    def with_exposure(self, exposure: npt.ArrayLike) -> TypicalFit:
        """The same typical fit and scale with an exposure offset per occupation."""
        e = np.asarray(exposure, dtype=np.float32)
        if e.shape != self.typical.shape or not np.all(np.isfinite(e)):
            raise ValueError("the exposure offset needs one finite number per occupation")
        return TypicalFit(self.typical, self.scale, e)


def typical_fit_from_sample(fit: npt.ArrayLike) -> TypicalFit:
    """Typical fit and scale from an (m, n) fit sample of m reference students."""
    f = np.asarray(fit, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError("a typical fit needs an (m, n) sample with m >= 2 students")
    sd = f.std(axis=0)
    root = np.sqrt(np.maximum(sd, 1e-6))
    scale = root / float(np.median(root))
    return TypicalFit(f.mean(axis=0).astype(np.float32), scale.astype(np.float32))


def typical_fit_document(
    codes: Sequence[str],
    typical: TypicalFit,
    students: int,
    population: str,
    exposure_fitted_on: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document for a version folder (rounded to 6 decimals)."""
    values = np.asarray(typical.typical, dtype=np.float64)
    scale = np.asarray(typical.scale, dtype=np.float64)
    n = len(codes)
    if values.shape != (n,) or scale.shape != (n,):
        raise ValueError("typical fit and scale must have one number per occupation code")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise ValueError("typical fit must be finite and its scale finite and > 0")
    doc: dict[str, Any] = {
        "codes": list(codes),
        "typical": [round(float(v), 6) for v in values],
        "scale": [round(float(v), 6) for v in scale],
        "students": int(students),
        "population": population,
    }
    if typical.exposure is not None:
        exposure = np.asarray(typical.exposure, dtype=np.float64)
        if exposure.shape != (n,) or not np.all(np.isfinite(exposure)):
            raise ValueError("the exposure offset needs one finite number per occupation code")
        doc["exposure"] = [round(float(v), 6) for v in exposure]
        doc["exposure_fitted_on"] = dict(exposure_fitted_on or {})
    return doc


def load_typical_fit(folder: Path, codes: Sequence[str]) -> TypicalFit:
    """Typical fit and scale per catalogue occupation (catalogue order) from a version's file."""
    file = folder / TYPICAL_FIT_FILE
    data = read_artifact_json(file, "typical fit")
    try:
        typical = dict(zip(data["codes"], data["typical"], strict=True))
        scale = dict(zip(data["codes"], data.get("scale", [1.0] * len(data["codes"])), strict=True))
        exposure = None
        if "exposure" in data:
            exposure = dict(zip(data["codes"], data["exposure"], strict=True))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelArtifactError(str(file), f"unreadable typical fit: {exc}") from None
    try:
        t = np.array([float(typical.get(c, 0.0)) for c in codes], dtype=np.float32)
        s = np.array([float(scale.get(c, 1.0)) for c in codes], dtype=np.float32)
        e = None
        if exposure is not None:
            e = np.array([float(exposure.get(c, 0.0)) for c in codes], dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ModelArtifactError(str(file), f"unreadable typical fit: {exc}") from None
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ModelArtifactError(str(file), "typical fit must be finite and its scale > 0")
    if e is not None and not np.all(np.isfinite(e)):
        raise ModelArtifactError(str(file), "the exposure offset must be finite")
    return TypicalFit(t, s, e)


def relative_fit(fit: npt.ArrayLike, typical: TypicalFit | None) -> F32:
    """(fit - typical) / scale - exposure for (n,) or (m, n) fits; fit itself without typical."""
    f = np.asarray(fit, dtype=np.float32)
    if typical is None:
        return f
    out: F32 = ((f - typical.typical) / typical.scale).astype(np.float32)
    if typical.exposure is not None:
        out = (out - typical.exposure).astype(np.float32)
    return out
