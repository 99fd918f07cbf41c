"""Exposure offsets: keep any one occupation out of most lists, and every one in some list.

Ranking by fit relative to students in general (recommender.typical) still lets a few
occupations whose fit is high for a common answer pattern top a large share of real people's
lists (2026.4: Clergy in 17 % of the benchmark half's top 10s; 148 of 923 occupations never in
an O*NET profile's top 10). The offset fitted here is one number per occupation, the same for
every student, so it is blind to gender and to everything else about a student:

- an occupation in more than ``cap`` of a reference sample's top-``k`` lists is lowered, step
  by step, until it is in at most ``cap`` of them;
- an occupation in none of them is raised by a small step each round, so that it reaches the
  lists of the people it fits best.

The reference sample is the keying half of the real respondents (training.people_benchmark):
the half the simulator is fitted on, never the benchmark half the version is judged on. The
offsets are in units of the SD of the reference sample's relative fit and are written to
``typical_fit.json`` (``exposure``) with the settings and the shares before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue
    from training.people_benchmark import PeopleBenchmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: No occupation in more than this share of the reference sample's top 10s (the real-people
#: limit the promotion guard checks is 10 %; 8 % leaves room for sampling differences).
EXPOSURE_CAP: Final = 0.08


@dataclass(frozen=True)
class ExposureSettings:
    """How the offsets are fitted (copied into typical_fit.json)."""

    cap: float = EXPOSURE_CAP
    k: int = 10
    rounds: int = 80
    step: float = 0.05  # lowering per round, x log(share / cap), in reference SDs
    lift: float = 0.01  # raising per round of an occupation in no list, in reference SDs

    def __post_init__(self) -> None:
        if not 0.0 < self.cap < 1.0:
            raise ValueError("the exposure cap must be a share between 0 and 1")
        if self.k < 1 or self.rounds < 1 or self.step < 0 or self.lift < 0:
            raise ValueError("k and rounds must be >= 1, step and lift >= 0")


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
    relative: npt.ArrayLike,
    settings: ExposureSettings | None = None,
    progress: Callable[[int], object] | None = None,
    also: npt.ArrayLike | None = None,
) -> tuple[F32, dict[str, Any]]:
    """Offsets (n,) to subtract from the relative fit, and a report of the shares they give.

    ``relative`` is the (m, n) relative fit (recommender.typical.relative_fit without exposure)
    of m reference people; ``also`` an optional second score of the same shape (the served
    score: relative fit plus the policy's parts), whose lists the cap then holds for too: an
    occupation's share is its larger share of the two. Deterministic: no randomness, the same
    sample gives the same offsets.
    """
    settings = settings or ExposureSettings()
    r = np.asarray(relative, dtype=np.float32)
    if r.ndim != 2 or r.shape[0] < 2 or not np.all(np.isfinite(r)):
        raise ValueError("exposure offsets need a finite (m, n) relative fit with m >= 2")
    scores = [r]
    if also is not None:
        a = np.asarray(also, dtype=np.float32)
        if a.shape != r.shape or not np.all(np.isfinite(a)):
            raise ValueError("the second score needs the relative fit's finite (m, n) shape")
        scores.append(a)
    m, n = r.shape
    unit = float(r.std()) or 1.0
    offset = np.zeros(n, dtype=np.float64)

    def shares() -> npt.NDArray[np.float64]:
        o = offset.astype(np.float32)
        per: npt.NDArray[np.float64] = np.max(
            [top_k_counts(s - o, settings.k) / m for s in scores], axis=0
        )
        return per

    before = shares()
    for _ in range(settings.rounds):
        share = shares()
        over = np.log(np.maximum(share, 1e-12) / settings.cap)
        offset += settings.step * unit * np.maximum(over, 0.0)
        offset -= settings.lift * unit * (share == 0.0)
        if progress is not None:
            progress(1)
    after = shares()
    report = {
        **asdict(settings),
        "reference_people": int(m),
        "unit_sd": round(unit, 6),
        "largest_share_before": round(float(before.max()), 4),
        "largest_share_after": round(float(after.max()), 4),
        "never_shown_before": int(np.count_nonzero(before == 0)),
        "never_shown_after": int(np.count_nonzero(after == 0)),
        "lowered": int(np.count_nonzero(offset > 0)),
        "raised": int(np.count_nonzero(offset < 0)),
    }
    return offset.astype(np.float32), report


def keying_half_fit(
    score_fit: Callable[[F32], F32],
    catalogue: Catalogue,
    bench: PeopleBenchmark | None = None,
) -> tuple[F32, int]:
    """Raw fit (m, n) of the keying half of the real respondents (never the benchmark half)."""
    from recommender.features import OccupationArrays
    from training.benchmarks import benchmark_half, people_profiles, score_fit_matrix
    from training.people_benchmark import load_people_benchmark

    bench = bench if bench is not None else load_people_benchmark(catalogue=catalogue)
    keep = np.flatnonzero(~benchmark_half(bench.respondent))
    students = people_profiles(bench.means[keep], bench.answered[keep])
    occupations = OccupationArrays.from_catalogue(catalogue)
    return score_fit_matrix(score_fit, students, occupations), int(keep.size)
