"""The firehose collector against the real PDS: posts made there (by our publisher, and by hand)
reach the store with their hashtags from facets, record tags and text; runs resume from the
stored sequence number with nothing lost or doubled; a handle change keeps the author's DID;
error frames, garbage and an HTML answer are counted or end the run with a clear message."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import libipld
import pytest
from sqlalchemy import select

from campaign.platforms.bluesky.firehose import (
    BadFrame,
    Firehose,
    StreamConfigError,
    StreamError,
    decode_frame,
)
from campaign.tracking.collect import Outcome, collect
from campaign.tracking.models import AUTHORS, POSTS, TAGS
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import RunStatus, Saved, TrackStore
from tests.conftest import SQLITE_ONLY
from tests.servers.jetstream import JetstreamDouble
from tests.servers.pds import LocalPDS, PDSAccount

FAST = {"idle_seconds": 0.3}  # caught up after 0.3 s without an event: keeps each run short


def new_tag() -> str:
    """A hashtag no other test uses (the PDS lives for the whole session)."""
    return f"Ecl{secrets.token_hex(4)}"


def source(kind: str, url: str, *tags: str, **options: Any) -> Any:
    """The collector of a stream source, built as `campaign track` builds it."""
    spec = SourceSpec(kind, url, tuple(t.lower() for t in tags),
                      options={"from_start": True, **FAST, **options})
    return build(spec)


def run(tracks: TrackStore, src: Any, **kwargs: Any) -> Outcome:
    """One collection run, retries without waiting."""
    return collect(tracks, src, sleep=lambda _: None, **kwargs)


def stored(tracks: TrackStore) -> dict[str, dict[str, Any]]:
    """Every stored post by remote id: author DID, the handle it was posted under, hashtags."""
    with tracks._connection() as conn:
        rows = conn.execute(select(POSTS.c.id, POSTS.c.remote_id, POSTS.c.author_handle,
                                   POSTS.c.text, AUTHORS.c.author_id)
                            .join(AUTHORS, AUTHORS.c.id == POSTS.c.author_ref)).mappings().all()
        tags = conn.execute(select(TAGS.c.post_ref, TAGS.c.tag)).all()
    return {r["remote_id"]: {"did": r["author_id"], "handle": r["author_handle"],
                             "text": r["text"],
                             "tags": sorted(t for ref, t in tags if ref == r["id"])}
            for r in rows}


def publish(pds: LocalPDS, account: PDSAccount, text: str) -> str:
    """Post ``text`` with the campaign's Bluesky publisher (facets planned as the queue plans
    them); its at:// URI."""
    from campaign.platforms.base import Claimed
    from campaign.platforms.bluesky.publisher import BlueskyPublisher
    from campaign.platforms.credentials import Secrets
    from campaign.queue.engine import utcnow
    from campaign.text.facets import bluesky_facets, facets_to_atproto

    when = utcnow()
    post = Claimed(
        id=1, idempotency_key=secrets.token_hex(16), post_key="t/e/a/en/bluesky",
        network="bluesky", account_id=1, handle=account.handle, credentials_ref="",
        base_url=pds.url, language="en", text=text, parts=(text,),
        facets=[facets_to_atproto(bluesky_facets(text))], due_at=when, timezone="UTC",
        day_bound=False, deadline_at=None, attempts=1, created_at=when, first_attempt_at=when)
    publisher = BlueskyPublisher(account.handle, Secrets({"app_password": account.app_password}),
                                 pds.url)
    try:
        return publisher.publish(post).remote_id
    finally:
        publisher.close()




@pytest.fixture
def account(local_pds: LocalPDS) -> PDSAccount:
    """A new account on the session's PDS."""
    return local_pds.create_account(f"fh{secrets.token_hex(3)}")


@pytest.fixture(scope="module")
def double(local_pds: LocalPDS) -> Iterator[JetstreamDouble]:
    """A websocket server that can send any frames (here: to the firehose collector)."""
    with JetstreamDouble(local_pds.url) as server:
        yield server


# -- what arrives ---------------------------------------------------------------------------

