"""The thin link between stored assessments and ``recommender.assessment`` (scoring lives there).

Stored ``answers`` hold only what the student (or coach) entered; the aptitude seeds stay in
``Assessment.aptitude_seeds`` and are merged in only when scoring, so no response ever carries a
seed or an answer key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.aptitude_items import issue_items, new_seed
from recommender.assessment import Instrument, load_instrument, score_assessment
from recommender.errors import InvalidRecordError, RecordNotFoundError
from recommender.instrument import LANGUAGES, list_versions


def get_instrument(version: str | None, language: str) -> Instrument:
    """An instrument version (None = current) in 'en' or 'es'; RecordNotFoundError if absent."""
    if language not in LANGUAGES:
        raise RecordNotFoundError("instrument language", language)
    if version is not None and version not in list_versions():
        raise RecordNotFoundError("instrument version", version)
    return load_instrument(version, language)


def describe_instrument(instrument: Instrument) -> dict[str, Any]:
    """The instrument as the page needs it: texts, scales' labels, subtests; no keys, no seeds."""
    return {
        "version": instrument.version,
        "language": instrument.language,
        "title": instrument.title,
        "total_minutes": instrument.total_minutes,
        "sections": [
            {"id": key, "title": instrument.section_titles.get(key, key), "minutes": minutes}
            for key, minutes in instrument.section_minutes.items()
        ],
        "interests": _likert(instrument.interests),
        "values": _likert(instrument.values),
        "subtests": [
            {
                "id": s.id,
                "title": s.title,
                "items": s.items,
                "time_limit_s": s.time_limit_s,
            }
            for s in instrument.subtests
        ],
        "records": [
            {
                "id": r.id,
                "label": r.label,
                "minimum": r.minimum,
                "maximum": r.maximum,
                "integer": r.integer,
            }
            for r in instrument.records
        ],
        "plans": dict(instrument.plans),
        "counties": dict(instrument.counties),
    }


def _likert(section: Any) -> dict[str, Any]:
    return {
        "prompt": section.prompt,
        "labels": list(section.labels),
        "minimum": section.scale_min,
        "maximum": section.scale_max,
        "items": [{"id": item.id, "text": item.text} for item in section.items],
    }


def new_aptitude_seeds(instrument: Instrument) -> dict[str, Any]:
    """A fresh random seed per subtest, with nothing issued yet."""
    return {s.id: {"seed": new_seed(), "issued": 0} for s in instrument.subtests}


def issue_subtest(
    instrument: Instrument, seeds: Mapping[str, Any], subtest: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The subtest's items for the page, and the seed block updated to record them as issued."""
    try:
        spec = instrument.subtest(subtest)
    except KeyError:
        raise RecordNotFoundError("subtest", subtest) from None
    block = dict(seeds.get(subtest) or {})
    if "seed" not in block:
        raise RecordNotFoundError("subtest", subtest)
    items = issue_items(subtest, int(block["seed"]), spec.items, instrument.language)
    block["issued"] = max(int(block.get("issued", 0)), spec.items)
    return [item.to_dict() for item in items], block


def merge_answers(
    stored: Mapping[str, Any], patch: Mapping[str, Any], instrument: Instrument
) -> dict[str, Any]:
    """Stored answers with ``patch`` applied: maps merge key by key, other fields replace.

    Item ids, subtests and record fields are checked against the instrument here, so an unknown
    one is refused when saved rather than at submission. Value ranges are checked by scoring.
    """
    known = {
        "interests": {i.id for i in instrument.interests.items},
        "values": {i.id for i in instrument.values.items},
        "records": {r.id for r in instrument.records},
        "aptitude": {s.id for s in instrument.subtests},
    }
    merged: dict[str, Any] = {k: v for k, v in stored.items()}
    for key, value in patch.items():
        if value is None:
            continue
        if key in known:
            bad = sorted(set(value) - known[key])
            if bad:
                raise InvalidRecordError(f"body.{key}.{bad[0]}", "not in this instrument")
            current = dict(merged.get(key) or {})
            if key == "aptitude":
                for subtest, responses in value.items():
                    current[subtest] = {**dict(current.get(subtest) or {}), **responses}
            else:
                current.update(value)
            merged[key] = current
        else:
            merged[key] = value
    return merged


def scoring_answers(
    answers: Mapping[str, Any], seeds: Mapping[str, Any], instrument: Instrument
) -> dict[str, Any]:
    """The stored answers in the scorer's format, with seeds and issued counts put back."""
    scored: dict[str, Any] = {
        k: v for k, v in answers.items() if k not in ("aptitude", "instrument_version", "language")
    }
    scored["instrument_version"] = instrument.version
    scored["language"] = instrument.language
    aptitude = {}
    for subtest, responses in (answers.get("aptitude") or {}).items():
        block = seeds.get(subtest) or {}
        aptitude[subtest] = {
            "seed": block.get("seed"),
            "issued": int(block.get("issued", 0)),
            "responses": dict(responses),
        }
    if aptitude:
        scored["aptitude"] = aptitude
    return scored


def score_stored(
    answers: Mapping[str, Any],
    seeds: Mapping[str, Any],
    instrument: Instrument,
    county_region: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Score stored answers into the JSON form of a StudentProfile (AnswerError when invalid)."""
    profile = score_assessment(
        scoring_answers(answers, seeds, instrument), instrument, county_region=county_region
    )
    return profile.to_dict()
