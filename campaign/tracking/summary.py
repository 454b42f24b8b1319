"""The daily summaries reports read (``track_days``, ``track_author_days``), kept up to date in
the transaction that stores the posts.

A report over a year of a million posts cannot read the posts themselves in a couple of seconds
(each row carries its text and raw record), so every stored post also adds to two narrow
tables: its day, network and language (the time charts and totals), and its day, author and
language (contributors, reach, pledgers). Each is kept for every post (``tag`` '') and again for
each of its hashtags, so a report filtered to one hashtag reads the same tables.

Counts only grow, as the posts' own do: a post seen again with more likes adds the difference
to its rows. Rows are added through ``INSERT ... ON CONFLICT DO UPDATE`` in key order, so two
collectors on one PostgreSQL wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, or_, select

from campaign.tracking.models import AUTHOR_DAYS, COUNTS, DAYS, POSTS, TAGS
from campaign.tracking.records import Observation, PostKind

if TYPE_CHECKING:
    from campaign.tracking.store import TrackStore

METRICS = ("likes", "reposts", "replies", "quotes", "impressions")
_KIND_INDEX = {PostKind.ORIGINAL: 0, PostKind.REPLY: 1, PostKind.REPOST: 2, PostKind.QUOTE: 3}
_KIND_NAMES = {kind.value: index for kind, index in _KIND_INDEX.items()}
DAY_KEYS = ("tag", "day", "network", "language")
AUTHOR_KEYS = ("tag", "day", "author_ref", "language")
# a post's summary row: 4 kinds, 5 metrics, measured, audience
WIDTH = len(COUNTS)
MAX_COUNT = 2**63 - 1  # a BIGINT


def day_of(moment: datetime) -> str:
    """A moment's day in UTC, as the summaries key it: ``YYYY-MM-DD``."""
    if moment.tzinfo is not None and moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


class Summary:
    """Counts to add, gathered per key before they are written (a page's posts of one day and
    language add up to one row)."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, str, str, str], list[int]] = {}
        self.authors: dict[tuple[str, str, int, str], tuple[str, list[int]]] = {}

    def add(self, tags: Iterable[str], day: str, network: str, language: str, author_ref: int,
            counts: Sequence[int]) -> None:
        """Add one post's counts (or a change of them) under every post's rows and its tags'."""
        given = [(i, value) for i, value in enumerate(counts) if value]
        days, authors = self.days, self.authors
        for tag in ("", *tags):
            row = days.get((tag, day, network, language))
            if row is None:
                row = days[(tag, day, network, language)] = [0] * WIDTH
            found = authors.get((tag, day, author_ref, language))
            if found is None:
                found = authors[(tag, day, author_ref, language)] = (network, [0] * WIDTH)
            arow = found[1]
            for i, value in given:
                row[i] = min(row[i] + value, MAX_COUNT)
                arow[i] = min(arow[i] + value, MAX_COUNT)

    def write(self, store: TrackStore, conn: Connection) -> None:
        """Add the gathered counts to the stored rows, in key order."""
        if self.days:
            store._insert_rows(conn, DAYS, (*DAY_KEYS, *COUNTS),
                               [(*key, *self.days[key]) for key in sorted(self.days)],
                               DAY_KEYS, adding=COUNTS)
        if self.authors:
            rows = []
            for key in sorted(self.authors):
                network, counts = self.authors[key]
                rows.append((*key, network, *counts))
            store._insert_rows(conn, AUTHOR_DAYS, (*AUTHOR_KEYS, "network", *COUNTS), rows,
                               AUTHOR_KEYS, adding=COUNTS)
        self.days.clear()
        self.authors.clear()


def new_post_counts(post: Observation, followers: int | None) -> list[int]:
    """What one new post adds: one of its kind, what it received, its impressions (and one
    post measured when its network reported them), its author's followers."""
    counts = [0] * WIDTH
    counts[_KIND_INDEX.get(post.kind, 0)] = 1
    metrics = post.metrics
    for i, name in enumerate(METRICS, start=4):
        value = metrics.get(name)
        if value:
            counts[i] = min(int(value), MAX_COUNT)
    if metrics.get("impressions") is not None:
        counts[9] = 1
    counts[10] = followers or 0
    return counts


def _larger(given: int | None, stored: int | None) -> int | None:
    if given is None:
        return stored
    if stored is None:
        return given
    return max(given, stored)


def add_growth(store: TrackStore, conn: Connection, seen: Sequence[Observation],
               summary: Summary) -> None:
    """Add to ``summary`` what posts stored before and read again now add: the growth of their
    counts (read before the posts' own update, which keeps the larger of each)."""
    wanted = [p for p in seen if p.metrics]
    if not wanted:
        return
    by_network: dict[str, list[str]] = {}
    for p in wanted:
        by_network.setdefault(p.network, []).append(p.remote_id)
    # locked (PostgreSQL), in key order as every write here: another collector refreshing the
    # same posts waits, and its growth is then counted from what this one stored, never twice
    rows = conn.execute(select(
        POSTS.c.id, POSTS.c.network, POSTS.c.remote_id, POSTS.c.author_ref, POSTS.c.created_at,
        POSTS.c.language, *(POSTS.c[m] for m in METRICS)
    ).where(or_(*(and_(POSTS.c.network == n, POSTS.c.remote_id.in_(ids))
                  for n, ids in by_network.items())))
        .order_by(POSTS.c.network, POSTS.c.remote_id).with_for_update()).all()
    stored = {(r[1], r[2]): r for r in rows}
    changes: list[tuple[int, Any, list[int]]] = []
    for p in wanted:
        row = stored.get((p.network, p.remote_id))
        if row is None:
            continue
        delta = [0] * WIDTH
        for i, name in enumerate(METRICS):
            old = row[6 + i]
            new = _larger(_fit(p.metrics.get(name)), old)
            delta[4 + i] = (new or 0) - (old or 0)
        if row[6 + 4] is None and _fit(p.metrics.get("impressions")) is not None:
            delta[9] = 1
        if any(delta):
            changes.append((int(row[0]), row, delta))
    if not changes:
        return
    tags: dict[int, list[str]] = {}
    for post_ref, tag in conn.execute(select(TAGS.c.post_ref, TAGS.c.tag).where(
            TAGS.c.post_ref.in_([c[0] for c in changes]))):
        tags.setdefault(int(post_ref), []).append(str(tag))
    for post_ref, row, delta in changes:
        created = row[4]
        day = created[:10] if isinstance(created, str) else day_of(created)
        summary.add(tags.get(post_ref, ()), day, row[1], row[5], int(row[3]), delta)


def _fit(count: int | None) -> int | None:
    return None if count is None else min(int(count), MAX_COUNT)


def kind_index(kind: str) -> int:
    """The column of a kind of post among the counts (0 original ... 3 quote)."""
    return _KIND_NAMES.get(kind, 0)
