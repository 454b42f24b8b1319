"""A local double of the Mastodon REST API (what the campaign publisher and tracker use), for tests.

Built from recorded real traffic (Mastodon.py's own test recordings against a real server):

- `shared/reference/mastodon/status_post.yaml`: `POST /api/v1/statuses` form-encoded
  (`status=Toot%21`, `Authorization: Bearer ...`) -> 200 with the full status JSON (id as a
  string, `uri`, `url` `/@user/<id>`, `content` `<p>Toot!</p>`, `account`, `media_attachments`,
  `tags`, `reblog`, `quote`...); `DELETE /api/v1/statuses/:id` -> 200 with the same object where
  `text` (the source, for redrafting) replaces `content`. Rate-limit headers `X-RateLimit-Limit`,
  `-Remaining`, `-Reset` (ISO 8601 with microseconds), 300 for status creation (3-hour window),
  30 for deletion (30-minute window).
- `shared/reference/mastodon/hashtag_timeline.yaml`: `GET /api/v2/instance/` (configuration.
  statuses.max_characters / characters_reserved_per_url / max_media_attachments,
  media_attachments limits, `api_versions`), `GET /api/v1/timelines/tag/:tag` -> a JSON list with
  `Link: <.../timelines/tag/hoot?max_id=ID>; rel="next", <...?min_id=ID>; rel="prev"`, and
  hashtags rendered `<a href=".../tags/hoot" class="mention hashtag" rel="tag">#<span>hoot</span></a>`.

Behaviour taken from Mastodon's documented API: `Idempotency-Key` on `POST /api/v1/statuses`
returns the status already created with that key by the same account for an hour, without
creating another; length = grapheme count of spoiler + text where each URL counts
`characters_reserved_per_url` and a remote mention `@user@domain` counts as `@user`; over the
limit -> 422 `{"error":"Validation failed: Text character limit of N exceeded"}`; a bad token ->
401 `{"error":"The access token is invalid"}`; unknown records -> 404 `{"error":"Record not
found"}`; `POST /api/v2/media` answers 200 with a `url` when processed synchronously and 202 with
`url: null` otherwise, `GET /api/v1/media/:id` answers 206 until processing is done, then 200;
attaching unprocessed media -> 422. Reblogging is idempotent (the existing reblog is returned).

Messages recalled from Mastodon's locale file rather than a recording (kept verbatim where known):
reply target missing -> 404 "The post you are trying to reply to does not appear to exist.";
unknown media -> 422 "Media <ids> not found or already attached to another post"; too many ->
422 "Cannot attach more than 4 files"; unprocessed -> 422 "Cannot attach files that have not
finished processing. Try again in a moment!"; reblogging a private post -> 403 "This action is not
allowed". Tags are reported lower-cased; `scheduled_at` is refused (422) rather than emulated.

Mastodon.py notes: construct `Mastodon(access_token=..., api_base_url=double.base_url)`; the default
`version_check_mode="none"` never calls the server for versions, but `media_post` asks for the
instance (cached) to choose `/api/v2/media` and then needs `api_versions` in `/api/v2/instance`
for versions >= 4.3.0 (else it warns). With `version_check_mode="changed"`, Mastodon.py 2.3.3
refuses `status_post` on servers older than 4.6.0.
"""

from __future__ import annotations

import bisect
import html
import itertools
import random
import re
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import regex

from .httpdouble import HTTPDouble, RateLimit, Request, Response

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"

INVALID_TOKEN = "The access token is invalid"
REVOKED_TOKEN = "The access token was revoked"  # Doorkeeper's message for a revoked token
LOGIN_REQUIRED = "This API requires an authenticated user"
LINKS = ("in_reply_to_id", "reblog_of_id", "quoted_status_id")  # fields counted per target
NOT_FOUND = "Record not found"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist."
VISIBILITIES = ("public", "unlisted", "private", "direct")
FALSE_VALUES = frozenset({"0", "f", "false", "off", "F", "FALSE", "OFF"})

# Rack::Attack buckets as recorded: windows aligned on multiples of the period.
LIMIT_API = RateLimit("api", 300, 300, aligned=True)
LIMIT_STATUSES = RateLimit("statuses", 300, 3 * 3600, aligned=True)
LIMIT_DELETES = RateLimit("deletes", 30, 1800, aligned=True)
LIMIT_MEDIA = RateLimit("media", 30, 1800, aligned=True)

URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MENTION = re.compile(r"(?<![\w/@])@(\w+)(?:@([\w.-]+\w))?")
HASHTAG = re.compile(r"(?<![\w/)#])#(\w*[^\W\d_]\w*)")
SUPPORTED_MIME = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/heic",
    "image/heif",
    "image/webp",
    "image/avif",
    "video/webm",
    "video/mp4",
    "video/quicktime",
    "video/ogg",
    "audio/wave",
    "audio/wav",
    "audio/x-wav",
    "audio/ogg",
    "audio/mpeg",
    "audio/mp3",
    "audio/webm",
    "audio/flac",
    "audio/aac",
    "audio/mp4",
)


def iso(epoch: float, digits: int = 3) -> str:
    """Rails' ISO 8601 in UTC with `digits` fractional digits and a Z."""
    moment = datetime.fromtimestamp(epoch, UTC)
    fraction = f"{moment.microsecond:06d}"[:digits]
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + "Z"


def is_true(value: Any) -> bool:
    """Rails' boolean casting of a form value (Mastodon.py sends '1'/'0')."""
    if isinstance(value, bool):
        return value
    return value not in (None, "") and str(value) not in FALSE_VALUES


def error(status: int, message: str) -> Response:
    return Response(status, {"error": message})


@dataclass
class Account:
    id: str
    username: str
    token: str
    display_name: str
    language: str
    created_at: float
    # a remote account (known from federation): its origin's domain and account JSON
    domain: str = ""
    remote: dict[str, Any] | None = None


