"""The one training-data type both training flows produce: the synthetic cohort and outcome records.

``TrainingData`` holds what the fit reads (the training pairs of the students' observed profiles
and their grades), which students are held out, and how the held-out students' outcomes are
judged (``HeldOutOutcomes``: calibration pairs and the evaluation). ``training.pipeline.
train_and_write_version`` takes one and fits, exports ONNX, checks parity, calibrates, evaluates
and writes the version folder, whichever source it came from:

* ``training.train.cohort_training_data`` (the synthetic cohort, ``pathways train``);
* ``training.records_training.records_training_data`` (outcome records, ``pathways train
  --records``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from recommender.calibration import FitCalibration
from recommender.features import OccupationArrays, StudentBatch, build_pair_features_batch
from recommender.ranking import RankingPolicy
from recommender.typical import TypicalFit

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
#: A fit scorer: full pair matrix (rows, len(FEATURE_NAMES)) float32 -> fit (rows,) in 0..1.
ScoreFit = Callable[[F32], F32]
#: Called with the number of students just done.
Progress = Callable[[int], object]

__all__ = ["HeldOutOutcomes", "ScoreFit", "TrainingData", "score_whole_catalogue"]


class HeldOutOutcomes(Protocol):
    """How one data source judges its held-out students' outcomes."""

    @property
    def population(self) -> str:
        """Who is judged, for the reliability picture's title (e.g. "held-out students")."""
        ...

    def calibration_pairs(self, fit: F32, students: I64) -> tuple[npt.ArrayLike, npt.ArrayLike]:
        """The (fit, grade) pairs the calibration is fitted on, from the (m, n) fit of the
        calibration students against every occupation."""
        ...

    def evaluate(
        self,
        score_fit: ScoreFit,
        students: I64,
        policy: RankingPolicy,
        *,
        calibration: FitCalibration | None,
        typical: TypicalFit | None,
        progress: Progress | None,
    ) -> dict[str, Any]:
        """The evaluation section of metrics.json for the given held-out students."""
        ...


@dataclass(frozen=True)
class TrainingData:
    """What one training run fits on, holds out and writes about its data.

    ``students`` are the observed profiles (indexed by student); the training pairs are
    (``pair_student``, ``pair_occupation``) with their 0..3 ``pair_grade``, all of students in
    ``train_students``. ``held_out`` lists the held-out students in the order they are used: the
    first ``TrainConfig.eval_students`` are evaluated, the next ``calibration_students`` calibrate.

    The rest describes the source in the version folder: ``sha256`` of the training data (and
    the default version name ``<date>-<name_stem><sha256[:6]>``), extra ONNX metadata, extra
    entries of metrics.json (top level and under "training") and of manifest.json.
    """

    students: StudentBatch
    pair_student: I64
    pair_occupation: I64
    pair_grade: npt.NDArray[np.int8]
    train_students: I64
    held_out: I64
    outcomes: HeldOutOutcomes
    sha256: str
    name_stem: str = ""
    onnx_metadata: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    training_facts: Mapping[str, Any] = field(default_factory=dict)
    manifest: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rows = self.pair_student.shape
        if self.pair_occupation.shape != rows or self.pair_grade.shape != rows:
            raise ValueError(
                "training pairs must have one student, occupation and grade each: shapes "
                f"{rows}, {self.pair_occupation.shape}, {self.pair_grade.shape}"
            )

    @property
    def rows(self) -> int:
        """Number of training pairs."""
        return int(self.pair_student.size)

    def features(self, occupations: OccupationArrays) -> F32:
        """Pair features (rows, len(FEATURE_NAMES)) float32 of the training pairs."""
        return build_pair_features_batch(
            self.students, occupations, self.pair_student, self.pair_occupation
        )

    def evaluation_students(self, eval_students: int) -> I64:
        """The held-out students evaluated: the first ``eval_students`` of ``held_out``."""
        return self.held_out[:eval_students]

    def calibration_students(self, eval_students: int, calibration_students: int) -> I64:
        """The held-out students that calibrate: the ``calibration_students`` after those."""
        return self.held_out[eval_students : eval_students + calibration_students]

    def grade_shares(self) -> list[float]:
        """Share of the training pairs at each grade 0..3."""
        counts = np.bincount(self.pair_grade, minlength=4).astype(float)
        shares: list[float] = (counts / max(1, self.rows)).tolist()
        return shares


def score_whole_catalogue(
    score_fit: ScoreFit,
    students: StudentBatch,
    occupations: OccupationArrays,
    rows: I64,
    chunk: int = 100,
    progress: Progress | None = None,
) -> F32:
    """Fit (m, n_occupations) of the given students (indices into ``students``) against every
    occupation, scored ``chunk`` students at a time."""
    n = occupations.size
    out = np.empty((rows.size, n), dtype=np.float32)
    for start in range(0, rows.size, chunk):
        part = rows[start : start + chunk]
        x = build_pair_features_batch(
            students, occupations, np.repeat(part, n), np.tile(np.arange(n), part.size)
        )
        out[start : start + part.size] = score_fit(x).reshape(part.size, n)
        if progress is not None:
            progress(part.size)
    return out
