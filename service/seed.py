"""The demo district: two schools, a coach each, staff, admin, students.

Everything here is invented for demonstration; the students are fictional. Passwords of the
demo accounts are printed once, at seeding, and are the same on every machine. ``pathways
serve`` seeds it into an empty database only when asked (``--demo``, ``PATHWAYS_SEED_DEMO=true``)
or with the embedded SQLite default (``Settings.seeds_demo``), never silently into a database
named by URL; a real deployment creates its first admin with ``pathways create-admin``.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import numpy as np
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.aptitude_items import compute_item_parameters
from recommender.catalogue import get_catalogue
from recommender.dimensions import PLANS
from recommender.instrument import Instrument, load_instrument
from recommender.school_years import today as local_today
from service.assessing import finish_subtest, issue_subtest, merge_answers, score_stored
from service.db import utc_now
from service.schemas import school_year_of
from service.tables import (
    Activity,
    ActivityAttendee,
    Assessment,
    CoachSchool,
    School,
    Student,
    User,
)

logger = logging.getLogger(__name__)

DEMO_PASSWORD: Final = "pathways-demo"
#: ``DEMO_PASSWORD`` hashed once with the service's default argon2id cost (``Settings``'
#: ``argon2_*``), so a start does not spend a hash on a password printed on every machine
#: anyway; a hasher with other parameters hashes it afresh (``_demo_password_hash``).
DEMO_PASSWORD_HASH: Final = (
    "$argon2id$v=19$m=65536,t=3,p=4$Hg4JMgb5fmQSiwF7yHO/2Q"
    "$6HAaJWX79oHyZD/l13ReIOqS8ovswnAKJQE80Uz5t9M"
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print after seeding."""

    username: str
    role: str
    password: str


_SCHOOLS: Final = (
    # name, district, county FIPS, OEWS area code of that county
    ("Magnolia Coast High School", "Demo Gulf District", "28047", "0025060"),
    ("Natchez Trace High School", "Demo Northeast District", "28081", "2800006"),
)
_FIRST_NAMES: Final = (
    ("Avery", "Jordan", "Kendall", "Micah", "Reese", "Tatum"),
    ("Emerson", "Harper", "Logan", "Quinn", "Rowan", "Skyler"),
)


def seed_demo_district(db: Session, hasher: PasswordHasher) -> list[DemoLogin] | None:
    """Fill an empty database with the demo district; returns the logins, or None if not empty."""
    if db.execute(select(func.count()).select_from(User)).scalar_one() > 0:
        return None
    logins: list[DemoLogin] = []
    password_hash = _demo_password_hash(hasher)

    def account(username: str, name: str, role: str) -> User:
        user = User(username=username, display_name=name, role=role, password_hash=password_hash)
        db.add(user)
        logins.append(DemoLogin(username, role, DEMO_PASSWORD))
        return user

    account("admin", "Demo Administrator", "admin")
    account("staff", "Demo Curriculum Staff", "staff")
    db.flush()
    for n, (name, district, fips, region) in enumerate(_SCHOOLS, start=1):
        school = School(name=name, district=district, county_fips=fips, region_code=region)
        db.add(school)
        coach = account(f"coach{n}", f"Demo Coach {n}", "coach")
        coach.organisation = _demo_organisation(fips, n)  # the staff reports sum by employer
        db.flush()
        db.add(CoachSchool(user_id=coach.id, school_id=school.id))
        for k, first in enumerate(_FIRST_NAMES[n - 1]):
            student = Student(
                school_id=school.id, local_id=f"S{n}{k + 1:03d}", first_name=first, grade=9 + k % 4
            )
            db.add(student)
            db.flush()
            if k < 4:  # four students per school have finished the assessment
                db.add(_completed_assessment(student.id, fips, student.grade, seed=10 * n + k))
        day = date(2025, 9, 15 + n)
        db.add(
            Activity(
                coach_id=coach.id,
                school_id=school.id,
                category="group_session",
                occurred_on=day,
                school_year=school_year_of(day),
                minutes=45,
                participants=24,
                notes="Career interest overview for 9th grade",
                topic="Career interest overview",
            )
        )
        db.flush()
        _seed_demo_activities(db, coach.id, school.id, n)
    db.flush()
    _store_demo_recommendations(db)
    return logins


