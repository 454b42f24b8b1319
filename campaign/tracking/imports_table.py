"""Bluesky and Mastodon posts from CSV and JSONL archives, as :mod:`campaign.tracking.imports`
reads them (the columns and line shapes are documented in docs/tracking-import.md).

A CSV row names one post in our documented columns; a JSONL line holds what the networks' APIs
return (a Bluesky postView, a ``{did, uri, record}`` object, a Jetstream commit event, a
Mastodon Status), read by each network's own parser. Every value is someone else's: read as
text, checked, never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from campaign.tracking.imports_twarc import BadLine, describe
from campaign.tracking.records import (
    Author,
    Observation,
    PostKind,
    Relation,
    mastodon_acct,
    normalise_tag,
    tags_in_text,
    unique,
)

NETWORKS = ("bluesky", "mastodon")
# the documented columns; REQUIRED must all be there, and one of AUTHOR
COLUMNS = ("network", "id", "url", "author_id", "author_handle", "author_name", "created_at",
           "text", "language", "hashtags", "mentions", "links", "reply_to", "repost_of",
           "quote_of", "likes", "reposts", "replies", "quotes", "followers", "following",
           "read_at")
REQUIRED = ("id", "created_at", "text")
AUTHOR = ("author_id", "author_handle")
# other names spreadsheets and tools give the same columns (matched after normalising)
ALIASES = {"uri": "id", "remote_id": "id", "did": "author_id", "acct": "author_id",
           "handle": "author_handle", "username": "author_handle", "lang": "language",
           "createdat": "created_at", "date": "created_at", "tags": "hashtags",
           "display_name": "author_name", "favourites": "likes", "reblogs": "reposts"}
METRIC_COLUMNS = {"likes": "likes", "reposts": "reposts", "replies": "replies",
                  "quotes": "quotes", "impressions": "impressions"}
MAX_COUNT = 2**63 - 1  # the store's count columns (BIGINT)
MAX_ITEMS = 1000  # posts in one JSONL line (a list, a searchPosts response)
_SPLIT = re.compile(r"[\s,]+")


def column_name(header: str) -> str:
    """A header cell as the column it names: case, spaces and punctuation folded, aliases."""
    name = re.sub(r"[^a-z0-9]+", "_", header.strip().lstrip("\ufeff").lower()).strip("_")
    return ALIASES.get(name, name)


def missing_columns(columns: Sequence[str]) -> list[str]:
    """The required columns a header lacks (one of author_id, author_handle counts as one)."""
    missing = [c for c in REQUIRED if c not in columns]
    if not any(c in columns for c in AUTHOR):
        missing.append("author_id or author_handle")
    return missing


# -- CSV rows ---------------------------------------------------------------------------------

def row_post(row: Mapping[str, str], *, network: str | None, read_at: datetime) -> Observation:
    """One CSV row (documented column -> cell) as a post; :class:`BadLine` naming the cell."""
    remote_id = row.get("id", "").strip()
    if not remote_id:
        raise BadLine("'id' is empty: give the post's at:// URI or ActivityPub uri")
    net = row.get("network", "").strip().lower() or network or _guess_network(remote_id)
    if net not in NETWORKS:
        hint = " (X posts import from twarc2 JSONL)" if net in ("x", "twitter") else ""
        raise BadLine(f"network {net!r} is not bluesky or mastodon{hint}" if net else
                      f"cannot tell the network of {remote_id[:80]!r}: add a 'network' column "
                      "or give --network")
    created_at = _moment(row.get("created_at", ""), "created_at")
    text = row.get("text", "")
    tags = row.get("hashtags", "").strip()
    hashtags = unique(normalise_tag(t) for t in _SPLIT.split(tags)) if tags \
        else tags_in_text(text)
    relations = tuple(Relation(kind, target) for kind, column in (
        (PostKind.REPLY, "reply_to"), (PostKind.REPOST, "repost_of"),
        (PostKind.QUOTE, "quote_of")) if (target := row.get(column, "").strip()))
    kinds = {r.kind for r in relations}
    kind = next((k for k in (PostKind.REPOST, PostKind.QUOTE, PostKind.REPLY) if k in kinds),
                PostKind.ORIGINAL)
    metrics = {ours: n for column, ours in METRIC_COLUMNS.items()
               if (n := _count(row.get(column, ""), column)) is not None}
    when = row.get("read_at", "").strip()
    handle = row.get("author_handle", "").strip().lstrip("@")
    author_id = row.get("author_id", "").strip()
    url = row.get("url", "").strip()
    if net == "bluesky":
        from campaign.platforms.bluesky.parse import post_url

        if not remote_id.startswith("at://") or remote_id.count("/") < 4:
            raise BadLine(f"'id' of a Bluesky post is its at:// URI, not {remote_id[:80]!r}")
        author_id = author_id or remote_id[5:].split("/", 1)[0]
        if not author_id.startswith("did:"):
            raise BadLine(f"'author_id' of a Bluesky post is a DID (did:plc:...), not "
                          f"{author_id[:80]!r}")
        url = url or post_url(author_id, remote_id)
        profile = f"https://bsky.app/profile/{author_id}"
    else:
        if urlsplit(remote_id).scheme not in ("http", "https"):
            raise BadLine(f"'id' of a Mastodon post is its ActivityPub uri (https://...), not "
                          f"{remote_id[:80]!r}")
        instance = urlsplit(url or remote_id).netloc
        author_id = mastodon_acct(author_id or handle, instance)
        if "@" not in author_id or not author_id.split("@", 1)[0]:
            raise BadLine(f"'author_id' of a Mastodon post is user@instance, not "
                          f"{author_id[:80]!r}")
        handle = mastodon_acct(handle, instance) if handle else author_id
        url, profile = url or remote_id, ""
    author = Author(net, author_id, handle, row.get("author_name", "").strip(), profile,
                    followers=_count(row.get("followers", ""), "followers"),
                    following=_count(row.get("following", ""), "following"))
    return Observation(
        network=net, remote_id=remote_id, author=author, created_at=created_at, text=text,
        read_at=_moment(when, "read_at") if when else read_at, kind=kind, url=url,
        uri=remote_id, language=row.get("language", "").strip(), hashtags=hashtags,
        mentions=unique(_SPLIT.split(row.get("mentions", "").strip())),
        links=unique(row.get("links", "").split()), relations=relations, metrics=metrics,
        raw={k: v for k, v in row.items() if v != ""})


def _guess_network(remote_id: str) -> str:
    if remote_id.startswith("at://"):
        return "bluesky"
    if remote_id.startswith(("https://", "http://")):
        return "mastodon"
    return ""


def _moment(value: str, column: str) -> datetime:
    text = value.strip()
    if not text:
        raise BadLine(f"'{column}' is empty: give an ISO 8601 time, e.g. 2021-06-12T08:00:00Z")
    try:
        moment = datetime.fromisoformat(text[:40])
    except ValueError:
        raise BadLine(f"'{column}' is not an ISO 8601 time: {text[:40]!r} (write e.g. "
                      "2021-06-12T08:00:00Z)") from None
    if moment.tzinfo is None:
        raise BadLine(f"'{column}' {text[:40]!r} has no UTC offset: write e.g. "
                      "2021-06-12T08:00:00Z or +02:00")
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadLine(f"'{column}' is out of range: {text[:40]!r}") from None


def _count(value: str, column: str) -> int | None:
    text = value.strip()
    if not text:
        return None  # not said, which is not zero
    digits = re.sub(r"[ ,'_\u00a0\u202f]", "", text)
    if not digits.isascii() or not digits.isdigit():
        raise BadLine(f"'{column}' is not a whole number: {text[:40]!r}")
    number = int(digits[:12])
    return number if number <= MAX_COUNT else None


# -- JSONL lines ------------------------------------------------------------------------------

def jsonl_kind(obj: Any) -> tuple[str, str] | None:
    """(network, what it is) of a JSONL line of posts, or None when it is none of ours."""
    if isinstance(obj, list):
        return jsonl_kind(obj[0]) if obj else None
    if not isinstance(obj, Mapping):
        return None
    if isinstance(obj.get("posts"), list):  # a saved searchPosts response
        found = jsonl_kind(obj["posts"])
        return ("bluesky", "Bluesky searchPosts responses") if found else None
    uri = obj.get("uri")
    if isinstance(uri, str) and uri.startswith("at://") and isinstance(obj.get("record"), Mapping):
        if isinstance(obj.get("author"), Mapping):
            return "bluesky", "Bluesky post views"
        if isinstance(obj.get("did"), str):
            return "bluesky", "Bluesky records ({did, uri, record})"
    if isinstance(obj.get("did"), str) and "time_us" in obj and "kind" in obj:
        return "bluesky", "Jetstream events"
    if isinstance(obj.get("account"), Mapping) and "uri" in obj and "created_at" in obj \
            and ("content" in obj or "reblog" in obj):
        return "mastodon", "Mastodon statuses"
    return None


class PostLines:
    """Reads one parsed JSONL line (one post, a list of them, or a searchPosts response) into
    posts and problems; raises :class:`BadLine` for a line with nothing readable."""

    def __init__(self, read_at: datetime, network: str | None) -> None:
        from campaign.platforms.bluesky.parse import BadRecord, post_view, record_post
        from campaign.platforms.mastodon.parse import BadStatus, status_post

        self._read_at, self._network = read_at, network
        self._post_view, self._record_post, self._status_post = post_view, record_post, status_post
        self._bad: tuple[type[Exception], ...] = (BadRecord, BadStatus, BadLine)

    def __call__(self, obj: Any) -> tuple[list[Observation], list[str], list[str]]:
        """(posts, problems, API errors) of one line (the last always empty here)."""
        if isinstance(obj, Mapping) and isinstance(obj.get("posts"), list):
            obj = obj["posts"]
        if not isinstance(obj, list):
            post = self._one(obj)
            return ([post] if post else []), [], []
        posts, problems = [], []
        for index, item in enumerate(obj[:MAX_ITEMS]):
            try:
                post = self._one(item)
            except BadLine as exc:
                problems.append(f"item {index + 1}: {exc}")
            else:
                if post:
                    posts.append(post)
        if len(obj) > MAX_ITEMS:
            problems.append(f"{len(obj) - MAX_ITEMS} items past the first {MAX_ITEMS} skipped")
        return posts, problems, []

    def _one(self, item: Any) -> Observation | None:
        found = jsonl_kind(item) if isinstance(item, Mapping) else None
        if found is None:
            raise BadLine(f"not a Bluesky post or Mastodon status but {describe(item)}")
        network, what = found
        if self._network and network != self._network:
            raise BadLine(f"one of the {what}, but --network {self._network} was given")
        try:
            if network == "mastodon":
                return self._status_post(item, instance=_instance(item), read_at=self._read_at)
            if "author" in item:
                return self._post_view(item, read_at=self._read_at)
            if "commit" in item:
                return self._commit(item)
            return self._record_post(did=item["did"], uri=item["uri"], record=item["record"],
                                     read_at=self._read_at, handle=_text(item.get("handle")),
                                     cid=_text(item.get("cid")))
        except self._bad as exc:
            raise BadLine(str(exc)) from None

    def _commit(self, event: Mapping[str, Any]) -> Observation | None:
        """A Jetstream event: a created post is one; other events (likes, deletes) are none."""
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, Mapping) \
                or commit.get("operation") != "create" \
                or commit.get("collection") != "app.bsky.feed.post":
            return None
        record = commit.get("record")
        if not isinstance(record, Mapping):
            raise BadLine("a Jetstream create event without a record")
        did = _text(event.get("did"))
        return self._record_post(did=did, uri=f"at://{did}/app.bsky.feed.post/"
                                 f"{_text(commit.get('rkey'))}", record=record,
                                 read_at=self._read_at, cid=_text(commit.get("cid")))


def _instance(status: Mapping[str, Any]) -> str:
    """The instance that served an archived status: an ``instance`` key when the line has one
    (our own addition), else the host of its account's (or its own) web address."""
    given = status.get("instance")
    if isinstance(given, str) and given:
        return given
    account = status.get("account")
    for value in (account.get("url") if isinstance(account, Mapping) else None,
                  status.get("url"), status.get("uri")):
        if isinstance(value, str) and urlsplit(value).netloc:
            return f"https://{urlsplit(value).netloc}"
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
