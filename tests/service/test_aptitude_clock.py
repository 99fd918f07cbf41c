"""The server-side clock of aptitude subtests, and school records entered before or after submit.

Only ``POST …/aptitude/{subtest}/start`` starts a clock; a GET reads a started one again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.dimensions import APTITUDES
from recommender.instrument import load_instrument
from service.assessing import GRACE_SECONDS
from service.db import session_scope
from service.deps import get_now
from service.tables import Assessment
from tests.service.conftest import World, complete_answers


class Clock:
    """A movable request clock for the app."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _setup(app: FastAPI, world: World) -> tuple[Clock, str, dict[str, str]]:
    clock = Clock()
    app.dependency_overrides[get_now] = clock
    return clock, f"/assessments/{world.assessment_a}", world.headers("student")


def _answer(client: TestClient, base: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.put(f"{base}/answers", json=body, headers=headers)


def test_answers_count_only_between_issue_and_the_time_limit(
    app: FastAPI, client: TestClient, world: World
) -> None:
    clock, base, headers = _setup(app, world)
    spatial = load_instrument().subtest("spatial")
    early = _answer(client, base, headers, {"aptitude": {"spatial": {"0": 1}}})
    assert early.status_code == 422
    assert early.json()["errors"][0] == {
        "field": "body.aptitude.spatial",
        "message": "this task has not been started",
    }
    issued = client.post(f"{base}/aptitude/spatial/start", headers=headers).json()
    assert issued["remaining_s"] == issued["time_limit_s"] == spatial.time_limit_s
    assert not issued["finished"]
    assert _answer(client, base, headers, {"aptitude": {"spatial": {"0": 1}}}).status_code == 200

    clock.now += timedelta(seconds=30)
    again = client.get(f"{base}/aptitude/spatial", headers=headers).json()
    assert again["remaining_s"] == spatial.time_limit_s - 30, "a reload resumes the same clock"
    assert again["items"] == issued["items"]
    restarted = client.post(f"{base}/aptitude/spatial/start", headers=headers).json()
    assert restarted["remaining_s"] == spatial.time_limit_s - 30, "start again: the same clock"

    clock.now += timedelta(seconds=spatial.time_limit_s + GRACE_SECONDS)
    late = _answer(client, base, headers, {"aptitude": {"spatial": {"1": 2}}})
    assert late.status_code == 422
    assert late.json()["errors"][0]["message"] == "the time for this task is over"
    resent = _answer(client, base, headers, {"aptitude": {"spatial": {"0": 1}}})
    assert resent.status_code == 200, "an unchanged answer resent after the limit is kept"
    assert resent.json()["answers"]["aptitude"]["spatial"] == {"0": 1}
    over = client.get(f"{base}/aptitude/spatial", headers=headers).json()
    assert over["remaining_s"] == 0 and over["finished"]
    app.dependency_overrides.clear()


def test_a_get_never_starts_a_clock(app: FastAPI, client: TestClient, world: World) -> None:
    clock, base, headers = _setup(app, world)
    with session_scope(app.state.sessionmaker) as db:
        before = dict(db.get(Assessment, world.assessment_a).aptitude_seeds)
    read = client.get(f"{base}/aptitude/mechanical", headers=headers)
    assert read.status_code == 409
    assert "has not been started" in read.json()["detail"]
    assert "items" not in read.json()
    with session_scope(app.state.sessionmaker) as db:
        assert db.get(Assessment, world.assessment_a).aptitude_seeds == before
    refused = _answer(client, base, headers, {"aptitude": {"mechanical": {"0": 1}}})
    assert refused.json()["errors"][0]["message"] == "this task has not been started"
    clock.now += timedelta(minutes=30)  # a GET long before does not eat into the time
    started = client.post(f"{base}/aptitude/mechanical/start", headers=headers).json()
    assert started["remaining_s"] == load_instrument().subtest("mechanical").time_limit_s
    app.dependency_overrides.clear()


def test_finishing_a_subtest_closes_it_and_bad_item_numbers_are_named(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _, base, headers = _setup(app, world)
    items = load_instrument().subtest("quantitative").items
    client.post(f"{base}/aptitude/quantitative/start", headers=headers)
    beyond = _answer(client, base, headers, {"aptitude": {"quantitative": {str(items): 0}}})
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["field"] == f"body.aptitude.quantitative.{items}"
    done = client.post(f"{base}/aptitude/quantitative/finish", headers=headers)
    assert done.status_code == 200 and done.json()["finished"]
    after = _answer(client, base, headers, {"aptitude": {"quantitative": {"0": 1}}})
    assert after.status_code == 422
    unknown = client.post(f"{base}/aptitude/dance/finish", headers=headers)
    assert unknown.status_code == 404
    app.dependency_overrides.clear()


def test_a_subtest_with_too_few_answers_is_left_unmeasured(
    client: TestClient, world: World
) -> None:
    headers = world.headers("student")
    base = f"/assessments/{world.assessment_a}"
    client.post(f"{base}/aptitude/spatial/start", headers=headers)
    _answer(client, base, headers, {"aptitude": {"spatial": {"0": 1}}})
    done = client.post(f"{base}/submit", json={"client_key": "few-answers-1"}, headers=headers)
    assert done.status_code == 200, done.text
    spatial = APTITUDES.index("spatial")
    assert done.json()["profile"]["aptitudes"][spatial] is None


def test_records_are_range_checked_and_rescore_a_submitted_profile(
    client: TestClient, world: World
) -> None:
    base = f"/assessments/{world.assessment_a}"
    coach = world.headers("coach")
    bad = client.put(f"{base}/records", json={"records": {"act_math": 40}}, headers=coach)
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error["field"] == "body.records.act_math" and "1 to 36" in error["message"]
    half = client.put(
        f"{base}/records", json={"records": {"workkeys_applied_math": 4.5}}, headers=coach
    )
    assert half.status_code == 422 and "whole numbers" in half.json()["errors"][0]["message"]

    student = world.headers("student")
    done = client.post(f"{base}/submit", json={"client_key": "records-after-1"}, headers=student)
    before = done.json()["profile"]
    entered = client.put(
        f"{base}/records", json={"records": {"act_math": 34, "act_composite": 33}}, headers=coach
    )
    assert entered.status_code == 200, entered.text
    after = entered.json()["profile"]
    assert entered.json()["answers"]["records"] == {"act_math": 34, "act_composite": 33}
    assert after != before and after["aptitudes"] != before["aptitudes"]
    answers = complete_answers()
    assert entered.json()["answers"]["interests"] == answers["interests"]
