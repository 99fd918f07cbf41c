"""Request bodies are strict: a JSON value of the wrong type is refused, never converted, and an
unknown field is refused (issue 12, item 11).

The request models are read from the app (``tests.service.test_nul_text``); every number, yes/no
and date slot of every model is sent a value of another JSON type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from recommender.instrument import load_instrument
from tests.service.conftest import World, complete_answers
from tests.service.test_nul_text import REQUEST_MODELS, annotation_slots

#: Values of the wrong JSON type for each Python type a request field can hold.
WRONG_VALUES: dict[type, tuple[Any, ...]] = {
    bool: (1, 0, "true", "yes"),
    int: ("5", True, 5.5),
    float: ("1.5", True),
    date: (0, 20250915, "2025/09/15", "15-09-2025"),
    str: (5, True),
}

Slot = tuple[type, Callable[[Any], Any]]


def typed_slots(annotation: Any) -> list[Slot]:
    """(type, wrap) for every scalar slot of ``annotation``: the value itself, a list item, a map
    value (recursively); ``wrap`` puts a value into that slot."""
    return annotation_slots(annotation, lambda a: a in WRONG_VALUES, map_key="x1")


SLOTS = [
    pytest.param(model, name, kind, wrap, wrong, id=f"{model.__name__}.{name}:{wrong!r}")
    for model in sorted(set(REQUEST_MODELS.values()), key=lambda m: m.__name__)
    for name, field in model.model_fields.items()
    for kind, wrap in typed_slots(field.annotation)
    for wrong in WRONG_VALUES[kind]
]


def test_every_request_model_is_strict_and_forbids_unknown_fields() -> None:
    models = set(REQUEST_MODELS.values())
    assert {"PromoteIn", "RollbackIn", "AnswersIn", "RecordsIn"} <= {m.__name__ for m in models}
    for model in models:
        assert model.model_config.get("strict") is True, model.__name__
        assert model.model_config.get("extra") == "forbid", model.__name__
    assert len(SLOTS) >= 60


@pytest.mark.parametrize(("model", "name", "kind", "wrap", "wrong"), SLOTS)
def test_a_value_of_the_wrong_json_type_is_refused_at_its_field(
    model: type[BaseModel], name: str, kind: type, wrap: Callable[[Any], Any], wrong: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate({name: wrap(wrong)})
    at_field = [e for e in caught.value.errors() if e["loc"] and e["loc"][0] == name]
    assert at_field, f"{model.__name__}.{name} took {wrong!r}"
    assert all(e["type"] != "missing" for e in at_field)


# --- the cases from the issue, over HTTP ------------------------------------------------------


def _start(client: TestClient, world: World) -> tuple[int, dict[str, str]]:
    student = world.headers("student")
    started = client.post("/assessments", json={"language": "en"}, headers=student)
    assert started.status_code in (200, 201), started.text
    return int(started.json()["id"]), student


@pytest.mark.parametrize("rating", ["5", True, 4.0])
def test_a_rating_must_be_a_whole_json_number(
    client: TestClient, world: World, rating: object
) -> None:
    assessment, student = _start(client, world)
    item = load_instrument().interests.items[0].id
    before = client.get(f"/assessments/{assessment}", headers=student).json()["answers"]
    refused = client.put(
        f"/assessments/{assessment}/answers", json={"interests": {item: rating}}, headers=student
    )
    assert refused.status_code == 422
    assert any(e["field"].startswith(f"body.interests.{item}") for e in refused.json()["errors"])
    kept = client.get(f"/assessments/{assessment}", headers=student).json()["answers"]
    assert kept == before
    other = 4 if before.get("interests", {}).get(item) == 5 else 5
    accepted = client.put(
        f"/assessments/{assessment}/answers", json={"interests": {item: other}}, headers=student
    )
    assert accepted.status_code == 200
    assert accepted.json()["answers"]["interests"][item] == other


@pytest.mark.parametrize("flag", [1, "yes", "true"])
def test_a_yes_no_answer_must_be_a_json_boolean(
    client: TestClient, world: World, flag: object
) -> None:
    assessment, student = _start(client, world)
    path = f"/assessments/{assessment}/answers"
    refused = client.put(path, json={"will_commute": flag}, headers=student)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.will_commute"]
    accepted = client.put(path, json={"will_commute": True}, headers=student)
    assert accepted.status_code == 200


def test_true_is_not_a_gpa(client: TestClient, world: World) -> None:
    coach = world.headers("coach")
    path = f"/assessments/{world.assessment_a}/records"
    refused = client.put(path, json={"records": {"gpa_unweighted": True}}, headers=coach)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].startswith("body.records.gpa_unweighted")
    for gpa in (3, 3.5):  # a JSON integer is a number too
        accepted = client.put(path, json={"records": {"gpa_unweighted": gpa}}, headers=coach)
        assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("day", [0, 20251001, "2025-10-01T00:00:00", "10/01/2025"])
def test_a_date_must_be_iso_text(client: TestClient, world: World, day: object) -> None:
    refused = client.post(
        "/activities",
        json={
            "school_id": world.school_a,
            "category": "one_on_one",
            "occurred_on": day,
            "minutes": 20,
        },
        headers=world.headers("coach"),
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.occurred_on"]


@pytest.mark.parametrize(
    ("path", "body", "unknown"),
    [
        ("/models/{version}/promote", {"forse": True}, "forse"),
        ("/models/{version}/promote", {"force": False, "reason": None, "note": "x"}, "note"),
        ("/models/rollback", {"reason": "test", "version": "2026.1"}, "version"),
    ],
)
def test_promote_and_rollback_refuse_unknown_fields(
    client: TestClient, world: World, path: str, body: dict[str, Any], unknown: str
) -> None:
    refused = client.post(
        path.format(version="2026.1-synthetic"), json=body, headers=world.headers("staff")
    )
    assert refused.status_code == 422
    assert f"body.{unknown}" in [e["field"] for e in refused.json()["errors"]]


def test_complete_answers_still_save(client: TestClient, world: World) -> None:
    assessment, student = _start(client, world)
    saved = client.put(
        f"/assessments/{assessment}/answers", json=complete_answers(), headers=student
    )
    assert saved.status_code == 200, saved.text


@pytest.mark.parametrize(
    "body",
    [
        '{"interests": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"a": ' * 50_000 + "1" + "}" * 50_000,
    ],
)
def test_a_body_nested_100000_deep_is_refused_not_a_crash(
    client: TestClient, world: World, body: str
) -> None:
    """Issue 12, item 17, for the API: the request parser survives hostile nesting (4xx)."""
    refused = client.put(
        f"/assessments/{world.assessment_a}/answers",
        content=body,
        headers={**world.headers("student"), "content-type": "application/json"},
    )
    assert 400 <= refused.status_code < 500
    assert refused.headers["content-type"].startswith("application/problem+json")
