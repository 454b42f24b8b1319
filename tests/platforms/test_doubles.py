"""Fidelity of the local X and Mastodon doubles, proven with the real client libraries.

Each test drives tweepy.Client or Mastodon.py (or plain requests, to see raw bodies) against a
double on 127.0.0.1 and checks what a publisher relies on: status codes, error classes and
messages, rate-limit headers, idempotency, and that bodies have the keys of the recorded real
answers in shared/reference/.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

tweepy = pytest.importorskip("tweepy")
mastodon_py = pytest.importorskip("mastodon")
requests_oauthlib = pytest.importorskip("requests_oauthlib")

from tests.servers.httpdouble import Request, wait_until  # noqa: E402
from tests.servers.mastodon import MastodonDouble  # noqa: E402
from tests.servers.proxy import ReverseProxy  # noqa: E402
from tests.servers.x import DUPLICATE, REFERENCE, TOO_LONG, XDouble, redirect_session  # noqa: E402

# The account recorded in tweepy's cassettes, so get_me can be compared value for value.
USER_ID, USERNAME, NAME = "1072250532645998596", "TweepyDev", "Tweepy Testing"
CK, CS, AT, ATS = "consumer-key", "consumer-secret", f"{USER_ID}-access-token", "access-secret"
OAUTH2 = "oauth2-user-token"
TOKEN = "mastodon-token"

needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="shared/reference is not beside the repo")


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def x() -> Iterator[XDouble]:
    with XDouble() as double:
        double.add_user(
            USERNAME,
            consumer_key=CK,
            consumer_secret=CS,
            access_token=AT,
            access_token_secret=ATS,
            oauth2_token=OAUTH2,
            name=NAME,
        )
        yield double
        assert double.errors == []


def tweepy_client(double: XDouble, **credentials: Any) -> Any:
    """A stock tweepy.Client whose session sends X's URLs to the double."""
    client = tweepy.Client(**credentials)
    redirect_session(client.session, double.base_url)
    return client


@pytest.fixture
def oauth1(x: XDouble) -> Any:
    return tweepy_client(x, consumer_key=CK, consumer_secret=CS, access_token=AT, access_token_secret=ATS)


@pytest.fixture
def oauth2(x: XDouble) -> Any:
    return tweepy_client(x, bearer_token=OAUTH2)


@pytest.fixture
def masto() -> Iterator[MastodonDouble]:
    with MastodonDouble() as double:
        double.add_account("mastodonpy_test", TOKEN, display_name="John Lennon")
        yield double
        assert double.errors == []


def mastodon_client(double: MastodonDouble, token: str = TOKEN) -> Any:
    # "throw": Mastodon.py's default "wait" would sleep until the reset and retry a 429 itself.
    return mastodon_py.Mastodon(access_token=token, api_base_url=double.base_url, ratelimit_method="throw")


def cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of a tweepy cassette, response bodies decoded (gzip, maybe base64)."""
    data = yaml.safe_load((REFERENCE / "tweepy-cassettes" / f"{name}.yaml").read_text())
    interactions = []
    for interaction in data["interactions"]:
        raw = interaction["response"]["body"]["string"]
        raw = raw if isinstance(raw, bytes) else base64.b64decode(raw)
        body = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        interactions.append({**interaction["response"], "json": body})
    return interactions


def mastodon_recording(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((REFERENCE / "mastodon" / f"{name}.yaml").read_text())
    return [
        {
            **item["response"],
            "json": json.loads(item["response"]["body"]["string"]),
            "request": item["request"],
        }
        for item in data["interactions"]
    ]


def key_tree(value: Any) -> Any:
    """The nested key structure of a JSON value (lists reduced to their first element)."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(value[0])] if value else []
    return None


# -- X: tweepy with OAuth 1.0a -------------------------------------------------------------------


def test_x_oauth1_create_get_delete(x: XDouble, oauth1: Any) -> None:
    created = oauth1.create_tweet(text="Hello #EndChildLabour https://example.org/report")
    tweet_id = created.data["id"]
    assert created.data["edit_history_tweet_ids"] == [tweet_id]
    assert re.fullmatch(r"Hello #EndChildLabour https://t\.co/\w{10}", created.data["text"])  # X wraps URLs

    fetched = oauth1.get_tweet(tweet_id, user_auth=True, tweet_fields=["author_id", "created_at", "entities"])
    assert fetched.data.author_id == int(USER_ID)  # tweepy's Tweet model makes ids ints
    assert fetched.data.entities["urls"][0]["expanded_url"] == "https://example.org/report"
    assert fetched.data.entities["hashtags"][0]["tag"] == "EndChildLabour"

    assert oauth1.delete_tweet(tweet_id).data == {"deleted": True}
    gone = oauth1.get_tweet(tweet_id, user_auth=True)
    assert gone.data is None and gone.errors[0]["title"] == "Not Found Error"
    assert [t["deleted"] for t in x.tweets] == [True]
    assert x.tweets[0]["request_text"] == "Hello #EndChildLabour https://example.org/report"
    assert {(r.method, r.auth, r.account) for r in x.requests} == {
        ("POST", "oauth1", USERNAME),
        ("GET", "oauth1", USERNAME),
        ("DELETE", "oauth1", USERNAME),
    }


