"""Migrations from an older schema with data in it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from campaign.queue.engine import Database
from campaign.queue.store import Store

# (due_at as stored: naive UTC, timezone, the month on the post's own clocks)
DUES = [
    pytest.param(datetime(2021, 6, 30, 22, 30), "Europe/Zurich", 7, id="zurich-already-july"),
    pytest.param(datetime(2021, 6, 30, 22, 30), "UTC", 6, id="utc-still-june"),
    pytest.param(datetime(2021, 7, 1, 2, 0), "America/Santiago", 6, id="santiago-still-june"),
    pytest.param(datetime(2021, 12, 31, 13, 0), "Pacific/Auckland", 1, id="auckland-next-year"),
]
MANY = 2_345  # more than one batch of the migration's 2,000


def _to(store: Database, revision: str, *, down: bool = False) -> None:
    """Migrate ``store``'s database to ``revision`` exactly (older ones included), up or down."""
    from alembic import command

    config = store._alembic_config()
    engine = create_engine(store.url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def _fill_0002(url: str, dues: list[tuple[datetime, str]]) -> None:
    """Accounts and posts written as version 0002 of the schema held them."""
    engine = create_engine(url)
    now = datetime(2021, 1, 1)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO accounts (network, handle, credentials_ref, base_url, created_at) "
            "VALUES ('x', 'old_x', 'env:OLD', '', :now)"), {"now": now})
        conn.execute(text(
            "INSERT INTO posts (idempotency_key, post_key, campaign, entry, audience, language, "
            "network, account_id, text, parts_json, facets_json, content_hash, due_at, timezone, "
            "day_bound, status, reviewed, attempts, created_at, updated_at) VALUES (:key, :key, "
            "'c', 'e', 'a', 'fr', 'x', 1, 'hello', '[\"hello\"]', '[]', 'h', :due, :zone, "
            ":false, 'scheduled', :false, 0, :now, :now)"),
            [{"key": f"k{i}", "due": due, "zone": zone, "now": now, "false": False}
             for i, (due, zone) in enumerate(dues)])
    engine.dispose()


@pytest.mark.parametrize(("due", "zone", "month"), DUES)
def test_upgrading_a_0002_database_stores_each_posts_local_month(
        database_url: str, due: datetime, zone: str, month: int) -> None:
    store = Store(database_url)
    _to(store, "0002")
    _fill_0002(store.url, [(due, zone)])
    assert store.upgrade() == ("0002", "0007")
    [post] = store.posts()
    assert (post.due_month, post.due_at, post.timezone) == (month, due.replace(tzinfo=UTC), zone)
    assert [p.id for p in store.posts(months=[month])] == [post.id]
    assert store.posts(months=[m for m in range(1, 13) if m != month]) == []
    store.close()


def test_upgrading_fills_every_batch_and_indexes_the_month(database_url: str) -> None:
    store = Store(database_url)
    _to(store, "0002")
    dues = [(datetime(2021, 1 + i % 12, 15, 12, 0), "Europe/Paris") for i in range(MANY)]
    _fill_0002(store.url, dues)
    store.upgrade()
    engine = create_engine(store.url)
    with engine.connect() as conn:
        counts = dict(conn.execute(text(
            "SELECT due_month, count(*) FROM posts GROUP BY due_month")).all())
        indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("posts")}
        nullable = {c["name"]: c["nullable"] for c in inspect(conn).get_columns("posts")}
    engine.dispose()
    assert sum(counts.values()) == MANY and set(counts) == set(range(1, 13))
    assert counts[1] == len(range(0, MANY, 12))
    assert indexes["ix_posts_due_month"] == ["due_month", "due_at", "id"]
    assert indexes["ix_posts_post_key"] == ["post_key", "account_id", "status", "due_at"]
    assert nullable["due_month"] is False
    # the accounts and posts came through unchanged
    [account] = store.accounts()
    assert (account.handle, account.credentials_ref) == ("old_x", "env:OLD")
    assert len(store.posts(months=[3], limit=5)) == 5
    store.close()


def test_downgrading_to_0002_drops_the_month(database_url: str) -> None:
    from alembic import command

    store = Store(database_url)
    store.upgrade()
    config = store._alembic_config()
    engine = create_engine(store.url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("posts")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("posts")}
    engine.dispose()
    assert "due_month" not in columns
    assert not {"ix_posts_due_month", "ix_posts_post_key"} & indexes
    assert store.upgrade() == ("0002", "0007")
    store.close()
