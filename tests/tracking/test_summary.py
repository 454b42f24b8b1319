"""The daily summaries (track_days, track_author_days) are true: after any pages, every row equals
a recount of the stored posts done here in plain SQL, on SQLite and PostgreSQL; migration 0006
fills them the same from posts stored under 0005, and its downgrade drops them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from campaign.tracking.models import AUTHORS, POSTS, TAGS
from campaign.tracking.records import Author, Observation, PostKind
from campaign.tracking.store import TrackStore
from tests.queue.test_migrations import _to

MAX = 2**63 - 1
KINDS = ("original", "reply", "repost", "quote")
METRICS = ("likes", "reposts", "replies", "quotes", "impressions")
LOW = 2**32 - 1
T0 = datetime(2021, 6, 11, 22, 30, tzinfo=UTC)  # posts cross midnight UTC: two days
# each author's followers stay what they are (None: unknown): the recount reads them as last
# stored, the store counts them as read with each post (a change is tested apart)
AUTHORS_OF: dict[str, list[tuple[str, int | None]]] = {"x": [("1", 10), ("2", None), ("3", 5_000)],
              "bluesky": [("did:plc:a", 7), ("did:plc:b", None)],
              "mastodon": [("ann@example.org", 120)]}


# -- the recount ---------------------------------------------------------------------------------
def _sums(columns: Sequence[str]) -> str:
    """Each count split in its high and low 32 bits, so no sum overflows even past a BIGINT
    (the store keeps such a sum as the largest BIGINT: :func:`_join` does the same)."""
    parts = []
    for column in columns:
        value = f"coalesce({column}, 0)"
        parts += [f"sum({value} / 4294967296)", f"sum({value} % 4294967296)"]
    return ", ".join(parts)


def _join(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(min(int(values[i] or 0) * 2**32 + int(values[i + 1] or 0), MAX)
                 for i in range(0, len(values), 2))


def recount(db: TrackStore) -> tuple[dict[tuple[Any, ...], tuple[int, ...]],
                                     dict[tuple[Any, ...], tuple[Any, ...]]]:
    """track_days and track_author_days as the stored posts, their hashtags and their authors
    say they should be: key -> counts (author days: key -> (network, *counts))."""
    day = ("to_char(p.created_at, 'YYYY-MM-DD')" if db.is_postgres
           else "substr(p.created_at, 1, 10)")
    kinds = ", ".join(f"sum(CASE WHEN p.kind = '{k}' THEN 1 ELSE 0 END)" for k in KINDS)
    counts = (f"{kinds}, {_sums([f'p.{m}' for m in METRICS])}, count(p.impressions), "
              f"{_sums(['a.followers'])}")
    days: dict[tuple[Any, ...], tuple[int, ...]] = {}
    authors: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    with db.engine.connect() as conn:
        for tag, join in (("''", ""), ("t.tag", "JOIN tracked_post_tags t ON t.post_ref = p.id")):
            source = f"FROM tracked_posts p JOIN tracked_authors a ON a.id = p.author_ref {join}"
            by = "" if tag == "''" else "t.tag, "
            for row in conn.execute(text(
                    f"SELECT {tag}, {day}, p.network, p.language, {counts} {source} "
                    f"GROUP BY {by}{day}, p.network, p.language")):
                days[(str(row[0]), str(row[1]), str(row[2]), str(row[3]))] = (
                    *(int(v) for v in row[4:8]), *_join(row[8:18]), int(row[18]),
                    *_join(row[19:21]))
            for row in conn.execute(text(
                    f"SELECT {tag}, {day}, p.author_ref, p.language, p.network, {counts} "
                    f"{source} GROUP BY {by}{day}, p.author_ref, p.language, p.network")):
                authors[(str(row[0]), str(row[1]), int(row[2]), str(row[3]))] = (
                    str(row[4]), *(int(v) for v in row[5:9]), *_join(row[9:19]), int(row[19]),
                    *_join(row[20:22]))
    return days, authors


def summaries(db: TrackStore) -> tuple[dict[tuple[Any, ...], tuple[int, ...]],
                                       dict[tuple[Any, ...], tuple[Any, ...]]]:
    """What the summary tables hold, in the recount's shape."""
    names = ("n_original, n_reply, n_repost, n_quote, likes, reposts, replies, quotes, "
             "impressions, measured, audience")
    with db.engine.connect() as conn:
        days = {(str(r[0]), str(r[1]), str(r[2]), str(r[3])): tuple(int(v) for v in r[4:])
                for r in conn.execute(text(
                    f"SELECT tag, day, network, language, {names} FROM track_days"))}
        authors = {(str(r[0]), str(r[1]), int(r[2]), str(r[3])): (str(r[4]),
                                                                  *(int(v) for v in r[5:]))
                   for r in conn.execute(text(f"SELECT tag, day, author_ref, language, network, "
                                              f"{names} FROM track_author_days"))}
    return days, authors


def assert_true(db: TrackStore) -> None:
    """Every summary row equals the recount, and no row is missing or extra."""
    days, authors = summaries(db)
    want_days, want_authors = recount(db)
    assert days == want_days
    assert authors == want_authors


