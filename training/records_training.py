"""Training a model version on outcome records (one or more school years) instead of the cohort.

The steps, in order: check every file (``training.records`` validation, plus repeats across
files) and refuse them all with every problem named; rebuild each student's ``StudentProfile``
from ``profile_json`` (or score ``answers_json`` with the real scoring code); split by person
(``split_records``) into the ``training.data.TrainingData`` of the (student, occupation) rows
present (``records_training_data``); then the step the synthetic path takes too
(``training.pipeline.train_and_write_version``): fit the same Pipeline, export ONNX with the
parity check, evaluate held-out students against their graded outcomes with the baselines beside
the model, write ``models/<version>/`` atomically.

Rules (also in docs/model.md):

* A student is one pseudonym in one school year; the same pseudonym in two years is two profiles
  but one person for the split.
* Pathway-coded rows are left out of fitting and evaluation (counted in the metrics): a pathway
  grade says nothing about which member occupation fitted, and spreading it over all members
  would invent occupation outcomes.
* Held out by student; with more than one school year, the latest year's students are the test
  set and their earlier-year rows are left out of training.
* Evaluation ranks the whole catalogue; an occupation without a record counts as grade 0. A second
  view ranks only the occupations each student has a record for. There is no oracle on real data.
* Gender and race/ethnicity are read for subgroup reports only; they never reach the features.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.assessment import StudentProfile
from recommender.calibration import FitCalibration
from recommender.catalogue import Catalogue
from recommender.errors import AnswerError, PathwaysError, TrainingRecordsRefusedError
from recommender.features import FEATURE_NAMES, OccupationArrays, StudentBatch, interest_match
from recommender.files import sha256_of_file
from recommender.ranking import RankingPolicy, rank_occupations
from recommender.typical import TypicalFit
from training.baselines import score_congruence_batch, score_demand_batch
from training.data import Progress, ScoreFit, TrainingData, score_whole_catalogue
from training.records import (
    AUDIT_COLUMNS,
    RowProblem,
    ValidationReport,
    normalise_school_year,
    pivot_grades,
    read_outcome_records,
    validate_outcome_records,
)
from training.train import TrainConfig, regional_parts, split_students

if TYPE_CHECKING:
    from recommender.instrument import Instrument

log = logging.getLogger(__name__)

__all__ = [
    "RecordFile",
    "RecordsOutcomes",
    "TrainingRecords",
    "check_record_files",
    "evaluate_records",
    "load_training_records",
    "records_training_data",
    "split_records",
    "train_version_from_records",
]

#: Problems printed per refused run before '... and N more'.
PROBLEM_LIMIT: Final = 50
#: Offset that puts occupations without a record below every recorded one ("recorded only").
_UNRECORDED: Final = -np.inf

NO_ORACLE: Final = (
    "no oracle: real outcome records carry no true relevance, only the graded outcomes observed"
)


@dataclass(frozen=True)
class RecordFile:
    """One input file: path as given, sha256 of its bytes, data rows and school years in it."""

    path: str
    sha256: str
    rows: int
    school_years: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe copy."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "rows": self.rows,
            "school_years": list(self.school_years),
        }


@dataclass(frozen=True)
class TrainingRecords:
    """Validated records as arrays: one entry per (student, school year) with occupation rows.

    ``grades`` is (m, n_occupations) float32, 0 where no record; ``recorded`` marks the pairs that
    have a record; ``audit`` holds the audit columns present (labels, '' when not reported) and
    is never passed to the feature builder.
    """

    students: StudentBatch
    student_ids: npt.NDArray[np.str_]
    school_years: npt.NDArray[np.str_]
    region_index: npt.NDArray[np.int64]
    audit: dict[str, npt.NDArray[np.str_]]
    grades: npt.NDArray[np.float32]
    recorded: npt.NDArray[np.bool_]
    files: tuple[RecordFile, ...]
    summary: dict[str, Any]

    @property
    def size(self) -> int:
        """Number of (student, school year) profiles."""
        return self.students.size


# ------------------------------------------------------------------------------- checking


def _known_codes(catalogue: Catalogue) -> set[str]:
    return set(catalogue.codes) | {p.code for p in catalogue.pathways}


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _cross_file_repeats(frames: Sequence[tuple[str, pd.DataFrame]]) -> dict[str, list[RowProblem]]:
    """Rows repeating (student, school year, code kind, code) of a row in an earlier file."""
    seen: dict[tuple[str, str, str, str], tuple[str, int]] = {}
    found: dict[str, list[RowProblem]] = {}
    for name, frame in frames:
        keys = zip(
            frame["student_id"].map(_cell_text),
            frame["school_year"].map(lambda v: normalise_school_year(_cell_text(v)) or ""),
            frame["code_kind"].map(_cell_text),
            frame["code"].map(_cell_text),
            strict=True,
        )
        first_here: dict[tuple[str, str, str, str], int] = {}
        for row, key in enumerate(keys, start=1):
            if key in seen:
                other, other_row = seen[key]
                found.setdefault(name, []).append(
                    RowProblem(
                        row,
                        "student_id",
                        f"same student, code and school year as row {other_row} of {other}",
                    )
                )
            else:
                first_here.setdefault(key, row)
        for key, row in first_here.items():
            seen[key] = (name, row)
    return found


def check_record_files(
    paths: Sequence[str | Path],
    catalogue: Catalogue,
    *,
    feature_columns: Sequence[str] = FEATURE_NAMES,
) -> tuple[dict[str, ValidationReport], list[tuple[str, pd.DataFrame]]]:
    """Validate each file against the catalogue (and repeats across files); reports and frames.

    Unreadable files raise ``OutcomeRecordsError``; a report lists every problem of one file.
    """
    if not paths:
        raise TrainingRecordsRefusedError((("(no file)", 0, ((None, None, "give a file"),)),))
    known = _known_codes(catalogue)
    regions = [r.code for r in catalogue.regions]
    frames: list[tuple[str, pd.DataFrame]] = []
    reports: dict[str, ValidationReport] = {}
    for path in paths:
        name = str(path)
        if name in reports:
            reports[name] = ValidationReport(
                0, (RowProblem(None, None, "the same file is given twice"),)
            )
            continue
        frame = read_outcome_records(path)
        reports[name] = validate_outcome_records(
            frame, known, feature_columns=feature_columns, known_regions=regions
        )
        frames.append((name, frame))
    clean = [
        (n, f)
        for n, f in frames
        if all(c in f.columns for c in ("student_id", "school_year", "code_kind", "code"))
    ]
    for name, extra in _cross_file_repeats(clean).items():
        old = reports[name]
        reports[name] = ValidationReport(old.n_rows, old.problems + tuple(extra))
    return reports, frames


def _refuse(reports: dict[str, ValidationReport]) -> None:
    bad = tuple(
        (name, report.n_rows, tuple((p.row, p.column, p.reason) for p in report.problems))
        for name, report in reports.items()
        if not report.ok
    )
    if bad:
        raise TrainingRecordsRefusedError(bad)


def format_refusal(error: TrainingRecordsRefusedError, limit: int = PROBLEM_LIMIT) -> str:
    """One line per problem (at most ``limit`` over all files), each naming file, row, column."""
    total = sum(len(p) for _, _, p in error.files)
    lines = [f"refused: {total} problem(s) in {len(error.files)} file(s); nothing was written"]
    shown = 0
    for name, n_rows, problems in error.files:
        lines.append(f"{name} ({n_rows} row(s)):")
        for row, column, reason in problems:
            if shown >= limit:
                break
            lines.append(f"  {RowProblem(row, column, reason)}")
            shown += 1
    if shown < total:
        lines.append(f"  ... and {total - shown} more")
    return "\n".join(lines)


# ------------------------------------------------------------------------------- loading


def _profile_of(
    profile_text: str, answers_text: str, instrument: Instrument | None
) -> tuple[StudentProfile | None, bool, str]:
    """Profile from profile_json, else scored answers; (profile, rescored?, reason if none)."""
    reason = ""
    if profile_text:
        try:
            return StudentProfile.from_dict(json.loads(profile_text)), False, ""
        except (KeyError, TypeError, ValueError) as exc:
            reason = f"profile_json cannot be rebuilt as a StudentProfile ({exc!r})"
    if answers_text:
        from recommender.assessment import score_assessment
        from recommender.instrument import load_instrument

        instrument = instrument or load_instrument()
        try:
            return score_assessment(json.loads(answers_text), instrument), True, ""
        except (AnswerError, KeyError, TypeError, ValueError) as exc:
            return None, False, f"answers_json cannot be scored: {exc}"
    return None, False, reason or "row has no usable profile"


def load_training_records(
    paths: Sequence[str | Path],
    catalogue: Catalogue,
    *,
    feature_columns: Sequence[str] = FEATURE_NAMES,
    progress: Callable[[int], object] | None = None,
) -> TrainingRecords:
    """Check, read and turn outcome-record files into arrays; invalid files are refused whole.

    Raises ``TrainingRecordsRefusedError`` naming every bad (file, row, column, reason).
    """
    reports, frames = check_record_files(paths, catalogue, feature_columns=feature_columns)
    _refuse(reports)
    files = tuple(
        RecordFile(
            path=name,
            sha256=sha256_of_file(Path(name)),
            rows=len(frame),
            school_years=tuple(
                sorted({normalise_school_year(_cell_text(v)) or "" for v in frame["school_year"]})
            ),
        )
        for name, frame in frames
    )
    tagged = []
    for name, frame in frames:
        part = frame.reset_index(drop=True).copy()
        part["_file"] = name
        part["_row"] = np.arange(1, len(part) + 1)
        tagged.append(part)
    records = pd.concat(tagged, ignore_index=True)
    kinds = records["code_kind"].map(_cell_text)
    occupation_rows = records[kinds == "occupation"]
    matrix = pivot_grades(occupation_rows.drop(columns=["_file", "_row"]), catalogue.codes)
    recorded = np.zeros(matrix.grades.shape, dtype=bool)
    years = occupation_rows["school_year"].map(lambda v: normalise_school_year(_cell_text(v)))
    row_of = {
        (s, y): i
        for i, (s, y) in enumerate(
            zip(matrix.students["student_id"], matrix.students["school_year"], strict=True)
        )
    }
    code_of = {c: j for j, c in enumerate(catalogue.codes)}
    for sid, year, code in zip(
        occupation_rows["student_id"], years, occupation_rows["code"].map(_cell_text), strict=True
    ):
        recorded[row_of[(str(sid), year)], code_of[code]] = True

    first = occupation_rows.assign(_year=years.to_numpy()).drop_duplicates(
        subset=["student_id", "_year"], keep="first"
    )
    where = {
        (str(s), y): (f, int(r))
        for s, y, f, r in zip(
            first["student_id"], first["_year"], first["_file"], first["_row"], strict=True
        )
    }
    from recommender.instrument import load_instrument

    instrument = None
    profiles: list[StudentProfile] = []
    problems: dict[str, list[RowProblem]] = {}
    rescored = 0
    columns = matrix.students.columns
    for sid, year, profile_cell, answers_cell in zip(
        matrix.students["student_id"],
        matrix.students["school_year"],
        matrix.students["profile_json"] if "profile_json" in columns else [""] * len(row_of),
        matrix.students["answers_json"] if "answers_json" in columns else [""] * len(row_of),
        strict=True,
    ):
        answers_text = _cell_text(answers_cell)
        if answers_text and instrument is None:
            instrument = load_instrument()
        profile, was_scored, reason = _profile_of(
            _cell_text(profile_cell), answers_text, instrument
        )
        if profile is None:
            file, row = where[(str(sid), year)]
            column = "profile_json" if _cell_text(profile_cell) else "answers_json"
            problems.setdefault(file, []).append(RowProblem(row, column, reason))
            continue
        rescored += was_scored
        profiles.append(profile)
        if progress is not None:
            progress(1)
    if problems:
        _refuse(
            {
                name: ValidationReport(reports[name].n_rows, tuple(found))
                for name, found in problems.items()
            }
        )
    region_row = {r.code: i for i, r in enumerate(catalogue.regions)}
    audit = {
        name: np.array([_cell_text(v) for v in matrix.students[name]], dtype=str)
        for name in AUDIT_COLUMNS
        if name in columns
    }
    pathway_rows = int((kinds == "pathway").sum())
    only_pathway = len(
        {
            (str(s), normalise_school_year(_cell_text(y)))
            for s, y in zip(records["student_id"], records["school_year"], strict=True)
        }
        - set(row_of)
    )
    summary = {
        "rows": len(records),
        "occupation_rows": len(occupation_rows),
        "pathway_rows_left_out": pathway_rows,
        "students_with_only_pathway_rows_left_out": only_pathway,
        "profiles": len(profiles),
        "people": len(set(matrix.students["student_id"])),
        "profiles_scored_from_answers": rescored,
        "school_years": sorted(set(matrix.students["school_year"])),
        "audit_columns": sorted(audit),
    }
    return TrainingRecords(
        students=StudentBatch.from_profiles(profiles),
        student_ids=np.array(matrix.students["student_id"], dtype=str),
        school_years=np.array(matrix.students["school_year"], dtype=str),
        region_index=np.array(
            [region_row[_cell_text(c)] for c in matrix.students["region_code"]], dtype=np.int64
        ),
        audit=audit,
        grades=matrix.grades,
        recorded=recorded,
        files=files,
        summary=summary,
    )


# ------------------------------------------------------------------------------ splitting


def split_records(
    records: TrainingRecords, holdout_share: float, seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], dict[str, Any]]:
    """Train and held-out profile indices, split by person; by year when there are several.

    With several school years the latest year's profiles are held out and every earlier profile
    of the same people is dropped from training. Returns (train, held_out, description).
    """
    years = sorted(set(records.school_years.tolist()))
    if len(years) > 1:
        held_mask = records.school_years == years[-1]
        held_people = set(records.student_ids[held_mask].tolist())
        overlap = ~held_mask & np.isin(records.student_ids, list(held_people))
        train = np.flatnonzero(~held_mask & ~overlap)
        held = np.flatnonzero(held_mask)
        rule = {
            "rule": f"by school year: {years[-1]} held out, earlier years trained on",
            "test_year": years[-1],
            "left_out_earlier_profiles_of_test_students": int(overlap.sum()),
        }
    else:
        people = np.unique(records.student_ids)
        _, held_p = split_students(people.size, holdout_share, seed)
        held_mask = np.isin(records.student_ids, people[held_p])
        train, held = np.flatnonzero(~held_mask), np.flatnonzero(held_mask)
        rule = {"rule": f"by student, {holdout_share:.0%} held out at random (seed {seed})"}
    return train.astype(np.int64), held.astype(np.int64), rule


# ------------------------------------------------------------------------------ evaluating


def evaluate_records(
    score_fit: ScoreFit,
    records: TrainingRecords,
    catalogue: Catalogue,
    rows: npt.NDArray[np.int64],
    policy: RankingPolicy,
    *,
    others: dict[str, ScoreFit] | None = None,
    calibration: FitCalibration | None = None,
    n_resamples: int = 500,
    seed: int = 7,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Held-out profiles' graded outcomes against the whole catalogue: model, baselines, subgroups.

    ``others`` are further fit scorers (e.g. the active version) ranked by the same policy.
    Calibration, when given, is measured on the recorded pairs only.
    """
    from recommender.calibration import calibrate_fit
    from training.calibration import brier_score, reliability_curve
    from training.evaluate import evaluate_rankings
    from training.metrics import RELEVANCE_THRESHOLD

    occupations = OccupationArrays.from_catalogue(catalogue)
    demand, wage = regional_parts(catalogue)
    hv = np.asarray(catalogue.high_value, dtype=bool)

    match = interest_match(records.students.interests[rows], occupations)

    def policy_scores(fit: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        out = np.empty(fit.shape, dtype=np.float64)
        for k, r in enumerate(records.region_index[rows]):
            out[k] = rank_occupations(fit[k], demand[r], wage[r], hv[r], policy, match[k]).score
        return out

    fit = score_whole_catalogue(score_fit, records.students, occupations, rows, progress=progress)
    systems: dict[str, npt.NDArray[Any]] = {"fit_only": fit.astype(np.float64)}
    for name, other in (others or {}).items():
        systems[name] = policy_scores(
            score_whole_catalogue(other, records.students, occupations, rows)
        )
    systems["congruence"] = score_congruence_batch(
        records.students.interests[rows],
        occupations.riasec,
        occupations.job_zone.astype(np.int64),
        [records.students.plans[i] for i in rows],
    )
    systems["demand_only"] = score_demand_batch(
        np.nan_to_num(np.asarray(catalogue.employment, dtype=np.float64), nan=0.0),
        np.asarray(catalogue.growth_pct),
        np.asarray(catalogue.openings),
        records.region_index[rows],
    )
    final = policy_scores(fit)
    grades = records.grades[rows]
    recorded = records.recorded[rows]
    region_codes = np.array([r.code for r in catalogue.regions])[records.region_index[rows]]
    groups: dict[str, Any] = {name: labels[rows] for name, labels in records.audit.items()}
    groups["region"] = region_codes
    metrics = evaluate_rankings(
        final, grades, groups, baselines=systems, n_resamples=n_resamples, seed=seed
    )
    masked = {name: np.where(recorded, s, _UNRECORDED) for name, s in systems.items()}
    within = evaluate_rankings(
        np.where(recorded, final, _UNRECORDED),
        grades,
        baselines=masked,
        n_resamples=n_resamples,
        seed=seed,
    )
    metrics["recorded_only"] = {
        "about": "each student's recorded occupations only, ranked by the same scores",
        "model": within["model"]["overall"],
        "baselines": {name: entry["overall"] for name, entry in within["baselines"].items()},
    }
    metrics["oracle_note"] = NO_ORACLE
    metrics["unrecorded_rule"] = "an occupation without a record counts as grade 0"
    pair_fit = fit[recorded]
    pair_relevant = grades[recorded] >= RELEVANCE_THRESHOLD
    metrics["calibration_raw_fit"] = {
        "target": f"grade >= {RELEVANCE_THRESHOLD}",
        "pairs": "recorded pairs only",
        "brier": brier_score(pair_fit, pair_relevant),
        "ece": reliability_curve(pair_fit, pair_relevant).expected_calibration_error,
    }
    if calibration is not None and pair_fit.size:
        p = calibrate_fit(pair_fit, calibration)
        curve = reliability_curve(p, pair_relevant)
        metrics["calibration"] = {
            "target": f"grade >= {RELEVANCE_THRESHOLD}",
            "pairs": "recorded pairs only",
            "brier": brier_score(p, pair_relevant),
            "base_rate": float(pair_relevant.mean()),
            "reliability": curve.to_dict(),
        }
    return metrics


# ------------------------------------------------------------------------------- training


def _hash_records(files: Sequence[RecordFile]) -> str:
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.sha256):
        digest.update(f.sha256.encode())
    return digest.hexdigest()


