"""Every activity category the state counts (issue 14 item 3): the fields each needs, the date
window, who may change an entry, the counts the staff reports read, and the coach pages.

Expected values come from the rules restated here (a school year starts on 1 July; an activity
has happened, so its day is not after today nor before the start of the previous school year),
or are counted again from the stored rows; never read back from the code under test.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recommender.catalogue import get_catalogue
from service.activities import (
    CATEGORY_FIELDS,
    caseload_students,
    count_activities,
    list_activities,
    schools_of,
)
from service.auth import Principal, create_session
from service.choices import ActivityCategory
from service.db import session_scope
from service.tables import (
    ACTIVITY_CATEGORIES,
    Activity,
    ActivityAttendee,
    CoachSchool,
    Student,
    User,
)
from tests.service.conftest import World, count_rows, mississippi_today, post_page_form

TODAY = mississippi_today()
CURRENT_START = TODAY.year if TODAY.month >= 7 else TODAY.year - 1
PREVIOUS_FIRST_DAY = date(CURRENT_START - 1, 7, 1)
CURRENT_YEAR = f"{CURRENT_START}-{CURRENT_START + 1}"
NURSES = "29-1141.00"


def _valid(category: str, world: World) -> dict[str, Any]:
    """A body with every field ``category`` needs, filled as a coach would."""
    body: dict[str, Any] = {
        "school_id": world.school_a,
        "category": category,
        "occurred_on": TODAY.isoformat(),
        "minutes": 30,
        "notes": "talked it through",
    }
    extra: dict[str, dict[str, Any]] = {
        "one_on_one": {"student_id": world.student_a},
        "group_session": {
            "participants": 12,
            "topic": "Resumes",
            "attendee_ids": [world.student_a],
        },
        "planning_session": {"student_id": world.student_a, "topic": "FAFSA and applications"},
        "job_shadow": {
            "student_id": world.student_a,
            "employer": "Coast Hospital",
            "occupation_code": NURSES,
        },
        "job_application": {
            "student_id": world.student_a,
            "employer": "Coast Hospital",
            "occupation_code": "Registered Nurses",
        },
        "guest_speaker": {"organisation": "Gulf Coast CC", "participants": 80, "topic": "Welding"},
        "parent_conversation": {"student_id": world.student_a, "language": "Spanish"},
    }
    return {**body, **extra[category]}


#: The fields each category must have (restated from the issue, not read from the code).
REQUIRED = {
    "one_on_one": ["student_id"],
    "group_session": ["participants", "topic"],
    "planning_session": ["topic"],
    "job_shadow": ["student_id", "employer", "occupation_code"],
    "job_application": ["student_id", "employer", "occupation_code"],
    "guest_speaker": ["organisation", "participants", "topic"],
    "parent_conversation": ["student_id", "language"],
}
#: An empty value of each field (what a body without it holds).
EMPTY = {
    "student_id": None,
    "participants": None,
    "topic": "",
    "employer": "",
    "occupation_code": "",
    "organisation": "",
    "language": "",
}


def _log(client: TestClient, world: World, category: str) -> dict[str, Any]:
    """Coach A logs a valid ``category`` entry through the API (201); the entry as answered."""
    made = client.post("/activities", json=_valid(category, world), headers=world.headers("coach"))
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_one_definition_of_the_categories() -> None:
    assert tuple(c.value for c in ActivityCategory) == ACTIVITY_CATEGORIES
    assert set(CATEGORY_FIELDS) == set(ActivityCategory) == {ActivityCategory(c) for c in REQUIRED}
    assert len({c.label for c in ActivityCategory}) == len(ActivityCategory)


@pytest.mark.parametrize("role", ["admin", "coach", "staff", "student"])
def test_the_pickers_and_the_log_keep_to_the_callers_schools(
    app: FastAPI, world: World, role: str
) -> None:
    """An admin every school, a coach (of school A here) theirs, staff and students none."""
    schools = {"admin": {world.school_a, world.school_b}, "coach": {world.school_a}}.get(
        role, set()
    )
    principal = Principal(
        role=role,
        session_id=0,
        expires_at=datetime.now(UTC),
        school_ids=frozenset({world.school_a}) if role == "coach" else frozenset(),
    )
    with session_scope(app.state.sessionmaker) as db:
        assert {s.id for s in schools_of(db, principal)} == schools
        students = {s.school_id for s in caseload_students(db, principal)}
        entries = {a.school_id for a in list_activities(db, principal)}
    assert students == schools and entries == schools  # the world has both in each school


@pytest.mark.parametrize("category", [c.value for c in ActivityCategory])
def test_each_category_is_logged_with_its_fields_and_no_others(
    client: TestClient, world: World, category: str
) -> None:
    body = _valid(category, world)
    # a field the category does not use is sent too, and must not be stored
    body.setdefault("employer", "should not be kept")
    made = client.post("/activities", json=body, headers=world.headers("coach"))
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["school_year"] == CURRENT_YEAR and out["coach_id"] == world.coach_a
    uses = CATEGORY_FIELDS[ActivityCategory(category)]
    if "employer" not in uses:
        assert out["employer"] == ""
    if "occupation_code" in uses:
        assert out["occupation_code"] == NURSES  # given by code or by its catalogue title
    if out["student_id"] is not None:
        assert out["participants"] == 1
    again = client.get(f"/activities/{out['id']}", headers=world.headers("coach")).json()
    assert again == out


@pytest.mark.parametrize(
    ("category", "field"), [(c, f) for c, fields in REQUIRED.items() for f in fields]
)
def test_each_missing_field_is_refused_by_name_and_nothing_is_written(
    app: FastAPI, client: TestClient, world: World, category: str, field: str
) -> None:
    body = {**_valid(category, world), field: EMPTY[field]}
    if category == "planning_session" and field == "topic":
        body["student_id"] = world.student_a
    before = count_rows(app, Activity)
    refused = client.post("/activities", json=body, headers=world.headers("coach"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == f"body.{field}"
    assert count_rows(app, Activity) == before


def test_a_group_planning_session_needs_its_count(client: TestClient, world: World) -> None:
    body = {**_valid("planning_session", world), "student_id": None}
    refused = client.post("/activities", json=body, headers=world.headers("coach"))
    assert refused.json()["errors"][0]["field"] == "body.participants"
    made = client.post(
        "/activities", json={**body, "participants": 9}, headers=world.headers("coach")
    )
    assert made.status_code == 201 and made.json()["participants"] == 9


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"participants": 0}, "body.participants"),
        ({"minutes": -1}, "body.minutes"),
        ({"occupation_code": "99-9999.99"}, "body.occupation_code"),
        ({"occupation_code": "Dragon tamers"}, "body.occupation_code"),
        ({"occurred_on": "tomorrow"}, "body.occurred_on"),
        ({"occurred_on": (PREVIOUS_FIRST_DAY - timedelta(days=1)).isoformat()}, "body.occurred_on"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    app: FastAPI, client: TestClient, world: World, change: dict[str, Any], field: str
) -> None:
    category = "job_shadow" if "occupation_code" in change else "group_session"
    before = count_rows(app, Activity)
    if change.get("occurred_on") == "tomorrow":  # reckoned now, not when the tests were collected
        change = {"occurred_on": (mississippi_today() + timedelta(days=1)).isoformat()}
    body = {**_valid(category, world), **change}
    refused = client.post("/activities", json=body, headers=world.headers("coach"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert count_rows(app, Activity) == before


def test_the_first_day_of_the_previous_school_year_is_accepted(
    client: TestClient, world: World
) -> None:
    body = {**_valid("one_on_one", world), "occurred_on": PREVIOUS_FIRST_DAY.isoformat()}
    made = client.post("/activities", json=body, headers=world.headers("coach"))
    assert made.status_code == 201, made.text
    assert made.json()["school_year"] == f"{CURRENT_START - 1}-{CURRENT_START}"


def test_more_students_ticked_than_the_count_is_refused(
    app: FastAPI, client: TestClient, world: World
) -> None:
    with session_scope(app.state.sessionmaker) as db:
        extra = Student(school_id=world.school_a, local_id="A2", first_name="Cy", grade=9)
        db.add(extra)
        db.flush()
        extra_id = extra.id
    body = {
        **_valid("group_session", world),
        "participants": 1,
        "attendee_ids": [world.student_a, extra_id],
    }
    refused = client.post("/activities", json=body, headers=world.headers("coach"))
    assert refused.json()["errors"][0]["field"] == "body.participants"
    ok = client.post(
        "/activities", json={**body, "participants": 2}, headers=world.headers("coach")
    )
    assert sorted(ok.json()["attendee_ids"]) == sorted([world.student_a, extra_id])


def test_a_student_of_another_school_cannot_be_ticked(
    app: FastAPI, client: TestClient, world: World
) -> None:
    before = count_rows(app, Activity)
    body = {**_valid("group_session", world), "attendee_ids": [world.student_b]}
    refused = client.post("/activities", json=body, headers=world.headers("admin"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.attendee_ids"
    assert count_rows(app, Activity) == before


def _second_coach_at_school_a(app: FastAPI) -> str:
    with session_scope(app.state.sessionmaker) as db:
        user = User(username="coach_a2", display_name="A2", role="coach", password_hash="x")
        db.add(user)
        db.flush()
        db.add(CoachSchool(user_id=user.id, school_id=1))
        return create_session(db, role="coach", now=datetime.now(UTC), minutes=60, user_id=user.id)


def test_only_the_coach_who_logged_an_entry_or_an_admin_changes_it(
    app: FastAPI, client: TestClient, world: World
) -> None:
    made = _log(client, world, "one_on_one")
    path = f"/activities/{made['id']}"
    other = {"Authorization": f"Bearer {_second_coach_at_school_a(app)}"}
    assert client.get(path, headers=other).status_code == 200  # same school: may read it
    assert client.patch(path, json={"minutes": 5}, headers=other).status_code == 403
    assert client.delete(path, headers=other).status_code == 403
    assert (
        client.patch(path, json={"minutes": 5}, headers=world.headers("coach_b")).status_code == 404
    )
    assert client.get(path, headers=world.headers("coach")).json()["minutes"] == 30
    edited = client.patch(path, json={"minutes": 45}, headers=world.headers("coach"))
    assert edited.status_code == 200 and edited.json()["minutes"] == 45
    assert (
        client.patch(path, json={"minutes": 50}, headers=world.headers("admin")).status_code == 200
    )
    assert client.delete(path, headers=world.headers("admin")).status_code == 204
    assert client.get(path, headers=world.headers("coach")).status_code == 404


def test_an_edit_is_checked_whole(client: TestClient, world: World) -> None:
    made = _log(client, world, "one_on_one")
    path = f"/activities/{made['id']}"
    # turning a one-on-one into a job shadow needs the job shadow's fields
    refused = client.patch(path, json={"category": "job_shadow"}, headers=world.headers("coach"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.employer"
    # every missing field is named, not only the first
    named = {e["field"] for e in refused.json()["errors"]}
    assert {"body.employer", "body.occupation_code"} <= named, named
    fine = client.patch(
        path,
        json={"category": "job_shadow", "employer": "Port", "occupation_code": NURSES},
        headers=world.headers("coach"),
    )
    assert fine.status_code == 200 and fine.json()["category"] == "job_shadow"


def test_counts_match_the_rows_they_count(app: FastAPI, world: World) -> None:
    """Random entries in two years, counted again here from the rows by the stated rule."""
    rng = random.Random(14)
    with session_scope(app.state.sessionmaker) as db:
        students = [world.student_a]
        for k in range(5):
            s = Student(school_id=world.school_a, local_id=f"R{k}", first_name="R", grade=10)
            db.add(s)
            db.flush()
            students.append(s.id)
        for _ in range(60):
            category = rng.choice(list(ActivityCategory))
            single = category.value in (
                "one_on_one",
                "job_shadow",
                "job_application",
                "parent_conversation",
            ) or (category is ActivityCategory.PLANNING_SESSION and rng.random() < 0.5)
            day = rng.choice([date(CURRENT_START, 9, 1), date(CURRENT_START - 1, 9, 1)])
            db.add(
                Activity(
                    coach_id=world.coach_a,
                    school_id=world.school_a,
                    student_id=rng.choice(students) if single else None,
                    category=category.value,
                    occurred_on=day,
                    school_year=f"{day.year}-{day.year + 1}",
                    minutes=rng.randint(0, 90),
                    participants=1 if single else rng.randint(1, 40),
                )
            )
        db.flush()
        rows = list(
            db.execute(
                select(Activity).where(
                    Activity.school_year == CURRENT_YEAR, Activity.school_id == world.school_a
                )
            ).scalars()
        )
        counts = count_activities(db, school_year=CURRENT_YEAR, school_ids=[world.school_a])
    for category in ActivityCategory:
        mine = [r for r in rows if r.category == category.value]
        named = {r.student_id for r in mine if r.student_id is not None}
        groups = sum(r.participants for r in mine if r.student_id is None)
        got = counts.by_category[category]
        assert got.entries == len(mine)
        assert got.minutes == sum(r.minutes for r in mine)
        assert got.students_reached == len(named) + groups
    all_named = {r.student_id for r in rows if r.student_id is not None}
    assert counts.entries == len(rows)
    assert counts.students_reached == len(all_named) + sum(
        r.participants for r in rows if r.student_id is None
    )


def test_a_group_engagement_reaches_its_attendee_count(client: TestClient, world: World) -> None:
    """The report once said "Students reached 0" for group sessions."""
    body = {**_valid("group_session", world), "participants": 24}
    assert client.post("/activities", json=body, headers=world.headers("coach")).status_code == 201
    from service.activities import count_activities as count  # the staff reports call this

    app = client.app
    with session_scope(app.state.sessionmaker) as db:  # type: ignore[attr-defined]
        figures = count(db, school_year=CURRENT_YEAR, coach_id=world.coach_a)
    assert figures.by_category[ActivityCategory.GROUP_SESSION].students_reached == 24


# --- pages -----------------------------------------------------------------------------------


def _signed_in(client: TestClient, world: World, actor: str = "coach") -> TestClient:
    client.cookies.set("pathways_session", world.tokens[actor])
    return client


def test_the_log_page_lists_this_years_own_entries_with_post_buttons(
    client: TestClient, world: World
) -> None:
    _log(client, world, "guest_speaker")
    page = client.get("/coach/activities", headers=world.headers("coach"))
    assert page.status_code == 200
    assert "Gulf Coast CC" in page.text
    # the world's entry is from an earlier school year
    assert world.activity_day.isoformat() not in page.text
    forms = re.findall(
        r'<form method="post" action="/coach/activities/\d+/delete"[^>]*>(.*?)</form>',
        page.text,
        flags=re.S,
    )
    assert forms and all('name="csrf_token"' in f for f in forms)
    only = client.get("/coach/activities?category=one_on_one", headers=world.headers("coach"))
    assert "Gulf Coast CC" not in only.text


@pytest.mark.parametrize("category", [c.value for c in ActivityCategory])
def test_each_category_form_shows_its_fields_and_logs(
    app: FastAPI, client: TestClient, world: World, category: str
) -> None:
    browser = _signed_in(client, world)
    page = f"/coach/activities/new?category={category}"
    shown = browser.get(page)
    uses = CATEGORY_FIELDS[ActivityCategory(category)]
    for name in ("topic", "employer", "organisation", "language", "occupation_code"):
        assert (f'name="{name}"' in shown.text) == (name in uses), name
    body = {k: ("" if v is None else v) for k, v in _valid(category, world).items()}
    body = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in body.items()}
    before = count_rows(app, Activity)
    sent = post_page_form(browser, page, "/coach/activities/new", body, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:2000]
    assert count_rows(app, Activity) == before + 1


def test_a_refused_form_keeps_what_was_typed_and_names_each_field(
    app: FastAPI, client: TestClient, world: World
) -> None:
    browser = _signed_in(client, world)
    page = "/coach/activities/new?category=job_shadow"
    before = count_rows(app, Activity)
    sent = post_page_form(
        browser,
        page,
        "/coach/activities/new",
        {
            "student_id": str(world.student_a),
            "occurred_on": "2099-01-01",
            "minutes": "ten",
            "employer": "",
            "occupation_code": "Dragon tamers",
            "notes": "kept words",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 422
    for field in ("occurred_on", "minutes", "employer", "occupation_code"):
        assert f'id="{field}-error"' in sent.text, field
    assert 'value="2099-01-01"' in sent.text and 'value="Dragon tamers"' in sent.text
    assert ">kept words</textarea>" in sent.text
    assert count_rows(app, Activity) == before


def test_edit_and_delete_through_the_pages_ask_first(
    app: FastAPI, client: TestClient, world: World
) -> None:
    made = _log(client, world, "one_on_one")
    browser = _signed_in(client, world)
    edit = f"/coach/activities/{made['id']}/edit"
    form = browser.get(edit)
    assert (
        'value="talked it through"' not in form.text
        and ">talked it through</textarea>" in form.text
    )
    saved = post_page_form(
        browser,
        edit,
        edit,
        {"minutes": "55", "student_id": str(world.student_a), "occurred_on": TODAY.isoformat()},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert (
        client.get(f"/activities/{made['id']}", headers=world.headers("coach")).json()["minutes"]
        == 55
    )
    delete = f"/coach/activities/{made['id']}/delete"
    asked = post_page_form(browser, "/coach/activities", delete, {}, follow_redirects=False)
    assert asked.status_code == 200 and "Yes, delete it" in asked.text
    assert (
        client.get(f"/activities/{made['id']}", headers=world.headers("coach")).status_code == 200
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', asked.text)
    assert token is not None, "the question's form carries a token"
    done = browser.post(
        delete,
        data={"confirm": "yes", "csrf_token": token.group(1)},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (
        client.get(f"/activities/{made['id']}", headers=world.headers("coach")).status_code == 404
    )


def test_another_coachs_entry_cannot_be_edited_in_the_pages(
    app: FastAPI, client: TestClient, world: World
) -> None:
    made = _log(client, world, "one_on_one")
    other = {"Authorization": f"Bearer {_second_coach_at_school_a(app)}"}
    assert client.get(f"/coach/activities/{made['id']}/edit", headers=other).status_code == 403


def test_the_student_pages_session_form_names_a_missing_language(
    app: FastAPI, client: TestClient, world: World
) -> None:
    before = count_rows(app, Activity)

    def log_parent_conversation(**fields: str) -> Any:
        return client.post(
            f"/coach/students/{world.student_a}/sessions",
            data={
                "category": "parent_conversation",
                "occurred_on": TODAY.isoformat(),
                "minutes": "20",
                **fields,
            },
            headers=world.headers("coach"),
            follow_redirects=False,
        )

    page = log_parent_conversation(language="", notes="kept")
    assert page.status_code == 422
    assert 'id="session-error"' in page.text and "Language used:" in page.text
    assert ">kept</textarea>" in page.text
    assert count_rows(app, Activity) == before
    ok = log_parent_conversation(language="Spanish")
    assert ok.status_code == 303 and count_rows(app, Activity) == before + 1


def test_deleting_an_entry_removes_its_attendees(
    app: FastAPI, client: TestClient, world: World
) -> None:
    made = _log(client, world, "group_session")
    assert (
        client.delete(f"/activities/{made['id']}", headers=world.headers("coach")).status_code
        == 204
    )
    with session_scope(app.state.sessionmaker) as db:
        left = db.scalar(select(func.count()).select_from(ActivityAttendee))
    assert left == 0


def test_occupation_titles_offered_are_the_catalogues() -> None:
    from service.pages.activities import _occupation_titles

    assert set(_occupation_titles()) == set(get_catalogue().titles)
