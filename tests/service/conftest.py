"""Fixtures for the service tests: a migrated database (SQLite, or PostgreSQL when
PATHWAYS_TEST_DATABASE_URL is set), an app bound to it, and a small two-school world.

With PATHWAYS_TEST_DATABASE_URL set, each test session works in a schema of its own, so
parallel runs on one server do not collide; an unusable URL makes the tests fail, not skip.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from recommender.instrument import load_instrument
from service.app import create_app
from service.assessing import new_aptitude_seeds
from service.auth import create_session, issue_access_code, make_password_hasher
from service.db import Base, make_engine, session_scope
from service.deps import get_now
from service.migrate import upgrade_database
from service.settings import Settings
from service.state import ACTIVE_MODEL_KEY
from service.tables import (
    Activity,
    Assessment,
    CoachSchool,
    Outcome,
    School,
    ServiceSetting,
    Student,
    User,
)

TEST_URL_VARIABLE = "PATHWAYS_TEST_DATABASE_URL"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty database private to this test session."""
    with empty_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@contextlib.contextmanager
def empty_database(folder: Path) -> Iterator[str]:
    """A URL of a new, empty database on the tests' backend: a SQLite file in ``folder``, or a
    schema of its own on the PATHWAYS_TEST_DATABASE_URL server (dropped afterwards)."""
    server = os.environ.get(TEST_URL_VARIABLE)
    if not server:
        yield f"sqlite:///{folder / 'service.sqlite3'}"
        return
    schema = f"pathways_test_{secrets.token_hex(6)}"
    admin = create_engine(server)
    with admin.begin() as conn:  # an unusable URL fails here: the tests error, never skip
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    """The session database, migrated to the newest revision."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    return database_url


def make_settings(url: str, tmp: Path, **extra: object) -> Settings:
    """Test settings: cheap password hashing, no demo seed, plain logs, cookies for http."""
    values: dict[str, object] = {
        "database_url": url,
        "var_dir": tmp,
        "seed_demo": False,
        "log_json": False,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "login_free_failures": 3,
        # the test client speaks plain http; "auto" would mark cookies Secure on PostgreSQL
        "cookie_secure": False,
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


def clear_tables(url: str) -> None:
    """Empty every table and restore the active-model row (fast on both databases)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
        conn.execute(
            ServiceSetting.__table__.insert().values(
                key=ACTIVE_MODEL_KEY, value=None, updated_at=datetime.now(UTC)
            )
        )
    engine.dispose()


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    clear_tables(migrated_url)
    return make_settings(migrated_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


#: The peer address the test client reports: a browser on the service's own machine, as
#: ``pathways serve`` on 127.0.0.1 sees one (loopback-only routes such as /metrics answer it).
LOCAL_CLIENT = ("127.0.0.1", 50000)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=LOCAL_CLIENT) as test_client:
        yield test_client


#: Mississippi's time zone, restated here from the rule: the service reckons "today" in it.
MISSISSIPPI = ZoneInfo("America/Chicago")


def mississippi_date(moment: datetime) -> date:
    """The date in Mississippi at ``moment`` (aware): the day the service reckons from it."""
    return moment.astimezone(MISSISSIPPI).date()


def mississippi_today() -> date:
    """Today's date in Mississippi, the day the service's date window is reckoned from."""
    return mississippi_date(datetime.now(UTC))


def activity_days(today: date) -> tuple[date, date]:
    """Two days an activity may carry whenever the tests run (its window is 1 July starting the
    previous school year .. today, restated here from the rule): 1 October of the previous
    school year, and 1 July starting the current one."""
    current_start = today.year if today.month >= 7 else today.year - 1
    return date(current_start - 1, 10, 1), date(current_start, 7, 1)


def school_year(day: date) -> str:
    """The school year of a day, restated from the rule (years start on 1 July)."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


class Clock:
    """A movable clock installed as the app's ``get_now`` dependency (the ``clock`` fixture)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    clock = Clock()
    app.dependency_overrides[get_now] = lambda: clock.now
    yield clock
    app.dependency_overrides.pop(get_now, None)


