"""GET /students/{id}/recommendations: stored default, what-if re-ranking, faithful reasons."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from recommender.assessment import StudentProfile
from recommender.catalogue import get_catalogue
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.features import StudentBatch, build_pair_features_batch
from recommender.model import read_active_version
from recommender.ranking import NEUTRAL_PERCENTILE, score_percentile
from recommender.typical import relative_fit
from service.db import session_scope
from service.reasons import reason_text, with_texts
from service.routes.recommendations import RecommendationOut
from service.tables import Assessment, Recommendation
from tests.model.synthetic import make_scored_profile
from tests.service.conftest import World, count_rows

FACTORS = {"interests", "aptitudes", "values", "education", "demand", "wage"}


def make_profile(
    *, region: str | None = "2800005", plan: str = "community_college", seed: int = 7
) -> StudentProfile:
    """A scored profile with clear interests, values and aptitudes (one aptitude unknown)."""
    return make_scored_profile(np.random.default_rng(seed), plan=plan, region=region)


def submit_profile(app: FastAPI, student_id: int, profile: StudentProfile) -> int:
    """Store a submitted assessment with ``profile`` for the student; returns its id."""
    with session_scope(app.state.sessionmaker) as db:
        sitting = Assessment(
            student_id=student_id,
            instrument_version=profile.instrument_version,
            status="submitted",
            answers={},
            aptitude_seeds={},
            profile=profile.to_dict(),
            submitted_at=datetime.now(UTC),
        )
        db.add(sitting)
        db.flush()
        return sitting.id


def stored_rows(app: FastAPI, student_id: int) -> list[dict[str, Any]]:
    """Every stored recommendation of a student, as plain dicts, oldest first."""
    with session_scope(app.state.sessionmaker) as db:
        rows = db.execute(
            select(Recommendation)
            .where(Recommendation.student_id == student_id)
            .order_by(Recommendation.id)
        ).scalars()
        return [
            {
                "id": r.id,
                "model_version": r.model_version,
                "catalogue_version": r.catalogue_version,
                "inputs": r.inputs,
                "result": r.result,
                "created_at": r.created_at,
                "assessment_id": r.assessment_id,
            }
            for r in rows
        ]


def _url(world: World, student: str = "a") -> str:
    sid = world.student_a if student == "a" else world.student_b
    return f"/students/{sid}/recommendations"


def test_a_coach_gets_ranked_pathways_with_reasons_wages_and_programmes(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    response = client.get(_url(world), headers=world.headers("coach"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == read_active_version()
    assert body["catalogue_version"] == get_catalogue().version
    assert body["region"] == "2800005"
    assert body["region_name"] and body["region_name"] != "2800005"
    assert len(body["pathways"]) == 5 and len(body["occupations"]) == 5
    scores = [p["score"] for p in body["pathways"]]
    assert scores == sorted(scores, reverse=True)
    catalogue = get_catalogue()
    for pathway in body["pathways"]:
        assert 1 <= len(pathway["occupations"]) <= 3
        for occupation in pathway["occupations"]:
            assert {r["factor"] for r in occupation["reasons"]} == FACTORS
            assert all(r["text"] and "es" not in r for r in occupation["reasons"])
            expected = catalogue.programs[catalogue.index_of(occupation["code"])][:3]
            assert [p["cip_code"] for p in occupation["programs"]] == [p.cip_code for p in expected]
            region_row = catalogue.region_index("2800005")
            wage = catalogue.wage_median[region_row, catalogue.index_of(occupation["code"])]
            if np.isfinite(wage):
                assert occupation["wage_median"] == pytest.approx(float(wage))
    # the shipped version carries a calibration, so each occupation has a probability that
    # never falls as the learned fit rises
    served = sorted(body["occupations"], key=lambda o: o["fit"])
    probabilities = [o["probability"] for o in served]
    assert all(p is not None and 0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities)


def test_the_default_result_is_stored_once_with_versions_and_inputs(
    app: FastAPI, client: TestClient, world: World
) -> None:
    profile = make_profile()
    assessment_id = submit_profile(app, world.student_a, profile)
    first = client.get(_url(world), headers=world.headers("coach")).json()
    second = client.get(_url(world), headers=world.headers("admin")).json()
    rows = stored_rows(app, world.student_a)
    assert len(rows) == 1
    row = rows[0]
    assert first["stored"] and not first["what_if"]
    assert first["recommendation_id"] == second["recommendation_id"] == row["id"]
    assert row["model_version"] == read_active_version()
    assert row["catalogue_version"] == get_catalogue().version
    assert row["assessment_id"] == assessment_id
    assert row["inputs"]["region"] == "2800005"
    assert row["inputs"]["plan"] == "community_college"
    assert row["inputs"]["k"] == 5
    assert row["inputs"]["profile_hash"] == first["profile_hash"]
    assert len(first["profile_hash"]) == 64
    # what is stored is what is served, less the sentences rendered in the request's language
    assert with_texts(row["result"], "en")["pathways"] == first["pathways"]


def test_a_new_submission_stores_a_new_result(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile(seed=1))
    first = client.get(_url(world), headers=world.headers("coach")).json()
    submit_profile(app, world.student_a, make_profile(seed=2, plan="apprenticeship_certificate"))
    second = client.get(_url(world), headers=world.headers("coach")).json()
    assert second["recommendation_id"] != first["recommendation_id"]
    assert second["plan"] == "apprenticeship_certificate"
    assert len(stored_rows(app, world.student_a)) == 2


def test_a_what_if_reranks_without_changing_the_stored_result(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    client.get(_url(world), headers=world.headers("coach"))
    before = stored_rows(app, world.student_a)
    what_if = client.get(
        _url(world),
        params={"region": "0025060", "plan": "four_year_college", "k": 3},
        headers=world.headers("coach"),
    )
    assert what_if.status_code == 200, what_if.text
    body = what_if.json()
    assert body["what_if"] and not body["stored"] and body["recommendation_id"] is None
    assert (body["region"], body["plan"]) == ("0025060", "four_year_college")
    assert len(body["pathways"]) == 3
    assert stored_rows(app, world.student_a) == before
    again = client.get(_url(world), headers=world.headers("coach")).json()
    assert again["recommendation_id"] == before[0]["id"]
    assert again["region"] == "2800005"


def test_the_student_sees_their_own_recommendations_and_no_one_elses(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    submit_profile(app, world.student_b, make_profile(seed=3))
    own = client.get(_url(world), headers=world.headers("student"))
    assert own.status_code == 200
    assert own.json()["student_id"] == world.student_a
    other = client.get(_url(world, "b"), headers=world.headers("student"))
    assert other.status_code == 404


def test_no_submitted_assessment_is_a_409_problem(client: TestClient, world: World) -> None:
    response = client.get(_url(world), headers=world.headers("coach"))
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no submitted assessment" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "9999999"}, "query.region"),
        ({"region": "north"}, "query.region"),
        ({"plan": "astronaut"}, "query.plan"),
        ({"k": 0}, "query.k"),
    ],
)
def test_a_bad_what_if_names_the_query_field(
    app: FastAPI, client: TestClient, world: World, params: dict[str, Any], field: str
) -> None:
    submit_profile(app, world.student_a, make_profile())
    response = client.get(_url(world), params=params, headers=world.headers("coach"))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert stored_rows(app, world.student_a) == []


def _neutral(profile: StudentProfile, factor: str) -> StudentProfile:
    """The profile with one factor at its neutral baseline, built here independently."""
    data = profile.to_dict()
    if factor == "interests":
        data["interests"] = [float(np.mean(profile.interests))] * len(RIASEC)
    elif factor == "values":
        data["work_values"] = [float(np.mean(profile.work_values))] * len(WORK_VALUES)
    elif factor == "aptitudes":
        data["aptitudes"] = [0.0] * len(APTITUDES)
        data["aptitudes_se"] = [1.0] * len(APTITUDES)
    else:
        data["plan"] = "undecided"
    return StudentProfile.from_dict(data)


def test_reason_weights_equal_an_independent_ablation(
    app: FastAPI, client: TestClient, world: World
) -> None:
    profile = make_profile()
    submit_profile(app, world.student_a, profile)
    body = client.get(_url(world), headers=world.headers("coach")).json()
    engine = app.state.models.current.recommender
    catalogue = get_catalogue()
    policy = engine.policy
    region = catalogue.region_index(body["region"])
    # demand ranks each OEWS series' jobs split evenly among the occupations that share it
    sharing = Counter(catalogue.oews_codes)
    share = [max(sharing[c], 1) if c else 1 for c in catalogue.oews_codes]
    demand_pct = score_percentile(catalogue.employment[region] / np.asarray(share))
    wage_pct = score_percentile(catalogue.wage_median[region])

    def fit(p: StudentProfile, j: int) -> float:
        students = StudentBatch.from_profiles([p])
        x = build_pair_features_batch(students, engine.occupations, np.zeros(1), np.array([j]))
        return float(engine.score_fit(x)[0])

    # the interest match's part of the score (recommender.ranking), which flat interests remove:
    # the Pearson r with each occupation's interests, z-scored over the catalogue, in units of
    # the SD of the fit part (the fit relative to students in general)
    n = engine.occupations.size
    every = build_pair_features_batch(
        StudentBatch.from_profiles([profile]), engine.occupations, np.zeros(n), np.arange(n)
    )
    fit_part = policy.fit_weight * relative_fit(engine.score_fit(every), engine.typical_fit)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.array([np.corrcoef(profile.interests, o)[0, 1] for o in engine.occupations.riasec])
    r = np.nan_to_num(r)
    match_part = policy.interest_weight * np.std(fit_part) * (r - r.mean()) / r.std()
    assert policy.interest_weight == 0 or np.abs(match_part).max() > 1e-3

    checked = 0
    for occupation in body["occupations"]:
        j = catalogue.index_of(occupation["code"])
        weights = {r["factor"]: r["weight"] for r in occupation["reasons"]}
        for factor in ("interests", "aptitudes", "values", "education"):
            moved = policy.fit_weight * (fit(profile, j) - fit(_neutral(profile, factor), j))
            if factor == "interests":
                moved += match_part[j]
            assert weights[factor] == pytest.approx(moved, abs=1e-4), factor
        boost = policy.high_value_boost * bool(catalogue.high_value[region, j])
        demand = policy.demand_weight * (demand_pct[j] - NEUTRAL_PERCENTILE) + boost
        wage = policy.wage_weight * (wage_pct[j] - NEUTRAL_PERCENTILE)
        assert weights["demand"] == pytest.approx(demand, abs=1e-5)
        assert weights["wage"] == pytest.approx(wage, abs=1e-5)
        checked += 1
    assert checked == 5
    assert any(abs(r["weight"]) > 1e-3 for o in body["occupations"] for r in o["reasons"])


def test_stored_rows_count_stays_zero_for_a_what_if_only(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    response = client.get(_url(world), params={"k": 2}, headers=world.headers("coach"))
    assert response.status_code == 200
    assert count_rows(app, Recommendation) == 0


def test_the_demo_district_is_seeded_with_stored_recommendations(app: FastAPI) -> None:
    from service.auth import make_password_hasher
    from service.seed import seed_demo_district

    with session_scope(app.state.sessionmaker) as db:
        assert seed_demo_district(db, make_password_hasher(app.state.settings))
    with session_scope(app.state.sessionmaker) as db:
        finished = set(
            db.execute(
                select(Assessment.student_id).where(Assessment.status == "submitted")
            ).scalars()
        )
        stored = db.execute(select(Recommendation)).scalars().all()
        assert finished and {r.student_id for r in stored} == finished
        assert len(stored) == len(finished)
        assert {r.model_version for r in stored} == {read_active_version()}


def _as_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The body validated as the documented schema and dumped back to JSON types."""
    return RecommendationOut.model_validate(body).model_dump(mode="json")


