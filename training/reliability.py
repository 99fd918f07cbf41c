"""Reliability evidence for the instrument, computed from stored responses in a long-format CSV.

Response file (UTF-8 CSV, one row per student x item; the service exports this format):

==================== =====================================================================
column               meaning
==================== =====================================================================
response_id          opaque id of one assessment sitting (never a student identifier)
instrument_version   the instrument version the answers were given on
section              ``interests``, ``values`` or ``aptitude``
scale                RIASEC letter, WORK_VALUES name, or aptitude subtest id
item                 item id (interests, values) or 0-based item position (aptitude)
value                rating 1..5, or 1 / 0 for a right / wrong aptitude answer; empty when the
                     item was issued but not reached (power subtests) or skipped (ratings)
difficulty           predicted Rasch b of the aptitude item (logits); empty for ratings
options              number of answer options of the aptitude item; empty for ratings
==================== =====================================================================

Statistics: Cronbach's alpha and corrected item-total (item-rest) correlations per rating scale,
on respondents who answered every item of the scale; per aptitude subtest KR-20, odd-even
split-half reliability stepped up with Spearman-Brown, the IRT marginal reliability
``var(EAP) / (var(EAP) + mean(posterior variance))`` under the scorer's own model, and the
proportion right per position (to recalibrate the difficulty model).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.aptitude_items import compute_item_parameters
from recommender.assessment import THETA_GRID
from recommender.errors import ResponseFileError
from recommender.files import READABLE, atomic_path
from recommender.instrument import Instrument

COLUMNS: Final = (
    "response_id",
    "instrument_version",
    "section",
    "scale",
    "item",
    "value",
    "difficulty",
    "options",
)
SECTIONS: Final = ("interests", "values", "aptitude")
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ResponseRow:
    """One row of the long-format response file; value is NaN when empty."""

    response_id: str
    instrument_version: str
    section: str
    scale: str
    item: str
    value: float
    difficulty: float = math.nan
    options: int = 0


@dataclass(frozen=True)
class ScaleReliability:
    """Alpha and item-rest correlations of one rating scale (complete cases only)."""

    section: str
    scale: str
    respondents: int
    items: int
    alpha: float
    item_rest: Mapping[str, float]


@dataclass(frozen=True)
class SubtestReliability:
    """Reliability figures of one aptitude subtest."""

    subtest: str
    respondents: int
    positions: int
    kr20: float
    split_half: float
    irt_marginal: float
    proportion_right: tuple[float, ...]


@dataclass(frozen=True)
class ReliabilityReport:
    """Every figure the report prints, keyed by scale or subtest."""

    instrument_versions: tuple[str, ...]
    scales: tuple[ScaleReliability, ...]
    subtests: tuple[SubtestReliability, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (NaN becomes None)."""

        def num(v: float) -> float | None:
            return None if math.isnan(v) else round(float(v), 4)

        return {
            "instrument_versions": list(self.instrument_versions),
            "scales": [
                {
                    "section": s.section,
                    "scale": s.scale,
                    "respondents": s.respondents,
                    "items": s.items,
                    "alpha": num(s.alpha),
                    "item_rest": {k: num(v) for k, v in s.item_rest.items()},
                }
                for s in self.scales
            ],
            "subtests": [
                {
                    "subtest": t.subtest,
                    "respondents": t.respondents,
                    "positions": t.positions,
                    "kr20": num(t.kr20),
                    "split_half": num(t.split_half),
                    "irt_marginal": num(t.irt_marginal),
                    "proportion_right": [num(p) for p in t.proportion_right],
                }
                for t in self.subtests
            ],
        }


# --------------------------------------------------------------------------- statistics


def cronbach_alpha(x: F64) -> float:
    """Return Cronbach's alpha of a complete (respondents, items) matrix; NaN if undefined.

    1.0 for perfectly parallel items; 0.0 for uncorrelated items; may be negative.
    """
    n, k = x.shape
    if n < 2 or k < 2:
        return math.nan
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def item_rest_correlations(x: F64) -> F64:
    """Return each item's correlation with the sum of the other items (NaN if constant)."""
    total = x.sum(axis=1)
    out = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        rest = total - x[:, j]
        if x[:, j].std() > 0 and rest.std() > 0:
            out[j] = float(np.corrcoef(x[:, j], rest)[0, 1])
    return out


def split_half_reliability(x: F64) -> float:
    """Return odd-even split-half correlation stepped up by Spearman-Brown; NaN if undefined."""
    if x.shape[0] < 3 or x.shape[1] < 2:
        return math.nan
    odd, even = x[:, 0::2].sum(axis=1), x[:, 1::2].sum(axis=1)
    if odd.std() == 0 or even.std() == 0:
        return math.nan
    r = float(np.corrcoef(odd, even)[0, 1])
    return 2 * r / (1 + r) if r > -1 else math.nan