# -- posts --------------------------------------------------------------------------------------
def observed(n: int, network: str = "x", *, author: int = 0, kind: str = "original",
             language: str = "en", tags: tuple[str, ...] = ("endchildlabour2021",),
             minutes: int = 0, metrics: dict[str, int] | None = None,
             read_at: datetime = T0) -> Observation:
    """A post numbered ``n`` by one of its network's authors (their followers fixed)."""
    author_id, followers = AUTHORS_OF[network][author % len(AUTHORS_OF[network])]
    return Observation(
        network=network, remote_id=f"{network}-{n}",
        author=Author(network, author_id, f"h{author_id}", followers=followers),
        created_at=T0 + timedelta(minutes=minutes), text=f"post {n}", read_at=read_at,
        kind=PostKind(kind), language=language, hashtags=tags,
        metrics={"likes": 1} if metrics is None else metrics, raw={"n": n})


def test_summaries_equal_a_recount_after_pages_of_every_shape(tracks: TrackStore) -> None:
    later = T0 + timedelta(hours=5)
    first = [
        observed(1, metrics={"likes": 3, "reposts": 1}),
        observed(2, kind="repost", tags=("endchildlabour2021", "childlabour"), minutes=45),
        observed(3, "bluesky", author=1, kind="reply", language="fr", metrics={}),
        observed(4, "mastodon", kind="quote", language="es", tags=("redcard",), minutes=90),
        observed(5, metrics={"likes": 2**70, "impressions": 2**64}),  # hostile, past a BIGINT
        observed(6, author=1, tags=(), minutes=10),  # no hashtag, followers unknown
        observed(7, metrics={"likes": 9}),
        observed(7, metrics={"likes": 4, "replies": 2}),  # twice in one page: the last wins
        observed(8, "bluesky", language="", tags=("endchildlabour2021", "wdacl")),
    ]
    tracks.save_posts("one", first)
    assert_true(tracks)
    again = [
        observed(1, metrics={"likes": 8, "reposts": 0, "quotes": 2}, read_at=later),  # grows
        observed(7, metrics={"likes": 1}, read_at=later),  # smaller: counts never go back
        observed(2, kind="repost", metrics={"likes": 5, "impressions": 40}, read_at=later),
        observed(5, metrics={"likes": 2**70, "impressions": 2**64}, read_at=later),
        observed(3, "bluesky", author=1, kind="reply", metrics={}, read_at=later),
        observed(9, author=2, language="fr", minutes=200, metrics={"impressions": 0}),
        observed(10, "mastodon", minutes=-30, tags=("redcard", "endchildlabour2021")),
    ]
    tracks.save_posts("two", again)
    assert_true(tracks)
    tracks.save_posts("three", [observed(2, kind="repost", metrics={"impressions": 55},
                                         read_at=later + timedelta(hours=1)),
                                observed(9, author=2, metrics={"impressions": 12},
                                         read_at=later + timedelta(hours=1))])
    assert_true(tracks)
    days, _ = summaries(tracks)
    x_en = days[("", "2021-06-11", "x", "en")]
    assert x_en[4] == MAX  # the hostile count saturates instead of failing or wrapping
    assert sum(sum(v[:4]) for k, v in days.items() if k[0] == "") == tracks.count_posts() == 10


def test_each_post_counts_its_authors_followers_as_read_with_it(tracks: TrackStore) -> None:
    def by(followers: int | None, n: int, at: datetime) -> Observation:
        return Observation(network="x", remote_id=str(n), read_at=at, created_at=T0,
                           author=Author("x", "42", "grace", followers=followers),
                           text="t", hashtags=("endchildlabour2021",))

    tracks.save_posts("a", [by(None, 1, T0)])  # unknown: adds no audience
    tracks.save_posts("a", [by(100, 2, T0 + timedelta(hours=1))])
    tracks.save_posts("a", [by(250, 3, T0 + timedelta(hours=2))])
    tracks.save_posts("a", [by(5, 4, T0 + timedelta(minutes=30))])  # older reading: 250 kept
    days, authors = summaries(tracks)
    assert days[("", "2021-06-11", "x", "")][10] == 0 + 100 + 250 + 250
    assert {k[0]: v[11] for k, v in authors.items()} == {"": 600, "endchildlabour2021": 600}


# random pages: posts drawn from a small pool, so they repeat within and across pages, their
# metrics drawn up and down, impressions coming and going
_post = st.tuples(st.integers(0, 11), st.sampled_from(sorted(AUTHORS_OF)), st.integers(0, 2),
                  st.sampled_from(KINDS), st.sampled_from(("en", "fr", "")),
                  st.lists(st.sampled_from(("endchildlabour2021", "a", "b")), max_size=3,
                           unique=True),
                  st.integers(-120, 120),
                  st.dictionaries(st.sampled_from(METRICS),
                                  st.one_of(st.integers(0, 50), st.just(2**63 + 5)), max_size=4))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pages=st.lists(st.lists(_post, min_size=1, max_size=8), min_size=1, max_size=4))
