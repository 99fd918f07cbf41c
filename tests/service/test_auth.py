"""Sign-in: argon2id passwords, database sessions (bearer or cookie), access codes.

Throttling is tested in test_throttle.py; access-code rules beyond sign-in in
test_access_codes.py.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.auth import CODE_ALPHABET, new_access_code, normalise_access_code
from service.db import session_scope
from service.deps import SESSION_COOKIE
from service.tables import AuthSession, User
from tests.service.conftest import PASSWORD, Clock, World


def _login(client: TestClient, username: str, password: str) -> int:
    response = client.post("/auth/login", json={"username": username, "password": password})
    return response.status_code


def test_login_returns_a_token_usable_as_bearer_and_as_cookie(
    client: TestClient, world: World
) -> None:
    response = client.post("/auth/login", json={"username": "Coach_A ", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.cookies.get(SESSION_COOKIE) == token
    assert "httponly" in response.headers["set-cookie"].lower()
    me_cookie = client.get("/auth/me")
    client.cookies.clear()
    me_bearer = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me_cookie.json()["user_id"] == me_bearer.json()["user_id"] == world.coach_a
    assert me_bearer.json()["school_ids"] == [world.school_a]


def test_passwords_are_stored_as_argon2id_and_tokens_only_as_digests(
    app: FastAPI, client: TestClient, world: World
) -> None:
    token = client.post("/auth/login", json={"username": "admin", "password": PASSWORD}).json()[
        "token"
    ]
    with session_scope(app.state.sessionmaker) as db:
        hashes = db.execute(select(User.password_hash)).scalars().all()
        digests = db.execute(select(AuthSession.token_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert token not in digests and all(len(d) == 64 for d in digests)


def test_wrong_password_is_401_problem_naming_no_detail_about_which_part(
    client: TestClient, world: World
) -> None:
    wrong = client.post("/auth/login", json={"username": "admin", "password": "nope"})
    unknown = client.post("/auth/login", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_failures_outside_the_window_do_not_add_up(
    client: TestClient, world: World, clock: Clock
) -> None:
    for _ in range(2):
        assert _login(client, "admin", "wrong") == 401
    clock.advance(minutes=16)
    for _ in range(2):
        assert _login(client, "admin", "wrong") == 401
    assert _login(client, "admin", PASSWORD) == 200


def test_a_success_resets_the_failure_count(client: TestClient, world: World) -> None:
    for _ in range(2):
        _login(client, "admin", "wrong")
    assert _login(client, "admin", PASSWORD) == 200
    for _ in range(2):
        assert _login(client, "admin", "wrong") == 401
    assert _login(client, "admin", PASSWORD) == 200


def test_sessions_expire(client: TestClient, world: World, clock: Clock) -> None:
    headers = world.headers("coach")
    assert client.get("/auth/me", headers=headers).status_code == 200
    clock.advance(minutes=61)
    expired = client.get("/auth/me", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


def test_logout_ends_only_that_session(client: TestClient, world: World) -> None:
    other = client.post("/auth/login", json={"username": "admin", "password": PASSWORD}).json()
    client.cookies.clear()
    assert client.post("/auth/logout", headers=world.headers("admin")).status_code == 204
    assert client.get("/auth/me", headers=world.headers("admin")).status_code == 401
    headers = {"Authorization": f"Bearer {other['token']}"}
    assert client.get("/auth/me", headers=headers).status_code == 200


def test_disabling_an_account_ends_its_sessions(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/users/{world.coach_a}", json={"active": False}, headers=world.headers("admin")
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.get("/auth/me", headers=world.headers("coach")).status_code == 401
    assert _login(client, "coach_a", PASSWORD) == 401


def test_access_code_gives_a_student_session_scoped_to_that_student_once(
    client: TestClient, world: World
) -> None:
    issued = client.post(
        f"/students/{world.student_a}/access-codes", headers=world.headers("coach")
    )
    assert issued.status_code == 201
    code = issued.json()["code"]
    first = client.post("/auth/access-code", json={"code": code.lower().replace("-", " ")})
    assert first.status_code == 200 and first.json()["role"] == "student"
    client.cookies.clear()
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {first.json()['token']}"})
    assert me.json()["student_id"] == world.student_a
    again = client.post("/auth/access-code", json={"code": code})
    assert again.status_code == 401


def test_an_expired_access_code_is_refused(client: TestClient, world: World, clock: Clock) -> None:
    clock.advance(hours=2)  # the world's code is valid for one hour
    assert client.post("/auth/access-code", json={"code": world.access_code_a}).status_code == 401


def test_access_codes_use_only_unambiguous_characters() -> None:
    codes = {new_access_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        raw = normalise_access_code(code)
        assert len(raw) == 8 and set(raw) <= set(CODE_ALPHABET)
        assert not set(raw) & set("01ILO")