def _demo_password_hash(hasher: PasswordHasher) -> str:
    """``DEMO_PASSWORD_HASH`` when ``hasher`` would not rehash it (same type and cost), else a
    new hash of ``DEMO_PASSWORD`` with ``hasher``."""
    if hasher.check_needs_rehash(DEMO_PASSWORD_HASH):
        return hasher.hash(DEMO_PASSWORD)
    return DEMO_PASSWORD_HASH


def _seed_demo_activities(db: Session, coach_id: int, school_id: int, n: int) -> None:
    """One demo entry of every activity category in the current school year, by ``coach_id``
    (dates before today, so each can be edited as logged)."""
    today = local_today()
    first_day = date(int(school_year_of(today)[:4]), 7, 1)
    students = list(
        db.execute(
            select(Student.id).where(Student.school_id == school_id).order_by(Student.id)
        ).scalars()
    )
    occupation = "47-2111.00" if n == 1 else "29-1141.00"  # electricians; registered nurses
    entries: list[dict[str, Any]] = [
        {"category": "one_on_one", "student_id": students[0], "minutes": 30},
        {
            "category": "group_session",
            "participants": 18,
            "topic": "Reading a job posting",
            "minutes": 45,
            "attendees": students[:3],
        },
        {
            "category": "planning_session",
            "student_id": students[1],
            "topic": "Community college application and FAFSA",
            "minutes": 40,
        },
        {
            "category": "job_shadow",
            "student_id": students[2],
            "employer": "Demo Regional Hospital" if n == 2 else "Demo Electric Co-op",
            "occupation_code": occupation,
            "minutes": 240,
        },
        {
            "category": "job_application",
            "student_id": students[3],
            "employer": "Demo Shipyard" if n == 1 else "Demo Furniture Works",
            "occupation_code": "51-4121.00",  # welders, cutters, solderers and brazers
            "minutes": 20,
        },
        {
            "category": "guest_speaker",
            "organisation": "Demo Community College",
            "participants": 60,
            "topic": "Two-year programmes that lead to jobs here",
            "minutes": 50,
        },
        {
            "category": "parent_conversation",
            "student_id": students[0],
            "language": "Spanish" if n == 1 else "English",
            "minutes": 15,
        },
    ]
    for k, entry in enumerate(entries):
        attendees = entry.pop("attendees", [])
        day = max(first_day, today - timedelta(days=2 * k + n))
        activity = Activity(
            coach_id=coach_id,
            school_id=school_id,
            occurred_on=day,
            school_year=school_year_of(day),
            notes="Demo entry",
            **entry,
        )
        db.add(activity)
        db.flush()
        for student_id in attendees:
            db.add(ActivityAttendee(activity_id=activity.id, student_id=student_id))


def _demo_organisation(county_fips: str, n: int) -> str:
    """A demo coach's employer: the county's community college district for the first coach,
    its workforce area for the second (Mississippi coaches are employed by either)."""
    catalogue = get_catalogue()
    colleges = catalogue.college_districts.get(county_fips, ())
    if n % 2 == 1 and colleges:
        return catalogue.colleges[colleges[0]].name
    return catalogue.county_wioa.get(county_fips, "Demo workforce area")


def _store_demo_recommendations(db: Session) -> None:
    """Store the default recommendation of every demo student who finished the assessment.

    Skipped (they are then computed on first view) when no model can be loaded.
    """
    from recommender.errors import PathwaysError
    from service.problems import ServiceUnavailableError
    from service.recommending import ModelHolder, recommend_for_student

    holder = ModelHolder()
    finished = db.execute(
        select(Student)
        .where(
            Student.id.in_(select(Assessment.student_id).where(Assessment.status == "submitted"))
        )
        .order_by(Student.id)
    ).scalars()
    try:
        for student in finished:
            recommend_for_student(db, holder, student)
    except (PathwaysError, ServiceUnavailableError) as exc:
        logger.warning("demo recommendations not stored: %s", type(exc).__name__)


