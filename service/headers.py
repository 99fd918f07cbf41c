"""The headers every response carries: Content-Security-Policy, framing, sniffing, referrer and
browser-feature policies, and ``Cache-Control: no-store`` on everything but the static files.

``SecurityHeaders`` (outermost middleware) adds them to every response; the handler of
unexpected errors, which answers outside the middleware stack, adds them itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script or handler text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


#: Event-handler attributes the templates use, allowed by hash (with 'unsafe-hashes') and no
#: other inline code: plan_print.html's Print button. Moving it into a static script would let
#: this list (and 'unsafe-hashes') go; ``tests/service/test_security_headers.py`` fails when a
#: template gains a handler, an inline script or an inline style that the policy does not allow.
INLINE_HANDLERS: Final = ("window.print()",)

_PAGE_SCRIPTS: Final = " ".join(("'self'", "'unsafe-hashes'", *map(csp_hash, INLINE_HANDLERS)))

#: The policy of every page and API response: scripts, styles, images and fonts only from this
#: site's own files (no inline script apart from the hashed handlers, no inline style, no eval),
#: fetches only to this site, forms only to this site, never framed.
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        f"script-src {_PAGE_SCRIPTS}",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

#: The /docs and /redoc pages run Swagger UI and ReDoc from this site's own files (shipped by the
#: ``fastapi-offline`` package, served under ``/static/docs/``; nothing from another host) and
#: start Swagger UI with an inline script; their policy allows the page's own inline scripts by
#: hash (computed from the page sent). The libraries inject their styles at run time (ReDoc's
#: styled-components, Swagger UI's React inline styles), so these two pages alone allow inline
#: styles; never inline script. ReDoc runs its search in a worker made from a blob.
_DOCS_POLICY: Final = (
    "default-src 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src blob:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
)

_INLINE_SCRIPT: Final = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)


def docs_policy(html: str) -> str:
    """The policy of a docs page: this site's scripts and its own inline scripts by hash, never
    'unsafe-inline' for scripts, no other host."""
    hashes = sorted({csp_hash(body) for body in _INLINE_SCRIPT.findall(html)})
    scripts = " ".join(("'self'", *hashes))
    return "; ".join((f"script-src {scripts}", *_DOCS_POLICY))


#: Powerful browser features no page of the service uses, switched off for every page.
PERMISSIONS_POLICY: Final = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

#: Headers every response carries (the CSP is added beside them).
SECURITY_HEADERS: Final = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: What a response may hold about the signed-in person must not stay in the browser's cache (a
#: shared Chromebook: Back after Sign out must not show the previous person's page).
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}

#: The only responses a browser may keep: the site's own static files, the same for everyone.
CACHEABLE_PREFIX: Final = "/static/"


def security_headers(path: str, *, policy: str = CONTENT_SECURITY_POLICY) -> dict[str, str]:
    """Every header the service adds to a response for ``path``."""
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy}
    if not path.startswith(CACHEABLE_PREFIX):
        headers.update(NO_STORE)
    return headers


class SecurityHeaders:
    """Add ``security_headers`` to every HTTP response, whatever produced it (routes, pages,
    static files, error handlers, the 413 of ``RequestGuard``). The docs pages are buffered to
    hash their inline scripts into their policy."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path in self.docs_paths:
            await self._docs(scope, receive, send, path)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(path).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            body = b"".join(chunks)
            policy = docs_policy(body.decode("utf-8", errors="replace"))
            headers = MutableHeaders(scope=start)
            for name, value in security_headers(path, policy=policy).items():
                headers[name] = value
            if scope.get("method") != "HEAD":
                headers["Content-Length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, buffer)
