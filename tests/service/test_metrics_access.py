"""Who may read /metrics (issue 12 item 19): the bearer token when one is set, else this machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import make_settings

TOKEN = "scrape-" + "k3y" * 6


def _client(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, client=(host, 40000))


@pytest.fixture
def tokened_app(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(make_settings(settings.resolved_database_url(), tmp_path, metrics_token=TOKEN))
    yield app
    app.state.engine.dispose()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_without_a_token_a_client_on_this_machine_reads_the_metrics(
    app: FastAPI, host: str
) -> None:
    with _client(app, host) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert "# TYPE pathways_http_requests_total counter" in response.text


@pytest.mark.parametrize("host", ["10.20.30.40", "192.168.1.5", "2001:db8::7", "testclient"])
def test_without_a_token_any_other_client_is_refused(app: FastAPI, host: str) -> None:
    with _client(app, host) as client:
        response = client.get("/metrics")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "PATHWAYS_METRICS_TOKEN" in response.json()["detail"]
    assert "pathways_http_requests_total" not in response.text


def test_behind_a_trusted_proxy_on_this_machine_the_forwarded_client_decides(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.resolved_database_url()
    app = create_app(make_settings(url, tmp_path, trusted_proxies="127.0.0.1"))
    try:
        with _client(app, "127.0.0.1") as client:  # every request arrives from the proxy
            remote = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            local = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    finally:
        app.state.engine.dispose()
    assert remote.status_code == 403
    assert local.status_code == 200


def test_with_a_token_only_the_token_opens_the_metrics(tokened_app: FastAPI) -> None:
    for host in ("127.0.0.1", "10.20.30.40"):  # loopback is no longer enough by itself
        with _client(tokened_app, host) as client:
            for headers in (
                {},
                {"Authorization": "Bearer wrong-token-of-some-length"},
                {"Authorization": f"Basic {TOKEN}"},
                {"Authorization": f"Bearer {TOKEN}x"},
            ):
                refused = client.get("/metrics", headers=headers)
                assert refused.status_code == 401, (host, headers)
                assert refused.headers["www-authenticate"] == "Bearer"
                assert "pathways_http" not in refused.text
            allowed = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert allowed.status_code == 200
            assert "pathways_http_requests_total" in allowed.text


def test_a_short_metrics_token_is_refused_as_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_METRICS_TOKEN", "too-short")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "metrics_token" in str(exc.value)
    monkeypatch.setenv("PATHWAYS_METRICS_TOKEN", TOKEN)
    token = Settings().metrics_token
    assert token is not None and token.get_secret_value() == TOKEN
    assert TOKEN not in repr(Settings())  # never printed with the settings
