"""Simulated students answering the real instrument (synthetic cohort, reliability checks).

Response model (documented in docs/assessment.md):

* interest and work-value items: a graded response model. Item j on scale s has discrimination
  ``a`` (1.7 interests, 1.4 values), a location ``delta_j`` spread evenly over -0.6..0.6 logits
  across the items of its scale, and category thresholds (-1.6, -0.55, 0.55, 1.6); the student
  answers k or more with probability ``logistic(a * (theta_s - delta_j - tau_k))``;
* aptitude items: issued under a fresh seed, answered correctly with probability
  ``c + (1 - c) * logistic(theta_d - b)`` (the scorer's own model, b from the item's generating
  parameters, c = 1 / options); a wrong answer picks one of the other options at random;
* records: ``x = mean + sd * (lambda * theta + sqrt(1 - lambda**2) * e)``, rounded and clipped to
  the field's range, using the first loading listed for the field.

All latent traits are z-scores (population N(0, 1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.aptitude_items import compute_item_parameters
from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.instrument import Instrument, LikertSection

THRESHOLDS = np.array([-1.6, -0.55, 0.55, 1.6])
INTEREST_DISCRIMINATION = 1.7
VALUES_DISCRIMINATION = 1.4


def _item_locations(section: LikertSection) -> npt.NDArray[np.float64]:
    out = np.zeros(len(section.items))
    for scale in section.scales:
        idx = [j for j, it in enumerate(section.items) if it.scale == scale]
        out[idx] = np.linspace(-0.6, 0.6, len(idx)) if len(idx) > 1 else 0.0
    return out


def simulate_likert(
    theta: npt.NDArray[np.float64],
    section: LikertSection,
    discrimination: float,
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """Return (N, items) ratings in scale_min..scale_max from (N, scales) latent z-scores."""
    scale_index = np.array([section.scales.index(it.scale) for it in section.items])
    t = theta[:, scale_index] - _item_locations(section)[None, :]
    p_at_least = 1.0 / (1.0 + np.exp(-discrimination * (t[:, :, None] - THRESHOLDS[None, None])))
    u = rng.random(t.shape)
    steps = (u[:, :, None] < p_at_least).sum(axis=2)
    out: npt.NDArray[np.int64] = (section.scale_min + steps).astype(np.int64)
    return out


def simulate_aptitude(
    theta: npt.NDArray[np.float64],
    subtest: str,
    n_items: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (seeds (N,), answers (N, n_items) option positions) for students of ability theta."""
    n = theta.shape[0]
    seeds = np.asarray(rng.integers(0, 2**63, size=n, dtype=np.int64), dtype=np.int64)
    params = compute_item_parameters(
        subtest, np.repeat(seeds.astype(np.uint64), n_items), np.tile(np.arange(n_items), n)
    )
    key = params.key.reshape(n, n_items)
    n_opt = params.n_options.reshape(n, n_items)
    b = params.difficulty.reshape(n, n_items)
    guess = 1.0 / n_opt
    p = guess + (1.0 - guess) / (1.0 + np.exp(b - theta[:, None]))
    correct = rng.random((n, n_items)) < p
    shift = 1 + (rng.random((n, n_items)) * (n_opt - 1)).astype(np.int64)
    wrong = (key + shift) % n_opt
    answers: npt.NDArray[np.int64] = np.where(correct, key, wrong).astype(np.int64)
    return seeds.astype(np.int64), answers


def simulate_cohort_answers(
    latent_interests: npt.ArrayLike,
    latent_aptitudes: npt.ArrayLike,
    latent_values: npt.ArrayLike,
    rng: np.random.Generator,
    instrument: Instrument,
    *,
    records: Sequence[str] = (),
    subtests: Sequence[str] | None = None,
    plans: Sequence[str] | None = None,
    county_fips: Sequence[str | None] | None = None,
    will_commute: Sequence[bool] | None = None,
    will_relocate: Sequence[bool] | None = None,
) -> list[dict[str, Any]]:
    """Return stored-answer dicts for N students from latent z-scores (N,6), (N,5), (N,6).

    ``records`` lists the record fields to simulate for every student; ``subtests`` the aptitude
    subtests taken (None = all); plans/counties/flags default to 'undecided', None, False.
    """
    li = np.asarray(latent_interests, dtype=np.float64)
    la = np.asarray(latent_aptitudes, dtype=np.float64)
    lv = np.asarray(latent_values, dtype=np.float64)
    n = li.shape[0]
    if li.shape != (n, len(RIASEC)) or la.shape != (n, len(APTITUDES)):
        raise ValueError("latent_interests must be (N, 6) and latent_aptitudes (N, 5)")
    if lv.shape != (n, len(WORK_VALUES)):
        raise ValueError("latent_values must be (N, 6)")
    interests = simulate_likert(li, instrument.interests, INTEREST_DISCRIMINATION, rng)
    values = simulate_likert(lv, instrument.values, VALUES_DISCRIMINATION, rng)
    chosen = [s for s in instrument.subtests if subtests is None or s.id in subtests]
    apt: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
    for s in chosen:
        apt[s.id] = simulate_aptitude(la[:, APTITUDES.index(s.dimension)], s.id, s.items, rng)
    fields = {r.id: r for r in instrument.records}
    rec_values: dict[str, npt.NDArray[np.float64]] = {}
    for rid in records:
        spec = fields[rid]
        dim, lam = next(iter(spec.loadings.items()))
        z = lam * la[:, APTITUDES.index(dim)] + np.sqrt(1 - lam * lam) * rng.standard_normal(n)
        x = np.clip(spec.mean + spec.sd * z, spec.minimum, spec.maximum)
        rec_values[rid] = np.round(x) if spec.integer else np.round(x, 2)
    i_ids = [it.id for it in instrument.interests.items]
    v_ids = [it.id for it in instrument.values.items]
    out: list[dict[str, Any]] = []
    for row in range(n):
        answers: dict[str, Any] = {
            "instrument_version": instrument.version,
            "language": instrument.language,
            "interests": dict(zip(i_ids, interests[row].tolist(), strict=True)),
            "values": dict(zip(v_ids, values[row].tolist(), strict=True)),
            "records": {
                rid: (int(v[row]) if fields[rid].integer else float(v[row]))
                for rid, v in rec_values.items()
            },
            "aptitude": {
                sid: {
                    "seed": int(seeds[row]),
                    "issued": int(given.shape[1]),
                    "responses": {str(j): a for j, a in enumerate(given[row].tolist())},
                }
                for sid, (seeds, given) in apt.items()
            },
            "plan": plans[row] if plans is not None else "undecided",
            "county_fips": county_fips[row] if county_fips is not None else None,
            "will_commute": bool(will_commute[row]) if will_commute is not None else False,
            "will_relocate": bool(will_relocate[row]) if will_relocate is not None else False,
        }
        if answers["plan"] not in PLANS:
            raise ValueError(f"student {row}: plan must be one of {PLANS}")
        out.append(answers)
    return out


def simulate_population_answers(
    n: int, rng: np.random.Generator, instrument: Instrument, **options: Any
) -> list[dict[str, Any]]:
    """Stored-answer dicts of ``n`` students whose latent traits are drawn from the population,
    N(0, 1) (interests, then aptitudes, then work values, all from ``rng``).

    ``options`` are those of ``simulate_cohort_answers`` (records, subtests, plans, ...).
    """
    return simulate_cohort_answers(
        rng.standard_normal((n, len(RIASEC))),
        rng.standard_normal((n, len(APTITUDES))),
        rng.standard_normal((n, len(WORK_VALUES))),
        rng,
        instrument,
        **options,
    )
