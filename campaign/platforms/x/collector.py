"""X's recent search as a tracking source: the campaign's hashtags, read newest first, resumable.

X answers ``GET /2/tweets/search/recent`` newest first, so one *sweep* walks back from the newest
matching post to where the last complete sweep began (``since_id``). The checkpoint is
``{"since_id": newest id of the last complete sweep, "sweep": {"newest_id", "until_id",
"since_id"} or None}``: each page of a sweep records the oldest id it stored (``until_id``), so a
restart in the middle asks for ``until_id`` and the sweep's lower bound and loses nothing; when
the sweep ends, ``since_id`` becomes its newest id and the sweep is cleared.

A first run starts at ``spec.since`` (``start_time``), clamped to the seven days recent search
covers (the first page says so). X refuses ``since_id``/``until_id`` with ``start_time``, so a
resumed first sweep turns its start into the id X would give a post made then (ids are
time-ordered snowflakes).

X bills every post a read returns: :meth:`SearchRecent.estimate` says what a run may cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy

from campaign.errors import CampaignError
from campaign.platforms.base import AuthFailed, Refused, Transient
from campaign.platforms.x.client import DEFAULT_BASE_URL, Client, connect, mapped_errors
from campaign.platforms.x.parse import page_posts
from campaign.queue.engine import utcnow
from campaign.tracking.collect import Context
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec

# X API pay-per-use price of one post read, in US dollars: "Posts: Read $0.005 per resource"
# (docs.x.com/x-api/getting-started/pricing, read in 2025). A source's options may say
# `price_per_read` when X changes it or a plan differs.
DEFAULT_PRICE_PER_READ = 0.005
SEARCH_WINDOW = timedelta(days=7)  # what recent search covers
# the clamped start is a little inside the window: the request reaches X a moment later
WINDOW_MARGIN = timedelta(minutes=2)
PAGE_MIN, PAGE_MAX = 10, 100  # max_results X accepts on recent search
TWITTER_EPOCH_MS = 1288834974657  # X's snowflake ids count milliseconds from here
EXPANSIONS = ("author_id", "referenced_tweets.id", "referenced_tweets.id.author_id")
TWEET_FIELDS = ("author_id", "conversation_id", "created_at", "entities", "in_reply_to_user_id",
                "lang", "public_metrics", "referenced_tweets")
USER_FIELDS = ("created_at", "name", "public_metrics", "username", "verified")
# the credentials a search accepts: an app-only bearer token, or the publisher's user secrets
CREDENTIAL_WAYS = (("bearer_token",), ("oauth2_token",),
                   ("consumer_key", "consumer_secret", "access_token", "access_token_secret"))


def search_query(tags: tuple[str, ...]) -> str:
    """The recent-search query of the campaign's tags: ``(#a OR #b)``."""
    return "(" + " OR ".join(f"#{t.lstrip('#')}" for t in tags) + ")"


def snowflake(moment: datetime) -> int:
    """The smallest id X gives a post made at ``moment``."""
    return max(int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS, 0) << 22


