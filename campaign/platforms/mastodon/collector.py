"""Mastodon's hashtag timelines as a tracking source: one instance, one stream per tag.

Each instance sees only what it federates, so a secretariat reads the same tags on several
instances, one source each (the source's name carries the instance); a post seen by several is
stored once, by its ActivityPub ``uri`` (see :mod:`campaign.platforms.mastodon.parse`).

A tag is read FORWARD, oldest to newest: ``GET /api/v1/timelines/tag/:tag?min_id=M&limit=40``
answers the 40 statuses right above ``M`` (newest first within the page, as the ``Link`` header's
``rel="prev"`` would ask), so once a page is stored its checkpoint ``{"min_id": newest id of the
page}`` is true: a kill at any moment loses nothing, and the next run asks for the page above it.
Status ids are local to an instance (snowflakes: milliseconds since the epoch << 16), which is
why the checkpoint is per source (instance) and stream (tag).

Reading goes through Mastodon.py (the publisher's client module, its errors mapped the same way);
the statuses are parsed from the JSON the instance sent, kept whole as each post's raw record.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon import errors as mx

from campaign.errors import CampaignError
from campaign.platforms.base import AuthFailed, RateLimited, Refused, Transient
from campaign.platforms.mastodon.client import connect_public, mapped_errors
from campaign.platforms.mastodon.parse import BadStatus, status_post
from campaign.queue.engine import utcnow
from campaign.tracking.collect import Context
from campaign.tracking.imports_lines import clean
from campaign.tracking.records import Observation, Page
from campaign.tracking.sources import SourceSpec

PAGE = 40  # the most statuses Mastodon gives a timeline page
MAX_BODY = 16 * 2**20  # bytes of one page, decompressed: 40 statuses are far less
MAX_PROBLEMS = 5  # problems named per page; the count says the rest


def snowflake(moment: datetime) -> int:
    """The smallest status id an instance gives a status made at ``moment``."""
    return max(int(moment.timestamp() * 1000), 0) << 16


class TagTimelines:
    """``campaign track mastodon``: the campaign's tags on one instance's hashtag timelines.

    A first run (no checkpoint for a tag) starts at ``spec.since`` (as the id a status made then
    would have) and reads every page up to the newest; with no ``since`` it reads only the newest
    page, and later runs go on from there."""

    network = "mastodon"

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.name = spec.source_name
        self.instance = spec.base_url.rstrip("/")
        if "://" not in self.instance:
            self.instance = f"https://{self.instance}"
        self.host = urlsplit(self.instance).netloc
        if not self.host:
            raise CampaignError(f"Mastodon source {self.name} names no instance: give its "
                                "address, e.g. https://mastodon.social")
        if not spec.tags:
            raise CampaignError(f"Mastodon source {self.name} has no hashtags to read: give it "
                                "tags")
        self.token = spec.secrets.get("access_token") or None if spec.secrets else None
        self._api: Mastodon | None = None
        self._last: requests.Response | None = None  # the instance's last answer, as sent
        self.max_body = MAX_BODY
        self._oversize = False

    def pages(self, context: Context) -> Iterator[Page]:
        """Each tag's pages from its checkpoint (or the first-run start) up to the newest."""
        api = self._connect()
        left = context.limit
        for tag in self.spec.tags:
            state = context.checkpoints.get(tag) or {}
            min_id = state.get("min_id")
            if min_id is None and self.spec.since is not None:
                min_id = str(snowflake(self.spec.since))
            newest_only = min_id is None
            while not context.stopping.is_set() and (left is None or left > 0):
                size = PAGE if left is None else min(PAGE, left)
                sent = None if min_id is None else str(min_id)
                statuses = self._read(api, tag, sent, size)
                if not statuses:
                    break
                newest = _newest(statuses)
                if newest is None:
                    raise Refused(f"Mastodon instance {self.host} answered the timeline of "
                                  f"#{tag} with statuses that have no id: is {self.instance} a "
                                  "Mastodon instance?")
                if sent is not None and _id_key(newest) <= _id_key(sent):
                    # nothing above min_id: the instance ignores it (a cache, a server that only
                    # pages by max_id); asking again would answer the same page forever
                    yield Page([], None, read=len(statuses), problems=(
                        f"{self.host} #{tag}: the instance answered min_id={sent[:40]} with older "
                        "statuses (it does not page forward): only its newest page is read each "
                        "run",))
                    break
                yield self._page(tag, statuses, newest)
                min_id = newest
                if left is not None:
                    left -= len(statuses)
                if newest_only or len(statuses) < size:
                    break  # caught up (a short page is the newest there is)

    def close(self) -> None:
        """Close the HTTP session."""
        if self._api is not None:
            self._api.session.close()
            self._api = None

    # -- one request -----------------------------------------------------------------------

    def _connect(self) -> Mastodon:
        if self._api is None:
            api = connect_public(self.instance, self.token, self.spec.timeout)
            # the answer as sent: Mastodon.py turns dates into datetimes, ids into its own types
            api.session.hooks["response"].append(self._keep)
            self._api = api
        return self._api

    def _keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keep the answer, its body read here up to ``max_body`` (requests calls this hook
        before it reads the body, so a page of gigabytes is never held in memory)."""
        self._last = response
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > self.max_body:
                self._oversize = True
                response.close()
                raise ValueError(f"the answer is larger than {self.max_body} bytes")
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what response.content then gives

    def _read(self, api: Mastodon, tag: str, min_id: str | None,
              size: int) -> list[dict[str, Any]]:
        """One page of ``tag``: the page right above ``min_id``, or the newest one."""
        self._last, self._oversize = None, False
        with self._errors(api, tag), warnings.catch_warnings():
            # Mastodon.py warns when the instance says the timeline needs login; the 401 that
            # follows says it better (see _explain)
            warnings.simplefilter("ignore", mx.MastodonWarning)
            api.timeline_hashtag(tag, min_id=min_id, limit=size)
        answer = self._last
        try:
            # NUL and lone surrogates (JSON may escape them) no database stores: U+FFFD
            body = json.loads(clean(answer.content)) if answer is not None else None
        except ValueError:
            body = None
        if not isinstance(body, list):
            raise Refused(f"Mastodon instance {self.host} answered the timeline of #{tag} with "
                          f"something other than a list of statuses: is {self.instance} a "
                          "Mastodon instance?")
        return body

    def _page(self, tag: str, statuses: list[dict[str, Any]], newest: str) -> Page:
        read_at = utcnow()
        posts: list[Observation] = []
        problems: list[str] = []
        for status in statuses:
            try:
                posts.append(status_post(status, instance=self.instance, read_at=read_at))
            except BadStatus as exc:
                problems.append(f"{self.host} #{tag}: status "
                                f"{status.get('id') if isinstance(status, dict) else '?'}: "
                                f"{exc.message}")
        return Page(posts, (tag, {"min_id": newest}), read=len(statuses),
                    bad=len(problems), problems=tuple(problems[:MAX_PROBLEMS]))

    # -- errors ----------------------------------------------------------------------------

    @contextmanager
    def _errors(self, api: Mastodon, tag: str) -> Iterator[None]:
        """Mastodon.py's errors as the client maps them, with the instance and tag named, and
        the cases a reader meets explained: login required, a revoked token, a page not JSON."""
        try:
            with mapped_errors(api, f"the timeline of #{tag} on {self.host}"):
                try:
                    yield
                except mx.MastodonError as exc:
                    self._explain(exc, tag)
                    raise
        except RateLimited as exc:
            if self.host in exc.message:
                raise
            raise RateLimited(f"{exc.message} ({self.host}, #{tag}): waiting for the "
                              "reset", exc.reset_at) from None
        except Transient as exc:
            if self.host in exc.message:
                raise
            raise Transient(f"{exc.message} ({self.host}, #{tag})") from None

    def _explain(self, exc: mx.MastodonError, tag: str) -> None:
        """Raise the PublishError a reader needs for ``exc``, or return for the client's map."""
        if self._oversize:
            raise Refused(f"Mastodon instance {self.host} answered the timeline of #{tag} with "
                          f"more than {self.max_body // 2**20 or 1} MB, far more than a page of "
                          f"statuses: is {self.instance} a Mastodon instance?")
        if isinstance(exc, mx.MastodonRatelimitError | mx.MastodonNetworkError):
            return
        answer = self._last
        said = str(exc.args[3]) if len(exc.args) > 3 and exc.args[3] else _error_of(answer)
        status = answer.status_code if answer is not None else None
        kind = answer.headers.get("Content-Type", "") if answer is not None else ""
        if answer is not None and answer.content and "json" not in kind.lower():
            what = ("an HTML page" if "html" in kind.lower() or answer.content.lstrip()[:1] == b"<"
                    else f"a {kind or 'body'} page")
            if status is not None and status >= 500:
                raise Transient(f"Mastodon instance {self.host} answered {status} with {what} "
                                f"instead of JSON for #{tag}: it may be down or behind a proxy")
            raise Refused(f"Mastodon instance {self.host} answered the timeline of #{tag} with "
                          f"{what}, not JSON (HTTP {status}): is {self.instance} a Mastodon "
                          "instance? Pages already stored are kept")
        if isinstance(exc, mx.MastodonAPIError) and "could not parse response as json" in \
                str(exc.args[0] if exc.args else "").lower():
            raise Refused(f"Mastodon instance {self.host} answered the timeline of #{tag} with "
                          f"broken JSON (HTTP {status}): try again later")
        if "revoked" in said.lower():
            raise AuthFailed(f"Mastodon instance {self.host} says the access token was revoked: "
                             "make a new one (Preferences > Development) and give it with "
                             "--credentials")
        if "authenticated user" in said.lower() or (
                isinstance(exc, mx.MastodonUnauthorizedError) and self.token is None):
            raise AuthFailed(f"Mastodon instance {self.host} requires login for tag timelines: "
                             "give it an access token (--credentials)")
        if isinstance(exc, mx.MastodonUnauthorizedError):
            raise AuthFailed(f"Mastodon instance {self.host} refused the access token "
                             f"({said or 'unauthorized'}): check it, or give a new one with "
                             "--credentials")


def _id_key(status_id: str) -> tuple[int, str]:
    """How status ids compare: Mastodon's are decimal snowflakes, Pleroma's and GoToSocial's
    fixed-width sortable strings; a longer id is a later one, equal lengths compare as text."""
    return len(status_id), status_id


def _newest(statuses: list[Any]) -> str | None:
    """The newest id of a page (whatever order the instance sent it in), None when no status
    has one; an id longer than any real one is not taken."""
    ids = [str(s["id"]) for s in statuses
           if isinstance(s, dict) and isinstance(s.get("id"), str | int)
           and not isinstance(s.get("id"), bool) and 0 < len(str(s["id"])) <= 64]
    return max(ids, key=_id_key) if ids else None


def _error_of(answer: requests.Response | None) -> str:
    """The ``error`` an instance's JSON answer says (Mastodon.py drops it on timelines)."""
    try:
        body = answer.json() if answer is not None else None
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
