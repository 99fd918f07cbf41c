"""One recommendation in-process: one student against the whole catalogue, three fit scorers.

Variants, timed interleaved over the same students and regions in one run:

* ``onnx`` — the served path: ``Recommender.load()`` (ONNX Runtime, one intra-op thread);
* ``sklearn`` — the same engine scoring with the version's ``model.joblib`` pipeline;
* ``numpy`` — a lower bound: the same engine with a linear model (one dot product) fitted by
  least squares on the same pair features to the ONNX model's predictions.

Every variant runs the whole ``Recommender.recommend`` (features, fit, ranking, pathway roll-up,
reasons). The breakdown times each stage of the served path on its own, calling the same
functions in the same order as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from bench._common import summarise_ms, time_interleaved

F32 = npt.NDArray[np.float32]

TARGET_P50_MS = 5.0
TARGET_P99_MS = 10.0


def make_profiles(n: int, seed: int = 0) -> list[Any]:
    """n scored profiles simulated from random latent traits through the real instrument."""
    from recommender.assessment import load_instrument, score_assessments
    from recommender.catalogue import get_catalogue
    from recommender.dimensions import PLANS
    from training.response_model import simulate_population_answers

    inst = load_instrument()
    counties = sorted(get_catalogue().county_region)
    rng = np.random.default_rng(seed)
    answers = simulate_population_answers(
        n,
        rng,
        inst,
        records=("act_math", "gpa_unweighted"),
        plans=[PLANS[i % len(PLANS)] for i in range(n)],
        county_fips=[counties[int(i)] for i in rng.integers(0, len(counties), size=n)],
    )
    return list(score_assessments(answers, inst))


def _sklearn_scorer(pipe: Any) -> Callable[[F32], F32]:
    from recommender.model import MAX_GRADE
    from training.export import model_input

    def score(x: F32) -> F32:
        out: F32 = np.clip(pipe.predict(model_input(pipe, x)) / MAX_GRADE, 0.0, 1.0)
        return out.astype(np.float32)

    return score


def fit_linear_scorer(recommender: Any, profiles: Sequence[Any]) -> Callable[[F32], F32]:
    """Least-squares linear fit to the served model's fit over the profiles' pair rows."""
    from recommender.features import StudentBatch, build_pair_features_batch

    students = StudentBatch.from_profiles(list(profiles))
    n = recommender.occupations.size
    si = np.repeat(np.arange(students.size), n)
    oi = np.tile(np.arange(n), students.size)
    x = build_pair_features_batch(students, recommender.occupations, si, oi)
    y = recommender.score_fit(x).astype(np.float64)
    design = np.hstack([x.astype(np.float64), np.ones((x.shape[0], 1))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    w = np.ascontiguousarray(coef[:-1], dtype=np.float32)
    b = np.float32(coef[-1])

    def score(x: F32) -> F32:
        out: F32 = np.clip(x @ w + b, 0.0, 1.0).astype(np.float32)
        return out

    return score


def _stage_functions(recommender: Any, profiles: Sequence[Any]) -> dict[str, Callable[[int], Any]]:
    """The engine's stages, each alone, on precomputed inputs of the previous stage."""
    from dataclasses import replace

    from recommender.engine import OCCUPATIONS_PER_PATHWAY
    from recommender.explain import RegionFacts, explain_occupations
    from recommender.features import StudentBatch, build_pair_features_batch, interest_match
    from recommender.ranking import order_pathways, rank_occupations, roll_up_pathways
    from recommender.typical import relative_fit

    rec = recommender
    cat = rec.catalogue
    n = rec.occupations.size
    zeros = np.zeros(n, dtype=np.int64)
    every = np.arange(n)
    members = [p.occupation_index for p in cat.pathways]
    high_value = np.asarray(cat.high_value, dtype=bool)
    prepared = []
    for p in profiles:
        students = StudentBatch.from_profiles([p])
        r = cat.region_index(p.region_code or "2800000")
        x = build_pair_features_batch(students, rec.occupations, zeros, every)
        fit = rec.score_fit(x)
        relative = relative_fit(fit, rec.typical_fit)
        match = interest_match(students.interests, rec.occupations)[0]
        ranked = rank_occupations(
            relative, rec.demand[r], rec.wage[r], high_value[r], rec.policy, match
        )
        ranked = replace(ranked, fit=fit)  # as the engine does: reasons compare raw fits
        scores, ordered = roll_up_pathways(ranked.score, members, rec.policy.pathway_top_n)
        top = [i for i in order_pathways(scores) if ordered[i]][:5]
        shown: list[int] = []
        for i in top:
            shown.extend(j for j in ordered[i][:OCCUPATIONS_PER_PATHWAY] if j not in shown)
        shown.extend(int(j) for j in ranked.order[:5] if int(j) not in shown)
        prepared.append((p, students, r, x, fit, ranked, shown, match))
    m = len(prepared)

    def features(i: int) -> Any:
        p = prepared[i % m][0]
        students = StudentBatch.from_profiles([p])
        return build_pair_features_batch(students, rec.occupations, zeros, every)

    def fit_scoring(i: int) -> Any:
        return rec.score_fit(prepared[i % m][3])

    def ranking(i: int) -> Any:
        _, students, r, _, fit, _, _, _ = prepared[i % m]
        fit = relative_fit(fit, rec.typical_fit)
        match = interest_match(students.interests, rec.occupations)[0]
        ranked = rank_occupations(fit, rec.demand[r], rec.wage[r], high_value[r], rec.policy, match)
        scores, ordered = roll_up_pathways(ranked.score, members, rec.policy.pathway_top_n)
        return [i for i in order_pathways(scores) if ordered[i]][:5]

    def reasons(i: int) -> Any:
        _, students, r, _, _, ranked, shown, _ = prepared[i % m]
        facts = RegionFacts.from_catalogue(cat, r)
        return explain_occupations(
            students, rec.occupations, shown, rec.score_fit, ranked, rec.policy, facts=facts
        )

    def serialise(i: int) -> Any:
        return rec.recommend(prepared[i % m][0]).to_dict()

    return {
        "features": features,
        "fit_scoring": fit_scoring,
        "ranking": ranking,
        "reasons": reasons,
        "full_path_plus_to_dict": serialise,
    }