def id_time(tweet_id: str | int) -> datetime:
    """When a post with this id was made (to the millisecond)."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


class SearchRecent:
    """``campaign track x``: the posts of the campaign's hashtags from X's recent search."""

    network = "x"

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.name = spec.source_name
        self.base_url = (spec.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        query = spec.options.get("query")
        if not query and not spec.tags:
            raise CampaignError(f"X search {self.name} has no hashtags to look for: give it "
                                "tags (or options.query)")
        self.query = str(query or search_query(spec.tags))
        self.stream = self.query  # the checkpoint's key: a changed query starts afresh
        self.price = float(spec.options.get("price_per_read", DEFAULT_PRICE_PER_READ))
        self._client: Client | None = None
        self._user_auth = False

    # -- what a run costs ------------------------------------------------------------------

    def estimate(self, limit: int | None) -> str:
        """One sentence: how many posts a run may read, and what X bills for them."""
        cap = limit if limit is not None else self.spec.max_posts
        price = f"${self.price:g} a post read"
        window = ""
        if self.spec.since is not None and self.spec.since < utcnow() - SEARCH_WINDOW:
            window = (f"; X searches only the last 7 days, so nothing before "
                      f"{(utcnow() - SEARCH_WINDOW):%Y-%m-%d %H:%M} UTC is read")
        if cap is None:
            return (f"X bills every post a search returns ({price}): with no --max-posts this "
                    f"run reads every post matching {self.query} it has not read yet{window}.")
        # pages of 100, then one of what is left, but never under X's smallest page (10 posts):
        # a cap of 105 reads 100 + 10
        rest = cap % PAGE_MAX if cap > 0 else 0
        posts = cap - rest + (max(rest, PAGE_MIN) if rest else 0) if cap > 0 else 0
        return (f"This run reads at most {posts:,} posts from X, about "
                f"${posts * self.price:,.2f} at {price}{window}.")

    # -- reading ---------------------------------------------------------------------------

    def pages(self, context: Context) -> Iterator[Page]:
        """Pages of one sweep, from the checkpoint's sweep or since_id (see the module)."""
        client = self._connect()
        state: Mapping[str, Any] = context.checkpoints.get(self.stream) or {}
        done_since = _id_or_none(state.get("since_id"))
        sweep = state.get("sweep") if isinstance(state.get("sweep"), Mapping) else None
        now = utcnow()
        floor = now - SEARCH_WINDOW + WINDOW_MARGIN
        notes: list[str] = []
        params: dict[str, Any] = {}
        newest: str | None = None
        until: str | None = None
        stale = _id_or_none(sweep.get("until_id")) if sweep is not None else None
        if sweep is not None and stale is not None and id_time(stale) < floor:
            # a sweep left unfinished for a week: what it had left is out of X's reach (asking
            # for it would pair an until_id older than the window with a since_id inside it),
            # so it is over, and the next one starts at its newest post
            notes.append(f"X searches only the last 7 days: the sweep stopped at posts of "
                         f"{id_time(stale):%Y-%m-%d %H:%M} UTC cannot be finished, and the "
                         "older posts it had not reached were not read (run it at least once "
                         "a week)")
            done_since = _id_or_none(sweep.get("newest_id")) or done_since
            sweep = None
        if sweep is not None and _id_or_none(sweep.get("until_id")):
            newest, until = _id_or_none(sweep.get("newest_id")), str(sweep["until_id"])
            lower = self._clamp_id(_id_or_none(sweep.get("since_id")), floor, notes)
            params["until_id"] = until
        elif done_since is not None:
            lower = self._clamp_id(done_since, floor, notes)
        else:
            lower = None
            start = self.spec.since
            if start is not None and start < floor:
                notes.append(f"X searches only the last 7 days: reading from "
                             f"{floor:%Y-%m-%d %H:%M} UTC, not {start:%Y-%m-%d %H:%M} UTC")
                start = floor
            if start is not None:
                params["start_time"] = start
                lower = str(snowflake(start) - 1)  # the same bound as an id, for a resume
        if lower is not None and "start_time" not in params:
            params["since_id"] = lower
        token: str | None = None
        read = 0
        while True:
            remaining = None if context.limit is None else context.limit - read
            if remaining is not None and remaining <= 0:
                return
            size = PAGE_MAX if remaining is None else min(PAGE_MAX, max(PAGE_MIN, remaining))
            answer = self._search(client, dict(params, max_results=size, next_token=token))
            posts, problems = page_posts(answer, read_at=utcnow())
            data = answer.get("data")
            count = len(data) if isinstance(data, list) else 0
            read += count
            meta: Mapping[str, Any] = answer["meta"]  # _search made sure it is there
            newest = newest or _id_or_none(meta.get("newest_id"))
            oldest = _id_or_none(meta.get("oldest_id"))
            if oldest is not None and until is not None and int(oldest) >= int(until):
                # a page that does not go back in time: its token would loop (and X bills
                # every post of every page); what was read is stored, the sweep goes on later
                raise Refused(f"X search on {self.host} answered a page that does not go back "
                              f"in time (oldest post {oldest}, the page before ended at "
                              f"{until}): run it again later, it resumes from there")
            until = oldest or until
            previous, token = token, meta.get("next_token") or None
            if token is not None and token == previous:
                raise Refused(f"X search on {self.host} answered the same next_token twice: "
                              "run it again later, it resumes from the last stored page")
            bad = len(problems)
            said = tuple([*notes, *problems][:5])
            notes = []
            if token:
                # no oldest id yet (an empty first page): nothing to resume from but the start
                checkpoint = {"since_id": done_since, "sweep": {
                    "newest_id": newest, "until_id": until, "since_id": lower}} if until else None
                yield Page(posts, (self.stream, checkpoint) if checkpoint else None, read=count,
                           bad=bad, problems=said)
                continue
            # the sweep reached its lower bound: the next one starts at its newest post
            checkpoint = {"since_id": newest or done_since, "sweep": None}
            yield Page(posts, (self.stream, checkpoint), read=count, bad=bad, problems=said)
            return

    def close(self) -> None:
        """Release the HTTP session."""
        if self._client is not None:
            self._client.session.close()
            self._client = None

    # -- helpers ---------------------------------------------------------------------------

    def _connect(self) -> Client:
        if self._client is not None:
            return self._client
        secrets = self.spec.secrets
        if secrets is None or not any(all(secrets.get(f) for f in way) for way in CREDENTIAL_WAYS):
            raise AuthFailed(f"X search {self.name} has no credentials: give it a bearer_token "
                             "(app-only) or an account's oauth2_token or OAuth 1.0a secrets")
        if secrets.get("bearer_token"):
            client = Client(self.base_url, self.spec.timeout, bearer_token=secrets["bearer_token"],
                            return_type=dict)
            self._user_auth = False
        else:
            client, self._user_auth = connect(secrets, self.base_url, self.spec.timeout)
            client.return_type = dict
        self._client = client
        return client

    def _clamp_id(self, since: str | None, floor: datetime, notes: list[str]) -> str | None:
        """A lower bound X still accepts: one older than the window becomes the window's start."""
        if since is None or id_time(since) >= floor:
            return since
        notes.append(f"X searches only the last 7 days: posts made between "
                     f"{id_time(since):%Y-%m-%d %H:%M} and {floor:%Y-%m-%d %H:%M} UTC "
                     "were not read (run it at least once a week)")
        return str(snowflake(floor) - 1)

    def _search(self, client: Client, params: dict[str, Any]) -> dict[str, Any]:
        """One page of the search, as X's JSON; X's refusals as the runner's outcomes."""
        where = f"X search on {self.host}"
        with mapped_errors():  # rate limits, 5xx and network errors as the publisher has them
            try:
                answer = client.search_recent_tweets(
                    self.query, user_auth=self._user_auth, expansions=list(EXPANSIONS),
                    tweet_fields=list(TWEET_FIELDS), user_fields=list(USER_FIELDS),
                    **{k: v for k, v in params.items() if v is not None})
            except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
                raise AuthFailed(f"{where} refused the credentials of {self.name} "
                                 f"({_said(exc)}): check or renew its bearer token or "
                                 "account secrets") from None
            except tweepy.BadRequest as exc:
                raise Refused(f"{where} refused the search {self.query!r} ({_said(exc)})") \
                    from None
            except requests.JSONDecodeError:
                raise Transient(f"{where} answered something that is not JSON (an HTML "
                                f"page?): check the host {self.base_url}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("meta"), Mapping):
            raise Transient(f"{where} answered JSON that is not a search page (no 'meta'): "
                            f"check the host {self.base_url}")
        return answer


def _id_or_none(value: Any) -> str | None:
    text = str(value) if value is not None else ""
    return text if text.isdigit() else None


def _said(exc: tweepy.HTTPException) -> str:
    """X's own words, else the status line."""
    said = "; ".join(m for m in exc.api_messages if m) if exc.api_messages else ""
    return said or f"{exc.response.status_code} {exc.response.reason}"
