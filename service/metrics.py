"""Request metrics in the Prometheus text exposition format, labelled by route template.

The counters are ``prometheus_client``'s, one registry per app. With one process they live in
its memory. ``pathways serve --workers N`` (N > 1) sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start: each worker then writes its figures to files in that folder and every scrape adds
up all workers' files, so the counters a scraper sees never jump back when the next scrape lands
on another worker. Raw paths never appear as labels, so no student id reaches the metrics. Who
may read them is ``check_metrics_access``'s decision: with ``PATHWAYS_METRICS_TOKEN`` set, a
client sending it as a bearer token; without one, only clients on this machine.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.requests import Request

from recommender.errors import NotAuthenticatedError, PermissionDeniedError
from service.settings import Settings

#: Upper bounds (seconds) of the request-duration histogram buckets.
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: The environment variable naming prometheus_client's multiprocess folder.
MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"

#: Content type of ``RequestMetrics.render`` (text exposition format 0.0.4).
CONTENT_TYPE: Final = CONTENT_TYPE_PLAIN_0_0_4


def multiprocess_dir() -> Path | None:
    """The multiprocess folder this process writes its metrics to, or None (in memory)."""
    value = os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower())
    return Path(value) if value else None


def prepare_multiprocess_dir(folder: Path) -> None:
    """Create ``folder`` and delete the metric files an earlier run left in it (the workers of
    one run must start from zero; prometheus_client's rule)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


class RequestMetrics:
    """Requests by (method, route, status), a duration histogram per (method, route) and the
    requests in progress; ``path`` set (default: ``PROMETHEUS_MULTIPROC_DIR``) renders the sum of
    every process writing to that folder."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else multiprocess_dir()
        self._registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "pathways_http_requests",
            "HTTP requests by method, route template, status.",
            ("method", "route", "status"),
            registry=self._registry,
        )
        self.duration = Histogram(
            "pathways_http_request_duration_seconds",
            "Time to answer a request.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self._registry,
        )
        self.in_progress = Gauge(
            "pathways_http_requests_in_progress",
            "Requests being answered now.",
            registry=self._registry,
            multiprocess_mode="livesum",
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    def render(self) -> str:
        """The text exposition (version 0.0.4) of every metric, summed over the processes
        sharing the multiprocess folder when there is one."""
        if self.path is None:
            return generate_latest(self._registry).decode("utf-8")
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry, path=str(self.path))  # type: ignore[no-untyped-call]
        return generate_latest(registry).decode("utf-8")

    def close(self) -> None:
        """At process exit: drop this process's live gauges from the multiprocess sum."""
        if self.path is not None:
            _multiprocess.mark_process_dead(os.getpid(), path=str(self.path))  # type: ignore[no-untyped-call]


def is_loopback_client(request: Request, settings: Settings) -> bool:
    """True when the request's client is this machine (127.0.0.0/8, ``::1``, IPv4-mapped too).

    The client is ``service.auth.client_of``'s: behind a reverse proxy listed in
    ``PATHWAYS_TRUSTED_PROXIES``, the address the proxy forwarded, not the proxy's own.
    """
    from service.auth import client_of

    host = client_of(request, settings)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def check_metrics_access(request: Request, settings: Settings) -> None:
    """Admit a request for /metrics, or raise: with a ``token`` configured, only
    ``Authorization: Bearer <token>`` (401 otherwise, compared in constant time); without one,
    only loopback clients (403 for any other address)."""
    token = settings.metrics_token
    if token is None:
        if not is_loopback_client(request, settings):
            raise PermissionDeniedError(
                "client on another machine", "read /metrics while PATHWAYS_METRICS_TOKEN is unset"
            )
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode("utf-8")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        value.strip().encode("utf-8"), expected
    ):
        raise NotAuthenticatedError("/metrics needs Authorization: Bearer <PATHWAYS_METRICS_TOKEN>")
