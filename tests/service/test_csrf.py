"""Cross-site requests, form tokens, no change on GET, and a form kept across an expired session.

Every request goes through the real app and database; the "browser" is a test client that keeps
cookies and sends Origin, Referer and the page's token the way Chromium does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.db import Base, session_scope
from service.deps import get_now
from service.settings import Settings
from service.tables import AccessCode, Activity, Assessment, Plan, ServiceSetting
from tests.service.conftest import (
    LOCAL_CLIENT,
    SITE_ORIGIN,
    World,
    build_world,
    count_rows,
    page_form_token,
    post_page_form,
    sign_in_page,
)

EVIL = "https://evil.example"
TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "templates"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False, client=LOCAL_CLIENT) as test_client:
        yield test_client


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    moving = Clock()
    app.dependency_overrides[get_now] = moving
    yield moving
    app.dependency_overrides.clear()


def _session_form(world: World) -> dict[str, Any]:
    return {
        "category": "one_on_one",
        "occurred_on": world.activity_day.isoformat(),
        "minutes": "25",
    }


def _student_page(world: World) -> str:
    return f"/coach/students/{world.student_a}"


# ---- (a) where a state-changing request comes from


def test_a_coach_cookie_cannot_be_used_from_another_site(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    assert sign_in_page(browser, "coach_a").status_code == 303
    page = _student_page(world)
    token = page_form_token(browser, page)
    before = (count_rows(app, Activity), count_rows(app, Plan), count_rows(app, AccessCode))
    forged = {"Origin": EVIL, "Referer": f"{EVIL}/prize"}
    for action, data in (
        (f"{page}/sessions", {**_session_form(world), "notes": "forged"}),
        (f"{page}/plan", {"next_steps": "forged"}),
        (f"{page}/access-code", {}),
    ):
        refused = browser.post(action, data={**data, "csrf_token": token}, headers=forged)
        assert refused.status_code == 403, action
        assert refused.headers["content-type"].startswith("text/html")
        assert "another website" in refused.text
    api = browser.put(
        f"/students/{world.student_a}/plan",
        json={"next_steps": ["forged"]},
        headers={"Origin": EVIL, "X-CSRF-Token": token},
    )
    assert api.status_code == 403
    assert api.headers["content-type"].startswith("application/problem+json")
    assert EVIL in api.json()["detail"]
    code = browser.post(
        f"/students/{world.student_a}/access-codes", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert code.status_code == 403
    assert (count_rows(app, Activity), count_rows(app, Plan), count_rows(app, AccessCode)) == before


def test_the_sign_in_form_cannot_be_posted_from_another_site(
    browser: TestClient, world: World
) -> None:
    token = page_form_token(browser, "/sign-in")
    login = {"username": "coach_a", "password": "correct horse battery", "csrf_token": token}
    refused = browser.post("/sign-in", data=login, headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert "pathways_session" not in refused.headers.get("set-cookie", "")
    null = browser.post("/sign-in", data=login, headers={"Origin": "null"})
    assert null.status_code == 403
    unnamed = browser.post("/sign-in", data=login)  # a form naming no Origin or Referer
    assert unnamed.status_code == 403
    assert "pathways_session" not in unnamed.headers.get("set-cookie", "")
    ok = browser.post("/sign-in", data=login, headers={"Origin": SITE_ORIGIN})
    assert ok.status_code == 303 and "pathways_session=" in ok.headers["set-cookie"]


def test_sec_fetch_site_and_referer_decide_when_origin_is_absent(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    sign_in_page(browser, "coach_a")
    page = _student_page(world)
    token = page_form_token(browser, page)
    form = {**_session_form(world), "csrf_token": token}
    same_site = browser.post(f"{page}/sessions", data=form, headers={"Sec-Fetch-Site": "same-site"})
    assert same_site.status_code == 403, "a sibling subdomain is another site here"
    foreign = browser.post(f"{page}/sessions", data=form, headers={"Referer": f"{EVIL}/x"})
    assert foreign.status_code == 403
    before = count_rows(app, Activity)
    by_fetch = browser.post(
        f"{page}/sessions", data=form, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert by_fetch.status_code == 303
    by_referer = browser.post(
        f"{page}/sessions", data=form, headers={"Referer": f"{SITE_ORIGIN}{page}"}
    )
    assert by_referer.status_code == 303
    assert count_rows(app, Activity) == before + 2


def test_scripts_without_origin_work_with_a_bearer_token_not_with_the_cookie(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    login = browser.post(
        "/auth/login", json={"username": "coach_a", "password": "correct horse battery"}
    )
    assert login.status_code == 200, "signing in from a script needs no Origin"
    body = {"chosen_pathways": [], "next_steps": ["call the college"]}
    path = f"/students/{world.student_a}/plan"
    by_cookie = browser.put(path, json=body)  # the client now holds the session cookie
    assert by_cookie.status_code == 403
    assert "Origin" in by_cookie.json()["detail"]
    assert count_rows(app, Plan) == 0
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    assert browser.put(path, json=body, headers=bearer).status_code == 200


def test_an_allowed_origin_from_the_settings_is_accepted(settings: Settings) -> None:
    settings = settings.model_copy(update={"allowed_origins": "https://pathways.example.org"})
    application = create_app(settings)
    world = build_world(application)
    with TestClient(application, follow_redirects=False, client=LOCAL_CLIENT) as client:
        token = page_form_token(client, "/sign-in")
        login = {"username": "coach_a", "password": "correct horse battery", "csrf_token": token}
        elsewhere = client.post("/sign-in", data=login, headers={"Origin": EVIL})
        assert elsewhere.status_code == 403
        proxied = client.post(
            "/sign-in",
            data=login,
            headers={"Origin": "https://pathways.example.org", "Sec-Fetch-Site": "cross-site"},
        )
        assert proxied.status_code == 303
    assert world.coach_a
    application.state.engine.dispose()


def test_a_malformed_allowed_origin_is_refused_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(allowed_origins="pathways.example.org/coach", var_dir=tmp_path)


# ---- (b) tokens


def test_every_form_that_posts_carries_the_token() -> None:
    forms = 0
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.S | re.I):
            if 'method="post"' in match.group(0).lower():
                forms += 1
                assert "{{ csrf_field() }}" in match.group(1), (
                    f"{template.name}: {match.group(0)[:80]}"
                )
    assert forms >= 9


def test_a_form_without_or_with_a_wrong_token_gets_a_clear_page_in_the_readers_language(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    sign_in_page(browser, "coach_a")
    page = _student_page(world)
    headers = {"Origin": SITE_ORIGIN}
    missing = browser.post(f"{page}/sessions", data=_session_form(world), headers=headers)
    assert missing.status_code == 403
    assert missing.headers["content-type"].startswith("text/html")
    assert "Nothing was saved" in missing.text and "reload the page" in missing.text
    token = page_form_token(browser, page)
    subject, _, mac = token.partition(".")
    wrong = {**_session_form(world), "csrf_token": f"{subject}.{mac[::-1]}"}
    assert browser.post(f"{page}/sessions", data=wrong, headers=headers).status_code == 403
    other = {**_session_form(world), "csrf_token": f"u{world.admin}.{mac}"}
    assert browser.post(f"{page}/sessions", data=other, headers=headers).status_code == 403
    assert count_rows(app, Activity) == 2  # the world's two
    browser.cookies.set("pathways_lang", "es")
    spanish = browser.post("/start", data={"code": world.access_code_a}, headers=headers)
    assert spanish.status_code == 403
    assert 'lang="es"' in spanish.text and "No se guardó nada" in spanish.text


def test_a_token_made_before_sign_in_is_not_good_after_it(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    before = page_form_token(browser, "/sign-in")
    assert sign_in_page(browser, "coach_a").status_code == 303
    page = _student_page(world)
    stale = {**_session_form(world), "csrf_token": before}
    refused = browser.post(f"{page}/sessions", data=stale, headers={"Origin": SITE_ORIGIN})
    assert refused.status_code == 403
    fresh = post_page_form(browser, page, f"{page}/sessions", _session_form(world))
    assert fresh.status_code == 303
    signed_in = page_form_token(browser, page)
    post_page_form(browser, page, "/sign-out", {})
    assert sign_in_page(browser, "coach_a").status_code == 303
    again = {**_session_form(world), "csrf_token": signed_in}
    old_session = browser.post(f"{page}/sessions", data=again, headers={"Origin": SITE_ORIGIN})
    assert old_session.status_code == 403, "a token of a session signed out is refused"


def test_the_assessment_script_calls_need_the_pages_header_token(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    start = post_page_form(browser, "/start", "/start", {"code": world.access_code_a})
    assert start.status_code == 303
    page = browser.get("/assessment")
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert meta is not None
    path = f"/assessments/{world.assessment_a}/answers"
    body = {"interests": {"R01": 5}}
    same_site = {"Origin": SITE_ORIGIN}
    without = browser.put(path, json=body, headers=same_site)
    assert without.status_code == 403
    assert "X-CSRF-Token" in without.json()["detail"]
    with_token = browser.put(path, json=body, headers={**same_site, "X-CSRF-Token": meta.group(1)})
    assert with_token.status_code == 200
    assert with_token.json()["answers"]["interests"]["R01"] == 5


# ---- (c) no state change on GET


def test_opening_the_assessment_page_starts_nothing(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    with session_scope(app.state.sessionmaker) as db:
        db.delete(db.get(Assessment, world.assessment_a))
    post_page_form(browser, "/start", "/start", {"code": world.access_code_a})
    before = count_rows(app, Assessment)
    welcome = browser.get("/assessment")
    assert welcome.status_code == 200 and 'action="/assessment"' in welcome.text
    browser.cookies.set("pathways_lang", "es")
    assert browser.get("/assessment").status_code == 200
    assert count_rows(app, Assessment) == before, "a GET made an assessment"
    begun = post_page_form(browser, "/assessment", "/assessment", {})
    assert begun.status_code == 303 and begun.headers["location"] == "/assessment#begin"
    assert count_rows(app, Assessment) == before + 1
    with session_scope(app.state.sessionmaker) as db:
        made = db.scalars(select(Assessment).where(Assessment.student_id == world.student_a)).one()
        assert made.language == "es"
    page = browser.get("/assessment")
    assert f'data-id="{made.id}"' in page.text


# ---- item 7: a form sent after the session ended


def _send_after_the_session_ended(
    browser: TestClient,
    clock: Clock,
    page: str,
    action: str,
    data: dict[str, Any],
    referer: str = "",
) -> Any:
    """Coach A signs in and opens ``page``; once the session (120 min) is over, the form is sent
    to ``action`` with ``data`` and the token the page gave, from ``page`` (or ``referer``)."""
    sign_in_page(browser, "coach_a")
    token = page_form_token(browser, page)
    clock.now += timedelta(minutes=121)
    return browser.post(
        action,
        data={**data, "csrf_token": token},
        headers={"Origin": SITE_ORIGIN, "Referer": referer or f"{SITE_ORIGIN}{page}"},
    )


def test_a_form_sent_after_the_session_ended_comes_back_after_sign_in(
    app: FastAPI, browser: TestClient, world: World, clock: Clock
) -> None:
    page = _student_page(world)
    notes = "Talked about the welding programme at Hinds; wants to visit in spring."
    sent = _send_after_the_session_ended(
        browser,
        clock,
        page,
        f"{page}/sessions",
        {**_session_form(world), "notes": notes},
        referer=f"{SITE_ORIGIN}{page}?region=2800006",
    )
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location == f"/sign-in?next=/coach/students/{world.student_a}%3Fregion%3D2800006"
    assert "pathways_form=" in sent.headers["set-cookie"]
    assert count_rows(app, Activity) == 2, "nothing is saved before the coach confirms"
    sign_in = browser.get(location)
    assert 'id="kept-waiting"' in sign_in.text
    clock.now = datetime.now(UTC)
    back = sign_in_page(browser, "coach_a", page=location)
    assert back.status_code == 303
    target = back.headers["location"]
    assert target == f"{page}?region=2800006"
    refilled = browser.get(target)
    assert refilled.status_code == 200
    kept = re.search(
        r'<script type="application/json" id="kept-form">(.*?)</script>', refilled.text
    )
    assert kept is not None
    assert notes in kept.group(1).replace("\\u0027", "'")
    assert "csrf_token" not in kept.group(1)
    saved = post_page_form(
        browser, page, f"{page}/sessions", {**_session_form(world), "notes": notes}
    )
    assert saved.status_code == 303
    assert count_rows(app, Activity) == 3
    with session_scope(app.state.sessionmaker) as db:
        stashes = db.scalars(select(ServiceSetting).where(ServiceSetting.key.startswith("stash:")))
        assert list(stashes) == [], "the kept form is deleted once it was sent again"
    assert 'id="kept-form"' not in browser.get(page).text


def test_a_kept_form_is_never_shown_to_someone_else_or_after_five_minutes(
    app: FastAPI, browser: TestClient, world: World, clock: Clock
) -> None:
    page = _student_page(world)
    _send_after_the_session_ended(
        browser, clock, page, f"{page}/plan", {"next_steps": "private note of coach A"}
    )
    clock.now = datetime.now(UTC)
    sign_in_page(browser, "admin")  # another person on the same Chromebook
    other = browser.get(page)
    assert other.status_code == 200
    assert "private note of coach A" not in other.text
    assert 'pathways_form=""' in other.headers.get("set-cookie", "")
    # and the owner, too late: kept forms live five minutes
    post_page_form(browser, page, "/sign-out", {})
    _send_after_the_session_ended(
        browser, clock, page, f"{page}/plan", {"next_steps": "typed too long ago"}
    )
    with session_scope(app.state.sessionmaker) as db:
        rows = db.scalars(select(ServiceSetting).where(ServiceSetting.key.startswith("stash:")))
        for row in rows:
            row.updated_at = datetime.now(UTC) - timedelta(minutes=6)
    clock.now = datetime.now(UTC)
    sign_in_page(browser, "coach_a")
    late = browser.get(page)
    assert "typed too long ago" not in late.text


def test_a_form_posted_without_a_session_never_lands_on_an_address_that_is_no_page(
    browser: TestClient, world: World
) -> None:
    page = _student_page(world)
    token = page_form_token(browser, "/sign-in")  # a browser that never signed in
    sent = browser.post(
        f"{page}/sessions",
        data={**_session_form(world), "csrf_token": token},
        headers={"Origin": SITE_ORIGIN},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/sign-in?next={page}"
    assert "pathways_form" not in sent.headers.get("set-cookie", ""), "kept only for an account"
    opened = browser.get(f"{page}/sessions")  # e.g. an old ?next= or a bookmark
    assert opened.status_code == 303 and opened.headers["location"] == page


def test_a_page_form_with_a_bad_field_answers_html_naming_it(
    app: FastAPI, browser: TestClient, world: World
) -> None:
    sign_in_page(browser, "coach_a")
    page = _student_page(world)
    bad = post_page_form(
        browser, page, f"{page}/sessions", {**_session_form(world), "minutes": "half an hour"}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("text/html")
    assert "minutes" in bad.text
    assert count_rows(app, Activity) == 2


#: Tables a GET may write, by design: the stored default recommendation (computed once, then
#: served again: a cache of the same answer) and the disclosure log (who read which record).
WRITTEN_BY_READS = {"recommendations", "disclosures"}


def _tables(app: FastAPI) -> dict[str, list[str]]:
    with app.state.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name not in WRITTEN_BY_READS
        }


def test_no_get_of_any_route_changes_the_database(app: FastAPI, world: World) -> None:
    """Every GET row of the authorisation matrix, as every role and on both schools' records."""
    from tests.service.test_authorisation import ACTORS, MATRIX, TARGETS, _call, _ids, _prepare

    made = _prepare(app, world)
    gets = [row for row in MATRIX if row.method == "GET"]
    calls = 0
    with TestClient(app, follow_redirects=False, client=LOCAL_CLIENT) as client:
        before = _tables(app)  # after start-up, which names the first active model
        for row in gets:
            for actor in ACTORS:
                for target in TARGETS:
                    client.cookies.clear()
                    path = row.path.format(**_ids(world, target, made))
                    response = _call(client, world, row, actor, path, None)
                    assert response.status_code < 500, (path, actor)
                    calls += 1
                    assert _tables(app) == before, f"GET {path} as {actor} changed the database"
    assert calls == len(gets) * len(ACTORS) * len(TARGETS) > 400
