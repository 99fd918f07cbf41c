"""Sign-in throttling by client and by account (issue 12 items 1 and 3): progressive delays, not
lockouts; a per-client budget; an admin unlock; bounded, early-refused password hashing.

These tests name the test client's peer a trusted proxy, so the ``X-Forwarded-For`` header of
each request says which client (address) it comes from.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.auth import password_check_slot
from service.db import session_scope
from service.settings import Settings
from service.tables import LoginThrottle
from tests.service.conftest import PASSWORD, Clock, World, clear_tables, make_settings

#: The peers the test clients report (conftest's ``client`` says 127.0.0.1), trusted as proxies.
PROXIES = "127.0.0.1,testclient"
ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"
#: The test client's own origin, as a browser sends it with a form.
ORIGIN = "http://testserver"
KEY_SHAPE = re.compile(r"(pair|known):[0-9a-f]{20}:[0-9a-f]{32}|(acct|client|code):[0-9a-f]{40}")


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    clear_tables(migrated_url)
    return make_settings(migrated_url, tmp_path, trusted_proxies=PROXIES)


class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting checks and the most that ran at once."""

    def __init__(self, settings: Settings, pause: float = 0.0) -> None:
        super().__init__(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self.pause = pause
        self.calls = 0
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(self.pause)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


def hidden_fields(html: str) -> dict[str, str]:
    """Name and value of every hidden input of a page (a form's token, its ``next``)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


def login(client: TestClient, username: str, password: str, source: str) -> Any:
    return client.post(
        "/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": source},
    )


def throttle_keys(app: FastAPI) -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        return list(db.execute(select(LoginThrottle.username)).scalars())


def test_failures_from_one_client_double_the_wait_up_to_the_cap_and_never_lock(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    for _ in range(settings.login_free_failures):  # 3 in the test settings
        assert login(client, "coach_a", "wrong", ATTACKER).status_code == 401
    waits = []
    for _ in range(9):
        refused = login(client, "coach_a", "wrong", ATTACKER)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        waits.append(int(refused.headers["retry-after"]))
        clock.advance(seconds=waits[-1])
        assert login(client, "coach_a", "wrong", ATTACKER).status_code == 401
    # each failure after the free ones doubles the wait; the refused tries counted nothing
    assert waits == [min(2**k, settings.login_max_delay_seconds) for k in range(9)]
    assert max(waits) == settings.login_max_delay_seconds == 60
    # even the right password waits: the answer is no oracle, and it never becomes a lockout
    assert login(client, "coach_a", PASSWORD, ATTACKER).status_code == 429
    clock.advance(seconds=settings.login_max_delay_seconds)
    assert login(client, "coach_a", PASSWORD, ATTACKER).status_code == 200


def test_the_owner_signs_in_from_their_device_while_an_attacker_hammers_from_elsewhere(
    client: TestClient, world: World, clock: Clock
) -> None:
    for _ in range(40):  # as fast as it can, ignoring Retry-After
        assert login(client, "coach_a", "wrong", ATTACKER).status_code in (401, 429)
    assert login(client, "coach_a", "wrong", ATTACKER).status_code == 429
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 200


def test_the_account_wide_delay_spares_a_client_that_signed_in_before(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 200
    # a distributed attack: every address fails once, so no address is held back by itself
    for n in range(settings.login_account_free_failures + 5):
        source = f"10.1.{n // 250}.{n % 250}"
        answer = login(client, "coach_a", "wrong", source)
        if answer.status_code == 429:  # the account-wide delay: this attacker waits it out
            clock.advance(seconds=int(answer.headers["retry-after"]))
            answer = login(client, "coach_a", "wrong", source)
        assert answer.status_code == 401
    newcomer = login(client, "coach_a", PASSWORD, "192.0.2.99")
    assert newcomer.status_code == 429
    assert int(newcomer.headers["retry-after"]) == 2**5  # the 6th failure past the free ones
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 200
    assert login(client, "coach_b", PASSWORD, "192.0.2.99").status_code == 200  # others too


def test_a_client_budget_spans_accounts_and_resets_with_its_window(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    budget = settings.login_client_failures
    for n in range(budget):  # one try per username: no account delay ever starts
        assert login(client, f"user{n}", "wrong", ATTACKER).status_code == 401
    spent = login(client, "coach_a", PASSWORD, ATTACKER)
    assert spent.status_code == 429
    assert int(spent.headers["retry-after"]) == settings.login_window_minutes * 60
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 200
    clock.advance(minutes=settings.login_window_minutes)
    assert login(client, "coach_a", PASSWORD, ATTACKER).status_code == 200


def test_unknown_usernames_are_throttled_exactly_like_accounts(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    answers = {}
    for name in ("coach_a", "nobody"):
        codes = [login(client, name, "wrong", ATTACKER) for _ in range(5)]
        answers[name] = [(r.status_code, r.headers.get("retry-after"), r.json()) for r in codes]
    assert answers["coach_a"] == answers["nobody"]
    assert [status for status, _, _ in answers["nobody"]] == [401, 401, 401, 429, 429]


def test_throttle_rows_hold_keyed_digests_only(
    app: FastAPI, client: TestClient, world: World, clock: Clock
) -> None:
    login(client, "coach_a", "wrong", ATTACKER)
    login(client, "coach_a", PASSWORD, OWNER)
    client.post("/auth/access-code", json={"code": "AAAA-BBBB"}, headers={"X-Forwarded-For": OWNER})
    keys = throttle_keys(app)
    assert {key.split(":")[0] for key in keys} == {"pair", "acct", "client", "known", "code"}
    plain = [
        hashlib.sha256(text.encode()).hexdigest()[:20] for text in (ATTACKER, OWNER, "coach_a")
    ]
    for key in keys:
        assert KEY_SHAPE.fullmatch(key), key  # hex digests: no address, no username
        assert not any(digest in key for digest in plain)  # and keyed, not a bare SHA-256


def test_an_admin_unlock_clears_the_account_delay_at_once(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    for n in range(settings.login_account_free_failures + 3):
        login(client, "coach_a", "wrong", f"10.2.{n // 250}.{n % 250}")
    for _ in range(settings.login_free_failures):
        login(client, "coach_a", "wrong", ATTACKER)
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 429  # a new device
    assert login(client, "coach_a", "wrong", ATTACKER).status_code == 429
    for actor in ("coach", "staff"):
        denied = client.post(f"/users/{world.coach_a}/unlock", headers=world.headers(actor))
        assert denied.status_code == 403
    assert client.post("/users/999999/unlock", headers=world.headers("admin")).status_code == 404
    unlocked = client.post(f"/users/{world.coach_a}/unlock", headers=world.headers("admin"))
    assert unlocked.status_code == 204
    assert login(client, "coach_a", "wrong", ATTACKER).status_code == 401
    assert login(client, "coach_a", PASSWORD, OWNER).status_code == 200


def test_a_throttled_attempt_is_refused_before_any_password_hashing(
    app: FastAPI, client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    hasher = CountingHasher(settings)
    app.state.hasher = hasher
    for _ in range(settings.login_free_failures):
        login(client, "coach_a", "wrong", ATTACKER)
    checked = hasher.calls
    assert checked == settings.login_free_failures
    for _ in range(20):
        assert login(client, "coach_a", PASSWORD, ATTACKER).status_code == 429
        assert login(client, "nobody", "wrong", ATTACKER).status_code in (401, 429)
    assert hasher.calls == checked + settings.login_free_failures  # only nobody's free tries


def test_password_checks_run_at_most_the_configured_number_at_once(
    migrated_url: str, tmp_path: Path
) -> None:
    clear_tables(migrated_url)
    settings = make_settings(
        migrated_url, tmp_path, trusted_proxies=PROXIES, password_hash_concurrency=2
    )
    from service.app import create_app

    app = create_app(settings)
    hasher = CountingHasher(settings, pause=0.1)
    app.state.hasher = hasher
    try:
        with TestClient(app) as client, ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(
                pool.map(lambda n: login(client, f"user{n}", "wrong", f"10.3.0.{n}"), range(16))
            )
    finally:
        app.state.engine.dispose()
    assert [r.status_code for r in answers] == [401] * 16
    assert hasher.calls == 16 and hasher.peak == 2


def test_when_every_check_slot_stays_busy_the_answer_is_503_and_counts_nothing(
    migrated_url: str, tmp_path: Path
) -> None:
    clear_tables(migrated_url)
    settings = make_settings(
        migrated_url,
        tmp_path,
        trusted_proxies=PROXIES,
        password_hash_concurrency=1,
        password_hash_wait_seconds=0.2,
    )
    from service.app import create_app

    app = create_app(settings)
    try:
        with TestClient(app) as client:
            with password_check_slot(settings):  # someone else's check holds the only slot
                busy = login(client, "coach_a", "wrong", ATTACKER)
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "1"
            assert busy.headers["content-type"].startswith("application/problem+json")
            # the busy attempt was not counted: all three free failures are still there
            statuses = [login(client, "coach_a", "wrong", ATTACKER).status_code for _ in range(4)]
            assert statuses == [401, 401, 401, 429]
    finally:
        app.state.engine.dispose()


def test_the_sign_in_page_says_how_long_to_wait_and_sends_retry_after(
    client: TestClient, world: World, clock: Clock, settings: Settings
) -> None:
    for _ in range(settings.login_free_failures):
        login(client, "coach_a", "wrong", ATTACKER)
    hidden = hidden_fields(client.get("/sign-in").text)

    def sign_in_from(address: str) -> Any:
        """coach_a's right password through the sign-in form, from ``address``."""
        return client.post(
            "/sign-in",
            data={**hidden, "username": "coach_a", "password": PASSWORD},
            headers={"X-Forwarded-For": address, "Origin": ORIGIN},
            follow_redirects=False,
        )

    page = sign_in_from(ATTACKER)
    assert page.status_code == 429
    assert page.headers["retry-after"] == "1"
    assert "Wait 1 second, then try again." in page.text
    assert "locked" not in page.text
    assert sign_in_from(OWNER).status_code == 303


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(
    migrated_url: str, tmp_path: Path
) -> None:
    clear_tables(migrated_url)
    settings = make_settings(migrated_url, tmp_path)  # no trusted proxies
    from service.app import create_app

    app = create_app(settings)
    try:
        with TestClient(app) as client:
            for n in range(settings.login_free_failures):
                assert login(client, "coach_a", "wrong", f"10.4.0.{n}").status_code == 401
            # every try came from the one real peer, whatever the header claimed
            assert login(client, "coach_a", "wrong", "10.4.0.200").status_code == 429
    finally:
        app.state.engine.dispose()


def test_concurrent_tries_cannot_slip_past_the_free_failures_together(
    client: TestClient, world: World, settings: Settings
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: login(client, "coach_a", "wrong", ATTACKER), range(16)))
    statuses = sorted(r.status_code for r in answers)
    free = settings.login_free_failures
    assert statuses == [401] * free + [429] * (16 - free)
