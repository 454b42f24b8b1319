"""Bluesky's hashtag search as a collector: ``app.bsky.feed.searchPosts`` on an appview, one
stream per tag, walked in time windows.

Why windows: the search cursor "may not necessarily allow scrolling through entire result set"
(the lexicon; in practice the index stops after about 10,000 hits), so a long period is split
into windows (``window_hours``, 24 by default), each read newest first (``sort=latest``) with the
cursor. When a window's cursor runs out, the window is asked again up to its oldest post seen
(``until`` = that post's ``sortAt`` + 1 ms): past a cap this finds the rest, and for a window
that was read whole it costs one request that answers only posts already stored. So no window
is ever cut short, whatever cap the service has, and no cap needs to be known.

The checkpoint of a tag is ``{"done_until": end of the last complete window, "window": {"since",
"until", "end", "cursor", "oldest", "floor"}}``, true once each page is stored: a kill in the
middle of a window resumes at that cursor. A run starts again ``overlap_minutes`` (5) before
``done_until``, since a post may be indexed a little after the moment it sorts at (the store's
dedup makes the overlap harmless).

Signing in: ``createSession`` is limited (30 per 5 minutes, 300 per day per account), so one
session per (PDS, identifier) is kept for the whole process, shared by every run and source,
refreshed with ``refreshSession`` when the service says the access token expired; tokens are
never written to the database or a log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from atproto import Client, models
from atproto_client import exceptions as atx
from atproto_client.client.base import InvokeType

from campaign.platforms.base import AuthFailed, PublishError, RateLimited, Refused, Transient
from campaign.platforms.bluesky.client import connect, error_name, mapped_errors, sign_in
from campaign.platforms.bluesky.parse import BadRecord, parse_date, post_view, sort_at
from campaign.queue.engine import utcnow
from campaign.tracking.collect import Context
from campaign.tracking.records import Observation, Page
from campaign.tracking.sources import SourceSpec

PAGE = 100  # the most searchPosts answers at once
NSID = "app.bsky.feed.searchPosts"
STEP = timedelta(milliseconds=1)  # the finest sortAt the appview writes
MAX_PROBLEMS = 5

_SESSIONS: dict[tuple[str, str], Client] = {}  # (PDS, identifier) -> a signed-in client
_LOCK = threading.Lock()


def forget_sessions() -> None:
    """Drop every kept session (a test that wants a fresh sign-in, an app password changed)."""
    with _LOCK:
        clients = list(_SESSIONS.values())
        _SESSIONS.clear()
    for client in clients:
        client.request._client.close()


def iso(when: datetime) -> str:
    """A moment as the search takes and the checkpoint keeps it (UTC, milliseconds, 'Z')."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SearchPosts:
    """Posts of the source's tags from an appview's searchPosts (a Source)."""

    def __init__(self, spec: SourceSpec, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.spec = spec
        self.appview = spec.base_url.rstrip("/")
        self.host = urlsplit(self.appview).netloc or self.appview
        self.pds = str(spec.options.get("pds") or self.appview).rstrip("/")
        self.window = timedelta(hours=float(spec.options.get("window_hours", 24)))
        self.overlap = timedelta(minutes=float(spec.options.get("overlap_minutes", 5)))
        self.first_days = float(spec.options.get("days", 7))  # no checkpoint and no since
        if self.window <= timedelta(0):
            raise ValueError("window_hours must be more than 0")
        self._clock = clock

    @property
    def name(self) -> str:
        """The source's id in checkpoints and runs."""
        return self.spec.source_name

    @property
    def network(self) -> str:
        """Bluesky."""
        return "bluesky"

    def close(self) -> None:
        """Nothing to release: the session stays for the next run of the process."""

    # -- reading -----------------------------------------------------------------------------

    def pages(self, context: Context) -> Iterator[Page]:
        """Every tag's windows from its checkpoint (or ``since``) up to now, page by page."""
        end = self._clock()
        if context.until is not None:
            end = min(end, context.until)
        # to the millisecond, as checkpoints keep it: a finer end would never be reached by a
        # window's end read back from its checkpoint, and the walk would ask again forever
        end = end.replace(microsecond=end.microsecond // 1000 * 1000)
        budget = [context.limit]
        for tag in self.spec.tags:
            yield from self._tag(tag, dict(context.checkpoints.get(tag) or {}), end, context,
                                 budget)
            if budget[0] is not None and budget[0] <= 0:
                return

    def _tag(self, tag: str, state: dict[str, Any], end: datetime, context: Context,
             budget: list[int | None]) -> Iterator[Page]:
        done = self._date(state.get("done_until"), tag)
        window = state.get("window") if isinstance(state.get("window"), dict) else None
        if done is None:
            done = self.spec.since or end - timedelta(days=self.first_days)
        elif window is None:
            done = done - self.overlap  # see the module's docstring: late indexing
        while True:
            if window is None:
                if done >= end:
                    return
                until = min(done + self.window, end)
                window = {"since": iso(done), "until": iso(until), "end": iso(until),
                          "cursor": None, "oldest": None, "floor": None}
            if context.stopping.is_set() or (budget[0] is not None and budget[0] <= 0):
                return
            limit = PAGE if budget[0] is None else min(PAGE, budget[0])
            answer = self._search(tag, window, limit)
            views = answer.get("posts")
            views = views if isinstance(views, list) else []
            oldest = self._date(window.get("oldest"), tag)
            floor = self._date(window.get("floor"), tag)
            again = []  # at the floor: the walk before read some of them, maybe not all
            for view in views:
                at = sort_at(view) if isinstance(view, Mapping) else None
                if at is not None and (oldest is None or at < oldest):
                    oldest = at
                again.append(floor is not None and at is not None and at >= floor)
            # every view is stored, those at the floor too (the walk before may have stopped in
            # the middle of that millisecond's posts; the store keeps each post once), but a bad
            # one there was counted already
            posts, problems = self._read(views, again)
            cursor = answer.get("cursor")
            sent = window.get("cursor")
            window = dict(window, oldest=iso(oldest) if oldest else None)
            # a cursor given back as it was sent would read the same page forever: the walk ends
            if isinstance(cursor, str) and cursor and views and cursor != sent:
                window["cursor"] = cursor
            elif self._rest_of_window(window, oldest):
                # the cursor stopped: ask again below the oldest post seen (docstring)
                assert oldest is not None
                window = dict(window, until=iso(oldest + STEP), cursor=None, oldest=None,
                              floor=iso(oldest))
            else:
                done = self._date(window["end"], tag) or end
                window = None
            if budget[0] is not None:
                budget[0] -= len(views)
            state = {"done_until": iso(done), "window": window}
            yield Page(posts, (tag, state), read=len(views), bad=len(problems),
                       problems=tuple(problems[:MAX_PROBLEMS]))

    def _rest_of_window(self, window: Mapping[str, Any], oldest: datetime | None) -> bool:
        """Whether a walk that ran out of cursor may have left older posts of its window."""
        if oldest is None:
            return False  # nothing in what is left of the window
        since, floor = parse_date(window["since"]), window.get("floor")
        # no progress since the last walk (every post left shares one millisecond): done
        return oldest > since and (floor is None or oldest < parse_date(floor))

    def _read(self, views: list[Any], again: list[bool]) -> tuple[list[Observation], list[str]]:
        read_at = self._clock()
        posts: list[Observation] = []
        problems: list[str] = []
        for view, seen in zip(views, again, strict=True):
            try:
                posts.append(post_view(view, read_at=read_at))
            except BadRecord as exc:
                if not seen:
                    problems.append(f"{self.host}: {exc}")
        return posts, problems

    def _date(self, value: Any, tag: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_date(value, f"checkpoint of #{tag}")
        except BadRecord as exc:
            raise Refused(f"{self.name}: {exc}: reset this source's checkpoints") from None

    # -- the service ---------------------------------------------------------------------------

    def _search(self, tag: str, window: Mapping[str, Any], limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "q": str(self.spec.options.get("query") or f"#{tag}"), "tag": [tag],
            "sort": "latest", "since": window["since"], "until": window["until"],
            "limit": limit}
        if window.get("cursor"):
            params["cursor"] = window["cursor"]
        query = models.AppBskyFeedSearchPosts.Params(**params)
        client = self._client()
        url = f"{self.appview}/xrpc/{NSID}"
        try:
            with self._errors():
                try:
                    response = client._invoke(InvokeType.QUERY, url=url, params=query)
                except atx.RequestErrorBase as exc:
                    if error_name(exc) != "ExpiredToken":
                        raise
                    client = self._refresh(client)
                    response = client._invoke(InvokeType.QUERY, url=url, params=query)
        except AuthFailed:
            self._forget(client)  # the next run signs in again rather than reuse a dead session
            raise
        content = response.content
        if not isinstance(content, dict):
            raise Transient(f"{self.host} answered {NSID} with something that is not JSON "
                            f"({response.headers.get('content-type') or 'no content type'}): "
                            "check the source's appview URL")
        return content

    def _client(self) -> Client:
        """The process's signed-in client for this source's account, signing in the first time."""
        secrets = self.spec.secrets
        if secrets is None or "app_password" not in secrets:
            raise AuthFailed(f"{self.name}: searchPosts needs an account: give the source a "
                             "handle and credentials with an app_password")
        identifier = secrets.get("identifier") or self.spec.handle
        key = (self.pds, identifier.casefold())
        with _LOCK:
            client = _SESSIONS.get(key)
            if client is None:
                client, _ = connect(self.pds, self.spec.timeout)
                with self._errors(signing_in=True):
                    sign_in(client, secrets, identifier)
                _SESSIONS[key] = client
        return client

    def _refresh(self, client: Client) -> Client:
        """A new access token for an expired one (``refreshSession``); when the refresh token is
        refused too, one new sign-in."""
        try:
            client._refresh_and_set_session()
            return client
        except (atx.RequestErrorBase, atx.LoginRequiredError):
            self._forget(client)
            return self._client()

    @staticmethod
    def _forget(client: Client) -> None:
        with _LOCK:
            for key, kept in list(_SESSIONS.items()):
                if kept is client:
                    del _SESSIONS[key]

    @contextmanager
    def _errors(self, signing_in: bool = False) -> Iterator[None]:
        """The client's error mapping, each message naming the host and what to do."""
        host = urlsplit(self.pds).netloc if signing_in else self.host
        try:
            with mapped_errors():
                try:
                    yield
                except atx.RequestErrorBase as exc:
                    response = exc.response
                    if response is not None and isinstance(response.content, bytes | str):
                        kind = response.headers.get("content-type") or "no content type"
                        error = Transient if response.status_code >= 500 or \
                            response.status_code in (408, 429) else Refused
                        raise error(f"{host} answered HTTP {response.status_code} with a page "
                                    f"that is not XRPC ({kind.split(';')[0]}): check the source's "
                                    "URL, or try again later") from None
                    raise
        except RateLimited as exc:
            raise RateLimited(f"{host}: {exc.message}", exc.reset_at) from None
        except AuthFailed as exc:
            what = "sign-in" if signing_in else "search"
            raise AuthFailed(f"{host} refused the {what} for {self.spec.handle or 'the account'}"
                             f": {exc.message.split(': ', 1)[-1]}: check the source's app "
                             "password") from None
        except PublishError as exc:
            if exc.message.startswith(host):
                raise
            message = exc.message.replace("refused the post", "refused the search")
            raise type(exc)(f"{host}: {message}") from None