def test_posts_arrive_with_hashtags_from_facets_record_tags_and_text(
        tracks: TrackStore, local_pds: LocalPDS, account: PDSAccount) -> None:
    tag = new_tag()
    published = publish(local_pds, account, f"Stop child labour now #EndChildLabour2021 #{tag}")
    facet_only = local_pds.create_post(account, "no hash sign in this text", facet_tags=[tag])
    text_only = local_pds.create_post(account, f"written by hand #{tag.upper()} without facets")
    record_tags = local_pds.create_post(account, "tagged in the record", tags=[tag])
    local_pds.create_post(account, "another campaign #SomethingElse")
    local_pds.create_post(account, "no tag at all")

    outcome = run(tracks, source("bluesky-firehose", local_pds.url, tag))

    assert outcome.exit_code == 0 and outcome.run.status is RunStatus.OK
    posts = stored(tracks)
    assert set(posts) == {published, facet_only["uri"], text_only["uri"], record_tags["uri"]}
    assert posts[published]["tags"] == sorted(["endchildlabour2021", tag.lower()])
    for uri in (facet_only["uri"], text_only["uri"], record_tags["uri"]):
        assert posts[uri]["tags"] == [tag.lower()]
    assert {p["did"] for p in posts.values()} == {account.did}
    assert {p["handle"] for p in posts.values()} == {account.handle}  # from #identity events
    assert outcome.run.stored == 4 and outcome.run.bad == 0
    [(stream, state)] = tracks.checkpoints(outcome.run.source).items()
    assert stream == local_pds.url.removeprefix("http://") and state["seq"] > 0
    post = tracks.post("bluesky", published)
    assert post is not None and post["url"].startswith("https://bsky.app/profile/")


def test_a_second_run_reads_only_the_new_events(tracks: TrackStore, local_pds: LocalPDS,
                                                account: PDSAccount) -> None:
    tag = new_tag()
    first = local_pds.create_post(account, f"one #{tag}")
    assert run(tracks, source("bluesky-firehose", local_pds.url, tag)).run.read == 1
    seq = next(iter(tracks.checkpoints(f"bluesky-firehose:{local_pds.url}").values()))["seq"]

    second = local_pds.create_post(account, f"two #{tag}")
    again = run(tracks, source("bluesky-firehose", local_pds.url, tag))

    assert (again.run.read, again.run.stored) == (1, 1)  # the first post was not read again
    assert set(stored(tracks)) == {first["uri"], second["uri"]}
    assert next(iter(tracks.checkpoints(again.run.source).values()))["seq"] > seq


def test_an_interrupted_run_resumes_with_nothing_lost_or_doubled(
        tracks: TrackStore, local_pds: LocalPDS, account: PDSAccount) -> None:
    tag = new_tag()
    run(tracks, source("bluesky-firehose", local_pds.url, tag))  # caught up with the session
    uris = {local_pds.create_post(account, f"post {n} #{tag}")["uri"] for n in range(5)}
    stopping = threading.Event()

    def stop_after_posts(page: Page, saved: Saved, totals: Any) -> None:
        if page.posts:
            stopping.set()  # as SIGTERM does, right after a page holding posts was stored

    first = run(tracks, source("bluesky-firehose", local_pds.url, tag, batch_events=2),
                stopping=stopping, on_page=stop_after_posts)
    assert first.run.status is RunStatus.INTERRUPTED and first.exit_code == 0
    assert 1 <= first.run.stored < 5

    rest = run(tracks, source("bluesky-firehose", local_pds.url, tag, batch_events=2))

    assert set(stored(tracks)) == uris
    assert first.run.read + rest.run.read == 5  # each post read exactly once over both runs
    assert first.run.stored + rest.run.stored == 5


def test_a_handle_change_keeps_the_author_id(tracks: TrackStore, local_pds: LocalPDS,
                                             account: PDSAccount) -> None:
    tag = new_tag()
    before = local_pds.create_post(account, f"before #{tag}")
    renamed = f"rn{secrets.token_hex(3)}.test"
    local_pds.update_handle(account, renamed)
    after = local_pds.create_post(account, f"after #{tag}")

    run(tracks, source("bluesky-firehose", local_pds.url, tag))

    posts = stored(tracks)
    assert posts[before["uri"]]["did"] == posts[after["uri"]]["did"] == account.did
    assert (posts[before["uri"]]["handle"], posts[after["uri"]]["handle"]) == \
        (account.handle, renamed)
    with tracks._connection() as conn:
        authors = conn.execute(select(AUTHORS.c.author_id, AUTHORS.c.handle)).all()
    assert [tuple(a) for a in authors] == [(account.did, renamed)]  # one author, handle now


def test_a_first_run_starts_live_unless_told_to_start_from_the_oldest_event() -> None:
    # (a live start is not tested end to end: the PDS also sends, on connecting, the events it
    # had not yet broadcast, so "the posts just made" may or may not be live)
    live = Firehose(SourceSpec("bluesky-firehose", "wss://bsky.network", ("x",)))
    oldest = Firehose(SourceSpec("bluesky-firehose", "wss://bsky.network", ("x",),
                                 options={"from_start": True}))
    assert (live.query(None), oldest.query(None)) == ({}, {"cursor": 0})
    assert live.query({"seq": 42}) == oldest.query({"seq": 42}) == {"cursor": 42}