def test_x_get_me_and_users_tweets_pages_newest_first(x: XDouble, oauth1: Any) -> None:
    assert oauth1.get_me().data.data == {"id": USER_ID, "name": NAME, "username": USERNAME}
    ids = [oauth1.create_tweet(text=f"post {n}").data["id"] for n in range(12)]
    first = oauth1.get_users_tweets(USER_ID, user_auth=True, max_results=5)
    assert [t.id for t in first.data] == [int(i) for i in reversed(ids[-5:])]
    assert set(first.meta) == {"newest_id", "oldest_id", "result_count", "next_token"}  # as recorded
    second = oauth1.get_users_tweets(
        USER_ID, user_auth=True, max_results=5, pagination_token=first.meta["next_token"]
    )
    third = oauth1.get_users_tweets(
        USER_ID, user_auth=True, max_results=5, pagination_token=second.meta["next_token"]
    )
    assert [t.id for t in second.data + third.data] == [int(i) for i in reversed(ids[:7])]
    assert "next_token" not in third.meta and third.meta["result_count"] == 2
    with pytest.raises(tweepy.BadRequest, match="is not between 5 and 100"):
        oauth1.get_users_tweets(USER_ID, user_auth=True, max_results=3)


def test_x_retweet_is_idempotent_and_shows_in_the_timeline(x: XDouble, oauth1: Any) -> None:
    tweet_id = oauth1.create_tweet(text="original").data["id"]
    assert oauth1.retweet(tweet_id).data == {"retweeted": True}
    assert oauth1.retweet(tweet_id).data == {"retweeted": True}
    assert len(x.retweets) == 1
    timeline = oauth1.get_users_tweets(USER_ID, user_auth=True, tweet_fields=["referenced_tweets"])
    assert timeline.data[0].text == f"RT @{USERNAME}: original"
    assert timeline.data[0].referenced_tweets[0].type == "retweeted"
    assert oauth1.unretweet(tweet_id).data == {"retweeted": False}
    assert x.retweets[0]["undone"] is True


def test_x_signature_covers_query_and_form_but_not_json_or_multipart(x: XDouble) -> None:
    auth = requests_oauthlib.OAuth1(CK, CS, AT, ATS)
    session = requests.Session()
    signed = session.prepare_request(
        requests.Request("GET", f"{x.base_url}/2/users/{USER_ID}/tweets?max_results=5", auth=auth)
    )
    assert session.send(signed).status_code == 200
    signed = session.prepare_request(
        requests.Request("GET", f"{x.base_url}/2/users/{USER_ID}/tweets?max_results=5", auth=auth)
    )
    signed.url = (signed.url or "").replace("max_results=5", "max_results=6")
    assert session.send(signed).status_code == 401  # a tampered query breaks the signature

    form = session.prepare_request(
        requests.Request("POST", f"{x.base_url}/2/media/metadata", data={"id": "1"}, auth=auth)
    )
    assert session.send(form).status_code == 400  # signed, authenticated, then refused as not JSON
    form = session.prepare_request(
        requests.Request("POST", f"{x.base_url}/2/media/metadata", data={"id": "1"}, auth=auth)
    )
    form.body = "id=2"
    assert session.send(form).status_code == 401  # form parameters are signed


# -- X: OAuth 2.0 user token ---------------------------------------------------------------------


def test_x_oauth2_bearer_user_token(x: XDouble, oauth2: Any) -> None:
    assert oauth2.get_me(user_auth=False).data.username == USERNAME
    tweet_id = oauth2.create_tweet(text="with a user token", user_auth=False).data["id"]
    assert oauth2.retweet(tweet_id, user_auth=False).data == {"retweeted": True}
    page = oauth2.get_users_tweets(USER_ID, max_results=5)
    assert page.meta["result_count"] == 2
    assert oauth2.delete_tweet(tweet_id, user_auth=False).data == {"deleted": True}
    assert {r.auth for r in x.requests} == {"oauth2"}


# -- X: errors -----------------------------------------------------------------------------------


def test_x_wrong_consumer_secret_is_401_with_x_body(x: XDouble) -> None:
    client = tweepy_client(
        x, consumer_key=CK, consumer_secret="wrong", access_token=AT, access_token_secret=ATS
    )
    with pytest.raises(tweepy.Unauthorized) as raised:
        client.create_tweet(text="nope")
    assert raised.value.response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert x.tweets == [] and x.requests[0].auth is None
    with pytest.raises(tweepy.Unauthorized):
        tweepy_client(x, bearer_token="not-a-token").get_me(user_auth=False)


