"""/docs and /redoc are served from this site's own files (issue 12 item 19); the browser test in
tests/browser/test_docs_pages.py checks that a real browser makes no request to another host."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.app import DOCS_ASSETS_DIR

_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'|spec-url="([^"]+)\"""")


def test_docs_pages_reference_only_files_this_site_serves(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "//" not in "".join(u for groups in _URL.findall(page.text) for u in groups if u), (
            path
        )
        policy = page.headers["content-security-policy"]
        assert "http" not in policy and "'unsafe-inline'" not in policy.split("; ")[0]
        for groups in _URL.findall(page.text):
            url = next(u for u in groups if u)
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url


def test_the_assets_are_the_installed_package_files_and_cacheable(client: TestClient) -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = client.get(f"/static/docs/{name}")
        assert response.status_code == 200
        shipped = (DOCS_ASSETS_DIR / name).read_bytes()
        if name == "redoc.standalone.js":  # the one change: its side-menu logo from a CDN
            assert b"https://cdn.redoc.ly" in shipped
            assert b"https://cdn.redoc.ly" not in response.content
            assert len(response.content) > 0.99 * len(shipped)
        else:
            assert response.content == shipped
        assert "no-store" not in response.headers.get("cache-control", "")
