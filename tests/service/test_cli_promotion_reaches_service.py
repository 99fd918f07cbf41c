"""A promotion made with the command line reaches a running service within a second.

A real ``pathways serve`` runs in a subprocess on the test database (SQLite file, or PostgreSQL
by URL); this process promotes (and rolls back) with the command-line function against the same
database; the served version, read from the service's ``/readyz``, must change once the service
has read the pointer (at most a second after the change) and loaded the version (timed by the
service's own log line).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.model import DEFAULT_MODELS_DIR
from service.cli import main
from service.recommending import CHECK_SECONDS
from service.settings import Settings
from tests.service.test_models_api import SHIPPED

#: Another shipped version to switch to (a forced promotion: the guard compares it with SHIPPED).
OTHER = "2026.4-grounded"
#: Above the pointer check interval, allowed for the poll step and one HTTP round trip.
SLACK_SECONDS = 0.25
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """``pathways serve`` in a subprocess; its standard error collected line by line."""

    def __init__(self, url: str, var_dir: Path) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "PATHWAYS_LOG_JSON": "false",
            "PATHWAYS_VAR_DIR": str(var_dir),
            "PATHWAYS_COOKIE_SECURE": "false",
        }
        command = [sys.executable, "-m", "service.cli", "serve", "--no-seed"]
        command += ["--port", str(self.port), "--database-url", url]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def serving(self) -> str | None:
        """The version /readyz reports (None while it is not ready)."""
        try:
            url = f"http://127.0.0.1:{self.port}/readyz"
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(json.load(response)["checks"]["model"])
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def wait_for(self, version: str, deadline_seconds: float) -> float:
        """Poll /readyz until it reports ``version``; seconds it took (fails at the deadline)."""
        started = time.monotonic()
        while time.monotonic() - started < deadline_seconds:
            assert self.process.poll() is None, "\n".join(self.lines[-20:])
            if self.serving() == version:
                return time.monotonic() - started
            time.sleep(0.02)
        pytest.fail(f"not serving {version} after {deadline_seconds} s: {self.lines[-20:]}")

    def load_seconds(self, version: str) -> float:
        """How long the service took to load ``version``, from its log line."""
        pattern = re.compile(rf"model version {re.escape(version)} loaded in ([0-9.]+) s")
        found = [float(m.group(1)) for line in self.lines if (m := pattern.search(line))]
        assert found, self.lines[-20:]
        return found[-1]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self._reader.join(timeout=20)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def service(settings: Settings, tmp_path: Path) -> Iterator[Service]:
    running = Service(settings.resolved_database_url(), tmp_path)
    try:
        yield running
    finally:
        running.stop()


def test_a_cli_promotion_and_rollback_reach_the_running_service_within_a_second(
    service: Service, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    url = settings.resolved_database_url()
    registry = (DEFAULT_MODELS_DIR / "registry.json").read_bytes()
    service.wait_for(SHIPPED, deadline_seconds=120)  # start-up seeds the pointer, loads SHIPPED
    reason = "cross-process test"
    promote = ["models", "promote", OTHER, "--force", "--reason", reason]
    rollback = ["models", "rollback", "--reason", reason]
    for command, version in ((promote, OTHER), (rollback, SHIPPED)):
        assert main([*command, "--database-url", url]) == 0, capsys.readouterr().err
        took = service.wait_for(version, deadline_seconds=30)
        loading = service.load_seconds(version)
        print(
            f"{command[1]} to {version}: served after {took:.3f} s, of which load {loading:.3f} s"
        )
        assert took - loading <= CHECK_SECONDS + SLACK_SECONDS
    assert (DEFAULT_MODELS_DIR / "registry.json").read_bytes() == registry
