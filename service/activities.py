"""The coach activity log: every category the state counts, checked per category, and the counts
the staff reports show. The JSON API (``service.routes.activities``) and the coach pages
(``service.pages.activities``, the student page's session form) all call these functions.

What each category holds (``CATEGORY_FIELDS``; fields a category does not use are stored empty):

========================  ==========================================================
one-on-one                student, minutes, notes
group engagement          attendee count, optionally the students present, topic
planning session          a student or a group (count, optional students), what was planned
job shadow / application  student, employer, occupation (O*NET catalogue, by title or code)
guest speaker             speaker's organisation, audience size, topic
parent conversation       student, language used, notes
========================  ==========================================================

Dates: an activity has happened, so its day is neither after today nor before the start of the
previous school year (``recommender.school_years``; a coach may still log last year's work in
the first weeks of a new one).

Reach (``count_activities``): an entry naming one student reaches that student, counted once per
category however many entries name them; a group entry (no single student) reaches its attendee
count, as the state counts group engagements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any, Final, TypeVar

from fastapi import Request
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from recommender.catalogue import get_catalogue
from recommender.errors import InvalidRecordError, PermissionDeniedError, RecordNotFoundError
from recommender.school_years import school_year_of
from recommender.school_years import today as local_today
from service.auth import Principal
from service.choices import ActivityCategory
from service.deps import load_student_for, scope_school_ids, sees_school
from service.i18n import N_, Message
from service.tables import Activity, ActivityAttendee, School, Student

__all__ = [
    "CATEGORY_FIELDS",
    "ActivityCounts",
    "ActivityDraft",
    "ActivityProblems",
    "CategoryCount",
    "FieldProblem",
    "attendees_of",
    "check_activity",
    "count_activities",
    "create_activity",
    "day_problem_of_activity",
    "delete_activity",
    "editable_activity",
    "find_occupation",
    "list_activities",
    "update_activity",
]

C = ActivityCategory
#: The categories that name one student, and those that count a group.
SINGLE_STUDENT: Final = frozenset(
    {C.ONE_ON_ONE, C.JOB_SHADOW, C.JOB_APPLICATION, C.PARENT_CONVERSATION}
)
GROUP: Final = frozenset({C.GROUP_SESSION, C.GUEST_SPEAKER})

#: The fields each category uses, beyond category, school, date, minutes and notes.
CATEGORY_FIELDS: Final[dict[ActivityCategory, tuple[str, ...]]] = {
    C.ONE_ON_ONE: ("student_id",),
    C.GROUP_SESSION: ("participants", "attendee_ids", "topic"),
    C.PLANNING_SESSION: ("student_id", "participants", "attendee_ids", "topic"),
    C.JOB_SHADOW: ("student_id", "employer", "occupation_code"),
    C.JOB_APPLICATION: ("student_id", "employer", "occupation_code"),
    C.GUEST_SPEAKER: ("organisation", "participants", "topic"),
    C.PARENT_CONVERSATION: ("student_id", "language"),
}
MAX_PARTICIPANTS: Final = 5000
MAX_MINUTES: Final = 24 * 60
MAX_ATTENDEES: Final = 200
TEXT_LIMITS: Final = {
    "topic": 300,
    "employer": 200,
    "organisation": 200,
    "language": 40,
    "notes": 4000,
}


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: a catalogue message id and its named values."""

    field: str
    message: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message in English (the API's ``errors[].message``)."""
        return self.message % dict(self.params) if self.params else self.message


class ActivityProblems(InvalidRecordError):
    """An activity was refused; ``problems`` names every wrong field (``field`` is the first)."""

    def __init__(self, problems: list[FieldProblem], *, prefix: str = "") -> None:
        self.problems = problems
        self.prefix = prefix
        first = problems[0]
        super().__init__(prefix + first.field, first.text)

    def field_errors(self) -> list[dict[str, str]]:
        """Every wrong field, not only the first."""
        return [{"field": self.prefix + p.field, "message": p.text} for p in self.problems]


@dataclass(frozen=True)
class ActivityDraft:
    """An activity as entered; None where a value is missing or could not be read."""

    category: ActivityCategory
    school_id: int | None
    occurred_on: date | None
    minutes: int | None = 0
    student_id: int | None = None
    participants: int | None = None
    attendee_ids: tuple[int, ...] = ()
    topic: str = ""
    employer: str = ""
    occupation_code: str = ""
    organisation: str = ""
    language: str = ""
    notes: str = ""


# --- checks ----------------------------------------------------------------------------------


def day_problem_of_activity(day: date, today: date) -> FieldProblem | None:
    """Why ``day`` cannot be an activity's date (None when it is fine): after today, or before
    the start of the previous school year."""
    if day > today:
        return FieldProblem(
            "occurred_on",
            N_("Date: %(day)s is after today (%(today)s); log an activity once it has happened."),
            {"day": day.isoformat(), "today": today.isoformat()},
        )
    current = school_year_of(today)
    start = int(current[:4]) - 1
    first = date(start, 7, 1)
    if day < first:
        return FieldProblem(
            "occurred_on",
            N_(
                "Date: %(day)s is before the previous school year; "
                "the earliest date you can log is %(first)s."
            ),
            {"day": day.isoformat(), "first": first.isoformat()},
        )
    return None


def find_occupation(text: str) -> str | None:
    """The O*NET code an occupation title (any letter case) or code names; None if none does."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    catalogue = get_catalogue()
    for code, title in zip(catalogue.codes, catalogue.titles, strict=True):
        if wanted in (code.casefold(), title.casefold()):
            return code
    return None


def occupation_title(code: str | None) -> str:
    """The catalogue title of an O*NET code ("" for none; the code itself when unknown)."""
    if not code:
        return ""
    catalogue = get_catalogue()
    try:
        return catalogue.titles[catalogue.index_of(code)]
    except LookupError:
        return code


def _required_text(draft: ActivityDraft, name: str, label: str) -> FieldProblem | None:
    value: str = getattr(draft, name)
    if not value.strip():
        return FieldProblem(
            name,
            N_("%(label)s: this is needed for this kind of activity."),
            {"label": Message(label)},
        )
    return None


def check_activity(
    draft: ActivityDraft, today: date, known: Iterable[str] = ()
) -> list[FieldProblem]:
    """Every rule ``draft`` breaks, one problem per field (fields in ``known`` already have one).

    Scope (school, students) is checked by ``create_activity``/``update_activity``, which need
    the database; this needs only the catalogue.
    """
    skip = set(known)
    problems: list[FieldProblem] = []

    def add(problem: FieldProblem | None) -> None:
        if problem is not None and problem.field not in skip:
            skip.add(problem.field)
            problems.append(problem)

    uses = CATEGORY_FIELDS[draft.category]
    if draft.occurred_on is None:
        add(FieldProblem("occurred_on", N_("Date: enter the day it happened.")))
    else:
        add(day_problem_of_activity(draft.occurred_on, today))
    if draft.minutes is None or not 0 <= draft.minutes <= MAX_MINUTES:
        add(
            FieldProblem(
                "minutes",
                N_("Minutes: enter a whole number from 0 to %(most)d."),
                {"most": MAX_MINUTES},
            )
        )
    if draft.category in SINGLE_STUDENT and draft.student_id is None:
        add(FieldProblem("student_id", N_("Student: choose the student this was with.")))
    group = draft.category in GROUP or (
        draft.category is C.PLANNING_SESSION and draft.student_id is None
    )
    if group:
        label = N_("Audience size") if draft.category is C.GUEST_SPEAKER else N_("Attendees")
        if draft.participants is None or not 1 <= draft.participants <= MAX_PARTICIPANTS:
            add(
                FieldProblem(
                    "participants",
                    N_("%(label)s: enter how many people took part, from 1 to %(most)d."),
                    {"label": Message(label), "most": MAX_PARTICIPANTS},
                )
            )
        elif "attendee_ids" in uses and len(set(draft.attendee_ids)) > draft.participants:
            add(
                FieldProblem(
                    "participants",
                    N_("%(label)s: %(count)d is fewer than the %(named)d students ticked."),
                    {
                        "label": Message(label),
                        "count": draft.participants,
                        "named": len(set(draft.attendee_ids)),
                    },
                )
            )
    if len(set(draft.attendee_ids)) > MAX_ATTENDEES:
        add(
            FieldProblem(
                "attendee_ids",
                N_("Students present: tick at most %(most)d; give the rest in the count."),
                {"most": MAX_ATTENDEES},
            )
        )
    if draft.category is C.GROUP_SESSION:
        add(_required_text(draft, "topic", N_("Topic")))
    if draft.category is C.PLANNING_SESSION:
        add(_required_text(draft, "topic", N_("What was planned")))
    if draft.category is C.GUEST_SPEAKER:
        add(_required_text(draft, "organisation", N_("Speaker's organisation")))
        add(_required_text(draft, "topic", N_("Topic")))
    if draft.category in (C.JOB_SHADOW, C.JOB_APPLICATION):
        add(_required_text(draft, "employer", N_("Employer")))
        if not draft.occupation_code.strip():
            add(FieldProblem("occupation_code", N_("Occupation: choose one from the list.")))
        elif find_occupation(draft.occupation_code) is None:
            add(
                FieldProblem(
                    "occupation_code",
                    N_("Occupation: %(typed)s is not in the list; pick a title from it."),
                    {"typed": draft.occupation_code.strip()[:80]},
                )
            )
    if draft.category is C.PARENT_CONVERSATION:
        add(_required_text(draft, "language", N_("Language used")))
    for name, most in TEXT_LIMITS.items():
        if len(getattr(draft, name)) > most:
            add(
                FieldProblem(
                    name,
                    N_("This text is too long: at most %(most)d characters."),
                    {"most": most},
                )
            )
    return problems


def _normalised(draft: ActivityDraft) -> ActivityDraft:
    """The draft with the fields its category does not use emptied."""
    uses = CATEGORY_FIELDS[draft.category]
    single = draft.category in SINGLE_STUDENT or (
        draft.category is C.PLANNING_SESSION and draft.student_id is not None
    )
    return replace(
        draft,
        student_id=draft.student_id if "student_id" in uses else None,
        participants=1 if single else draft.participants,
        attendee_ids=tuple(dict.fromkeys(draft.attendee_ids))
        if "attendee_ids" in uses and not single
        else (),
        topic=draft.topic.strip() if "topic" in uses else "",
        employer=draft.employer.strip() if "employer" in uses else "",
        occupation_code=(find_occupation(draft.occupation_code) or "")
        if "occupation_code" in uses
        else "",
        organisation=draft.organisation.strip() if "organisation" in uses else "",
        language=draft.language.strip() if "language" in uses else "",
        notes=draft.notes.strip(),
    )


def _check_scope(
    request: Request, db: Session, principal: Principal, draft: ActivityDraft, now: datetime
) -> list[FieldProblem]:
    """The school must be in scope (else RecordNotFoundError, as if absent); every named student
    must be in scope and at that school (a problem naming the field)."""
    if (
        draft.school_id is None
        or db.get(School, draft.school_id) is None
        or not sees_school(principal, draft.school_id)
    ):
        raise RecordNotFoundError("school", draft.school_id if draft.school_id is not None else 0)
    problems: list[FieldProblem] = []
    if draft.student_id is not None:
        student = load_student_for(request, db, principal, draft.student_id, now)
        if student is None:
            raise RecordNotFoundError("student", draft.student_id)
        if student.school_id != draft.school_id:
            problems.append(
                FieldProblem("student_id", N_("Student: this student is not at that school."))
            )
    for student_id in draft.attendee_ids:
        present = load_student_for(request, db, principal, student_id, now)
        if present is None or present.school_id != draft.school_id:
            problems.append(
                FieldProblem(
                    "attendee_ids",
                    N_("Students present: one of the ticked students is not at that school."),
                )
            )
            break
    return problems


def _write(db: Session, activity: Activity, draft: ActivityDraft) -> None:
    assert draft.occurred_on is not None and draft.school_id is not None
    activity.category = draft.category.value
    activity.school_id = draft.school_id
    activity.student_id = draft.student_id
    activity.occurred_on = draft.occurred_on
    activity.school_year = school_year_of(draft.occurred_on)
    activity.minutes = draft.minutes or 0
    activity.participants = draft.participants or 1
    activity.topic = draft.topic
    activity.employer = draft.employer
    activity.occupation_code = draft.occupation_code or None
    activity.organisation = draft.organisation
    activity.language = draft.language
    activity.notes = draft.notes
    db.flush()
    db.execute(delete(ActivityAttendee).where(ActivityAttendee.activity_id == activity.id))
    for student_id in draft.attendee_ids:
        db.add(ActivityAttendee(activity_id=activity.id, student_id=student_id))
    db.flush()


def _accept(
    request: Request,
    db: Session,
    principal: Principal,
    draft: ActivityDraft,
    now: datetime,
    prefix: str,
) -> ActivityDraft:
    problems = check_activity(draft, local_today(now))
    problems += _check_scope(request, db, principal, draft, now)
    if problems:
        raise ActivityProblems(problems, prefix=prefix)
    return _normalised(draft)


# --- operations ------------------------------------------------------------------------------


def create_activity(
    request: Request,
    db: Session,
    principal: Principal,
    draft: ActivityDraft,
    now: datetime,
    *,
    prefix: str = "",
) -> Activity:
    """Log an activity for ``principal``; ActivityProblems (every wrong field) and nothing
    written when it breaks a rule. ``prefix`` is put before field names ("body." for the API)."""
    accepted = _accept(request, db, principal, draft, now, prefix)
    activity = Activity(coach_id=principal.user_id, created_at=now)
    db.add(activity)
    _write(db, activity, accepted)
    return activity


def editable_activity(db: Session, principal: Principal, activity_id: int) -> Activity:
    """An entry ``principal`` may change: a coach their own entries, an admin any.

    Outside the caller's schools it does not exist (RecordNotFoundError); another coach's entry
    at a school the caller sees is PermissionDeniedError.
    """
    activity = db.get(Activity, activity_id)
    if activity is None or not sees_school(principal, activity.school_id):
        raise RecordNotFoundError("activity", activity_id)
    if principal.role != "admin" and activity.coach_id != principal.user_id:
        raise PermissionDeniedError(principal.role, "change another coach's activity entry")
    return activity


def draft_of(activity: Activity) -> ActivityDraft:
    """A stored entry as a draft (to edit part of it)."""
    return ActivityDraft(
        category=ActivityCategory(activity.category),
        school_id=activity.school_id,
        occurred_on=activity.occurred_on,
        minutes=activity.minutes,
        student_id=activity.student_id,
        participants=activity.participants,
        attendee_ids=tuple(_attendee_ids(activity)),
        topic=activity.topic,
        employer=activity.employer,
        occupation_code=activity.occupation_code or "",
        organisation=activity.organisation,
        language=activity.language,
        notes=activity.notes,
    )


def update_activity(
    request: Request,
    db: Session,
    principal: Principal,
    activity: Activity,
    draft: ActivityDraft,
    now: datetime,
    *,
    prefix: str = "",
) -> Activity:
    """Replace an entry (got from ``editable_activity``) with ``draft``, checked as a new one;
    changing the date moves it to that date's school year."""
    accepted = _accept(request, db, principal, draft, now, prefix)
    _write(db, activity, accepted)
    activity.updated_at = now
    db.flush()
    return activity


def delete_activity(db: Session, activity: Activity) -> None:
    """Remove an entry (got from ``editable_activity``) and its list of students present."""
    db.execute(delete(ActivityAttendee).where(ActivityAttendee.activity_id == activity.id))
    db.delete(activity)
    db.flush()


def _attendee_ids(activity: Activity) -> list[int]:
    session = Session.object_session(activity)
    if session is None or activity.id is None:
        return []
    return list(
        session.execute(
            select(ActivityAttendee.student_id)
            .where(ActivityAttendee.activity_id == activity.id)
            .order_by(ActivityAttendee.student_id)
        ).scalars()
    )


def attendees_of(db: Session, activity_ids: Iterable[int]) -> dict[int, list[int]]:
    """The students ticked as present, per activity id (activities with none are absent)."""
    ids = list(activity_ids)
    found: dict[int, list[int]] = {}
    if not ids:
        return found
    rows = db.execute(
        select(ActivityAttendee.activity_id, ActivityAttendee.student_id)
        .where(ActivityAttendee.activity_id.in_(ids))
        .order_by(ActivityAttendee.activity_id, ActivityAttendee.student_id)
    ).all()
    for activity_id, student_id in rows:
        found.setdefault(activity_id, []).append(student_id)
    return found


_Row = TypeVar("_Row")


def _in_scope(
    query: Select[_Row], principal: Principal, school_id: InstrumentedAttribute[int]
) -> Select[_Row]:
    """``query`` kept to rows whose ``school_id`` is in the caller's scope (``scope_school_ids``:
    an admin every school, a coach the assigned ones, anyone else none)."""
    ids = scope_school_ids(principal)
    return query if ids is None else query.where(school_id.in_(ids))


def list_activities(
    db: Session,
    principal: Principal,
    *,
    coach_id: int | None = None,
    school_id: int | None = None,
    student_id: int | None = None,
    school_year: str | None = None,
    category: ActivityCategory | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Activity]:
    """Entries of schools in the caller's scope, newest first, filtered by what is given.

    ``student_id`` matches an entry naming the student or listing them as present.
    """
    query = _in_scope(
        select(Activity).order_by(Activity.occurred_on.desc(), Activity.id.desc()),
        principal,
        Activity.school_id,
    )
    if coach_id is not None:
        query = query.where(Activity.coach_id == coach_id)
    if school_id is not None:
        query = query.where(Activity.school_id == school_id)
    if student_id is not None:
        present = select(ActivityAttendee.activity_id).where(
            ActivityAttendee.student_id == student_id
        )
        query = query.where((Activity.student_id == student_id) | Activity.id.in_(present))
    if school_year is not None:
        query = query.where(Activity.school_year == school_year)
    if category is not None:
        query = query.where(Activity.category == category.value)
    return list(db.execute(query.limit(limit).offset(offset)).scalars())


def caseload_students(
    db: Session, principal: Principal, school_id: int | None = None
) -> list[Student]:
    """Students of the caller's schools (admin: all), by school, grade and name, for pickers."""
    query = _in_scope(
        select(Student).order_by(
            Student.school_id, Student.grade, Student.first_name, Student.local_id
        ),
        principal,
        Student.school_id,
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return list(db.execute(query).scalars())


def schools_of(db: Session, principal: Principal) -> list[School]:
    """The schools the caller logs activities at (admin: all), by name."""
    query = _in_scope(select(School).order_by(School.name), principal, School.id)
    return list(db.execute(query).scalars())


# --- counting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    """One category's figures: entries, minutes, and students reached (see the module doc)."""

    entries: int = 0
    minutes: int = 0
    students_reached: int = 0


@dataclass(frozen=True)
class ActivityCounts:
    """Per-category figures and the totals; ``students_reached`` counts a student named in
    several categories once, and adds every group entry's attendee count."""

    by_category: dict[ActivityCategory, CategoryCount]
    entries: int
    minutes: int
    students_reached: int


def count_activities(
    db: Session,
    *,
    school_year: str | None = None,
    school_ids: Iterable[int] | None = None,
    coach_id: int | None = None,
    student_id: int | None = None,
) -> ActivityCounts:
    """Entries, minutes and students reached per category over the entries matching the filters
    (None = all). Callers decide scope: this counts whatever it is asked to."""
    where: list[Any] = []
    if school_year is not None:
        where.append(Activity.school_year == school_year)
    if school_ids is not None:
        where.append(Activity.school_id.in_(list(school_ids)))
    if coach_id is not None:
        where.append(Activity.coach_id == coach_id)
    if student_id is not None:
        where.append(Activity.student_id == student_id)
    totals = {
        category: (int(entries), int(minutes or 0))
        for category, entries, minutes in db.execute(
            select(Activity.category, func.count(), func.sum(Activity.minutes))
            .where(*where)
            .group_by(Activity.category)
        ).all()
    }
    named = dict(
        db.execute(
            select(Activity.category, func.count(func.distinct(Activity.student_id)))
            .where(*where, Activity.student_id.is_not(None))
            .group_by(Activity.category)
        ).all()
    )
    groups = dict(
        db.execute(
            select(Activity.category, func.sum(Activity.participants))
            .where(*where, Activity.student_id.is_(None))
            .group_by(Activity.category)
        ).all()
    )
    by_category = {
        category: CategoryCount(
            entries=totals.get(category.value, (0, 0))[0],
            minutes=totals.get(category.value, (0, 0))[1],
            students_reached=int(named.get(category.value, 0) or 0)
            + int(groups.get(category.value, 0) or 0),
        )
        for category in ActivityCategory
    }
    all_named = db.execute(
        select(func.count(func.distinct(Activity.student_id))).where(
            *where, Activity.student_id.is_not(None)
        )
    ).scalar_one()
    return ActivityCounts(
        by_category=by_category,
        entries=sum(c.entries for c in by_category.values()),
        minutes=sum(c.minutes for c in by_category.values()),
        students_reached=int(all_named or 0) + sum(int(v or 0) for v in groups.values()),
    )
