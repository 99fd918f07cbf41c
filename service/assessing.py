"""The thin link between stored assessments and ``recommender.assessment`` (scoring lives there).

Stored ``answers`` hold only what the student (or coach) entered; the aptitude seeds stay in
``Assessment.aptitude_seeds`` and are merged in only when scoring, so no response ever carries a
seed or an answer key.

Aptitude subtests are timed on the server: the clock starts when a subtest's items are first
issued (``started_at`` in its seed block) and answers that arrive after the time limit plus
``GRACE_SECONDS`` (slow or dropped connections), or after the student said they were done, are
refused. The JSON API and the assessment page both call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.aptitude_items import issue_items, new_seed
from recommender.assessment import Instrument, load_instrument, score_assessment
from recommender.errors import InvalidRecordError, RecordNotFoundError, TooFewAnswersError
from recommender.instrument import LANGUAGES, list_versions
from service.tables import Assessment, School, Student

#: Seconds an aptitude answer may arrive after its subtest's time limit (slow networks).
GRACE_SECONDS: Final = 20
#: Options an aptitude item offers at most (choices are 0-based option positions).
MAX_OPTIONS: Final = 8


def get_instrument(version: str | None, language: str) -> Instrument:
    """An instrument version (None = current) in 'en' or 'es'; RecordNotFoundError if absent."""
    if language not in LANGUAGES:
        raise RecordNotFoundError("instrument language", language)
    if version is not None and version not in list_versions():
        raise RecordNotFoundError("instrument version", version)
    return load_instrument(version, language)


def start_or_resume(
    db: Session, student_id: int, language: str, now: datetime
) -> tuple[Assessment, bool]:
    """The student's open assessment, or a new one on the current instrument (True when new)."""
    open_one = db.execute(
        select(Assessment)
        .where(Assessment.student_id == student_id, Assessment.status == "in_progress")
        .order_by(Assessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if open_one is not None:
        return open_one, False
    instrument = get_instrument(None, language)
    county = school_county(db, student_id)
    assessment = Assessment(
        student_id=student_id,
        instrument_version=instrument.version,
        language=language,
        status="in_progress",
        # the region defaults to the school's county; the student may change it
        answers={"county_fips": county} if county in instrument.counties else {},
        aptitude_seeds=new_aptitude_seeds(instrument),
        started_at=now,
        updated_at=now,
    )
    db.add(assessment)
    db.flush()
    return assessment, True


def school_county(db: Session, student_id: int) -> str | None:
    """The FIPS code of the county of the student's school, or None when unknown."""
    student = db.get(Student, student_id)
    school = db.get(School, student.school_id) if student is not None else None
    return school.county_fips if school is not None else None


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


def _deadline(block: Mapping[str, Any], limit_s: int, grace_s: int = 0) -> datetime | None:
    started = block.get("started_at")
    if not started:
        return None
    return datetime.fromisoformat(str(started)) + timedelta(seconds=limit_s + grace_s)


def issue_subtest(
    instrument: Instrument, seeds: Mapping[str, Any], subtest: str, now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The subtest's items, and its seed block recording them as issued and the clock started.

    The clock starts at the first issue; issuing again (a reload) resumes the same clock.
    """
    try:
        spec = instrument.subtest(subtest)
    except KeyError:
        raise RecordNotFoundError("subtest", subtest) from None
    block = dict(seeds.get(subtest) or {})
    if "seed" not in block:
        raise RecordNotFoundError("subtest", subtest)
    items = issue_items(subtest, int(block["seed"]), spec.items, instrument.language)
    block["issued"] = max(int(block.get("issued", 0)), spec.items)
    block.setdefault("started_at", now.isoformat())
    return [item.to_dict() for item in items], block


def finish_subtest(
    instrument: Instrument, seeds: Mapping[str, Any], subtest: str
) -> dict[str, Any]:
    """The subtest's seed block marked finished: no more answers taken (unstarted = skipped)."""
    try:
        instrument.subtest(subtest)
    except KeyError:
        raise RecordNotFoundError("subtest", subtest) from None
    block = dict(seeds.get(subtest) or {})
    block["finished"] = True
    return block


def describe_clock(
    instrument: Instrument, seeds: Mapping[str, Any], now: datetime
) -> dict[str, dict[str, Any]]:
    """Per subtest: started, finished (done or out of time), seconds left (None before start)."""
    clock = {}
    for spec in instrument.subtests:
        block = seeds.get(spec.id) or {}
        deadline = _deadline(block, spec.time_limit_s)
        remaining = None
        if deadline is not None:
            remaining = (
                0 if block.get("finished") else max(0, int((deadline - now).total_seconds()))
            )
        clock[spec.id] = {
            "started": deadline is not None,
            "finished": bool(block.get("finished")) or remaining == 0,
            "remaining_s": remaining,
            "time_limit_s": spec.time_limit_s,
        }
    return clock


def _check_open_window(block: Mapping[str, Any], limit_s: int, where: str, now: datetime) -> None:
    deadline = _deadline(block, limit_s, GRACE_SECONDS)
    if deadline is None:
        raise InvalidRecordError(where, "this task has not been started")
    if block.get("finished") or now > deadline:
        raise InvalidRecordError(where, "the time for this task is over")


def _check_rating(section: Any, key: str, item: str, rating: Any) -> None:
    if rating is not None and (
        type(rating) is not int or not section.scale_min <= rating <= section.scale_max
    ):
        raise InvalidRecordError(
            f"body.{key}.{item}", f"must be {section.scale_min}..{section.scale_max} or null"
        )


def _check_record(field: Any, value: Any) -> None:
    if value is None:
        return
    low, high = field.minimum, field.maximum
    shown = f"{low:g} to {high:g}" + (" (whole numbers)" if field.integer else "")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high
        or (field.integer and float(value) != int(value))
    ):
        name = field.label.split(" (")[0]
        raise InvalidRecordError(f"body.records.{field.id}", f"{name} must be {shown}")


def _check_responses(
    spec: Any,
    stored: Mapping[str, Any],
    responses: Mapping[str, Any],
    block: Mapping[str, Any],
    now: datetime,
) -> None:
    where = f"body.aptitude.{spec.id}"
    fresh = {k: v for k, v in responses.items() if stored.get(str(k)) != v}
    if fresh:
        _check_open_window(block, spec.time_limit_s, where, now)
    for key, choice in fresh.items():
        if not (str(key).isdigit() and int(key) < spec.items):
            raise InvalidRecordError(f"{where}.{key}", f"items are 0..{spec.items - 1}")
        if choice is not None and (type(choice) is not int or not 0 <= choice < MAX_OPTIONS):
            raise InvalidRecordError(f"{where}.{key}", "must be an option position or null")


def merge_answers(
    stored: Mapping[str, Any],
    patch: Mapping[str, Any],
    instrument: Instrument,
    seeds: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Stored answers with ``patch`` applied: maps merge key by key, other fields replace.

    Item ids, ratings, subtests, item numbers and the county are checked against the
    instrument, and aptitude answers against the subtest's clock (changed answers only, so an
    unchanged batch resent after the time limit is accepted); InvalidRecordError names the
    field. A null map is ignored; a null item or plain field clears it. Nothing changes when
    any part is refused.
    """
    known = {
        "interests": {i.id for i in instrument.interests.items},
        "values": {i.id for i in instrument.values.items},
        "records": {r.id for r in instrument.records},
        "aptitude": {s.id for s in instrument.subtests},
    }
    merged: dict[str, Any] = {k: v for k, v in stored.items()}
    for key, value in patch.items():
        if key in known:
            if value is None:
                continue
            bad = sorted(set(value) - known[key])
            if bad:
                raise InvalidRecordError(f"body.{key}.{bad[0]}", "not in this instrument")
            current = dict(merged.get(key) or {})
            if key == "aptitude":
                for subtest, responses in value.items():
                    old = dict(current.get(subtest) or {})
                    spec = instrument.subtest(subtest)
                    _check_responses(spec, old, responses, seeds.get(subtest) or {}, now)
                    current[subtest] = {**old, **{str(int(k)): v for k, v in responses.items()}}
            else:
                section = {"interests": instrument.interests, "values": instrument.values}
                fields = {r.id: r for r in instrument.records}
                for item, rating in value.items():
                    if key in section:
                        _check_rating(section[key], key, item, rating)
                    elif key == "records":
                        _check_record(fields[item], rating)
                current.update(value)
            merged[key] = current
        else:
            if key == "county_fips" and value is not None and value not in instrument.counties:
                raise InvalidRecordError("body.county_fips", "not a Mississippi county")
            merged[key] = value
    return merged


def scoring_answers(
    answers: Mapping[str, Any], seeds: Mapping[str, Any], instrument: Instrument
) -> dict[str, Any]:
    """The stored answers in the scorer's format, with seeds and issued counts put back.

    A subtest with fewer answers than its minimum is left out (not measured), as when a
    student gave up on it or ran out of time.
    """
    scored: dict[str, Any] = {
        k: v for k, v in answers.items() if k not in ("aptitude", "instrument_version", "language")
    }
    scored["instrument_version"] = instrument.version
    scored["language"] = instrument.language
    aptitude = {}
    for subtest, responses in (answers.get("aptitude") or {}).items():
        block = seeds.get(subtest) or {}
        given = {k: v for k, v in dict(responses or {}).items() if v is not None}
        try:
            minimum = instrument.subtest(subtest).min_answered
        except KeyError:
            minimum = 0  # an unknown subtest is refused by name when scored
        if len(given) < minimum:
            continue  # too few answers to measure: that aptitude is "not measured"
        aptitude[subtest] = {
            "seed": block.get("seed"),
            "issued": int(block.get("issued", 0)),
            "responses": given,
        }
    if aptitude:
        scored["aptitude"] = aptitude
    return scored


def score_stored(
    answers: Mapping[str, Any],
    seeds: Mapping[str, Any],
    instrument: Instrument,
    county_region: Mapping[str, str] | None,
    *,
    require_plan: bool = True,
) -> dict[str, Any]:
    """Score stored answers into the JSON form of a StudentProfile (AnswerError when invalid).

    A submission must answer the plans question ("not sure yet" is an answer), so a profile
    never says the student chose a plan they did not; ``require_plan=False`` re-scores an
    assessment submitted before that rule.
    """
    if require_plan and answers.get("plan") is None:
        raise TooFewAnswersError("plan", 0, 1)
    profile = score_assessment(
        scoring_answers(answers, seeds, instrument), instrument, county_region=county_region
    )
    return profile.to_dict()


def check_records(assessment: Assessment, records: Mapping[str, Any]) -> None:
    """InvalidRecordError naming the first school record out of its range; nothing is stored."""
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    fields = {r.id: r for r in instrument.records}
    for key, value in records.items():
        if key not in fields:
            raise InvalidRecordError(f"body.records.{key}", "not in this instrument")
        _check_record(fields[key], value)


def enter_records(
    assessment: Assessment,
    records: Mapping[str, Any],
    county_region: Mapping[str, str] | None,
    now: datetime,
) -> None:
    """Merge a coach's school records (null clears one); a submitted profile is scored again.

    InvalidRecordError names the first field out of range; the assessment is then unchanged.
    """
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    seeds = assessment.aptitude_seeds or {}
    answers = merge_answers(assessment.answers or {}, {"records": records}, instrument, seeds, now)
    if assessment.status == "submitted":
        assessment.profile = score_stored(
            answers, seeds, instrument, county_region, require_plan=False
        )
    assessment.answers = answers
    assessment.updated_at = now
