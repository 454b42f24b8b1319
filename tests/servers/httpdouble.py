"""A small threaded HTTP server base for local API doubles, with fault injection.

Why this exists: the publishers must be tested against the *real* client libraries (tweepy,
Mastodon.py, an AT Protocol client) speaking real HTTP, and the failures that matter for a
scheduler -- 429 with a reset time, 5xx, slow answers, and above all "the post was stored but
the client never heard back" -- must be reproducible on demand. Each double subclasses
`HTTPDouble`, declares its routes, and inherits the fault-injection API:

    with XDouble() as x:
        x.inject(429, path="/2/tweets", method="POST")      # next create is refused
        x.inject_after(503, path="/2/tweets")                # next create is stored, client gets 503
        x.on_commit(lambda request: os.kill(pid, SIGKILL))   # crash the client after the store
        x.delay(2.0, path="/2/tweets")                       # slow answer (client timeouts)

Everything binds to 127.0.0.1 on a free port; the server runs in a daemon thread.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self

PathMatcher = str | re.Pattern[str] | None
"""A fault's path filter: a str is a path *prefix*, a compiled pattern is searched in the path."""

Handler = Callable[["Request"], "Response"]
CommitHook = Callable[["Request"], None]

# RFC 9110 hop-by-hop headers: never forwarded, never echoed.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass
class UploadedFile:
    """One file part of a multipart/form-data body."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Request:
    """A parsed request, also the entry kept in the double's request log (`double.requests`)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    url: str
    """The URL as the client addressed it (scheme + Host header + path + query): what it signed."""
    json: Any = None
    json_error: bool = False
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    """Path parameters captured by the route template."""
    auth: str | None = None
    """Which authentication the double accepted: e.g. "oauth1", "bearer"; None if none/invalid."""
    account: str | None = None
    """Which account the credentials belong to (username), when known."""
    status: int | None = None
    """The status code the client was sent (None while in flight, or if it never got one)."""
    committed: bool = False
    """True once the handler stored something (a post, a media...)."""
    received_at: float = 0.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    """Headers the double adds to whatever this request is answered with (rate-limit state)."""

    def arg(self, name: str) -> str | None:
        """First value of a query or form field (form wins: it is the body the client sent)."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else None

    def value(self, name: str) -> Any:
        """A body field whatever the encoding: JSON object key, else form field, else query."""
        if isinstance(self.json, dict) and name in self.json:
            return self.json[name]
        return self.arg(name)


@dataclass
class Response:
    """What a handler answers. dict/list bodies are sent as JSON, str as text, bytes as they are."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        """The body bytes and the Content-Type to send unless a header already names one."""
        if self.body is None:
            return b"", "application/json; charset=utf-8"
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body, separators=(",", ":")).encode(), "application/json; charset=utf-8"


@dataclass(frozen=True)
class RateLimit:
    """A rate-limit bucket: `limit` requests per `window` seconds for one caller.

    `aligned` windows reset on multiples of `window` since the epoch (Rack::Attack, as Mastodon
    uses); unaligned ones start at the caller's first request (X's 15-minute windows).
    """

    name: str
    limit: int
    window: float
    aligned: bool = False


@dataclass
class _Bucket:
    reset: float
    used: int = 0


@dataclass
class _Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool | None
    rate_limit: RateLimit | None


@dataclass
class _Rule:
    """One armed fault: what to do, to which requests, how many more times (None: forever)."""

    kind: Literal["instead", "after", "delay_before", "delay_after", "commit"]
    path: PathMatcher
    method: str | None
    remaining: int | None
    status: int = 0
    headers: dict[str, str] | None = None
    body: Any = None
    seconds: float = 0.0
    hook: CommitHook | None = None

    def matches(self, request: Request) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != request.method:
            return False
        if self.path is None:
            return True
        if isinstance(self.path, str):
            return request.path.startswith(self.path)
        return self.path.search(request.path) is not None


def compile_route(template: str) -> re.Pattern[str]:
    """'/2/tweets/{id}' -> a regex capturing `id` as one path segment (trailing slash optional)."""
    parts = re.split(r"\{(\w+)\}", template.rstrip("/") or "/")
    pattern = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(pattern + "/?")


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts (stdlib email parser:
    the cgi module is deprecated, and this stays independent of any client library)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, list[str]] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() != "text/plain":
            files[name] = UploadedFile(filename, part.get_content_type(), data)
        else:
            fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
    return fields, files


def parse_body(request: Request) -> None:
    """Fill `json`/`form`/`files` from the body according to its Content-Type."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if not request.body:
        return
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            request.json = json.loads(request.body)
        except ValueError:
            request.json_error = True
    elif media_type == "application/x-www-form-urlencoded":
        request.form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    elif media_type == "multipart/form-data":
        request.form, request.files = parse_multipart(content_type, request.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler stuck in an injected delay must not block stop()

    def __init__(self, double: HTTPDouble) -> None:
        self.double = double
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished (SIGKILLed by a commit hook, timed out) is expected, not noise;
        anything else is a double bug: kept in `double.errors`, which the tests check."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        if isinstance(exc, Exception):
            with self.double.lock:
                self.double.errors.append(exc)
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs; requests' sessions reuse sockets
    timeout = 30  # drop idle keep-alive connections eventually
    # One segment per answer: unbuffered header and body writes meet Nagle + delayed ACK (~40 ms).
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        try:
            request = self._read_request()
        except (OSError, ValueError):
            self.close_connection = True
            return
        self.server.double._dispatch(request, self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _read_request(self) -> Request:
        split = urllib.parse.urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self._read_body(headers)
        host = headers.get("host", f"127.0.0.1:{self.server.server_port}")
        request = Request(
            method=self.command,
            path=split.path or "/",
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
            url=f"http://{host}{self.path}",
            received_at=time.time(),
        )
        parse_body(request)
        return request

    def _read_body(self, headers: Mapping[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def write_response(self, request: Request, response: Response) -> None:
        """Send the response; a client that went away (killed, timed out) is not an error here."""
        body, default_type = response.encode()
        headers = {name.lower(): value for name, value in response.headers.items()}
        headers.setdefault("content-type", default_type)
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                if name not in HOP_BY_HOP and name != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if request.method != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def version_string(self) -> str:
        """The Server header: each double names itself as its real API does (X: "tsa_b")."""
        return self.server.double.server_name

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line: `double.requests` is the log."""


class HTTPDouble:
    """Base class of the local API doubles.

    Subclasses call `route()` in `__init__` and may override the hooks `check_auth`,
    `error_body`, `error_headers`, `rate_limit_headers`, `not_found` and `handle`; handlers call
    `commit(request)` once they stored something. Handlers run one at a time under `self.lock`
    (state changes stay simple); delays and commit hooks run outside it.

    Every request goes through: log -> `delay` (before) -> `inject` fault, else auth, rate limit
    and handler -> `on_commit` hooks (if the handler committed) -> `delay(after_commit=True)` ->
    `inject_after` fault -> rate-limit headers -> answer.
    """

    server_name = "HTTPDouble"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.enforce_rate_limits = False
        """When True, a caller that used up a bucket gets a real 429 until the window resets."""
        self._routes: list[_Route] = []
        self._rules: list[_Rule] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._limit_overrides: dict[str, int] = {}
        self._log: list[Request] = []
        self.errors: list[Exception] = []
        """Exceptions raised by handlers or commit hooks (each answered 500): tests assert it empty."""
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = _Server(self)
        # A short poll interval: shutdown() waits for the loop to notice, and tests stop often.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in arrival order (a copy)."""
        with self.lock:
            return list(self._log)

    # -- routing -------------------------------------------------------------------------------

    def route(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        auth: bool | None = True,
        rate_limit: RateLimit | None = None,
    ) -> None:
        """Register `handler` for `method` + `template` ('{name}' captures one path segment).

        `auth`: True = credentials required, None = optional (checked if present), False = ignored.
        """
        self._routes.append(_Route(method.upper(), compile_route(template), handler, auth, rate_limit))

    def handle(self, request: Request) -> Response:
        """Answer a request that no fault replaced: route it, under `self.lock`."""
        with self.lock:
            return self._route(request)

    def _route(self, request: Request) -> Response:
        """Find the route, check auth and rate limit, run the handler; else `not_found`."""
        allowed = False
        for route in self._routes:
            match = route.regex.fullmatch(request.path)
            if match is None:
                continue
            allowed = True
            if route.method != request.method:
                continue
            request.params = match.groupdict()
            refused = self.check_auth(request, route.auth)
            if refused is not None:
                return refused
            limited = self._consume_rate_limit(request, route.rate_limit)
            if limited is not None:
                return limited
            return route.handler(request)
        return self.not_found(request, method_exists=allowed)

    # -- hooks for subclasses ------------------------------------------------------------------

    def check_auth(self, request: Request, required: bool | None) -> Response | None:
        """Authenticate (set `request.auth`/`account`); return the refusal, or None to proceed."""
        return None

    def error_body(self, status: int) -> Any:
        """The body a real server of this kind sends with `status` (used by injected faults)."""
        return {"error": f"HTTP {status}"}

    def error_headers(self, status: int, request: Request) -> dict[str, str]:
        """Extra headers a real server sends with `status` (e.g. rate-limit reset on 429)."""
        return {}

    def rate_limit_headers(self, limit: int, remaining: int, reset: float) -> dict[str, str]:
        """How this API spells its rate-limit headers."""
        return {}

    def not_found(self, request: Request, *, method_exists: bool) -> Response:
        return Response(404, self.error_body(404))

    def commit(self, request: Request) -> None:
        """Handlers call this once they have stored what the request created: it arms the
        `on_commit` hooks, which run after the handler and before the response is written."""
        request.committed = True

    # -- fault injection -----------------------------------------------------------------------

    def inject(
        self,
        status: int,
        *,
        times: int | None = 1,
        path: PathMatcher = None,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next `times` matching requests get this response INSTEAD of being handled.

        `body`/`headers` default to what the real API sends with that status (`error_body`,
        `error_headers`: e.g. a 429 carries an exhausted rate-limit header with a future reset).
        """
        self._arm(_Rule("instead", path, method, times, status, _opt_dict(headers), body))

    def inject_after(
        self,
        status: int,
        *,
        times: int | None = 1,
        path: PathMatcher = None,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next `times` matching requests ARE handled (a post is stored, commit hooks run)
        but the client gets this error: the outcome is unknown to it and must be reconciled."""
        self._arm(_Rule("after", path, method, times, status, _opt_dict(headers), body))

    def on_commit(
        self,
        hook: CommitHook,
        *,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
    ) -> None:
        """Run `hook(request)` after a matching request stored something and before its response
        is written (crash tests SIGKILL the client here). `times=None`: every matching commit."""
        self._arm(_Rule("commit", path, method, times, hook=hook))

    def delay(
        self,
        seconds: float,
        *,
        times: int | None = 1,
        path: PathMatcher = None,
        method: str | None = None,
        after_commit: bool = False,
    ) -> None:
        """Hold the next `times` matching requests for `seconds`: before handling (default), or
        after handling and before answering (`after_commit=True`: stored, but the client may
        time out first). Either way the request is handled, as a slow real server would."""
        kind: Literal["delay_before", "delay_after"] = "delay_after" if after_commit else "delay_before"
        self._arm(_Rule(kind, path, method, times, seconds=seconds))

    def clear_faults(self) -> None:
        """Disarm every injected fault, delay and commit hook."""
        with self.lock:
            self._rules.clear()

    def _arm(self, rule: _Rule) -> None:
        with self.lock:
            self._rules.append(rule)

    def _take(self, kind: str, request: Request) -> list[_Rule]:
        """Consume the armed rules of `kind` matching `request` (all hooks; one of anything else)."""
        taken: list[_Rule] = []
        with self.lock:
            for rule in self._rules:
                if rule.kind == kind and rule.matches(request):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    taken.append(rule)
                    if kind != "commit":
                        break
        return taken

    def _fault_response(self, rule: _Rule, request: Request) -> Response:
        with self.lock:
            headers = self.error_headers(rule.status, request)
        headers.update(rule.headers or {})
        body = self.error_body(rule.status) if rule.body is None else rule.body
        return Response(rule.status, body, headers)

    # -- rate limits ---------------------------------------------------------------------------

    def set_rate_limit(self, name: str, limit: int) -> None:
        """Shrink (or grow) the bucket called `name` (e.g. "tweets.create"), so a test can reach
        it in a few requests; with `enforce_rate_limits` the next request past it gets a 429."""
        with self.lock:
            self._limit_overrides[name] = limit

    def _limit(self, limit: RateLimit) -> int:
        return self._limit_overrides.get(limit.name, limit.limit)

    def _bucket(self, request: Request, limit: RateLimit) -> _Bucket:
        key = (limit.name, caller_identity(request))
        now = time.time()
        bucket = self._buckets.get(key)
        if bucket is None or bucket.reset <= now:
            start = now - now % limit.window if limit.aligned else now
            bucket = self._buckets[key] = _Bucket(reset=start + limit.window)
        return bucket

    def peek_rate_limit(self, request: Request) -> tuple[int, int, float] | None:
        """(limit, remaining, reset) of the bucket `request` falls in, without using it up."""
        for route in self._routes:
            if route.method == request.method and route.regex.fullmatch(request.path):
                if route.rate_limit is None:
                    return None
                bucket = self._bucket(request, route.rate_limit)
                limit = self._limit(route.rate_limit)
                return limit, max(limit - bucket.used, 0), bucket.reset
        return None

    def _consume_rate_limit(self, request: Request, rate_limit: RateLimit | None) -> Response | None:
        if rate_limit is None:
            return None
        bucket = self._bucket(request, rate_limit)
        limit = self._limit(rate_limit)
        if self.enforce_rate_limits and bucket.used >= limit:
            headers = self.error_headers(429, request) | self.rate_limit_headers(limit, 0, bucket.reset)
            return Response(429, self.error_body(429), headers)
        bucket.used += 1
        request.extra_headers.update(
            self.rate_limit_headers(limit, max(limit - bucket.used, 0), bucket.reset)
        )
        return None

    # -- the request pipeline ------------------------------------------------------------------

    def _dispatch(self, request: Request, channel: _RequestHandler) -> None:
        """The pipeline: log, delay, fault or handle, commit hooks, delay, late fault, answer."""
        with self.lock:
            self._log.append(request)
        try:
            response = self._process(request)
        except Exception as exc:  # a bug in a handler or hook: answer 500, keep it for the test
            with self.lock:
                self.errors.append(exc)
            response = Response(500, self.error_body(500))
        for name, value in request.extra_headers.items():
            response.headers.setdefault(name, value)
        request.status = response.status
        channel.write_response(request, response)

    def _process(self, request: Request) -> Response:
        for rule in self._take("delay_before", request):
            self._stopping.wait(rule.seconds)
        response = self._answer(request)
        if request.committed:
            for rule in self._take("commit", request):
                if rule.hook is not None:
                    rule.hook(request)
        for rule in self._take("delay_after", request):
            self._stopping.wait(rule.seconds)
        for rule in self._take("after", request):
            response = self._fault_response(rule, request)
        return response

    def _answer(self, request: Request) -> Response:
        for rule in self._take("instead", request):
            return self._fault_response(rule, request)
        return self.handle(request)


def caller_identity(request: Request) -> str:
    """Who a rate-limit bucket belongs to: the OAuth 1.0a token, else the bearer token."""
    authorization = request.headers.get("authorization", "")
    if authorization.startswith("OAuth "):
        match = re.search(r'oauth_token="([^"]*)"', authorization)
        return match.group(1) if match else authorization
    return authorization or "anonymous"


def _opt_dict(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    return dict(headers) if headers is not None else None


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Poll `predicate` until true or `timeout` (for tests that race a server thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