def _active_scorer(
    models_dir: Path,
) -> tuple[str, ScoreFit] | None:
    """The active version's fit scorer when one exists and takes today's features."""
    from recommender.model import load_fit_model, read_active_version

    try:
        version = read_active_version(models_dir)
        model = load_fit_model(models_dir / version / "model.onnx")
        model.score_fit(np.zeros((1, len(FEATURE_NAMES)), dtype=np.float32))
    except (PathwaysError, OSError, ValueError, RuntimeError) as exc:
        log.info("no active version to compare with: %s", exc)
        return None
    return version, model.score_fit


@dataclass(frozen=True)
class RecordsOutcomes:
    """Held-out records' outcomes: graded where recorded, grade 0 elsewhere (``evaluate_records``).

    ``others`` are further fit scorers (the active version) ranked beside the model.
    """

    records: TrainingRecords
    catalogue: Catalogue
    others: Mapping[str, ScoreFit] = field(default_factory=dict)
    n_resamples: int = 500
    seed: int = 7
    population: str = "held-out records"

    def calibration_pairs(
        self, fit: npt.NDArray[np.float32], students: npt.NDArray[np.int64]
    ) -> tuple[npt.ArrayLike, npt.ArrayLike]:
        """The recorded pairs only: an unrecorded pair has no observed outcome."""
        mask = self.records.recorded[students]
        return fit[mask], self.records.grades[students][mask]

    def evaluate(
        self,
        score_fit: ScoreFit,
        students: npt.NDArray[np.int64],
        policy: RankingPolicy,
        *,
        calibration: FitCalibration | None,
        typical: TypicalFit | None,
        progress: Progress | None,
    ) -> dict[str, Any]:
        """``evaluate_records`` of the held-out profiles (the raw fit is ranked: ``typical`` is
        not applied here)."""
        return evaluate_records(
            score_fit,
            self.records,
            self.catalogue,
            students,
            policy,
            others=dict(self.others),
            calibration=calibration,
            n_resamples=self.n_resamples,
            seed=self.seed,
            progress=progress,
        )


