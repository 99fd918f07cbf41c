"""Benchmarks that do not involve the simulator: real people's answers and O*NET's own structure.

Two question sets judge every ranker side by side (served ranking, fit only, interest congruence,
popularity by employment, random):

* **Real people** (``run_people_benchmark``): respondents of the Open-Source Psychometrics
  Project's RIASEC sample (data/benchmarks/people.tsv) whose field of study is known. Only the
  *benchmark half* is scored (odd respondent numbers); the even half keys the simulator's interest
  term (training/keying.py), so no answer that shaped the model judges it. A respondent's
  occupations are those the crosswalk links to their field (field_occupations.tsv). Their profile
  is their six scale means mapped to the instrument's 0..1 scale, as the scorer maps ratings, with
  the scorer's prior standard error; they took no aptitude subtest, gave no work values (flat)
  and chose no plan (``undecided``), and are ranked for the statewide area.
* **Occupation structure** (``run_structure_benchmark``): one profile per catalogue occupation,
  built from that occupation's own O*NET interests, work values, abilities and job zone. It must
  rank the occupation itself high (``self``) and, among the other occupations, those doing similar
  work (``similar``: the 10 nearest by skills, knowledge, work styles and tasks, which the
  assessment never measures; data/benchmarks/similar_work.tsv).

Metrics are per question: hit@10, reciprocal rank (MRR over questions) and NDCG@10, macro-averaged
over fields for real people, with percentile-bootstrap intervals (respondents resampled within
field) and paired differences against congruence. Concentration: distinct occupations across all
top-10 lists, the share of lists holding the most frequent occupation, and occupations never shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from recommender.assessment import LIKERT_PRIOR_VARIANCE
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.features import (
    INTEREST_NORM_MEAN,
    INTEREST_NORM_SD,
    OccupationArrays,
    StudentBatch,
    interest_match,
)
from recommender.ranking import RankingPolicy, rank_occupations
from recommender.typical import TypicalFit, relative_fit
from training.baselines import score_congruence_batch
from training.data import ScoreFit, score_whole_catalogue

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue
    from recommender.engine import Recommender
    from training.people_benchmark import PeopleBenchmark

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

#: Cut-off of every top-k metric here.
K: Final = 10

#: Systems every benchmark reports, in table order.
SYSTEMS: Final = ("served", "fit_only", "congruence", "popularity", "random")

#: Statewide OEWS area: the region real respondents are ranked for.
STATEWIDE: Final = "2800000"

#: Similar-work neighbours that count as relevant in the structure benchmark.
SIMILAR_K: Final = 10


# ------------------------------------------------------------------------------------ metrics


def top_k(scores: npt.ArrayLike, k: int = K) -> npt.NDArray[np.int64]:
    """(m, k) item indices of each row's k best scores, best first; ties keep the lower index."""
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64)


def first_relevant_rank(scores: npt.ArrayLike, relevant: npt.ArrayLike) -> F64:
    """1-based rank of each row's best-ranked relevant item (NaN when a row has none).

    Ties are broken in index order, as ``top_k`` does.
    """
    s = np.asarray(scores, dtype=np.float64)
    rel = np.asarray(relevant, dtype=bool)
    order = np.argsort(-s, axis=1, kind="stable")
    ranked = np.take_along_axis(rel, order, axis=1)
    has = ranked.any(axis=1)
    first = ranked.argmax(axis=1).astype(np.float64) + 1.0
    out: F64 = np.where(has, first, np.nan)
    return out


def hit_at_k(scores: npt.ArrayLike, relevant: npt.ArrayLike, k: int = K) -> F64:
    """1.0 where a row's top k holds a relevant item, else 0.0; NaN where none is relevant."""
    rank = first_relevant_rank(scores, relevant)
    out: F64 = np.where(np.isnan(rank), np.nan, (rank <= k).astype(np.float64))
    return out


