"""Coach pages of issue 14 items 1-2: roster upload -> preview -> confirm, the add/edit-student
form, caseload search and filters, and access codes for a class on a printable sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recommender.school_years import TIME_ZONE
from service.db import session_scope
from service.tables import AccessCode, PendingImport, School, SchoolClass, Student
from tests.rosters import SampleSchool, broken_bundle, make_bundle, zip_bundle
from tests.service.conftest import SITE_ORIGIN, World, count_rows, page_form_token, post_page_form

ALPHA = SampleSchool("org-alpha", "Alpha High", "2800001")


@pytest.fixture
def coach(app: FastAPI, world: World) -> Iterator[TestClient]:
    with session_scope(app.state.sessionmaker) as db:
        db.get_one(School, world.school_a).state_id = ALPHA.identifier
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set("pathways_session", world.tokens["coach"])
        yield client


def _upload(client: TestClient, content: bytes, name: str = "roster.zip") -> object:
    token = page_form_token(client, "/coach/roster")
    return client.post(
        "/coach/roster",
        data={"csrf_token": token, "school_year": "2025-2026", "school_id": ""},
        files={"roster": (name, content, "application/zip")},
        headers={"Origin": SITE_ORIGIN},
    )


def test_upload_preview_confirm_imports_once(app: FastAPI, coach: TestClient) -> None:
    sent = _upload(coach, zip_bundle(make_bundle((ALPHA,), 30)))
    assert sent.status_code == 303  # type: ignore[attr-defined]
    preview_url = sent.headers["location"]  # type: ignore[attr-defined]
    preview = coach.get(preview_url)
    assert preview.status_code == 200
    assert count_rows(app, Student) == 2, "the preview writes nothing"
    table = re.search(r'<table id="preview-table">.*?</table>', preview.text, re.S)
    assert table and "Alpha High" in table.group(0)
    assert re.search(r'<td class="num">30</td>', table.group(0))
    done = post_page_form(coach, preview_url, preview_url, {})
    assert done.status_code == 303
    assert done.headers["location"].startswith("/coach/roster?added=30&")
    assert count_rows(app, Student) == 32 and count_rows(app, PendingImport) == 0
    assert 'id="roster-done"' in coach.get(done.headers["location"]).text
    assert coach.get(preview_url).status_code == 404, "an upload is imported once"


def test_a_broken_upload_names_every_bad_row_and_keeps_nothing(
    app: FastAPI, coach: TestClient
) -> None:
    broken, where = broken_bundle(make_bundle((ALPHA,), 30))
    sent = _upload(coach, zip_bundle(broken))
    assert sent.status_code == 422  # type: ignore[attr-defined]
    text = sent.text  # type: ignore[attr-defined]
    cell = r"<td[^>]*>([^<]*)</td>"
    rows = re.findall(r"<tr>" + cell + r'<td class="num"[^>]*>(\d+)</td>' + cell, text)
    assert {(f, int(r), c) for f, r, c in rows} == set(where)
    assert count_rows(app, PendingImport) == 0 and count_rows(app, Student) == 2


def test_a_coach_cannot_import_into_another_coaches_school(app: FastAPI, world: World) -> None:
    with session_scope(app.state.sessionmaker) as db:
        db.get_one(School, world.school_b).state_id = "2800002"
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set("pathways_session", world.tokens["coach"])
        beta = SampleSchool("org-beta", "Beta High", "2800002")
        sent = _upload(client, zip_bundle(make_bundle((beta,), 5)))
        preview = client.get(sent.headers["location"])  # type: ignore[attr-defined]
        assert "you do not coach at Beta High" in preview.text
        token = page_form_token(client, "/coach/roster")
        confirm = client.post(
            sent.headers["location"],  # type: ignore[attr-defined]
            data={"csrf_token": token},
            headers={"Origin": SITE_ORIGIN},
        )
        assert confirm.status_code == 422
    assert count_rows(app, Student) == 2


def test_the_student_form_names_bad_fields_and_adds_and_edits(
    app: FastAPI, coach: TestClient, world: World
) -> None:
    page = "/coach/roster/students/new"
    refused = post_page_form(coach, page, "/coach/roster/students", {"grade": "13"})
    assert refused.status_code == 422
    for field in ("first_name", "local_id", "grade"):
        assert f'id="{field}-error"' in refused.text
    taken = {"first_name": "Ada", "local_id": "A1", "grade": "10", "school_id": str(world.school_a)}
    assert post_page_form(coach, page, "/coach/roster/students", taken).status_code == 422
    good = {**taken, "local_id": "N5", "first_name": "Noor", "class_title": "Career Prep"}
    added = post_page_form(coach, page, "/coach/roster/students", good)
    assert added.status_code == 303
    student_id = int(added.headers["location"].rsplit("/", 1)[1])
    edit = f"/coach/roster/students/{student_id}/edit"
    changed = post_page_form(coach, edit, edit, {**good, "grade": "11"})
    assert changed.status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        student = db.get_one(Student, student_id)
        assert (student.first_name, student.grade) == ("Noor", 11)
        assert db.execute(select(SchoolClass.title)).scalars().all() == ["Career Prep"]
        (career_prep,) = db.execute(select(SchoolClass.id)).scalars().all()
    # a second class is added; ticking the first takes the student out of it alone
    moved = {**good, "grade": "11", "class_title": "Welding I"}
    assert post_page_form(coach, edit, edit, moved).status_code == 303
    assert 'name="leave_class"' in coach.get(edit).text
    left = {**good, "grade": "11", "class_title": "", "leave_class": str(career_prep)}
    assert post_page_form(coach, edit, edit, left).status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        from service.rostering import student_classes

        assert [c.title for c in student_classes(db, student_id)] == ["Welding I"]


def test_caseload_search_and_filters(app: FastAPI, coach: TestClient, world: World) -> None:
    with session_scope(app.state.sessionmaker) as db:
        for n, (name, grade) in enumerate((("Zed", 9), ("Zia", 12), ("Omar", 12), ("Li_ly", 9))):
            db.add(
                Student(school_id=world.school_a, local_id=f"F{n}", first_name=name, grade=grade)
            )

    def shown(query: str) -> set[str]:
        text = coach.get(f"/coach?{query}").text
        return set(re.findall(r'<a href="/coach/students/\d+">([^<]+)</a>', text))

    assert shown("") == {"Ada", "Zed", "Zia", "Omar", "Li_ly"}
    assert shown("q=z") == {"Zed", "Zia"}
    assert shown("q=_") == {"Li_ly"}, "an underscore is a character, not a wildcard"
    assert shown("q=%25") == set(), "a percent sign is a character, not a wildcard"
    assert shown("q=F2") == {"Omar"}
    assert shown("grade=12") == {"Zia", "Omar"}
    assert shown("q=z&grade=12") == {"Zia"}
    assert shown("status=none") == {"Zed", "Zia", "Omar", "Li_ly"}
    assert shown("status=in_progress") == {"Ada"}
    assert shown("grade=99") == {"Ada", "Zed", "Zia", "Omar", "Li_ly"}, "unknown choice ignored"


def test_codes_for_a_class_are_shown_once_on_a_sheet_and_work(
    app: FastAPI, coach: TestClient, world: World
) -> None:
    assert _upload(coach, zip_bundle(make_bundle((ALPHA,), 60))).status_code == 303  # type: ignore[attr-defined]
    with session_scope(app.state.sessionmaker) as db:
        pending = db.execute(select(PendingImport.id)).scalar_one()
    preview = f"/coach/roster/imports/{pending}"
    assert post_page_form(coach, preview, preview, {}).status_code == 303
    caseload = coach.get("/coach").text
    class_id = re.search(r'<select id="class_id" name="class_id"><option value="(\d+)"', caseload)
    assert class_id
    with session_scope(app.state.sessionmaker) as db:
        from service.rostering import class_student_ids

        members = set(class_student_ids(db, int(class_id.group(1))))
    sent = post_page_form(coach, "/coach", "/coach/codes", {"class_id": class_id.group(1)})
    assert sent.status_code == 303
    sheet = coach.get(sent.headers["location"])
    assert sheet.status_code == 200
    codes = re.findall(r'<p class="slip-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})</p>', sheet.text)
    assert len(codes) == len(members) == len(set(codes))
    assert sheet.text.count("http://testserver/start") >= len(codes)
    with session_scope(app.state.sessionmaker) as db:
        rows = db.execute(select(AccessCode).where(AccessCode.student_id.in_(members))).scalars()
        stored = list(rows)
        assert all(code not in {r.code_hash for r in stored} for code in codes), "stored hashed"
        expires = max(r.expires_at for r in stored)
    local = expires.astimezone(TIME_ZONE).strftime("%-I:%M %p")
    assert f"until {local}" in sheet.text
    assert coach.get(sent.headers["location"]).text.count("slip-code") == len(codes)
    # each code signs its student in once
    with TestClient(app) as student:
        assert student.post("/auth/access-code", json={"code": codes[0]}).status_code == 200
        assert student.post("/auth/access-code", json={"code": codes[0]}).status_code == 401
    # ticked students: one new code each; the older codes of those students stop working
    ticked = sorted(members)[:2]
    again = post_page_form(
        coach, "/coach", "/coach/codes", {"student_id": [str(i) for i in ticked]}
    )
    sheet2 = coach.get(again.headers["location"]).text
    assert len(re.findall(r'class="slip-code"', sheet2)) == 2
    with session_scope(app.state.sessionmaker) as db:
        live = db.execute(
            select(func.count())
            .select_from(AccessCode)
            .where(
                AccessCode.student_id.in_(ticked),
                AccessCode.used_at.is_(None),
                AccessCode.expires_at > datetime.now(TIME_ZONE),
            )
        ).scalar_one()
    assert live == 2, "one live code per student"


def test_the_single_code_page_shows_local_time_and_the_full_address(
    coach: TestClient, world: World
) -> None:
    sent = post_page_form(coach, "/coach", f"/coach/students/{world.student_a}/access-code", {})
    page = coach.get(sent.headers["location"]).text
    assert "http://testserver/start" in page
    assert re.search(r"until \d{1,2}:\d{2} [AP]M C[SD]T", page)
    assert "UTC" not in page
    assert 'id="print-code"' in page and 'id="copy-code"' in page
