"""Mastodon statuses as observations: the recorded tag timeline, and the shapes it does not hold
(reblogs, quotes, replies, remote accounts, links, spoilers, HTML that is not tidy)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from campaign.platforms.mastodon.parse import BadStatus, html_text, local_ref, status_post
from campaign.tracking.records import Author, PostKind, Relation
from tests.conftest import REFERENCE

READ = datetime(2026, 8, 1, 14, 0, tzinfo=UTC)
INSTANCE = "http://localhost:3000"


def recorded_timeline() -> list[dict[str, Any]]:
    """The statuses of the recorded `GET /api/v1/timelines/tag/hoot` answer."""
    data = yaml.safe_load((REFERENCE / "mastodon" / "hashtag_timeline.yaml").read_text())
    (answer,) = [i["response"] for i in data["interactions"]
                 if "/timelines/tag/" in i["request"]["uri"]]
    statuses: list[dict[str, Any]] = json.loads(answer["body"]["string"])
    return statuses


@pytest.fixture
def status() -> dict[str, Any]:
    return copy.deepcopy(recorded_timeline()[0])


def test_the_recorded_status(status: dict[str, Any]) -> None:
    post = status_post(status, instance=INSTANCE, read_at=READ)
    uri = "http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701"
    assert post.network == "mastodon" and post.remote_id == post.uri == uri
    assert post.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert post.author == Author("mastodon", "mastodonpy_test_2@localhost:3000",
                                 "mastodonpy_test_2@localhost:3000", "",
                                 "http://localhost:3000/@mastodonpy_test_2", 0, 0, 3)
    assert post.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)
    assert post.text == "#hoot (hashtag toot)"
    assert post.language == "ja" and post.hashtags == ("hoot",)
    assert post.links == () and post.mentions == () and post.relations == ()
    assert post.kind is PostKind.ORIGINAL and post.read_at == READ
    assert post.metrics == {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    assert post.raw == status


def test_the_same_status_from_another_instance_is_the_same_post(status: dict[str, Any]) -> None:
    here = status_post(status, instance=INSTANCE, read_at=READ)
    status["id"] = "117020600000000000"  # another instance's local id
    status["account"]["acct"] = "mastodonpy_test_2@LocalHost:3000"
    there = status_post(status, instance="https://other.example", read_at=READ)
    assert there.remote_id == here.remote_id
    assert there.author.author_id == here.author.author_id == "mastodonpy_test_2@localhost:3000"


def test_a_remote_account_keeps_its_domain(status: dict[str, Any]) -> None:
    status["account"]["acct"] = "Ana@Social.Example"
    status["mentions"] = [{"id": "1", "username": "bo", "acct": "bo", "url": "https://x/@bo"},
                          {"id": "2", "username": "cy", "acct": "cy@far.example", "url": "u"}]
    post = status_post(status, instance="https://home.example/", read_at=READ)
    assert post.author.author_id == "Ana@social.example"
    assert post.mentions == ("bo@home.example", "cy@far.example")


LINKED = (
    '<p>Day one <a href="https://home.example/tags/EndChildLabour2021" class="mention hashtag" '
    'rel="tag">#<span>EndChildLabour2021</span></a> with <span class="h-card" translate="no">'
    '<a href="https://home.example/@bo" class="u-url mention">@<span>bo</span></a></span></p>'
    '<p>Read <a href="https://www.ilo.org/global/topics/child-labour/lang--en/index.htm" '
    'target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://www.'
    '</span><span class="ellipsis">ilo.org/global/topics/child-la</span><span class="invisible">'
    'bour/lang--en/index.htm</span></a><br />and &amp; share &lt;b&gt; #LabourDay</p>'
)


def test_html_becomes_plain_text_with_links_kept(status: dict[str, Any]) -> None:
    status |= {"content": LINKED, "tags": [{"name": "endchildlabour2021", "url": "t"}],
               "card": {"url": "https://card.example/page"}}
    post = status_post(status, instance="https://home.example", read_at=READ)
    assert post.text == ("Day one #EndChildLabour2021 with @bo\n\n"
                         "Read https://www.ilo.org/global/topics/child-labour/lang--en/index.htm\n"
                         "and & share <b> #LabourDay")
    assert post.hashtags == ("endchildlabour2021", "labourday")
    assert post.links == ("https://www.ilo.org/global/topics/child-labour/lang--en/index.htm",
                          "https://card.example/page")


@pytest.mark.parametrize(("html", "text"), [
    pytest.param("<p>a<br>b</p><p>c</p>", "a\nb\n\nc", id="breaks-and-paragraphs"),
    pytest.param("<p>x<script>alert(1)</script><style>p{}</style>y</p>", "xy", id="no-script"),
    pytest.param("<p>unclosed <b>bold<i>it</p><p>next", "unclosed boldit\n\nnext", id="untidy"),
    pytest.param('<p class="quote-inline">RE: <a href="https://a/1">https://a/1</a></p><p>mine</p>',
                 "mine", id="quote-fallback-dropped"),
    pytest.param("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo", id="list"),
    pytest.param("", "", id="empty"),
    pytest.param("&#35;notatag &lt;p&gt;", "#notatag <p>", id="entities"),
])
def test_html_text(html: str, text: str) -> None:
    assert html_text(html)[0] == text


def test_spoiler_text_comes_first(status: dict[str, Any]) -> None:
    status["spoiler_text"] = "CW #ChildrensDay"
    post = status_post(status, instance=INSTANCE, read_at=READ)
    assert post.text == "CW #ChildrensDay\n\n#hoot (hashtag toot)"
    assert post.hashtags == ("hoot", "childrensday")


def test_a_reblog_is_a_repost_of_the_reblogged_uri(status: dict[str, Any]) -> None:
    original = copy.deepcopy(status)
    wrapper = copy.deepcopy(status) | {
        "id": "2", "uri": "https://b.example/users/zed/statuses/2/activity", "url": None,
        "content": "", "tags": [], "language": None, "reblog": original,
        "account": status["account"] | {"acct": "zed"}}
    post = status_post(wrapper, instance="https://b.example", read_at=READ)
    assert post.kind is PostKind.REPOST and post.remote_id == wrapper["uri"] == post.url
    assert post.relations == (Relation(PostKind.REPOST, original["uri"]),)
    assert post.author.author_id == "zed@b.example"
    assert post.text == "#hoot (hashtag toot)" and post.hashtags == ("hoot",)
    assert post.language == "ja"


@pytest.mark.parametrize(("quote", "target"), [
    pytest.param({"state": "accepted", "quoted_status": {"uri": "https://q.example/s/9"}},
                 "https://q.example/s/9", id="mastodon-4.4"),
    pytest.param({"state": "accepted", "quoted_status_id": "77"},
                 "https://home.example/api/v1/statuses/77", id="shallow"),
    pytest.param({"uri": "https://q.example/s/9", "id": "5"}, "https://q.example/s/9",
                 id="fork-status-itself"),
    pytest.param({"state": "deleted", "quoted_status": None}, None, id="deleted"),
])
def test_a_quote(status: dict[str, Any], quote: dict[str, Any], target: str | None) -> None:
    status["quote"] = quote
    post = status_post(status, instance="https://home.example", read_at=READ)
    assert post.kind is PostKind.QUOTE
    assert post.relations == ((Relation(PostKind.QUOTE, target),) if target else ())


def test_a_reply_names_its_target_by_the_instance_local_id(status: dict[str, Any]) -> None:
    status["in_reply_to_id"] = "1234"
    post = status_post(status, instance="home.example", read_at=READ)
    assert post.kind is PostKind.REPLY
    assert post.relations == (Relation(PostKind.REPLY, "https://home.example/api/v1/statuses/1234"),)
    assert local_ref("https://home.example/", "1") == "https://home.example/api/v1/statuses/1"


def test_a_quote_that_replies_is_a_quote_with_both_relations(status: dict[str, Any]) -> None:
    status |= {"in_reply_to_id": "8", "quote": {"quoted_status": {"uri": "https://q/1"}}}
    post = status_post(status, instance="https://h", read_at=READ)
    assert post.kind is PostKind.QUOTE
    assert [r.kind for r in post.relations] == [PostKind.QUOTE, PostKind.REPLY]


def test_missing_counts_are_not_zero(status: dict[str, Any]) -> None:
    del status["quotes_count"], status["favourites_count"]
    assert status_post(status, instance=INSTANCE, read_at=READ).metrics == {
        "reposts": 0, "replies": 0}


@pytest.mark.parametrize(("change", "message"), [
    pytest.param({"uri": None}, "has no uri", id="no-uri"),
    pytest.param({"account": None}, "no account acct", id="no-account"),
    pytest.param({"created_at": "yesterday"}, "not a date", id="bad-date"),
    pytest.param({"created_at": None}, "no created_at", id="no-date"),
    pytest.param({"content": 42}, "not HTML text", id="content-not-text"),
    pytest.param({"reblog": {"id": "1"}}, "without uri", id="reblog-without-uri"),
])
def test_malformed_statuses(status: dict[str, Any], change: dict[str, Any], message: str) -> None:
    with pytest.raises(BadStatus, match=message):
        status_post(status | change, instance=INSTANCE, read_at=READ)


def test_not_a_status() -> None:
    with pytest.raises(BadStatus, match="not an object but list"):
        status_post([], instance=INSTANCE, read_at=READ)  # type: ignore[arg-type]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                                    "2021-06-12T08:00:00Z" + "9" * 10_000])
def test_a_date_out_of_range_is_refused_not_a_crash(status: dict[str, Any], moment: str) -> None:
    with pytest.raises(BadStatus, match="not a date"):
        status_post(status | {"created_at": moment}, instance=INSTANCE, read_at=READ)


def test_fields_of_the_wrong_type_are_ignored(status: dict[str, Any]) -> None:
    hostile = status | {"tags": 5, "mentions": 7, "favourites_count": 10**30,
                        "card": {"url": "javascript:alert(1)"}, "url": "javascript:alert(2)",
                        "account": status["account"] | {"followers_count": 2**63}}
    post = status_post(hostile, instance=INSTANCE, read_at=READ)
    assert post.hashtags == ("hoot",)  # from the text
    assert post.mentions == () and post.links == ()
    assert "likes" not in post.metrics and post.author.followers is None  # no BIGINT holds them
    assert post.url == post.uri  # never a javascript: address
    post = status_post(status | {"tags": [{"name": 5}, {"name": "x" * 1000}, "hoot"],
                                 "mentions": [{"acct": ["a"]}, 3]}, instance=INSTANCE,
                       read_at=READ)
    assert post.hashtags == ("hoot",) and post.mentions == ()
