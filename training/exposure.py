"""Exposure offsets: keep any one occupation out of most lists, and every one in some list.

Ranking by fit relative to students in general (recommender.typical) still lets a few
occupations whose fit is high for a common answer pattern top a large share of lists (2026.4:
Clergy in 17 % of the benchmark half's top 10s; 2026.5: Fallers in 13 % of the O*NET
occupation profiles' top 10s). The offset fitted here is one number per occupation, the same
for every student, so it is blind to gender and to everything else about a student:

- an occupation in more than its cap's share of a reference sample's top-``k`` lists is
  lowered, step by step, until it is in at most that share of each sample's lists;
- an occupation in no list of some sample is raised by a small step each round, so that it
  reaches the lists of the people it fits best.

Two reference samples (``reference_samples``), each with its own cap:

- **real people**: the keying half of the real respondents (training.people_benchmark), the
  half the simulator is fitted on, never the benchmark half a version is judged on
  (``cap``, 8 %);
- **occupations' workers**: every catalogue occupation's own O*NET profile
  (training.benchmarks.occupation_profiles) ``workforce_copies`` times, its interests spread by
  ``workforce_jitter`` x the real respondents' within-field SD (keying half), as people doing
  that work would answer (``workforce_cap``, 2 %). The real respondents are mostly students
  of Social, Artistic and Investigative fields (2.9 % have a Realistic high point against about
  a third of Mississippi's jobs), so without this sample nothing holds an occupation that tops
  the lists of Realistic profiles.

The structure benchmark scores the unspread O*NET profiles, so its concentration figures are
no longer independent of these offsets: they say the offsets did what they were fitted to do.
The offsets are in units of the SD of the real-people sample's relative fit and are written to
``typical_fit.json`` (``exposure``) with the settings and each sample's shares before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue
    from recommender.features import StudentBatch
    from training.people_benchmark import PeopleBenchmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: No occupation in more than this share of the real-people sample's top 10s (the real-people
#: limit the promotion guard checks is 10 %; 8 % leaves room for sampling differences).
EXPOSURE_CAP: Final = 0.08
#: No occupation in more than this share of the occupations' workers' top 10s (the structure
#: limit is 5 %; the spread profiles' lists are less alike than the unspread ones).
WORKFORCE_CAP: Final = 0.02


@dataclass(frozen=True)
class ExposureSettings:
    """How the offsets are fitted (copied into typical_fit.json)."""

    cap: float = EXPOSURE_CAP
    workforce_cap: float = WORKFORCE_CAP
    workforce_copies: int = 5
    workforce_jitter: float = 0.35  # x the real within-field SD of each interest scale
    workforce_seed: int = 7
    k: int = 10
    rounds: int = 240
    step: float = 0.05  # lowering per round, x log(share / cap), in reference SDs
    lift: float = 0.01  # raising per round of an occupation in no list, in reference SDs

    def __post_init__(self) -> None:
        if not (0.0 < self.cap < 1.0 and 0.0 < self.workforce_cap < 1.0):
            raise ValueError("each exposure cap must be a share between 0 and 1")
        if self.k < 1 or self.rounds < 1 or self.step < 0 or self.lift < 0:
            raise ValueError("k and rounds must be >= 1, step and lift >= 0")
        if self.workforce_copies < 1 or self.workforce_jitter < 0:
            raise ValueError("workforce copies must be >= 1 and the jitter >= 0")


@dataclass(frozen=True)
class ReferenceSample:
    """One reference population: its (m, n) scores and the share of its lists no occupation
    may exceed. With several scores (fit only, served) an occupation's share is its largest."""

    name: str
    scores: tuple[F32, ...]
    cap: float

    def __post_init__(self) -> None:
        if not 0.0 < self.cap < 1.0:
            raise ValueError(f"{self.name}: the exposure cap must be a share between 0 and 1")
        if not self.scores:
            raise ValueError(f"{self.name}: a reference sample needs at least one score")
        shape = np.shape(self.scores[0])
        for s in self.scores:
            if np.ndim(s) != 2 or np.shape(s) != shape or shape[0] < 2:
                raise ValueError(f"{self.name}: scores must share one (m, n) shape with m >= 2")
            if not np.all(np.isfinite(s)):
                raise ValueError(f"{self.name}: scores must be finite")

    @property
    def people(self) -> int:
        return int(np.shape(self.scores[0])[0])

    def shares(self, offset: F32, k: int) -> F64:
        """Each occupation's largest share of this sample's top-k lists over its scores."""
        m = self.people
        per: F64 = np.max([top_k_counts(s - offset, k) / m for s in self.scores], axis=0)
        return per


def top_k_counts(scores: npt.ArrayLike, k: int) -> npt.NDArray[np.int64]:
    """How many rows of an (m, n) score matrix hold each column in their top k."""
    s = np.asarray(scores)
    n = s.shape[1]
    if k >= n:
        return np.full(n, s.shape[0], dtype=np.int64)
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    counts: npt.NDArray[np.int64] = np.bincount(top.ravel(), minlength=n).astype(np.int64)
    return counts


