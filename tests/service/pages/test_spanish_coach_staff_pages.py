"""Coach and staff pages in Spanish (issue 15 item 2): each area shows a heading from the Spanish
catalogue, no message is shown with its placeholders unfilled, and messages made in Python (form
errors, roster problems, titles) reach the page translated.

Expectations are read from ``service/locales/es/LC_MESSAGES/messages.po``, never written here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.instrument import load_instrument
from service.i18n import po_path, read_catalog
from service.pages._text import LANG_COOKIE
from tests.service.conftest import SITE_ORIGIN, World, page_form_token, post_page_form
from tests.service.test_recommendations import make_profile, submit_profile

#: A newstyle placeholder left in a page: a message shown without its values.
RAW_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


@pytest.fixture(scope="module")
def spanish() -> dict[str, Any]:
    """Spanish by msgid (a plural message by its singular: its forms, singular first)."""
    found = read_catalog(po_path("es"))
    return {
        str(m.id[0] if isinstance(m.id, tuple | list) else m.id): m.string for m in found if m.id
    }


def es(spanish: dict[str, Any], msgid: str, *, plural: bool = False, **values: Any) -> str:
    """The Spanish of ``msgid`` as a page shows it (HTML-escaped, values filled in); for a
    plural message, its singular or (``plural``) its plural form."""
    text = spanish.get(msgid)
    if isinstance(text, tuple):
        text = text[1 if plural else 0]
    assert text, f"{msgid!r} has no Spanish translation"
    return html.escape(text % values if values else text.replace("%%", "%"), quote=False)


def _client(app: FastAPI, token: str) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set("pathways_session", token)
        client.cookies.set(LANG_COOKIE, "es")
        yield client


@pytest.fixture
def coach(app: FastAPI, world: World) -> Iterator[TestClient]:
    yield from _client(app, world.tokens["coach"])


@pytest.fixture
def staff(app: FastAPI, world: World) -> Iterator[TestClient]:
    yield from _client(app, world.tokens["staff"])


def _spanish_page(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return _checked(response.text, path)


def _checked(text: str, where: str) -> str:
    assert '<html lang="es">' in text, where
    assert RAW_PLACEHOLDER.search(text) is None, (where, RAW_PLACEHOLDER.findall(text))
    return text


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/coach", "Caseload"),
        ("/coach/activities", "Activity log"),
        ("/coach/activities/new", "Log an activity"),
        ("/coach/roster", "Import a roster"),
        ("/coach/roster/students/new", "Add a student"),
        ("/coach/privacy", "Privacy requests"),
    ],
)
def test_coach_pages_are_in_spanish(
    coach: TestClient, spanish: dict[str, Any], path: str, heading: str
) -> None:
    page = _spanish_page(coach, path)
    assert es(spanish, heading) in page


def test_the_student_page_is_in_spanish(
    app: FastAPI, coach: TestClient, world: World, spanish: dict[str, Any]
) -> None:
    submit_profile(app, world.student_a, make_profile())  # a finished assessment: a ranked list
    page = _spanish_page(coach, f"/coach/students/{world.student_a}")
    for heading in ("Ranked pathways", "Plan", "Sessions", "Issue an access code"):
        assert f"{es(spanish, heading)}<" in page, heading
    assert es(spanish, "(%(local_id)s, grade %(grade)s)", local_id="A1", grade=10) in page
    assert "Ranked pathways" not in page and "Plan after high school" not in page
    # the ranked list itself: Spanish titles, reason headings and reasons
    from recommender.catalogue import get_catalogue

    catalogue = get_catalogue()
    codes = re.findall(r'data-pathway="([^"]+)"', page)
    assert codes, "the student has ranked pathways"
    for code in codes:
        pathway = catalogue.pathways[catalogue.pathway_index(code)]
        assert html.escape(pathway.title_es, quote=False) in page, code
    assert es(spanish, "Why it fits") in page
    for english in ("Why it fits", "Things to think about", "jobs shown for this pathway"):
        assert english not in page, english


def test_find_and_item_pages_are_in_spanish(
    coach: TestClient, world: World, spanish: dict[str, Any]
) -> None:
    found = _spanish_page(coach, f"/coach/students/{world.student_a}/find?q=nurse")
    assert es(spanish, "Find a pathway or job for %(name)s", name="Ada") in found
    link = re.search(r'href="(/coach/students/\d+/find/[a-z]+/[^"?#]+)', found)
    assert link is not None
    _spanish_page(coach, html.unescape(link.group(1)))


def test_a_records_error_is_in_spanish(
    coach: TestClient, world: World, spanish: dict[str, Any]
) -> None:
    page = f"/coach/students/{world.student_a}"
    sent = post_page_form(
        coach, page, f"{page}/records", {"act_composite": "lots", "act_math": "99"}
    )
    assert sent.status_code == 422
    text = _checked(sent.text, "records")
    fields = {r.id: r for r in load_instrument(language="es").records}
    assert es(spanish, "%(label)s: enter a number.", label=fields["act_composite"].label) in text
    math = fields["act_math"]
    message = "%(label)s: enter a whole number from %(low)s to %(high)s."
    if not math.integer:
        message = "%(label)s: enter a number from %(low)s to %(high)s."
    low, high = f"{math.minimum:g}", f"{math.maximum:g}"
    assert es(spanish, message, label=math.label, low=low, high=high) in text
    assert es(spanish, "Nothing was saved. Check this field:", plural=True) in text
    assert "enter a number" not in text and "whole number" not in text


def test_a_student_form_error_names_the_field_in_spanish(
    coach: TestClient, spanish: dict[str, Any]
) -> None:
    token = page_form_token(coach, "/coach/roster/students/new")
    sent = coach.post(
        "/coach/roster/students",
        data={"csrf_token": token, "first_name": "", "local_id": "Z9", "grade": "10"},
        headers={"Origin": SITE_ORIGIN},
    )
    assert sent.status_code == 422
    text = _checked(sent.text, "student form")
    label = es(spanish, "First name")
    assert es(spanish, "%(field)s: type it in.", field=label) in text
    assert "type it in" not in text


def test_a_roster_problem_is_in_spanish(coach: TestClient, spanish: dict[str, Any]) -> None:
    token = page_form_token(coach, "/coach/roster")
    sent = coach.post(
        "/coach/roster",
        data={
            "csrf_token": token,
            "school_year": "2025-2026",
            "school_id": "",
        },
        files={"roster": ("roster.csv", b"local_id,first_name\nA2,Cy\n", "text/csv")},
        headers={"Origin": SITE_ORIGIN},
    )
    assert sent.status_code == 422
    text = _checked(sent.text, "roster problems")
    assert es(spanish, "this column is missing from the header") in text
    assert "missing from the header" not in text


def test_staff_pages_are_in_spanish(staff: TestClient, spanish: dict[str, Any]) -> None:
    models = _spanish_page(staff, "/staff")
    assert es(spanish, "Model versions") in models
    assert es(spanish, "Coverage@10") in models
    version = re.search(r'href="/staff/models/([^"/]+)"', models)
    assert version is not None
    card = _spanish_page(staff, f"/staff/models/{version.group(1)}")
    assert es(spanish, "Model %(version)s", version=version.group(1)) in card
    confirm = _spanish_page(staff, f"/staff/models/{version.group(1)}/promote")
    assert es(spanish, "Promote %(version)s?", version=version.group(1)) in confirm
    report = _spanish_page(staff, "/staff/report")
    assert es(spanish, "Activity report") in report
    assert "Students reached by category" not in report
    assert es(spanish, "Entries") in report


def test_a_message_is_english_as_text_and_translated_on_a_page(spanish: dict[str, Any]) -> None:
    """``Message``: the API and logs get the English; ``_()`` translates it and its label."""
    from service.i18n import Message, catalogues, template_callables
    from service.pages._core import templates

    message = Message("%(field)s: type it in.", field=Message("First name"))
    assert message == "First name: type it in."
    shown = templates.env.from_string("{{ _(m) }}").render(
        m=message, **template_callables(catalogues().translations("es"))
    )
    assert shown == es(spanish, "%(field)s: type it in.", field=es(spanish, "First name"))