# -- bad frames and bad hosts ---------------------------------------------------------------

def frame(header: dict[str, Any], body: dict[str, Any]) -> bytes:
    """A subscription frame: two DAG-CBOR objects back to back."""
    return bytes(libipld.encode_dag_cbor(header)) + bytes(libipld.encode_dag_cbor(body))


ERROR = frame({"op": -1}, {"error": "FutureCursor", "message": "Cursor in the future."})
IDENTITY = frame({"op": 1, "t": "#identity"}, {"did": "did:plc:abc", "seq": 7, "handle": "a.test",
                                               "time": "2021-06-12T07:30:00Z"})


def test_decoding_one_frame() -> None:
    handles: dict[str, str] = {}
    assert decode_frame(IDENTITY, wanted=frozenset({"x"}), handles=handles).position == 7
    assert handles == {"did:plc:abc": "a.test"}
    with pytest.raises(StreamError, match="FutureCursor: Cursor in the future"):
        decode_frame(ERROR, wanted=frozenset({"x"}), handles=handles)
    for garbage in (b"\xff\x00garbage", "a text frame", b""):
        with pytest.raises(BadFrame):
            decode_frame(garbage, wanted=frozenset({"x"}), handles=handles)
    bad_commit = frame({"op": 1, "t": "#commit"}, {"seq": 9, "repo": "did:plc:abc", "blocks": b"x",
                                                   "ops": [{"action": "create", "cid": b"\x01",
                                                            "path": "app.bsky.feed.post/3k"}]})
    with pytest.raises(BadFrame, match="not a CAR") as caught:
        decode_frame(bad_commit, wanted=frozenset({"x"}), handles=handles)
    assert caught.value.position == 9  # the checkpoint still moves past it


@SQLITE_ONLY
def test_garbage_is_counted_and_an_error_frame_ends_the_run_clearly(
        tracks: TrackStore, double: JetstreamDouble) -> None:
    double.inject("frames", frames=[b"\xff\xfe not cbor", IDENTITY, ERROR])
    outcome = run(tracks, source("bluesky-firehose", double.url, "x"))

    assert outcome.exit_code == 1 and outcome.run.status is RunStatus.FAILED
    assert outcome.run.message.startswith(f"Bluesky firehose at 127.0.0.1:{double.port} ")
    assert "FutureCursor" in outcome.run.message and "reset this source's checkpoint" in \
        outcome.run.message
    assert outcome.run.bad == 1 and "not DAG-CBOR" in outcome.run.problems[0]
    # what came before the error frame is kept: the identity event's seq
    assert tracks.checkpoints(outcome.run.source) == {f"127.0.0.1:{double.port}": {"seq": 7}}


@SQLITE_ONLY
def test_an_unreachable_host_fails_after_retries(tracks: TrackStore) -> None:
    outcome = run(tracks, source("bluesky-firehose", "ws://127.0.0.1:9", "x"))
    assert outcome.exit_code == 1
    assert "Bluesky firehose at 127.0.0.1:9 could not be reached" in outcome.run.message


@pytest.mark.parametrize(("url", "tags", "problem"), [
    pytest.param("ftp://relay.example", ("x",), "is not a ws://", id="not-a-stream-url"),
    pytest.param("wss://bsky.network", (), "name at least one hashtag", id="no-hashtag"),
])
def test_a_source_that_cannot_read_says_why(url: str, tags: tuple[str, ...], problem: str) -> None:
    with pytest.raises(StreamConfigError, match=problem):
        Firehose(SourceSpec("bluesky-firehose", url, tags))


def test_addresses_become_the_subscription_url() -> None:
    for given in ("https://bsky.network", "wss://bsky.network/",
                  "wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"):
        firehose = Firehose(SourceSpec("bluesky-firehose", given, ("x",)))
        assert firehose.url == "wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"
        assert (firehose.stream, firehose.network) == ("bsky.network", "bluesky")


# -- hostile frames -------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = b""
    while n > 0x7F:
        out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
    return out + bytes([n])


