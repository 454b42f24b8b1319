"""A local double of a Bluesky appview's post search, with the sign-in it needs, for tests.

Built from the recorded real answer and the lexicons:

- `shared/reference/bluesky/searchPosts.yml` (christopherkenny/bskyr's recording of
  `GET https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=redistricting`): 200
  `{"posts": [postView...], "cursor": "25"}` (the cursor is an offset, no `hitsTotal`), each
  postView `{uri, cid, author {did, handle, displayName, avatar, viewer, labels, createdAt},
  record {$type, createdAt, text, langs, facets, reply, embed}, [embed], replyCount, repostCount,
  likeCount, quoteCount, indexedAt, viewer, labels}`; headers `RateLimit-Limit: 3000`,
  `RateLimit-Remaining`, `RateLimit-Reset` (Unix seconds), `RateLimit-Policy: 3000;w=300`,
  `X-Powered-By: Express`.
- Lexicon `app.bsky.feed.searchPosts`: `q` required; `sort` top|latest (default latest); `since`
  (inclusive) and `until` (exclusive) compare the post's `sortAt` (the earlier of createdAt and
  indexedAt), a datetime or a YYYY-MM-DD date; `tag` repeatable, AND, matched against the
  rich-text tag facets and the record's `tags` without `#`; `limit` 1..100, default 25;
  `cursor` "may not necessarily allow scrolling through entire result set": modelled as a cap
  (`cursor_cap`, 10,000 by default, the search index's result window) past which no cursor is
  given, so a collector must split long periods into time windows.
- `com.atproto.server.createSession` {identifier, password} -> {accessJwt, refreshJwt, handle,
  did, active}; limited per identifier to 30 per 5 minutes and 300 per day (the atproto SDK's
  docs quote those limits); a wrong password -> 401 `AuthenticationRequired` "Invalid identifier
  or password". `refreshSession` with the refresh JWT as bearer rotates both tokens (the old
  refresh JWT is then refused). An expired access JWT -> 400 `ExpiredToken` "Token has expired"
  (the PDS's InvalidRequestError; `expired_status` sets 401 to test the other reading); a missing
  one -> 401 `AuthMissing` "Authentication Required"; an unknown one -> 401 `InvalidToken`.
  JWTs carry `sub`, `scope`, `iat`, `exp` like the PDS's (the atproto SDK reads `exp` to refresh
  15 minutes early), signed HS256 with a per-double key.

Tests seed posts with `add_post` (a postView in the recorded shape, facets with UTF-8 byte
offsets) or `seed` (many quickly, for the bench), and `add_views` for recorded views.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .httpdouble import HTTPDouble, RateLimit, Request, Response

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
SEARCH_LIMIT = RateLimit("searchPosts", 3000, 300)
SESSION_LIMITS = ((30, 300), (300, 86400))  # createSession: per 5 minutes, per day
_TAG = re.compile(r"(?<![\w#])#(\w*[^\W\d]\w*)")


def iso(when: datetime) -> str:
    """A datetime as the appview writes them: UTC, milliseconds, 'Z'."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def xrpc_error(status: int, error: str, message: str) -> Response:
    return Response(status, {"error": error, "message": message})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _when(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@dataclass
class Account:
    """Someone who can sign in."""

    did: str
    handle: str
    password: str


@dataclass
class _Indexed:
    sort_at: datetime
    view: dict[str, Any]
    tags: frozenset[str]
    text: str  # lower-cased, for q


@dataclass
class _Token:
    did: str
    scope: str
    exp: float
    revoked: bool = False


@dataclass
class _Calls:
    times: list[float] = field(default_factory=list)


class AppviewDouble(HTTPDouble):
    """searchPosts, createSession and refreshSession on 127.0.0.1."""

    server_name = "appview-double"

    def __init__(self, *, cursor_cap: int = 10_000, access_ttl: float = 2 * 3600,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.cursor_cap = cursor_cap
        self.access_ttl = access_ttl
        self.clock = clock
        self.expired_status = 400
        self.report_hits = False  # the recording has no hitsTotal; True adds it
        self.accounts: dict[str, Account] = {}  # by handle and by DID
        self.calls: dict[str, int] = {"createSession": 0, "refreshSession": 0, "searchPosts": 0}
        self._posts: list[_Indexed] = []  # newest first (sortAt descending)
        self._keys: list[float] = []  # -sortAt epoch, ascending, for bisect
        self._uris: set[str] = set()
        self._tokens: dict[str, _Token] = {}
        self._session_calls: dict[str, list[float]] = {}
        self._key = secrets.token_bytes(32)
        self._serial = itertools.count(1)
        self.route("GET", SEARCH, self._search, auth=True, rate_limit=SEARCH_LIMIT)
        self.route("POST", CREATE, self._create_session, auth=False)
        self.route("POST", REFRESH, self._refresh_session, auth=False)

    # -- seeding -----------------------------------------------------------------------------

    def add_account(self, handle: str, password: str, did: str = "") -> Account:
        """An account that may sign in with ``password``."""
        did = did or f"did:plc:{hashlib.sha256(handle.encode()).hexdigest()[:24]}"
        account = Account(did, handle, password)
        with self.lock:
            self.accounts[handle] = self.accounts[did] = account
        return account

    def add_post(self, text: str, created_at: datetime, *, did: str = "did:plc:author0",
                 handle: str = "author0.bsky.social", indexed_at: datetime | None = None,
                 langs: Iterable[str] = ("en",), record_tags: Iterable[str] = (),
                 likes: int = 0, rkey: str = "", reply_to: str = "", quote: str = "",
                 display_name: str = "") -> dict[str, Any]:
        """A post as searchPosts shows it, its #tags in facets with UTF-8 byte offsets."""
        n = next(self._serial)
        rkey = rkey or f"3l{n:011d}"
        facets = []
        for match in _TAG.finditer(text):
            start = len(text[:match.start()].encode())
            facets.append({"features": [{"$type": "app.bsky.richtext.facet#tag",
                                         "tag": match.group(1)}],
                           "index": {"byteStart": start,
                                     "byteEnd": start + len(match.group(0).encode())}})
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso(created_at),
                                  "text": text, "langs": list(langs)}
        if facets:
            record["facets"] = facets
        if record_tags:
            record["tags"] = list(record_tags)
        if reply_to:
            ref = {"cid": "bafyreiparent", "uri": reply_to}
            record["reply"] = {"parent": ref, "root": ref}
        if quote:
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": {"cid": "bafyreiquoted", "uri": quote}}
        view = {
            "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
            "cid": f"bafyrei{hashlib.sha256(f'{did}{rkey}'.encode()).hexdigest()[:52]}",
            "author": {"did": did, "handle": handle, "displayName": display_name or handle,
                       "viewer": {"muted": False, "blockedBy": False}, "labels": [],
                       "createdAt": "2023-09-25T14:41:11.374Z"},
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": likes,
            "quoteCount": 0, "indexedAt": iso(indexed_at or created_at + timedelta(seconds=1)),
            "viewer": {"threadMuted": False, "embeddingDisabled": False}, "labels": []}
        self.add_views([view])
        return view

    def seed(self, count: int, *, tag: str, start: datetime, step: timedelta,
             authors: int = 50) -> None:
        """``count`` posts tagged ``tag``, the first at ``start`` then one every ``step``."""
        for i in range(count):
            author = i % authors
            self.add_post(f"post {i} for #{tag}", start + step * i, did=f"did:plc:author{author}",
                          handle=f"author{author}.bsky.social", likes=i % 7)

    def add_views(self, views: Iterable[Mapping[str, Any]]) -> None:
        """Index post views as they are (the recorded ones, say)."""
        with self.lock:
            for view in views:
                if view["uri"] in self._uris:
                    continue
                record = view.get("record") or {}
                times = []
                for value in (record.get("createdAt"), view.get("indexedAt")):
                    # a broken view is served as it is, sorted by what can be read
                    with contextlib.suppress(TypeError, ValueError):
                        times.append(_when(value))
                tags = {f["tag"].lower() for facet in record.get("facets", [])
                        for f in facet.get("features", [])
                        if f.get("$type") == "app.bsky.richtext.facet#tag"}
                tags.update(t.lower() for t in record.get("tags", []))
                item = _Indexed(min(times), dict(view), frozenset(tags),
                                str(record.get("text", "")).lower())
                key = -item.sort_at.timestamp()
                at = bisect.bisect_right(self._keys, key)
                self._keys.insert(at, key)
                self._posts.insert(at, item)
                self._uris.add(view["uri"])

    # -- test controls -------------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        """Every access JWT handed out so far is expired from now on (refresh JWTs still work)."""
        with self.lock:
            for token in self._tokens.values():
                if token.scope == "com.atproto.access":
                    token.exp = min(token.exp, self.clock() - 1)

    def revoke_sessions(self) -> None:
        """Every token handed out so far is refused (an app password revoked)."""
        with self.lock:
            for token in self._tokens.values():
                token.revoked = True

    def search_requests(self) -> list[Request]:
        """The searchPosts requests received, in order."""
        return [r for r in self.requests if r.path == SEARCH]

    # -- HTTPDouble hooks ------------------------------------------------------------------------

    def error_body(self, status: int) -> Any:
        names = {400: ("InvalidRequest", "Invalid Request"),
                 401: ("AuthenticationRequired", "Authentication Required"),
                 429: ("RateLimitExceeded", "Rate Limit Exceeded")}
        error, message = names.get(status, ("InternalServerError", "Internal Server Error"))
        return {"error": error, "message": message}

    def error_headers(self, status: int, request: Request) -> dict[str, str]:
        if status == 429:
            return self.rate_limit_headers(SEARCH_LIMIT.limit, 0, self.clock() + 60)
        return {}

    def rate_limit_headers(self, limit: int, remaining: int, reset: float) -> dict[str, str]:
        return {"ratelimit-limit": str(limit), "ratelimit-remaining": str(remaining),
                "ratelimit-reset": str(int(reset)), "ratelimit-policy": f"{limit};w=300",
                "x-powered-by": "Express"}

    def not_found(self, request: Request, *, method_exists: bool) -> Response:
        return xrpc_error(501 if request.path.startswith("/xrpc/") else 404,
                          "MethodNotImplemented", "Method Not Implemented")

    def check_auth(self, request: Request, required: bool | None) -> Response | None:
        if not required:
            return None
        token, refused = self._bearer(request, "com.atproto.access")
        if refused is not None:
            return refused
        assert token is not None
        request.auth, request.account = "bearer", token.did
        return None

    # -- handlers --------------------------------------------------------------------------------

    def _bearer(self, request: Request, scope: str) -> tuple[_Token | None, Response | None]:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return None, xrpc_error(401, "AuthMissing", "Authentication Required")
        token = self._tokens.get(authorization[7:].strip())
        if token is None or token.revoked:
            return None, xrpc_error(401, "InvalidToken", "Token could not be verified")
        if token.scope != scope:
            return None, xrpc_error(400, "InvalidToken", "Invalid token type")
        if token.exp <= self.clock():
            return None, xrpc_error(self.expired_status, "ExpiredToken", "Token has expired")
        return token, None

    def _jwt(self, did: str, scope: str, ttl: float) -> str:
        now = self.clock()
        payload = {"scope": scope, "sub": did, "iat": int(now), "exp": int(now + ttl),
                   "aud": "did:web:appview.double", "jti": secrets.token_hex(8)}
        head = _b64(json.dumps({"typ": "at+jwt" if "access" in scope else "refresh+jwt",
                                "alg": "HS256"}).encode())
        body = _b64(json.dumps(payload).encode())
        signature = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        jwt = f"{head}.{body}.{signature}"
        self._tokens[jwt] = _Token(did, scope, now + ttl)
        return jwt

    def _session(self, account: Account) -> dict[str, Any]:
        return {"accessJwt": self._jwt(account.did, "com.atproto.access", self.access_ttl),
                "refreshJwt": self._jwt(account.did, "com.atproto.refresh", 90 * 86400),
                "handle": account.handle, "did": account.did, "active": True}

    def _create_session(self, request: Request) -> Response:
        self.calls["createSession"] += 1
        body = request.json if isinstance(request.json, dict) else {}
        identifier, password = body.get("identifier"), body.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            return xrpc_error(400, "InvalidRequest",
                              'Input must have the property "identifier"')
        now = self.clock()
        calls = self._session_calls.setdefault(identifier.lower(), [])
        for limit, window in SESSION_LIMITS:
            recent = [t for t in calls if t > now - window]
            if len(recent) >= limit:
                headers = {"ratelimit-limit": str(limit), "ratelimit-remaining": "0",
                           "ratelimit-reset": str(int(recent[0] + window)),
                           "ratelimit-policy": f"{limit};w={window}"}
                return Response(429, {"error": "RateLimitExceeded",
                                      "message": "Rate Limit Exceeded"}, headers)
        calls.append(now)
        account = self.accounts.get(identifier.lstrip("@"))
        if account is None or not hmac.compare_digest(account.password, password):
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return Response(200, self._session(account))

    def _refresh_session(self, request: Request) -> Response:
        self.calls["refreshSession"] += 1
        token, refused = self._bearer(request, "com.atproto.refresh")
        if refused is not None:
            return refused
        assert token is not None
        token.revoked = True  # rotation: the refresh JWT is used up
        return Response(200, self._session(self.accounts[token.did]))

    def _search(self, request: Request) -> Response:
        self.calls["searchPosts"] += 1
        q = (request.arg("q") or "").strip()
        if not q:
            return xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = int(request.arg("limit") or 25)
            offset = int(request.arg("cursor") or 0)
        except ValueError:
            return xrpc_error(400, "InvalidRequest", "Error: limit must be an integer")
        if limit > 100:
            return xrpc_error(400, "InvalidRequest", "Error: limit can not be greater than 100")
        if limit < 1:
            return xrpc_error(400, "InvalidRequest", "Error: limit can not be less than 1")
        sort = request.arg("sort") or "latest"
        if sort not in ("top", "latest"):
            return xrpc_error(400, "InvalidRequest", "Error: sort must be one of top, latest")
        bounds = []
        for name in ("since", "until"):
            value = request.arg(name)
            try:
                bounds.append(_when(value) if value else None)
            except ValueError:
                return xrpc_error(400, "BadQueryString", f"{name} is not a datetime: {value}")
        since, until = bounds
        tags = [t.lower().lstrip("#") for t in request.query.get("tag", [])]
        # the index is newest first: bisect to the window, then filter it
        low = 0 if until is None else bisect.bisect_right(self._keys, -until.timestamp())
        high = len(self._posts) if since is None else \
            bisect.bisect_right(self._keys, -since.timestamp())
        hits = [p for p in self._posts[low:high]
                if (until is None or p.sort_at < until) and (since is None or p.sort_at >= since)
                and all(t in p.tags for t in tags) and self._matches(q, p)]
        if sort == "top":
            hits.sort(key=lambda p: (-p.view.get("likeCount", 0), -p.sort_at.timestamp()))
        reachable = min(len(hits), self.cursor_cap)
        end = min(offset + limit, reachable)
        answer: dict[str, Any] = {"posts": [p.view for p in hits[offset:end]]}
        if end < reachable:
            answer["cursor"] = str(end)
        if self.report_hits:
            answer["hitsTotal"] = len(hits)
        return Response(200, answer)

    @staticmethod
    def _matches(q: str, post: _Indexed) -> bool:
        for term in q.lower().split():
            if term == "*":
                continue
            if term.startswith("#"):
                if term[1:] not in post.tags and term not in post.text:
                    return False
            elif term not in post.text:
                return False
        return True
