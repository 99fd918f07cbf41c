"""The demo district seeded on first start: two schools, a coach each, staff, admin, students.

Everything here is invented for demonstration; the students are fictional. Passwords of the
demo accounts are printed once, at seeding, and are the same on every machine, so a real
deployment turns seeding off (``PATHWAYS_SEED_DEMO=false``) or changes them at once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date
from typing import Final

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from recommender.dimensions import PLANS
from recommender.instrument import load_instrument
from service.assessing import new_aptitude_seeds, score_stored
from service.db import utc_now
from service.models import Activity, Assessment, CoachSchool, School, Student, User
from service.schemas import school_year_of

logger = logging.getLogger(__name__)

DEMO_PASSWORD: Final = "pathways-demo"


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
    password_hash = hasher.hash(DEMO_PASSWORD)

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
        db.flush()
        db.add(CoachSchool(user_id=coach.id, school_id=school.id))
        for k, first in enumerate(_FIRST_NAMES[n - 1]):
            student = Student(
                school_id=school.id, local_id=f"S{n}{k + 1:03d}", first_name=first, grade=9 + k % 4
            )
            db.add(student)
            db.flush()
            if k < 4:  # four students per school have finished the assessment
                db.add(_completed_assessment(student.id, fips, seed=10 * n + k))
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
            )
        )
    db.flush()
    _store_demo_recommendations(db)
    return logins


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


def _completed_assessment(student_id: int, county_fips: str, *, seed: int) -> Assessment:
    """A submitted demo assessment: ratings leaning towards two interest areas, scored for real."""
    instrument = load_instrument()
    rng = random.Random(seed)
    liked = set(rng.sample(instrument.interests.scales, 2))
    interests = {
        item.id: min(5, max(1, (4 if item.scale in liked else 2) + rng.choice((-1, 0, 0, 1))))
        for item in instrument.interests.items
    }
    values = {item.id: rng.randint(2, 5) for item in instrument.values.items}
    answers = {
        "interests": interests,
        "values": values,
        "plan": PLANS[seed % len(PLANS)],
        "county_fips": county_fips,
        "will_commute": bool(seed % 2),
        "will_relocate": False,
    }
    seeds = new_aptitude_seeds(instrument)
    profile = score_stored(answers, seeds, instrument, get_catalogue().county_region)
    now = utc_now()
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