def reciprocal_rank_of(scores: npt.ArrayLike, relevant: npt.ArrayLike) -> F64:
    """1 / rank of the first relevant item over the whole list; NaN where none is relevant."""
    out: F64 = 1.0 / first_relevant_rank(scores, relevant)
    return out


def ndcg_graded_at_k(scores: npt.ArrayLike, gains: npt.ArrayLike, k: int = K) -> F64:
    """NDCG@k with the given non-negative gain per (row, item); NaN where every gain is 0."""
    s = np.asarray(scores, dtype=np.float64)
    g = np.asarray(gains, dtype=np.float64)
    k = min(k, s.shape[1])
    disc = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    order = top_k(s, k)
    dcg = np.take_along_axis(g, order, axis=1) @ disc
    ideal = -np.sort(-g, axis=1)[:, :k] @ disc
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = np.where(ideal > 0, dcg / np.where(ideal > 0, ideal, 1.0), np.nan)
    return out


def concentration(
    scores: npt.ArrayLike, titles: Sequence[str] | None = None, k: int = K
) -> dict[str, Any]:
    """How concentrated the top-k lists are: distinct items, the most frequent one, never shown."""
    order = top_k(scores, k)
    m, n = np.asarray(scores).shape
    counts = np.bincount(order.ravel(), minlength=n)
    top = int(np.argmax(counts))
    return {
        "lists": int(m),
        "distinct": int(np.count_nonzero(counts)),
        "never_shown": int(n - np.count_nonzero(counts)),
        "top_share": float(counts[top] / m) if m else float("nan"),
        "top_item": titles[top] if titles is not None else top,
    }


def expected_random(n: int, relevant: int, k: int = K) -> dict[str, float]:
    """Expected hit@k, MRR and NDCG@k (binary gains) of a uniformly random order of n items."""
    if relevant <= 0 or relevant > n:
        return {"hit@10": float("nan"), "mrr": float("nan"), "ndcg@10": float("nan")}
    miss = math.comb(n - relevant, k) / math.comb(n, k) if n - relevant >= k else 0.0
    total = math.comb(n, relevant)
    mrr = sum(math.comb(n - i, relevant - 1) / total / i for i in range(1, n - relevant + 2))
    disc = 1.0 / np.log2(np.arange(2, min(k, n) + 2))
    ideal = float(disc[: min(relevant, k)].sum())
    ndcg = relevant / n * float(disc.sum()) / ideal
    return {"hit@10": 1.0 - miss, "mrr": float(mrr), "ndcg@10": float(ndcg)}


@dataclass(frozen=True)
class Interval:
    """A mean with its 95 % percentile-bootstrap interval."""

    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        """``{"mean", "ci_low", "ci_high"}``."""
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high}


def _interval(point: float, draws: F64) -> Interval:
    low, high = np.quantile(draws, [0.025, 0.975])
    return Interval(float(point), float(low), float(high))


