"""Student access codes (issue 12 item 2): guesses throttled per client on the API and on /start,
one live code per student, a class-period lifetime, and a coach page that never issues a code
on reload (POST-redirect-GET, the code out of the URL). Purging (item 18) is tested here too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from service.auth import (
    PURGED_AT_KEY,
    create_session,
    issue_access_code,
    normalise_access_code,
    purge_expired,
)
from service.db import session_scope
from service.i18n import translate
from service.pages.public import _CODE_THROTTLED
from service.settings import Settings
from service.tables import AccessCode, AuthSession, LoginThrottle, ServiceSetting
from tests.service.conftest import PASSWORD, Clock, World, clear_tables, make_settings
from tests.service.test_throttle import ORIGIN, PROXIES, hidden_fields

GUESSER = "198.51.100.20"
CLASSROOM = "203.0.113.40"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    clear_tables(migrated_url)
    return make_settings(migrated_url, tmp_path, trusted_proxies=PROXIES)


def redeem(client: TestClient, code: str, source: str) -> int:
    answer = client.post(
        "/auth/access-code", json={"code": code}, headers={"X-Forwarded-For": source}
    )
    client.cookies.clear()
    return answer.status_code


def wrong_code(n: int) -> str:
    """A well-formed code no one was given (the alphabet has no 0, 1, I, L or O)."""
    return f"ZZZZ-{n:04d}".replace("0", "A").replace("1", "B")


def issue(client: TestClient, world: World) -> str:
    """A new code for student A, issued by coach A over the API (signed in afresh: the test
    clock may have moved past the world's sessions)."""
    signed = client.post("/auth/login", json={"username": "coach_a", "password": PASSWORD})
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    answer = client.post(f"/students/{world.student_a}/access-codes", headers=headers)
    assert answer.status_code == 201
    code: str = answer.json()["code"]
    return code


def test_code_guesses_are_throttled_per_client_before_any_lookup(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    budget = settings.access_code_client_failures
    assert [redeem(client, wrong_code(n), GUESSER) for n in range(budget)] == [401] * budget
    refused = client.post(
        "/auth/access-code",
        json={"code": world.access_code_a},
        headers={"X-Forwarded-For": GUESSER},
    )
    assert refused.status_code == 429  # even the right code: the guesser learns nothing
    assert int(refused.headers["retry-after"]) == settings.login_window_minutes * 60
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert redeem(client, world.access_code_a, CLASSROOM) == 200  # other clients are not held up
    clock.advance(minutes=settings.login_window_minutes)
    assert redeem(client, wrong_code(99), GUESSER) == 401  # the window is over


def test_a_right_code_does_not_use_up_the_budget(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    budget = settings.access_code_client_failures
    for _ in range(budget + 5):  # a whole class signing in from one school address
        assert redeem(client, issue(client, world), CLASSROOM) == 200
    assert [redeem(client, wrong_code(n), CLASSROOM) for n in range(budget)] == [401] * budget


def test_the_start_page_shares_the_budget_and_says_so_in_both_languages(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    for n in range(settings.access_code_client_failures):
        redeem(client, wrong_code(n), GUESSER)
    minutes = settings.login_window_minutes
    for lang in ("en", "es"):
        client.cookies.set("pathways_lang", lang)
        form = hidden_fields(client.get("/start").text)
        page = client.post(
            "/start",
            data={**form, "code": world.access_code_a},
            headers={"X-Forwarded-For": GUESSER, "Origin": ORIGIN},
            follow_redirects=False,
        )
        assert page.status_code == 429
        assert int(page.headers["retry-after"]) == minutes * 60
        assert translate(lang, _CODE_THROTTLED, minutes=minutes) in page.text
    client.cookies.clear()
    assert redeem(client, world.access_code_a, CLASSROOM) == 200  # it was never spent


def test_issuing_a_code_revokes_the_students_unused_ones(
    app: FastAPI, client: TestClient, world: World, clock: Clock
) -> None:
    codes = [issue(client, world) for _ in range(3)]
    assert redeem(client, codes[0], CLASSROOM) == 401
    assert redeem(client, codes[1], CLASSROOM) == 401
    assert redeem(client, world.access_code_a, CLASSROOM) == 401  # the world's code too
    with session_scope(app.state.sessionmaker) as db:
        live = db.execute(
            select(func.count())
            .select_from(AccessCode)
            .where(
                AccessCode.student_id == world.student_a,
                AccessCode.used_at.is_(None),
                AccessCode.expires_at > clock.now,
            )
        ).scalar_one()
    assert live == 1
    assert redeem(client, codes[2], CLASSROOM) == 200


def test_a_code_lives_one_class_period_by_default(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    assert settings.access_code_minutes == 90
    early, late = issue(client, world), None
    clock.advance(minutes=settings.access_code_minutes - 1)
    assert redeem(client, early, CLASSROOM) == 200
    late = issue(client, world)
    issued_at = clock.now
    clock.advance(minutes=settings.access_code_minutes, seconds=1)
    assert clock.now - issued_at > timedelta(minutes=90)
    assert redeem(client, late, CLASSROOM) == 401


def test_the_code_lifetime_is_read_in_minutes_and_the_hours_variable_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATHWAYS_ACCESS_CODE_MINUTES", "45")
    assert Settings().access_code_minutes == 45
    monkeypatch.setenv("PATHWAYS_ACCESS_CODE_HOURS", "72")
    with pytest.raises(ValidationError, match="PATHWAYS_ACCESS_CODE_MINUTES"):
        Settings()


def _coach_browser(client: TestClient) -> None:
    """Sign coach_a in through the sign-in form, as a browser does (session cookie)."""
    form = hidden_fields(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in",
        data={**form, "username": "coach_a", "password": PASSWORD},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert signed.status_code == 303


def _issue_on_page(client: TestClient, student_id: int) -> str:
    page = client.get(f"/coach/students/{student_id}")
    form = re.search(
        r'<form method="post" action="/coach/students/\d+/access-code".*?</form>', page.text, re.S
    )
    assert form is not None
    answer = client.post(
        f"/coach/students/{student_id}/access-code",
        data=hidden_fields(form.group(0)),
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    location: str = answer.headers["location"]
    return location


def _shown_code(html: str) -> str | None:
    found = re.search(r'id="access-code"[^>]*>([^<]+)<', html)
    return found.group(1).strip() if found else None


def test_the_coach_page_issues_on_post_and_shows_the_same_code_on_every_reload(
    app: FastAPI, client: TestClient, world: World, clock: Clock
) -> None:
    _coach_browser(client)
    location = _issue_on_page(client, world.student_a)
    assert re.fullmatch(rf"/coach/students/{world.student_a}/access-code/\d+", location)
    first = client.get(location)
    assert first.status_code == 200
    code = _shown_code(first.text)
    assert code is not None and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert normalise_access_code(code) not in location and code not in location
    again = client.get(location)
    assert _shown_code(again.text) == code  # a reload shows it again and issues nothing
    with session_scope(app.state.sessionmaker) as db:
        rows = db.execute(
            select(AccessCode.code_hash).where(
                AccessCode.student_id == world.student_a, AccessCode.expires_at > clock.now
            )
        ).all()
    assert len(rows) == 1 and code not in str(rows)  # one live code, stored as its digest
    # another session (the same coach elsewhere, or a copy of the database) cannot show it
    other = TestClient(app, client=("127.0.0.1", 50001))
    other.cookies.set("pathways_session", world.tokens["coach"])
    elsewhere = other.get(location)
    assert elsewhere.status_code == 200 and _shown_code(elsewhere.text) is None
    assert code not in elsewhere.text
    student = TestClient(app, client=("127.0.0.1", 50002))
    assert redeem(student, code, CLASSROOM) == 200
    used = client.get(location)
    assert _shown_code(used.text) is None and "has been used" in used.text


def test_a_newer_code_replaces_the_one_on_the_page(
    client: TestClient, world: World, clock: Clock
) -> None:
    _coach_browser(client)
    first = _issue_on_page(client, world.student_a)
    old = _shown_code(client.get(first).text)
    second = _issue_on_page(client, world.student_a)
    assert second != first
    new = _shown_code(client.get(second).text)
    assert old and new and old != new
    replaced = client.get(first)
    assert _shown_code(replaced.text) is None and old not in replaced.text
    assert redeem(client, old, CLASSROOM) == 401
    assert redeem(client, new, CLASSROOM) == 200


def test_a_coach_cannot_see_codes_of_another_caseload_on_the_page(
    client: TestClient, world: World
) -> None:
    _coach_browser(client)
    location = _issue_on_page(client, world.student_a)
    code_id = location.rsplit("/", 1)[1]
    elsewhere = client.get(f"/coach/students/{world.student_b}/access-code/{code_id}")
    assert elsewhere.status_code == 404


def test_purge_deletes_expired_sessions_codes_and_spent_throttle_rows_only(
    app: FastAPI, client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    login = {"username": "coach_a", "password": "wrong"}
    client.post("/auth/login", json=login, headers={"X-Forwarded-For": GUESSER})
    redeem(client, wrong_code(1), GUESSER)
    with session_scope(app.state.sessionmaker) as db:
        assert db.execute(select(func.count()).select_from(LoginThrottle)).scalar_one() == 4
        sessions = db.execute(select(func.count()).select_from(AuthSession)).scalar_one()
        fresh = create_session(
            db, role="coach", now=clock.now + timedelta(hours=2), minutes=60, user_id=world.coach_a
        )
        issue_access_code(
            db,
            student_id=world.student_b,
            issued_by=None,
            now=clock.now + timedelta(hours=2),
            minutes=90,
        )
    assert fresh
    with session_scope(app.state.sessionmaker) as db:
        counts = purge_expired(db, clock.now + timedelta(minutes=10), settings)
    assert counts.sessions == 0 and counts.access_codes == 0 and counts.throttle_rows == 0
    later = clock.now + timedelta(hours=2)  # the world's sessions (60 min) and code are over
    with session_scope(app.state.sessionmaker) as db:
        counts = purge_expired(db, later, settings)
        left_sessions = db.execute(select(func.count()).select_from(AuthSession)).scalar_one()
        left_codes = db.execute(select(AccessCode.student_id)).scalars().all()
        left_throttle = db.execute(select(func.count()).select_from(LoginThrottle)).scalar_one()
    assert counts.sessions == sessions and left_sessions == 1
    assert counts.access_codes == 1 and left_codes == [world.student_b]
    assert counts.throttle_rows == 4 and left_throttle == 0


def test_a_sign_in_purges_at_most_once_per_interval(
    app: FastAPI, client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    def expired_sessions() -> int:
        with session_scope(app.state.sessionmaker) as db:
            return int(
                db.execute(
                    select(func.count())
                    .select_from(AuthSession)
                    .where(AuthSession.expires_at <= clock.now)
                ).scalar_one()
            )

    clock.advance(minutes=61)  # the world's sessions have expired
    assert expired_sessions() == 5
    ok = client.post("/auth/login", json={"username": "admin", "password": PASSWORD})
    assert ok.status_code == 200
    assert expired_sessions() == 0
    with session_scope(app.state.sessionmaker) as db:
        stamp = db.get(ServiceSetting, PURGED_AT_KEY)
        assert stamp is not None and stamp.value == clock.now.isoformat()
        create_session(
            db, role="admin", now=clock.now - timedelta(hours=2), minutes=1, user_id=world.admin
        )
    clock.advance(minutes=settings.purge_interval_minutes - 1)
    assert (
        client.post("/auth/login", json={"username": "admin", "password": PASSWORD}).status_code
        == 200
    )
    assert expired_sessions() == 1  # not yet due
    clock.advance(minutes=1)
    with session_scope(app.state.sessionmaker) as db:
        code, _ = issue_access_code(
            db, student_id=world.student_b, issued_by=None, now=clock.now, minutes=90
        )
    assert redeem(client, code, CLASSROOM) == 200  # a student's sign-in purges too
    assert expired_sessions() == 0
