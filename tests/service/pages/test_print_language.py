"""The printed plan is in the family's language, set on the coach's page and through the API."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.db import session_scope
from service.i18n import catalogues
from service.tables import Student
from tests.service.conftest import SITE_ORIGIN, World, page_form_token


def _spanish(msgid: str) -> str:
    text = catalogues().translations("es").gettext(msgid)
    assert text != msgid, f"{msgid!r} has no Spanish translation"
    return text


def _save_plan(client: TestClient, world: World) -> None:
    saved = client.put(
        f"/students/{world.student_a}/plan",
        json={"next_steps": ["visit the college"]},
        headers=world.headers("coach"),
    )
    assert saved.status_code == 200, saved.text


def _stored(app: FastAPI, student_id: int) -> str | None:
    with session_scope(app.state.sessionmaker) as db:
        student = db.get(Student, student_id)
        assert student is not None
        return student.family_language


def _h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page)
    assert found is not None
    return found.group(1)


def _send_language(client: TestClient, world: World, code: str) -> object:
    page = f"/coach/students/{world.student_a}"
    token = page_form_token(client, page, headers=world.headers("coach"))
    return client.post(
        f"/coach/students/{world.student_a}/family-language",
        data={"family_language": code, "csrf_token": token},
        headers={"Origin": SITE_ORIGIN, **world.headers("coach")},
        follow_redirects=False,
    )


def test_the_print_view_follows_the_family_language_the_coach_saved(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _save_plan(client, world)
    coach = world.headers("coach")
    printed = f"/coach/students/{world.student_a}/plan/print"
    before = client.get(printed, headers=coach)
    assert '<html lang="en">' in before.text and _h1(before.text) == "Career plan for Ada"

    sent = _send_language(client, world, "es")
    assert sent.status_code == 303  # type: ignore[attr-defined]
    assert _stored(app, world.student_a) == "es"

    spanish = client.get(printed, headers=coach)
    assert '<html lang="es">' in spanish.text
    assert _h1(spanish.text) == _spanish("Career plan for %(name)s") % {"name": "Ada"}
    assert _spanish("Next steps") in spanish.text
    # the coach's own pages stay in the coach's language
    assert (
        '<html lang="en">' in client.get(f"/coach/students/{world.student_a}", headers=coach).text
    )

    once = client.get(f"{printed}?lang=en", headers=coach)
    assert _h1(once.text) == "Career plan for Ada" and '<html lang="en">' in once.text
    assert _stored(app, world.student_a) == "es"  # a one-off switch changes nothing stored
    assert _h1(client.get(printed, headers=coach).text) == _h1(spanish.text)
    assert f'href="{printed}?lang=en"' in spanish.text  # the switch link is on the page


def test_a_language_without_a_catalogue_is_refused_and_nothing_changes(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _save_plan(client, world)
    assert _send_language(client, world, "es").status_code == 303  # type: ignore[attr-defined]
    refused = _send_language(client, world, "xx")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert 'id="family-language-error"' in refused.text  # type: ignore[attr-defined]
    assert _stored(app, world.student_a) == "es"
    assert _send_language(client, world, "").status_code == 303  # type: ignore[attr-defined]
    assert _stored(app, world.student_a) is None


def test_the_api_exposes_and_accepts_the_family_language(
    app: FastAPI, client: TestClient, world: World
) -> None:
    coach = world.headers("coach")
    url = f"/students/{world.student_a}"
    changed = client.patch(url, json={"family_language": "es"}, headers=coach)
    assert changed.status_code == 200, changed.text
    assert changed.json()["family_language"] == "es"
    assert _stored(app, world.student_a) == "es"
    refused = client.patch(url, json={"family_language": "xx"}, headers=coach)
    assert refused.status_code == 422
    assert "family_language" in refused.text
    assert _stored(app, world.student_a) == "es"
    listed = client.get("/students", headers=coach).json()
    assert [s["family_language"] for s in listed if s["id"] == world.student_a] == ["es"]
