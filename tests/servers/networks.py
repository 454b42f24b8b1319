"""One account on each network's test server, seen the same way by every publishing test.

A :class:`Live` account says how to register it with ``campaign accounts add`` (handle, base URL,
secrets as environment variables), gives the server to inject faults into, and reads back what
the server holds, normalised to :class:`Posted` so one assertion serves all three networks.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from campaign.platforms.credentials import default_ref
from tests.servers.httpdouble import HTTPDouble
from tests.servers.mastodon import MastodonDouble
from tests.servers.pds import LocalPDS
from tests.servers.proxy import ReverseProxy
from tests.servers.x import XDouble

NETWORKS = ("x", "bluesky", "mastodon")
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Posted:
    """A post as its server holds it."""

    id: str
    text: str
    reply_to: str | None
    alts: tuple[str, ...]
    tags: tuple[str, ...]  # the hashtags the network will make clickable, without '#'
    language: str | None
    quotes: str | None = None


@dataclass
class Live:
    """An account on a test server."""

    network: str
    handle: str
    base_url: str
    secrets: dict[str, str]
    server: HTTPDouble  # the double, or the proxy in front of the PDS: where faults go
    read_back: Callable[[], list[Posted]]
    reposts: Callable[[], list[str]]  # ids or URIs of what the account reposted
    make_target: Callable[[str], str]  # another account posts TEXT; returns its address
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The environment variables `campaign` reads the secrets from (default reference)."""
        prefix = default_ref(self.network, self.handle)[4:]
        return {f"{prefix}_{name.upper()}": value for name, value in self.secrets.items()}

    @property
    def name(self) -> str:
        """NETWORK=HANDLE, as the commands take it."""
        return f"{self.network}={self.handle}"


# -- X ----------------------------------------------------------------------------------------
def _x_posted(x: XDouble, username: str) -> list[Posted]:
    found = []
    for t in x.live_tweets(username):
        alts = tuple(x.media[m]["alt_text"] or "" for m in t["media_ids"])
        tags = tuple(w[1:].rstrip(".,!?:;") for w in t["request_text"].split() if w.startswith("#"))
        found.append(Posted(t["id"], t["request_text"], t["in_reply_to_tweet_id"], alts, tags,
                            None, t["quote_tweet_id"]))
    return sorted(found, key=lambda p: int(p.id))


@contextmanager
def x_account() -> Iterator[Live]:
    """An X user on a fresh double, with OAuth 1.0a credentials."""
    with XDouble() as x:
        n = next(_numbers)
        creds = {"consumer_key": f"ck{n}{secrets.token_hex(4)}",
                 "consumer_secret": f"cs-{secrets.token_hex(8)}",
                 "access_token": f"{1000 + n}-{secrets.token_hex(8)}",
                 "access_token_secret": f"ats-{secrets.token_hex(8)}"}
        oauth2 = f"oauth2-{secrets.token_hex(8)}"
        me = x.add_user("ilo_fr", **creds, oauth2_token=oauth2)
        other = {"consumer_key": "ck-other", "consumer_secret": "cs-other",
                 "access_token": "9000-other", "access_token_secret": "ats-other"}
        x.add_user("partner", **other)

        def make_target(text: str) -> str:
            import tweepy

            from tests.servers.x import redirect_session

            client = tweepy.Client(**other)
            redirect_session(client.session, x.base_url)
            created = client.create_tweet(text=text, user_auth=True)
            return f"https://x.com/partner/status/{created.data['id']}"

        yield Live("x", "@ilo_fr", x.base_url, creds, x, lambda: _x_posted(x, "ilo_fr"),
                   lambda: [r["tweet_id"] for r in x.retweets
                            if r["user_id"] == me.user_id and not r["undone"]],
                   make_target, {"oauth2_token": oauth2})