def fit_exposure_offsets(
    samples: Sequence[ReferenceSample],
    settings: ExposureSettings | None = None,
    progress: Callable[[int], object] | None = None,
) -> tuple[F32, dict[str, Any]]:
    """Offsets (n,) to subtract from the relative fit, and a report of the shares they give.

    Each round lowers an occupation by ``step`` x its largest log(share / cap) over the samples
    above their caps, and raises one in no list of some sample by ``lift``; both in units of
    the first sample's first score's SD. Deterministic: the same samples give the same offsets.
    """
    settings = settings or ExposureSettings()
    if not samples:
        raise ValueError("exposure offsets need at least one reference sample")
    n = int(np.shape(samples[0].scores[0])[1])
    if any(np.shape(s.scores[0])[1] != n for s in samples):
        raise ValueError("every reference sample must score the same occupations")
    unit = float(np.std(samples[0].scores[0])) or 1.0
    offset = np.zeros(n, dtype=np.float64)

    def shares() -> list[F64]:
        o = offset.astype(np.float32)
        return [s.shares(o, settings.k) for s in samples]

    before = shares()
    for _ in range(settings.rounds):
        current = shares()
        over = np.max(
            [np.log(np.maximum(sh, 1e-12) / s.cap) for sh, s in zip(current, samples, strict=True)],
            axis=0,
        )
        offset += settings.step * unit * np.maximum(over, 0.0)
        offset -= settings.lift * unit * (np.min(current, axis=0) == 0.0)
        if progress is not None:
            progress(1)
    after = shares()
    report: dict[str, Any] = {
        **asdict(settings),
        "unit_sd": round(unit, 6),
        "lowered": int(np.count_nonzero(offset > 0)),
        "raised": int(np.count_nonzero(offset < 0)),
        "samples": {
            s.name: {
                "people": s.people,
                "cap": s.cap,
                "largest_share_before": round(float(b.max()), 4),
                "largest_share_after": round(float(a.max()), 4),
                "never_shown_before": int(np.count_nonzero(b == 0)),
                "never_shown_after": int(np.count_nonzero(a == 0)),
            }
            for s, b, a in zip(samples, before, after, strict=True)
        },
    }
    return offset.astype(np.float32), report


def within_field_sd(means: npt.ArrayLike, fields: Sequence[str]) -> F64:
    """Pooled within-field SD of each interest scale on the student scale (0..1): the spread of
    real people's answers around their own field's mean (scale means 1..5)."""
    x = (np.asarray(means, dtype=np.float64) - 1.0) / 4.0
    f = np.asarray(fields)
    if x.ndim != 2 or x.shape[0] != f.shape[0] or x.shape[0] < 2:
        raise ValueError("within-field SD needs one field per respondent and two or more")
    resid = np.concatenate([x[f == g] - x[f == g].mean(axis=0) for g in sorted(set(f.tolist()))])
    sd: F64 = np.sqrt((resid**2).sum(axis=0) / max(resid.shape[0] - len(set(f.tolist())), 1))
    return sd


def workforce_profiles(
    catalogue: Catalogue, spread: npt.ArrayLike, settings: ExposureSettings | None = None
) -> StudentBatch:
    """Each occupation's O*NET profile ``workforce_copies`` times, its interests spread by
    ``workforce_jitter`` x ``spread`` (per RIASEC scale) and clipped to 0..1; deterministic."""
    from training.benchmarks import occupation_profiles

    settings = settings or ExposureSettings()
    base = occupation_profiles(catalogue)
    idx = np.repeat(np.arange(base.size), settings.workforce_copies)
    rng = np.random.default_rng([settings.workforce_seed, 1509])
    noise = rng.standard_normal((idx.size, base.interests.shape[1]))
    sd = settings.workforce_jitter * np.asarray(spread, dtype=np.float64)
    return replace(
        base,
        interests=np.clip(base.interests[idx] + sd * noise, 0.0, 1.0),
        interests_se=base.interests_se[idx],
        work_values=base.work_values[idx],
        work_values_se=base.work_values_se[idx],
        aptitudes=base.aptitudes[idx],
        aptitudes_se=base.aptitudes_se[idx],
        plans=tuple(base.plans[i] for i in idx),
    )


def reference_fits(
    score_fit: Callable[[F32], F32],
    catalogue: Catalogue,
    settings: ExposureSettings | None = None,
    bench: PeopleBenchmark | None = None,
) -> dict[str, tuple[F32, F32]]:
    """Raw fit and interest match (each (m, n)) of each reference sample: ``people`` (the keying
    half of the real respondents, never the benchmark half) and ``workforce`` (the occupations'
    workers)."""
    from recommender.features import OccupationArrays, interest_match
    from training.benchmarks import benchmark_half, people_profiles, score_fit_matrix
    from training.people_benchmark import load_people_benchmark

    bench = bench if bench is not None else load_people_benchmark(catalogue=catalogue)
    keep = np.flatnonzero(~benchmark_half(bench.respondent))
    occupations = OccupationArrays.from_catalogue(catalogue)
    people = people_profiles(bench.means[keep], bench.answered[keep])
    spread = within_field_sd(bench.means[keep], list(np.asarray(bench.field)[keep]))
    workers = workforce_profiles(catalogue, spread, settings)
    return {
        name: (
            score_fit_matrix(score_fit, batch, occupations),
            interest_match(batch.interests, occupations),
        )
        for name, batch in (("people", people), ("workforce", workers))
    }