def test_random_page_sequences_keep_the_summaries_true(
        tracks: TrackStore, pages: list[list[tuple[Any, ...]]]) -> None:
    # the store outlives each example (a function fixture): what it already holds is one more
    # earlier page, and the recount covers it too
    for i, page in enumerate(pages):
        read_at = T0 + timedelta(hours=i) + timedelta(seconds=len(page))
        # a post read again may even say another kind, day, language or hashtags: the stored
        # post keeps its first reading, and so must its summaries
        tracks.save_posts(f"s{i % 2}", [
            observed(n, network, author=author, kind=kind, language=language, tags=tuple(tags),
                     minutes=minutes, metrics=metrics, read_at=read_at)
            for n, network, author, kind, language, tags, minutes, metrics in page])
        assert_true(tracks)


# -- two writers at once ----------------------------------------------------------------------------
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_storing_overlapping_pages_end_with_true_summaries(
        tracks: TrackStore) -> None:
    # every author exists, read later than any page below: the writers never update (and so
    # never lock) an author's row, which would queue one behind the other for the whole page
    for network, authors in AUTHORS_OF.items():
        tracks.save_posts("w", [observed(-i - 1, network, author=i, read_at=T0 + timedelta(
            days=365)) for i in range(len(authors))])
    errors: list[Exception] = []

    def store(second: bool) -> None:
        other = TrackStore(tracks.url)  # a connection of its own, as another process has
        try:
            for page in range(15):
                ids = range(page * 40, page * 40 + 80)  # overlapping the next page, and the other
                read_at = T0 + timedelta(minutes=page * 2 + second)
                try:
                    other.save_posts(f"s{second}", [observed(
                        n, ("x", "bluesky", "mastodon")[n % 3], author=n % 2, kind=KINDS[n % 4],
                        tags=("endchildlabour2021", f"t{n % 5}"), minutes=n % 300,
                        # each writer reads other counts: both grow and shrink the other's
                        metrics={"likes": (n + page) * (3 if second else 1) % 97,
                                 "impressions": page * 10 + n % 7} if n % 3 == 0 else
                        {"likes": page + (n % 11) * (2 if second else 1)},
                        read_at=read_at) for n in (reversed(ids) if second else ids)])
                except Exception as exc:  # whatever escapes is the finding
                    errors.append(exc)
        finally:
            other.close()

    threads = [threading.Thread(target=store, args=(s,)) for s in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_true(tracks)


# -- migration 0006 --------------------------------------------------------------------------------
def _fill_0005(url: str) -> None:
    """Authors, posts and hashtags as a database tracked under 0005 holds them (no summaries)."""
    engine = create_engine(url)
    at = datetime(2021, 6, 1, tzinfo=UTC)
    authors = [{"id": i + 1, "network": n, "author_id": f"old{i}", "handle": f"h{i}",
                "display_name": "", "url": "", "followers": f, "following": None, "posts": None,
                "read_at": at, "first_seen_at": at}
               for i, (n, f) in enumerate([("x", 10), ("x", None), ("bluesky", MAX),
                                           ("mastodon", 3)])]
    posts, tags = [], []
    for i in range(60):
        posts.append({
            "id": i + 1, "network": authors[i % 4]["network"], "remote_id": str(i), "uri": "",
            "url": "", "author_ref": i % 4 + 1, "author_handle": "h", "text": "t",
            "created_at": datetime(2021, 6, 11, 20, tzinfo=UTC) + timedelta(hours=i),
            "language": ("en", "fr", "es", "")[i % 4 if i % 3 else 0], "kind": KINDS[i % 4],
            "reply_to": None, "repost_of": None, "quote_of": None,
            "likes": MAX if i == 7 else (i % 5 or None), "reposts": i % 3, "replies": None,
            "quotes": 1, "impressions": i * 10 if i % 2 else None, "metrics_at": at,
            "mentions": "[]", "links": "[]", "raw": "{}", "source": "old", "first_seen_at": at})
        for tag in ("endchildlabour2021", "wdacl", "x")[: i % 4]:
            tags.append({"post_ref": i + 1, "tag": tag, "created_at": posts[-1]["created_at"]})
    with engine.begin() as conn:
        conn.execute(AUTHORS.insert(), authors)
        conn.execute(POSTS.insert(), posts)
        conn.execute(TAGS.insert(), tags)
        if url.startswith("postgresql"):  # ids given: move the sequences past them
            for table in ("tracked_authors", "tracked_posts"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    engine.dispose()


def test_0006_fills_the_summaries_from_posts_stored_under_0005(database_url: str) -> None:
    db = TrackStore(database_url)
    _to(db, "0005")
    _fill_0005(database_url)
    _to(db, "0006")
    days, authors = summaries(db)
    assert len(days) > 10 and len(authors) > 10
    assert_true(db)
    # and from there the store keeps them true
    db.save_posts("new", [observed(1), observed(2, "bluesky", author=1, kind="quote")])
    assert_true(db)
    _to(db, "0005", down=True)
    names = set(inspect(db.engine).get_table_names())
    assert not {"track_days", "track_author_days", "amplify_decisions"} & names
    assert "tracked_posts" in names
    db.close()
