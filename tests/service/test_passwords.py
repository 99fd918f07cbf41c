"""Weak passwords are refused with the rule they break; the last active admin stays an admin.

The rules: at least 12 characters; not one character (or a short group) repeated; not one simple
run of letters, digits or keyboard keys; not one of the most common passwords (digits, symbols
and look-alike digits around it do not help); not the username or anything containing it.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from service.db import session_scope
from service.tables import User
from tests.service.conftest import PASSWORD, World

RULES = {
    "short": "at least 12 characters",
    "repeated": "one character repeated",
    "group": "short group of characters repeated",
    "run": "simple run",
    "common": "most common passwords",
    "username": "contain the username",
}

#: (password, the rules it breaks) for an account named "newcoach".
WEAK = [
    ("aaaaaaaaaa", {"short", "repeated"}),
    ("1234567890", {"short", "run"}),
    ("password12", {"short", "common"}),
    ("newcoach", {"short", "username"}),
    ("aaaaaaaaaaaa", {"repeated"}),
    ("ZZZZZZZZZZZZZZZZ", {"repeated"}),
    ("abcabcabcabc", {"group"}),
    ("121212121212", {"group"}),
    ("123456789012", {"run"}),
    ("0987654321098", {"run"}),
    ("abcdefghijkl", {"run"}),
    ("ZYXWVUTSRQPONM", {"run"}),
    ("qwertyuiopqw", {"run"}),
    ("QWERTYUIOPASDF", {"run"}),
    ("1qaz2wsx3edc4rfv", {"run"}),
    ("password1234", {"common"}),
    ("P@ssw0rd2024!", {"common"}),
    ("Mississippi2025", {"common"}),
    ("iloveyou-123456", {"common"}),
    ("passwordpassword", {"common"}),
    ("NewCoach-2025-ok", {"username"}),
    ("my name is newcoach", {"username"}),
]
STRONG = [
    "correct horse battery",
    "a long enough password",
    "Magnolia blossoms in June 88",
    "7rq!Vx2#pLm9",
    "tupelo-honey-on-cornbread",
]


def _create(client: TestClient, world: World, password: str) -> Response:
    return client.post(
        "/users",
        json={"username": "newcoach", "display_name": "N", "role": "coach", "password": password},
        headers=world.headers("admin"),
    )


def _rules_named(message: str) -> set[str]:
    return {rule for rule, words in RULES.items() if words in message}


@pytest.mark.parametrize(("password", "broken"), WEAK, ids=[p for p, _ in WEAK])
def test_a_weak_password_is_refused_naming_every_rule_it_breaks(
    client: TestClient, world: World, password: str, broken: set[str]
) -> None:
    response = _create(client, world, password)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["body.password"]
    assert errors[0]["type"] == "weak_password"
    assert _rules_named(errors[0]["message"]) == broken, errors[0]["message"]
    assert "input" not in errors[0]  # the refused password is not sent back


@pytest.mark.parametrize("password", STRONG)
def test_a_strong_password_is_accepted(client: TestClient, world: World, password: str) -> None:
    assert _create(client, world, password).status_code == 201


@settings(max_examples=60, deadline=None)
@given(
    char=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    length=st.integers(12, 40),
)
def test_any_one_character_repeated_is_refused(char: str, length: int) -> None:
    from service.passwords import password_problems

    assert any("repeated" in p for p in password_problems(char * length))


@settings(max_examples=60, deadline=None)
@given(
    run=st.sampled_from(["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop"]),
    start=st.integers(0, 25),
    length=st.integers(12, 30),
    backwards=st.booleans(),
    upper=st.booleans(),
)
def test_any_simple_run_is_refused(
    run: str, start: int, length: int, backwards: bool, upper: bool
) -> None:
    from service.passwords import password_problems

    text = (run * 5)[start % len(run) :][:length]
    text = text[::-1] if backwards else text
    text = text.upper() if upper else text
    assert any("simple run" in p for p in password_problems(text))


def test_resetting_a_password_checks_it_against_that_accounts_username(
    client: TestClient, world: World
) -> None:
    path = f"/users/{world.coach_b}"
    contains = client.patch(
        path, json={"password": "coach_b rules the school"}, headers=world.headers("admin")
    )
    assert contains.status_code == 422
    [error] = contains.json()["errors"]
    assert error["field"] == "body.password" and "contain the username" in error["message"]
    assert error["type"] == "weak_password"
    short = client.patch(path, json={"password": "short1"}, headers=world.headers("admin"))
    assert short.status_code == 422 and "at least 12" in short.text
    ok = client.patch(path, json={"password": "a fresh passphrase"}, headers=world.headers("admin"))
    assert ok.status_code == 200


def test_the_last_active_admin_cannot_disable_itself(
    app: FastAPI, client: TestClient, world: World
) -> None:
    response = client.patch(
        f"/users/{world.admin}", json={"active": False}, headers=world.headers("admin")
    )
    assert response.status_code == 409
    assert "last active admin" in response.json()["detail"]
    with session_scope(app.state.sessionmaker) as db:
        admin = db.execute(select(User).where(User.id == world.admin)).scalar_one()
        assert admin.active
    assert client.get("/auth/me", headers=world.headers("admin")).status_code == 200


def test_an_admin_may_disable_itself_while_another_admin_is_active(
    client: TestClient, world: World
) -> None:
    second = client.post(
        "/users",
        json={
            "username": "admin2",
            "display_name": "Second admin",
            "role": "admin",
            "password": "a second admin passphrase",
        },
        headers=world.headers("admin"),
    )
    assert second.status_code == 201
    admin2 = second.json()["id"]
    token = client.post(
        "/auth/login", json={"username": "admin2", "password": "a second admin passphrase"}
    ).json()["token"]
    client.cookies.clear()
    me = client.patch(
        f"/users/{world.admin}", json={"active": False}, headers=world.headers("admin")
    )
    assert me.status_code == 200 and me.json()["active"] is False
    # admin2 is now the last one: it can disable neither itself nor be left without an admin
    last = client.patch(
        f"/users/{admin2}", json={"active": False}, headers={"Authorization": f"Bearer {token}"}
    )
    assert last.status_code == 409 and "last active admin" in last.text
    again = client.patch(
        f"/users/{world.admin}", json={"active": True}, headers={"Authorization": f"Bearer {token}"}
    )
    assert again.status_code == 200


def test_no_route_can_demote_an_admin(client: TestClient, world: World) -> None:
    """Accounts keep the role they were created with, so the last admin cannot be demoted."""
    response = client.patch(
        f"/users/{world.admin}", json={"role": "coach"}, headers=world.headers("admin")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.role"]
    assert client.get("/auth/me", headers=world.headers("admin")).json()["role"] == "admin"


def test_the_shipped_test_password_keeps_the_rules() -> None:
    from service.passwords import password_problems
    from service.seed import DEMO_PASSWORD

    assert password_problems(PASSWORD, "coach_a") == []
    assert password_problems(DEMO_PASSWORD, "coach1") == []