@dataclass
class World:
    """Two schools (A, B), a coach each, staff, admin, a student each with records, and tokens."""

    school_a: int = 0
    school_b: int = 0
    coach_a: int = 0
    coach_b: int = 0
    staff: int = 0
    admin: int = 0
    student_a: int = 0
    student_b: int = 0
    activity_a: int = 0
    activity_b: int = 0
    outcome_a: int = 0
    outcome_b: int = 0
    assessment_a: int = 0
    assessment_b: int = 0
    access_code_a: str = ""
    #: the day of the world's two activities: 1 October of the previous school year
    activity_day: date = date(2000, 10, 1)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, actor: str) -> dict[str, str]:
        """Authorization header of an actor (anon: none)."""
        token = self.tokens.get(actor)
        return {"Authorization": f"Bearer {token}"} if token else {}


def complete_answers() -> dict[str, Any]:
    """Answers with every interest and value item rated 3 and a plan: enough to score."""
    instrument = load_instrument()
    return {
        "interests": {item.id: 3 for item in instrument.interests.items},
        "values": {item.id: 3 for item in instrument.values.items},
        "plan": "community_college",
        "county_fips": "28047",
    }


def build_world(app: FastAPI) -> World:
    """Insert the world through the ORM and open a session for each actor."""
    world = World()
    instrument = load_instrument()
    now = datetime.now(UTC)
    activity_day = world.activity_day = activity_days(mississippi_date(now))[0]
    hasher = make_password_hasher(app.state.settings)
    password_hash = hasher.hash(PASSWORD)
    with session_scope(app.state.sessionmaker) as db:
        schools = [
            School(name="Alpha High", district="D1", county_fips="28047", region_code="0025060"),
            School(name="Beta High", district="D2", county_fips="28081", region_code="2800006"),
        ]
        db.add_all(schools)
        users = {
            name: User(username=name, display_name=name, role=role, password_hash=password_hash)
            for name, role in (
                ("coach_a", "coach"),
                ("coach_b", "coach"),
                ("staff", "staff"),
                ("admin", "admin"),
            )
        }
        db.add_all(users.values())
        db.flush()
        db.add(CoachSchool(user_id=users["coach_a"].id, school_id=schools[0].id))
        db.add(CoachSchool(user_id=users["coach_b"].id, school_id=schools[1].id))
        students = [
            Student(school_id=schools[0].id, local_id="A1", first_name="Ada", grade=10),
            Student(school_id=schools[1].id, local_id="B1", first_name="Bo", grade=11),
        ]
        db.add_all(students)
        db.flush()
        acts, outs, sits = [], [], []
        for school, student, coach in zip(
            schools, students, (users["coach_a"], users["coach_b"]), strict=True
        ):
            acts.append(
                Activity(
                    coach_id=coach.id,
                    school_id=school.id,
                    student_id=student.id,
                    category="one_on_one",
                    occurred_on=activity_day,
                    school_year=school_year(activity_day),
                    minutes=30,
                    participants=1,
                )
            )
            outs.append(
                Outcome(
                    student_id=student.id,
                    code_kind="occupation",
                    code="29-1141.00",
                    grade=1,
                    event_type="job_shadow",
                    school_year="2025-2026",
                )
            )
            sits.append(
                Assessment(
                    student_id=student.id,
                    instrument_version=instrument.version,
                    answers=complete_answers(),
                    aptitude_seeds=new_aptitude_seeds(instrument),
                )
            )
        db.add_all(acts + outs + sits)
        db.flush()
        world.school_a, world.school_b = schools[0].id, schools[1].id
        world.coach_a, world.coach_b = users["coach_a"].id, users["coach_b"].id
        world.staff, world.admin = users["staff"].id, users["admin"].id
        world.student_a, world.student_b = students[0].id, students[1].id
        world.activity_a, world.activity_b = acts[0].id, acts[1].id
        world.outcome_a, world.outcome_b = outs[0].id, outs[1].id
        world.assessment_a, world.assessment_b = sits[0].id, sits[1].id
        for name in ("coach_a", "staff", "admin"):
            user = users[name]
            world.tokens[name.removesuffix("_a")] = create_session(
                db, role=user.role, now=now, minutes=60, user_id=user.id
            )
        world.tokens["coach_b"] = create_session(
            db, role="coach", now=now, minutes=60, user_id=users["coach_b"].id
        )
        world.tokens["student"] = create_session(
            db, role="student", now=now, minutes=60, student_id=students[0].id
        )
        world.access_code_a, _ = issue_access_code(
            db, student_id=students[0].id, issued_by=users["coach_a"].id, now=now, minutes=60
        )
    return world


