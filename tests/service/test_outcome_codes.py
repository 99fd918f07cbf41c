"""Outcome codes are checked against the catalogue when written (issue 12, item 12), so every
stored outcome can go into the yearly export."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.catalogue import get_catalogue
from service.tables import Outcome
from tests.service.conftest import World, count_rows


def _body(kind: str, code: str) -> dict[str, object]:
    return {
        "code_kind": kind,
        "code": code,
        "grade": 2,
        "event_type": "job_shadow",
        "school_year": "2025-2026",
    }


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("occupation", "99-9999.00"),  # the shape of a SOC code, in no catalogue
        ("occupation", "15-1132.00"),  # an O*NET-SOC 2010 code retired since
        ("occupation", "health-science.therapeutic-services"),  # a pathway given as occupation
        ("pathway", "29-1141.00"),  # an occupation given as a pathway
        ("pathway", "no-such-pathway"),
    ],
)
def test_an_unknown_code_is_422_naming_body_code_and_stores_nothing(
    app: FastAPI, client: TestClient, world: World, kind: str, code: str
) -> None:
    before = count_rows(app, Outcome)
    refused = client.post(
        f"/students/{world.student_a}/outcomes",
        json=_body(kind, code),
        headers=world.headers("coach"),
    )
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [e["field"] for e in errors] == ["body.code"]
    assert code in errors[0]["message"] and kind in errors[0]["message"]
    assert count_rows(app, Outcome) == before


def test_every_catalogue_kind_is_accepted(app: FastAPI, client: TestClient, world: World) -> None:
    catalogue = get_catalogue()
    before = count_rows(app, Outcome)
    for kind, code in (("occupation", catalogue.codes[0]), ("pathway", catalogue.pathways[0].code)):
        made = client.post(
            f"/students/{world.student_a}/outcomes",
            json=_body(kind, code),
            headers=world.headers("coach"),
        )
        assert made.status_code == 201, made.text
    assert count_rows(app, Outcome) == before + 2
