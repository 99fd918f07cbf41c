"""/docs and /redoc in a real browser (issue 12 item 19): they render the API from this site's own
files, make no request to any other host, and break no rule of their content security policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import NewPage

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/docs", "#swagger-ui .opblock-tag"),  # operations grouped by tag: the spec was loaded
        ("/redoc", "[role=search], .menu-content"),
    ],
)
def test_docs_page_renders_with_no_request_to_another_host(
    new_page: NewPage, base_url: str, path: str, ready: str
) -> None:
    page = new_page()
    own = urlsplit(base_url).netloc
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base_url}{path}")
    page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_load_state("networkidle")
    assert "/auth/login" in page.content() or path == "/redoc"
    if path == "/redoc":
        assert page.get_by_text("/auth/login").count() > 0
    elsewhere = [
        url
        for url in requests
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own
    ]
    assert elsewhere == [], elsewhere
    assert any(url.endswith("/openapi.json") for url in requests), requests
    assert page.evaluate("window.__csp") == []