def macro_bootstrap(
    values: Mapping[str, F64],
    groups: npt.ArrayLike,
    *,
    reference: str,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Macro mean over groups of each system's per-question values, with paired differences.

    Questions are resampled within their group (so each group keeps its size); every system is
    scored on the same resample, which makes the difference from ``reference`` paired.
    """
    labels = np.asarray(groups)
    names = sorted(set(labels.tolist()))
    index = [np.flatnonzero(labels == g) for g in names]
    rng = np.random.default_rng(seed)
    picks = [rng.integers(0, len(ix), size=(n_resamples, len(ix))) for ix in index]
    out: dict[str, Any] = {"groups": len(names), "systems": {}, "vs_" + reference: {}}
    draws: dict[str, F64] = {}
    points: dict[str, float] = {}
    for system, v in values.items():
        per_group = np.array([np.nanmean(v[ix]) for ix in index])
        points[system] = float(per_group.mean())
        boot = np.column_stack(
            [np.nanmean(v[ix][p], axis=1) for ix, p in zip(index, picks, strict=True)]
        )
        draws[system] = boot.mean(axis=1)
        out["systems"][system] = _interval(points[system], draws[system]).to_dict()
    for system in values:
        if system == reference:
            continue
        diff = draws[system] - draws[reference]
        out["vs_" + reference][system] = _interval(
            points[system] - points[reference], diff
        ).to_dict()
    return out


def mean_bootstrap(
    values: Mapping[str, F64], *, reference: str, n_resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Mean over questions (one group) with bootstrap intervals and paired differences."""
    some = next(iter(values.values()))
    return macro_bootstrap(
        values,
        np.zeros(some.shape[0], dtype=np.int64),
        reference=reference,
        n_resamples=n_resamples,
        seed=seed,
    )


# ----------------------------------------------------------------------------------- rankers


@dataclass(frozen=True)
class RankingInputs:
    """What the served ranking needs besides fit: the engine's regional demand and wage parts."""

    demand: F32  # (n_regions, n)
    wage: F32
    high_value: npt.NDArray[np.bool_]
    employment: F64  # (n_regions, n), the series' published figure, NaN -> 0
    region_codes: tuple[str, ...]

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue, policy: RankingPolicy) -> RankingInputs:
        """Regional parts exactly as the engine computes them (``Recommender.build``)."""
        from recommender.engine import Recommender

        rec = Recommender.build(catalogue, lambda x: np.zeros(x.shape[0], np.float32), "-", policy)
        return cls(
            demand=np.asarray(rec.demand, dtype=np.float32),
            wage=np.asarray(rec.wage, dtype=np.float32),
            high_value=np.asarray(catalogue.high_value, dtype=bool),
            employment=np.nan_to_num(np.asarray(catalogue.employment, dtype=np.float64), nan=0.0),
            region_codes=tuple(r.code for r in catalogue.regions),
        )


def score_fit_matrix(
    score_fit: ScoreFit, students: StudentBatch, occupations: OccupationArrays, chunk: int = 100
) -> F32:
    """Fit (m, n) of every student against every occupation."""
    return score_whole_catalogue(
        score_fit, students, occupations, np.arange(students.size, dtype=np.int64), chunk
    )


def served_scores(
    fit: F32,
    region_rows: npt.NDArray[np.int64],
    inputs: RankingInputs,
    policy: RankingPolicy,
    match: F32 | None = None,
) -> F32:
    """Final policy scores (m, n) of the served ranking for each row's region; ``match`` is the
    rows' interest match (recommender.features.interest_match), needed when the policy weighs it."""
    out = np.empty_like(fit)
    for i, r in enumerate(region_rows):
        out[i] = rank_occupations(
            fit[i],
            inputs.demand[r],
            inputs.wage[r],
            inputs.high_value[r],
            policy,
            None if match is None else match[i],
        ).score
    return out


def baseline_scores(
    students: StudentBatch,
    occupations: OccupationArrays,
    region_rows: npt.NDArray[np.int64],
    inputs: RankingInputs,
    seed: int,
) -> dict[str, F32]:
    """Congruence (Pearson r with the plan penalty), popularity (regional employment), random."""
    congruence = score_congruence_batch(
        students.interests,
        occupations.riasec,
        occupations.job_zone.astype(np.int64),
        list(students.plans),
    )
    popularity = inputs.employment[region_rows].astype(np.float32)
    rng = np.random.default_rng([seed, 404])
    random = rng.random(congruence.shape).astype(np.float32)
    return {"congruence": congruence, "popularity": popularity, "random": random}


def _system_scores(
    score_fit: ScoreFit,
    policy: RankingPolicy,
    students: StudentBatch,
    occupations: OccupationArrays,
    region_rows: npt.NDArray[np.int64],
    inputs: RankingInputs,
    seed: int,
    typical: TypicalFit | None,
) -> dict[str, F32]:
    fit = relative_fit(score_fit_matrix(score_fit, students, occupations), typical)
    return {
        "served": served_scores(
            fit, region_rows, inputs, policy, interest_match(students.interests, occupations)
        ),
        "fit_only": fit,
        **baseline_scores(students, occupations, region_rows, inputs, seed),
    }