def test_x_duplicate_text_is_forbidden_with_x_message(oauth1: Any) -> None:
    oauth1.create_tweet(text="Stop child labour")
    with pytest.raises(tweepy.Forbidden) as raised:
        oauth1.create_tweet(text="Stop child labour")
    assert raised.value.api_messages == [DUPLICATE]
    assert raised.value.response.json()["title"] == "Forbidden"


def test_x_weighted_length_limit(oauth1: Any) -> None:
    oauth1.create_tweet(text="中" * 140)  # CJK weighs 2: exactly 280
    with pytest.raises(tweepy.BadRequest) as raised:
        oauth1.create_tweet(text="中" * 141)
    assert raised.value.api_messages == [TOO_LONG]
    oauth1.create_tweet(text="a" * 256 + " https://example.org/" + "x" * 100)  # a URL weighs 23: 280


def test_x_reply_to_missing_tweet_and_malformed_body(x: XDouble, oauth1: Any) -> None:
    with pytest.raises(tweepy.Forbidden, match="deleted or not visible"):
        oauth1.create_tweet(text="reply", in_reply_to_tweet_id="1")
    with pytest.raises(tweepy.BadRequest):
        oauth1.create_tweet()
    parent = oauth1.create_tweet(text="thread start").data["id"]
    child = oauth1.create_tweet(text="thread next", in_reply_to_tweet_id=parent).data["id"]
    assert x.tweets[-1]["in_reply_to_tweet_id"] == parent and x.tweets[-1]["id"] == child


def test_x_injected_429_carries_reset_and_tweepy_does_not_retry(x: XDouble, oauth1: Any) -> None:
    x.inject(429, path="/2/tweets", method="POST")
    with pytest.raises(tweepy.TooManyRequests) as raised:
        oauth1.create_tweet(text="later")
    headers = raised.value.response.headers
    assert raised.value.reset_time == int(headers["x-rate-limit-reset"])
    assert headers["x-rate-limit-remaining"] == "0"
    assert x.tweets == [] and len(x.requests) == 1
    oauth1.create_tweet(text="later")  # the fault was for one request only
    assert int(x.requests[-1].extra_headers["x-rate-limit-remaining"]) == 199


def test_x_enforced_rate_limit_answers_429_until_the_window_resets(x: XDouble, oauth1: Any) -> None:
    x.set_rate_limit("tweets.create", 2)
    x.enforce_rate_limits = True
    oauth1.create_tweet(text="one")
    oauth1.create_tweet(text="two")
    with pytest.raises(tweepy.TooManyRequests) as raised:
        oauth1.create_tweet(text="three")
    assert raised.value.response.headers["x-rate-limit-limit"] == "2"
    assert raised.value.reset_time > x.requests[0].received_at
    assert len(x.tweets) == 2
    oauth1.get_me()  # other endpoints have their own buckets


def test_x_inject_after_stores_but_the_client_sees_a_503(x: XDouble, oauth1: Any) -> None:
    x.inject_after(503, path="/2/tweets", method="POST")
    with pytest.raises(tweepy.TwitterServerError):
        oauth1.create_tweet(text="did it post?")
    assert [t["request_text"] for t in x.live_tweets()] == ["did it post?"]
    assert [r.status for r in x.requests] == [503]  # one attempt: tweepy.Client never retries


def test_x_on_commit_runs_after_the_store_and_before_the_answer(x: XDouble, oauth1: Any) -> None:
    seen: list[tuple[int, int | None]] = []

    def hook(request: Request) -> None:
        seen.append((len(x.tweets), request.status))

    x.on_commit(hook, path="/2/tweets", method="POST")
    oauth1.create_tweet(text="committed")
    oauth1.get_me()
    assert seen == [(1, None)]  # stored, not yet answered; reads never commit


CRASHING_CLIENT = """
import sys, tweepy
from tests.servers.x import redirect_session
client = tweepy.Client(consumer_key=sys.argv[2], consumer_secret=sys.argv[3],
                       access_token=sys.argv[4], access_token_secret=sys.argv[5])
redirect_session(client.session, sys.argv[1])
client.create_tweet(text="posted, then the publisher died")
print("survived")
"""


def test_x_on_commit_can_sigkill_the_client_process(x: XDouble) -> None:
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-c", CRASHING_CLIENT, x.base_url, CK, CS, AT, ATS]
    with subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE) as client:
        x.on_commit(lambda request: os.kill(client.pid, signal.SIGKILL), path="/2/tweets", times=1)
        output, _ = client.communicate(timeout=30)
    assert client.returncode == -signal.SIGKILL and output == b""
    assert [t["request_text"] for t in x.live_tweets()] == ["posted, then the publisher died"]


def test_x_slow_answer_times_out_the_client_after_the_store(x: XDouble) -> None:
    x.delay(2.0, path="/2/tweets", after_commit=True)
    auth = requests_oauthlib.OAuth1(CK, CS, AT, ATS)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{x.base_url}/2/tweets", json={"text": "slow"}, auth=auth, timeout=0.2)
    assert wait_until(lambda: len(x.tweets) == 1)


