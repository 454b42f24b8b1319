"""The Jetstream collector against the Jetstream double, which serves the real PDS's firehose as
Jetstream's documented JSON events: posts arrive with their hashtags, runs resume from the
stored time_us (rewound a little) with nothing lost or doubled, a handle change keeps the DID,
and garbage, a dropped stream, an HTML page or a 503 are counted, retried or clearly failed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from campaign.platforms.bluesky.jetstream import Jetstream, decode_event
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec
from campaign.tracking.store import RunStatus, Saved, TrackStore
from tests.conftest import SQLITE_ONLY
from tests.servers.jetstream import JetstreamDouble
from tests.servers.pds import LocalPDS, PDSAccount
from tests.tracking.test_bluesky_firehose import new_tag, publish, run, source, stored


@pytest.fixture(scope="module")
def jetstream(local_pds: LocalPDS) -> Iterator[JetstreamDouble]:
    """The double, following the session's PDS."""
    with JetstreamDouble(local_pds.url) as double:
        yield double


@pytest.fixture
def account(local_pds: LocalPDS) -> PDSAccount:
    """A new account on the session's PDS."""
    import secrets

    return local_pds.create_account(f"js{secrets.token_hex(3)}")


def jet(jetstream: JetstreamDouble, *tags: str, **options: Any) -> Any:
    return source("bluesky-jetstream", jetstream.url, *tags, **options)


def test_posts_arrive_with_hashtags_from_facets_and_text(
        tracks: TrackStore, local_pds: LocalPDS, jetstream: JetstreamDouble,
        account: PDSAccount) -> None:
    tag = new_tag()
    published = publish(local_pds, account, f"Stop child labour now #EndChildLabour2021 #{tag}")
    facet_only = local_pds.create_post(account, "no hash sign in this text", facet_tags=[tag])
    text_only = local_pds.create_post(account, f"by hand #{tag} without facets")
    local_pds.create_post(account, "no tag at all")
    jetstream.wait_for_uri(text_only["uri"])

    outcome = run(tracks, jet(jetstream, tag))

    assert outcome.exit_code == 0 and outcome.run.status is RunStatus.OK
    posts = stored(tracks)
    assert set(posts) == {published, facet_only["uri"], text_only["uri"]}
    assert posts[published]["tags"] == sorted(["endchildlabour2021", tag.lower()])
    assert posts[facet_only["uri"]]["tags"] == posts[text_only["uri"]]["tags"] == [tag.lower()]
    assert {(p["did"], p["handle"]) for p in posts.values()} == {(account.did, account.handle)}
    [(stream, state)] = tracks.checkpoints(outcome.run.source).items()
    assert stream == f"127.0.0.1:{jetstream.port}"
    assert state["time_us"] >= jetstream.wait_for_uri(text_only["uri"])["time_us"]
    assert "wantedCollections=app.bsky.feed.post" in jetstream.requests[-1]


def test_a_second_run_goes_on_from_the_checkpoint(tracks: TrackStore, local_pds: LocalPDS,
                                                  jetstream: JetstreamDouble,
                                                  account: PDSAccount) -> None:
    tag = new_tag()
    first = local_pds.create_post(account, f"one #{tag}")
    jetstream.wait_for_uri(first["uri"])
    assert run(tracks, jet(jetstream, tag, rewind_seconds=0)).run.read == 1
    second = local_pds.create_post(account, f"two #{tag}")
    jetstream.wait_for_uri(second["uri"])

    exact = run(tracks, jet(jetstream, tag, rewind_seconds=0))
    assert (exact.run.read, exact.run.stored) == (1, 1)  # only the new post

    # the default rewinds 3 s, as Jetstream advises: both posts read again, none stored twice
    rewound = run(tracks, jet(jetstream, tag))
    assert (rewound.run.read, rewound.run.stored) == (2, 0)
    assert set(stored(tracks)) == {first["uri"], second["uri"]}