def irt_marginal_reliability(correct: F64, difficulty: F64, options: F64) -> float:
    """Return var(EAP) / (var(EAP) + mean posterior variance) under Rasch with guessing 1/options.

    ``correct`` is (respondents, positions) with 1, 0 or NaN (not scored); N(0, 1) prior.
    """
    if correct.shape[0] < 3:
        return math.nan
    guess = 1.0 / np.where(options > 0, options, 2.0)
    b = np.nan_to_num(difficulty)
    p = guess[:, :, None] + (1 - guess[:, :, None]) / (
        1 + np.exp(b[:, :, None] - THETA_GRID[None, None, :])
    )
    u = correct[:, :, None]
    ll = np.where(u == 1, np.log(p), np.where(u == 0, np.log1p(-p), 0.0)).sum(axis=1)
    post = ll - 0.5 * THETA_GRID[None, :] ** 2
    post = np.exp(post - post.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    eap = post @ THETA_GRID
    pvar = post @ THETA_GRID**2 - eap**2
    v = float(eap.var(ddof=1))
    return v / (v + float(pvar.mean())) if v + float(pvar.mean()) > 0 else math.nan


# --------------------------------------------------------------------------- files


def export_responses(
    answers: Iterable[Mapping[str, Any]], instrument: Instrument
) -> Iterator[ResponseRow]:
    """Yield long-format rows for stored answers (ids are sequence numbers, not student ids).

    Aptitude answers are scored here from (seed, index); unanswered positions before the last
    answered one (power) or up to the count issued (speed) are written as 0, later ones empty.
    """
    by_subtest = {s.id: s for s in instrument.subtests}
    for n, a in enumerate(answers, start=1):
        rid = f"r{n:06d}"
        version = str(a.get("instrument_version", ""))
        for section, bank in (("interests", instrument.interests), ("values", instrument.values)):
            given = a.get(section) or {}
            for item in bank.items:
                v = given.get(item.id)
                yield ResponseRow(
                    rid, version, section, item.scale, item.id, math.nan if v is None else float(v)
                )
        for subtest, block in (a.get("aptitude") or {}).items():
            if not block or subtest not in by_subtest:
                continue
            responses = {int(k): v for k, v in block.get("responses", {}).items() if v is not None}
            issued = int(block.get("issued", by_subtest[subtest].items))
            if not responses:
                continue
            scored = issued if by_subtest[subtest].mode == "speed" else max(responses) + 1
            params = compute_item_parameters(subtest, int(block["seed"]), np.arange(issued))
            for j in range(issued):
                if j < scored:
                    value = float(responses.get(j, -1) == int(params.key[j]))
                else:
                    value = math.nan
                yield ResponseRow(
                    rid,
                    version,
                    "aptitude",
                    subtest,
                    str(j),
                    value,
                    float(params.difficulty[j]),
                    int(params.n_options[j]),
                )


def _fmt(v: float) -> str:
    if math.isnan(v):
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.4f}"