def test_x_media_upload_v2_with_alt_text(x: XDouble, oauth1: Any) -> None:
    auth = requests_oauthlib.OAuth1(CK, CS, AT, ATS)
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    init = requests.post(
        f"{x.base_url}/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": len(image), "media_category": "tweet_image"},
        auth=auth,
    ).json()["data"]
    assert set(init) == {"id", "media_key", "expires_after_secs"}
    media_id = init["id"]
    for index, chunk in enumerate((image[:500], image[500:])):
        appended = requests.post(
            f"{x.base_url}/2/media/upload/{media_id}/append",
            files={"media": ("blob", chunk, "application/octet-stream")},
            data={"segment_index": str(index)},
            auth=auth,
        )
        assert appended.status_code == 200 and set(appended.json()["data"]) == {"expires_at"}
    final = requests.post(f"{x.base_url}/2/media/upload/{media_id}/finalize", auth=auth).json()["data"]
    assert final["size"] == len(image) and "processing_info" not in final
    metadata = requests.post(
        f"{x.base_url}/2/media/metadata",
        json={"id": media_id, "metadata": {"alt_text": {"text": "Children in a classroom"}}},
        auth=auth,
    ).json()
    assert metadata == {
        "data": {"id": media_id, "associated_metadata": {"alt_text": {"text": "Children in a classroom"}}}
    }

    tweet = oauth1.create_tweet(text="With a picture", media_ids=[media_id]).data
    assert re.fullmatch(r"With a picture https://t\.co/\w{10}", tweet["text"])  # X appends the media link
    assert x.media[media_id]["bytes"] == image and x.media[media_id]["alt_text"] == "Children in a classroom"
    assert x.tweets[0]["media_ids"] == [media_id]
    with pytest.raises(tweepy.BadRequest, match="media IDs are invalid"):
        oauth1.create_tweet(text="unknown media", media_ids=["123"])


# -- X: the recorded real answers ----------------------------------------------------------------


@needs_reference
def test_x_bodies_and_headers_match_the_cassettes(x: XDouble) -> None:
    client = tweepy_client(x, consumer_key=CK, consumer_secret=CS, access_token=AT, access_token_secret=ATS)
    client.return_type = requests.Response
    create_recorded, delete_recorded = cassette("test_client_create_and_delete_tweet")
    created = client.create_tweet(text="Test Tweet")
    assert created.status_code == create_recorded["status"]["code"] == 201
    assert set(create_recorded["json"]["data"]) <= set(created.json()["data"])  # + edit_history_tweet_ids
    assert created.headers["location"].endswith("/2/tweets/" + created.json()["data"]["id"])
    deleted = client.delete_tweet(created.json()["data"]["id"])
    assert deleted.json() == delete_recorded["json"]

    (me_recorded,) = cassette("test_client_get_me")
    me = client.get_me()
    assert me.json() == me_recorded["json"]
    rate_headers = {name for name in me_recorded["headers"] if name.startswith("x-rate-limit")}
    assert rate_headers <= {name.lower() for name in me.headers}
    assert me.headers["x-rate-limit-limit"] == me_recorded["headers"]["x-rate-limit-limit"][0]

    retweet_recorded, unretweet_recorded = cassette("test_client_retweet_and_unretweet")
    tweet_id = client.create_tweet(text="to retweet").json()["data"]["id"]
    assert client.retweet(tweet_id).json() == retweet_recorded["json"]
    assert client.unretweet(tweet_id).json() == unretweet_recorded["json"]

    (search_recorded,) = cassette("test_client_search_recent_tweets")
    for n in range(11):
        client.create_tweet(text=f"tweet {n}")
    page = client.get_users_tweets(USER_ID, user_auth=True).json()
    assert key_tree(page) == key_tree(search_recorded["json"])


# -- X: recent search ----------------------------------------------------------------------------

APP_TOKEN = "app-only-bearer"


@needs_reference
def test_x_search_recent_matches_the_cassette(x: XDouble) -> None:
    """The recorded search (query=Tweepy, app-only bearer): same body shape, limit 450."""
    (recorded,) = cassette("test_client_search_recent_tweets")
    x.add_app(APP_TOKEN)
    for n in range(12):
        x.seed_tweet(f"2022-10-07 22:{n:02d}:12.637103 tweepy", username="TweepyDev")
    client = tweepy_client(x, bearer_token=APP_TOKEN)
    client.return_type = requests.Response
    answer = client.search_recent_tweets("Tweepy")
    assert answer.status_code == recorded["status"]["code"] == 200
    assert key_tree(answer.json()) == key_tree(recorded["json"])
    assert set(answer.json()["meta"]) == set(recorded["json"]["meta"])
    assert answer.json()["meta"]["result_count"] == 10  # max_results defaults to 10
    assert answer.headers["x-rate-limit-limit"] == recorded["headers"]["x-rate-limit-limit"][0] == "450"
    assert answer.headers["server"] == recorded["headers"]["server"][0]
    user = tweepy_client(x, bearer_token=OAUTH2).search_recent_tweets("Tweepy", user_auth=False)
    assert len(user.data) == 10  # a user token searches too, in its own bucket of 180
    assert x.requests[-1].extra_headers["x-rate-limit-limit"] == "180"


