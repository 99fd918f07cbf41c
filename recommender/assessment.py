"""Score stored assessment answers into a frozen StudentProfile.

Answers are a plain JSON-safe dict the service stores as-is::

    {
      "instrument_version": "2025.1",
      "language": "en",                                  # optional, informational
      "interests": {"R01": 4, "I07": 2, ...},            # item id -> 1..5 (None = skipped)
      "values": {"V01": 5, ...},                         # item id -> 1..5 (None = skipped)
      "records": {"act_math": 24, "gpa_unweighted": 3.4, ...},   # each optional
      "aptitude": {"spatial": {"seed": 123, "issued": 12, "responses": {"0": 2, "1": 0}}},
      "plan": "community_college",                       # one of PLANS; absent = "undecided"
      "county_fips": "28049",                            # optional, one of the 82 counties
      "will_commute": true, "will_relocate": false,      # absent = false
    }

The aptitude block lives only on the server (the page never sees the seed); ``responses`` maps
the 0-based item index (string or int) to the 0-based option position the student chose.

Common scales (all documented in docs/assessment.md):

* interests and work values: the mean rating on the scale's items mapped to 0..1
  (0 = every item at the lowest rating, 1 = every item at the highest); the standard error is the
  standard error of that mean, with the within-scale variance shrunk toward 1.0 raw point² by
  two pseudo-observations, on the same 0..1 scale;
* aptitudes: a z-score against the reference population (grade 9-12 students), the posterior mean
  (EAP) of ability given a N(0, 1) prior, the Rasch-with-guessing likelihood of the measured
  subtest and a one-factor Gaussian likelihood for each imported record; the standard error is
  the posterior SD. NaN (with SE NaN) when no source informs the dimension.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.aptitude_items import compute_item_parameters
from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.errors import (
    AnswerError,
    OutOfRangeAnswerError,
    TooFewAnswersError,
    UnissuedItemError,
    UnknownCodeError,
    UnknownItemError,
)
from recommender.instrument import (
    INSTRUMENT_DIR,
    Instrument,
    LikertSection,
    load_instrument,
)

__all__ = [
    "INSTRUMENT_DIR",
    "Answers",
    "Instrument",
    "StudentProfile",
    "load_instrument",
    "score_assessment",
    "score_assessments",
]

Answers = dict[str, Any]
_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]

_TOP_KEYS: Final = frozenset(
    {
        "instrument_version",
        "language",
        "interests",
        "values",
        "records",
        "aptitude",
        "plan",
        "county_fips",
        "will_commute",
        "will_relocate",
    }
)
#: Pseudo-observations and prior variance (raw rating points²) for the Likert standard error.
LIKERT_PRIOR_WEIGHT: Final = 2.0
LIKERT_PRIOR_VARIANCE: Final = 1.0
#: Ability grid (logits = z) for the aptitude posterior.
THETA_GRID: Final = np.linspace(-4.0, 4.0, 81)
_CHUNK: Final = 2048


@dataclass(frozen=True, eq=False)
class StudentProfile:
    """What Pathways knows about one student, on documented common scales; arrays are read-only."""

    instrument_version: str
    interests: _F32
    interests_se: _F32
    work_values: _F32
    work_values_se: _F32
    aptitudes: _F32
    aptitudes_se: _F32
    aptitude_sources: Mapping[str, tuple[str, ...]]
    plan: str
    county_fips: str | None
    region_code: str | None
    will_commute: bool
    will_relocate: bool
    language: str = field(default="en")

    def __post_init__(self) -> None:
        for name, n in (
            ("interests", len(RIASEC)),
            ("interests_se", len(RIASEC)),
            ("work_values", len(WORK_VALUES)),
            ("work_values_se", len(WORK_VALUES)),
            ("aptitudes", len(APTITUDES)),
            ("aptitudes_se", len(APTITUDES)),
        ):
            arr = np.array(getattr(self, name), dtype=np.float32)
            if arr.shape != (n,):
                raise ValueError(f"StudentProfile.{name} must have shape ({n},), got {arr.shape}")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.plan not in PLANS:
            raise ValueError(f"StudentProfile.plan must be one of {PLANS}, got {self.plan!r}")
        sources = {d: tuple(self.aptitude_sources.get(d, ())) for d in APTITUDES}
        object.__setattr__(self, "aptitude_sources", MappingProxyType(sources))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (NaN becomes None); from_dict reverses it."""

        def floats(a: _F32) -> list[float | None]:
            return [None if math.isnan(v) else float(v) for v in a.tolist()]

        return {
            "instrument_version": self.instrument_version,
            "language": self.language,
            "interests": floats(self.interests),
            "interests_se": floats(self.interests_se),
            "work_values": floats(self.work_values),
            "work_values_se": floats(self.work_values_se),
            "aptitudes": floats(self.aptitudes),
            "aptitudes_se": floats(self.aptitudes_se),
            "aptitude_sources": {d: list(s) for d, s in self.aptitude_sources.items()},
            "plan": self.plan,
            "county_fips": self.county_fips,
            "region_code": self.region_code,
            "will_commute": self.will_commute,
            "will_relocate": self.will_relocate,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StudentProfile:
        """Rebuild a profile from to_dict output (None becomes NaN); ValueError on bad shapes."""

        def arr(key: str) -> _F32:
            return np.array([np.nan if v is None else v for v in d[key]], dtype=np.float32)

        return cls(
            instrument_version=str(d["instrument_version"]),
            interests=arr("interests"),
            interests_se=arr("interests_se"),
            work_values=arr("work_values"),
            work_values_se=arr("work_values_se"),
            aptitudes=arr("aptitudes"),
            aptitudes_se=arr("aptitudes_se"),
            aptitude_sources={k: tuple(v) for k, v in d["aptitude_sources"].items()},
            plan=str(d["plan"]),
            county_fips=d.get("county_fips"),
            region_code=d.get("region_code"),
            will_commute=bool(d["will_commute"]),
            will_relocate=bool(d["will_relocate"]),
            language=str(d.get("language", "en")),
        )


# --------------------------------------------------------------------------- validation


@dataclass
class _Parsed:
    interests: _F64
    values: _F64
    records: dict[str, float]
    aptitude: dict[str, tuple[int, int, dict[int, int]]]  # subtest -> (seed, issued, responses)
    plan: str
    county_fips: str | None
    region_code: str | None
    will_commute: bool
    will_relocate: bool
    language: str


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _answered(
    raw: Any, where: str, pairs: str, known: Container[Any], unknown: str
) -> Iterator[tuple[Any, Any, str]]:
    """(key, value, "<where>.<key>") of each entry of the submitted object ``raw`` (None: no
    entries) whose value is not None, in its order.

    OutOfRangeAnswerError at ``where`` when ``raw`` is not an object ("must be an object of
    <pairs>, got …"); UnknownItemError at "<where>.<key>" ("<unknown> <key!r>") when an entry's
    key is not in ``known``.
    """
    if raw is None:
        return
    if not isinstance(raw, Mapping):
        raise OutOfRangeAnswerError(where, f"must be an object of {pairs}, got {raw!r}")
    for key, value in raw.items():
        located = f"{where}.{key}"
        if key not in known:
            raise UnknownItemError(located, f"{unknown} {key!r}")
        if value is not None:
            yield key, value, located


def _parse_likert(raw: Any, section: LikertSection, name: str) -> _F64:
    out = np.full(len(section.items), np.nan)
    position, scale_of = section.layout
    counts = [0] * len(section.scales)
    lo, hi = section.scale_min, section.scale_max
    entries = _answered(raw, name, "item id -> rating", position, f"the {name} section has no item")
    for item_id, value, where in entries:
        column = position[item_id]
        if type(value) is not int or not lo <= value <= hi:
            raise OutOfRangeAnswerError(
                where, f"rating must be an integer {lo}..{hi}, got {value!r}"
            )
        out[column] = value
        counts[scale_of[column]] += 1
    for scale, answered in zip(section.scales, counts, strict=True):
        if answered < section.min_answered_per_scale:
            raise TooFewAnswersError(f"{name}.{scale}", answered, section.min_answered_per_scale)
    return out


def _parse_records(raw: Any, instrument: Instrument) -> dict[str, float]:
    fields = {r.id: r for r in instrument.records}
    out: dict[str, float] = {}
    for key, value, where in _answered(raw, "records", "field -> score", fields, "no record field"):
        spec = fields[key]
        ok_type = _is_int(value) or (isinstance(value, float) and not spec.integer)
        if isinstance(value, float) and spec.integer and value.is_integer():
            ok_type = True
        if not ok_type or not spec.minimum <= value <= spec.maximum:
            kind = "an integer" if spec.integer else "a number"
            raise OutOfRangeAnswerError(
                where, f"must be {kind} {spec.minimum:g}..{spec.maximum:g}, got {value!r}"
            )
        out[key] = float(value)
    return out


def _parse_aptitude(
    raw: Any, instrument: Instrument, issued: Mapping[str, int] | None
) -> dict[str, tuple[int, int, dict[int, int]]]:
    known = {s.id: s for s in instrument.subtests}
    out: dict[str, tuple[int, int, dict[int, int]]] = {}
    entries = _answered(raw, "aptitude", "subtest -> block", known, "no aptitude subtest")
    for subtest, block, where in entries:
        if not isinstance(block, Mapping):
            raise OutOfRangeAnswerError(where, "must be an object with seed, issued, responses")
        seed = block.get("seed")
        if type(seed) is not int or not 0 <= seed < 2**63:
            raise UnissuedItemError(where, f"no valid seed recorded (got {seed!r})")
        n_issued = issued.get(subtest) if issued is not None else block.get("issued")
        if type(n_issued) is not int or n_issued < 0:
            raise UnissuedItemError(where, f"no valid count of issued items (got {n_issued!r})")
        responses: dict[int, int] = {}
        raw_responses = block.get("responses") or {}
        if not isinstance(raw_responses, Mapping):
            raise OutOfRangeAnswerError(where, "responses must map item index -> option")
        for key, answer in raw_responses.items():
            if type(key) is str and key.isdigit() and key.isascii():
                index: int | None = int(key)
            else:
                index = key if type(key) is int else None
            if index is None:
                raise UnissuedItemError(f"{where}[{key!r}]", "item index is not an integer")
            if not 0 <= index < n_issued:
                raise UnissuedItemError(
                    f"{where}[{key}]", f"only items 0..{n_issued - 1} were issued"
                )
            if answer is None:
                continue
            if type(answer) is not int or answer < 0:
                raise OutOfRangeAnswerError(
                    f"{where}[{index}]", f"answer must be an option position, got {answer!r}"
                )
            responses[index] = answer
        minimum = known[subtest].min_answered
        if len(responses) < minimum:
            raise TooFewAnswersError(where, len(responses), minimum)
        out[subtest] = (seed, n_issued, responses)
    return out


def _parse(
    answers: Mapping[str, Any],
    instrument: Instrument,
    county_region: Mapping[str, str] | None,
    issued: Mapping[str, int] | None,
) -> _Parsed:
    if not isinstance(answers, Mapping):
        raise AnswerError("answers", f"must be an object, got {type(answers).__name__}")
    for key in answers:
        if key not in _TOP_KEYS:
            raise UnknownItemError(f"answers.{key}", "not a field of stored answers")
    version = answers.get("instrument_version")
    if version != instrument.version:
        raise AnswerError(
            "instrument_version",
            f"answers are for {version!r} but the instrument is {instrument.version!r}",
        )
    plan = answers.get("plan")
    if plan is None:
        plan = "undecided"
    if plan not in PLANS:
        raise OutOfRangeAnswerError("plan", f"must be one of {', '.join(PLANS)}, got {plan!r}")
    county = answers.get("county_fips")
    region: str | None = None
    if county is not None:
        if county not in instrument.counties:
            raise UnknownItemError("county_fips", f"{county!r} is not a Mississippi county FIPS")
        if county_region is not None:
            if county not in county_region:
                raise UnknownCodeError("county in the region table", str(county))
            region = county_region[county]
    flags = {}
    for key in ("will_commute", "will_relocate"):
        v = answers.get(key)
        if v is not None and not isinstance(v, bool):
            raise OutOfRangeAnswerError(key, f"must be true or false, got {v!r}")
        flags[key] = bool(v)
    language = answers.get("language") or instrument.language
    if language not in ("en", "es"):
        raise OutOfRangeAnswerError("language", f"must be 'en' or 'es', got {language!r}")
    return _Parsed(
        interests=_parse_likert(answers.get("interests"), instrument.interests, "interests"),
        values=_parse_likert(answers.get("values"), instrument.values, "values"),
        records=_parse_records(answers.get("records"), instrument),
        aptitude=_parse_aptitude(answers.get("aptitude"), instrument, issued),
        plan=str(plan),
        county_fips=county,
        region_code=region,
        will_commute=flags["will_commute"],
        will_relocate=flags["will_relocate"],
        language=str(language),
    )


# --------------------------------------------------------------------------- numeric scoring


def score_likert(x: _F64, section: LikertSection) -> tuple[_F64, _F64]:
    """Return (score, se) of shape (N, scales) on 0..1 from ratings x (N, items), NaN = skipped."""
    member = np.array(
        [[item.scale == s for s in section.scales] for item in section.items], dtype=np.float64
    )
    answered = ~np.isnan(x)
    filled = np.where(answered, x, 0.0)
    count = answered.astype(np.float64) @ member
    total = filled @ member
    mean = total / count
    sumsq = (filled * filled) @ member
    ss = np.maximum(sumsq - count * mean * mean, 0.0)
    var = (ss + LIKERT_PRIOR_WEIGHT * LIKERT_PRIOR_VARIANCE) / (count - 1.0 + LIKERT_PRIOR_WEIGHT)
    span = float(section.scale_max - section.scale_min)
    score = (mean - section.scale_min) / span
    se = np.sqrt(var / count) / span
    return score, se


def _rasch_loglik(
    rows: npt.NDArray[np.int64],
    correct: npt.NDArray[np.bool_],
    difficulty: _F64,
    n_options: npt.NDArray[np.int64],
    n: int,
) -> _F64:
    """Return the (n, grid) log-likelihood of scored items (row, correct, b, options).

    P(correct) = c + (1 - c) * logistic(theta - b) with c = 1 / options. Items sharing (b, c)
    are counted together, so the cost is one small matrix product per subtest.
    """
    codes: npt.NDArray[np.int64] = np.rint(difficulty * 1000.0).astype(np.int64) * 64 + n_options
    uniq, inverse = np.unique(codes, return_inverse=True)
    inverse = inverse.reshape(-1)
    k = uniq.size
    first = np.zeros(k, dtype=np.int64)
    first[inverse] = np.arange(codes.size)
    b = difficulty[first][:, None]
    guess = 1.0 / n_options[first][:, None]
    p = guess + (1.0 - guess) / (1.0 + np.exp(b - THETA_GRID[None, :]))
    cell = rows * k + inverse
    n_right = np.bincount(cell, weights=correct, minlength=n * k).reshape(n, k)
    n_wrong = np.bincount(cell, weights=~correct, minlength=n * k).reshape(n, k)
    loglik: _F64 = np.asarray(n_right @ np.log(p) + n_wrong @ np.log1p(-p), dtype=np.float64)
    return loglik


def _score_subtest(
    blocks: Sequence[tuple[int, int, dict[int, int]] | None], mode: str, subtest: str
) -> _F64:
    """Return the (N, grid) log-likelihood of one subtest for each student (zeros when absent)."""
    n = len(blocks)
    lengths = np.zeros(n, dtype=np.int64)
    for row, block in enumerate(blocks):
        if block is None:
            continue
        _, n_issued, responses = block
        lengths[row] = n_issued if mode == "speed" else max(responses) + 1
    width = int(lengths.max()) if n else 0
    if width == 0:
        return np.zeros((n, THETA_GRID.size))
    rows = np.repeat(np.arange(n), lengths)
    starts = np.cumsum(lengths) - lengths
    cols = np.arange(rows.size) - np.repeat(starts, lengths)
    seeds = np.array(
        [blocks[r][0] for r in rows.tolist()],  # type: ignore[index]
        dtype=np.uint64,
    )
    params = compute_item_parameters(subtest, seeds, cols)
    given = np.full(rows.size, -1, dtype=np.int64)
    position = 0
    for row, block in enumerate(blocks):
        k = int(lengths[row])
        if block is not None and k:
            for index, answer in block[2].items():
                given[position + index] = answer
        position += k
    bad = np.flatnonzero(given >= params.n_options)
    if bad.size:
        j = int(bad[0])
        raise OutOfRangeAnswerError(
            f"aptitude.{subtest}[{int(cols[j])}]",
            f"answer must be an option position 0..{int(params.n_options[j]) - 1}, "
            f"got {int(given[j])}",
        )
    return _rasch_loglik(rows, given == params.key, params.difficulty, params.n_options, n)


def score_aptitudes(
    parsed: Sequence[Mapping[str, Any]],
    instrument: Instrument,
) -> tuple[_F64, _F64, list[dict[str, tuple[str, ...]]]]:
    """Return (EAP z, posterior SD, sources) per student from aptitude blocks and records.

    Each element of parsed has "aptitude" (subtest -> (seed, issued, responses)) and
    "records" (field -> value). Arrays are (N, len(APTITUDES)); NaN where no source.
    """
    n = len(parsed)
    loglik = np.zeros((n, len(APTITUDES), THETA_GRID.size))
    used: list[dict[str, list[str]]] = [{d: [] for d in APTITUDES} for _ in range(n)]
    for subtest in instrument.subtests:
        blocks = [p["aptitude"].get(subtest.id) for p in parsed]
        if not any(b is not None for b in blocks):
            continue
        d = APTITUDES.index(subtest.dimension)
        loglik[:, d, :] += _score_subtest(blocks, subtest.mode, subtest.id)
        for row, b in enumerate(blocks):
            if b is not None:
                used[row][subtest.dimension].append("measured")
    present = [p["records"] for p in parsed]
    for rec in instrument.records:
        for dim, lam in rec.loadings.items():
            d = APTITUDES.index(dim)
            blockers = [o for o in rec.unused_with if dim in _loadings_of(instrument, o)]
            rows = [
                r
                for r, recs in enumerate(present)
                if rec.id in recs and not any(b in recs for b in blockers)
            ]
            if not rows:
                continue
            z = (np.array([present[r][rec.id] for r in rows]) - rec.mean) / rec.sd
            resid = z[:, None] - lam * THETA_GRID[None, :]
            loglik[rows, d, :] += -0.5 * resid * resid / (1.0 - lam * lam)
            for r in rows:
                used[r][dim].append(rec.id)
    mu0, sd0 = instrument.aptitude_prior_mean, instrument.aptitude_prior_sd
    log_prior = -0.5 * ((THETA_GRID - mu0) / sd0) ** 2
    post = loglik + log_prior[None, None, :]
    post -= post.max(axis=2, keepdims=True)
    w = np.exp(post)
    w /= w.sum(axis=2, keepdims=True)
    mean = (w * THETA_GRID).sum(axis=2)
    sd = np.sqrt(np.maximum((w * THETA_GRID**2).sum(axis=2) - mean**2, 0.0))
    has = np.array([[bool(u[d]) for d in APTITUDES] for u in used], dtype=bool).reshape(n, -1)
    mean[~has] = np.nan
    sd[~has] = np.nan
    sources = [{d: tuple(u[d]) for d in APTITUDES} for u in used]
    return mean, sd, sources


def _loadings_of(instrument: Instrument, record_id: str) -> Mapping[str, float]:
    for r in instrument.records:
        if r.id == record_id:
            return r.loadings
    return {}


def score_assessments(
    answers: Sequence[Mapping[str, Any]],
    instrument: Instrument,
    *,
    county_region: Mapping[str, str] | None = None,
    issued: Sequence[Mapping[str, int] | None] | None = None,
) -> tuple[StudentProfile, ...]:
    """Score many stored answers at once (vectorised); raises on the first invalid answers."""
    parsed = [
        _parse(a, instrument, county_region, issued[i] if issued is not None else None)
        for i, a in enumerate(answers)
    ]
    n = len(parsed)
    if n == 0:
        return ()
    interests, interests_se = score_likert(
        np.stack([p.interests for p in parsed]), instrument.interests
    )
    values, values_se = score_likert(np.stack([p.values for p in parsed]), instrument.values)
    apt, apt_se, sources = score_aptitudes(
        [{"aptitude": p.aptitude, "records": p.records} for p in parsed], instrument
    )
    f32 = np.float32
    return tuple(
        StudentProfile(
            instrument_version=instrument.version,
            interests=interests[i].astype(f32),
            interests_se=interests_se[i].astype(f32),
            work_values=values[i].astype(f32),
            work_values_se=values_se[i].astype(f32),
            aptitudes=apt[i].astype(f32),
            aptitudes_se=apt_se[i].astype(f32),
            aptitude_sources=sources[i],
            plan=p.plan,
            county_fips=p.county_fips,
            region_code=p.region_code,
            will_commute=p.will_commute,
            will_relocate=p.will_relocate,
            language=p.language,
        )
        for i, p in enumerate(parsed)
    )


def score_assessment(
    answers: Mapping[str, Any],
    instrument: Instrument,
    *,
    county_region: Mapping[str, str] | None = None,
    issued: Mapping[str, int] | None = None,
) -> StudentProfile:
    """Score one student's stored answers; ``issued`` (subtest -> items issued) overrides theirs.

    Raises AnswerError subclasses naming the item or scale and the rule broken.
    """
    return score_assessments([answers], instrument, county_region=county_region, issued=[issued])[0]
