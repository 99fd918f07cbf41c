"""The synthetic cohort: a documented generative model of students and their graded outcomes.

Until Mississippi's own outcome records exist, the default model learns from this cohort. Every
assumption is listed in docs/cohort-card.md with the published findings it rests on. In short:

1. Latent traits per student: six RIASEC interests, five aptitudes and six work values, jointly
   normal with documented correlations (``latent_covariance``; the interest block is the real
   correlation matrix of respondents aged 19 or under, general factor included); interests shift
   by gender with the meta-analytic effect sizes of Su, Rounds & Armstrong (2009). Aptitudes and
   values do not differ by gender or race/ethnicity in this model.
2. Region: drawn in proportion to each sub-state OEWS area's total employment in Mississippi
   (``region_employment_shares``; Memphis counts only its Mississippi part).
3. Gender and race/ethnicity are drawn for audits only; they never reach the features. Race and
   ethnicity depend on the region (``race_shares_by_region``) and on nothing else.
4. Plan after high school: a multinomial choice that depends on general aptitude and interests.
5. Observed profile: answers are simulated through the real instrument and scored by the real
   scoring code (``observe_with_instrument``), so measurement error is the instrument's own. The
   interest answers are placed so that scale means and spreads match real respondents aged 19 or
   under (``INTEREST_RESPONSE_LOCATION``/``SCALE``); each student has a response style (a shift of
   every rating-scale answer, ``response_style_sd``) that no outcome depends on; a share of
   students take no aptitude subtest (``no_subtests_share``), and half have no school records.
6. True relevance of occupation j for student i (``RelevanceModel.relevance``): a weighted sum of
   the keyed interest link (training/keying.py: fitted on real people's fields, half blended with
   plain normative congruence) on interests that drift between assessment and outcome
   (correlation ``interest_drift_r``), aptitude shortfall against the occupation's demand and a
   smaller penalty for being far above it (people gravitate to work near their ability), plan vs
   job zone, work-value similarity and a persistent personal taste term. No term depends on an
   occupation's size, demand or wages: those enter only through the ranking policy.
7. Graded outcome 0..3: the true relevance plus fresh observation noise, cut at thresholds set as
   upper quantiles of the population so grade >= 1, >= 2 and 3 hold for fixed shares of pairs.
8. Training pairs: per student a few occupations "explored" (drawn with probability rising with
   true relevance) plus uniformly drawn others; each pair gets its grade.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.features import (
    PLAN_JOB_ZONES,
    OccupationArrays,
    StudentBatch,
    normal_cdf,
    unit_centred_rows,
)

if TYPE_CHECKING:
    import pandas as pd

    from recommender.catalogue import Catalogue

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

#: Gender effect sizes on interests, Cohen's d, positive favouring males (Su et al., 2009; their
#: Conventional d is -0.33, females higher).
INTEREST_GENDER_D: Final = {"R": 0.84, "I": 0.26, "A": -0.35, "S": -0.68, "E": 0.04, "C": -0.33}

#: Correlations of the six interest scales among real respondents aged 19 or under (n = 4,032,
#: data/benchmarks/people.tsv; PROVENANCE section 19 gives the same figures to within .01).
INTEREST_CORRELATION: Final = (
    (1.00, 0.22, 0.27, 0.06, 0.41, 0.54),
    (0.22, 1.00, 0.31, 0.30, 0.08, 0.10),
    (0.27, 0.31, 1.00, 0.36, 0.40, 0.16),
    (0.06, 0.30, 0.36, 1.00, 0.38, 0.16),
    (0.41, 0.08, 0.40, 0.38, 1.00, 0.61),
    (0.54, 0.10, 0.16, 0.16, 0.61, 1.00),
)

#: Where a student of latent interest z answers on the instrument: theta = location + scale * z,
#: solved so the simulated 1..5 scale means have the real respondents' mean and SD (R 1.88/0.86,
#: I 2.96/1.05, A 2.57/1.06, S 3.33/0.95, E 2.57/0.93, C 2.25/0.95, ages 19 or under).
INTEREST_RESPONSE_LOCATION: Final = (-1.715, -0.064, -0.62, 0.427, -0.57, -1.061)
INTEREST_RESPONSE_SCALE: Final = (1.44, 1.371, 1.463, 1.206, 1.187, 1.346)

#: Gender labels and shares drawn for audits.
GENDERS: Final = ("female", "male")
GENDER_SHARES: Final = (0.49, 0.51)

#: Race/ethnicity labels and approximate statewide shares of Mississippi public-school enrolment
#: (NCES Common Core of Data, rounded; "other" pools Asian, Native American, Pacific Islander
#: and two or more races).
RACE_ETHNICITY: Final = ("black", "white", "hispanic", "other")
RACE_SHARES: Final = (0.48, 0.44, 0.05, 0.03)

#: Assumed regional pattern of (black, white, hispanic, other) before raking to the statewide
#: shares: the Delta is majority Black, the coast has more Hispanic and other students, the
#: north-east and the Memphis suburbs are majority white. Approximate, see docs/cohort-card.md.
REGION_RACE_PATTERN: Final = {
    "0025060": (0.25, 0.60, 0.08, 0.07),  # Gulfport-Biloxi
    "0025620": (0.40, 0.52, 0.05, 0.03),  # Hattiesburg
    "0027140": (0.62, 0.32, 0.04, 0.02),  # Jackson
    "0032820": (0.40, 0.50, 0.07, 0.03),  # Memphis, Mississippi part
    "2800005": (0.75, 0.21, 0.03, 0.01),  # West Delta
    "2800006": (0.35, 0.58, 0.05, 0.02),  # Upper East
    "2800007": (0.55, 0.41, 0.03, 0.01),  # Lower West
    "2800008": (0.42, 0.52, 0.04, 0.02),  # Lower East
}

#: OEWS area code of the Memphis TN-MS-AR metro, whose figures include Tennessee and Arkansas.
MEMPHIS_REGION: Final = "0032820"

#: Share of students with school records entered (ACT is taken by every Mississippi junior).
RECORDS_SHARE: Final = 0.5
RECORD_FIELDS: Final = ("act_english", "act_math", "act_reading", "gpa_unweighted")


@dataclass(frozen=True)
class CohortConfig:
    """Parameters of the generative model; copied into the cohort card and model card."""

    n_students: int = 50_000
    seed: int = 2026
    explored_per_student: int = 10
    random_per_student: int = 10
    explore_temperature: float = 0.35
    weight_interests: float = 1.0
    weight_aptitudes: float = 0.8
    weight_overqualified: float = 0.25
    weight_education: float = 0.35
    weight_values: float = 0.3
    taste_sd: float = 0.35
    observation_sd: float = 0.25
    keyed_share: float = 0.5
    interest_drift_r: float = 0.75
    response_style_sd: float = 0.25
    no_subtests_share: float = 0.2
    grade_shares: tuple[float, float, float] = (0.10, 0.03, 0.01)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe copy of the settings."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Cohort:
    """A generated cohort: observed profiles, audit labels, latent traits and training pairs."""

    config: CohortConfig
    students: StudentBatch
    gender: npt.NDArray[np.str_]
    race_ethnicity: npt.NDArray[np.str_]
    region_index: npt.NDArray[np.int64]
    region_codes: tuple[str, ...]
    latent_interests: F64
    latent_aptitudes: F64
    latent_values: F64
    outcome_interests: F64
    pair_student: npt.NDArray[np.int64]
    pair_occupation: npt.NDArray[np.int64]
    pair_grade: npt.NDArray[np.int8]
    thresholds: F64
    _taste_seed: int = field(repr=False)

    @property
    def size(self) -> int:
        """Number of students."""
        return self.students.size


def latent_covariance() -> F64:
    """Joint correlation matrix of (6 interests, 5 aptitudes, 6 values), positive definite."""
    ni, na, nv = len(RIASEC), len(APTITUDES), len(WORK_VALUES)
    c = np.eye(ni + na + nv)
    c[:ni, :ni] = np.asarray(INTEREST_CORRELATION)
    apt = np.array(
        # verbal quant spatial mechanical perceptual
        [
            [1.00, 0.60, 0.45, 0.40, 0.35],
            [0.60, 1.00, 0.55, 0.45, 0.40],
            [0.45, 0.55, 1.00, 0.55, 0.35],
            [0.40, 0.45, 0.55, 1.00, 0.30],
            [0.35, 0.40, 0.35, 0.30, 1.00],
        ]
    )
    c[ni : ni + na, ni : ni + na] = apt
    ia = {
        ("R", "mechanical"): 0.30,
        ("R", "spatial"): 0.20,
        ("I", "quantitative"): 0.30,
        ("I", "verbal"): 0.20,
        ("I", "spatial"): 0.15,
        ("A", "verbal"): 0.20,
        ("C", "perceptual_speed"): 0.10,
        ("E", "verbal"): 0.05,
    }
    for (k, a), r in ia.items():
        i, j = RIASEC.index(k), ni + APTITUDES.index(a)
        c[i, j] = c[j, i] = r
    iv = {
        ("S", "relationships"): 0.40,
        ("I", "achievement"): 0.20,
        ("E", "achievement"): 0.20,
        ("E", "recognition"): 0.30,
        ("A", "independence"): 0.30,
        ("E", "independence"): 0.15,
        ("C", "support"): 0.20,
        ("C", "working_conditions"): 0.20,
        ("R", "working_conditions"): 0.10,
    }
    for (k, v), r in iv.items():
        i, j = RIASEC.index(k), ni + na + WORK_VALUES.index(v)
        c[i, j] = c[j, i] = r
    vv = np.full((nv, nv), 0.15) + np.eye(nv) * 0.85
    c[ni + na :, ni + na :] = vv
    return c


def _draw_latents(
    rng: np.random.Generator, n: int, gender: npt.NDArray[np.str_]
) -> tuple[F64, F64, F64]:
    chol = np.linalg.cholesky(latent_covariance())
    z = rng.standard_normal((n, chol.shape[0])) @ chol.T
    ni, na = len(RIASEC), len(APTITUDES)
    interests = z[:, :ni]
    shift = np.array([INTEREST_GENDER_D[k] / 2.0 for k in RIASEC])
    sign = np.where(gender == "male", 1.0, -1.0)[:, None]
    interests = interests + sign * shift[None, :]
    return interests, z[:, ni : ni + na], z[:, ni + na :]


def _draw_plans(rng: np.random.Generator, interests: F64, aptitudes: F64) -> tuple[str, ...]:
    g = aptitudes.mean(axis=1) / 0.8  # general ability, about unit variance
    r_int = interests[:, RIASEC.index("R")]
    logits = np.column_stack(
        [
            np.log(0.15) - 0.5 * g,  # work
            np.log(0.10) + 0.4 * r_int,  # apprenticeship_certificate
            np.log(0.28) + 0.0 * g,  # community_college
            np.log(0.30) + 0.9 * g,  # four_year_college
            np.log(0.05) + 0.3 * r_int,  # military
            np.log(0.12) + 0.0 * g,  # undecided
        ]
    )
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(p))[:, None]
    idx = (u > np.cumsum(p, axis=1)).sum(axis=1)
    return tuple(PLANS[min(int(i), len(PLANS) - 1)] for i in idx)


def _zrows(x: F64) -> F64:
    sd = x.std(axis=1, keepdims=True)
    out: F64 = (x - x.mean(axis=1, keepdims=True)) / np.where(sd > 1e-9, sd, 1.0)
    return out


@dataclass(frozen=True)
class RelevanceModel:
    """The occupation side of the true-relevance formula, precomputed once."""

    occupations: OccupationArrays
    keying: F64  # (6, 6) interest link, training/keying.py
    config: CohortConfig
    occ_riasec_unit: F64 = field(init=False, repr=False)
    occ_values_z: F64 = field(init=False, repr=False)
    plan_gap: F64 = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "occ_riasec_unit", unit_centred_rows(self.occupations.riasec))
        filled = np.where(self.occupations.values_known[:, None], self.occupations.work_values, 4.0)
        object.__setattr__(self, "occ_values_z", _zrows(filled))
        zones = self.occupations.job_zone
        gaps = np.empty((len(PLANS), zones.size))
        for p, plan in enumerate(PLANS):
            lo, hi = PLAN_JOB_ZONES[plan]
            gaps[p] = np.abs(zones - np.clip(zones, lo, hi))
        object.__setattr__(self, "plan_gap", gaps)

    def relevance(
        self,
        interests: F64,
        aptitudes: F64,
        values: F64,
        plan_index: npt.NDArray[np.int64],
        taste: F64,
    ) -> F64:
        """True relevance (m, n) from latent traits (interests: at outcome time, z-scores);
        ``taste`` is the (m, n) personal term."""
        c = self.config
        congruence = unit_centred_rows(interests) @ self.keying @ self.occ_riasec_unit.T
        pct = normal_cdf(aptitudes)
        gap = self.occupations.aptitude_demand[None, :, :] - pct[:, None, :]
        shortfall = np.clip(gap, 0.0, None).sum(axis=2)
        excess = np.clip(-gap, 0.0, None).sum(axis=2)
        value_fit = _zrows(values) @ self.occ_values_z.T / len(WORK_VALUES)
        value_fit = np.where(self.occupations.values_known[None, :], value_fit, 0.0)
        out: F64 = (
            c.weight_interests * congruence
            - c.weight_aptitudes * shortfall
            - c.weight_overqualified * excess
            - c.weight_education * self.plan_gap[plan_index]
            + c.weight_values * value_fit
            + taste
        )
        return out


def region_employment_totals(catalogue: Catalogue) -> F64:
    """Total employment per catalogue region (jobs): each OEWS series counted once.

    O*NET detail codes sharing one OEWS series carry the same figure, so summing every
    occupation would count those jobs several times; occupations without a series count alone.
    """
    employment = np.nan_to_num(np.asarray(catalogue.employment, dtype=np.float64), nan=0.0)
    series = [code or f"occupation:{i}" for i, code in enumerate(catalogue.oews_codes)]
    _, first = np.unique(np.array(series), return_index=True)
    totals: F64 = employment[:, np.sort(first)].sum(axis=1)
    return totals


def region_employment_shares(catalogue: Catalogue) -> tuple[npt.NDArray[np.int64], F64]:
    """Sub-state region rows and their shares (sum 1) of Mississippi's total employment.

    Mississippi's OEWS areas partition the state, but the Memphis figures cover the whole
    three-state metro; its Mississippi part is the statewide total minus the other areas'.
    """
    totals = region_employment_totals(catalogue)
    kinds = [r.kind for r in catalogue.regions]
    state = kinds.index("state")
    idx = np.array([i for i, k in enumerate(kinds) if k != "state"], dtype=np.int64)
    weights = totals[idx].copy()
    codes = [catalogue.regions[i].code for i in idx]
    if MEMPHIS_REGION in codes:
        m = codes.index(MEMPHIS_REGION)
        rest = weights.sum() - weights[m]
        weights[m] = max(totals[state] - rest, 0.0)
    if weights.sum() <= 0:
        raise ValueError("the catalogue has no employment in its sub-state regions")
    return idx, weights / weights.sum()


def race_shares_by_region(
    region_codes: tuple[str, ...] | list[str], region_weights: F64, *, iterations: int = 200
) -> F64:
    """(n_regions, 4) shares per region, raked so their region_weights mix is RACE_SHARES."""
    default = np.asarray(RACE_SHARES, dtype=np.float64)
    table = np.vstack([REGION_RACE_PATTERN.get(c, RACE_SHARES) for c in region_codes])
    table = table.astype(np.float64) * np.asarray(region_weights, dtype=np.float64)[:, None]
    for _ in range(iterations):
        table *= (default / table.sum(axis=0))[None, :]
        table *= (np.asarray(region_weights) / table.sum(axis=1))[:, None]
    out: F64 = table / table.sum(axis=1, keepdims=True)
    return out


def build_relevance_model(catalogue: Catalogue, config: CohortConfig) -> RelevanceModel:
    """Occupation-side relevance terms for a catalogue, with the keyed interest link.

    The link is scaled so that its scores spread as much as the Pearson correlation of the
    profiles does over students drawn from the latent interest distribution (seeded), which
    keeps ``weight_interests`` on the scale of a correlation.
    """
    from training.keying import keying_weights

    occupations = OccupationArrays.from_catalogue(catalogue)
    link = keying_weights(catalogue, share=config.keyed_share)
    z = np.random.default_rng([2026, 3]).standard_normal((2000, len(RIASEC)))
    z = z @ np.linalg.cholesky(np.asarray(INTEREST_CORRELATION)).T
    s_unit = unit_centred_rows(z)
    o_unit = unit_centred_rows(occupations.riasec)
    spread = float((s_unit @ link @ o_unit.T).std())
    target = float((s_unit @ o_unit.T).std())
    return RelevanceModel(occupations, link * (target / spread), config)


def drift_interests(interests: F64, r: float, seed: int) -> F64:
    """Interests at outcome time: r x assessed + sqrt(1 - r^2) x fresh N(0, 1) (seeded)."""
    noise = np.random.default_rng([seed, 19]).standard_normal(interests.shape)
    out: F64 = r * interests + np.sqrt(1.0 - r * r) * noise
    return out


def _taste(seed: int, rows: npt.NDArray[np.int64], n: int, sd: float) -> F64:
    """Persistent personal taste: the same (student, occupation) always gets the same value."""
    out = np.empty((rows.size, n))
    for k, i in enumerate(rows):
        out[k] = np.random.default_rng([seed, int(i)]).normal(0.0, sd, n)
    return out


def _chunks(n: int, size: int) -> Iterator[npt.NDArray[np.int64]]:
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size), dtype=np.int64)


ObserveFn = Callable[[F64, F64, F64, tuple[str, ...], np.random.Generator], StudentBatch]


def generate_cohort(
    catalogue: Catalogue,
    config: CohortConfig,
    observe: ObserveFn,
    progress: Callable[[int], object] | None = None,
) -> Cohort:
    """Generate students, their observed profiles and graded training pairs (seeded)."""
    rng = np.random.default_rng(config.seed)
    n = config.n_students
    gender = rng.choice(np.array(GENDERS), size=n, p=GENDER_SHARES)
    region_rows, shares = region_employment_shares(catalogue)
    local = rng.choice(region_rows.size, size=n, p=shares)
    region_index = region_rows[local]
    race_table = race_shares_by_region([catalogue.regions[i].code for i in region_rows], shares)
    u = rng.random(n)[:, None]
    race_pick = (u > np.cumsum(race_table[local], axis=1)).sum(axis=1)
    race = np.array(RACE_ETHNICITY)[np.minimum(race_pick, len(RACE_ETHNICITY) - 1)]
    interests, aptitudes, values = _draw_latents(rng, n, gender)
    plans = _draw_plans(rng, interests, aptitudes)
    students = observe(interests, aptitudes, values, plans, rng)
    later = drift_interests(interests, config.interest_drift_r, config.seed)

    model = build_relevance_model(catalogue, config)
    n_occ = model.occupations.size
    plan_index = np.array([PLANS.index(p) for p in plans], dtype=np.int64)
    taste_seed = int(rng.integers(2**31))

    # thresholds from a calibration sample of the population
    calib = rng.choice(n, size=min(n, 2000), replace=False)
    rel = model.relevance(
        later[calib],
        aptitudes[calib],
        values[calib],
        plan_index[calib],
        _taste(taste_seed, calib, n_occ, config.taste_sd),
    )
    noisy = rel + rng.normal(0.0, config.observation_sd, rel.shape)
    thresholds = np.quantile(noisy, [1.0 - s for s in config.grade_shares])

    k_exp, k_rand = config.explored_per_student, config.random_per_student
    per = k_exp + k_rand
    pair_s = np.repeat(np.arange(n, dtype=np.int64), per)
    pair_o = np.empty(n * per, dtype=np.int64)
    pair_g = np.empty(n * per, dtype=np.int8)
    for rows in _chunks(n, 1000):
        rel = model.relevance(
            later[rows],
            aptitudes[rows],
            values[rows],
            plan_index[rows],
            _taste(taste_seed, rows, n_occ, config.taste_sd),
        )
        # explored: Gumbel top-k = sampling without replacement, probability ~ exp(rel / T)
        gumbel = rng.gumbel(size=rel.shape)
        explored = np.argsort(-(rel / config.explore_temperature + gumbel), axis=1)[:, :k_exp]
        others = rng.integers(0, n_occ, size=(rows.size, k_rand))
        chosen = np.concatenate([explored, others], axis=1)
        picked = np.take_along_axis(rel, chosen, axis=1)
        obs = picked + rng.normal(0.0, config.observation_sd, picked.shape)
        grades = (obs[..., None] > thresholds[None, None, :]).sum(axis=2)
        sl = slice(int(rows[0]) * per, (int(rows[-1]) + 1) * per)
        pair_o[sl] = chosen.reshape(-1)
        pair_g[sl] = grades.reshape(-1).astype(np.int8)
        if progress is not None:
            progress(rows.size)

    return Cohort(
        config=config,
        students=students,
        gender=gender,
        race_ethnicity=race,
        region_index=region_index.astype(np.int64),
        region_codes=tuple(r.code for r in catalogue.regions),
        latent_interests=interests,
        latent_aptitudes=aptitudes,
        latent_values=values,
        outcome_interests=later,
        pair_student=pair_s,
        pair_occupation=pair_o,
        pair_grade=pair_g,
        thresholds=thresholds,
        _taste_seed=taste_seed,
    )


def full_outcomes(
    cohort: Cohort, catalogue: Catalogue, rows: npt.NDArray[np.int64], seed: int
) -> tuple[F64, npt.NDArray[np.int8]]:
    """True relevance and one draw of graded outcomes (m, n_occupations) for the given students."""
    model = build_relevance_model(catalogue, cohort.config)
    plan_index = np.array([PLANS.index(cohort.students.plans[i]) for i in rows], dtype=np.int64)
    rel = model.relevance(
        cohort.outcome_interests[rows],
        cohort.latent_aptitudes[rows],
        cohort.latent_values[rows],
        plan_index,
        _taste(cohort._taste_seed, rows, model.occupations.size, cohort.config.taste_sd),
    )
    rng = np.random.default_rng([seed, 7])
    obs = rel + rng.normal(0.0, cohort.config.observation_sd, rel.shape)
    grades = (obs[..., None] > cohort.thresholds[None, None, :]).sum(axis=2).astype(np.int8)
    return rel, grades


def nontraditional_by_gender(
    cohort: Cohort, catalogue: Catalogue, share_below: float = 0.25, sample: int = 4000
) -> dict[str, npt.NDArray[np.bool_]]:
    """Per gender, occupations whose expected grade->=2 population is < share_below that gender."""
    rng = np.random.default_rng([cohort.config.seed, 11])
    rows = np.sort(rng.choice(cohort.size, size=min(sample, cohort.size), replace=False))
    rel, _ = full_outcomes(cohort, catalogue, rows, seed=cohort.config.seed + 1)
    # probability of grade >= 2 under the observation noise
    z = (rel - cohort.thresholds[1]) / cohort.config.observation_sd
    p = normal_cdf(z)
    genders = cohort.gender[rows]
    mass = {g: p[genders == g].sum(axis=0) / max(1, int((genders == g).sum())) for g in GENDERS}
    total = sum(mass.values())
    out: dict[str, npt.NDArray[np.bool_]] = {}
    for g in GENDERS:
        share = np.where(total > 0, mass[g] / np.where(total > 0, total, 1.0), 0.5)
        out[g] = np.asarray(share < share_below, dtype=bool)
    return out


def observe_with_noise(
    interests: F64, aptitudes: F64, values: F64, plans: tuple[str, ...], rng: np.random.Generator
) -> StudentBatch:
    """Stand-in observation: latent traits plus normal error of fixed SE (tests only)."""
    m = len(plans)
    se_i, se_a, se_v = 0.35, 0.40, 0.45
    return StudentBatch(
        interests=interests + rng.normal(0, se_i, interests.shape),
        interests_se=np.full((m, len(RIASEC)), se_i),
        work_values=values + rng.normal(0, se_v, values.shape),
        work_values_se=np.full((m, len(WORK_VALUES)), se_v),
        aptitudes=aptitudes + rng.normal(0, se_a, aptitudes.shape),
        aptitudes_se=np.full((m, len(APTITUDES)), se_a),
        plans=plans,
    )


def observe_with_instrument(
    interests: F64,
    aptitudes: F64,
    values: F64,
    plans: tuple[str, ...],
    rng: np.random.Generator,
    *,
    batch: int = 5000,
    no_subtests_share: float = CohortConfig.no_subtests_share,
    response_style_sd: float = CohortConfig.response_style_sd,
) -> StudentBatch:
    """Simulate answers through the real instrument and score them with the real scorer.

    Interest answers come from ``INTEREST_RESPONSE_LOCATION + SCALE * z`` plus the student's
    response style (also added to work values); ``no_subtests_share`` of the students take no
    aptitude subtest and RECORDS_SHARE have school records.
    """
    from recommender.assessment import score_assessments
    from recommender.instrument import load_instrument
    from training.response_model import simulate_cohort_answers

    instrument = load_instrument()
    n = len(plans)
    has_records = rng.random(n) < RECORDS_SHARE
    has_subtests = rng.random(n) >= no_subtests_share
    style = rng.normal(0.0, response_style_sd, (n, 1))
    answering = (
        np.asarray(INTEREST_RESPONSE_LOCATION)[None, :]
        + np.asarray(INTEREST_RESPONSE_SCALE)[None, :] * interests
        + style
    )
    profiles: list[Any] = [None] * n
    for start in range(0, n, batch):
        for with_records, with_subtests in ((a, b) for a in (True, False) for b in (True, False)):
            rows = np.arange(start, min(n, start + batch))
            rows = rows[(has_records[rows] == with_records) & (has_subtests[rows] == with_subtests)]
            if rows.size == 0:
                continue
            answers = simulate_cohort_answers(
                answering[rows],
                aptitudes[rows],
                values[rows] + style[rows],
                rng,
                instrument,
                records=RECORD_FIELDS if with_records else (),
                subtests=None if with_subtests else (),
                plans=[plans[i] for i in rows],
            )
            for i, profile in zip(rows, score_assessments(answers, instrument), strict=True):
                profiles[i] = profile
    return StudentBatch.from_profiles(profiles)


def cohort_outcome_records(
    cohort: Cohort,
    catalogue: Catalogue,
    school_year: str,
    *,
    instrument_version: str,
    id_prefix: str = "syn",
) -> pd.DataFrame:
    """The cohort's training pairs as an outcome-record table (one row per student and occupation).

    Each student gets the pseudonym ``<prefix><seed>-<index>``; a pair drawn twice keeps its
    highest grade, as the service's export does; ``profile_json`` is the observed profile as
    ``StudentProfile.to_dict()``; gender and race/ethnicity fill the audit columns.
    """
    import json

    import pandas as pd

    from recommender.assessment import StudentProfile
    from training.records import normalise_school_year

    year = normalise_school_year(school_year)
    if year is None:
        raise ValueError(f"{school_year!r} is not a school year like 2025-26 or 2025-2026")
    b = cohort.students
    region_codes = np.array(cohort.region_codes)[cohort.region_index]
    ids = [f"{id_prefix}{cohort.config.seed}-{i:07d}" for i in range(cohort.size)]
    profiles = [
        json.dumps(
            StudentProfile(
                instrument_version=instrument_version,
                interests=b.interests[i],
                interests_se=b.interests_se[i],
                work_values=b.work_values[i],
                work_values_se=b.work_values_se[i],
                aptitudes=b.aptitudes[i],
                aptitudes_se=b.aptitudes_se[i],
                aptitude_sources={},
                plan=b.plans[i],
                county_fips=None,
                region_code=str(region_codes[i]),
                will_commute=False,
                will_relocate=False,
            ).to_dict(),
            sort_keys=True,
        )
        for i in range(cohort.size)
    ]
    pairs = pd.DataFrame(
        {
            "s": cohort.pair_student,
            "o": cohort.pair_occupation,
            "grade": cohort.pair_grade.astype(np.int64),
        }
    )
    best = pairs.groupby(["s", "o"], sort=True, as_index=False)["grade"].max()
    s = best["s"].to_numpy()
    codes = np.array(catalogue.codes)
    return pd.DataFrame(
        {
            "student_id": np.array(ids, dtype=object)[s],
            "school_year": year,
            "region_code": region_codes[s],
            "code_kind": "occupation",
            "code": codes[best["o"].to_numpy()],
            "grade": best["grade"].to_numpy(),
            "profile_json": np.array(profiles, dtype=object)[s],
            "gender": cohort.gender[s],
            "race_ethnicity": cohort.race_ethnicity[s],
        }
    )


def ceiling_scores(
    cohort: Cohort, catalogue: Catalogue, rows: npt.NDArray[np.int64]
) -> dict[str, F64]:
    """Scores (m, n) of two ceilings beside the model, for the given students.

    ``trait_oracle``: the relevance formula on the true traits at assessment time, without the
    personal taste term or the later drift (what a perfect assessment could reach).
    ``formula_measured``: the same formula on what the assessment measured: interests as
    z-scores against the population norms, aptitudes as scored (unknown -> average), work values
    standardised over the cohort, the stated plan.
    """
    from recommender.features import normative_interests

    model = build_relevance_model(catalogue, cohort.config)
    plan_index = np.array([PLANS.index(cohort.students.plans[i]) for i in rows], dtype=np.int64)
    zero = np.zeros((rows.size, model.occupations.size))
    trait = model.relevance(
        cohort.latent_interests[rows],
        cohort.latent_aptitudes[rows],
        cohort.latent_values[rows],
        plan_index,
        zero,
    )
    b = cohort.students
    values = b.work_values
    values_z = (values - values.mean(axis=0)) / np.maximum(values.std(axis=0), 1e-9)
    measured = model.relevance(
        normative_interests(b.interests[rows]),
        np.nan_to_num(b.aptitudes[rows], nan=0.0),
        values_z[rows],
        plan_index,
        zero,
    )
    return {"trait_oracle": trait, "formula_measured": measured}
