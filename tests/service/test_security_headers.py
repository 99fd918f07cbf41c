"""Every response of every route carries the security headers; signed-in answers are never cached.

A shared school Chromebook: Back after Sign out must not show the previous person's page, so no
page or API answer may be stored by the browser (``Cache-Control: no-store``); only the static
files, the same for everyone, may be. Every response has a Content-Security-Policy that allows
no inline script except by hash (never 'unsafe-inline' for scripts), forbids framing, and comes
with nosniff, a same-origin referrer policy and a Permissions-Policy switching off camera,
microphone, geolocation and the like. The routes are read from the app itself, so a new route is
checked without touching this file.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from recommender.model import read_active_version
from service.app import create_app
from service.deps import SESSION_COOKIE
from service.pages._core import TEMPLATES_DIR
from service.pages._text import LANG_COOKIE
from service.settings import Settings
from tests.service.conftest import (
    PASSWORD,
    World,
    build_world,
    make_settings,
    post_page_form,
    sign_in_page,
)
from tests.service.test_authorisation import MATRIX, Row

ACTORS = ("anon", "student", "coach", "staff", "admin")
STATIC_FILES = (
    "/static/site.css",
    "/static/assessment.js",
    "/static/favicon.svg",
    "/static/docs/swagger-ui-bundle.js",
    "/static/docs/redoc.standalone.js",
)


def _route_list() -> list[tuple[str, str]]:
    """(method, path template) of every route of the app, page or API, plus the static files."""
    app = create_app(Settings(database_url="sqlite://"))
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                found.append((method, context.path))
    mounts = [r.path for r in app.routes if isinstance(r, Mount)]
    assert mounts == ["/static/docs", "/static"], "a new mount: add its files to STATIC_FILES"
    found.extend(("GET", path) for path in STATIC_FILES)
    app.state.engine.dispose()
    return found


ROUTES = _route_list()
BODIES: dict[tuple[str, str], Row] = {(row.method, row.path.split("?")[0]): row for row in MATRIX}
QUERIES = {row.path.split("?")[0]: row.path for row in MATRIX if "?" in row.path}
#: Valid form bodies for the page POST routes, so the signed-in answer is the real one.
PAGE_FORMS: dict[str, dict[str, Any]] = {
    "/sign-in": {"username": "coach_a", "password": PASSWORD},
    "/start": {"code": "{access_code}"},
    "/coach/students/{student_id}/sessions": {
        "category": "one_on_one",
        "occurred_on": "{activity_day}",
        "minutes": "30",
        "notes": "talked about welding",
    },
    "/coach/students/{student_id}/plan": {"next_steps": "visit the college", "notes": "n"},
    "/coach/students/{student_id}/records": {"act_math": "24"},
    "/staff/models/switch": {"action": "promote", "version": "{version}", "reason": "checking"},
    "/coach/students/{student_id}/plan/add": {"kind": "occupation", "code": "{code}"},
    "/coach/roster/students": {
        "first_name": "Noa",
        "local_id": "N77",
        "grade": "10",
        "school_id": "{school_id}",
    },
    "/coach/roster/students/{student_id}/edit": {
        "first_name": "Ada",
        "local_id": "A1",
        "grade": "11",
        "school_id": "{school_id}",
    },
    "/staff/organisations/{user_id}": {"organisation": "Hinds Community College"},
}


def _ids(world: World) -> dict[str, object]:
    return {
        "student_id": world.student_a,
        "school_id": world.school_a,
        "activity_id": world.activity_a,
        "outcome_id": world.outcome_a,
        "assessment_id": world.assessment_a,
        "user_id": world.coach_b,
        "code": "29-1141.00",
        "subtest": "spatial",
        "version": read_active_version(),
        "access_code": world.access_code_a,
        "code_id": 1,  # the world's access code: the coach page shows what became of it
        "request_id": 1,  # a privacy request (none in the world: 404, with the headers)
        "upload_id": 1,  # a roster upload (none in the world: 404, with the headers)
        "kind": "occupation",  # /coach/students/{student_id}/find/{kind}/{code}
        "table": "schools",  # /reports/summary/{table}.csv
        "name": "reliability.svg",  # an image of the shipped version's model card
        "activity_day": world.activity_day.isoformat(),
    }


def _request_for(method: str, path: str, world: World) -> dict[str, Any]:
    ids = _ids(world)
    url = QUERIES.get(path, path).format(**ids)
    request: dict[str, Any] = {"method": method, "url": url}
    row = BODIES.get((method, path))
    if row is not None and row.body is not None and not row.page:  # page forms: as forms, below
        request["json"] = row.body_for(world, "own")
    elif path in PAGE_FORMS:
        request["data"] = {k: str(v).format(**ids) for k, v in PAGE_FORMS[path].items()}
    return request


def csp_hash(source: str) -> str:
    """The CSP hash source expression of an inline script or handler (CSP Level 3)."""
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_STYLE = re.compile(r"""<style\b|\sstyle\s*=""", re.IGNORECASE)


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _inline_code(html: str) -> tuple[list[str], list[str]]:
    """Inline scripts (not data blocks) and event-handler attribute values of a page."""
    scripts = [
        body
        for attrs, body in _SCRIPT_TAG.findall(html)
        if "src=" not in attrs.lower() and "application/json" not in attrs.lower()
    ]
    handlers = [a or b for a, b in _HANDLER.findall(html)]
    return scripts, handlers


def assert_secure_response(response: Any, path: str, settings: Settings) -> None:
    """Every header the service promises, and a policy that allows all the page's inline code."""
    headers = response.headers
    where = f"{response.request.method} {path} -> {response.status_code}"
    policy = headers.get("content-security-policy", "")
    directives = _directives(policy)
    assert directives.get("frame-ancestors") == ["'none'"], where
    scripts = directives.get("script-src", [])
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert directives.get("default-src") == ["'none'"], where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer"), where
    features = headers.get("permissions-policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in features, where
    if path.startswith("/static/"):
        assert "no-store" not in headers.get("cache-control", ""), where
    else:
        assert headers.get("cache-control") == "no-store", where
        assert headers.get("pragma") == "no-cache", where
    if headers.get("content-type", "").startswith("text/html"):
        inline_scripts, handlers = _inline_code(response.text)
        for body in inline_scripts:
            assert csp_hash(body) in scripts, f"{where}: inline script not allowed by hash"
        for handler in handlers:
            assert csp_hash(handler) in scripts and "'unsafe-hashes'" in scripts, where
        if not path.startswith(("/docs", "/redoc")):
            assert not _STYLE.search(response.text), f"{where}: inline style"
            assert directives.get("style-src") == ["'self'"], where
            assert directives.get("form-action") == ["'self'"], where
            assert directives.get("base-uri") == ["'none'"], where
    secure = settings.secure_cookies(https=response.request.url.scheme == "https")
    for cookie in headers.get_list("set-cookie"):
        name = cookie.split("=", 1)[0]
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        if name in (SESSION_COOKIE, LANG_COOKIE):
            assert "httponly" in flags, f"{where}: {name} not HttpOnly"
            assert "samesite=lax" in flags or "samesite=strict" in flags, where
            assert ("secure" in flags) == secure, f"{where}: {name} Secure should be {secure}"


@pytest.fixture
def fresh(app: FastAPI) -> Iterator[tuple[TestClient, World]]:
    with TestClient(app, follow_redirects=False) as client:
        yield client, build_world(app)


def test_the_route_list_is_the_whole_app() -> None:
    paths = {path for _, path in ROUTES}
    assert {"/docs", "/redoc", "/openapi.json", "/coach/students/{student_id}", "/auth/me"} <= paths
    assert len(ROUTES) >= 80


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_answers_every_role_with_the_security_headers(
    fresh: tuple[TestClient, World], settings: Settings, method: str, path: str
) -> None:
    """Anonymous and as each role, with the session cookie as a browser sends it; the answers
    include successes, redirects, refusals and validation errors."""
    client, world = fresh
    statuses = set()
    for actor in ACTORS:
        client.cookies.clear()
        if actor != "anon":
            client.cookies.set(SESSION_COOKIE, world.tokens[actor])
        response = client.request(**_request_for(method, path, world))
        statuses.add(response.status_code)
        assert response.status_code < 500, response.text
        assert_secure_response(response, path, settings)
    if method == "GET" and (path.startswith("/static/") or path in ("/", "/sign-in", "/livez")):
        assert 200 in statuses


def test_a_signed_in_page_is_not_kept_and_back_after_sign_out_asks_to_sign_in(
    fresh: tuple[TestClient, World],
) -> None:
    client, world = fresh
    signed = sign_in_page(client, "coach_a")
    assert signed.status_code == 303
    page = client.get(f"/coach/students/{world.student_a}")
    assert page.status_code == 200 and "Ada" in page.text
    assert page.headers["cache-control"] == "no-store"
    out = post_page_form(client, f"/coach/students/{world.student_a}", "/sign-out", {})
    assert out.status_code == 303
    assert out.headers["cache-control"] == "no-store"
    assert client.cookies.get(SESSION_COOKIE) is None
    # what Back does when nothing was kept: ask the server again, which wants a sign-in
    again = client.get(f"/coach/students/{world.student_a}")
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")
    assert "Ada" not in again.text


def test_student_results_and_the_api_are_not_kept(fresh: tuple[TestClient, World]) -> None:
    client, world = fresh
    client.cookies.set(SESSION_COOKIE, world.tokens["student"])
    for url in ("/results", "/assessment", f"/assessments/{world.assessment_a}", "/auth/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-store", url


def test_a_too_large_body_and_an_internal_error_carry_the_headers(
    app: FastAPI, settings: Settings
) -> None:
    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-explodes", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        large = client.post("/auth/login", content=b"x" * (settings.max_body_bytes + 1))
        assert large.status_code == 413
        assert_secure_response(large, "/auth/login", settings)
        broken = client.get("/test-explodes")
        assert broken.status_code == 500
        assert_secure_response(broken, "/test-explodes", settings)


def test_templates_hold_no_inline_script_or_style_the_policy_does_not_allow(
    client: TestClient,
) -> None:
    """Inline code in a template would be blocked by the browser (or need 'unsafe-inline'):
    no inline script, no inline style, and only event handlers the policy names by hash."""
    scripts_allowed = _directives(client.get("/sign-in").headers["content-security-policy"])[
        "script-src"
    ]
    for template in sorted(TEMPLATES_DIR.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        scripts, handlers = _inline_code(text)
        assert not scripts, f"{template.name}: inline <script>; use a file under static/"
        unknown = [h for h in handlers if csp_hash(h) not in scripts_allowed]
        assert not unknown, f"{template.name}: event handlers {unknown}; use a static script"
        assert not _STYLE.search(text), f"{template.name}: inline style; use static/site.css"


def test_the_docs_pages_allow_their_own_inline_scripts_by_hash_only(
    client: TestClient, settings: Settings
) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(path)
        assert response.status_code == 200
        assert_secure_response(response, path, settings)
        head = client.head(path)
        assert (
            head.headers["content-security-policy"] == (response.headers["content-security-policy"])
        )


# --- Secure cookies ---------------------------------------------------------------------------


def _cookie_flags(response: Any, name: str) -> set[str]:
    for cookie in response.headers.get_list("set-cookie"):
        if cookie.startswith(f"{name}="):
            return {part.strip().lower() for part in cookie.split(";")[1:]}
    raise AssertionError(f"no {name} cookie set")


def _sign_in_cookies(app: FastAPI, base_url: str = "http://testserver") -> dict[str, set[str]]:
    """The flags of every cookie the sign-in routes set (API and page, account and student)."""
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        world = build_world(app)
        api = client.post("/auth/login", json={"username": "coach_a", "password": PASSWORD})
        # a browser returns the Secure form-token cookie only over https, as a real one does
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
            page = sign_in_page(browser, "coach_a")
        code = client.post("/auth/access-code", json={"code": world.access_code_a})
        language = client.get("/language", params={"to": "es"})
        logout = client.post("/auth/logout", headers=world.headers("coach"))
        return {
            "api": _cookie_flags(api, SESSION_COOKIE),
            "page": _cookie_flags(page, SESSION_COOKIE),
            "code": _cookie_flags(code, SESSION_COOKIE),
            "language": _cookie_flags(language, LANG_COOKIE),
            "logout": _cookie_flags(logout, SESSION_COOKIE),
        }


@pytest.mark.parametrize(
    ("extra", "secure"),
    [
        ({"cookie_secure": True}, True),
        ({"cookie_secure": False}, False),
        ({"cookie_secure": "auto", "host": "0.0.0.0"}, True),  # reachable from the network
        ({"cookie_secure": "auto", "host": "10.1.2.3"}, True),
    ],
    ids=["true", "false", "auto-any-address", "auto-lan-address"],
)
def test_session_cookies_are_httponly_samesite_and_secure_as_the_setting_says(
    migrated_url: str, tmp_path: Path, extra: dict[str, object], secure: bool
) -> None:
    from tests.service.conftest import clear_tables

    clear_tables(migrated_url)
    app = create_app(make_settings(migrated_url, tmp_path, **extra))
    try:
        for route, flags in _sign_in_cookies(app).items():
            assert "httponly" in flags and "samesite=lax" in flags, route
            assert ("secure" in flags) == secure, route
    finally:
        app.state.engine.dispose()


def test_auto_is_secure_except_for_a_local_installation(tmp_path: Path) -> None:
    """``pathways serve`` with the embedded defaults (127.0.0.1, SQLite under var/) must work
    over plain http; every other setup gets Secure cookies unless told otherwise."""
    local = Settings(var_dir=tmp_path)
    assert local.cookie_secure == "auto"
    assert local.is_local_installation() and not local.secure_cookies(https=False)
    assert local.secure_cookies(https=True)
    for other in (
        Settings(var_dir=tmp_path, host="0.0.0.0"),
        Settings(var_dir=tmp_path, database_url="postgresql+psycopg://u@db.internal/pathways"),
        Settings(var_dir=tmp_path, host="::", database_url="sqlite:////srv/p.sqlite3"),
    ):
        assert not other.is_local_installation()
        assert other.secure_cookies(https=False)
    assert not Settings(var_dir=tmp_path, host="localhost").secure_cookies(https=False)
    assert not Settings(var_dir=tmp_path, host="0.0.0.0", cookie_secure=False).secure_cookies(
        https=True
    )


def test_auto_marks_cookies_secure_for_a_request_that_came_over_https(
    migrated_url: str, tmp_path: Path
) -> None:
    from tests.service.conftest import clear_tables

    clear_tables(migrated_url)
    app = create_app(make_settings(migrated_url, tmp_path, cookie_secure="auto"))
    try:
        for route, flags in _sign_in_cookies(app, base_url="https://testserver").items():
            assert "secure" in flags, route
    finally:
        app.state.engine.dispose()