# -- Mastodon ---------------------------------------------------------------------------------
def _mastodon_posted(m: MastodonDouble, username: str) -> list[Posted]:
    found = []
    for s in m.live_statuses(username):
        if s["reblog_of_id"]:
            continue
        alts = tuple(m.media[i]["description"] or "" for i in s["media_ids"])
        found.append(Posted(s["id"], s["text"], s["in_reply_to_id"], alts, tuple(s["tags"]),
                            s["language"], s.get("quoted_status_id")))
    return sorted(found, key=lambda p: int(p.id))


@contextmanager
def mastodon_account(version: str = "4.3.0") -> Iterator[Live]:
    """A Mastodon account on a fresh double (limits 500 and 23) of that Mastodon version."""
    with MastodonDouble(version=version) as m:
        token = f"tok-{secrets.token_hex(12)}"
        m.add_account("ilo", token, language="fr")
        partner = m.add_account("partner", "tok-partner")

        def make_target(text: str) -> str:
            from mastodon import Mastodon

            api = Mastodon(access_token="tok-partner", api_base_url=m.base_url)
            status = api.status_post(text)
            return str(status["url"])

        yield Live("mastodon", "@ilo", m.base_url, {"access_token": token}, m,
                   lambda: _mastodon_posted(m, "ilo"),
                   lambda: [s["reblog_of_id"] for s in m.statuses
                            if s["username"] == "ilo" and s["reblog_of_id"] and not s["deleted"]],
                   make_target, {"partner": partner})


# -- Bluesky ----------------------------------------------------------------------------------
def _bluesky_posted(pds: LocalPDS, did: str) -> list[Posted]:
    found = []
    for r in pds.list_records(did):
        value = r["value"]
        data = value["text"].encode()
        tags = []
        for facet in value.get("facets", []):
            for feature in facet["features"]:
                if feature["$type"] == "app.bsky.richtext.facet#tag":
                    # clickable only if the byte range covers exactly '#tag'
                    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
                    assert data[start:end].decode() == "#" + feature["tag"], (value, facet)
                    tags.append(feature["tag"])
        embed = value.get("embed") or {}
        images = embed.get("images") or (embed.get("media") or {}).get("images") or []
        quoted = (embed.get("record") or {}).get("uri") or \
            ((embed.get("record") or {}).get("record") or {}).get("uri")
        reply = (value.get("reply") or {}).get("parent", {}).get("uri")
        found.append(Posted(r["uri"], value["text"], reply, tuple(i["alt"] for i in images),
                            tuple(tags), (value.get("langs") or [None])[0], quoted))
    return sorted(found, key=lambda p: p.id)


@contextmanager
def bluesky_account(pds: LocalPDS) -> Iterator[Live]:
    """A new account on the session's PDS, reached through a proxy that can inject faults."""
    account = pds.create_account(f"ilo{next(_numbers)}")
    partner = pds.create_account(f"partner{next(_numbers)}")
    with ReverseProxy(pds.url) as proxy:

        def make_target(text: str) -> str:
            from datetime import UTC, datetime

            made = pds.xrpc("com.atproto.repo.createRecord", token=partner.access_jwt, body={
                "repo": partner.did, "collection": "app.bsky.feed.post",
                "record": {"$type": "app.bsky.feed.post", "text": text,
                           "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z")}})
            return str(made["uri"])

        def posted() -> list[Posted]:
            # ordered by creation: the record keys of one post are not in order, createdAt is
            records = {r["uri"]: r["value"]["createdAt"] for r in pds.list_records(account.did)}
            return sorted(_bluesky_posted(pds, account.did), key=lambda p: (records[p.id], p.id))

        yield Live("bluesky", account.handle, proxy.base_url,
                   {"app_password": account.app_password}, proxy, posted,
                   lambda: [r["value"]["subject"]["uri"]
                            for r in pds.list_records(account.did, "app.bsky.feed.repost")],
                   make_target, {"did": account.did, "pds": pds})