def test_an_interrupted_run_resumes_with_nothing_lost_or_doubled(
        tracks: TrackStore, local_pds: LocalPDS, jetstream: JetstreamDouble,
        account: PDSAccount) -> None:
    tag = new_tag()
    since = datetime.now(UTC) - timedelta(seconds=1)  # the double's time_us are its clock's
    uris = [local_pds.create_post(account, f"post {n} #{tag}")["uri"] for n in range(5)]
    jetstream.wait_for_uri(uris[-1])
    stopping = threading.Event()

    def stop_after_posts(page: Page, saved: Saved, totals: Any) -> None:
        if page.posts:
            stopping.set()

    def jetstream_since() -> Jetstream:
        return Jetstream(SourceSpec("bluesky-jetstream", jetstream.url, (tag.lower(),),
                                    since=since, options={"idle_seconds": 0.3, "batch_events": 2,
                                                          "rewind_seconds": 0}))

    first = run(tracks, jetstream_since(), stopping=stopping, on_page=stop_after_posts)
    assert first.run.status is RunStatus.INTERRUPTED and 1 <= first.run.stored < 5

    rest = run(tracks, jetstream_since())

    assert set(stored(tracks)) == set(uris)
    assert first.run.read + rest.run.read == 5
    assert first.run.stored + rest.run.stored == 5


def test_a_handle_change_keeps_the_author_id(tracks: TrackStore, local_pds: LocalPDS,
                                             jetstream: JetstreamDouble,
                                             account: PDSAccount) -> None:
    import secrets

    tag = new_tag()
    before = local_pds.create_post(account, f"before #{tag}")
    renamed = f"rn{secrets.token_hex(3)}.test"
    local_pds.update_handle(account, renamed)
    after = local_pds.create_post(account, f"after #{tag}")
    jetstream.wait_for_uri(after["uri"])

    run(tracks, jet(jetstream, tag))

    posts = stored(tracks)
    assert posts[before["uri"]]["did"] == posts[after["uri"]]["did"] == account.did
    assert (posts[before["uri"]]["handle"], posts[after["uri"]]["handle"]) == \
        (account.handle, renamed)


@SQLITE_ONLY
def test_garbage_in_the_stream_is_counted_and_the_rest_stored(
        tracks: TrackStore, local_pds: LocalPDS, jetstream: JetstreamDouble,
        account: PDSAccount) -> None:
    tag = new_tag()
    made = local_pds.create_post(account, f"kept #{tag}")
    jetstream.wait_for_uri(made["uri"])
    jetstream.inject("garbage")

    outcome = run(tracks, jet(jetstream, tag))

    assert outcome.exit_code == 0 and outcome.run.bad == 1
    assert outcome.run.problems[0].startswith("a frame that is not JSON")
    assert set(stored(tracks)) == {made["uri"]}


def test_a_stream_closed_with_an_error_is_resumed_from_the_checkpoint(
        tracks: TrackStore, local_pds: LocalPDS, jetstream: JetstreamDouble,
        account: PDSAccount) -> None:
    tag = new_tag()
    uris = [local_pds.create_post(account, f"post {n} #{tag}")["uri"] for n in range(3)]
    jetstream.wait_for_uri(uris[-1])
    first_us = jetstream.wait_for_uri(uris[0])["time_us"]
    jetstream.inject("close", after=2)  # the first connection drops after two events
    waits: list[str] = []

    since = datetime.fromtimestamp((first_us - 10) / 1e6, UTC)  # a first run starts there
    src = Jetstream(SourceSpec("bluesky-jetstream", jetstream.url, (tag.lower(),),
                               since=since, options={"idle_seconds": 0.3, "batch_events": 1,
                                                     "rewind_seconds": 0}))
    outcome = run(tracks, src, on_wait=lambda message, delay, totals: waits.append(message))

    assert outcome.exit_code == 0
    assert waits and "closed the stream with an error: internal error" in waits[0]
    assert set(stored(tracks)) == set(uris)
    assert outcome.run.read == 3  # the two events before the drop were not read again


@SQLITE_ONLY
@pytest.mark.parametrize("kind", ["bluesky-jetstream", "bluesky-firehose"])
@pytest.mark.parametrize(("fault", "said"), [
    pytest.param({"kind": "html"}, "answered HTTP 200 with an HTML page instead of a websocket "
                 "stream", id="html"),
    pytest.param({"kind": "status", "status": 404}, "answered HTTP 404", id="404"),
])
def test_a_host_that_is_no_stream_is_a_clear_failure(
        tracks: TrackStore, jetstream: JetstreamDouble, kind: str, fault: dict[str, Any],
        said: str) -> None:
    jetstream.inject(**fault)
    outcome = run(tracks, source(kind, jetstream.url, "x"))
    assert outcome.exit_code == 1 and outcome.run.status is RunStatus.FAILED
    assert said in outcome.run.message and f"127.0.0.1:{jetstream.port}" in outcome.run.message
    assert "is ws://127.0.0.1" in outcome.run.message  # what to check


