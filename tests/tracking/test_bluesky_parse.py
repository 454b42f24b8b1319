"""Bluesky records and post views read as observations: the recorded searchPosts answer, and
records no client would write (a firehose carries anyone's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
import yaml

from campaign.platforms.bluesky.parse import BadRecord, post_view, record_post, sort_at
from campaign.tracking.records import Author, PostKind, Relation
from campaign.tracking.store import TrackStore
from tests.conftest import REFERENCE

READ = datetime(2025, 5, 20, tzinfo=UTC)
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
URI = f"at://{DID}/app.bsky.feed.post/3k2yihcrp6f2c"


@cache
def recorded() -> dict[str, Any]:
    """The recorded searchPosts answer (25 posts for q=redistricting)."""
    cassette = yaml.safe_load((REFERENCE / "bluesky" / "searchPosts.yml").read_text())
    answer: dict[str, Any] = json.loads(cassette["http_interactions"][0]["response"]["body"]["string"])
    return answer


def views() -> list[dict[str, Any]]:
    return list(recorded()["posts"])


def by_rkey(rkey: str) -> dict[str, Any]:
    return next(v for v in views() if v["uri"].endswith("/" + rkey))


def test_every_recorded_post_is_read() -> None:
    posts = [post_view(v, read_at=READ) for v in views()]
    assert len(posts) == 25
    assert len({p.remote_id for p in posts}) == 25
    for post, view in zip(posts, views(), strict=True):
        assert post.network == "bluesky"
        assert post.remote_id == post.uri == view["uri"]
        assert post.url == (f"https://bsky.app/profile/{view['author']['did']}/post/"
                            f"{view['uri'].rsplit('/', 1)[1]}")
        assert post.author.author_id == view["author"]["did"]
        assert post.author.handle == view["author"]["handle"]
        assert post.created_at.tzinfo is UTC
        assert post.text == view["record"]["text"]
        assert post.raw == view
        assert post.metrics == {"likes": view["likeCount"], "reposts": view["repostCount"],
                                "replies": view["replyCount"], "quotes": view["quoteCount"]}
    assert sum(p.kind is PostKind.REPLY for p in posts) == 12
    assert sum(p.kind is PostKind.QUOTE for p in posts) == 2
    assert sum(bool(p.language) for p in posts) == 21


def test_a_tag_facet_and_a_link_facet() -> None:
    post = post_view(by_rkey("3lpica7sxmk2u"), read_at=READ)
    assert post.hashtags == ("txlege",)
    assert post.links == ("https://drive.google.com/file/d/1wZ7W8GA3EuJuAhpZWL8We4AyfVe8fjki/"
                          "view?usp=sharing",)
    assert post.author == Author("bluesky", "did:plc:7nagdvjqrzaquzk7mueohne5", "mcpli.bsky.social",
                                 "Michael Li (李之樸)",
                                 url="https://bsky.app/profile/did:plc:7nagdvjqrzaquzk7mueohne5")
    assert post.created_at == datetime(2025, 5, 19, 0, 16, 50, 191000, tzinfo=UTC)
    assert post.language == "en"


def test_hashtags_written_in_text_without_a_facet() -> None:
    post = post_view(by_rkey("3lpk2u6qo222m"), read_at=READ)
    assert "facets" in post.raw["record"]
    assert post.hashtags == ("sociology",)
    assert post.links == ("https://osf.io/v87fn",)


def test_a_quote_points_at_the_quoted_post() -> None:
    post = post_view(by_rkey("3lpikwarowc2o"), read_at=READ)
    assert post.kind is PostKind.QUOTE
    assert post.relations == (Relation(
        PostKind.QUOTE, "at://did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpica7sxmk2u"),)


def test_a_reply_points_at_its_parent() -> None:
    view = next(v for v in views() if "reply" in v["record"])
    post = post_view(view, read_at=READ)
    assert post.kind is PostKind.REPLY
    assert post.relations[0] == Relation(PostKind.REPLY, view["record"]["reply"]["parent"]["uri"])


def test_an_external_embed_is_a_link() -> None:
    view = next(v for v in views() if v["record"].get("embed", {}).get("$type")
                == "app.bsky.embed.external")
    post = post_view(view, read_at=READ)
    assert view["record"]["embed"]["external"]["uri"] in post.links


def record(**fields: Any) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.post", "text": "hello", "createdAt": "2021-06-12T08:00:00Z",
            **fields}


def test_tags_from_facets_record_tags_and_text_normalised_once() -> None:
    text = "Join #EndChildLabour2021 and #ＬａｂｏｕｒＤａｙ"
    post = record_post(did=DID, uri=URI, read_at=READ, handle="ilo.bsky.social", record=record(
        text=text, langs=["fr", "en"], tags=["ChildrensDay", "endchildlabour2021"],
        facets=[{"index": {"byteStart": 5, "byteEnd": 25},
                 "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "EndChildLabour2021"}]},
                {"index": {"byteStart": 0, "byteEnd": 4},
                 "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:abc"}]}]))
    assert post.hashtags == ("endchildlabour2021", "childrensday", "labourday")
    assert post.mentions == ("did:plc:abc",)
    assert post.language == "fr"
    assert post.author == Author("bluesky", DID, "ilo.bsky.social",
                                 url=f"https://bsky.app/profile/{DID}")
    assert post.url == f"https://bsky.app/profile/{DID}/post/3k2yihcrp6f2c"
    assert post.kind is PostKind.ORIGINAL and post.metrics == {}


def test_record_with_media_is_a_quote_with_its_link() -> None:
    quoted = "at://did:plc:other/app.bsky.feed.post/3aaa"
    post = record_post(did=DID, uri=URI, read_at=READ, record=record(embed={
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"$type": "app.bsky.embed.record", "record": {"uri": quoted, "cid": "bafy"}},
        "media": {"$type": "app.bsky.embed.external", "external": {"uri": "https://ilo.org"}}}))
    assert post.kind is PostKind.QUOTE
    assert post.relations == (Relation(PostKind.QUOTE, quoted),)
    assert post.links == ("https://ilo.org",)


@pytest.mark.parametrize("fields", [
    pytest.param({"createdAt": None}, id="no-date"),
    pytest.param({"createdAt": "yesterday"}, id="not-a-date"),
    pytest.param({"createdAt": 1623484800}, id="a-number"),
    pytest.param({"text": ["not", "text"]}, id="text-not-a-string"),
])
def test_a_record_that_is_no_post_is_refused_clearly(fields: dict[str, Any]) -> None:
    with pytest.raises(BadRecord, match=URI):
        record_post(did=DID, uri=URI, read_at=READ, record=record(**fields))


@pytest.mark.parametrize(("did", "uri"), [
    pytest.param("alice", URI, id="no-did"),
    pytest.param(DID, "https://bsky.app/x", id="no-at-uri"),
    pytest.param(None, URI, id="did-none"),
])
def test_no_author_or_uri_is_refused(did: Any, uri: str) -> None:
    with pytest.raises(BadRecord):
        record_post(did=did, uri=uri, read_at=READ, record=record())


def test_hostile_records_never_crash() -> None:
    facets: list[Any] = [{"index": {"byteStart": 10**9, "byteEnd": -5},
                          "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": f"t{i}"}]}
                         for i in range(100_000)]
    facets += [None, 3, {"features": "x"}, {"features": [None, {"$type": 7}]}]
    post = record_post(did=DID, uri=URI, read_at=READ, record=record(
        facets=facets, tags=[1, None, "x" * 10_000, "ok"], langs=[5], reply={"parent": "x"},
        embed={"$type": "app.bsky.embed.record", "record": "nope"}, text="#" * 50_000))
    assert len(post.hashtags) == 200 + 1  # MAX_FACETS tags from facets, then the record's "ok"
    assert post.hashtags[-1] == "ok"
    assert post.language == "" and post.kind is PostKind.ORIGINAL and post.relations == ()


def test_a_decoded_cbor_record_is_kept_as_json() -> None:
    class CID:
        def __str__(self) -> str:
            return "bafkrei"

    post = record_post(did=DID, uri=URI, read_at=READ, record=record(embed={
        "$type": "app.bsky.embed.images",
        "images": [{"image": {"ref": CID(), "size": 3}, "alt": "", "raw": b"\x00\x01"}]}))
    assert json.loads(json.dumps(post.raw))["embed"]["images"][0] == {
        "image": {"ref": {"$link": "bafkrei"}, "size": 3}, "alt": "", "raw": {"$bytes": "AAE"}}


def test_a_view_without_created_at_uses_indexed_at() -> None:
    view = {**by_rkey("3lpica7sxmk2u")}
    view["record"] = {**view["record"], "createdAt": "garbage"}
    post = post_view(view, read_at=READ)
    assert post.created_at == datetime(2025, 5, 19, 0, 16, 53, 915000, tzinfo=UTC)
    assert sort_at(view) == post.created_at


@pytest.mark.parametrize("view", [
    pytest.param(None, id="not-an-object"),
    pytest.param({"uri": URI}, id="no-author"),
    pytest.param({"uri": URI, "author": {"did": DID}, "record": {"text": "x"}}, id="no-date-at-all"),
])
def test_a_broken_view_is_refused(view: Any) -> None:
    with pytest.raises(BadRecord):
        post_view(view, read_at=READ)


def test_sort_at_is_the_earlier_of_created_and_indexed() -> None:
    view = {"record": {"createdAt": "2030-01-01T00:00:00Z"}, "indexedAt": "2021-06-12T08:00:00.000Z"}
    assert sort_at(view) == datetime(2021, 6, 12, 8, tzinfo=UTC)
    assert sort_at({"record": {"createdAt": "2021-06-11T00:00:00+02:00"}}) == \
        datetime(2021, 6, 10, 22, tzinfo=UTC)


def test_nul_lone_surrogates_and_huge_counts_are_stored(tracks: TrackStore) -> None:
    view = json.loads(json.dumps(views()[0]))
    view["record"]["text"] = "a\x00b \ud800 #EndChildLabour2021"
    view["author"] |= {"displayName": "x\x00y", "followersCount": 2**64}
    view |= {"likeCount": 10**30, "\x00key": "\udfff"}
    post = post_view(view, read_at=READ)
    assert post.text == "a\ufffdb \ufffd #EndChildLabour2021"
    assert "likes" not in post.metrics and post.author.followers is None
    assert tracks.save_posts("test", [post]).stored == 1  # on PostgreSQL too
    firehose = record_post(did=DID, uri=URI, read_at=READ, handle="h\x00",
                           record=record(text="\x00 #EndChildLabour2021"))
    assert firehose.text == "\ufffd #EndChildLabour2021" and firehose.author.handle == "h\ufffd"
    assert tracks.save_posts("test", [firehose]).stored == 1