class MastodonDouble(HTTPDouble):
    """The Mastodon API double. Read-back: `statuses` (every status incl. reblogs and deleted
    ones, flagged), `media`, `accounts`, and the base class's `requests` log."""

    server_name = "Mastodon"

    def __init__(
        self,
        *,
        max_characters: int = 500,
        characters_reserved_per_url: int = 23,
        version: str = "4.3.0",
        api_version: int = 2,
        max_media_attachments: int = 4,
        description_limit: int = 1500,
        media_processing_polls: int = 0,
        tag_timelines_require_login: bool = False,
    ) -> None:
        """`media_processing_polls`: 0 = uploads are processed at once (200 with a url); N > 0 =
        the upload answers 202 with url null and the next N `GET /api/v1/media/:id` answer 206.
        `tag_timelines_require_login`: an instance whose admin restricted hashtag feeds to
        logged-in users (`timelines_access.hashtag_feeds: authenticated`, or `timeline_preview`
        off before 4.4): without a token, 401 LOGIN_REQUIRED."""
        super().__init__()
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.version = version
        self.api_version = api_version
        self.max_media_attachments = max_media_attachments
        self.description_limit = description_limit
        self.media_processing_polls = media_processing_polls
        self.tag_timelines_require_login = tag_timelines_require_login
        self._revoked: set[str] = set()
        # indices, so a double holding 10,000 statuses still answers a page in microseconds
        self._own: dict[str, list[str]] = {}  # account id -> its status ids
        self._links: dict[tuple[str, str], list[str]] = {}  # (field, target id) -> status ids
        self._tagged: dict[str, list[int]] = {}  # tag -> ids of public originals, ascending
        self._by_uri: dict[str, str] = {}  # ActivityPub uri -> local id
        self._accounts: dict[str, Account] = {}
        self._statuses: dict[str, dict[str, Any]] = {}
        self._media: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._last_id = 0
        self._salt = random.getrandbits(32)
        self._account_ids = itertools.count(110_000_000_000_000_000)
        self._routes_mastodon()

    def _routes_mastodon(self) -> None:
        api, statuses, deletes, media = LIMIT_API, LIMIT_STATUSES, LIMIT_DELETES, LIMIT_MEDIA
        self.route("GET", "/api/v1/instance", self._instance_v1, auth=False, rate_limit=api)
        self.route("GET", "/api/v2/instance", self._instance_v2, auth=False, rate_limit=api)
        self.route("GET", "/api/v1/accounts/verify_credentials", self._verify_credentials, rate_limit=api)
        self.route("GET", "/api/v1/accounts/{id}/statuses", self._account_statuses, auth=None, rate_limit=api)
        self.route("POST", "/api/v1/statuses", self._post_status, rate_limit=statuses)
        self.route("GET", "/api/v1/statuses/{id}", self._get_status, auth=None, rate_limit=api)
        self.route("DELETE", "/api/v1/statuses/{id}", self._delete_status, rate_limit=deletes)
        self.route("POST", "/api/v1/statuses/{id}/reblog", self._reblog, rate_limit=api)
        self.route("POST", "/api/v1/statuses/{id}/unreblog", self._unreblog, rate_limit=deletes)
        self.route("POST", "/api/v2/media", self._post_media, rate_limit=media)
        self.route("GET", "/api/v1/media/{id}", self._get_media, rate_limit=api)
        self.route("PUT", "/api/v1/media/{id}", self._put_media, rate_limit=api)
        self.route("GET", "/api/v2/search", self._search, auth=None, rate_limit=api)
        self.route("GET", "/api/v1/timelines/tag/{tag}", self._tag_timeline, auth=None, rate_limit=api)
        self.route(
            "GET", "/system/media_attachments/files/{id}/original/{name}", self._media_file, auth=False
        )

    # -- accounts and read-back ----------------------------------------------------------------

    def add_account(
        self, username: str, token: str, *, display_name: str | None = None, language: str = "en"
    ) -> dict[str, Any]:
        """Register a local account acting with bearer `token`; returns its Account JSON."""
        with self.lock:
            account = Account(
                str(next(self._account_ids)), username, token, display_name or "", language, time.time()
            )
            self._accounts[account.id] = account
            return self._account_json(account)

    def expire_idempotency_keys(self) -> None:
        """Forget every Idempotency-Key, as an instance does after an hour."""
        with self.lock:
            self._idempotency.clear()

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """Every status created (reblogs have `reblog_of_id`), oldest first; deleted ones flagged."""
        with self.lock:
            return [dict(status) for status in self._statuses.values()]

    def live_statuses(self, username: str | None = None) -> list[dict[str, Any]]:
        """Original (non-reblog) statuses not deleted, optionally of one account."""
        return [
            s
            for s in self.statuses
            if not s["deleted"] and s["reblog_of_id"] is None and username in (None, s["username"])
        ]

    @property
    def media(self) -> dict[str, dict[str, Any]]:
        """media id -> {bytes, mime_type, description, focus, status_id, processed, account_id}."""
        with self.lock:
            return {media_id: dict(item) for media_id, item in self._media.items()}

    def finish_processing(self) -> None:
        """Complete every pending media upload (as time would on a real server)."""
        with self.lock:
            for item in self._media.values():
                item["polls_left"] = 0

    def revoke(self, token: str) -> None:
        """Revoke an access token (the user removed the app): 401 REVOKED_TOKEN from now on."""
        with self.lock:
            self._revoked.add(token)

    @property
    def domain(self) -> str:
        """The instance's domain as accounts are qualified with it (`127.0.0.1:port`)."""
        return urllib.parse.urlsplit(self.base_url).netloc

    # -- statuses made without HTTP: seeding and federation ------------------------------------

    def add_status(
        self,
        username: str,
        text: str,
        *,
        at: float | None = None,
        visibility: str = "public",
        language: str | None = None,
        spoiler_text: str = "",
        in_reply_to_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a status of a local account as if it had posted it `at` (epoch seconds, default
        now; its snowflake id grows with time); returns it rendered as the API would."""
        with self.lock:
            account = self._local(username)
            fields = _StatusFields(text, spoiler_text, visibility, language, bool(spoiler_text),
                                   in_reply_to_id, [], None, None)
            status = self._store_status(fields, account, time.time() if at is None else at)
            return self._status_json(status, None)

    def seed(
        self,
        count: int,
        *,
        tags: tuple[str, ...] = ("EndChildLabour2021",),
        accounts: int = 100,
        start: float | None = None,
        every: float = 1.0,
        text: str = "Seeded post {n} for the campaign",
    ) -> list[str]:
        """`count` public statuses by `accounts` local accounts (`user0`...), each with every tag,
        one each `every` seconds from `start` (default: ending now); returns their ids, oldest
        first. Fast: no HTTP, no rendering (10,000 take well under a second)."""
        start = time.time() - count * every if start is None else start
        hashtags = " ".join(f"#{tag}" for tag in tags)
        lowered = sorted({tag.lower() for tag in tags})
        ids: list[str] = []
        with self.lock:
            people = [self._local(f"user{k}") for k in range(min(accounts, count) or 1)]
            for n in range(count):
                account = people[n % len(people)]
                now = start + n * every
                status = {
                    "id": self._next_id(now), "account_id": account.id, "username": account.username,
                    "text": f"{text.format(n=n)} {hashtags}", "spoiler_text": "", "visibility": "public",
                    "language": account.language, "sensitive": False, "in_reply_to_id": None,
                    "in_reply_to_account_id": None, "media_ids": [], "quoted_status_id": None,
                    "tags": lowered, "created_at": now, "reblog_of_id": None, "deleted": False,
                    "idempotency_key": None,
                }
                self._add(status)
                ids.append(status["id"])
        return ids

    def receive(self, status: dict[str, Any], *, at: float | None = None) -> dict[str, Any]:
        """Take in a status federated from another instance (its JSON as the origin's API renders
        it): stored once per `uri` under a local id of this instance (a snowflake of `at`, the
        arrival, default now), its account `user@origin-domain`; returns it as this instance
        renders it. A reblog brings the reblogged status in first."""
        with self.lock:
            known = self._by_uri.get(status["uri"])
            if known is not None:
                return self._status_json(self._statuses[known], None)
            reblogged = status.get("reblog")
            original = self.receive(reblogged, at=at) if reblogged else None
            account = self._remote_account(status["account"], status["uri"])
            created = datetime.fromisoformat(status["created_at"].replace("Z", "+00:00")).timestamp()
            local: dict[str, Any] = {
                "id": self._next_id(time.time() if at is None else at),
                "account_id": account.id, "username": account.username, "text": "",
                "spoiler_text": status.get("spoiler_text") or "", "visibility": status["visibility"],
                "language": status.get("language"), "sensitive": bool(status.get("sensitive")),
                "in_reply_to_id": None, "in_reply_to_account_id": None, "media_ids": [],
                "quoted_status_id": None,
                "tags": sorted({t["name"].lower() for t in status.get("tags") or ()}),
                "created_at": created, "reblog_of_id": original["id"] if original else None, "deleted": False,
                "idempotency_key": None, "uri": status["uri"], "url": status.get("url"),
                "content": status.get("content") or "",
                "mentions": [self._qualified(m, status["uri"]) for m in status.get("mentions") or ()],
            }
            self._add(local)
            return self._status_json(local, None)

    def status_json(self, status_id: str) -> dict[str, Any]:
        """A status as this instance renders it to an anonymous reader (what it federates)."""
        with self.lock:
            return self._status_json(self._statuses[str(status_id)], None)

    def _local(self, username: str) -> Account:
        account = next((a for a in self._accounts.values() if a.username == username and not a.domain), None)
        if account is None:
            self.add_account(username, f"token-of-{username}")
            account = next(a for a in self._accounts.values() if a.username == username and not a.domain)
        return account

    @staticmethod
    def _origin_domain(acct: str, uri: str) -> tuple[str, str]:
        user, _, domain = acct.partition("@")
        return user, domain or urllib.parse.urlsplit(uri).netloc

    def _qualified(self, mention: dict[str, Any], uri: str) -> dict[str, Any]:
        user, domain = self._origin_domain(mention["acct"], uri)
        acct = user if domain == self.domain else f"{user}@{domain}"
        return dict(mention) | {"acct": acct}

    def _remote_account(self, origin_json: dict[str, Any], uri: str) -> Account:
        """The local record of an account from another instance, made on first sight."""
        user, domain = self._origin_domain(origin_json["acct"], uri)
        if domain == self.domain:  # a post of ours coming back (a reblog of it, say)
            return self._local(user)
        known = (a for a in self._accounts.values() if a.username == user and a.domain == domain)
        account = next(known, None)
        if account is None:
            account = Account(str(next(self._account_ids)), user, "", origin_json.get("display_name") or "",
                              "en", time.time(), domain=domain, remote=dict(origin_json))
            self._accounts[account.id] = account
        return account

    def _add(self, status: dict[str, Any]) -> None:
        """Keep a new status and index it."""
        self._statuses[status["id"]] = status
        self._own.setdefault(status["account_id"], []).append(status["id"])
        for link in LINKS:
            if status[link] is not None:
                self._links.setdefault((link, status[link]), []).append(status["id"])
        if status.get("uri"):
            self._by_uri[status["uri"]] = status["id"]
        if status["visibility"] == "public" and status["reblog_of_id"] is None:
            for tag in status["tags"]:
                bisect.insort(self._tagged.setdefault(tag, []), int(status["id"]))

    def _untag(self, status: dict[str, Any]) -> None:
        for tag in status["tags"]:
            ids = self._tagged.get(tag, [])
            at = bisect.bisect_left(ids, int(status["id"]))
            if at < len(ids) and ids[at] == int(status["id"]):
                del ids[at]

    # -- HTTPDouble hooks ----------------------------------------------------------------------

    def error_body(self, status: int) -> Any:
        messages = {401: INVALID_TOKEN, 404: NOT_FOUND, 422: "Validation failed", 429: "Too many requests"}
        return {"error": messages.get(status, HTTPStatus(status).phrase)}

    def error_headers(self, status: int, request: Request) -> dict[str, str]:
        if status != 429:
            return {}
        state = self.peek_rate_limit(request)
        limit, reset = (state[0], state[2]) if state else (LIMIT_API.limit, time.time() + LIMIT_API.window)
        return self.rate_limit_headers(limit, 0, reset)

    def rate_limit_headers(self, limit: int, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": iso(reset, 6),
        }

    def not_found(self, request: Request, *, method_exists: bool) -> Response:
        return error(404, "Not Found" if not method_exists else NOT_FOUND)

    def check_auth(self, request: Request, required: bool | None) -> Response | None:
        """Doorkeeper: a present token must be valid; a required one must be present."""
        if required is False:
            return None
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        if token is None:
            return error(401, INVALID_TOKEN) if required else None
        if token in self._revoked:
            return error(401, REVOKED_TOKEN)
        account = next((a for a in self._accounts.values() if a.token == token), None)
        if account is None:
            return error(401, INVALID_TOKEN)
        request.auth, request.account = "bearer", account.username
        return None

    def _caller(self, request: Request) -> Account | None:
        return next((a for a in self._accounts.values() if a.username == request.account), None)

    def _me(self, request: Request) -> Account:
        account = self._caller(request)
        assert account is not None, "route requires auth"
        return account

    # -- ids and urls --------------------------------------------------------------------------

    def _next_id(self, now: float) -> str:
        """Mastodon's snowflake: milliseconds << 16 plus 16 bits that differ between instances
        (Mastodon hashes the table, a secret and the time), as a string; always growing."""
        ms = int(now * 1000)
        low = hash((self._salt, ms)) & 0xFFFF
        self._last_id = max((ms << 16) | low, self._last_id + 1)
        return str(self._last_id)

    def _account_url(self, account: Account) -> str:
        return f"{self.base_url}/@{account.username}"

    def _account_uri(self, account: Account) -> str:
        return f"{self.base_url}/ap/users/{account.id}"

    # -- instance ------------------------------------------------------------------------------

    def _configuration(self) -> dict[str, Any]:
        return {
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": self.max_media_attachments,
                "characters_reserved_per_url": self.characters_reserved_per_url,
            },
            "media_attachments": {
                "supported_mime_types": list(SUPPORTED_MIME),
                "description_limit": self.description_limit,
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
        }

    def _instance_v1(self, request: Request) -> Response:
        domain = urllib.parse.urlsplit(self.base_url).netloc
        configuration = self._configuration()
        configuration["accounts"] = {"max_featured_tags": 10, "max_pinned_statuses": 5}
        return Response(
            200,
            {
                "uri": domain,
                "title": "Mastodon",
                "short_description": "",
                "description": "",
                "email": "",
                "version": self.version,
                "urls": {"streaming_api": f"ws://{domain}"},
                "stats": {
                    "user_count": len(self._accounts),
                    "status_count": len(self._statuses),
                    "domain_count": 0,
                },
                "thumbnail": None,
                "languages": ["en"],
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": configuration,
                "contact_account": None,
                "rules": [],
            },
        )

    def _instance_v2(self, request: Request) -> Response:
        domain = urllib.parse.urlsplit(self.base_url).netloc
        configuration = self._configuration()
        configuration["urls"] = {"streaming": f"ws://{domain}", "status": None}
        configuration["accounts"] = {"max_featured_tags": 10, "max_pinned_statuses": 5}
        configuration["translation"] = {"enabled": False}
        access = "authenticated" if self.tag_timelines_require_login else "public"
        configuration["timelines_access"] = {  # Mastodon 4.4+, as recorded
            "live_feeds": {"local": "public", "remote": "public"},
            "hashtag_feeds": {"local": access, "remote": access},
            "trending_link_feeds": {"local": "public", "remote": "public"},
        }
        return Response(
            200,
            {
                "domain": domain,
                "title": "Mastodon",
                "version": self.version,
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "",
                "usage": {"users": {"active_month": len(self._accounts)}},
                "thumbnail": {"url": f"{self.base_url}/packs/media/images/preview.png"},
                "icon": [],
                "languages": ["en"],
                "configuration": configuration,
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "api_versions": {"mastodon": self.api_version},
                "contact": {"email": "", "account": None},
                "rules": [],
            },
        )

    # -- accounts ------------------------------------------------------------------------------

    def _account_json(self, account: Account) -> dict[str, Any]:
        """An account shaped like the recorded one (same keys, same order)."""
        own = [self._statuses[i] for i in self._own.get(account.id, ()) if not self._statuses[i]["deleted"]]
        if account.remote is not None:  # as the origin said when the status was delivered
            return dict(account.remote) | {"id": account.id, "acct": f"{account.username}@{account.domain}"}
        last = max((s["created_at"] for s in own), default=None)
        avatar = f"{self.base_url}/avatars/original/missing.png"
        header = f"{self.base_url}/headers/original/missing.png"
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.display_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": True,
            "group": False,
            "created_at": iso(account.created_at - account.created_at % 86400),
            "note": "",
            "url": self._account_url(account),
            "uri": self._account_uri(account),
            "avatar": avatar,
            "avatar_static": avatar,
            "avatar_description": "",
            "header": header,
            "header_static": header,
            "header_description": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(own),
            "last_status_at": iso(last)[:10] if last else None,
            "hide_collections": None,
            "show_media": True,
            "show_media_replies": True,
            "show_featured": True,
            "noindex": False,
            "feature_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
            "emojis": [],
            "roles": [],
            "fields": [],
        }

    def _verify_credentials(self, request: Request) -> Response:
        account = self._me(request)
        body = self._account_json(account)
        body["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": account.language,
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
        }
        return Response(200, body)

    def _account_statuses(self, request: Request) -> Response:
        account = self._accounts.get(request.params["id"])
        if account is None:
            return error(404, NOT_FOUND)
        if is_true(request.arg("pinned")):
            return Response(200, [])
        viewer = self._caller(request)
        items = [
            s
            for s in self._statuses.values()
            if s["account_id"] == account.id and not s["deleted"] and self._can_see(s, viewer)
        ]
        if is_true(request.arg("exclude_replies")):
            items = [s for s in items if s["in_reply_to_id"] is None]
        if is_true(request.arg("exclude_reblogs")):
            items = [s for s in items if s["reblog_of_id"] is None]
        if is_true(request.arg("only_media")):
            items = [s for s in items if s["media_ids"]]
        tagged = request.arg("tagged")
        if tagged:
            items = [s for s in items if tagged.lower() in s["tags"]]
        kept = ("limit", "only_media", "exclude_replies")
        return self._page(request, items, f"/api/v1/accounts/{account.id}/statuses", kept, viewer)

    # -- statuses ------------------------------------------------------------------------------

    def countable_length(self, text: str, spoiler_text: str = "") -> int:
        """Mastodon's StatusLengthValidator: graphemes, URLs at the reserved length, remote
        mentions counted without their domain, spoiler text included."""
        counted = URL.sub("x" * self.characters_reserved_per_url, text)
        counted = MENTION.sub(lambda m: "@" + m.group(1), counted)
        return len(regex.findall(r"\X", spoiler_text + counted))

    def _post_status(self, request: Request) -> Response:
        account = self._me(request)
        key = request.headers.get("idempotency-key")
        if key:
            duplicate = self._idempotent_duplicate(account, key)
            if duplicate is not None:
                return duplicate
        fields = _StatusFields.parse(request)
        refused = self._refuse_status(fields, account)
        if refused is not None:
            return refused
        status = self._store_status(fields, account, request.received_at or time.time(), key)
        if key:
            self._idempotency[(account.id, key)] = (status["id"], time.time() + 3600)
        self.commit(request)
        return Response(200, self._status_json(status, account))

    def _idempotent_duplicate(self, account: Account, key: str) -> Response | None:
        """Same account + same key within the hour: the first status again, nothing created.
        (Mastodon looks the id up among the account's statuses: deleted since -> 404.)"""
        entry = self._idempotency.get((account.id, key))
        if entry is None or entry[1] < time.time():
            return None
        status = self._statuses.get(entry[0])
        if status is None or status["deleted"]:
            return error(404, NOT_FOUND)
        return Response(200, self._status_json(status, account))

    def _refuse_status(self, fields: _StatusFields, account: Account) -> Response | None:
        """PostStatusService's validations, in its order."""
        if fields.problem is not None:
            return error(422, fields.problem)
        if fields.in_reply_to_id is not None and not self._visible_to(fields.in_reply_to_id, account):
            return error(404, REPLY_NOT_FOUND)
        if len(fields.media_ids) > self.max_media_attachments:
            return error(422, f"Cannot attach more than {self.max_media_attachments} files")
        for media_id in fields.media_ids:
            item = self._media.get(media_id)
            if item is None or item["account_id"] != account.id or item["status_id"] is not None:
                return error(422, f"Media {media_id} not found or already attached to another post")
            if item["polls_left"] > 0:
                return error(422, NOT_READY)
        if not fields.text.strip() and not fields.media_ids:
            return error(422, "Validation failed: Text can't be blank")
        if self.countable_length(fields.text, fields.spoiler_text) > self.max_characters:
            return error(422, f"Validation failed: Text character limit of {self.max_characters} exceeded")
        if fields.quoted_status_id is not None and not self._visible_to(fields.quoted_status_id, account):
            return error(404, NOT_FOUND)
        return None

    def _visible_to(self, status_id: str, viewer: Account | None) -> bool:
        status = self._statuses.get(status_id)
        return status is not None and not status["deleted"] and self._can_see(status, viewer)

    @staticmethod
    def _can_see(status: dict[str, Any], viewer: Account | None) -> bool:
        return status["visibility"] in ("public", "unlisted") or (
            viewer is not None and viewer.id == status["account_id"]
        )

    def _store_status(
        self, fields: _StatusFields, account: Account, now: float, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        status_id = self._next_id(now)
        parent = self._statuses.get(fields.in_reply_to_id or "")
        status: dict[str, Any] = {
            "id": status_id,
            "account_id": account.id,
            "username": account.username,
            "text": fields.text,
            "spoiler_text": fields.spoiler_text,
            "visibility": fields.visibility,
            "language": fields.language or account.language,
            "sensitive": fields.sensitive or bool(fields.spoiler_text),
            "in_reply_to_id": fields.in_reply_to_id,
            "in_reply_to_account_id": parent["account_id"] if parent else None,
            "media_ids": list(fields.media_ids),
            "quoted_status_id": self._quote_if_supported(fields),
            "tags": sorted({tag.lower() for tag in HASHTAG.findall(fields.text)}),
            "created_at": now,
            "reblog_of_id": None,
            "deleted": False,
            "idempotency_key": idempotency_key,
        }
        self._add(status)
        for media_id in fields.media_ids:
            self._media[media_id]["status_id"] = status_id
        return status

    def _quote_if_supported(self, fields: _StatusFields) -> str | None:
        """Quote posts exist from Mastodon 4.5 on; older servers ignore the parameter."""
        major_minor = tuple(int(part) for part in re.findall(r"\d+", self.version)[:2])
        return fields.quoted_status_id if major_minor >= (4, 5) else None

    def _get_status(self, request: Request) -> Response:
        viewer = self._caller(request)
        if not self._visible_to(request.params["id"], viewer):
            return error(404, NOT_FOUND)
        return Response(200, self._status_json(self._statuses[request.params["id"]], viewer))

    def _delete_status(self, request: Request) -> Response:
        account = self._me(request)
        status = self._statuses.get(request.params["id"])
        if status is None or status["deleted"] or status["account_id"] != account.id:
            return error(404, NOT_FOUND)
        status["deleted"] = True
        self._untag(status)
        for media_id in status["media_ids"]:
            self._media[media_id]["status_id"] = None  # kept for redrafting, as Mastodon does
        self.commit(request)
        return Response(200, self._status_json(status, account, source=True))

    def _reblog(self, request: Request) -> Response:
        account = self._me(request)
        original = self._statuses.get(request.params["id"])
        if original is None or not self._visible_to(original["id"], account):
            return error(404, NOT_FOUND)
        if original["reblog_of_id"] is not None:
            original = self._statuses[original["reblog_of_id"]]
        if original["visibility"] not in ("public", "unlisted"):
            return error(403, "This action is not allowed")
        existing = self._reblog_by(account, original["id"])
        if existing is None:
            existing = self._store_reblog(account, original, request)
            self.commit(request)
        return Response(200, self._status_json(existing, account))

    def _reblog_by(self, account: Account, status_id: str) -> dict[str, Any] | None:
        reblogs = (self._statuses[i] for i in self._links.get(("reblog_of_id", status_id), ()))
        return next((s for s in reblogs if s["account_id"] == account.id and not s["deleted"]), None)

    def _store_reblog(self, account: Account, original: dict[str, Any], request: Request) -> dict[str, Any]:
        now = request.received_at or time.time()
        visibility = request.value("visibility") or "public"
        reblog: dict[str, Any] = {
            "id": self._next_id(now),
            "account_id": account.id,
            "username": account.username,
            "text": "",
            "spoiler_text": "",
            "visibility": visibility if visibility in VISIBILITIES else "public",
            "language": None,
            "sensitive": False,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "media_ids": [],
            "quoted_status_id": None,
            "tags": [],
            "created_at": now,
            "reblog_of_id": original["id"],
            "deleted": False,
            "idempotency_key": None,
        }
        self._add(reblog)
        return reblog

    def _unreblog(self, request: Request) -> Response:
        account = self._me(request)
        original = self._statuses.get(request.params["id"])
        if original is None or not self._visible_to(original["id"], account):
            return error(404, NOT_FOUND)
        existing = self._reblog_by(account, original["id"])
        if existing is not None:
            existing["deleted"] = True
            self._untag(existing)
            self.commit(request)
        return Response(200, self._status_json(original, account))

    # -- rendering -----------------------------------------------------------------------------

    def _status_json(
        self, status: dict[str, Any], viewer: Account | None, *, source: bool = False
    ) -> dict[str, Any]:
        """A status shaped like the recorded ones (same keys, same order)."""
        account = self._accounts[status["account_id"]]
        reblog = self._statuses.get(status["reblog_of_id"] or "")
        path = f"/ap/users/{account.id}/statuses/{status['id']}"
        url = f"{self._account_url(account)}/{status['id']}"
        if reblog is not None:
            path, url = path + "/activity", f"{self.base_url}{path}/activity"
        uri = status.get("uri") or f"{self.base_url}{path}"  # a remote status keeps its origin's
        url = status.get("url") or url
        body: dict[str, Any] = {
            "id": status["id"],
            "created_at": iso(status["created_at"]),
            "in_reply_to_id": status["in_reply_to_id"],
            "in_reply_to_account_id": status["in_reply_to_account_id"],
            "sensitive": status["sensitive"],
            "spoiler_text": status["spoiler_text"],
            "visibility": status["visibility"],
            "language": status["language"],
            "uri": uri,
            "url": url,
            "replies_count": self._count(status, "in_reply_to_id"),
            "reblogs_count": self._count(status, "reblog_of_id"),
            "favourites_count": 0,
            "quotes_count": self._count(status, "quoted_status_id"),
            "edited_at": None,
            "favourited": False,
            "reblogged": viewer is not None and self._reblog_by(viewer, status["id"]) is not None,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
        }
        if source:
            body["text"] = status["text"]
        else:
            body["content"] = (
                "" if reblog is not None else status.get("content") or self.render_content(status["text"])
            )
        body.update(
            {
                "filtered": [],
                "reblog": self._status_json(reblog, viewer) if reblog is not None else None,
                "application": {"name": "Campaign tests", "website": None},
                "account": self._account_json(account),
                "media_attachments": [self._media_json(self._media[m]) for m in status["media_ids"]],
                "mentions": status["mentions"] if "mentions" in status else self._mentions(status["text"]),
                "tags": [{"name": tag, "url": f"{self.base_url}/tags/{tag}"} for tag in status["tags"]],
                "emojis": [],
                "tagged_collections": [],
                "quote": self._quote_json(status, viewer),
                "card": None,
                "poll": None,
                "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
            }
        )
        return body

    def _count(self, status: dict[str, Any], link: str) -> int:
        return sum(1 for i in self._links.get((link, status["id"]), ()) if not self._statuses[i]["deleted"])

    def _quote_json(self, status: dict[str, Any], viewer: Account | None) -> dict[str, Any] | None:
        quoted = self._statuses.get(status["quoted_status_id"] or "")
        if quoted is None:
            return None
        if quoted["deleted"]:
            return {"state": "deleted", "quoted_status": None}
        return {"state": "accepted", "quoted_status": self._status_json(quoted, viewer)}

    def _mentions(self, text: str) -> list[dict[str, Any]]:
        local = {a.username: a for a in self._accounts.values()}
        found = [local[m.group(1)] for m in MENTION.finditer(text) if m.group(1) in local and not m.group(2)]
        return [
            {"id": a.id, "username": a.username, "url": self._account_url(a), "acct": a.username}
            for a in dict.fromkeys(found)
        ]

    def render_content(self, text: str) -> str:
        """Mastodon's plain-text formatter: escaped text, <p> per paragraph, <br /> per line,
        links, hashtags and local mentions as the recording shows them."""
        paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
        rendered = [
            "<p>" + "<br />".join(self._render_line(line) for line in p.split("\n")) + "</p>"
            for p in paragraphs
        ]
        return "".join(rendered)

    def _render_line(self, line: str) -> str:
        out: list[str] = []
        cursor = 0
        pattern = re.compile(f"{URL.pattern}|{HASHTAG.pattern}|{MENTION.pattern}")
        for match in pattern.finditer(line):
            out.append(html.escape(line[cursor : match.start()], quote=False))
            out.append(self._render_entity(match.group(0)))
            cursor = match.end()
        out.append(html.escape(line[cursor:], quote=False))
        return "".join(out)

    def _render_entity(self, entity: str) -> str:
        if entity.startswith("#"):
            tag = entity[1:]
            return (
                f'<a href="{self.base_url}/tags/{tag.lower()}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(tag)}</span></a>"
            )
        if entity.startswith("@"):
            username = entity[1:].split("@")[0]
            if "@" in entity[1:] or username not in {a.username for a in self._accounts.values()}:
                return html.escape(entity)
            return (
                f'<span class="h-card" translate="no"><a href="{self.base_url}/@{username}" '
                f'class="u-url mention">@<span>{username}</span></a></span>'
            )
        scheme, rest = entity.split("://", 1)
        shown, hidden = rest[:30], rest[30:]
        shown_class = "ellipsis" if hidden else ""
        visible = (
            f'<span class="{shown_class}">{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(hidden)}</span>'
        )
        return (
            f'<a href="{html.escape(entity)}" target="_blank" rel="nofollow noopener" translate="no">'
            f'<span class="invisible">{scheme}://</span>{visible}</a>'
        )

    # -- media ---------------------------------------------------------------------------------

    def _media_json(self, item: dict[str, Any]) -> dict[str, Any]:
        ready = item["polls_left"] <= 0
        url = f"{self.base_url}/system/media_attachments/files/{item['id']}/original/{item['file_name']}"
        kind = item["mime_type"].split("/")[0]
        meta: dict[str, Any] = {}
        if item["focus"] is not None:
            meta["focus"] = item["focus"]
        return {
            "id": item["id"],
            "type": "gifv"
            if item["mime_type"] == "image/gif"
            else (kind if kind in ("image", "video", "audio") else "unknown"),
            "url": url if ready else None,
            "preview_url": url if ready else None,
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": meta,
            "description": item["description"],
            "blurhash": "UFBWY:8_0Jxv?bxuD%t7~qbb%MoLxuIUt7WB" if ready and kind == "image" else None,
        }

    def _media_fields(self, request: Request, item: dict[str, Any] | None) -> Response | None:
        """Apply description/focus from the request to `item` (None: validate only)."""
        description = request.value("description")
        if description is not None and len(str(description)) > self.description_limit:
            limit = self.description_limit
            return error(422, f"Validation failed: Description is too long (maximum is {limit} characters)")
        focus = request.value("focus")
        if item is not None:
            if description is not None:
                item["description"] = str(description)
            if focus is not None:
                x, _, y = str(focus).partition(",")
                item["focus"] = {"x": float(x), "y": float(y or 0)}
        return None

    def _post_media(self, request: Request) -> Response:
        account = self._me(request)
        upload = request.files.get("file")
        if upload is None or not upload.data:
            return error(422, "Validation failed: File can't be blank")
        if upload.content_type not in SUPPORTED_MIME:
            return error(422, "Validation failed: File content type is invalid, File is invalid")
        refused = self._media_fields(request, None)
        if refused is not None:
            return refused
        media_id = self._next_id(request.received_at or time.time())
        extension = upload.content_type.split("/")[1]
        item: dict[str, Any] = {
            "id": media_id,
            "account_id": account.id,
            "bytes": upload.data,
            "mime_type": upload.content_type,
            "file_name": f"{media_id[-12:]}.{extension}",
            "description": None,
            "focus": None,
            "status_id": None,
            "polls_left": self.media_processing_polls,
        }
        self._media_fields(request, item)
        self._media[media_id] = item
        self.commit(request)
        return Response(202 if item["polls_left"] > 0 else 200, self._media_json(item))

    def _owned_media(self, request: Request) -> dict[str, Any] | None:
        item = self._media.get(request.params["id"])
        return item if item is not None and item["account_id"] == self._me(request).id else None

    def _get_media(self, request: Request) -> Response:
        item = self._owned_media(request)
        if item is None or item["status_id"] is not None:
            return error(404, NOT_FOUND)
        if item["polls_left"] > 0:
            item["polls_left"] -= 1
            return Response(206, self._media_json(item) | {"url": None, "preview_url": None})
        return Response(200, self._media_json(item))

    def _put_media(self, request: Request) -> Response:
        item = self._owned_media(request)
        if item is None or item["status_id"] is not None:
            return error(404, NOT_FOUND)
        refused = self._media_fields(request, item)
        return refused or Response(200, self._media_json(item))

    def _media_file(self, request: Request) -> Response:
        item = self._media.get(request.params["id"])
        if item is None or item["polls_left"] > 0:
            return error(404, NOT_FOUND)
        return Response(200, item["bytes"], {"Content-Type": item["mime_type"]})

    # -- search and timelines ------------------------------------------------------------------

    def _search(self, request: Request) -> Response:
        viewer = self._caller(request)
        if is_true(request.arg("resolve")) and viewer is None:
            return error(
                401, "Search queries that resolve remote resources are not supported without authentication"
            )
        query = (request.arg("q") or "").strip()
        kind = request.arg("type")
        statuses = [
            self._status_json(s, viewer)
            for s in self._statuses.values()
            if query
            in (
                f"{self.base_url}/@{s['username']}/{s['id']}",
                f"{self.base_url}/ap/users/{s['account_id']}/statuses/{s['id']}",
            )
            and self._visible_to(s["id"], viewer)
            and s["reblog_of_id"] is None
        ]
        handle = query.lstrip("@").split("@")[0]
        accounts = [
            self._account_json(a)
            for a in self._accounts.values()
            if query.startswith("@") and a.username == handle
        ]
        body = {"accounts": accounts, "statuses": statuses, "hashtags": []}
        if kind in body:
            body = {key: (value if key == kind else []) for key, value in body.items()}
        return Response(200, body)

    def _tag_timeline(self, request: Request) -> Response:
        """Public originals with the tag (reblogs are never in hashtag timelines), local and
        remote ones alike unless `local` / `remote` says; login required when configured."""
        viewer = self._caller(request)
        if viewer is None and self.tag_timelines_require_login:
            return error(401, LOGIN_REQUIRED)
        tag = request.params["tag"]
        path, kept = f"/api/v1/timelines/tag/{tag}", ("limit", "local", "only_media", "remote")
        ids = self._tagged.get(tag.lower(), [])
        local, remote = is_true(request.arg("local")), is_true(request.arg("remote"))
        if is_true(request.arg("only_media")) or local or remote:
            items = [self._statuses[str(i)] for i in ids]
            items = [
                s
                for s in items
                if (s["media_ids"] or not is_true(request.arg("only_media")))
                and (not local or "uri" not in s)
                and (not remote or "uri" in s)
            ]
            return self._page(request, items, path, kept, viewer)
        limit = self._limit_arg(request)
        max_id, since_id, min_id = (request.arg(name) for name in ("max_id", "since_id", "min_id"))
        high = len(ids) if max_id is None else bisect.bisect_left(ids, int(max_id))
        low = 0 if since_id is None else bisect.bisect_right(ids, int(since_id))
        if min_id is not None:  # the page right above min_id
            low = max(low, bisect.bisect_right(ids, int(min_id)))
            window = ids[low : min(high, low + limit)]
        else:
            window = ids[max(low, high - limit) : high]
        page = [self._statuses[str(i)] for i in reversed(window)]
        return self._paged(request, page, path, kept, viewer)

    @staticmethod
    def _limit_arg(request: Request) -> int:
        """Mastodon's `limit`: 20 unless said, at most 40."""
        return max(min(int(request.arg("limit") or 20), 40), 1)

    def _page(
        self,
        request: Request,
        items: list[dict[str, Any]],
        path: str,
        kept: tuple[str, ...],
        viewer: Account | None,
    ) -> Response:
        """Newest first, `limit` (default 20, max 40), max_id / since_id / min_id, and the Link
        header Mastodon sends (next = older via max_id, prev = newer via min_id)."""
        limit = self._limit_arg(request)
        max_id, since_id, min_id = (request.arg(name) for name in ("max_id", "since_id", "min_id"))
        ordered = sorted(items, key=lambda s: int(s["id"]), reverse=True)
        ordered = [
            s
            for s in ordered
            if (max_id is None or int(s["id"]) < int(max_id))
            and (since_id is None or int(s["id"]) > int(since_id))
        ]
        if min_id is not None:  # the page right above min_id, still sent newest first
            ordered = [s for s in ordered if int(s["id"]) > int(min_id)][-limit:]
        return self._paged(request, ordered[:limit], path, kept, viewer)

    def _paged(
        self,
        request: Request,
        page: list[dict[str, Any]],
        path: str,
        kept: tuple[str, ...],
        viewer: Account | None,
    ) -> Response:
        """One page as Mastodon answers it: the statuses, and when there are any, the Link header
        and the recorded caching headers."""
        headers: dict[str, str] = {"Cache-Control": "private, no-store", "Vary": "Authorization, Origin"}
        if page:
            base = {name: request.arg(name) or "" for name in kept if request.arg(name) is not None}

            def link(extra: dict[str, str]) -> str:  # Rails sorts query keys (Hash#to_query)
                return f"{self.base_url}{path}?{urllib.parse.urlencode(sorted((base | extra).items()))}"

            next_url, prev_url = link({"max_id": page[-1]["id"]}), link({"min_id": page[0]["id"]})
            headers["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
        return Response(200, [self._status_json(s, viewer) for s in page], headers)


@dataclass
class _StatusFields:
    text: str
    spoiler_text: str
    visibility: str
    language: str | None
    sensitive: bool
    in_reply_to_id: str | None
    media_ids: list[str]
    quoted_status_id: str | None
    problem: str | None

    @classmethod
    def parse(cls, request: Request) -> _StatusFields:
        """The status parameters as Mastodon.py sends them: form-encoded (`media_ids[]`), or JSON
        when it posts polls / media attributes."""
        media = (
            request.json.get("media_ids")
            if isinstance(request.json, dict)
            else request.form.get("media_ids[]")
        )
        visibility = str(request.value("visibility") or "public")
        problem = None
        if visibility not in VISIBILITIES:
            problem = f"'{visibility}' is not a valid visibility"
        if request.value("scheduled_at") is not None:
            problem = "scheduled_at is not supported by this double"
        return cls(
            text=str(request.value("status") or ""),
            spoiler_text=str(request.value("spoiler_text") or ""),
            visibility=visibility,
            language=request.value("language") or None,
            sensitive=is_true(request.value("sensitive")),
            in_reply_to_id=_optional_str(request.value("in_reply_to_id")),
            media_ids=[str(m) for m in media or []],
            quoted_status_id=_optional_str(request.value("quoted_status_id")),
            problem=problem,
        )


def _optional_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