def records_training_data(
    records: TrainingRecords,
    catalogue: Catalogue,
    config: TrainConfig,
    *,
    active: tuple[str, ScoreFit] | None = None,
    n_resamples: int = 500,
) -> TrainingData:
    """The records as training data: the training profiles' recorded pairs (``split_records``).

    ``active`` (name, scorer) is the version to compare with. Raises
    ``TrainingRecordsRefusedError`` when the split leaves no profile to train on or to hold out.
    """
    train_s, held_s, split = split_records(records, config.holdout_share, config.seed)
    if train_s.size == 0 or held_s.size == 0:
        raise TrainingRecordsRefusedError(
            (
                (
                    ", ".join(f.path for f in records.files),
                    int(records.summary["rows"]),
                    ((None, None, f"too few students to hold some out ({split['rule']})"),),
                ),
            )
        )
    train_mask = np.zeros(records.size, dtype=bool)
    train_mask[train_s] = True
    pair_s, pair_o = np.nonzero(records.recorded & train_mask[:, None])
    evaluated, calibrating = config.split_held_out(held_s)
    files = [f.to_dict() for f in records.files]
    metrics: dict[str, Any] = {"records": {**records.summary, "files": files}}
    if active is not None:
        metrics["compared_with"] = active[0]
    return TrainingData(
        students=records.students,
        pair_student=pair_s.astype(np.int64),
        pair_occupation=pair_o.astype(np.int64),
        pair_grade=records.grades[pair_s, pair_o].astype(np.int8),
        train_students=train_s,
        held_out=held_s,
        outcomes=RecordsOutcomes(
            records,
            catalogue,
            {} if active is None else {f"active {active[0]}": active[1]},
            n_resamples=n_resamples,
            seed=config.seed,
        ),
        sha256=_hash_records(records.files),
        name_stem="records-",
        metrics=metrics,
        training_facts={
            "source": "outcome records",
            "held_out_students": int(held_s.size),
            "evaluated_students": int(evaluated.size),
            "calibration_students": int(calibrating.size),
            "split": split,
        },
        manifest={
            "training_data": {
                "kind": "outcome records",
                "files": files,
                "school_years": records.summary["school_years"],
            },
            "train_config": {k: v for k, v in config.to_dict().items() if k != "cohort"},
        },
    )


def train_version_from_records(
    paths: Sequence[str | Path],
    catalogue: Catalogue,
    models_dir: Path,
    version: str | None = None,
    *,
    config: TrainConfig | None = None,
    feature_columns: Sequence[str] = FEATURE_NAMES,
    n_resamples: int = 500,
    show_progress: bool = True,
) -> Path:
    """Check and load records, fit, export ONNX with parity, evaluate and write models/<version>/
    (``training.pipeline.train_and_write_version``).

    Invalid records raise ``TrainingRecordsRefusedError`` before anything is written; the new
    version is not made active (promotion is a separate, guarded step).
    """
    from tqdm import tqdm

    from training.pipeline import train_and_write_version

    config = config or TrainConfig()
    started = time.perf_counter()
    with tqdm(desc="profiles", unit="student", disable=not show_progress) as bar:
        records = load_training_records(
            paths, catalogue, feature_columns=feature_columns, progress=bar.update
        )
    data = records_training_data(
        records, catalogue, config, active=_active_scorer(models_dir), n_resamples=n_resamples
    )
    return train_and_write_version(
        data, config, catalogue, models_dir, version, show_progress=show_progress, started=started
    )