def test_the_stored_body_is_the_documented_schema_and_equals_the_freshly_computed_one(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    fresh = client.get(_url(world), headers=world.headers("coach"))  # computed, then stored
    again = client.get(_url(world), headers=world.headers("coach"))  # the stored JSON text
    assert fresh.status_code == again.status_code == 200
    assert again.headers["content-type"] == "application/json"
    first, second = fresh.json(), again.json()
    assert set(second) == set(RecommendationOut.model_fields)
    assert _as_schema(second) == second  # nothing the schema would change or drop
    assert first == second
    row = stored_rows(app, world.student_a)[0]
    created = RecommendationOut.model_validate(second).created_at
    assert created == row["created_at"]
    assert (
        second["created_at"]
        == _as_schema({**second, "created_at": row["created_at"]})["created_at"]
    )


def test_the_api_body_equals_what_pages_get_from_recommend_for_student(
    app: FastAPI, client: TestClient, world: World
) -> None:
    from service.recommending import recommend_for_student
    from service.tables import Student

    submit_profile(app, world.student_a, make_profile())
    for params in ({}, {"plan": "four_year_college", "k": 2}):
        body = client.get(_url(world), params=params, headers=world.headers("coach")).json()
        with session_scope(app.state.sessionmaker) as db:
            student = db.get(Student, world.student_a)
            assert student is not None
            direct = recommend_for_student(db, app.state.models, student, **params)
        assert _as_schema(with_texts(direct, "en")) == body  # the pages' result, sentences added


def test_a_what_if_body_has_exactly_the_documented_fields(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile())
    body = client.get(
        _url(world), params={"region": "0025060"}, headers=world.headers("coach")
    ).json()
    assert set(body) == set(RecommendationOut.model_fields)
    assert _as_schema(body) == body
    assert body["created_at"] is None and body["k"] == 5


def test_the_openapi_document_describes_the_recommendation_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/students/{student_id}/recommendations"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/RecommendationOut")


