"""Accounts' health on SQLite and PostgreSQL: stopped accounts and why, the latest rate-limit
pause and until when, the due posts a stopped account holds, the last publication and failure,
and what signing in kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from campaign.queue import editing
from campaign.queue.health import AccountHealth, health, stopped
from campaign.queue.store import Store
from tests.queue.queuecal_seed import CREDENTIALS, RATE_LIMIT, REFUSED, Seeded, seed


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> Seeded:
    return seed(store, tmp_path)


def by_network(store: Store, seeded: Seeded, after: timedelta) -> dict[str, AccountHealth]:
    return {a.network: a for a in health(store, seeded.first_due + after)}


def test_a_stopped_account_says_why_and_what_it_holds(store: Store, seeded: Seeded) -> None:
    accounts = by_network(store, seeded, timedelta(days=30))
    mastodon = accounts["mastodon"]
    assert mastodon.stopped.startswith("credentials refused: " + CREDENTIALS)
    # every waiting Mastodon post is due by then, and held
    waiting = [p for p in store.posts(networks=["mastodon"], statuses=["scheduled"])]
    assert mastodon.held == len(waiting) > 0
    assert mastodon.first_held == min(p.id for p in waiting)
    assert [a.network for a in stopped(list(health(store, seeded.first_due)))] == ["mastodon"]
    assert not accounts["x"].stopped


def test_the_latest_rate_limit_pause_and_until_when(store: Store, seeded: Seeded) -> None:
    during = by_network(store, seeded, timedelta(minutes=5))["bluesky"]
    pause = during.pause
    assert pause is not None and pause.active and RATE_LIMIT in pause.detail
    # the reset asked for (20 min) is clamped to the runner's cap of 15 min
    assert pause.until == seeded.first_due + timedelta(minutes=16)
    assert pause.post_id == seeded.rate_limited
    after = by_network(store, seeded, timedelta(hours=1))["bluesky"].pause
    assert after is not None and not after.active
    # a refused sign-in also puts the pass's other posts back "paused": that is no rate limit
    assert by_network(store, seeded, timedelta(hours=1))["mastodon"].pause is None


def test_last_publication_and_last_failure(store: Store, seeded: Seeded) -> None:
    x = by_network(store, seeded, timedelta(hours=1))["x"]
    assert x.published is not None and x.published.post_id in seeded.published
    assert x.failure is not None and x.failure.detail == REFUSED
    assert x.failure.post_id in seeded.failed
    counts = dict(x.counts)
    assert counts["published"] == len(seeded.published) and sum(counts.values()) == seeded.posts // 3
    bluesky = by_network(store, seeded, timedelta(hours=1))["bluesky"]
    assert bluesky.published is None and bluesky.failure is None


def test_a_retry_restarts_the_account(store: Store, seeded: Seeded) -> None:
    failed = [p.id for p in store.posts(networks=["mastodon"], statuses=["failed"])]
    assert editing.retry(store, failed, actor="eli").ok
    assert not by_network(store, seeded, timedelta(hours=1))["mastodon"].stopped


def test_what_signing_in_kept_and_when(store: Store, seeded: Seeded) -> None:
    x = store.find_account("x")
    store.save_account_settings(x.id, {"user_id": "12345"})
    assert by_network(store, seeded, timedelta(0))["x"].signed_in == (("user_id", "12345"),)
    assert by_network(store, seeded, timedelta(0))["x"].checked_at is None
    store.save_account_settings(x.id, {"checked_at": "2021-06-01T08:00:00Z"})
    checked = by_network(store, seeded, timedelta(0))["x"].checked_at
    assert checked is not None and checked.isoformat() == "2021-06-01T08:00:00+00:00"


def test_no_accounts_no_health(store: Store) -> None:
    from datetime import UTC, datetime

    assert health(store, datetime(2021, 6, 1, tzinfo=UTC)) == []
