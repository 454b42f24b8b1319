"""The tracking store on SQLite and PostgreSQL: idempotent inserts, metrics kept newest, authors'
history, checkpoints saved with their page, runs logged."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from campaign.tracking.models import AUTHORS, POSTS
from campaign.tracking.records import Observation, Page, PostKind, Relation
from campaign.tracking.store import RunStatus, TrackStore
from tests.tracking.conftest import T0


def test_a_post_seen_twice_is_stored_once(tracks: TrackStore,
                                          post: Callable[..., Observation]) -> None:
    first = tracks.save_posts("a", [post(1), post(2)])
    again = tracks.save_posts("b", [post(1), post(2), post(3)])
    assert (first.stored, first.updated) == (2, 0)
    assert (again.stored, again.updated) == (1, 2)
    assert tracks.count_posts() == 3
    assert tracks.post("x", "1")["source"] == "a"  # the first source to see it


def test_metrics_only_grow_and_keep_the_latest_reading_time(
        tracks: TrackStore, post: Callable[..., Observation]) -> None:
    tracks.save_posts("a", [post(1, metrics={"likes": 5}, read_at=T0)])
    tracks.save_posts("a", [post(1, metrics={"likes": 3}, read_at=T0 - timedelta(hours=1))])
    row = tracks.post("x", "1")
    assert (row["likes"], row["metrics_at"]) == (5, T0)
    tracks.save_posts("a", [post(1, metrics={"likes": 9, "reposts": 2},
                                 read_at=T0 + timedelta(hours=1))])
    row = tracks.post("x", "1")
    assert (row["likes"], row["reposts"], row["replies"]) == (9, 2, None)


def test_a_later_reading_from_an_instance_that_saw_less_sets_nothing_back(
        tracks: TrackStore, post: Callable[..., Observation]) -> None:
    """Mastodon: the origin counts 50 likes; an instance it federated to saw 3 of them."""
    tracks.save_posts("origin", [post(1, network="mastodon", metrics={"likes": 50, "reposts": 4})])
    tracks.save_posts("remote", [post(1, network="mastodon", metrics={"likes": 3, "reposts": 6},
                                      read_at=T0 + timedelta(minutes=5))])
    row = tracks.post("mastodon", "1")
    assert (row["likes"], row["reposts"]) == (50, 6)
    assert row["metrics_at"] == T0 + timedelta(minutes=5)


def test_hashtags_relations_and_kinds_are_kept(tracks: TrackStore,
                                               post: Callable[..., Observation]) -> None:
    tracks.save_posts("a", [post(1, tags=("endchildlabour2021", "labourday"),
                                 kind=PostKind.QUOTE,
                                 relations=(Relation(PostKind.QUOTE, "99"),))])
    row = tracks.post("x", "1")
    assert row["hashtags"] == ["endchildlabour2021", "labourday"]
    assert (row["kind"], row["quote_of"], row["reply_to"]) == ("quote", "99", None)


def test_an_author_s_changes_are_kept_as_history(tracks: TrackStore,
                                                post: Callable[..., Observation]) -> None:
    from sqlalchemy import select

    from campaign.tracking.models import AUTHOR_HISTORY, AUTHORS

    tracks.save_posts("a", [post(1, followers=10)])
    tracks.save_posts("a", [post(2, followers=10, read_at=T0 + timedelta(minutes=1))])
    tracks.save_posts("a", [post(3, handle="alice2", followers=12,
                                 read_at=T0 + timedelta(minutes=2))])
    with tracks._connection() as conn:
        author = conn.execute(select(AUTHORS)).mappings().one()
        history = conn.execute(select(AUTHOR_HISTORY.c.handle, AUTHOR_HISTORY.c.followers)
                               .order_by(AUTHOR_HISTORY.c.read_at)).all()
    assert (author["handle"], author["followers"]) == ("alice2", 12)
    assert [tuple(h) for h in history] == [("alice", 10), ("alice2", 12)]


def test_a_checkpoint_moves_with_its_page_and_runs_are_logged(
        tracks: TrackStore, post: Callable[..., Observation]) -> None:
    run = tracks.start_run("x-search:h", "x")
    tracks.save_page("x-search:h", Page([post(1)], ("#t", {"since_id": "1"}), read=3, bad=1,
                                        problems=("line 2: not JSON",)), run)
    assert tracks.checkpoints("x-search:h") == {"#t": {"since_id": "1"}}
    done = tracks.finish_run(run, RunStatus.OK)
    assert (done.read, done.stored, done.bad, done.problems) == (3, 1, 1, ("line 2: not JSON",))
    status = tracks.status()
    assert status.posts == {"x": 1}
    (source,) = status.sources
    assert (source.source, source.posts, source.bad) == ("x-search:h", 1, 1)
    assert source.last_run is not None and source.last_run.status is RunStatus.OK


def test_a_stale_running_run_is_closed_as_interrupted(tracks: TrackStore) -> None:
    killed = tracks.start_run("s", "x", now=T0)
    tracks.start_run("s", "x", now=T0 + timedelta(hours=1))
    assert tracks.run(killed).status is RunStatus.INTERRUPTED


@pytest.mark.parametrize("size", [1, 1200])
def test_large_pages_are_stored_in_batches(tracks: TrackStore, post: Callable[..., Observation],
                                           size: int) -> None:
    posts = [post(i, author=str(i % 7)) for i in range(size)]
    assert tracks.save_posts("a", posts).stored == size
    assert tracks.save_posts("a", posts).updated == size
    assert tracks.count_posts() == size


def test_rows_are_written_in_the_order_of_their_key(tracks: TrackStore,
                                                   post: Callable[..., Observation]) -> None:
    # (the order two processes lock rows in: the same for both, so neither deadlocks)
    tracks.save_posts("a", [post(3, author="c"), post(1, author="a"), post(2, author="b")])
    with tracks._connection() as conn:
        posts = conn.execute(select(POSTS.c.remote_id).order_by(POSTS.c.id)).scalars().all()
        authors = conn.execute(select(AUTHORS.c.author_id).order_by(AUTHORS.c.id)).scalars().all()
    assert (list(posts), list(authors)) == (["1", "2", "3"], ["a", "b", "c"])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_storing_overlapping_pages_at_once_never_deadlock(
        tracks: TrackStore, post: Callable[..., Observation]) -> None:
    import threading

    tracks.save_posts("w", [post(0)])  # the author exists: only the posts' rows are locked
    errors: list[Exception] = []

    def store(reverse: bool) -> None:
        other = TrackStore(tracks.url)  # a connection of its own, as another process has
        try:
            for page in range(40):
                ids = range(1 + page * 200, 1 + page * 200 + 300)  # overlapping the next page
                try:
                    other.save_posts(f"s{reverse}",
                                     [post(n) for n in (reversed(ids) if reverse else ids)])
                except Exception as exc:  # whatever escapes is the finding
                    errors.append(exc)
        finally:
            other.close()

    threads = [threading.Thread(target=store, args=(r,)) for r in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert tracks.count_posts() == 1 + 39 * 200 + 300


@pytest.mark.parametrize(("text", "tags"), [
    pytest.param("#EndChildLabour2021 and #endchildlabour2021, #ＥｎｄＣｈｉｌｄＬａｂｏｕｒ2021",
                 ("endchildlabour2021",), id="one-tag-whatever-its-case-or-width"),
    # vowel signs and viramas are marks (\p{M}): every network keeps them in the tag
    pytest.param("रोकें #बालश्रम अब", ("बालश्रम",), id="hindi"),
    pytest.param("#শিশুশ্রম বন্ধ", ("শিশুশ্রম",), id="bengali"),
    pytest.param("#แรงงานเด็ก", ("แรงงานเด็ก",), id="thai"),
    pytest.param("#2021 #_ a#b &#39; https://a.example/#frag", (), id="no-tags"),
    pytest.param("(#LabourDay) #Children_s_Day", ("labourday", "children_s_day"),
                 id="brackets-and-underscores"),
])
def test_hashtags_in_text(text: str, tags: tuple[str, ...]) -> None:
    from campaign.tracking.records import tags_in_text

    assert tags_in_text(text) == tags


def test_values_past_the_columns_never_fail_a_page(tracks: TrackStore,
                                                   post: Callable[..., Observation]) -> None:
    # PostgreSQL refuses a value longer than its column or a count past its integer: one such
    # post (a 512-character record key, a hostile instance's names and counts) would fail its
    # page at every run, the checkpoint never passing it
    from dataclasses import replace

    from campaign.tracking.records import Author

    long_id = replace(post(1), remote_id="at://did:plc:a/app.bsky.feed.post/" + "k" * 512)
    loud = replace(post(2, metrics={"likes": 2**40}),
                   author=Author("x", "2", "b" * 400, "d" * 400, followers=2**70))
    run_id = tracks.start_run("s", "x")
    saved = tracks.save_page("s", Page([long_id, loud, post(3)], ("st", {"n": 1})), run_id)

    assert (saved.stored, saved.refused) == (2, 1)
    kept = tracks.post("x", "2")
    assert kept is not None and kept["likes"] == 2**40 and len(kept["author_handle"]) == 300
    assert tracks.checkpoints("s") == {"st": {"n": 1}}
    run = tracks.run(run_id)
    assert run.bad == 1 and "longer than the store keeps" in run.problems[0]


def test_a_run_whose_process_stopped_beating_shows_as_interrupted(tracks: TrackStore) -> None:
    tracks.start_run("killed", "x", now=T0)  # its process was killed: no finish, no heartbeat
    (source,) = tracks.status().sources
    assert source.last_run is not None
    assert (source.last_run.status, source.last_run.finished_at) == (RunStatus.INTERRUPTED, T0)
    assert "killed?" in source.last_run.message


@pytest.mark.parametrize("raw", [
    pytest.param({"id": "1", "nested": [{"a": 1.5, "b": None}], "text": "école ✊"}, id="plain"),
    pytest.param({1: "a key that is no string"}, id="int-key"),
    pytest.param({"count": 2**70}, id="integer-past-64-bits"),
    pytest.param({"seen": T0}, id="datetime-through-str"),
])
def test_the_raw_record_is_kept_as_the_json_module_writes_it(
        tracks: TrackStore, post: Callable[..., Observation], raw: dict[Any, Any]) -> None:
    # orjson writes what it can, the json module the rest: the same text either way
    from dataclasses import replace

    tracks.save_posts("a", [replace(post(1), raw=raw)])
    assert tracks.post("x", "1")["raw"] == json.dumps(raw, ensure_ascii=False,
                                                       separators=(",", ":"), default=str)
