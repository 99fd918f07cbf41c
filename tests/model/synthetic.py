"""Small synthetic occupations and students for tests that must not need the real catalogue."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.assessment import StudentProfile
from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.features import OccupationArrays, StudentBatch


def make_occupations(n: int = 40, seed: int = 0) -> OccupationArrays:
    """n occupations with plausible random attributes (some unknown growth and work values)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(1, 7, size=(n, len(WORK_VALUES)))
    values[::7] = np.nan
    growth = rng.normal(3, 5, size=n)
    growth[::5] = np.nan
    return OccupationArrays(
        riasec=rng.uniform(1, 7, size=(n, len(RIASEC))),
        aptitude_demand=rng.uniform(0, 1, size=(n, len(APTITUDES))),
        work_values=values,
        job_zone=rng.integers(1, 6, size=n).astype(np.float64),
        education_code=rng.integers(0, 8, size=n).astype(np.float64),
        growth_pct=growth,
        openings=rng.uniform(0, 5000, size=n),
        bright_outlook=(rng.random(n) < 0.3).astype(np.float64),
    )


def random_profile_arrays(rng: np.random.Generator) -> dict[str, npt.NDArray[np.float32]]:
    """The StudentProfile arrays of a random student: interests, work values and aptitudes as
    z-scores (the last aptitude unknown, NaN), with fixed standard errors."""
    aptitudes = rng.normal(size=len(APTITUDES)).astype(np.float32)
    aptitudes[-1] = np.nan
    return {
        "interests": rng.normal(size=len(RIASEC)).astype(np.float32),
        "interests_se": np.full(len(RIASEC), 0.3, dtype=np.float32),
        "work_values": rng.normal(size=len(WORK_VALUES)).astype(np.float32),
        "work_values_se": np.full(len(WORK_VALUES), 0.4, dtype=np.float32),
        "aptitudes": aptitudes,
        "aptitudes_se": np.full(len(APTITUDES), 0.35, dtype=np.float32),
    }


def make_profile(seed: int = 0, plan: str = "community_college") -> SimpleNamespace:
    """A profile-like object with the StudentProfile arrays (aptitudes are z-scores); unlike a
    StudentProfile its fields can be changed and its plan need not be a known one."""
    return SimpleNamespace(**random_profile_arrays(np.random.default_rng(seed)), plan=plan)


def make_scored_profile(
    rng: np.random.Generator, *, plan: str = "community_college", region: str | None = "2800005"
) -> StudentProfile:
    """A scored StudentProfile of ``random_profile_arrays``: instrument 2025.1, no aptitude
    sources, county unknown, willing to commute but not to relocate."""
    return StudentProfile(
        instrument_version="2025.1",
        **random_profile_arrays(rng),
        aptitude_sources={},
        plan=plan,
        county_fips=None,
        region_code=region,
        will_commute=True,
        will_relocate=False,
    )


def make_students(m: int = 5, seed: int = 0) -> StudentBatch:
    """A batch of m synthetic students with varied plans."""
    profiles = [make_profile(seed + i, PLANS[i % len(PLANS)]) for i in range(m)]
    return StudentBatch.from_profiles(profiles)


@functools.cache
def tiny_trained() -> tuple[Any, Any, Any]:
    """A small cohort on the real catalogue and a small model fitted on it (built once per run)."""
    from recommender.catalogue import load_catalogue
    from training.cohort import CohortConfig, generate_cohort, observe_with_noise
    from training.train import TrainConfig, build_training_matrix, fit_pipeline

    catalogue = load_catalogue()
    cohort = generate_cohort(catalogue, CohortConfig(n_students=2500, seed=5), observe_with_noise)
    occupations = OccupationArrays.from_catalogue(catalogue)
    x, y = build_training_matrix(cohort, occupations, np.arange(cohort.pair_grade.size))
    pipe, _ = fit_pipeline(x, y, TrainConfig(max_iter=40, max_leaf_nodes=15))
    return catalogue, cohort, pipe


def sklearn_scorer(pipe: Any) -> Any:
    """Fit scorer (features -> 0..1) from a fitted sklearn pipeline, as the ONNX model scores."""
    from training.train import predict_fit

    return lambda x: predict_fit(pipe, x)