def run(quick: bool) -> dict[str, Any]:
    """Time the three variants interleaved, then the served path's stages; return the figures."""
    import joblib
    import onnxruntime

    from recommender.engine import Recommender
    from recommender.model import locate_model_version

    repeats = 200 if quick else 2000
    profiles = make_profiles(40 if quick else 200)
    served = Recommender.load(intra_op_threads=1)
    folder = locate_model_version()
    pipe = joblib.load(folder / "model.joblib")
    sklearn_rec = replace(served, score_fit=_sklearn_scorer(pipe))
    numpy_rec = replace(served, score_fit=fit_linear_scorer(served, profiles[:40]))
    m = len(profiles)
    variants: dict[str, Callable[[int], object]] = {
        "onnx": lambda i: served.recommend(profiles[i % m]),
        "sklearn": lambda i: sklearn_rec.recommend(profiles[i % m]),
        "numpy": lambda i: numpy_rec.recommend(profiles[i % m]),
    }
    samples = time_interleaved(variants, repeats)
    stats = {name: summarise_ms(s) for name, s in samples.items()}
    floor = stats["numpy"]["p50_ms"]
    for name in stats:
        stats[name]["x_numpy_p50"] = round(stats[name]["p50_ms"] / floor, 2)
    stage_samples = time_interleaved(_stage_functions(served, profiles), repeats // 2)
    stages = {name: summarise_ms(s) for name, s in stage_samples.items()}
    onnx = stats["onnx"]
    return {
        "what": "Recommender.recommend for one student, whole catalogue, k=5, single thread",
        "occupations": served.occupations.size,
        "model_version": served.model_version,
        "profiles": m,
        "repeats": repeats,
        "onnxruntime_intra_op_threads": 1,
        "onnxruntime_version": onnxruntime.__version__,
        "variants": stats,
        "onnx_stages": stages,
        "targets": {
            "p50_ms<=5": onnx["p50_ms"] <= TARGET_P50_MS,
            "p99_ms<=10": onnx["p99_ms"] <= TARGET_P99_MS,
        },
    }
