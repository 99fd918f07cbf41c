"""Pages label every employment and wage figure that is an OEWS group's, not the job's own.

O*NET detail occupations (and some SOC codes matched to a broad group) share one OEWS series:
the jobs and wage shown are the whole group's. The coach's table and the printed plan say so for
exactly those rows; results stored before the scope was recorded make no claim either way.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from recommender.catalogue import get_catalogue
from recommender.engine import Recommender
from service.db import session_scope
from service.pages._core import templates
from service.pages._recs import describe_pathways, figure_scope, group_figures_text
from service.routes.recommendations import RecommendationOut
from service.tables import Recommendation
from tests.service.conftest import World
from tests.service.test_recommendations import make_profile, submit_profile

SCOPE_KEYS = ("figures_scope", "figures_group_code", "figures_group_title", "figures_group_size")
ROW = re.compile(r'<tr data-code="([^"]+)" data-figures="([^"]+)">(.*?)</tr>', re.S)
NOTE = re.compile(r'<span class="figure-note muted">([^<]*)</span>')


@pytest.fixture(scope="module")
def engine() -> Recommender:
    """The shipped catalogue with a constant fit: only the figures matter here."""
    return Recommender.build(
        get_catalogue(), lambda x: np.full(len(x), 0.5, dtype=np.float32), "figures-test"
    )


def _everything(engine: Recommender, region: str) -> list[dict[str, Any]]:
    """Every catalogue occupation as the engine reports it in ``region`` (JSON form)."""
    n = len(engine.catalogue.codes)
    result = engine.recommend(make_profile(region=region), k=n).to_dict()
    assert len(result["occupations"]) == n
    return list(result["occupations"])


def _render_table(occupations: list[dict[str, Any]], language: str = "en") -> str:
    result = {
        "pathways": [
            {
                "code": "all",
                "title": "All",
                "cluster": "All",
                "score": 0.0,
                "occupations": occupations,
            }
        ]
    }
    return templates.env.get_template("_pathways.html").render(
        profile=True,
        region_name="Region",
        plans={"work": "Work"},
        plan="work",
        model_version="m",
        catalogue_version="c",
        pathways=describe_pathways(result, language),
    )


def _rows(html: str) -> dict[str, tuple[str, list[str]]]:
    """data-code -> (data-figures, the unescaped figure notes of the row)."""
    return {
        code: (scope, [unescape(n) for n in NOTE.findall(body)])
        for code, scope, body in ROW.findall(html)
    }


@pytest.mark.parametrize("region", [r.code for r in get_catalogue().regions])
def test_the_coach_table_labels_exactly_the_group_figures_of_the_whole_catalogue(
    engine: Recommender, region: str
) -> None:
    occupations = _everything(engine, region)
    html = _render_table(occupations)
    rows = _rows(html)
    assert len(rows) == len(occupations)
    words = group_figures_text("en")
    for o in occupations:
        scope, notes = rows[o["code"]]
        assert scope == o["figures_scope"], o["code"]
        if o["figures_scope"] != "group":
            assert notes == [], o["code"]
            continue
        expected = []
        if o["wage_median"]:
            expected.append(figure_scope(o)["wage_note"])
        if o["employment"]:
            expected.append(figure_scope(o)["jobs_note"])
        assert notes == expected, o["code"]
        group = o["figures_group_title"] or o["figures_group_code"]
        assert all(group in note for note in notes)
        if o["employment"] and o["figures_group_size"] > 1:
            assert f"shared by {o['figures_group_size']} job titles" in notes[-1]
    assert ('id="group-figures-legend"' in html) == any(
        o["figures_scope"] == "group" for o in occupations
    )
    assert words["group_legend"] in unescape(html)


def test_the_group_words_exist_in_english_and_spanish(engine: Recommender) -> None:
    nurse = next(o for o in _everything(engine, "2800000") if o["code"] == "29-1141.01")
    en, es = figure_scope(nurse, "en"), figure_scope(nurse, "es")
    assert en["jobs_note"] == "all jobs in the “Registered Nurses” group, shared by 5 job titles"
    # a Spanish reader sees the group's own occupation under the project's Spanish title
    spanish = get_catalogue().titles_es[get_catalogue().index_of("29-1141.00")]
    assert spanish and spanish != "Registered Nurses"
    assert es["jobs_note"] == (
        f"todos los empleos del grupo “{spanish}”, compartidos por 5 títulos de empleo"
    )
    assert en["wage_note"] != es["wage_note"] and es["wage_note"].startswith("mediana")
    assert set(group_figures_text("en")) == set(group_figures_text("es"))
    html = _render_table([nurse], "es")
    assert es["jobs_note"] in unescape(html)
    assert group_figures_text("es")["group_legend"] in unescape(html)
    unnamed = {**nurse, "figures_group_title": "", "figures_group_code": "15-1299"}
    assert "SOC 15-1299" in figure_scope(unnamed)["jobs_note"]
    old = {k: v for k, v in nurse.items() if k not in SCOPE_KEYS}
    assert figure_scope(old) == {"scope": None, "jobs_note": "", "wage_note": ""}


def _stored_result(app: FastAPI, student_id: int) -> tuple[int, dict[str, Any]]:
    with session_scope(app.state.sessionmaker) as db:
        row = db.execute(
            select(Recommendation)
            .where(Recommendation.student_id == student_id)
            .order_by(Recommendation.id.desc())
            .limit(1)
        ).scalar_one()
        return row.id, dict(row.result)


def _replace_stored_result(app: FastAPI, row_id: int, result: dict[str, Any]) -> None:
    with session_scope(app.state.sessionmaker) as db:
        row = db.get(Recommendation, row_id)
        assert row is not None
        row.result = result


def _pages(client: TestClient, world: World, chosen: str) -> tuple[str, str]:
    coach = world.headers("coach")
    saved = client.put(
        f"/students/{world.student_a}/plan", json={"chosen_pathways": [chosen]}, headers=coach
    )
    assert saved.status_code == 200, saved.text
    page = client.get(f"/coach/students/{world.student_a}", headers=coach)
    printed = client.get(f"/coach/students/{world.student_a}/plan/print", headers=coach)
    assert page.status_code == printed.status_code == 200
    return page.text, printed.text


def test_coach_page_and_printed_plan_label_a_group_figure_and_not_a_sole_one(
    app: FastAPI, client: TestClient, world: World, engine: Recommender
) -> None:
    profile = make_profile()
    submit_profile(app, world.student_a, profile)
    coach = world.headers("coach")
    assert client.get(f"/students/{world.student_a}/recommendations", headers=coach).is_success
    row_id, result = _stored_result(app, world.student_a)
    everything = {o["code"]: o for o in _everything(engine, str(profile.region_code))}
    group = everything["29-1141.01"]  # Acute Care Nurses: the Registered Nurses series
    sole = next(
        o
        for o in everything.values()
        if o["figures_scope"] == "occupation" and o["employment"] and o["wage_median"]
    )
    old = {k: v for k, v in everything["29-1141.03"].items() if k not in SCOPE_KEYS}
    assert group["figures_scope"] == "group" and group["employment"] and group["wage_median"]
    listed = [{**o, "programs": []} for o in (group, sole, old)]  # as stored: with programmes
    result["pathways"][0] = {**result["pathways"][0], "occupations": listed}
    _replace_stored_result(app, row_id, result)

    page, printed = _pages(client, world, result["pathways"][0]["code"])
    jobs = figure_scope(group)["jobs_note"]
    wage = figure_scope(group)["wage_note"]
    shown = _rows(page)
    assert shown[group["code"]] == ("group", [wage, jobs])
    assert shown[sole["code"]] == ("occupation", [])
    assert shown[old["code"]] == ("unknown", [])
    assert f"{group['employment']:,.0f}" in page and 'id="group-figures-legend"' in page
    on_paper = _rows(printed)
    assert on_paper[group["code"]] == ("group", [wage])
    assert on_paper[sole["code"]] == ("occupation", [])
    assert on_paper[old["code"]] == ("unknown", [])
    assert 'id="group-figures-legend"' in printed

    body = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    served = RecommendationOut.model_validate(body).pathways[0].occupations
    assert [o.figures_scope for o in served] == ["group", "occupation", None]
    assert served[0].figures_group_size == 5 and served[0].figures_group_code == "29-1141"


def test_a_result_stored_before_the_scope_was_recorded_renders_without_a_claim(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    coach = world.headers("coach")
    assert client.get(f"/students/{world.student_a}/recommendations", headers=coach).is_success
    row_id, result = _stored_result(app, world.student_a)

    def strip(o: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in o.items() if k not in SCOPE_KEYS}

    old = {
        **result,
        "pathways": [
            {**p, "occupations": [strip(o) for o in p["occupations"]]} for p in result["pathways"]
        ],
        "occupations": [strip(o) for o in result["occupations"]],
    }
    _replace_stored_result(app, row_id, old)

    page, printed = _pages(client, world, result["pathways"][0]["code"])
    for html in (page, printed):
        rows = _rows(html)
        assert rows and all(scope == "unknown" and notes == [] for scope, notes in rows.values())
        assert "figure-note" not in html and "group-figures-legend" not in html
    body = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    assert body["stored"] and "figures_scope" not in body["pathways"][0]["occupations"][0]
    served = RecommendationOut.model_validate(body)
    assert all(o.figures_scope is None for p in served.pathways for o in p.occupations)