def test_x_search_recent_pages_and_bounds(x: XDouble) -> None:
    x.add_app(APP_TOKEN)
    ids = x.seed_many(45)
    client = tweepy_client(x, bearer_token=APP_TOKEN)
    client.return_type = dict
    seen: list[str] = []
    token = None
    while True:
        page = client.search_recent_tweets("#EndChildLabour2021 OR #EndChildLabour", max_results=20,
                                           next_token=token)
        seen += [t["id"] for t in page.get("data", [])]
        token = page["meta"].get("next_token")
        if not token:
            break
        same = requests.get(f"{x.base_url}/2/tweets/search/recent", timeout=5, params={
            "query": "#EndChildLabour2021 OR #EndChildLabour", "max_results": 20,
            "pagination_token": token}, headers={"Authorization": f"Bearer {APP_TOKEN}"})
        assert same.json()["meta"]["newest_id"] < seen[-1]  # X takes either name
    assert seen == sorted(ids, key=int, reverse=True)  # newest first, each once
    middle = sorted(ids, key=int)[20]
    newer = client.search_recent_tweets("#EndChildLabour2021 OR #EndChildLabour", since_id=middle,
                                        max_results=100)
    assert [t["id"] for t in newer["data"]] == sorted(ids, key=int, reverse=True)[:24]
    older = client.search_recent_tweets("#EndChildLabour2021 OR #EndChildLabour", until_id=middle,
                                        max_results=100)
    assert len(older["data"]) == 20 and older["meta"]["oldest_id"] == min(ids, key=int)


def test_x_search_recent_expansions_and_fields(x: XDouble) -> None:
    x.add_app(APP_TOKEN)
    x.seed_user("ilo", followers=1200, following=30)
    original = x.seed_tweet("Join us #EndChildLabour2021 https://ilo.org/day", username="ilo")
    x.seed_tweet(username="amina", retweet_of=original)
    quote = x.seed_tweet("Yes #EndChildLabour2021", username="bo", quote_of=original)
    reply = x.seed_tweet("Count me in #EndChildLabour2021", username="cy", reply_to=quote)
    client = tweepy_client(x, bearer_token=APP_TOKEN)
    client.return_type = dict
    page = client.search_recent_tweets(
        "#endchildlabour2021", expansions=["author_id", "referenced_tweets.id",
                                           "referenced_tweets.id.author_id"],
        tweet_fields=["created_at", "lang", "public_metrics", "entities", "referenced_tweets",
                      "author_id"], user_fields=["public_metrics"])
    kinds = [[r["type"] for r in t.get("referenced_tweets", [])] for t in page["data"]]
    assert kinds == [["replied_to"], ["quoted"], ["retweeted"], []]
    assert page["data"][2]["text"].startswith("RT @ilo: Join us #EndChildLabour2021")
    assert page["data"][0]["text"].startswith("@bo ")
    assert {u["username"] for u in page["includes"]["users"]} == {"ilo", "amina", "bo", "cy"}
    ilo = next(u for u in page["includes"]["users"] if u["username"] == "ilo")
    assert ilo["public_metrics"]["followers_count"] == 1200
    assert {t["id"] for t in page["includes"]["tweets"]} == {original, quote}
    first = page["data"][3]
    assert first["public_metrics"]["retweet_count"] == 1 and first["public_metrics"]["quote_count"] == 1
    assert first["entities"]["urls"][0]["expanded_url"] == "https://ilo.org/day"
    assert first["created_at"].endswith("Z") and first["lang"] == "en"
    bare = client.search_recent_tweets("#EndChildLabour2021")
    assert set(bare["data"][0]) == {"edit_history_tweet_ids", "id", "text"} and "includes" not in bare
    assert reply in {t["id"] for t in bare["data"]}


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("#labourday", {"a", "b", "rt"}, id="hashtag-any-case"),
    pytest.param("#LabourDay -is:retweet", {"a", "b"}, id="no-retweets"),
    pytest.param("(#LabourDay OR #ChildrensDay) lang:fr", {"b", "c"}, id="or-in-brackets-and-lang"),
    pytest.param("#ChildrensDay OR #LabourDay lang:fr", {"b", "c"}, id="and-before-or"),
    pytest.param("school #LiteracyDay", {"d"}, id="keyword-and-tag"),
    pytest.param('"back to school"', {"d"}, id="phrase"),
    pytest.param("from:ilo -#LabourDay", {"d"}, id="from-and-negated-tag"),
    pytest.param("#LabourDay is:retweet", {"rt"}, id="only-retweets"),
])
def test_x_search_recent_query_operators(x: XDouble, query: str, expected: set[str]) -> None:
    x.add_app(APP_TOKEN)
    made = {
        "a": x.seed_tweet("Happy #LabourDay", username="amina"),
        "b": x.seed_tweet("Bonne fête #labourday", username="bo", lang="fr"),
        "c": x.seed_tweet("Vive #ChildrensDay", username="cy", lang="fr"),
        "d": x.seed_tweet("Back to school for #LiteracyDay", username="ilo"),
    }
    made["rt"] = x.seed_tweet(username="dee", retweet_of=made["a"])
    names = {v: k for k, v in made.items()}
    client = tweepy_client(x, bearer_token=APP_TOKEN)
    client.return_type = dict
    page = client.search_recent_tweets(query, max_results=100)
    assert {names[t["id"]] for t in page.get("data", [])} == expected