@SQLITE_ONLY
def test_a_server_error_is_retried(tracks: TrackStore, jetstream: JetstreamDouble) -> None:
    jetstream.inject("status", status=503)
    waits: list[str] = []
    outcome = run(tracks, jet(jetstream, "x"),
                  on_wait=lambda message, delay, totals: waits.append(message))
    assert outcome.exit_code == 0
    assert waits == [f"Bluesky Jetstream at 127.0.0.1:{jetstream.port} answered HTTP 503 "
                     "({\"error\": \"Service Unavailable\"}) instead of a websocket stream"]


def test_decoding_one_event() -> None:
    handles: dict[str, str] = {}
    wanted = frozenset({"endchildlabour2021"})
    post: dict[str, Any] = {"did": "did:plc:abc", "time_us": 1725911162329308, "kind": "commit",
            "commit": {"rev": "3l3qo2vutsw2b", "operation": "create",
                       "collection": "app.bsky.feed.post", "rkey": "3l3qo2vuowo2b",
                       "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
                       "record": {"$type": "app.bsky.feed.post", "text": "#EndChildLabour2021",
                                  "createdAt": "2021-06-12T07:30:00.000Z", "langs": ["fr"]}}}
    identity = {"did": "did:plc:abc", "time_us": 1725911162329307, "kind": "identity",
                "identity": {"did": "did:plc:abc", "handle": "a.test", "seq": 1,
                             "time": "2024-09-09T19:46:02.102Z"}}
    assert decode_event(json.dumps(identity), wanted=wanted, handles=handles).posts == []
    [seen] = decode_event(json.dumps(post), wanted=wanted, handles=handles).posts
    assert (seen.remote_id, seen.author.author_id, seen.author.handle, seen.language) == (
        "at://did:plc:abc/app.bsky.feed.post/3l3qo2vuowo2b", "did:plc:abc", "a.test", "fr")
    like = {**post, "commit": {**post["commit"], "collection": "app.bsky.feed.like"}}
    assert decode_event(json.dumps(like), wanted=wanted, handles=handles).posts == []
    no_date = {**post, "commit": {**post["commit"], "record": {"text": "#EndChildLabour2021"}}}
    assert decode_event(json.dumps(no_date), wanted=wanted, handles=handles).problems


def test_a_restart_rewinds_the_cursor_a_little() -> None:
    spec = SourceSpec("bluesky-jetstream", "wss://jetstream2.us-east.bsky.network", ("x",))
    stream = Jetstream(spec)
    assert stream.url == "wss://jetstream2.us-east.bsky.network/subscribe"
    assert stream.query(None) == {"wantedCollections": "app.bsky.feed.post"}
    assert stream.query({"time_us": 10_000_000})["cursor"] == 7_000_001


def test_an_event_nested_past_any_limit_is_a_bad_frame() -> None:
    from campaign.platforms.bluesky.firehose import BadFrame

    with pytest.raises(BadFrame, match="not JSON"):
        decode_event("[" * 100_000 + "]" * 100_000, wanted=frozenset({"x"}), handles={})


@SQLITE_ONLY
def test_a_capped_run_after_a_rewind_still_gets_further(tracks: TrackStore,
                                                        jetstream: JetstreamDouble) -> None:
    # the posts read again in the rewind were stored by the last run: they neither count
    # towards --max-posts nor move the checkpoint back, else a capped run would never advance
    def post(time_us: int) -> str:
        return json.dumps({"did": "did:plc:abc", "time_us": time_us, "kind": "commit",
                           "commit": {"rev": "r", "operation": "create", "rkey": f"k{time_us}",
                                      "collection": "app.bsky.feed.post", "cid": "c",
                                      "record": {"text": "#x", "createdAt": "2021-06-12T07:30:00Z"}}})

    src = jet(jetstream, "x")
    stream = f"127.0.0.1:{jetstream.port}"
    tracks.save_page(src.name, Page([], (stream, {"time_us": 5_000_000})))
    jetstream.inject("frames", frames=[post(4_000_000), post(5_000_000), post(5_000_001),
                                       post(5_000_002)])

    outcome = run(tracks, src, max_posts=1)

    assert tracks.checkpoints(src.name) == {stream: {"time_us": 5_000_001}}
    assert outcome.run.stored == 3  # the two of the rewind (as the last run had) and one new
    assert "cursor=2000001" in jetstream.requests[-1]
