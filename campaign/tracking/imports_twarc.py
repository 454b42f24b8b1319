"""twarc2 JSONL lines, as :mod:`campaign.tracking.imports` reads them.

twarc2 writes one X API v2 response per line: a search page (``data`` list, ``includes``,
``meta``, ``__twarc``), a stream line (``data`` one tweet, ``includes``, ``matching_rules``), or
what the API said instead of tweets (``errors``). A counts file (``twarc2 counts``) holds count
buckets (``start``, ``end``, ``tweet_count``), not tweets. Tweets become posts through X's own
parser (:func:`campaign.platforms.x.parse.page_posts`): posts from ``data`` only, the tweets of
``includes`` kept as relations.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from campaign.tracking.records import Observation

MAX_NOTE = 200  # characters of one API error kept in a report
# tweets in one line's `data`: X returns at most 500 a page (full-archive search); more is not
# an API response, and each post parsed costs ~1.5 kB (a line's posts are held until stored)
MAX_TWEETS = 1000
COUNTS_SENTENCE = ("is a twarc2 counts file (tweet counts per period), not posts: import a "
                   "search or stream archive")


class BadLine(ValueError):
    """A line (or CSV record) that holds no readable posts; the message says why."""


def is_counts(obj: Mapping[str, Any]) -> bool:
    """Whether a response is a counts page: buckets with ``tweet_count``, not tweets."""
    meta = obj.get("meta")
    if isinstance(meta, Mapping) and "total_tweet_count" in meta:
        return True
    data = obj.get("data")
    return (isinstance(data, list) and bool(data) and isinstance(data[0], Mapping)
            and "tweet_count" in data[0] and "id" not in data[0])


def twarc_kind(obj: Any) -> str | None:
    """``counts``, ``twarc2`` (a search page, stream line or error line), or None."""
    if not isinstance(obj, Mapping):
        return None
    if is_counts(obj):
        return "counts"
    data = obj.get("data")
    envelope = any(k in obj for k in ("includes", "meta", "__twarc", "matching_rules"))
    if isinstance(data, list | Mapping) and (envelope or _tweet_like(data)):
        return "twarc2"
    if "data" not in obj and isinstance(obj.get("errors"), list) and obj["errors"]:
        return "twarc2"
    return None


def _tweet_like(data: Any) -> bool:
    first = data[0] if isinstance(data, list) and data else data
    return isinstance(first, Mapping) and "id" in first and "text" in first


class TwarcLines:
    """Reads one parsed twarc2 line into posts, problems (tweets that could not be read) and
    the API's errors; raises :class:`BadLine` for a line that is not a twarc2 response."""

    def __init__(self, fallback_read_at: datetime) -> None:
        from campaign.platforms.x.parse import page_posts

        self._page_posts = page_posts
        self._fallback = fallback_read_at
        self._stamp: Any = None
        self._read_at = fallback_read_at

    def __call__(self, obj: Any) -> tuple[list[Observation], list[str], list[str]]:
        """(posts, problems, API errors) of one line."""
        if not isinstance(obj, dict):
            raise BadLine(f"a JSON {_json_type(obj)}, not a twarc2 response object")
        errors = obj.get("errors")
        notes = api_errors(errors) if errors else []
        if "data" not in obj:
            if notes:
                return [], [], notes
            raise BadLine(f"no 'data' nor 'errors': {describe(obj)}")
        if is_counts(obj):
            raise BadLine("a counts page (tweet counts per period), not posts")
        data = obj["data"]
        if isinstance(data, list) and len(data) > MAX_TWEETS:
            raise BadLine(f"{len(data):,} tweets in one 'data' list, not an X API response (X "
                          f"returns at most 500 a page): skipped")
        posts, problems = self._page_posts(obj, read_at=self._when(obj))
        return posts, problems, notes

    def _when(self, obj: Mapping[str, Any]) -> datetime:
        """When the metrics were read: twarc's ``__twarc.retrieved_at`` (one parse per new
        value: a file's lines mostly share a few)."""
        meta = obj.get("__twarc")
        stamp = meta.get("retrieved_at") if isinstance(meta, Mapping) else None
        if stamp != self._stamp:
            self._stamp = stamp
            self._read_at = _moment(stamp) or self._fallback
        return self._read_at


def api_errors(errors: Any) -> list[str]:
    """One sentence per error object the API returned (title: detail), bounded."""
    if not isinstance(errors, list):
        return [f"'errors' is a {_json_type(errors)}, not a list"]
    notes = []
    for error in errors:
        if isinstance(error, Mapping):
            title = str(error.get("title") or error.get("type") or "error")
            detail = str(error.get("detail") or error.get("message") or "")
            note = f"{title}: {detail}" if detail else title
        else:
            note = str(error)
        notes.append(note if len(note) <= MAX_NOTE else note[:MAX_NOTE - 1] + "…")
    return notes


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value[:40])
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _json_type(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def describe(value: Any) -> str:
    """What a JSON value looks like, in a few words (its type, an object's first keys)."""
    if isinstance(value, Mapping):
        keys = [str(k)[:30] for k in list(value)[:8]]
        more = ", ..." if len(value) > 8 else ""
        return f"an object with the keys {', '.join(keys)}{more}" if keys else "an empty object"
    if isinstance(value, list):
        inner = f" of {describe(value[0])}" if value else ""
        return f"a list{inner}" if value else "an empty list"
    return f"a {_json_type(value)}"
