"""Pages split reasons into "Why it fits" and "Things to think about" in words, speak of a
pathway's jobs at pathway level, explain "high value" where it appears, and never repeat
reasons stored before they were checked against the figures (issue 11)."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.catalogue import get_catalogue
from recommender.dimensions import PLANS
from recommender.engine import Recommender
from recommender.explain import HighValueRule, all_jobs_median_wage, high_value_rule_message
from service.i18n import catalogues, template_callables, translate
from service.pages._core import templates
from service.pages._recs import describe_pathways, reason_words, reasons_checked
from service.reasons import reason_text, render_message
from tests.recommender.test_explain_facts import scorer
from tests.service.conftest import World
from tests.service.pages.test_group_figures import _pages, _replace_stored_result, _stored_result
from tests.service.test_recommendations import make_profile, submit_profile


@pytest.fixture(scope="module")
def engine() -> Recommender:
    return Recommender.build(get_catalogue(), scorer, "reasons-test")


def _result(engine: Recommender, region: str, plan: str, k: int = 8) -> dict[str, Any]:
    result = engine.recommend(make_profile(region=region), plan=plan, k=k).to_dict()
    result["region_name"] = region
    return result


def _render(pathways: list[dict[str, Any]]) -> str:
    return templates.env.get_template("_pathways.html").render(
        profile=True,
        region_name="Region",
        plans={p: p for p in PLANS},
        plan="work",
        model_version="m",
        catalogue_version="c",
        pathways=pathways,
    )


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    """The result as stored before reasons carried their facts (reason format 1: a factor, a
    weight and the sentence in English and Spanish)."""

    def old(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "factor": r["factor"],
            "weight": r["weight"],
            "text": reason_text(r, "en"),
            "es": reason_text(r, "es"),
        }

    def occupation(o: dict[str, Any]) -> dict[str, Any]:
        return {**o, "reasons": [old(r) for r in o["reasons"]]}

    return {
        **result,
        "pathways": [
            {**p, "occupations": [occupation(o) for o in p["occupations"]]}
            for p in result["pathways"]
        ],
        "occupations": [occupation(o) for o in result["occupations"]],
    }


@pytest.mark.parametrize("region", [r.code for r in get_catalogue().regions])
@pytest.mark.parametrize("language", ["en", "es"])
def test_reasons_are_split_by_what_their_fact_says(
    engine: Recommender, region: str, language: str
) -> None:
    for plan in ("apprenticeship_certificate", "four_year_college"):
        result = _result(engine, region, plan)
        pathways = describe_pathways(result, language)
        words = reason_words(language)
        for p, raw in zip(pathways, result["pathways"], strict=True):
            assert p["checked"]
            if p["pros"]:
                assert p["reason"] == p["pros"][0]
            for text in [p["reason"], *p["pros"], *p["cons"]]:
                assert not text.startswith(("This job", "Este empleo"))
            for o, raw_o in zip(p["occupations"], raw["occupations"], strict=True):
                by_stance = {"pro": [], "con": [], "none": []}
                for r in raw_o["reasons"]:
                    by_stance[r["stance"]].append(reason_text(r, language))
                assert o["pros"] == by_stance["pro"]
                assert o["cons"] == by_stance["con"]
                assert o["notes"] == by_stance["none"]
        html = unescape(_render(pathways))
        any_pro = any(p["pros"] or o["pros"] for p in pathways for o in p["occupations"])
        any_con = any(p["cons"] or o["cons"] for p in pathways for o in p["occupations"])
        assert (words["why_fits"] in html) == any_pro
        assert (words["think_about"] in html) == any_con
        assert "reasons-unchecked" not in html
        high = any(o["high_value"] for p in pathways for o in p["occupations"])
        assert ('id="high-value-legend"' in html) == high
        if high:
            cat = get_catalogue()
            legend = render_message(
                *high_value_rule_message(
                    HighValueRule.from_manifest(cat.manifest), all_jobs_median_wage(cat, region)
                ),
                language,
            )
            assert legend in html
            assert f"${all_jobs_median_wage(cat, region):,.0f}" in legend


def test_pro_and_con_words_differ_in_both_languages() -> None:
    for language in ("en", "es"):
        words = reason_words(language)
        assert words["why_fits"] != words["think_about"]
        # the student results page says them with the catalogue's words
        assert translate(language, "Why it fits") == words["why_fits"]
        assert translate(language, "Things to think about") == words["think_about"]
    assert reason_words("en")["why_fits"] == "Why it fits"
    assert reason_words("es")["why_fits"] == "Por qué encaja"
    assert set(reason_words("en")) == set(reason_words("es"))


def test_the_student_results_page_labels_its_reasons_in_spanish(engine: Recommender) -> None:
    result = _result(engine, "0025060", "community_college", k=5)
    html = templates.env.get_template("results.html").render(
        **template_callables(catalogues().translations("es")),
        page_lang="es",
        pending=False,
        chart="",
        pathways=describe_pathways(result, "es"),
        request=None,
    )
    assert f"{translate('es', 'Why it fits')}:" in html
    assert "This job" not in html and "Why it fits" not in html


def test_reasons_stored_before_they_were_checked_are_not_repeated(engine: Recommender) -> None:
    result = _strip(_result(engine, "0025060", "apprenticeship_certificate", k=5))
    pathways = describe_pathways(result)
    html = unescape(_render(pathways))
    assert all(not p["checked"] and not p["pros"] and not p["cons"] for p in pathways)
    assert reason_words("en")["unchecked"] in html
    for p in result["pathways"]:
        for o in p["occupations"]:
            assert not reasons_checked(o["reasons"])
            for r in o["reasons"]:
                assert r["text"] not in html


def test_the_coach_page_and_print_show_checked_reasons_and_hide_unchecked_ones(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    coach = world.headers("coach")
    api = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    reason = api["pathways"][0]["occupations"][0]["reasons"][0]
    assert reason["stance"] in ("pro", "con", "none") and reason["claim"]
    assert isinstance(reason["facts"], dict) and "model_agrees" in reason
    page, printed = _pages(client, world, api["pathways"][0]["code"])
    for html in (page, printed):
        assert "reasons-unchecked" not in html
        assert "Why it fits" in html or "Things to think about" in html
    row_id, stored = _stored_result(app, world.student_a)
    _replace_stored_result(app, row_id, _strip(stored))
    page, printed = _pages(client, world, api["pathways"][0]["code"])
    for html in (page, printed):
        assert "reasons-unchecked" in html
        assert reason["text"] not in unescape(html)
