"""A plan from the whole catalogue: the find page, one item for the student, "Add to plan", API."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from recommender.catalogue import get_catalogue
from service.db import session_scope
from service.pages._text import LANG_COOKIE
from service.tables import Plan, Recommendation
from tests.service.conftest import (
    LOCAL_CLIENT,
    SITE_ORIGIN,
    World,
    count_rows,
    page_form_token,
    post_page_form,
    sign_in_page,
    submit_assessment_a,
)


def _plan_codes(app: FastAPI, student_id: int) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        plan = db.execute(select(Plan).where(Plan.student_id == student_id)).scalar_one_or_none()
        return list(plan.chosen_pathways) if plan else []


def _cells(html: str, code: str) -> tuple[str, str]:
    """(wage cell, jobs cell) of the job row ``code`` in a page's jobs table."""
    row = re.search(rf'<tr data-code="{re.escape(code)}"[^>]*>(.*?)</tr>', html, flags=re.S)
    assert row is not None, code
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row.group(1), flags=re.S)
    assert len(cells) == 2
    return cells[0].strip(), cells[1].strip()


def _facts(html: str) -> tuple[str, str]:
    """(wage, jobs) of the one job an item page shows."""
    wage = re.search(r'<dd id="item-wage">(.*?)</dd>', html, flags=re.S)
    jobs = re.search(r'<dd id="item-jobs">(.*?)</dd>', html, flags=re.S)
    assert wage is not None and jobs is not None
    return wage.group(1).strip(), jobs.group(1).strip()


def test_the_find_page_lists_jobs_by_everyday_words_in_both_languages(
    client: TestClient, world: World
) -> None:
    coach = world.headers("coach")
    base = f"/coach/students/{world.student_a}/find"
    empty = client.get(base, headers=coach)
    assert empty.status_code == 200 and 'id="find-form"' in empty.text
    assert 'method="get"' in empty.text and "find-results" not in empty.text
    for query, code in (("welding", "51-4121.00"), ("soldadura", "51-4121.00")):
        page = client.get(base, params={"q": query}, headers=coach)
        assert page.status_code == 200
        listed = re.findall(r'<li data-code="([^"]+)">', page.text)
        assert listed and listed[0] == code, (query, listed[:3])
    none = client.get(base, params={"q": "zzqxv"}, headers=coach)
    assert 'id="no-hits"' in none.text


def test_the_find_page_is_in_spanish_for_a_spanish_reader(client: TestClient, world: World) -> None:
    coach = world.headers("coach")
    client.cookies.set(LANG_COOKIE, "es")
    try:
        page = client.get(
            f"/coach/students/{world.student_a}/find", params={"q": "nurse"}, headers=coach
        )
    finally:
        client.cookies.delete(LANG_COOKIE)
    spanish = get_catalogue().titles_es[get_catalogue().index_of("29-1141.00")]
    link = re.search(r'<li data-code="29-1141.00"><a [^>]*>([^<]*)</a>', page.text)
    assert link is not None and link.group(1) == spanish
    assert 'lang="en">(Registered Nurses)' in page.text