def test_a_stored_recommendation_takes_five_queries_at_most(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """Session with account and schools, student, latest profile, stored row, model pointer."""
    submit_profile(app, world.student_a, make_profile())
    assert client.get(_url(world), headers=world.headers("coach")).status_code == 200
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(_url(world), headers=world.headers("coach"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200 and response.json()["stored"]
    assert 4 <= len(statements) <= 5, statements
    assert sum("auth_sessions" in s for s in statements) == 1


def _sentences(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every reason and education step of a response body, pathways' jobs first."""
    occupations = [o for p in body["pathways"] for o in p["occupations"]] + body["occupations"]
    out = [r for o in occupations for r in o["reasons"]]
    return out + [o["education_step"] for o in occupations if o.get("education_step")]


def test_reasons_carry_their_message_id_and_params_and_old_formats_are_recomputed(
    app: FastAPI, client: TestClient, world: World
) -> None:
    from recommender.explain import REASONS_FORMAT

    submit_profile(app, world.student_a, make_profile(plan="work"))
    body = client.get(_url(world), headers=world.headers("coach")).json()
    said = _sentences(body)
    assert said and all(r["message_id"] and isinstance(r["params"], dict) for r in said)
    assert any("vs_plan" in r for r in said), "the profile's jobs include an education step"
    for r in said:
        assert reason_text(r, "en") == r["text"] and "es" not in r
    # nothing rendered is stored: the row holds message ids and parameters only
    first = stored_rows(app, world.student_a)[-1]
    assert first["inputs"]["reasons_format"] == REASONS_FORMAT
    assert all("text" not in r and "es" not in r for r in _sentences(first["result"]))
    # a result stored in the previous reason format (sentences beside them) is computed again
    with session_scope(app.state.sessionmaker) as db:
        row = db.get(Recommendation, first["id"])
        assert row is not None
        row.inputs = {**row.inputs, "reasons_format": REASONS_FORMAT - 1}
    again = client.get(_url(world), headers=world.headers("coach")).json()
    assert again["recommendation_id"] != first["id"]
    assert all(r["message_id"] for r in _sentences(again))


def test_the_language_parameter_renders_the_same_result_in_spanish(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_profile(app, world.student_a, make_profile(plan="work"))
    english = client.get(_url(world), headers=world.headers("coach")).json()
    spanish = client.get(
        _url(world), params={"language": "es"}, headers=world.headers("coach")
    ).json()
    # the same stored result (the language is not a what-if), only the sentences differ
    assert spanish["stored"] and spanish["recommendation_id"] == english["recommendation_id"]
    assert len(stored_rows(app, world.student_a)) == 1
    en, es = _sentences(english), _sentences(spanish)
    strip = [{k: v for k, v in r.items() if k != "text"} for r in en]
    assert strip == [{k: v for k, v in r.items() if k != "text"} for r in es]
    for r_en, r_es in zip(en, es, strict=True):
        assert r_es["text"] == reason_text(r_es, "es") != r_en["text"]
        assert "es" not in r_es
    assert _as_schema(spanish) == spanish
    bad = client.get(_url(world), params={"language": "xx"}, headers=world.headers("coach"))
    assert bad.status_code == 422
    assert "query.language" in [e["field"] for e in bad.json()["errors"]]


def test_rendered_stored_bodies_are_kept_by_text_and_language_within_their_size() -> None:
    from service.recommending import _RenderedBodies

    kept = _RenderedBodies(max_chars=10)
    assert kept.put('{"a":1}', "en", "1234") == "1234"
    assert kept.get('{"a":1}', "en") == "1234"
    assert kept.get('{"a":1}', "es") is None and kept.get('{"a":2}', "en") is None
    kept.put('{"a":2}', "en", "567890")
    kept.put('{"a":3}', "en", "12")  # over 10 characters: the least recently used goes
    assert kept.get('{"a":1}', "en") is None
    assert kept.get('{"a":2}', "en") == "567890" and kept.get('{"a":3}', "en") == "12"
    assert kept.put('{"a":4}', "en", "x" * 11) == "x" * 11  # too big to keep, still returned
    assert kept.get('{"a":4}', "en") is None
