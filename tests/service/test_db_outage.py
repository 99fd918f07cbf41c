"""A database that goes away gives 503 with Retry-After, never 500 (issue 12, item 14).

The app starts on the test database; then its sessions are pointed at a database that really
fails: a PostgreSQL port where nothing listens, or a SQLite "file" that is a folder. No mock
stands in for the failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.db import make_engine, make_sessionmaker
from service.i18n import translate
from service.problems import RETRY_AFTER_SECONDS
from service.settings import Settings
from tests.service.conftest import LOCAL_CLIENT, World, build_world

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:9/gone?connect_timeout=2"


@pytest.fixture(params=["postgresql", "sqlite"])
def broken(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Iterator[tuple[TestClient, World]]:
    app: FastAPI = create_app(settings)
    with TestClient(app, client=LOCAL_CLIENT) as client:
        world = build_world(app)
        assert client.get("/students", headers=world.headers("coach")).status_code == 200
        if request.param == "postgresql":
            url = UNREACHABLE_POSTGRES
        else:
            folder = tmp_path / "not-a-database.sqlite3"
            folder.mkdir()  # SQLite cannot open a folder: "unable to open database file"
            url = f"sqlite:///{folder}"
        dead = make_engine(url)
        app.state.sessionmaker = make_sessionmaker(dead)
        app.state.engine, working = dead, app.state.engine
        try:
            yield client, world
        finally:
            dead.dispose()
            app.state.engine = working
    working.dispose()


def _assert_retry_later(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)  # type: ignore[attr-defined]


def test_api_reads_and_writes_answer_503_problems(broken: tuple[TestClient, World]) -> None:
    client, world = broken
    coach = world.headers("coach")
    answers = [
        client.get("/students", headers=coach),
        client.get(f"/students/{world.student_a}/outcomes", headers=coach),
        client.post(
            "/activities",
            json={
                "school_id": world.school_a,
                "student_id": world.student_a,
                "category": "one_on_one",
                "occurred_on": world.activity_day.isoformat(),
                "minutes": 20,
            },
            headers=coach,
        ),
        client.post("/auth/login", json={"username": "coach_a", "password": "whatever-it-is"}),
    ]
    for response in answers:
        _assert_retry_later(response)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == 503
        assert "database" in body["detail"]


def test_readyz_says_so_with_retry_after(broken: tuple[TestClient, World]) -> None:
    client, _ = broken
    ready = client.get("/readyz")
    _assert_retry_later(ready)
    assert "database unreachable" in ready.json()["detail"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_answer_a_bilingual_503_page(broken: tuple[TestClient, World], language: str) -> None:
    client, world = broken
    client.cookies.set("pathways_lang", language)
    for path in ("/coach", f"/coach/students/{world.student_a}"):
        page = client.get(path, headers=world.headers("coach"))
        _assert_retry_later(page)
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        title = {
            lang: translate(lang, "Pathways is not available right now") for lang in ("en", "es")
        }
        assert title["en"] != title["es"]
        for lang in ("en", "es"):
            assert title[lang] in html
        first, other = language, ({"en", "es"} - {language}).pop()
        assert html.index(title[first]) < html.index(title[other])
        assert f'href="{path}"' in html  # try again: the same page
    client.cookies.clear()