# -------------------------------------------------------------------------------- real people


def people_profiles(means: F64, answered: npt.NDArray[np.int64]) -> StudentBatch:
    """Student profiles of real respondents: scale means 1..5 -> 0..1 as the scorer maps ratings.

    SE: the scorer's prior within-scale variance (1 raw point²) over the items answered, on 0..1.
    Interests only: flat work values, no aptitude source, plan ``undecided``.
    """
    m = means.shape[0]
    interests = (np.asarray(means, dtype=np.float64) - 1.0) / 4.0
    se = np.sqrt(LIKERT_PRIOR_VARIANCE / np.maximum(np.asarray(answered), 1)) / 4.0
    return StudentBatch(
        interests=interests,
        interests_se=se,
        work_values=np.full((m, len(WORK_VALUES)), 0.5),
        work_values_se=np.full((m, len(WORK_VALUES)), 0.25),
        aptitudes=np.full((m, len(APTITUDES)), np.nan),
        aptitudes_se=np.full((m, len(APTITUDES)), np.nan),
        plans=("undecided",) * m,
    )


def benchmark_half(respondent: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True for respondents in the benchmark half (odd numbers); the even half keys the model."""
    out: npt.NDArray[np.bool_] = np.asarray(respondent, dtype=np.int64) % 2 == 1
    return out


def _question_metrics(scores: Mapping[str, F32], relevant: npt.NDArray[np.bool_]) -> dict[str, Any]:
    return {
        "hit@10": {s: hit_at_k(v, relevant) for s, v in scores.items()},
        "mrr": {s: reciprocal_rank_of(v, relevant) for s, v in scores.items()},
        "ndcg@10": {s: ndcg_graded_at_k(v, relevant.astype(np.float64)) for s, v in scores.items()},
    }


def run_people_benchmark(
    score_fit: ScoreFit,
    policy: RankingPolicy,
    catalogue: Catalogue,
    *,
    bench: PeopleBenchmark | None = None,
    typical: TypicalFit | None = None,
    limit: int | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Every system on the benchmark half of the real respondents: macro tables, concentration,
    per-field hit@10 against the expected hit@10 of a random order, and ages 19 or under apart.

    ``typical`` is the version's typical fit (recommender.typical): fit only and the served
    ranking then rank the fit relative to it, as the engine does.
    """
    from training.people_benchmark import load_people_benchmark

    bench = bench if bench is not None else load_people_benchmark(catalogue=catalogue)
    keep = np.flatnonzero(benchmark_half(bench.respondent))
    if limit is not None and keep.size > limit:
        keep = np.sort(np.random.default_rng([seed, 5]).choice(keep, size=limit, replace=False))
    students = people_profiles(bench.means[keep], bench.answered[keep])
    fields = np.asarray(bench.field)[keep]
    ages = np.asarray(bench.age_band)[keep]
    occupations = OccupationArrays.from_catalogue(catalogue)
    n = occupations.size
    inputs = RankingInputs.from_catalogue(catalogue, policy)
    state = inputs.region_codes.index(STATEWIDE)
    region_rows = np.full(keep.size, state, dtype=np.int64)
    scores = _system_scores(
        score_fit, policy, students, occupations, region_rows, inputs, seed, typical
    )
    if progress is not None:
        progress(keep.size)
    relevant = np.zeros((keep.size, n), dtype=bool)
    for f, rows in bench.field_occupations.items():
        relevant[np.ix_(fields == f, np.asarray(rows, dtype=np.int64))] = True
    per_question = _question_metrics(scores, relevant)
    titles = list(catalogue.titles)
    result: dict[str, Any] = {
        "respondents": int(keep.size),
        "fields": {},
        "metrics": {},
        "young": {},
        "concentration": {s: concentration(v, titles) for s, v in scores.items()},
    }
    young = np.isin(ages, ("13-19",))
    for metric, values in per_question.items():
        result["metrics"][metric] = macro_bootstrap(
            values, fields, reference="congruence", n_resamples=n_resamples, seed=seed
        )
        if young.any():
            result["young"][metric] = macro_bootstrap(
                {s: v[young] for s, v in values.items()},
                fields[young],
                reference="congruence",
                n_resamples=n_resamples,
                seed=seed,
            )
    result["young_respondents"] = int(young.sum())
    for f in sorted(set(fields.tolist())):
        rows = fields == f
        size = len(bench.field_occupations[f])
        result["fields"][f] = {
            "respondents": int(rows.sum()),
            "occupations": int(size),
            "hit@10": {s: float(np.nanmean(v[rows])) for s, v in per_question["hit@10"].items()},
            "mrr": {s: float(np.nanmean(v[rows])) for s, v in per_question["mrr"].items()},
            "expected_random": expected_random(n, size),
        }
    return result


# ------------------------------------------------------------------------- occupation structure


def _inverse_normal_cdf(p: F64) -> F64:
    """Standard normal quantile (scipy.special.ndtri), elementwise."""
    from scipy.special import ndtri

    out: F64 = np.asarray(ndtri(p), dtype=np.float64)
    return out


def occupation_profiles(catalogue: Catalogue) -> StudentBatch:
    """One profile per occupation from its own O*NET interests, work values, abilities, job zone.

    Interests: the occupation's standing on each RIASEC area among all occupations (z over the
    catalogue) placed on the student scale through the population norms. Work values: O*NET's
    1..7 extent mapped to 0..1 (flat when unrated). Aptitudes: the z-score whose percentile is the
    occupation's demand (clipped to +-2.5), SE 0.3. Plan: job zone 1-2 work, 3 community college,
    4-5 four-year college.
    """
    occ = OccupationArrays.from_catalogue(catalogue)
    r = occ.riasec
    colz = (r - r.mean(axis=0)) / r.std(axis=0)
    mean = np.asarray(INTEREST_NORM_MEAN)
    sd = np.asarray(INTEREST_NORM_SD)
    interests = np.clip(mean + sd * colz, 0.0, 1.0)
    n = occ.size
    values = np.where(occ.values_known[:, None], (occ.work_values - 1.0) / 6.0, 0.5)
    demand = np.clip(occ.aptitude_demand, 0.006, 0.994)
    plans = tuple(
        "work" if z <= 2 else ("community_college" if z == 3 else "four_year_college")
        for z in occ.job_zone.astype(int)
    )
    return StudentBatch(
        interests=interests,
        interests_se=np.full((n, len(RIASEC)), 0.06),
        work_values=np.nan_to_num(values, nan=0.5),
        work_values_se=np.full((n, len(WORK_VALUES)), 0.08),
        aptitudes=np.clip(_inverse_normal_cdf(demand), -2.5, 2.5),
        aptitudes_se=np.full((n, len(APTITUDES)), 0.3),
        plans=plans,
    )


def interest_cosine(interests: npt.ArrayLike, catalogue: Catalogue) -> F32:
    """Plain cosine of profiles' interests (0..1, uncentred) with O*NET's (1..7, uncentred)."""
    r = np.asarray(catalogue.riasec, dtype=np.float64)
    x = np.asarray(interests, dtype=np.float64)
    xu = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    ru = r / np.linalg.norm(r, axis=1, keepdims=True)
    out: F32 = (xu @ ru.T).astype(np.float32)
    return out


def run_structure_benchmark(
    score_fit: ScoreFit,
    policy: RankingPolicy,
    catalogue: Catalogue,
    *,
    similar: Sequence[npt.NDArray[np.int64]] | None = None,
    typical: TypicalFit | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Every system (and a plain cosine of the profile's interests with O*NET's) on the 923
    occupation profiles.

    ``self``: the occupation itself is the one relevant item. ``similar``: the occupation is taken
    out of its own list and its ``SIMILAR_K`` nearest by similar work are relevant.
    """
    from training.structure_benchmark import load_similar_work

    codes = list(catalogue.codes)
    similar = similar if similar is not None else load_similar_work(codes, k=SIMILAR_K)
    students = occupation_profiles(catalogue)
    occupations = OccupationArrays.from_catalogue(catalogue)
    n = occupations.size
    inputs = RankingInputs.from_catalogue(catalogue, policy)
    region_rows = np.full(n, inputs.region_codes.index(STATEWIDE), dtype=np.int64)
    scores = _system_scores(
        score_fit, policy, students, occupations, region_rows, inputs, seed, typical
    )
    scores["interest_cosine"] = interest_cosine(students.interests, catalogue)
    eye = np.eye(n, dtype=bool)
    near = np.zeros((n, n), dtype=bool)
    for i, rows in enumerate(similar):
        near[i, np.asarray(rows, dtype=np.int64)[:SIMILAR_K]] = True
    has_near = near.any(axis=1)
    self_metrics = {
        "hit@10": {s: hit_at_k(v, eye) for s, v in scores.items()},
        "mrr": {s: reciprocal_rank_of(v, eye) for s, v in scores.items()},
    }
    others = {s: np.where(eye, -np.inf, v.astype(np.float64)) for s, v in scores.items()}
    near_metrics = {
        "hit@10": {s: hit_at_k(v[has_near], near[has_near]) for s, v in others.items()},
        "mrr": {s: reciprocal_rank_of(v[has_near], near[has_near]) for s, v in others.items()},
        "ndcg@10": {
            s: ndcg_graded_at_k(v[has_near], near[has_near].astype(np.float64))
            for s, v in others.items()
        },
    }
    titles = list(catalogue.titles)
    return {
        "profiles": n,
        "with_similar": int(has_near.sum()),
        "self": {
            m: mean_bootstrap(v, reference="congruence", n_resamples=n_resamples, seed=seed)
            for m, v in self_metrics.items()
        },
        "similar": {
            m: mean_bootstrap(v, reference="congruence", n_resamples=n_resamples, seed=seed)
            for m, v in near_metrics.items()
        },
        "concentration": {s: concentration(v, titles) for s, v in scores.items()},
    }


# ------------------------------------------------------------------------------------ report

_LABELS: Final = {
    "served": "served ranking",
    "fit_only": "fit only",
    "congruence": "interest congruence",
    "popularity": "popularity (employment)",
    "random": "random",
    "interest_cosine": "plain interest cosine",
}


def _ci(entry: Mapping[str, float], digits: int = 3) -> str:
    return (
        f"{entry['mean']:.{digits}f} ({entry['ci_low']:.{digits}f}–{entry['ci_high']:.{digits}f})"
    )


def _diff(entry: Mapping[str, float] | None) -> str:
    if entry is None:
        return "—"
    return f"{entry['mean']:+.3f} ({entry['ci_low']:+.3f} to {entry['ci_high']:+.3f})"


def _metric_table(tables: Mapping[str, Any], metrics: Sequence[str]) -> list[str]:
    systems = [s for s in (*SYSTEMS, "interest_cosine") if s in tables[metrics[0]]["systems"]]
    head = "| ranker | " + " | ".join(f"{m} (95% CI) | {m} − congruence" for m in metrics) + " |"
    lines = [head, "|---|" + "---|---|" * len(metrics)]
    for s in systems:
        cells = []
        for m in metrics:
            cells.append(_ci(tables[m]["systems"][s]))
            cells.append(_diff(tables[m]["vs_congruence"].get(s)))
        lines.append(f"| {_LABELS.get(s, s)} | " + " | ".join(cells) + " |")
    return lines


def _concentration_table(conc: Mapping[str, Any]) -> list[str]:
    lines = [
        "| ranker | distinct occupations in top 10s | never shown | most frequent "
        "| share of lists |",
        "|---|---|---|---|---|",
    ]
    for s, c in conc.items():
        lines.append(
            f"| {_LABELS.get(s, s)} | {c['distinct']} | {c['never_shown']} | {c['top_item']} | "
            f"{c['top_share']:.1%} |"
        )
    return lines


def render_benchmarks_markdown(benchmarks: Mapping[str, Any]) -> str:
    """Markdown tables of both benchmarks (as in metrics.json ``benchmarks``) for cards and CLI."""
    people = benchmarks["people"]
    structure = benchmarks["structure"]
    lines = [
        f"### Real people ({people['respondents']:,} respondents of the benchmark half, "
        f"{len(people['fields'])} fields, macro over fields)",
        "",
        *_metric_table(people["metrics"], ("hit@10", "mrr", "ndcg@10")),
        "",
    ]
    if people.get("young"):
        lines += [
            f"Aged 19 or under ({people['young_respondents']:,} respondents):",
            "",
            *_metric_table(people["young"], ("hit@10", "mrr")),
            "",
        ]
    systems = [s for s in SYSTEMS if s != "popularity"]
    lines += [
        "Hit@10 by field (a random order's expected hit@10 in the last column):",
        "",
        "| field | respondents | occupations | "
        + " | ".join(_LABELS[s] for s in systems)
        + " | random, expected |",
        "|---|---|---|" + "---|" * (len(systems) + 1),
    ]
    for f, row in people["fields"].items():
        cells = " | ".join(f"{row['hit@10'][s]:.2f}" for s in systems)
        lines.append(
            f"| {f} | {row['respondents']:,} | {row['occupations']} | {cells} | "
            f"{row['expected_random']['hit@10']:.2f} |"
        )
    lines += [
        "",
        "Concentration of the top-10 lists:",
        "",
        *_concentration_table(people["concentration"]),
    ]
    lines += [
        "",
        f"### O*NET structure ({structure['profiles']} occupation profiles)",
        "",
        "Finding the occupation itself from its own profile:",
        "",
        *_metric_table(structure["self"], ("hit@10", "mrr")),
        "",
        f"Finding the {SIMILAR_K} occupations doing the most similar work (skills, knowledge, work "
        "styles, tasks), the occupation itself left out:",
        "",
        *_metric_table(structure["similar"], ("hit@10", "mrr", "ndcg@10")),
        "",
        "Concentration of the top-10 lists:",
        "",
        *_concentration_table(structure["concentration"]),
        "",
    ]
    return "\n".join(lines)


def reason_disagreements(
    recommender: Recommender, *, respondents: int = 400, seed: int = 0
) -> dict[str, Any]:
    """How often a reason's model effect contradicts its fact (recommender.explain), counted over
    the served lists of benchmark-half respondents, each given a plan in turn (so the education
    fact is tested) and ranked for the statewide area."""
    from types import SimpleNamespace

    from recommender.catalogue import Catalogue
    from recommender.dimensions import PLANS
    from recommender.explain import count_disagreements
    from training.people_benchmark import load_people_benchmark

    source = recommender.catalogue  # a Catalogue when loaded; else its codes index the benchmark
    catalogue = source if isinstance(source, Catalogue) else tuple(source.codes)
    bench = load_people_benchmark(catalogue=catalogue)
    keep = np.flatnonzero(benchmark_half(bench.respondent))
    rng = np.random.default_rng([seed, 9])
    keep = np.sort(rng.choice(keep, size=min(respondents, keep.size), replace=False))
    batch = people_profiles(bench.means[keep], bench.answered[keep])
    results = []
    for i in range(keep.size):
        profile = SimpleNamespace(
            interests=batch.interests[i].astype(np.float32),
            interests_se=batch.interests_se[i].astype(np.float32),
            work_values=batch.work_values[i].astype(np.float32),
            work_values_se=batch.work_values_se[i].astype(np.float32),
            aptitudes=batch.aptitudes[i].astype(np.float32),
            aptitudes_se=batch.aptitudes_se[i].astype(np.float32),
            plan=PLANS[i % len(PLANS)],
            region_code=STATEWIDE,
        )
        results.append(recommender.recommend(profile, k=5))
    out: dict[str, Any] = count_disagreements(results).to_dict()
    out["respondents"] = int(keep.size)
    return out
