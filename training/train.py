"""Fitting the fit model: pair features into a stock sklearn Pipeline; the synthetic-cohort flow.

The production estimator is a ``HistGradientBoostingRegressor`` on the outcome grade (0..3), so
its prediction is an expected grade and fit = prediction / 3. Trees and leaves are bounded so the
whole catalogue scores in a few milliseconds in ONNX. Early stopping is off (set explicitly: the
estimator would turn it on by itself above 10,000 rows). Features are float32, as served.

``train_version`` trains on a generated cohort: ``cohort_training_data`` turns the cohort into
the ``training.data.TrainingData`` that ``training.pipeline.train_and_write_version`` fits,
exports, checks, evaluates and writes, as it does for outcome records.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from recommender.calibration import FitCalibration, calibrate_fit
from recommender.catalogue import Catalogue
from recommender.dimensions import RIASEC
from recommender.features import (
    FEATURE_NAMES,
    OccupationArrays,
    build_pair_features_batch,
    interest_match,
)
from recommender.ranking import RankingPolicy, rank_occupations, score_percentile
from recommender.typical import TypicalFit
from training.baselines import score_congruence_batch, score_demand_batch
from training.cohort import (
    Cohort,
    CohortConfig,
    ObserveFn,
    full_outcomes,
    nontraditional_by_gender,
)
from training.data import Progress, ScoreFit, TrainingData

log = logging.getLogger(__name__)

#: Estimators a version can be trained with. Each is a regressor on the grade: the engine reads
#: ONNX output 0 as the predicted grade (recommender.model.FitModel.predict_grade), so a
#: classifier, whose output 0 is the label, could pass parity yet not be served.
ESTIMATORS: tuple[str, ...] = ("hgb_regressor", "ridge")

#: Feature columns that carry an occupation's size or demand (national openings, growth, Bright
#: Outlook). The fit never reads them: demand and wages enter only through the ranking policy.
DEMAND_FEATURES: tuple[str, ...] = (
    "occ_growth_pct",
    "occ_growth_known",
    "occ_log_openings",
    "occ_bright_outlook",
)

#: The columns a newly trained fit reads: every feature except the demand ones.
FIT_FEATURES: tuple[str, ...] = tuple(n for n in FEATURE_NAMES if n not in DEMAND_FEATURES)


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; copied into the model card and manifest."""

    cohort: CohortConfig = field(default_factory=CohortConfig)
    estimator: str = "hgb_regressor"
    max_iter: int = 120
    max_leaf_nodes: int = 31
    learning_rate: float = 0.1
    min_samples_leaf: int = 50
    l2_regularization: float = 1.0
    holdout_share: float = 0.2
    eval_students: int = 2000
    calibration_students: int = 1000
    seed: int = 7
    features: tuple[str, ...] = FIT_FEATURES
    #: The served ranking's weight on the interest match (recommender.ranking): one SD of
    #: interest match is worth a quarter of the fit's SD (docs/model.md, "Interest match").
    interest_weight: float = 0.25

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise ValueError(
                f"unknown estimator {self.estimator!r}; expected one of {ESTIMATORS} "
                "(the engine serves regressors on the grade only)"
            )
        unknown = [n for n in self.features if n not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"unknown feature columns {unknown}; expected names in FEATURE_NAMES")
        if set(self.features) & set(DEMAND_FEATURES):
            raise ValueError(f"the fit may not read demand columns {DEMAND_FEATURES}")

    def split_held_out(
        self, held_out: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The held-out students evaluated (the first ``eval_students``) and those that calibrate
        (the ``calibration_students`` after them)."""
        end = self.eval_students + self.calibration_students
        return held_out[: self.eval_students], held_out[self.eval_students : end]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe copy of the settings."""
        d = asdict(self)
        d["features"] = list(self.features)
        d["cohort"] = self.cohort.to_dict()
        return d


def make_pipeline(config: TrainConfig) -> Pipeline:
    """An unfitted stock sklearn Pipeline for the configured estimator."""
    if config.estimator == "hgb_regressor":
        est: Any = HistGradientBoostingRegressor(
            max_iter=config.max_iter,
            max_leaf_nodes=config.max_leaf_nodes,
            learning_rate=config.learning_rate,
            min_samples_leaf=config.min_samples_leaf,
            l2_regularization=config.l2_regularization,
            early_stopping=False,
            random_state=config.seed,
        )
        return Pipeline([("model", est)])
    if config.estimator == "ridge":
        return Pipeline([("scale", StandardScaler()), ("model", Ridge(alpha=1.0))])
    raise ValueError(f"unknown estimator {config.estimator!r}; expected one of {ESTIMATORS}")


def split_students(n: int, holdout_share: float, seed: int) -> tuple[npt.NDArray[np.int64], ...]:
    """Train and held-out student indices (sorted), split at random by student."""
    rng = np.random.default_rng([seed, 1])
    perm = rng.permutation(n)
    k = round(n * holdout_share)
    return np.sort(perm[k:]), np.sort(perm[:k])


def pair_rows(cohort: Cohort, students: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Indices of the cohort's pair rows that belong to the given students."""
    keep = np.zeros(cohort.size, dtype=bool)
    keep[students] = True
    return np.flatnonzero(keep[cohort.pair_student])


def build_training_matrix(
    cohort: Cohort, occupations: OccupationArrays, rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]:
    """Pair features (float32) and grades for the given pair rows."""
    x = build_pair_features_batch(
        cohort.students, occupations, cohort.pair_student[rows], cohort.pair_occupation[rows]
    )
    return x, cohort.pair_grade[rows]


def fit_pipeline(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.int8], config: TrainConfig
) -> tuple[Pipeline, float]:
    """Fit the configured pipeline on the full pair matrix's ``config.features`` columns; returns
    it (naming those columns, see training.export.pipeline_features) and the time in seconds."""
    from training.export import FEATURES_ATTRIBUTE

    pipe = make_pipeline(config)
    columns = [FEATURE_NAMES.index(n) for n in config.features]
    start = time.perf_counter()
    xs = np.ascontiguousarray(x[:, columns])
    pipe.fit(xs, y.astype(np.float64))
    setattr(pipe, FEATURES_ATTRIBUTE, tuple(config.features))
    return pipe, time.perf_counter() - start


def predict_fit(pipe: Pipeline, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Fit in 0..1 from the full pair matrix: predicted grade / 3, clipped, as the engine serves."""
    from training.export import model_input

    p = pipe.predict(model_input(pipe, x)) / 3.0
    return np.clip(np.asarray(p, dtype=np.float32), 0.0, 1.0)


def regional_parts(catalogue: Catalogue) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Demand and wage percentiles per region (n_regions, n), as the engine computes them (demand
    from each occupation's even share of its OEWS series, recommender.catalogue.split_employment).
    """
    from recommender.catalogue import split_employment

    employment = split_employment(catalogue.employment, catalogue.oews_shared)
    demand = np.vstack([score_percentile(r) for r in employment])
    wage = np.vstack([score_percentile(r) for r in np.asarray(catalogue.wage_median)])
    return demand.astype(np.float32), wage.astype(np.float32)


def evaluate_on_students(
    score_fit: ScoreFit,
    cohort: Cohort,
    catalogue: Catalogue,
    students: npt.NDArray[np.int64],
    policy: RankingPolicy,
    *,
    calibration: FitCalibration | None = None,
    typical: TypicalFit | None = None,
    n_resamples: int = 500,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Full-catalogue evaluation of held-out students: model (policy score), fit only, baselines
    and the ceilings (trait oracle, formula on measured traits; training.cohort.ceiling_scores).

    With a calibration, the calibrated fit is scored as P(grade >= 2) (Brier, reliability); with a
    typical fit, the policy and fit only rank the fit relative to it, as the engine does.
    """
    from recommender.typical import relative_fit
    from training.audits import audit_exposure
    from training.calibration import brier_score, reliability_curve
    from training.cohort import ceiling_scores
    from training.evaluate import evaluate_rankings
    from training.metrics import RELEVANCE_THRESHOLD

    occupations = OccupationArrays.from_catalogue(catalogue)
    n = occupations.size
    demand, wage = regional_parts(catalogue)
    hv = np.asarray(catalogue.high_value, dtype=bool)
    m = students.size
    final = np.empty((m, n), dtype=np.float32)
    fit_only = np.empty((m, n), dtype=np.float32)
    raw_fit = np.empty((m, n), dtype=np.float32)
    for start in range(0, m, 100):
        chunk = students[start : start + 100]
        si = np.repeat(chunk, n)
        oi = np.tile(np.arange(n), chunk.size)
        raw = score_fit(build_pair_features_batch(cohort.students, occupations, si, oi))
        raw = raw.reshape(chunk.size, n)
        fit = relative_fit(raw, typical)
        match = interest_match(cohort.students.interests[chunk], occupations)
        for k, s in enumerate(chunk):
            r = cohort.region_index[s]
            ranked = rank_occupations(fit[k], demand[r], wage[r], hv[r], policy, match[k])
            final[start + k] = ranked.score
        fit_only[start : start + chunk.size] = fit
        raw_fit[start : start + chunk.size] = raw
        if progress is not None:
            progress(chunk.size)
    truth, grades = full_outcomes(cohort, catalogue, students, seed=cohort.config.seed + 99)
    congruence = score_congruence_batch(
        cohort.students.interests[students],
        occupations.riasec,
        occupations.job_zone.astype(np.int64),
        [cohort.students.plans[i] for i in students],
    )
    demand_only = score_demand_batch(
        np.nan_to_num(np.asarray(catalogue.employment, dtype=np.float64), nan=0.0),
        np.asarray(catalogue.growth_pct),
        np.asarray(catalogue.openings),
        cohort.region_index[students],
    )
    region_codes = np.array(cohort.region_codes)[cohort.region_index[students]]
    nontraditional = nontraditional_by_gender(cohort, catalogue)
    probabilities = None if calibration is None else calibrate_fit(raw_fit, calibration)
    ceilings = ceiling_scores(cohort, catalogue, students)
    metrics = evaluate_rankings(
        final,
        grades,
        {
            "gender": cohort.gender[students],
            "race_ethnicity": cohort.race_ethnicity[students],
            "region": region_codes,
        },
        baselines={
            "fit_only": fit_only,
            "congruence": congruence,
            "demand_only": demand_only,
            "formula_measured": ceilings["formula_measured"],
            "trait_oracle": ceilings["trait_oracle"],
        },
        true_relevance=truth,
        probabilities=probabilities,
        nontraditional_for=nontraditional,
        n_resamples=n_resamples,
        seed=cohort.config.seed,
    )
    metrics["exposure_oracle"] = audit_exposure(
        {"oracle": truth},
        cohort.gender[students],
        nontraditional,
        n_resamples=n_resamples,
        seed=cohort.config.seed,
    )["systems"]["oracle"]
    relevant = grades >= RELEVANCE_THRESHOLD
    metrics["calibration_raw_fit"] = {
        "target": f"grade >= {RELEVANCE_THRESHOLD}",
        "brier": brier_score(raw_fit, relevant),
        "ece": reliability_curve(raw_fit, relevant).expected_calibration_error,
    }
    metrics["nontraditional_counts"] = {g: int(v.sum()) for g, v in nontraditional.items()}
    metrics["interest_dimensions"] = list(RIASEC)
    return metrics


def describe_cohort(cohort: Cohort) -> dict[str, Any]:
    """Shares of the cohort's students by region, race/ethnicity and gender (0..1)."""

    def shares(labels: npt.NDArray[np.str_]) -> dict[str, float]:
        values, counts = np.unique(labels, return_counts=True)
        return {str(v): float(c) / labels.size for v, c in zip(values, counts, strict=True)}

    regions = np.array(cohort.region_codes)[cohort.region_index]
    return {
        "students": cohort.size,
        "region": shares(regions),
        "race_ethnicity": shares(cohort.race_ethnicity),
        "gender": shares(cohort.gender),
    }


def hash_training_data(cohort: Cohort, rows: npt.NDArray[np.int64]) -> str:
    """sha256 over the training pairs and the students' observed profile arrays."""
    digest = hashlib.sha256()
    for arr in (
        cohort.pair_student[rows],
        cohort.pair_occupation[rows],
        cohort.pair_grade[rows],
        cohort.students.interests,
        cohort.students.aptitudes,
        cohort.students.work_values,
    ):
        digest.update(np.ascontiguousarray(arr).tobytes())
    digest.update(",".join(cohort.students.plans).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CohortOutcomes:
    """The cohort's held-out outcomes: every occupation graded by the simulator."""

    cohort: Cohort
    catalogue: Catalogue
    population: str = "held-out students"

    def calibration_pairs(
        self, fit: npt.NDArray[np.float32], students: npt.NDArray[np.int64]
    ) -> tuple[npt.ArrayLike, npt.ArrayLike]:
        """The whole-catalogue fit against the students' outcomes (seed + 55)."""
        _, grades = full_outcomes(
            self.cohort, self.catalogue, students, seed=self.cohort.config.seed + 55
        )
        return fit, grades

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
        """``evaluate_on_students`` of the held-out students."""
        return evaluate_on_students(
            score_fit,
            self.cohort,
            self.catalogue,
            students,
            policy,
            calibration=calibration,
            typical=typical,
            progress=progress,
        )


def cohort_training_data(cohort: Cohort, catalogue: Catalogue, config: TrainConfig) -> TrainingData:
    """The cohort as training data: its training students' pairs, the rest held out."""
    train_s, held_s = split_students(cohort.size, config.holdout_share, config.seed)
    rows = pair_rows(cohort, train_s)
    return TrainingData(
        students=cohort.students,
        pair_student=cohort.pair_student[rows],
        pair_occupation=cohort.pair_occupation[rows],
        pair_grade=cohort.pair_grade[rows],
        train_students=train_s,
        held_out=held_s,
        outcomes=CohortOutcomes(cohort, catalogue),
        sha256=hash_training_data(cohort, rows),
        onnx_metadata={"catalogue": catalogue.version},
        metrics={"cohort_config": config.cohort.to_dict(), "cohort": describe_cohort(cohort)},
        manifest={"training_data": "synthetic cohort (training/cohort.py)"},
    )


def train_version(
    config: TrainConfig,
    catalogue: Catalogue,
    models_dir: Path,
    version: str | None = None,
    *,
    observe: ObserveFn | None = None,
    show_progress: bool = True,
    reuse_fit: Path | None = None,
) -> Path:
    """Generate the cohort, then fit (or take ``reuse_fit``'s fitted model), export, check
    parity, evaluate and write models/<version>/ (``training.pipeline.train_and_write_version``)."""
    from tqdm import tqdm

    from training.cohort import generate_cohort, observe_with_instrument
    from training.pipeline import train_and_write_version

    started = time.perf_counter()
    observe = observe or observe_with_instrument
    with tqdm(
        total=config.cohort.n_students, desc="cohort", unit="student", disable=not show_progress
    ) as bar:
        cohort = generate_cohort(
            catalogue, config.cohort, observe, progress=lambda k: bar.update(k)
        )
    return train_and_write_version(
        cohort_training_data(cohort, catalogue, config),
        config,
        catalogue,
        models_dir,
        version,
        show_progress=show_progress,
        started=started,
        reuse_fit=reuse_fit,
    )