def test_an_item_shows_the_ranked_lists_own_figures_for_the_same_job(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    student_page = client.get(f"/coach/students/{world.student_a}", headers=coach)
    api = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    stored = count_rows(app, Recommendation)
    for pathway in api["pathways"][:2]:
        for o in pathway["occupations"][:2]:
            item = client.get(
                f"/coach/students/{world.student_a}/find/occupation/{o['code']}", headers=coach
            )
            assert item.status_code == 200
            assert _facts(item.text) == _cells(student_page.text, o["code"])
            assert f'data-code="{o["code"]}"' in item.text
            for reason in o["reasons"]:
                if reason.get("stance") in ("pro", "con"):
                    assert reason["text"].replace("'", "&#39;") in item.text
    # the top pathway's page: the same jobs and figures and its place in the list
    top = api["pathways"][0]
    page = client.get(
        f"/coach/students/{world.student_a}/find/pathway/{top['code']}", headers=coach
    )
    assert page.status_code == 200
    assert re.search(r'id="item-rank">[^<]*\b1\b', page.text)
    for o in top["occupations"]:
        assert _cells(page.text, o["code"]) == _cells(student_page.text, o["code"])
    assert count_rows(app, Recommendation) == stored, "looking at an item stores nothing"


def test_an_item_outside_the_top_five_gets_its_place(client: TestClient, world: World) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    api = client.get(
        f"/students/{world.student_a}/recommendations", params={"k": 20}, headers=coach
    ).json()
    tenth = api["occupations"][9]
    page = client.get(
        f"/coach/students/{world.student_a}/find/occupation/{tenth['code']}", headers=coach
    )
    assert re.search(r'id="item-rank">[^<]*\b10 of 923\b', page.text), page.text[:2000]


def test_add_to_plan_is_a_post_and_keeps_the_item_when_the_plan_form_is_saved(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    item = f"/coach/students/{world.student_a}/find/occupation/47-2111.00"
    page = client.get(item, headers=coach)
    assert 'id="add-form"' in page.text and 'name="csrf_token"' in page.text
    assert _plan_codes(app, world.student_a) == [], "opening the page changes nothing"
    sent = post_page_form(
        client,
        item,
        f"/coach/students/{world.student_a}/plan/add",
        {},
        headers=coach,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert _plan_codes(app, world.student_a) == ["47-2111.00"]
    again = client.get(sent.headers["location"], headers=coach)
    assert 'id="added"' in again.text and 'id="in-plan"' in again.text
    # the student page's plan form keeps the job; saving it keeps it too
    student = f"/coach/students/{world.student_a}"
    shown = client.get(student, headers=coach)
    assert 'value="47-2111.00" checked' in shown.text
    saved = post_page_form(
        client,
        student,
        f"/coach/students/{world.student_a}/plan",
        {"chosen": ["47-2111.00"], "next_steps": "visit the college"},
        headers=coach,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert _plan_codes(app, world.student_a) == ["47-2111.00"]


def test_add_to_plan_from_a_signed_in_browser_needs_the_pages_token(
    app: FastAPI, world: World
) -> None:
    with TestClient(app, follow_redirects=False, client=LOCAL_CLIENT) as browser:
        sign_in_page(browser, "coach_a")
        action = f"/coach/students/{world.student_a}/plan/add"
        form = {"kind": "occupation", "code": "47-2111.00"}
        sent = browser.post(action, data=form, headers={"Origin": SITE_ORIGIN})
        assert sent.status_code == 403
        assert _plan_codes(app, world.student_a) == []
        item = f"/coach/students/{world.student_a}/find/occupation/47-2111.00"
        token = page_form_token(browser, item)
        sent = browser.post(
            action, data={**form, "csrf_token": token}, headers={"Origin": SITE_ORIGIN}
        )
        assert sent.status_code == 303
        assert _plan_codes(app, world.student_a) == ["47-2111.00"]


def test_unknown_items_are_not_found(client: TestClient, world: World) -> None:
    coach = world.headers("coach")
    base = f"/coach/students/{world.student_a}/find"
    assert client.get(f"{base}/occupation/99-9999.00", headers=coach).status_code == 404
    assert client.get(f"{base}/pathway/29-1141.00", headers=coach).status_code == 404


def test_the_search_api_answers_in_both_languages(client: TestClient, world: World) -> None:
    coach = world.headers("coach")
    for query in ("nurse", "enfermera"):
        hits = client.get("/catalogue/search", params={"q": query}, headers=coach).json()
        assert hits and hits[0]["code"].startswith("29-1")
        assert {"kind", "code", "title", "title_es", "matched", "via", "tier"} <= set(hits[0])
    only = client.get(
        "/catalogue/search", params={"q": "construction", "kind": "pathway"}, headers=coach
    ).json()
    assert only[0]["code"] == "architecture-construction.construction" and only[0]["tier"] == 0
    assert {h["kind"] for h in only} == {"pathway"}
    bad = client.get("/catalogue/search", params={"q": ""}, headers=coach)
    assert bad.status_code == 422


def test_the_plan_items_api_adds_once_and_refuses_unknown_codes_and_a_full_plan(
    app: FastAPI, client: TestClient, world: World
) -> None:
    coach = world.headers("coach")
    url = f"/students/{world.student_a}/plan/items"
    first = client.post(url, json={"code": "29-1141.00"}, headers=coach)
    assert first.status_code == 200 and first.json()["added"] is True
    again = client.post(url, json={"code": "29-1141.00"}, headers=coach)
    assert again.json()["added"] is False and again.json()["chosen_pathways"] == ["29-1141.00"]
    unknown = client.post(url, json={"code": "99-9999.00"}, headers=coach)
    assert unknown.status_code == 422 and "code" in unknown.text
    catalogue = get_catalogue()
    for code in catalogue.codes[:9]:
        assert client.post(url, json={"code": code}, headers=coach).status_code == 200
    before = _plan_codes(app, world.student_a)
    full = client.post(url, json={"code": catalogue.pathways[0].code}, headers=coach)
    assert full.status_code == 409
    assert _plan_codes(app, world.student_a) == before and len(before) == 10


def test_recommendations_carry_spanish_titles_beside_english(
    client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    body = client.get(
        f"/students/{world.student_a}/recommendations", headers=world.headers("coach")
    ).json()
    catalogue = get_catalogue()
    for p in body["pathways"]:
        found = catalogue.pathways[catalogue.pathway_index(p["code"])]
        assert p["title"] == found.title and p["title_es"] == found.title_es != ""
        assert p["cluster_es"] == found.cluster_es
        for o in p["occupations"]:
            assert o["title_es"] == catalogue.titles_es[catalogue.index_of(o["code"])] != ""


def test_the_spanish_results_page_shows_spanish_titles(client: TestClient, world: World) -> None:
    submit_assessment_a(client, world)
    student = world.headers("student")
    client.cookies.set(LANG_COOKIE, "es")
    try:
        page = client.get("/results", headers=student)
    finally:
        client.cookies.delete(LANG_COOKIE)
    api = client.get(f"/students/{world.student_a}/recommendations", headers=student).json()
    text = page.text.replace("&#x2F;", "/")
    for p in api["pathways"]:
        assert p["title_es"] in text
        for o in p["occupations"]:
            assert o["title_es"] in text


def test_the_spanish_print_view_names_plan_items_in_spanish(
    client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    url = f"/students/{world.student_a}/plan/items"
    assert client.post(url, json={"code": "47-2111.00"}, headers=coach).status_code == 200
    catalogue = get_catalogue()
    spanish = catalogue.titles_es[catalogue.index_of("47-2111.00")]
    client.cookies.set(LANG_COOKIE, "es")
    try:
        page = client.get(f"/coach/students/{world.student_a}/plan/print?lang=es", headers=coach)
    finally:
        client.cookies.delete(LANG_COOKIE)
    assert page.status_code == 200
    assert f"<li>{spanish}</li>" in page.text.replace("&#x2F;", "/")
