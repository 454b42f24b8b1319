"""What every response and every state-changing request goes through.

- **Headers** on every response: a Content-Security-Policy with no inline script and no other
  host (``default-src 'self'``, ``frame-ancestors 'none'``), ``nosniff``, no referrer to other
  sites, and HSTS when served over TLS.
- **CSRF**: each session holds a random token; a POST (or any unsafe method) must carry it, in
  the form field ``csrf`` or the ``X-CSRF-Token`` header, or it is refused with 403 before any
  route sees it. The body is read here (at most ``MAX_BODY`` bytes, else 413) and handed on.
- **Throttle**: a bounded sliding window per key (log-ins per name and per address, pledge
  submissions per address), held by each worker process.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 256 * 1024  # the largest form (a pledge at every limit) is under 64 KB
MAX_FIELDS = 1000  # as campaign.web.forms reads at most
CSRF_FIELD = "csrf"
CSRF_HEADER = b"x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class Guard:
    """Security headers on every response; CSRF check and a body bound on unsafe requests.

    Sits inside Starlette's SessionMiddleware (it reads ``scope['session']``). A response to a
    refused request is plain text and has the headers too.
    """

    def __init__(self, app: ASGIApp, *, secure: bool, refuse: Callable[[Scope, int], Any]) -> None:
        self.app, self.secure, self.refuse = app, secure, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = HEADERS + ([HSTS] if self.secure else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                # a route may set its own CSP (the served report and story carry their own)
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in headers if h[0] not in have]
            await send(message)

        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_headers)
            return
        declared = _header(scope, b"content-length")
        if declared and (not declared.isdigit() or int(declared) > MAX_BODY):
            await self.refuse(scope, 413)(scope, receive, send_with_headers)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await self.refuse(scope, 413)(scope, receive, send_with_headers)
                return
        session = scope.get("session") or {}
        expected = session.get(CSRF_FIELD)
        given = _header(scope, CSRF_HEADER)
        if not given and _header(scope, b"content-type").startswith(
                "application/x-www-form-urlencoded"):
            try:
                values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
            except ValueError:  # more fields than any form of ours has
                await self.refuse(scope, 413)(scope, receive, send_with_headers)
                return
            given = (values.get(CSRF_FIELD) or [""])[0]
        if not (isinstance(expected, str) and given
                and hmac.compare_digest(expected.encode(), given.encode())):
            await self.refuse(scope, 403)(scope, receive, send_with_headers)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the client's disconnect, if it comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send_with_headers)


class Throttle:
    """At most ``limit`` events per key within ``window`` seconds; at most ``keys`` keys are
    remembered (the oldest forgotten first), so a flood of addresses cannot exhaust memory."""

    def __init__(self, limit: int, window: float, *, keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.keys, self.clock = limit, window, keys, clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self.keys:
                self._events.popitem(last=False)
        else:
            self._events.move_to_end(key)
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used its events for now."""
        return len(self._recent(key)) >= self.limit

    def hit(self, key: str) -> None:
        """Count one event of ``key``."""
        self._recent(key).append(self.clock())

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0 when it may now)."""
        events = self._recent(key)
        if len(events) < self.limit:
            return 0
        return max(1, int(events[0] + self.window - self.clock()) + 1)

    def release(self, key: str) -> None:
        """Give back the newest event of ``key`` (an attempt counted before it was known to
        succeed)."""
        events = self._events.get(key)
        if events:
            events.pop()

    def clear(self, key: str) -> None:
        """Forget ``key`` (after a successful log-in)."""
        self._events.pop(key, None)