@pytest.mark.parametrize(("params", "message"), [
    pytest.param({"max_results": 5},
                 "The `max_results` query parameter value [5] is not between 10 and 100", id="max-results-5"),
    pytest.param({"max_results": 101}, "is not between 10 and 100", id="max-results-101"),
    pytest.param({"since_id": "1", "start_time": "2100-01-01T00:00:00Z"},
                 "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'.",
                 id="ids-with-times"),
    pytest.param({"start_time": "2006-01-01T00:00:00Z"}, "'start_time' must be on or after",
                 id="start-too-old"),
    pytest.param({"next_token": "nonsense"},
                 "The `next_token` query parameter value [nonsense] is not valid", id="bad-token"),
    pytest.param({"query": "(#a OR"}, "There were errors processing your request", id="unbalanced"),
    pytest.param({"query": "-is:retweet"}, "Rules must contain a non-negation term", id="only-negation"),
    pytest.param({"query": "has:nonsense #a"}, "Reference to invalid operator", id="unknown-operator"),
    pytest.param({"tweet.fields": "colour"}, "The `tweet.fields` query parameter value [colour]",
                 id="bad-field"),
])
def test_x_search_recent_refuses_bad_parameters(x: XDouble, params: dict[str, Any], message: str) -> None:
    x.add_app(APP_TOKEN)
    answer = requests.get(f"{x.base_url}/2/tweets/search/recent", params={"query": "#a"} | params,
                          headers={"Authorization": f"Bearer {APP_TOKEN}"}, timeout=5)
    assert answer.status_code == 400
    body = answer.json()
    assert body["title"] == "Invalid Request" and message in body["errors"][0]["message"]


def test_x_search_recent_auth_and_faults(x: XDouble) -> None:
    x.add_app(APP_TOKEN)
    x.seed_many(12)
    url = f"{x.base_url}/2/tweets/search/recent"
    bearer = {"Authorization": f"Bearer {APP_TOKEN}"}
    assert requests.get(url, params={"query": "#x"}, timeout=5).status_code == 401
    me = requests.get(f"{x.base_url}/2/users/me", headers=bearer, timeout=5)
    assert me.status_code == 403 and me.json()["type"].endswith("/unsupported-authentication")
    x.inject(401, path=url.removeprefix(x.base_url))
    refused = requests.get(url, params={"query": "#x"}, headers=bearer, timeout=5)
    assert refused.status_code == 401 and refused.json()["title"] == "Unauthorized"
    x.inject(503, path="/2/tweets/search/recent")
    assert requests.get(url, params={"query": "#x"}, headers=bearer, timeout=5).status_code == 503
    x.inject(200, path="/2/tweets/search/recent", body="<html>maintenance</html>",
             headers={"Content-Type": "text/html"})
    html = requests.get(url, params={"query": "#x"}, headers=bearer, timeout=5)
    assert html.status_code == 200 and html.headers["content-type"] == "text/html"
    x.inject(429, path="/2/tweets/search/recent")
    limited = requests.get(url, params={"query": "#x"}, headers=bearer, timeout=5)
    assert limited.status_code == 429 and limited.headers["x-rate-limit-limit"] == "450"
    assert int(limited.headers["x-rate-limit-reset"]) > time.time()


# -- Mastodon ------------------------------------------------------------------------------------


