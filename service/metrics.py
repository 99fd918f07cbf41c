"""Request metrics in the Prometheus text exposition format, labelled by route template.

Counts live in process memory: with several workers, each exposes its own figures and the
scraper adds them up (the usual Prometheus model). Raw paths never appear as labels, so no
student id reaches the metrics. Who may read them is ``check_metrics_access``'s decision:
with ``PATHWAYS_METRICS_TOKEN`` set, a client sending it as a bearer token; without one, only
clients on this machine.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
from collections import defaultdict
from typing import Final

from starlette.requests import Request

from recommender.errors import NotAuthenticatedError, PermissionDeniedError
from service.settings import Settings

#: Upper bounds (seconds) of the request-duration histogram buckets.
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class RequestMetrics:
    """Thread-safe counters of requests and a duration histogram per (method, route)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self._buckets: defaultdict[tuple[str, str], list[int]] = defaultdict(
            lambda: [0] * len(BUCKETS)
        )
        self._sum: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._count: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.in_progress = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            key = (method, route)
            buckets = self._buckets[key]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self._sum[key] += seconds
            self._count[key] += 1

    def render(self) -> str:
        """The text exposition (version 0.0.4) of every metric."""
        lines = [
            "# HELP pathways_http_requests_total HTTP requests by method, route template, status.",
            "# TYPE pathways_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self._requests.items()):
                lines.append(
                    f'pathways_http_requests_total{{method="{_escape(method)}",'
                    f'route="{_escape(route)}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP pathways_http_request_duration_seconds Time to answer a request.",
                "# TYPE pathways_http_request_duration_seconds histogram",
            ]
            for (method, route), buckets in sorted(self._buckets.items()):
                labels = f'method="{_escape(method)}",route="{_escape(route)}"'
                for bound, n in zip(BUCKETS, buckets, strict=True):
                    name = "pathways_http_request_duration_seconds_bucket"
                    lines.append(f'{name}{{{labels},le="{bound}"}} {n}')
                total = self._count[(method, route)]
                lines.append(
                    f'pathways_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {total}'
                )
                lines.append(
                    f"pathways_http_request_duration_seconds_sum{{{labels}}} "
                    f"{self._sum[(method, route)]:.6f}"
                )
                lines.append(f"pathways_http_request_duration_seconds_count{{{labels}}} {total}")
            lines += [
                "# HELP pathways_http_requests_in_progress Requests being answered now.",
                "# TYPE pathways_http_requests_in_progress gauge",
                f"pathways_http_requests_in_progress {self.in_progress}",
            ]
        return "\n".join(lines) + "\n"


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
