"""The assessment through the API: start, resume, autosave, aptitude items, records, submit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from recommender.aptitude_items import verify_answer
from recommender.dimensions import PLANS
from recommender.instrument import load_instrument
from tests.service.conftest import World, complete_answers


def _student(client: TestClient, world: World) -> dict[str, str]:
    code = client.post(
        f"/students/{world.student_b}/access-codes", headers=world.headers("coach_b")
    ).json()["code"]
    token = client.post("/auth/access-code", json={"code": code}).json()["token"]
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def _start(client: TestClient, world: World) -> tuple[dict[str, str], dict[str, Any]]:
    headers = _student(client, world)
    # the world's open assessment of student B is submitted first, so a new one starts
    world_sitting = f"/assessments/{world.assessment_b}"
    tokens = {"client_key": "world-sitting-b"}
    assert client.post(f"{world_sitting}/submit", json=tokens, headers=headers).status_code == 200
    started = client.post("/assessments", json={"language": "es"}, headers=headers)
    assert started.status_code == 201
    return headers, started.json()


def test_instrument_is_served_in_both_languages_without_keys(
    client: TestClient, world: World
) -> None:
    en = client.get("/instrument", headers=world.headers("student")).json()
    es = client.get("/instrument?language=es", headers=world.headers("student")).json()
    assert en["version"] == es["version"]
    assert [i["id"] for i in en["interests"]["items"]] == [
        i["id"] for i in es["interests"]["items"]
    ]
    assert en["interests"]["items"][0]["text"] != es["interests"]["items"][0]["text"]
    assert "seed" not in str(en) and "key" not in en
    unknown = client.get("/instrument?version=1999.9", headers=world.headers("student"))
    assert unknown.status_code == 404


def test_start_resumes_the_open_assessment(client: TestClient, world: World) -> None:
    first = client.post("/assessments", json={}, headers=world.headers("student"))
    again = client.post("/assessments", json={}, headers=world.headers("student"))
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"] == world.assessment_a


def test_aptitude_items_carry_no_seed_or_key_and_are_stable_per_assessment(
    client: TestClient, world: World
) -> None:
    headers, sitting = _start(client, world)
    path = f"/assessments/{sitting['id']}/aptitude/spatial"
    first = client.post(f"{path}/start", headers=headers)
    assert first.status_code == 200
    assert first.json()["items"] == client.get(path, headers=headers).json()["items"]
    text = first.text.lower()
    assert "seed" not in text and '"key"' not in text and "answer" not in text
    assert (
        client.get(f"/assessments/{sitting['id']}/aptitude/dance", headers=headers).status_code
        == 404
    )
    assert "aptitude_seeds" not in client.get(f"/assessments/{sitting['id']}", headers=headers).text


def test_autosave_merges_parts_and_refuses_unknown_items(client: TestClient, world: World) -> None:
    headers, sitting = _start(client, world)
    path = f"/assessments/{sitting['id']}/answers"
    client.put(path, json={"interests": {"R01": 4, "R02": 2}}, headers=headers)
    saved = client.put(path, json={"interests": {"R02": 5}, "plan": "military"}, headers=headers)
    assert saved.json()["answers"]["interests"] == {"R01": 4, "R02": 5}
    assert saved.json()["answers"]["plan"] == "military"
    unknown = client.put(path, json={"interests": {"Z99": 3}}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.interests.Z99"
    out_of_range = client.put(path, json={"values": {"V01": 9}}, headers=headers)
    assert out_of_range.status_code == 422
    assert out_of_range.json()["errors"][0]["field"].startswith("body.values")


def test_the_answers_plan_is_one_of_the_plans_in_the_schema_and_on_the_wire(
    client: TestClient, world: World
) -> None:
    spec = client.get("/openapi.json").json()
    plan = spec["components"]["schemas"]["AnswersIn"]["properties"]["plan"]
    assert plan["anyOf"] == [{"enum": list(PLANS), "type": "string"}, {"type": "null"}]
    headers, sitting = _start(client, world)
    path = f"/assessments/{sitting['id']}/answers"
    for known in PLANS:
        assert client.put(path, json={"plan": known}, headers=headers).status_code == 200
    refused = client.put(path, json={"plan": "astronaut"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.plan"


def test_submit_scores_on_the_server_and_is_idempotent_by_client_key(
    client: TestClient, world: World
) -> None:
    headers, sitting = _start(client, world)
    base = f"/assessments/{sitting['id']}"
    early = client.post(f"{base}/submit", json={"client_key": "k-00000001"}, headers=headers)
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"].startswith("answers.")

    instrument = load_instrument()
    spatial = instrument.subtest("spatial")
    items = client.post(f"{base}/aptitude/spatial/start", headers=headers).json()["items"]
    assert len(items) == spatial.items
    responses = {str(i): 0 for i in range(spatial.items)}
    client.put(
        f"{base}/answers",
        json={**complete_answers(), "aptitude": {"spatial": responses}},
        headers=headers,
    )
    records = client.put(
        f"{base}/records", json={"records": {"act_math": 30}}, headers=world.headers("coach_b")
    )
    assert records.status_code == 200

    done = client.post(f"{base}/submit", json={"client_key": "k-00000001"}, headers=headers)
    assert done.status_code == 200, done.text
    profile = done.json()["profile"]
    assert done.json()["status"] == "submitted" and profile["plan"] == "community_college"
    assert profile["region_code"] == "0025060"  # Harrison County, from the catalogue
    assert profile["aptitudes"][1] is not None  # quantitative, from the ACT math record
    assert any("measured" in s or "spatial" in s for s in profile["aptitude_sources"]["spatial"])

    repeat = client.post(f"{base}/submit", json={"client_key": "k-00000001"}, headers=headers)
    assert repeat.status_code == 200 and repeat.json()["profile"] == profile
    other = client.post(f"{base}/submit", json={"client_key": "k-00000002"}, headers=headers)
    assert other.status_code == 409
    late = client.put(f"{base}/answers", json={"plan": "work"}, headers=headers)
    assert late.status_code == 409


def test_the_server_scores_aptitude_against_its_own_keys(client: TestClient, world: World) -> None:
    """Right answers (recomputed here from the stored seed) score higher than wrong ones."""
    from service.db import session_scope
    from service.tables import Assessment

    headers, sitting = _start(client, world)
    results = []
    for correct in (True, False):
        if not correct:  # a second sitting for the same student, answered wrongly
            sitting = client.post("/assessments", json={}, headers=headers).json()
        base = f"/assessments/{sitting['id']}"
        items = client.post(f"{base}/aptitude/quantitative/start", headers=headers).json()["items"]
        with session_scope(client.app.state.sessionmaker) as db:  # type: ignore[attr-defined]
            seed = db.get(Assessment, sitting["id"]).aptitude_seeds["quantitative"]["seed"]
        responses = {}
        for item in items:
            options = range(len(item["options"]))
            index = item["index"]
            right = next(o for o in options if verify_answer("quantitative", seed, index, o))
            wrong = next(o for o in options if o != right)
            responses[str(index)] = right if correct else wrong
        body = {**complete_answers(), "aptitude": {"quantitative": responses}}
        assert client.put(f"{base}/answers", json=body, headers=headers).status_code == 200
        key = f"k-aptitude-{int(correct)}"
        done = client.post(f"{base}/submit", json={"client_key": key}, headers=headers)
        assert done.status_code == 200, done.text
        results.append(done.json()["profile"]["aptitudes"][1])
    assert results[0] > results[1]
