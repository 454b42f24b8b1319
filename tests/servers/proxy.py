"""A tiny reverse HTTP proxy on 127.0.0.1 with the doubles' fault-injection API.

Why: Bluesky is tested against a real PDS (not a double), but the crash and ambiguity cases still
need a seam *between* the client and the server: "the PDS stored the record, then the client died
before hearing so". The proxy forwards every request to `upstream` and offers what `HTTPDouble`
offers -- `inject` (answer instead of forwarding), `inject_after` (forward, then answer an
error), `delay`, and `on_commit(hook, method=..., path=...)`, run after the upstream answered a
matching write successfully and before the client gets the answer:

    with ReverseProxy(pds_url) as proxy:
        proxy.on_commit(kill_client, method="POST", path="/xrpc/com.atproto.repo.putRecord")

Deliberately simple: HTTP/1.1, bodies by Content-Length (upstream chunked answers are read whole
and re-sent with a length), one upstream connection per request, repeated response headers
joined with ", " (fine for XRPC, which sets no cookies).
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from http import HTTPStatus
from typing import Any

from .httpdouble import HOP_BY_HOP, HTTPDouble, Request, Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# XRPC error names a PDS answers with (the `error` field of its JSON error bodies).
XRPC_ERRORS = {
    400: "InvalidRequest",
    401: "AuthenticationRequired",
    403: "Forbidden",
    404: "NotFound",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}


class ReverseProxy(HTTPDouble):
    """Forwards to `upstream` (e.g. "http://127.0.0.1:2583"); see the module docstring."""

    server_name = "ReverseProxy"

    def __init__(self, upstream: str, *, timeout: float = 30.0) -> None:
        super().__init__()
        split = urllib.parse.urlsplit(upstream)
        if split.scheme != "http" or not split.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.timeout = timeout
        self._host = split.hostname
        self._port = split.port or 80
        self._prefix = split.path.rstrip("/")

    def handle(self, request: Request) -> Response:
        """Forward without holding `self.lock` (the upstream may be slow; read-back must not wait)."""
        try:
            response = self._forward(request)
        except OSError as exc:
            return Response(502, {"error": "UpstreamFailure", "message": f"upstream unreachable: {exc}"})
        request.status = response.status
        if request.method not in SAFE_METHODS and 200 <= response.status < 300:
            self.commit(request)
        return response

    def _forward(self, request: Request) -> Response:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            target = self._prefix + urllib.parse.urlsplit(request.url).path
            query = urllib.parse.urlsplit(request.url).query
            headers = {
                name: value
                for name, value in request.headers.items()
                if name not in HOP_BY_HOP and name not in ("host", "content-length")
            }
            connection.request(
                request.method,
                target + (f"?{query}" if query else ""),
                body=request.body or None,
                headers=headers,
            )
            upstream = connection.getresponse()
            body = upstream.read()
            answer: dict[str, str] = {}
            for name, value in upstream.getheaders():
                key = name.lower()
                if key in HOP_BY_HOP or key in ("content-length", "date", "server"):
                    continue  # our own server writes Date and Server; two would confuse clients
                answer[key] = f"{answer[key]}, {value}" if key in answer else value
            return Response(upstream.status, body, answer)
        finally:
            connection.close()

    def error_body(self, status: int) -> Any:
        return {"error": XRPC_ERRORS.get(status, "InternalServerError"), "message": HTTPStatus(status).phrase}

    def error_headers(self, status: int, request: Request) -> dict[str, str]:
        """A PDS's 429 carries IETF draft rate-limit headers (as recorded in bluesky/*.yml)."""
        if status != 429:
            return {}
        return {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(time.time()) + 300),
            "RateLimit-Policy": "3000;w=300",
        }
