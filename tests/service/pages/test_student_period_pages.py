"""The student's pages for one class period (issue 15 items 3-7), without a browser: time-based
progress data, worked examples, the plans rule, the school's county, /start's messages."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from recommender.aptitude_items import worked_example
from recommender.instrument import load_instrument
from service.auth import CODE_ALPHABET
from service.db import session_scope
from service.i18n import translate
from service.pages.public import _CODE_ERROR
from service.tables import Assessment, School, Student
from tests.service.conftest import World, complete_answers, post_page_form

#: What /start says to a student sent back from a page (start.html).
SESSION_ENDED = (
    "You were signed out: a sign-in ends after a while, or when someone signs out on this "
    "device. Your answers are saved. To go on, ask your coach for a new access code and type "
    "it below; you will be back where you stopped."
)


def _page_json(html: str, element_id: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert found is not None, element_id
    return json.loads(found.group(1))


def test_each_section_carries_its_expected_minutes_and_they_add_up(
    client: TestClient, world: World
) -> None:
    page = client.get("/assessment", headers=world.headers("student"))
    assert page.status_code == 200
    minutes = [float(m) for m in re.findall(r'data-minutes="([\d.]+)"', page.text)]
    instrument = load_instrument()
    assert abs(sum(minutes) - instrument.total_minutes) < 1e-6
    per_task = instrument.subtest_minutes()
    for sub in instrument.subtests:
        block = re.search(rf'id="step-task-{sub.id}"[^>]*>', page.text, flags=re.S)
        assert block is not None
        assert f'data-minutes="{per_task[sub.id]}"' in block.group(0)
        assert per_task[sub.id] > sub.time_limit_s / 60  # the worked example takes time too
    timed = sum(s.time_limit_s for s in instrument.subtests) / 60
    assert abs(sum(per_task.values()) - instrument.section_minutes["aptitude"]) < 1e-6
    assert timed < instrument.section_minutes["aptitude"]


def test_the_page_carries_one_worked_example_per_timed_task_in_its_language(
    client: TestClient, world: World
) -> None:
    for lang in ("en", "es"):
        client.cookies.set("pathways_lang", lang)
        page = client.get("/assessment", headers=world.headers("student"))
        examples = _page_json(page.text, "examples")
        assert isinstance(examples, dict)
        subtests = [s.id for s in load_instrument().subtests]
        assert sorted(examples) == sorted(subtests)
        for sub in subtests:
            assert examples[sub] == worked_example(sub, lang)
        text = _page_json(page.text, "page-text")
        assert isinstance(text, dict)
        assert text["minutes_left"] == translate(lang, "About %(n)s minutes left", n="{n}")
        assert "{n}" in text["minutes_left"]
    client.cookies.clear()


def test_submitting_without_a_plan_is_refused_by_name_and_not_sure_yet_is_an_answer(
    client: TestClient, world: World
) -> None:
    headers = world.headers("student")
    start = client.post("/assessments", json={}, headers=headers).json()
    base = f"/assessments/{start['id']}"
    answers = {**complete_answers(), "plan": None}  # the open sitting may hold one: cleared
    client.put(f"{base}/answers", json=answers, headers=headers)
    refused = client.post(f"{base}/submit", json={"client_key": "no-plan-1"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "answers.plan"
    assert client.get(base, headers=headers).json()["status"] == "in_progress"
    client.put(f"{base}/answers", json={"plan": "undecided"}, headers=headers)
    done = client.post(f"{base}/submit", json={"client_key": "no-plan-1"}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["profile"]["plan"] == "undecided"
    # the words the coach page shows for that plan are not a first-person claim
    assert "I have" not in load_instrument().plans["undecided"]


def test_a_new_assessment_starts_in_the_schools_county(client: TestClient, world: World) -> None:
    with session_scope(client.app.state.sessionmaker) as db:  # type: ignore[attr-defined]
        for row in db.query(Assessment).filter(Assessment.student_id == world.student_a).all():
            row.status = "submitted"
        school = db.get(School, db.get(Student, world.student_a).school_id)  # type: ignore[union-attr]
        county = school.county_fips  # type: ignore[union-attr]
    created = client.post("/assessments", json={}, headers=world.headers("student"))
    assert created.status_code == 201
    assert created.json()["answers"]["county_fips"] == county
    assert county in load_instrument().counties


def test_start_keeps_a_wrong_code_and_names_the_look_alike_characters(
    client: TestClient, world: World
) -> None:
    for lang in ("en", "es"):
        client.cookies.clear()
        client.cookies.set("pathways_lang", lang)
        typed = "ZZZZ-ZZZZ"
        page = post_page_form(client, "/start", "/start", {"code": typed})
        assert page.status_code == 401
        assert f'value="{typed}"' in page.text
        error = translate(lang, _CODE_ERROR)
        assert error.replace("’", "&#39;") in page.text or error in page.text
        # every character the message says codes never use is really absent from codes, and
        # every pair it names is a pair of characters codes do use
        never = re.search(r"(?:never use|nunca llevan) ([^.]+)\.", error)
        assert never is not None
        for ch in re.findall(r"\b(\w)\b", never.group(1)):
            assert ch not in CODE_ALPHABET, ch
        for a, b in re.findall(r"\b(\w) (?:and|y) (\w)\b", error.split(never.group(0))[0]):
            assert a in CODE_ALPHABET and b in CODE_ALPHABET, (a, b)
    client.cookies.clear()


def test_start_says_the_sign_in_ended_only_when_sent_back_from_a_page(
    client: TestClient,
) -> None:
    for lang in ("en", "es"):
        client.cookies.set("pathways_lang", lang)
        words = translate(lang, SESSION_ENDED).split(":")[0]
        assert words in client.get("/start?next=/assessment").text
        assert words not in client.get("/start").text
    client.cookies.clear()
    # a student page without a sign-in sends the browser there
    sent = client.get("/assessment", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/start?next=")


def test_without_a_language_cookie_the_pages_follow_the_assessment_s_language(
    client: TestClient, world: World
) -> None:
    client.cookies.clear()
    headers = world.headers("student")
    started = client.post("/assessments", json={"language": "es"}, headers=headers)
    assert started.status_code in (200, 201), started.text
    page = client.get("/assessment", headers=headers)
    assert '<html lang="es">' in page.text
    assert translate("es", "Next section") in page.text
    assert "Next section" not in page.text and "Skip to main content" not in page.text
