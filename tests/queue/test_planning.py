"""Planning on SQLite and PostgreSQL: what it stores, the local month `queue list --month` reads,
and re-planning a network onto another account (listed, or cancelled with --replace-account)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from campaign.content.render import RenderedPost, Renderer
from campaign.content.schedule import Schedule
from campaign.queue.engine import POSTS, utcnow
from campaign.queue.errors import StoreError
from campaign.queue.models import Account, Status
from campaign.queue.planning import Rows, driver_rows
from campaign.queue.store import Store

WORLD_DAY = "world-day-against-child-labour"


def accounts_of(store: Store, name: str = "demo") -> dict[str, Account]:
    handles = {"x": f"{name}_x", "bluesky": f"{name}.test", "mastodon": f"{name}-mastodon"}
    return {n: store.add_account(n, handle) for n, handle in handles.items()}


def june_posts(renderer: Renderer, schedule: Schedule) -> list[RenderedPost]:
    return list(renderer.posts(schedule.select(months=[6]), audiences=["individual"],
                               languages=["fr"]))


def raw_rows(url: str, account_id: int) -> list[dict[str, Any]]:
    """The posts of one account as the database holds them (no column type in between)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(
                f"SELECT * FROM posts WHERE account_id = {int(account_id)} ORDER BY post_key")
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def test_planned_rows_are_stored_as_core_would_store_them(store: Store, renderer: Renderer,
                                                         schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    first, second = accounts_of(store), accounts_of(store, "other")
    rows = Rows(utcnow(), review=False)
    core = [rows.row(p, first[p.network].id, first[p.network].handle) for p in posts]
    ours = [rows.row(p, second[p.network].id, second[p.network].handle) for p in posts]
    engine = create_engine(store.url)
    with engine.begin() as conn:
        conn.execute(POSTS.insert(), core)  # SQLAlchemy's own executemany, every type applied
        sql, values = driver_rows(conn.dialect, ours)
        conn.exec_driver_sql(sql, values)
    engine.dispose()
    for network in first:
        by_core, by_us = raw_rows(store.url, first[network].id), raw_rows(store.url,
                                                                          second[network].id)
        assert by_core and len(by_core) == len(by_us)
        for a, b in zip(by_core, by_us, strict=True):
            for row in (a, b):
                for column in ("id", "idempotency_key", "account_id"):
                    del row[column]
            assert a == b


def test_planning_writes_one_creation_event_per_new_post(store: Store, renderer: Renderer,
                                                        schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    store.plan(posts, accounts_of(store), review=True)
    planned = store.posts()
    assert len(planned) == len(posts) and {p.status for p in planned} == {Status.DRAFT}
    for post in planned:
        [event] = store.events(post.id)
        assert (event.from_status, event.to_status, event.actor, event.detail) == \
            (None, Status.DRAFT, "plan", "planned")
        assert event.at == post.created_at


def _due(post: RenderedPost, local: str) -> RenderedPost:
    """The post moved to a local wall-clock time in its own timezone."""
    return post._replace(due=datetime.fromisoformat(local).replace(tzinfo=post.due.tzinfo))


def test_the_month_is_the_local_one_and_filtered_in_sql(store: Store, renderer: Renderer,
                                                        schedule: Schedule) -> None:
    posts = [p for p in june_posts(renderer, schedule) if p.network == "x"]
    assert str(posts[0].due.tzinfo) == "Europe/Zurich"
    # 00:30 on 1 July in Zurich is still 30 June in UTC: the post belongs to July
    moved = [_due(posts[0], "2021-07-01T00:30"), _due(posts[1], "2021-06-30T23:30"),
             *posts[2:]]
    store.plan(moved, accounts_of(store))
    july = store.posts(months=[7])
    assert [p.post_key for p in july] == [posts[0].key]
    assert july[0].due_at == datetime(2021, 6, 30, 22, 30, tzinfo=UTC)
    june = store.posts(months=[6])
    assert posts[0].key not in {p.post_key for p in june} and len(june) == len(posts) - 1
    everything = store.posts(months=[6, 7])
    assert [p.id for p in store.posts(months=[6, 7], limit=2)] == [p.id for p in everything[:2]]
    assert [(p.due_at, p.id) for p in everything] == sorted((p.due_at, p.id) for p in everything)


def test_a_new_time_moves_the_post_to_its_new_local_month(store: Store, renderer: Renderer,
                                                          schedule: Schedule) -> None:
    store.plan(june_posts(renderer, schedule), accounts_of(store))
    post = store.posts(months=[6], limit=1)[0]
    # 23:30 UTC on 31 July is 1 August in Zurich
    moment = datetime(2021, 7, 31, 23, 30, tzinfo=UTC)
    assert store.transition([post.id], post.status, actor="review", detail="rescheduled",
                            due_at=moment) == [post.id]
    assert [p.id for p in store.posts(months=[8])] == [post.id]
    assert post.id not in {p.id for p in store.posts(months=[6, 7])}


def test_changed_time_in_a_new_plan_moves_the_month_too(store: Store, renderer: Renderer,
                                                        schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    accounts = accounts_of(store)
    store.plan(posts, accounts)
    report = store.plan([_due(posts[0], "2021-09-15T10:00"), *posts[1:]], accounts)
    assert report.updated == 1
    assert [p.post_key for p in store.posts(months=[9])] == [posts[0].key]


def test_replanning_onto_another_account_lists_what_stays_on_the_old_one(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    old = accounts_of(store)
    store.plan(posts, old)
    new = dict(old, x=store.add_account("x", "new_x"))
    report = store.plan(posts, new)
    on_x = [p for p in store.posts(networks=["x"], account="x=demo_x")]
    left = report.left_on_other_accounts
    assert left.count == len(on_x) > 0 and dict(left.accounts) == {"x=demo_x": len(on_x)}
    assert [p.post_id for p in left.first] == [p.id for p in on_x][:len(left.first)]
    assert left.first[0].entry == on_x[0].entry and left.first[0].account == "demo_x"
    assert report.cancelled_elsewhere.count == 0
    assert {p.status for p in on_x} == {Status.SCHEDULED}  # only listed, left as they were
    data = report.as_dict()
    assert data["left_on_other_accounts"]["count"] == len(on_x)
    assert data["left_on_other_accounts"]["first"][0]["id"] == on_x[0].id
    assert data["cancelled_elsewhere"] == {"count": 0, "accounts": {}, "first": []}
    # the documented keys stay as they were
    assert {"added", "updated", "unchanged", "left_alone_final"} <= set(data)
    again = store.plan(posts, old)  # back on the old account: the new one's posts are listed
    assert dict(again.left_on_other_accounts.accounts) == {"x=new_x": len(on_x)}


def test_replace_account_cancels_the_old_accounts_posts_not_yet_out(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    old = accounts_of(store)
    store.plan(posts, old)
    on_x = store.posts(account="x=demo_x")
    published, claimed = on_x[0], on_x[1]
    store.transition([published.id], Status.PUBLISHING, actor="test")
    store.transition([published.id], Status.PUBLISHED, actor="test")
    store.transition([claimed.id], Status.PUBLISHING, actor="runner")  # in flight
    new = dict(old, x=store.add_account("x", "new_x"))
    report = store.plan(posts, new, replace_account=True)
    cancelled = report.cancelled_elsewhere
    assert cancelled.count == len(on_x) - 2 and dict(cancelled.accounts) == \
        {"x=demo_x": len(on_x) - 2}
    assert report.left_on_other_accounts.count == 0
    assert {p.id: p.status for p in store.posts(account="x=demo_x")} == {
        **{p.id: Status.CANCELLED for p in on_x[2:]},
        published.id: Status.PUBLISHED, claimed.id: Status.PUBLISHING}
    last = store.events(on_x[2].id)[-1]
    assert (last.from_status, last.to_status, last.actor) == \
        (Status.SCHEDULED, Status.CANCELLED, "plan")
    assert "x=new_x" in last.detail and "--replace-account" in last.detail
    # the other networks stayed on their accounts: nothing of theirs was cancelled
    assert Status.CANCELLED not in {p.status for p in store.posts(networks=["bluesky",
                                                                            "mastodon"])}
    assert len(store.posts(account="x=new_x")) == len(on_x)


def _fail_on_planned_events(store: Store) -> None:
    """A trigger that makes the database refuse the creation events of new posts: planning then
    fails after it has cancelled the old account's posts, in the same transaction."""
    engine = create_engine(store.url)
    with engine.begin() as conn:
        if store.is_postgres:
            conn.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"))
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON post_events FOR EACH ROW "
                "WHEN (NEW.detail = 'planned') EXECUTE FUNCTION refuse()"))
        else:
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON post_events "
                "WHEN NEW.detail = 'planned' BEGIN SELECT RAISE(ABORT, 'refused by the test'); "
                "END"))
    engine.dispose()


def test_a_plan_that_fails_cancels_nothing(store: Store, renderer: Renderer,
                                           schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    old = accounts_of(store)
    store.plan(posts, old)
    before = {p.id: p.status for p in store.posts()}
    new = dict(old, x=store.add_account("x", "new_x"))
    _fail_on_planned_events(store)
    with pytest.raises(StoreError):
        store.plan(posts, new, replace_account=True)
    assert {p.id: p.status for p in store.posts()} == before
    assert store.posts(account="x=new_x") == []
    assert all(len(store.events(i)) == 1 for i in before)  # no cancellation was recorded


def test_deadlines_are_the_next_local_midnight_whatever_the_zone(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    [post] = [p for p in june_posts(renderer, schedule)
              if p.entry_id == WORLD_DAY and p.network == "x"]
    # the same moment in two zones: their days, and so their deadlines and months, differ
    sydney = post._replace(due=post.due.astimezone(ZoneInfo("Australia/Sydney")),
                           audience="sydney")
    store.plan([post, sydney], accounts_of(store))
    rows = {p.timezone: p for p in store.posts()}
    zurich_row, sydney_row = rows["Europe/Zurich"], rows["Australia/Sydney"]
    assert zurich_row.due_at == sydney_row.due_at
    assert zurich_row.deadline_at == datetime(2021, 6, 12, 22, 0, tzinfo=UTC)
    assert sydney_row.deadline_at == datetime(2021, 6, 12, 14, 0, tzinfo=UTC)