def test_mastodon_idempotency_key_returns_the_same_status(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    first = api.status_post("Campaign day #EndChildLabour", idempotency_key="post-42")
    again = api.status_post("Campaign day #EndChildLabour", idempotency_key="post-42")
    assert again.id == first.id and len(masto.statuses) == 1
    assert [r.headers.get("idempotency-key") for r in masto.requests] == ["post-42", "post-42"]
    other = api.status_post("Campaign day #EndChildLabour", idempotency_key="post-43")
    assert other.id != first.id and len(masto.live_statuses()) == 2


def test_mastodon_media_post_with_description(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    media = api.media_post(b"\x89PNG\r\n\x1a\nfake", mime_type="image/png", description="A classroom")
    assert media.description == "A classroom" and media.url is not None
    status = api.status_post("Look", media_ids=[media])
    assert status.media_attachments[0].description == "A classroom"
    assert masto.media[str(media.id)]["status_id"] == str(status.id)
    assert requests.get(media.url).content == b"\x89PNG\r\n\x1a\nfake"


def test_mastodon_async_media_must_finish_processing(masto: MastodonDouble) -> None:
    masto.media_processing_polls = 1
    api = mastodon_client(masto)
    media = api.media_post(b"GIF89a-fake", mime_type="image/gif", description="Animated")
    assert media.url is None and masto.requests[-1].status == 202
    with pytest.raises(mastodon_py.MastodonAPIError, match="finished processing"):
        api.status_post("too early", media_ids=[media])
    assert api.media(media).url is None and masto.requests[-1].status == 206
    assert api.media(media).url is not None and masto.requests[-1].status == 200
    assert api.status_post("now", media_ids=[media]).media_attachments[0].type == "gifv"


def test_mastodon_length_limit_counts_urls_as_23(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    url = "https://example.org/" + "x" * 100
    api.status_post("a" * 476 + " " + url)  # 476 + 1 + 23 = 500
    with pytest.raises(mastodon_py.MastodonAPIError) as raised:
        api.status_post("a" * 477 + " " + url)
    assert raised.value.args[1] == 422
    assert raised.value.args[3] == "Validation failed: Text character limit of 500 exceeded"


def test_mastodon_bad_token_is_401(masto: MastodonDouble) -> None:
    with pytest.raises(mastodon_py.MastodonUnauthorizedError) as raised:
        mastodon_client(masto, token="wrong").status_post("nope")
    assert raised.value.args[3] == "The access token is invalid"
    assert masto.statuses == []


def test_mastodon_status_and_account_shapes_match_the_recording(masto: MastodonDouble) -> None:
    if not REFERENCE.is_dir():
        pytest.skip("shared/reference is not beside the repo")
    posted_recorded, deleted_recorded = mastodon_recording("status_post")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    posted = requests.post(f"{masto.base_url}/api/v1/statuses", data={"status": "Toot!"}, headers=headers)
    assert posted.status_code == 200
    body = posted.json()
    assert list(body) == list(posted_recorded["json"])
    assert list(body["account"]) == list(posted_recorded["json"]["account"])
    assert body["content"] == posted_recorded["json"]["content"] == "<p>Toot!</p>"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", posted.headers["X-RateLimit-Reset"])
    assert posted.headers["X-RateLimit-Limit"] == posted_recorded["headers"]["x-ratelimit-limit"][0]
    deleted = requests.delete(f"{masto.base_url}/api/v1/statuses/{body['id']}", headers=headers)
    assert list(deleted.json()) == list(deleted_recorded["json"]) and deleted.json()["text"] == "Toot!"
    assert deleted.headers["X-RateLimit-Limit"] == deleted_recorded["headers"]["x-ratelimit-limit"][0]


def test_mastodon_tag_timeline_link_header_as_recorded(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    posted = [api.status_post(f"#hoot number {n}") for n in range(3)]
    api.status_post("#hoot but unlisted", visibility="unlisted")  # not in hashtag timelines
    page = requests.get(f"{masto.base_url}/api/v1/timelines/tag/hoot?limit=2")
    newest, older = posted[2].id, posted[1].id
    base = f"{masto.base_url}/api/v1/timelines/tag/hoot"
    assert page.headers["Link"] == (
        f'<{base}?limit=2&max_id={older}>; rel="next", <{base}?limit=2&min_id={newest}>; rel="prev"'
    )
    first = api.timeline_hashtag("hoot", limit=2)
    rest = api.fetch_next(first)
    assert [s.id for s in first + rest] == [p.id for p in reversed(posted)]
    assert first[0].tags[0].name == "hoot"
    if REFERENCE.is_dir():
        recorded = mastodon_recording("hashtag_timeline")[2]
        link = re.sub(r"http://localhost:3000", "", recorded["headers"]["link"][0])
        assert re.fullmatch(r'<[^>]+\?max_id=\d+>; rel="next", <[^>]+\?min_id=\d+>; rel="prev"', link)
        assert list(page.json()[0]) == list(recorded["json"][0])


def test_mastodon_tag_timeline_min_id_gives_the_page_right_above(masto: MastodonDouble) -> None:
    ids = masto.seed(100, tags=("Hoot",), start=1_600_000_000)
    assert [int(i) >> 16 for i in ids[:2]] == [1_600_000_000_000, 1_600_000_001_000]  # ms << 16
    api = mastodon_client(masto)
    assert [str(s.id) for s in api.timeline_hashtag("hoot")] == list(reversed(ids[-20:]))
    above = api.timeline_hashtag("hoot", min_id=ids[9], limit=50)  # 40 at most
    assert [str(s.id) for s in above] == list(reversed(ids[10:50]))
    assert [str(s.id) for s in api.fetch_previous(above)] == list(reversed(ids[50:90]))
    answer = requests.get(f"{masto.base_url}/api/v1/timelines/tag/hoot?min_id={ids[-1]}")
    assert answer.json() == [] and "Link" not in answer.headers
    assert answer.headers["Cache-Control"] == "private, no-store"


def test_mastodon_tag_timeline_login_required_and_revoked_tokens() -> None:
    with MastodonDouble(tag_timelines_require_login=True) as masto:
        masto.add_account("reader", TOKEN)
        masto.seed(1)
        anonymous = requests.get(f"{masto.base_url}/api/v1/timelines/tag/endchildlabour2021")
        assert (anonymous.status_code, anonymous.json()) == (
            401, {"error": "This API requires an authenticated user"})
        instance = requests.get(f"{masto.base_url}/api/v2/instance").json()
        assert instance["configuration"]["timelines_access"]["hashtag_feeds"]["local"] == "authenticated"
        assert len(mastodon_client(masto).timeline_hashtag("endchildlabour2021")) == 1
        masto.revoke(TOKEN)
        with pytest.raises(mastodon_py.MastodonUnauthorizedError):
            mastodon_client(masto).timeline_hashtag("endchildlabour2021")
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        revoked = requests.get(f"{masto.base_url}/api/v1/timelines/tag/x", headers=bearer)
        assert revoked.json() == {"error": "The access token was revoked"}


def test_mastodon_federation_gives_other_ids_and_the_same_uri() -> None:
    from tests.servers.federation import Federation

    with Federation(3) as federation:
        origin = federation.post(0, "alice", "Pledge #EndChildLabour2021", at=1_700_000_000)
        copies = [
            requests.get(f"{i.base_url}/api/v1/timelines/tag/endchildlabour2021").json()[0]
            for i in federation.instances
        ]
        assert len({c["id"] for c in copies}) == 3 and {c["uri"] for c in copies} == {origin["uri"]}
        domain = federation.instances[0].domain
        assert [c["account"]["acct"] for c in copies] == ["alice", f"alice@{domain}", f"alice@{domain}"]
        assert int(copies[1]["id"]) > int(origin["id"])  # delivered later, a later snowflake
        assert federation.errors() == []


def test_mastodon_search_by_url_reblog_and_account_statuses(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    status = api.status_post("Find me")
    found = api.search_v2(status.url, resolve=True)
    assert [s.id for s in found.statuses] == [status.id]
    reblog = api.status_reblog(status)
    assert api.status_reblog(status).id == reblog.id and reblog.reblog.id == status.id
    assert len(api.account_statuses(status.account)) == 2
    assert api.status_unreblog(status).reblogged is False
    assert [s["reblog_of_id"] for s in masto.statuses] == [None, str(status.id)]


def test_mastodon_injected_429_and_inject_after_then_idempotent_retry(masto: MastodonDouble) -> None:
    api = mastodon_client(masto)
    masto.inject(429, path="/api/v1/statuses")
    with pytest.raises(mastodon_py.MastodonRatelimitError):
        api.status_post("rate limited")
    assert masto.requests[-1].status == 429 and masto.statuses == []
    masto.inject_after(500, path="/api/v1/statuses", method="POST")
    with pytest.raises(mastodon_py.MastodonInternalServerError):
        api.status_post("stored anyway", idempotency_key="retry-me")
    retried = api.status_post("stored anyway", idempotency_key="retry-me")
    assert [s["id"] for s in masto.statuses] == [str(retried.id)]


# -- the reverse proxy ---------------------------------------------------------------------------


def test_proxy_forwards_and_runs_commit_hooks_after_the_upstream_stored(masto: MastodonDouble) -> None:
    with ReverseProxy(masto.base_url) as proxy:
        seen: list[int] = []
        proxy.on_commit(
            lambda request: seen.append(len(masto.statuses)), method="POST", path="/api/v1/statuses"
        )
        api = mastodon_py.Mastodon(access_token=TOKEN, api_base_url=proxy.base_url, ratelimit_method="throw")
        status = api.status_post("through the proxy")
        assert api.status(status.id).content == "<p>through the proxy</p>"
        assert seen == [1]
        proxy.inject(503, path="/api/v1/statuses", method="POST")
        with pytest.raises(mastodon_py.MastodonServiceUnavailableError):
            api.status_post("never forwarded")
        assert len(masto.statuses) == 1
        assert [r.status for r in proxy.requests] == [200, 200, 503]
        assert proxy.errors == []


def test_proxy_reports_an_unreachable_upstream_as_502() -> None:
    with XDouble() as upstream:
        dead = upstream.base_url
    with ReverseProxy(dead) as proxy:
        answer = requests.get(f"{proxy.base_url}/xrpc/com.atproto.server.describeServer")
    assert answer.status_code == 502 and answer.json()["error"] == "UpstreamFailure"


def test_reference_path_is_the_shared_folder() -> None:
    expected = Path(__file__).resolve().parents[3] / "shared" / "reference"
    assert expected == REFERENCE
