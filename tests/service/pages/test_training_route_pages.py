"""Where to train in Mississippi on the API, the coach page, the printed plan and the student's
results (issue 11 items 3 and 4): the routes are the catalogue's for the student's county, the
district's community college first, and the step is said when the usual education differs from
the plan, in English and Spanish."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.catalogue import get_catalogue
from recommender.explain import education_step
from recommender.training_routes import training_routes
from service.i18n import CREDENTIAL_LEVEL_MESSAGES, translate
from service.pages._recs import ROUTES_SHOWN, route_view, route_words
from service.pages._text import LANG_COOKIE
from service.reasons import reason_text
from service.recommending import ROUTES_PER_OCCUPATION, _with_programs
from service.routes.recommendations import RecommendationOut
from tests.service.conftest import World
from tests.service.pages.test_group_figures import _pages, _replace_stored_result, _stored_result
from tests.service.test_recommendations import make_profile, submit_profile

HARRISON, GULFPORT, JACKSON = "28047", "0025060", "0027140"
MGCCC = "Mississippi Gulf Coast Community College"
RN = "29-1141.00"


def _harrison_profile() -> Any:
    return dataclasses.replace(
        make_profile(region=GULFPORT, plan="community_college"), county_fips=HARRISON
    )


def _all_occupations(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for p in body["pathways"] for o in p["occupations"]] + body["occupations"]


def test_the_api_gives_each_occupation_its_routes_for_the_students_county(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, _harrison_profile())
    coach = world.headers("coach")
    body = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    RecommendationOut.model_validate(body)
    assert body["training_place"] == {
        "county_fips": HARRISON,
        "county_name": "Harrison County",
        "region": GULFPORT,
        "district_colleges": [MGCCC],
    }
    cat = get_catalogue()
    for o in _all_occupations(body):
        found = training_routes(cat, o["code"], HARRISON, "community_college", GULFPORT)
        assert o["training_routes"] == [
            {**r.to_dict(), "campuses": r.to_dict()["campuses"][:3]}
            for r in found.routes[:ROUTES_PER_OCCUPATION]
        ], o["code"]
        assert o["training_routes_total"] == len(found.routes)
        edu = int(cat.education_code[cat.index_of(o["code"])])
        step = education_step(edu, "community_college")
        # the API adds the sentence in the request's language (English by default)
        assert o["education_step"] == (step and {**step, "text": reason_text(step, "en")})
        local = [r["local"] for r in o["training_routes"]]
        assert local == sorted(local, reverse=True), "the district's college comes first"
        assert all(r["college"] == MGCCC for r in o["training_routes"] if r["local"])

    # a what-if in another region: the county is not in it, so routes are for the region
    other = client.get(
        f"/students/{world.student_a}/recommendations?region={JACKSON}", headers=coach
    ).json()
    assert other["training_place"]["county_fips"] is None
    assert "Hinds Community College" in other["training_place"]["district_colleges"]
    for o in _all_occupations(other):
        assert all(r["college"] != MGCCC for r in o["training_routes"] if r["local"])


def _rn_result(app: FastAPI, client: TestClient, world: World) -> tuple[int, dict[str, Any]]:
    """The stored result with Registered Nurses as the first job of the first pathway."""
    submit_profile(app, world.student_a, _harrison_profile())
    coach = world.headers("coach")
    assert client.get(f"/students/{world.student_a}/recommendations", headers=coach).is_success
    row_id, result = _stored_result(app, world.student_a)
    first = result["pathways"][0]
    # Registered Nurses, with the programmes and routes the service itself adds to a job
    base = {**first["occupations"][0], "code": RN, "title": "Registered Nurses"}
    rn = _with_programs(base, get_catalogue(), result["training_place"], "community_college")
    result["pathways"][0] = {**first, "occupations": [rn, *first["occupations"]]}
    _replace_stored_result(app, row_id, result)
    return row_id, result


def test_coach_page_and_print_list_the_district_college_first_with_the_step(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _, result = _rn_result(app, client, world)
    rn = result["pathways"][0]["occupations"][0]
    first = rn["training_routes"][0]
    assert first["college"] == MGCCC and first["credential_level"] == 2
    page, printed = _pages(client, world, result["pathways"][0]["code"])
    w = route_words("en")
    row = re.search(rf'<tr data-code="{re.escape(RN)}".*?</tr>', page, re.S)
    assert row is not None
    cell = unescape(row.group(0))
    assert "Where to train in Mississippi" in page
    assert cell.index(MGCCC) < cell.index(rn["training_routes"][1]["college"])
    assert w["local"] in cell
    assert f"{first['completers']:,} finished it in the latest count" in cell
    # the usual education (BLS: a bachelor's) is beyond a community-college plan: said plainly
    assert "Usually a bachelor's degree: about 4 years after high school" in cell
    assert w["below_usual"] in cell  # the associate's degree is a first step
    assert cell.count('<li class="route') == len(rn["training_routes"])
    visible = cell.split('<details class="route-more"', 1)[0]
    assert visible.count('<li class="route') == ROUTES_SHOWN
    assert f"<summary>{len(rn['training_routes']) - ROUTES_SHOWN} more places</summary>" in cell
    assert "College Scorecard" in unescape(page) and "truewise.dev" in page

    print_row = re.search(rf'<tr data-code="{re.escape(RN)}".*?</tr>', printed, re.S)
    assert print_row is not None
    on_paper = unescape(print_row.group(0))
    assert MGCCC in on_paper and "<details" not in on_paper
    assert "more places on the coach's page" in on_paper
    assert rn["training_routes"][1]["college"] not in on_paper.split(MGCCC, 1)[0]


def test_student_results_list_routes_in_spanish(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _, result = _rn_result(app, client, world)
    client.cookies.set(LANG_COOKIE, "es")
    page = client.get("/results", headers=world.headers("student"))
    client.cookies.delete(LANG_COOKIE)
    assert page.status_code == 200
    text = unescape(page.text)
    es = route_words("es")
    assert es["heading"] in text
    assert es["for_county"] % {"county": "Harrison County"} in text
    assert es["local"] in text
    assert "una licenciatura: unos 4 años después de la prepa" in text
    rn = result["pathways"][0]["occupations"][0]
    shown = route_view(rn, result, "es")["shown"]
    assert shown[0]["college"] == MGCCC
    for line, route in zip(shown, rn["training_routes"], strict=False):
        # the route's credential in the reader's language, from the catalogue
        spanish = translate("es", CREDENTIAL_LEVEL_MESSAGES[route["credential_level"]])
        assert line["credential"] == spanish != route["credential"]
        assert spanish in text


def test_a_result_stored_without_routes_gets_them_from_the_catalogue() -> None:
    """Results stored before routes were recorded: worked out for the region, nothing stored."""
    cat = get_catalogue()
    old = {"code": RN, "title": "Registered Nurses"}
    result = {"region": GULFPORT, "plan": "community_college"}
    view = route_view(old, result, "en")
    expected = training_routes(cat, RN, None, "community_college", GULFPORT).routes
    assert [r["college"] for r in view["shown"]] == [r.college for r in expected[:ROUTES_SHOWN]]
    assert view["step"].startswith("Usually a bachelor's degree")
    assert set(route_words("en")) == set(route_words("es"))


def test_the_district_college_is_said_to_lack_a_programme_only_when_another_has_it() -> None:
    """Over every occupation for a Harrison County student: "MGCCC lists none of these" appears
    exactly when MGCCC has no route and some other college has one."""
    cat = get_catalogue()
    result = {
        "plan": "community_college",
        "region": GULFPORT,
        "training_place": {"county_fips": HARRISON, "district_colleges": [MGCCC]},
    }
    seen = {"with_others": 0, "with_none": 0}
    for code in cat.codes:
        found = training_routes(cat, code, HARRISON, "community_college", GULFPORT)
        occupation = {
            "code": code,
            "training_routes": [r.to_dict() for r in found.routes],
            "training_routes_total": len(found.routes),
            "district_without_routes": list(found.district_without),
        }
        view = route_view(occupation, result)
        local = any(r.local for r in found.routes)
        if found.routes and not local:
            seen["with_others"] += 1
            assert view["without"] and MGCCC in view["without"][0]
        else:
            seen["with_none"] += not found.routes
            assert view["without"] == []
    assert seen["with_others"] > 0 and seen["with_none"] > 0