@pytest.fixture
def world(app: FastAPI) -> World:
    return build_world(app)


#: What a browser sends as Origin for a page of the test client's site (http://testserver).
SITE_ORIGIN = "http://testserver"
_TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def count_rows(app: FastAPI, table: type[Base]) -> int:
    """How many rows ``table`` holds in the app's database."""
    with session_scope(app.state.sessionmaker) as db:
        return int(db.execute(select(func.count()).select_from(table)).scalar_one())


def submit_assessment_a(client: TestClient, world: World) -> None:
    """Student A submits the world's assessment (its answers are complete) through the API."""
    done = client.post(
        f"/assessments/{world.assessment_a}/submit",
        json={"client_key": "world-a-submit"},
        headers=world.headers("student"),
    )
    assert done.status_code == 200, done.text


def page_form_token(client: TestClient, page: str, **kwargs: Any) -> str:
    """Open ``page`` as a browser would and read the CSRF token its forms (or meta tag) carry."""
    response = client.get(page, **kwargs)
    assert response.status_code == 200, (page, response.status_code)
    found = _TOKEN_FIELD.search(response.text) or _TOKEN_META.search(response.text)
    assert found is not None, f"{page} carries no CSRF token"
    return found.group(1)


def post_page_form(
    client: TestClient, page: str, action: str, data: dict[str, Any], **kwargs: Any
) -> Any:
    """Open ``page``, then send its form for ``action`` the way a browser does: the form's hidden
    fields (its token among them) with ``data``, ``Origin`` of the site, the page as Referer."""
    extra = kwargs.pop("headers", {})
    shown = client.get(page, headers=extra)
    assert shown.status_code == 200, (page, shown.status_code)
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", shown.text, flags=re.S)
    fields = [body for attrs, body in forms if f'action="{action}"' in attrs]
    assert fields, f"{page} has no form sending to {action}"
    hidden = {
        html.unescape(name): html.unescape(value) for name, value in _HIDDEN.findall(fields[0])
    }
    assert "csrf_token" in hidden, f"the form of {page} sending to {action} carries no token"
    origin = str(client.base_url).rstrip("/")  # SITE_ORIGIN unless the client says otherwise
    headers = {"Origin": origin, "Referer": f"{origin}{page}", **extra}
    return client.post(action, data={**hidden, **data}, headers=headers, **kwargs)


def sign_in_page(
    client: TestClient, username: str, password: str = PASSWORD, *, page: str = "/sign-in"
) -> Any:
    """Sign in through the form of ``page`` (/sign-in, maybe with ``?next=``) like a browser;
    the client keeps the cookies."""
    sent = post_page_form(client, page, "/sign-in", {"username": username, "password": password})
    return sent


#: The page each actor of ``World`` opens first, where a browser finds its form token.
HOME_PAGES = {
    "anon": "/sign-in",
    "student": "/assessment",
    "coach": "/coach",
    "coach_b": "/coach",
    "staff": "/staff",
    "admin": "/coach",
}


class BrowserForms:
    """A test client that sends forms as a browser does: with the token of the page it opened
    (``home``) and the site's Origin. Everything else is the wrapped client."""

    def __init__(self, client: TestClient, home: str) -> None:
        self.client = client
        self.token = page_form_token(client, home)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        headers = {"Origin": SITE_ORIGIN, **kwargs.pop("headers", {})}
        form = {**(data or {}), "csrf_token": self.token}
        return self.client.post(path, data=form, headers=headers, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)
