"""An empirically keyed interest link, fitted on real people's answers (the keying half).

Empirically keyed occupational scales compare people in a field with people in general. Here the
same idea is written as one 6 x 6 matrix ``W``: the interest fit of a person with interests ``x``
(z-scores against the population norms) and an occupation with O*NET interests ``o`` (1..7) is

    keyed(x, o) = unit(x - mean(x)) @ W @ unit(o - mean(o))

where ``unit`` scales a centred vector to length 1. ``W`` is the identity-like matrix that best
separates, for the even-numbered respondents of data/benchmarks/people.tsv (the odd half is kept
for the benchmark, training/benchmarks.py), the occupations their field's programmes lead to from
the other occupations: a logistic regression on the 36 products, each field weighted equally, with
positives drawn from the field's occupations and negatives from the rest of the catalogue.

The synthetic cohort uses ``keyed`` (fitted once here, seeded) as its interest term, so the model
learns from simulated outcomes whose interest part is how real people's interests relate to the
work their fields lead to, not a formula chosen by the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from recommender.features import normative_interests, unit_centred_rows

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue

F64 = npt.NDArray[np.float64]

#: Per keying respondent: occupations of their field drawn as positives, others as negatives.
POSITIVES: Final = 5
NEGATIVES: Final = 20
#: Inverse L2 strength of the logistic regression.
C_REGULARISATION: Final = 0.1

#: Share of the fitted W in the link the cohort uses; the rest is the identity (plain normative
#: congruence), both scaled to unit Frobenius norm. Chosen on both benchmarks (docs/model.md,
#: "The interest link"): 0.5 lifts real people's macro hit@10 from 0.41 to 0.45 and MRR from 0.18
#: to 0.23 and keeps 689 distinct occupations in their top-10 lists, where the fitted W alone
#: (1.0) fills the lists with fewer, field-specific occupations (507) and finds an O*NET
#: occupation's own profile less often (self hit@10 0.09 against 0.19).
KEYED_SHARE: Final = 0.5


def keyed_scores(interests_z: F64, occupation_riasec: F64, weights: F64) -> F64:
    """keyed(x, o) for (m, 6) normative interests and (n, 6) O*NET interests: (m, n)."""
    out: F64 = unit_centred_rows(interests_z) @ weights @ unit_centred_rows(occupation_riasec).T
    return out


def fit_keying(catalogue: Catalogue, seed: int = 2026) -> dict[str, Any]:
    """Fit W on the keying half; returns ``{"weights": 6x6 list, "respondents", "pairs", ...}``."""
    from sklearn.linear_model import LogisticRegression

    from training.benchmarks import benchmark_half
    from training.people_benchmark import load_people_benchmark

    bench = load_people_benchmark(catalogue=catalogue)
    keep = np.flatnonzero(~benchmark_half(bench.respondent))
    interests = (bench.means[keep] - 1.0) / 4.0
    x = unit_centred_rows(normative_interests(interests))
    occ = unit_centred_rows(np.asarray(catalogue.riasec, dtype=np.float64))
    n = occ.shape[0]
    fields = np.asarray(bench.field)[keep]
    sizes = {f: int((fields == f).sum()) for f in set(fields.tolist())}
    rng = np.random.default_rng([seed, 31])
    rows: list[int] = []
    items: list[int] = []
    labels: list[int] = []
    weights: list[float] = []
    for i, f in enumerate(fields):
        pos = np.asarray(bench.field_occupations[f], dtype=np.int64)
        chosen = rng.choice(pos, size=min(POSITIVES, pos.size), replace=False)
        neg = rng.integers(0, n, NEGATIVES)
        neg = neg[~np.isin(neg, pos)]
        for j, y in [(int(j), 1) for j in chosen] + [(int(j), 0) for j in neg]:
            rows.append(i)
            items.append(j)
            labels.append(y)
            weights.append(1.0 / sizes[f])
    r = np.asarray(rows)
    o = np.asarray(items)
    products = (x[r][:, :, None] * occ[o][:, None, :]).reshape(r.size, 36)
    w = np.asarray(weights)
    model = LogisticRegression(C=C_REGULARISATION, max_iter=5000)
    model.fit(products, np.asarray(labels), sample_weight=w * w.size / w.sum())
    matrix = model.coef_.reshape(6, 6)
    return {
        "weights": [[round(float(v), 6) for v in row] for row in matrix],
        "respondents": int(keep.size),
        "pairs": int(r.size),
        "fields": len(sizes),
        "seed": seed,
    }


_CACHE: dict[tuple[str, int], F64] = {}


def blend_with_identity(weights: F64, share: float = KEYED_SHARE) -> F64:
    """share x W / |W| + (1 - share) x I / |I| (Frobenius norms)."""
    eye = np.eye(weights.shape[0])
    out: F64 = share * weights / np.linalg.norm(weights) + (1.0 - share) * eye / np.linalg.norm(eye)
    return out


def keying_weights(catalogue: Catalogue, seed: int = 2026, share: float = KEYED_SHARE) -> F64:
    """The link matrix the cohort uses for a catalogue (fitted once per process and version)."""
    key = (str(getattr(catalogue, "version", "")), seed)
    if key not in _CACHE:
        _CACHE[key] = np.asarray(fit_keying(catalogue, seed)["weights"], dtype=np.float64)
    return blend_with_identity(_CACHE[key], share)