def commit_of(record: bytes, cid: Any = None, seq: int = 9) -> bytes:
    """A #commit frame creating one post whose block is ``record`` (DAG-CBOR bytes) in a valid
    CAR; ``cid`` replaces the operation's CID."""
    import hashlib

    block_cid = b"\x01\x71\x12\x20" + hashlib.sha256(record).digest()
    link = b"\xd8\x2a\x58" + bytes([len(block_cid) + 1]) + b"\x00" + block_cid  # CBOR tag 42
    header = b"\xa2" + bytes(libipld.encode_dag_cbor("roots")) + b"\x81" + link + \
        bytes(libipld.encode_dag_cbor("version")) + bytes(libipld.encode_dag_cbor(1))
    car = _varint(len(header)) + header + _varint(len(block_cid) + len(record)) + block_cid + \
        record
    return frame({"op": 1, "t": "#commit"}, {
        "seq": seq, "repo": "did:plc:abc", "time": "2021-06-12T07:30:00Z", "blocks": car,
        "ops": [{"action": "create", "path": "app.bsky.feed.post/3k",
                 "cid": block_cid if cid is None else cid}]})


def _deep_record(depth: int) -> bytes:
    """A post with the wanted hashtag and an embed nested ``depth`` arrays deep (keys in
    DAG-CBOR's order)."""
    def enc(value: Any) -> bytes:
        return bytes(libipld.encode_dag_cbor(value))

    return b"\xa4" + enc("text") + enc("#x") + enc("$type") + enc("app.bsky.feed.post") + \
        enc("embed") + b"\x81" * depth + b"\x01" + enc("createdAt") + \
        enc("2021-06-12T07:30:00Z")


HOSTILE = [
    pytest.param(bytes(libipld.encode_dag_cbor(1)) + bytes(libipld.encode_dag_cbor({"seq": 1})),
                 id="header-not-a-map"),
    pytest.param(bytes(libipld.encode_dag_cbor({"op": 1, "t": "#commit"}))
                 + bytes(libipld.encode_dag_cbor([1, 2])), id="body-not-a-map"),
    pytest.param(bytes(libipld.encode_dag_cbor({"op": 1, "t": "#commit"})) + b"\x81" * 100_000
                 + b"\x01", id="nested-past-any-limit"),
    pytest.param(commit_of(bytes(libipld.encode_dag_cbor(
        {"text": "#x", "createdAt": "2021-06-12T07:30:00Z"})), cid=[1, 2]), id="cid-a-list"),
    pytest.param(commit_of(_deep_record(900)), id="record-nested-900-deep"),
]


@pytest.mark.parametrize("data", HOSTILE)
def test_a_hostile_frame_is_a_bad_frame_or_a_problem_never_an_exception(data: bytes) -> None:
    try:
        event = decode_frame(data, wanted=frozenset({"x"}), handles={})
    except BadFrame:
        return
    assert event.problems and not event.posts


@SQLITE_ONLY
def test_hostile_frames_are_counted_and_the_stream_goes_on(
        tracks: TrackStore, double: JetstreamDouble) -> None:
    double.inject("frames", frames=[bytes(p.values[0]) for p in HOSTILE]  # type: ignore[call-overload]
                  + [IDENTITY])
    outcome = run(tracks, source("bluesky-firehose", double.url, "x"))

    assert outcome.exit_code == 0 and outcome.run.bad == len(HOSTILE)
    assert tracks.checkpoints(outcome.run.source) == {f"127.0.0.1:{double.port}": {"seq": 7}}


@SQLITE_ONLY
def test_without_follow_a_busy_stream_stops_at_an_event_from_after_the_start(
        tracks: TrackStore, double: JetstreamDouble) -> None:
    # a relay is never idle for the idle time: a run without --follow (cron, `track run`) ends
    # at the first event stamped after it began, that event stored; a stamp far in the future
    # is some PDS's wrong clock, not the end of the backlog
    from datetime import UTC, datetime, timedelta

    def identity(seq: int, when: str) -> bytes:
        return frame({"op": 1, "t": "#identity"},
                     {"did": "did:plc:abc", "seq": seq, "handle": "b.test", "time": when})

    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    double.inject("frames", frames=[IDENTITY, identity(8, "2999-01-01T00:00:00Z"),
                                    identity(9, soon), identity(10, soon)])
    outcome = run(tracks, source("bluesky-firehose", double.url, "x"))

    assert outcome.exit_code == 0
    assert tracks.checkpoints(outcome.run.source) == {f"127.0.0.1:{double.port}": {"seq": 9}}


def test_the_handles_noted_are_bounded() -> None:
    from campaign.platforms.bluesky.firehose import MAX_HANDLES, note_handle

    handles: dict[str, str] = {}
    for n in range(MAX_HANDLES + 10):
        note_handle(handles, f"did:plc:{n}", f"h{n}.test")
    note_handle(handles, "did:plc:20", "again.test")  # noted again: kept as the newest
    assert len(handles) == MAX_HANDLES and "did:plc:0" not in handles
    assert handles["did:plc:20"] == "again.test" and next(reversed(handles)) == "did:plc:20"