def write_responses_csv(rows: Iterable[ResponseRow], path: Path) -> int:
    """Write rows to path atomically (temp file then rename); return the number of rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with (
        atomic_path(path, mode=READABLE) as tmp,
        tmp.open("w", encoding="utf-8", newline="") as f,
    ):
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(
                (
                    r.response_id,
                    r.instrument_version,
                    r.section,
                    r.scale,
                    r.item,
                    _fmt(r.value),
                    _fmt(r.difficulty),
                    str(r.options) if r.options else "",
                )
            )
            count += 1
    return count


def _number(text: str, *, file: str, row: int, column: str) -> float:
    if text.strip() == "":
        return math.nan
    try:
        v = float(text)
    except ValueError:
        raise ResponseFileError(
            f"not a number: {text!r}", file=file, row=row, column=column
        ) from None
    if not math.isfinite(v):
        raise ResponseFileError(f"not a finite number: {text!r}", file=file, row=row, column=column)
    return v


def read_responses_csv(path: Path) -> list[ResponseRow]:
    """Read and validate a long-format response file; ResponseFileError names the row and column."""
    name = str(path)
    try:
        with Path(path).open(encoding="utf-8", newline="") as f:
            return _read_rows(csv.DictReader(f), name)
    except OSError as exc:
        raise ResponseFileError(f"cannot open: {exc.strerror}", file=name) from None


def _read_rows(reader: csv.DictReader[str], name: str) -> list[ResponseRow]:
    missing = [c for c in COLUMNS[:6] if c not in (reader.fieldnames or ())]
    if missing:
        raise ResponseFileError("missing column", file=name, column=missing[0])
    out: list[ResponseRow] = []
    for n, raw in enumerate(reader, start=1):
        section = (raw.get("section") or "").strip()
        if section not in SECTIONS:
            raise ResponseFileError(
                f"section must be one of {', '.join(SECTIONS)}, got {section!r}",
                file=name,
                row=n,
                column="section",
            )
        value = _number(raw.get("value") or "", file=name, row=n, column="value")
        if section == "aptitude" and not (math.isnan(value) or value in (0.0, 1.0)):
            raise ResponseFileError(
                "aptitude value must be 1, 0 or empty", file=name, row=n, column="value"
            )
        if section != "aptitude" and not (math.isnan(value) or 1 <= value <= 5):
            raise ResponseFileError(
                "rating must be 1..5 or empty", file=name, row=n, column="value"
            )
        difficulty = _number(raw.get("difficulty") or "", file=name, row=n, column="difficulty")
        options = _number(raw.get("options") or "", file=name, row=n, column="options")
        if not raw.get("response_id") or not raw.get("scale") or raw.get("item") in (None, ""):
            raise ResponseFileError(
                "response_id, scale and item must not be empty", file=name, row=n
            )
        out.append(
            ResponseRow(
                response_id=str(raw["response_id"]),
                instrument_version=str(raw.get("instrument_version") or ""),
                section=section,
                scale=str(raw["scale"]),
                item=str(raw["item"]),
                value=value,
                difficulty=difficulty,
                options=0 if math.isnan(options) else int(options),
            )
        )
    return out


# --------------------------------------------------------------------------- report


def _matrix(
    rows: Sequence[ResponseRow],
) -> tuple[list[str], list[str], F64, F64, F64]:
    """Return (respondents, items, values, difficulty, options) matrices with NaN for missing."""
    respondents = sorted({r.response_id for r in rows})
    items = sorted({r.item for r in rows}, key=lambda s: (len(s), s))
    ri = {r: i for i, r in enumerate(respondents)}
    ci = {c: j for j, c in enumerate(items)}
    shape = (len(respondents), len(items))
    x, b, o = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape)
    for r in rows:
        i, j = ri[r.response_id], ci[r.item]
        x[i, j], b[i, j], o[i, j] = r.value, r.difficulty, r.options
    return respondents, items, x, b, o


def compute_reliability(rows: Sequence[ResponseRow]) -> ReliabilityReport:
    """Return the reliability report for all scales and subtests present in rows."""
    groups: dict[tuple[str, str], list[ResponseRow]] = defaultdict(list)
    for r in rows:
        groups[(r.section, r.scale)].append(r)
    scales: list[ScaleReliability] = []
    subtests: list[SubtestReliability] = []
    order = {s: i for i, s in enumerate(SECTIONS)}
    for (section, scale), group in sorted(
        groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
    ):
        _, items, x, b, o = _matrix(group)
        if section != "aptitude":
            complete = x[~np.isnan(x).any(axis=1)]
            rest = (
                item_rest_correlations(complete)
                if len(complete) > 2
                else np.full(len(items), np.nan)
            )
            scales.append(
                ScaleReliability(
                    section=section,
                    scale=scale,
                    respondents=int(complete.shape[0]),
                    items=len(items),
                    alpha=cronbach_alpha(complete),
                    item_rest={it: float(v) for it, v in zip(items, rest, strict=True)},
                )
            )
            continue
        reached = ~np.isnan(x)
        share = reached.mean(axis=0)
        positions = int(np.argmax(share < 0.7)) if (share < 0.7).any() else len(items)
        block = x[:, :positions]
        complete = block[~np.isnan(block).any(axis=1)]
        n_reached = reached.sum(axis=0)
        right = np.where(reached, x, 0.0).sum(axis=0)
        prop = np.divide(right, n_reached, out=np.full(right.shape, np.nan), where=n_reached > 0)
        subtests.append(
            SubtestReliability(
                subtest=scale,
                respondents=int(x.shape[0]),
                positions=positions,
                kr20=cronbach_alpha(complete),
                split_half=split_half_reliability(complete),
                irt_marginal=irt_marginal_reliability(x, b, o)
                if not np.isnan(b[reached]).any()
                else math.nan,
                proportion_right=tuple(float(p) for p in prop),
            )
        )
    versions = tuple(sorted({r.instrument_version for r in rows}))
    return ReliabilityReport(versions, tuple(scales), tuple(subtests))


def format_report(report: ReliabilityReport) -> str:
    """Return the report as plain text a member of staff can read."""

    def f(v: float) -> str:
        return "  n/a" if math.isnan(v) else f"{v:5.2f}"

    lines = [f"Instrument version(s): {', '.join(report.instrument_versions) or 'unknown'}", ""]
    lines.append("Rating scales (complete cases)          n  items  alpha  lowest item-rest r")
    for s in report.scales:
        finite = {k: v for k, v in s.item_rest.items() if not math.isnan(v)}
        low = min(finite.items(), key=lambda kv: kv[1]) if finite else ("-", math.nan)
        lines.append(
            f"  {s.section:<9} {s.scale:<20} {s.respondents:>7} {s.items:>6} {f(s.alpha)}"
            f"  {low[0]} {f(low[1])}"
        )
    if report.subtests:
        lines += ["", "Aptitude subtests            n  positions  KR-20  split-half  IRT"]
        for t in report.subtests:
            lines.append(
                f"  {t.subtest:<18} {t.respondents:>8} {t.positions:>10} {f(t.kr20)}"
                f"  {f(t.split_half)}      {f(t.irt_marginal)}"
            )
    return "\n".join(lines)
