"""Dates people supply lie in a sane window of school years, and the report survives rows that do
not (issue 12, item 10).

The window, restated here from the rule rather than read from the code: from 1 July 2000 to
30 June ending the school year after the current one (school years start on 1 July). An
activity has happened, so its own window is narrower: from 1 July starting the previous school
year to today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.school_years import school_year_of
from service.db import session_scope
from service.tables import Activity
from tests.service.conftest import Clock, World, count_rows, mississippi_date, mississippi_today

TODAY = mississippi_today()
CURRENT_START = TODAY.year if TODAY.month >= 7 else TODAY.year - 1
CURRENT_YEAR = f"{CURRENT_START}-{CURRENT_START + 1}"
FIRST_DAY = date(2000, 7, 1)
LAST_DAY = date(CURRENT_START + 2, 6, 30)
OCCUPATION = "29-1141.00"  # Registered Nurses, in the catalogue
ONE = timedelta(days=1)


def _activity(day: object, world: World) -> dict[str, object]:
    return {
        "school_id": world.school_a,
        "student_id": world.student_a,
        "category": "one_on_one",
        "occurred_on": day,
        "minutes": 5,
    }


def _activity_window(today: date) -> tuple[date, date]:
    """The days an activity may carry, restated from the rule: it has happened (not after
    today) and is not before 1 July starting the previous school year."""
    current_start = int(school_year_of(today)[:4])
    return date(current_start - 1, 7, 1), today


@pytest.mark.parametrize(
    "day",
    [
        "9999-12-31",
        "2031-01-01" if date(2031, 1, 1) > LAST_DAY else "9000-01-01",
        (LAST_DAY + timedelta(days=1)).isoformat(),
        (FIRST_DAY - timedelta(days=1)).isoformat(),
        "0001-01-01",
    ],
)
def test_an_activity_outside_the_window_is_422_naming_the_date(
    app: FastAPI, client: TestClient, world: World, day: str
) -> None:
    before = count_rows(app, Activity)
    refused = client.post("/activities", json=_activity(day, world), headers=world.headers("coach"))
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("body.occurred_on", "date_out_of_window")]
    assert day in errors[0]["message"]
    assert count_rows(app, Activity) == before


@pytest.mark.parametrize("edge", ["first", "last"])
def test_the_edges_of_the_window_are_accepted(
    app: FastAPI, client: TestClient, world: World, clock: Clock, edge: str
) -> None:
    """An activity's window is 1 July of the previous school year .. today (the app's clock):
    each edge is accepted, and the day just outside it is refused naming the date."""
    first, last = _activity_window(mississippi_date(clock.now))
    day, outside = (first, first - ONE) if edge == "first" else (last, last + ONE)
    before = count_rows(app, Activity)
    refused = client.post(
        "/activities", json=_activity(outside.isoformat(), world), headers=world.headers("coach")
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["body.occurred_on"]
    assert outside.isoformat() in refused.json()["errors"][0]["message"]
    assert count_rows(app, Activity) == before
    made = client.post(
        "/activities", json=_activity(day.isoformat(), world), headers=world.headers("coach")
    )
    assert made.status_code == 201, made.text
    start = day.year if day.month >= 7 else day.year - 1
    assert made.json()["school_year"] == f"{start}-{start + 1}"
    assert made.json()["occurred_on"] == day.isoformat()
    assert count_rows(app, Activity) == before + 1


def test_moving_an_activity_outside_the_window_is_refused(client: TestClient, world: World) -> None:
    path = f"/activities/{world.activity_a}"
    coach = world.headers("coach")
    before = client.get(path, headers=coach).json()
    refused = client.patch(path, json={"occurred_on": "9999-12-31"}, headers=coach)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.occurred_on"
    assert client.get(path, headers=coach).json() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"school_year": "2099-2100"}, "body.school_year"),
        ({"school_year": "1999-2000"}, "body.school_year"),
        ({"occurred_on": "9999-12-31"}, "body.occurred_on"),
    ],
)
def test_an_outcome_outside_the_window_is_refused(
    client: TestClient, world: World, change: dict[str, str], field: str
) -> None:
    body = {
        "code_kind": "occupation",
        "code": OCCUPATION,
        "grade": 1,
        "event_type": "job_shadow",
        "school_year": CURRENT_YEAR,
        **change,
    }
    refused = client.post(
        f"/students/{world.student_a}/outcomes", json=body, headers=world.headers("coach")
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]


@pytest.mark.parametrize("day", ["9999-12-31", "0", "2025-02-30", "next tuesday"])
def test_the_session_form_refuses_a_bad_date_with_a_message_and_keeps_the_text(
    app: FastAPI, client: TestClient, world: World, day: str
) -> None:
    before = count_rows(app, Activity)
    page = client.post(
        f"/coach/students/{world.student_a}/sessions",
        data={"category": "one_on_one", "occurred_on": day, "minutes": "30", "notes": "kept"},
        headers=world.headers("coach"),
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="session-error"' in page.text and "Date:" in page.text
    assert f'value="{day}"' in page.text and ">kept</textarea>" in page.text
    assert count_rows(app, Activity) == before


def test_the_session_form_still_logs_a_good_date(
    app: FastAPI, client: TestClient, world: World
) -> None:
    before = count_rows(app, Activity)
    page = client.post(
        f"/coach/students/{world.student_a}/sessions",
        data={"category": "one_on_one", "occurred_on": TODAY.isoformat(), "minutes": "30"},
        headers=world.headers("coach"),
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    assert count_rows(app, Activity) == before + 1


def test_the_report_ignores_stored_rows_outside_the_window(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """Rows written before the window existed (far future, malformed year) never break the
    report, and the default year is the current school year."""
    with session_scope(app.state.sessionmaker) as db:
        for day, year in ((date(9999, 12, 31), "9999-1000"), (date(2031, 1, 1), "2030-2031")):
            db.add(
                Activity(
                    coach_id=world.coach_a,
                    school_id=world.school_a,
                    category="one_on_one",
                    occurred_on=day,
                    school_year=year,
                    minutes=5,
                    participants=1,
                    notes="",
                )
            )
    staff = world.headers("staff")
    page = client.get("/staff/report", headers=staff)
    assert page.status_code == 200, page.text
    assert f"Activity report {CURRENT_YEAR}" in page.text
    assert "9999-1000" not in page.text
    if CURRENT_START + 1 < 2030:
        assert "2030-2031" not in page.text
    assert client.get(
        "/reports/activity", params={"school_year": CURRENT_YEAR}, headers=staff
    ).is_success
    far = client.get("/reports/activity", params={"school_year": "9998-9999"}, headers=staff)
    assert far.status_code == 422
    assert far.json()["errors"][0]["field"] == "query.school_year"


@pytest.mark.parametrize(
    ("moment", "day", "year"),
    [
        # 7:30 pm on 7 December in Mississippi (CST, UTC-6): an evening entry is not tomorrow's
        (datetime(2026, 12, 8, 1, 30, tzinfo=UTC), date(2026, 12, 7), "2026-2027"),
        # 11:30 pm on 30 June (CDT, UTC-5): still the school year that is ending
        (datetime(2026, 7, 1, 4, 30, tzinfo=UTC), date(2026, 6, 30), "2025-2026"),
        # half past midnight on 1 July in Mississippi: the new school year
        (datetime(2026, 7, 1, 5, 30, tzinfo=UTC), date(2026, 7, 1), "2026-2027"),
    ],
)
def test_today_is_mississippis_date_not_utcs(moment: datetime, day: date, year: str) -> None:
    from service.schemas import today

    assert today(moment) == day
    assert school_year_of(today(moment)) == year
