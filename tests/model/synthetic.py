"""Small synthetic occupations and students for tests that must not need the real catalogue."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

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


def make_profile(seed: int = 0, plan: str = "community_college") -> SimpleNamespace:
    """A profile-like object with the StudentProfile arrays (aptitudes are z-scores)."""
    rng = np.random.default_rng(seed)
    apt = rng.normal(size=len(APTITUDES)).astype(np.float32)
    apt[-1] = np.nan
    return SimpleNamespace(
        interests=rng.normal(size=len(RIASEC)).astype(np.float32),
        interests_se=np.full(len(RIASEC), 0.3, dtype=np.float32),
        work_values=rng.normal(size=len(WORK_VALUES)).astype(np.float32),
        work_values_se=np.full(len(WORK_VALUES), 0.4, dtype=np.float32),
        aptitudes=apt,
        aptitudes_se=np.full(len(APTITUDES), 0.35, dtype=np.float32),
        plan=plan,
    )


def make_students(m: int = 5, seed: int = 0) -> StudentBatch:
    """A batch of m synthetic students with varied plans."""
    profiles = [make_profile(seed + i, PLANS[i % len(PLANS)]) for i in range(m)]
    return StudentBatch.from_profiles(profiles)