def _issue_and_answer(
    instrument: Instrument,
    seeds: dict[str, Any],
    rng: random.Random,
    ability: float,
    now: datetime,
) -> dict[str, dict[str, int]]:
    """Issue every subtest as the assessment page does and answer it like a student would.

    Each item is right with probability ``g + (1 - g) * logistic(theta - b)``: ``theta`` is the
    student's ability plus a per-subtest wobble, ``b`` the item's difficulty, ``g`` one over its
    option count (a guess). A wrong answer is another option at random. Power subtests are
    answered through to the end; the timed perceptual-speed subtest only as far as the
    student's pace allows. ``seeds`` is updated in place as the real flow updates it.
    """
    responses: dict[str, dict[str, int]] = {}
    for spec in instrument.subtests:
        items, block = issue_subtest(instrument, seeds, spec.id, now)
        seeds[spec.id] = block
        params = compute_item_parameters(spec.id, int(block["seed"]), np.arange(len(items)))
        theta = ability + rng.gauss(0.0, 0.5)
        reached = len(items)
        if spec.id == "perceptual_speed":
            reached = max(
                spec.min_answered, min(len(items), round(len(items) * (0.88 + 0.08 * theta)))
            )
        given: dict[str, int] = {}
        for item in items[:reached]:
            j = int(item["index"])
            key, n_options = int(params.key[j]), len(item["options"])
            guess = 1.0 / n_options
            right = guess + (1.0 - guess) / (1.0 + math.exp(float(params.difficulty[j]) - theta))
            if rng.random() < right:
                given[str(j)] = key
            else:
                given[str(j)] = rng.choice([o for o in range(n_options) if o != key])
        responses[spec.id] = given
    return responses


def _school_records(rng: random.Random, ability: float, grade: int) -> dict[str, float | int]:
    """Records a counsellor might hold: GPA from grade 10, ACT from 11, WorkKeys for some."""
    records: dict[str, float | int] = {}
    if grade >= 10:
        gpa = min(4.0, max(1.2, 2.9 + 0.45 * ability + rng.gauss(0.0, 0.25)))
        records["gpa_unweighted"] = round(gpa, 2)
    if grade >= 11:
        composite = min(36, max(12, round(19 + 3.5 * ability + rng.gauss(0.0, 1.5))))
        records["act_composite"] = composite
        for part in ("act_english", "act_math", "act_reading", "act_science"):
            records[part] = min(36, max(10, composite + round(rng.gauss(0.0, 2.0))))
        if rng.random() < 0.5:
            for part in (
                "workkeys_applied_math",
                "workkeys_graphic_literacy",
                "workkeys_workplace_documents",
            ):
                records[part] = min(7, max(3, round(4.5 + ability + rng.gauss(0.0, 0.6))))
    return records


def _completed_assessment(
    student_id: int, county_fips: str, grade: int, *, seed: int
) -> Assessment:
    """A submitted demo assessment scored for real: interests leaning towards two areas, values,
    every aptitude subtest issued and answered at the student's own level, school records
    for some; the same ``seed`` always gives the same answers.
    """
    instrument = load_instrument()
    rng = random.Random(seed)
    liked = set(rng.sample(instrument.interests.scales, 2))
    interests = {
        item.id: min(5, max(1, (4 if item.scale in liked else 2) + rng.choice((-1, 0, 0, 1))))
        for item in instrument.interests.items
    }
    values = {item.id: rng.randint(2, 5) for item in instrument.values.items}
    ability = rng.gauss(0.0, 0.8)
    now = utc_now()
    # a stored seed per subtest, as new_aptitude_seeds makes them, but from the demo's RNG
    seeds: dict[str, Any] = {
        s.id: {"seed": rng.getrandbits(63), "issued": 0} for s in instrument.subtests
    }
    patch: dict[str, Any] = {
        "interests": interests,
        "values": values,
        "plan": PLANS[seed % len(PLANS)],
        "county_fips": county_fips,
        "will_commute": bool(seed % 2),
        "will_relocate": False,
        "aptitude": _issue_and_answer(instrument, seeds, rng, ability, now),
        "records": _school_records(rng, ability, grade),
    }
    answers = merge_answers({}, patch, instrument, seeds, now)
    for spec in instrument.subtests:
        seeds[spec.id] = finish_subtest(instrument, seeds, spec.id)
    profile = score_stored(answers, seeds, instrument, get_catalogue().county_region)
    return Assessment(
        student_id=student_id,
        instrument_version=instrument.version,
        language="en",
        status="submitted",
        answers=answers,
        aptitude_seeds=seeds,
        profile=profile,
        client_key=f"demo-{seed}",
        started_at=now,
        updated_at=now,
        submitted_at=now,
    )
