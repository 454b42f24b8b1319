"""X API v2 tweets as observed posts, checked against every real page of the twarc2 reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from campaign.platforms.x.parse import page_posts, tweet_post, users_by_id
from campaign.tracking.records import PostKind, Relation, normalise_tag
from tests.conftest import REFERENCE

TWARC2 = REFERENCE / "twarc2"
READ_AT = datetime(2021, 10, 1, 12, 0, tzinfo=UTC)
KINDS = {"retweeted": PostKind.REPOST, "quoted": PostKind.QUOTE, "replied_to": PostKind.REPLY}


def lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, JSON or None when the line is not JSON) of a JSONL file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, None


def data_tweets(page: dict[str, Any]) -> list[dict[str, Any]]:
    data = page.get("data")
    return [data] if isinstance(data, dict) else list(data or [])


FILES = sorted(TWARC2.glob("*.jsonl"))


def test_reference_files_are_there() -> None:
    assert {f.name for f in FILES} >= {"kpop.jsonl", "brexit.jsonl", "counts.jsonl",
                                        "streaming_output_with_error.jsonl", "two_tweets.jsonl"}


@pytest.mark.parametrize("path", [pytest.param(f, id=f.stem) for f in FILES])
def test_every_reference_page(path: Path) -> None:
    """Every tweet of every data array is one post, with what the JSON says; nothing of
    includes.tweets becomes a post unless it is also in data."""
    expected_posts = expected_problems = 0
    for _, page in lines(path):
        if page is None:
            continue  # the truncated line: the importer counts it, the parser never sees it
        posts, problems = page_posts(page, read_at=READ_AT)
        tweets = data_tweets(page)
        readable = [t for t in tweets if "id" in t and "created_at" in t]
        expected_posts += len(readable)
        expected_problems += len(tweets) - len(readable)
        assert [p.remote_id for p in posts] == [t["id"] for t in readable]
        assert len(problems) == len(tweets) - len(readable)
        users = {u["id"]: u for u in page.get("includes", {}).get("users", [])}
        data_ids = {t["id"] for t in readable}
        included = {t["id"] for t in page.get("includes", {}).get("tweets", [])}
        assert not ({p.remote_id for p in posts} & (included - data_ids))
        for post, tweet in zip(posts, readable, strict=True):
            check_post(post, tweet, users)
    total = sum(len(data_tweets(p)) for _, p in lines(path) if p is not None)
    assert expected_posts + expected_problems == total
    if path.name == "counts.jsonl":
        assert expected_posts == 0 and expected_problems == 169


def check_post(post: Any, tweet: dict[str, Any], users: dict[str, Any]) -> None:
    assert post.network == "x" and post.raw == tweet
    assert post.created_at == datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
    assert post.created_at.tzinfo is not None and post.text == tweet["text"]
    assert post.language == tweet.get("lang", "")
    user = users.get(tweet["author_id"])
    assert post.author.author_id == tweet["author_id"]
    if user is not None:
        assert post.author.handle == user["username"]
        assert post.url == f"https://x.com/{user['username']}/status/{tweet['id']}"
        assert post.author.followers == user["public_metrics"]["followers_count"]
        assert post.author.following == user["public_metrics"]["following_count"]
        assert post.author.posts == user["public_metrics"]["tweet_count"]
    else:
        assert post.url == f"https://x.com/i/web/status/{tweet['id']}"
    references = tweet.get("referenced_tweets", [])
    assert set(post.relations) == {Relation(KINDS[r["type"]], r["id"]) for r in references}
    types = {r["type"] for r in references}
    expected = next((KINDS[t] for t in ("retweeted", "quoted", "replied_to") if t in types),
                    PostKind.ORIGINAL)
    assert post.kind is expected
    metrics = tweet["public_metrics"]
    assert post.metrics == {"likes": metrics["like_count"], "reposts": metrics["retweet_count"],
                            "replies": metrics["reply_count"], "quotes": metrics["quote_count"]}
    entities = tweet.get("entities", {})
    tags = [normalise_tag(h["tag"]) for h in entities.get("hashtags", [])]
    assert post.hashtags[:len(dict.fromkeys(tags))] == tuple(dict.fromkeys(tags))
    assert len(post.hashtags) == len(set(post.hashtags))
    assert list(post.mentions) == list(dict.fromkeys(m["username"]
                                                     for m in entities.get("mentions", [])))
    assert list(post.links) == list(dict.fromkeys(u.get("expanded_url") or u["url"]
                                                  for u in entities.get("urls", [])))


def test_reference_kinds_are_all_seen() -> None:
    """The two search pages hold originals, retweets, quotes and replies: all told apart."""
    kinds: dict[PostKind, int] = {}
    expected: dict[PostKind, int] = {}
    for name in ("kpop.jsonl", "brexit.jsonl"):
        page = json.loads((TWARC2 / name).read_text())
        for post in page_posts(page, read_at=READ_AT)[0]:
            kinds[post.kind] = kinds.get(post.kind, 0) + 1
        for tweet in page["data"]:
            types = {r["type"] for r in tweet.get("referenced_tweets", [])}
            kind = next((KINDS[t] for t in ("retweeted", "quoted", "replied_to") if t in types),
                        PostKind.ORIGINAL)
            expected[kind] = expected.get(kind, 0) + 1
    assert kinds == expected and set(kinds) == set(PostKind)


def test_retweet_of_two_tweets() -> None:
    """two_tweets.jsonl: one retweet in data, its original only in includes (a relation)."""
    page = json.loads((TWARC2 / "two_tweets.jsonl").read_text())
    [post], problems = page_posts(page, read_at=READ_AT)
    assert problems == []
    assert post.kind is PostKind.REPOST
    assert post.relations == (Relation(PostKind.REPOST, "1391677057810288641"),)
    assert post.hashtags == ("poiuytrewq",) and post.mentions == ("bibaigna96",)
    assert post.author.handle == "LachiVeronica" and post.author.display_name == "Veronica Lachi"
    assert post.url == "https://x.com/LachiVeronica/status/1394735776701816833"
    assert post.language == "und" and post.read_at == READ_AT


def test_stream_line_is_one_tweet() -> None:
    _, page = next(lines(TWARC2 / "streaming_output_with_error.jsonl"))
    posts, problems = page_posts(page, read_at=READ_AT)
    assert [p.remote_id for p in posts] == [page["data"]["id"]] and not problems


def tweet(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "1400000000000000001", "text": "hello",
                            "created_at": "2021-06-12T08:00:00.000Z", "author_id": "7"}
    return base | fields


@pytest.mark.parametrize(("references", "kind"), [
    pytest.param([], PostKind.ORIGINAL, id="original"),
    pytest.param([{"type": "replied_to", "id": "2"}], PostKind.REPLY, id="reply"),
    pytest.param([{"type": "quoted", "id": "3"}], PostKind.QUOTE, id="quote"),
    pytest.param([{"type": "quoted", "id": "3"}, {"type": "replied_to", "id": "2"}],
                 PostKind.QUOTE, id="quote-and-reply"),
    pytest.param([{"type": "replied_to", "id": "2"}, {"type": "retweeted", "id": "4"}],
                 PostKind.REPOST, id="repost-wins"),
])
def test_kind_precedence(references: list[dict[str, str]], kind: PostKind) -> None:
    post = tweet_post(tweet(referenced_tweets=references), {}, read_at=READ_AT)
    assert post.kind is kind and len(post.relations) == len(references)


def test_metrics_with_impressions_and_missing_ones() -> None:
    post = tweet_post(tweet(public_metrics={"like_count": 3, "retweet_count": 1,
                                            "impression_count": 120}), {}, read_at=READ_AT)
    assert post.metrics == {"likes": 3, "reposts": 1, "impressions": 120}  # missing != zero


def test_hashtags_are_x_s_own_entities_normalised() -> None:
    """X's entities are its reading of the text: a retweet's text cut mid-tag makes no tag of
    the piece; every tag normalised (NFKC + case folding) and each once."""
    text = "RT @ilo: #EndChildLabour2021 now #ＬａｂｏｕｒＤａｙ and #EndChildLab…"
    post = tweet_post(tweet(text=text,
                            entities={"hashtags": [{"tag": "EndChildLabour2021"},
                                                   {"tag": "ＬａｂｏｕｒＤａｙ"},
                                                   {"tag": "endchildlabour2021"}]}), {},
                      read_at=READ_AT)
    assert post.hashtags == ("endchildlabour2021", "labourday")


def test_a_tweet_read_without_entities_has_its_tags_from_the_text() -> None:
    post = tweet_post(tweet(text="Notre plan #EndChildLabour2021 #LabourDay"), {},
                      read_at=READ_AT)
    assert post.hashtags == ("endchildlabour2021", "labourday")


def test_links_prefer_expanded_urls() -> None:
    post = tweet_post(tweet(entities={"urls": [{"url": "https://t.co/a", "expanded_url":
                                                "https://ilo.org/x"}, {"url": "https://t.co/b"}]}),
                      {}, read_at=READ_AT)
    assert post.links == ("https://ilo.org/x", "https://t.co/b")


@pytest.mark.parametrize("data", [
    pytest.param([{"text": "no id", "created_at": "2021-06-12T08:00:00.000Z"}], id="no-id"),
    pytest.param([{"id": "12", "text": "no time"}], id="no-created_at"),
    pytest.param([{"id": "12", "created_at": "yesterday"}], id="bad-time"),
    pytest.param(["a string"], id="not-an-object"),
    pytest.param([{"start": "x", "end": "y", "tweet_count": 3}], id="count-bucket"),
])
def test_unreadable_tweets_are_problems(data: list[Any]) -> None:
    good = tweet()
    posts, problems = page_posts({"data": [good, *data]}, read_at=READ_AT)
    assert [p.remote_id for p in posts] == [good["id"]]
    assert len(problems) == 1 and problems[0].startswith("tweet 2 of 'data': ")


def test_a_page_with_no_data_and_a_wrong_data() -> None:
    assert page_posts({"meta": {"result_count": 0}}, read_at=READ_AT) == ([], [])
    assert page_posts({"data": "oops"}, read_at=READ_AT)[1] == [
        "'data' is a str, not a list of tweets"]


def test_users_by_id_tolerates_odd_includes() -> None:
    assert users_by_id({"includes": {"users": [{"id": "1", "username": "a"}, "junk", {}]}}) == {
        "1": {"id": "1", "username": "a"}}
    assert users_by_id({"includes": []}) == {}
