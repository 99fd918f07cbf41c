"""ASGI middleware: request-body size limit (413), metrics and one JSON log line per request.

The security headers every response carries are added by ``service.headers.SecurityHeaders``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import RequestMetrics
from service.problems import problem_response

logger = logging.getLogger("service.requests")


def route_template(scope: Scope) -> str:
    """The matched route's path template (e.g. ``/students/{student_id}``), or ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that first hands the app ``body`` (already read, whole) as one message,
    then passes on whatever ``receive`` gives (a disconnect)."""
    sent = {"done": False}

    async def replay() -> Message:
        if not sent["done"]:
            sent["done"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RequestGuard:
    """Reject bodies over ``max_body_bytes`` before the app sees them; time and count requests.

    The body is read up front (never more than the limit plus one chunk) and replayed to the
    app, so chunked uploads without Content-Length are limited too.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: RequestMetrics) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        self.metrics.in_progress.inc()
        try:
            replay = await self._read_limited(scope, receive)
            if replay is None:
                await self._too_large(scope, send_wrapper)
            else:
                await self.app(scope, replay, send_wrapper)
        finally:
            self.metrics.in_progress.dec()
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            self.metrics.observe(method, route, status["code"], seconds)
            logger.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status["code"],
                    "ms": round(seconds * 1000, 2),
                },
            )

    async def _read_limited(self, scope: Scope, receive: Receive) -> Receive | None:
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body_bytes:
                    return None
            except ValueError:
                pass
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") and declared is None:
            return receive
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return receive
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                return None
            chunks.append(body)
            more = bool(message.get("more_body", False))
        return replaying(b"".join(chunks), receive)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        response = problem_response(
            413, f"the request body is larger than {self.max_body_bytes} bytes"
        )

        async def no_body() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        await response(scope, no_body, send)
