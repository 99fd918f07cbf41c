"""Request metrics in the Prometheus text exposition format, labelled by route template.

Counts live in process memory: with several workers, each exposes its own figures and the
scraper adds them up (the usual Prometheus model). Raw paths never appear as labels, so no
student id reaches the metrics.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Final

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
