"""Publishing through `campaign run` against the same calls made directly with each network's SDK.

For each network, 1,000 posts are planned into SQLite and published by one `campaign run --once`
process; the baseline is one process that makes the same 1,000 create calls in a loop with the
SDK alone (atproto `putRecord`, tweepy `create_tweet`, Mastodon.py `status_post`). Both run as
separate processes against the same local server (a real Bluesky PDS, the X and Mastodon
doubles), so the ratio is our queue's cost next to the network call. Run with
``python bench/bench_publish.py`` (or ``make bench``).
"""

# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.servers: the same servers the tests start

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from campaign.content.render import RenderedPost
from campaign.platforms.credentials import default_ref
from campaign.queue.store import Store
from campaign.text.measure import measure

TOTAL = int(os.environ.get("BENCH_PUBLISH_POSTS", "1000"))
GOAL = 1.5
CAMPAIGN_EXE = str(Path(sys.executable).parent / "campaign")


def text_of(i: int) -> str:
    """A French post with accents, emoji and hashtags, different each time (X refuses repeats)."""
    return (f"Journée mondiale contre le travail des enfants 🌍 message n° {i} : l’école, pas "
            "l’usine ! #EndChildLabour2021 #ÉducationPourTous")


def bench_posts(network: str, total: int) -> list[RenderedPost]:
    due = datetime.now(UTC) - timedelta(minutes=1)
    posts = []
    for i in range(total):
        text = text_of(i)
        posts.append(RenderedPost(campaign="bench", entry_id=f"e{i}", kind="message", part="inspirer",
                          title="", audience="a", language="fr", network=network, due=due,
                          day_bound=False, template="", text=text, parts=(text,),
                          measure=measure(network, text)))
    return posts


# -- the servers and their accounts ------------------------------------------------------------
@contextmanager
def server(network: str, stack: ExitStack) -> Iterator[dict[str, Any]]:
    """A started server with one account: handle, base URL, secrets."""
    if network == "x":
        from tests.servers.x import XDouble

        x = stack.enter_context(XDouble())
        creds = {"consumer_key": "bench-ck", "consumer_secret": "bench-cs",
                 "access_token": "4242-bench", "access_token_secret": "bench-ats"}
        x.add_user("bench", **creds)
        yield {"handle": "@bench", "base_url": x.base_url, "secrets": creds,
               "count": lambda: len(x.live_tweets("bench"))}
    elif network == "mastodon":
        from tests.servers.mastodon import MastodonDouble

        m = stack.enter_context(MastodonDouble())
        m.add_account("bench", "bench-token")
        yield {"handle": "@bench", "base_url": m.base_url,
               "secrets": {"access_token": "bench-token"},
               "count": lambda: len(m.live_statuses("bench"))}
    else:
        from tests.servers.pds import LocalPDS, pds_available

        reason = pds_available()
        if reason:
            raise SystemExit(f"bluesky: skipped ({reason})")
        pds = stack.enter_context(LocalPDS())
        account = pds.create_account("bench")
        yield {"handle": account.handle, "base_url": pds.url,
               "secrets": {"app_password": account.app_password},
               "count": lambda: len(pds.list_records(account.did))}


def _env(network: str, handle: str, secrets: dict[str, str]) -> dict[str, str]:
    prefix = default_ref(network, handle)[4:]
    return {**os.environ, **{f"{prefix}_{k.upper()}": v for k, v in secrets.items()}}


# -- ours ---------------------------------------------------------------------------------------
def time_campaign_run(network: str, live: dict[str, Any], folder: Path, total: int,
                      name: str) -> float:
    db = f"sqlite:///{folder / f'{name}.db'}"
    store = Store(db)
    store.upgrade()
    account = store.add_account(network, live["handle"], default_ref(network, live["handle"]),
                                live["base_url"])
    store.plan(bench_posts(network, total), {network: account})
    store.close()
    started = time.perf_counter()
    done = subprocess.run([CAMPAIGN_EXE, "run", "--once", "--json", "--db", db],
                          env=_env(network, live["handle"], live["secrets"]),
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    report = json.loads(done.stdout[done.stdout.index("{"):])
    if report["published"] != total:
        raise SystemExit(f"{network}: published {report['published']} of {total}: {done.stdout}")
    return seconds


# -- the SDK alone, in its own process ------------------------------------------------------------
def direct(network: str, base_url: str, handle: str, total: int, offset: int) -> None:
    """The baseline process: sign in, then ``total`` create calls in a loop."""
    secrets = json.loads(os.environ["BENCH_SECRETS"])
    if network == "x":
        import tweepy

        from tests.servers.x import redirect_session

        client = tweepy.Client(**secrets)
        redirect_session(client.session, base_url)
        for i in range(total):
            client.create_tweet(text=text_of(offset + i), user_auth=True)
    elif network == "mastodon":
        from mastodon import Mastodon

        api = Mastodon(access_token=secrets["access_token"], api_base_url=base_url)
        for i in range(total):
            api.status_post(text_of(offset + i), visibility="public", language="fr",
                            idempotency_key=f"direct-{offset + i}")
    else:
        from atproto import Client

        from campaign.platforms.bluesky.publisher import tid
        from campaign.text.facets import bluesky_facets, facets_to_atproto

        client = Client(base_url=f"{base_url}/xrpc")
        client.login(handle, secrets["app_password"], fetch_bsky_profile=False)
        did = client._session.did  # the signed-in DID, read as our publisher reads it
        now = datetime.now(UTC)
        for i in range(total):
            text = text_of(offset + i)
            client.com.atproto.repo.put_record({
                "repo": did, "collection": "app.bsky.feed.post",
                "rkey": tid(f"direct-{offset + i}", now),
                "record": {"$type": "app.bsky.feed.post", "text": text, "langs": ["fr"],
                           "createdAt": now.isoformat().replace("+00:00", "Z"),
                           "facets": facets_to_atproto(bluesky_facets(text))}})


def time_direct(network: str, live: dict[str, Any], total: int, offset: int) -> float:
    env = {**os.environ, "BENCH_SECRETS": json.dumps(live["secrets"]),
           "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "direct", network, live["base_url"],
                    live["handle"], str(total), str(offset)], env=env, check=True)
    return time.perf_counter() - started


# -- report ---------------------------------------------------------------------------------------
def bench_network(network: str, folder: Path, total: int = TOTAL) -> None:
    with ExitStack() as stack, server(network, stack) as live:
        ours = time_campaign_run(network, live, folder, total, network)
        theirs = time_direct(network, live, total, total)
        if live["count"]() != 2 * total:
            raise SystemExit(f"{network}: the server holds {live['count']()} posts, "
                             f"not {2 * total}")
    # both sides are whole processes: interpreter, imports, sign-in, then every post
    ratio = ours / theirs
    print(f"  {network:<9} campaign run {total / ours:6.0f} posts/s ({ours:5.1f} s)   "
          f"SDK loop {total / theirs:6.0f} posts/s ({theirs:5.1f} s)   "
          f"ratio {ratio:4.2f}x   goal ≤ {GOAL}x {'met' if ratio <= GOAL else 'NOT met'}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "direct":
        direct(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
        return
    networks = sys.argv[1:] or ["bluesky", "x", "mastodon"]
    print(f"Publishing {TOTAL:,} posts per network: `campaign run --once` against the SDK "
          "alone in a loop (each in its own process, same local server)")
    with tempfile.TemporaryDirectory() as folder:
        for network in networks:
            try:
                bench_network(network, Path(folder))
            except SystemExit as exc:
                print(f"  {exc}")


if __name__ == "__main__":
    main()
