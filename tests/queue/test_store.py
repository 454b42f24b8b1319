"""The queue store on SQLite and PostgreSQL: migrations, idempotent planning, transitions."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from campaign.content.render import Post, Renderer
from campaign.content.schedule import Schedule
from campaign.errors import CampaignError, UsageError
from campaign.queue.engine import StoreError, to_utc, utcnow
from campaign.queue.models import Account
from campaign.queue.store import Store


def accounts_of(store: Store) -> dict[str, Account]:
    handles = {"x": "demo_x", "bluesky": "demo.test", "mastodon": "demo-mastodon"}  # valid handles
    return {n: store.add_account(n, handle) for n, handle in handles.items()}


def june_posts(renderer: Renderer, schedule: Schedule) -> list[Post]:
    return list(renderer.posts(schedule.select(months=[6]), audiences=["individual"],
                               languages=["fr"]))


def test_fresh_database_is_refused_until_upgraded(database_url: str) -> None:
    db = Store(database_url)
    if database_url.startswith("sqlite"):
        with pytest.raises(StoreError, match="does not exist: create it with `campaign db upgrade`"):
            db.check_migrated()
        Path(database_url.removeprefix("sqlite:///")).touch()
    with pytest.raises(StoreError, match="schema revision none, this version needs 0002"):
        db.check_migrated()
    assert db.upgrade() == (None, "0002")
    db.check_migrated()
    assert db.upgrade() == ("0002", "0002")
    db.close()


def test_upgrading_a_0001_database_keeps_its_accounts_and_posts(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    db = Store(database_url)
    config = db._alembic_config()
    with db.connection() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with db.connection() as conn:
        conn.execute(text("INSERT INTO accounts (network, handle, credentials_ref, base_url, "
                          "created_at) VALUES ('x', '@old', 'env:OLD', '', '2021-01-01')"))
    assert db.upgrade() == ("0001", "0002")
    [account] = db.accounts()
    assert (account.handle, account.credentials_ref, account.settings_json) == \
        ("@old", "env:OLD", "{}")
    assert account.removed_at is None
    db.close()


def test_planning_twice_adds_nothing(store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    first = store.plan(posts, accounts_of(store))
    assert (first.added, first.updated, first.unchanged) == (len(posts), 0, 0)
    again = store.plan(posts, accounts_of(store))
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(posts))
    assert store.counts() == {"scheduled": len(posts)}


def test_changed_template_updates_only_what_is_not_out(store: Store, schedule: Schedule,
                                                        tmp_path: Path) -> None:
    accounts = accounts_of(store)
    posts = june_posts(Renderer(schedule), schedule)
    store.plan(posts, accounts)
    published = store.posts(networks=["x"])[0]
    store.transition([published.id], "published", allowed_from=("scheduled",), actor="test")
    folder = tmp_path / "mine" / "fr" / "days"
    folder.mkdir(parents=True)
    (folder / "world-day-against-child-labour.j2").write_text(
        "Nouveau texte {{ campaign.hashtag }}", encoding="utf-8")
    changed = june_posts(Renderer(schedule, template_dirs=[tmp_path / "mine"]), schedule)
    report = store.plan(changed, accounts)
    world_day = [p for p in posts if p.entry_id == "world-day-against-child-labour"]
    assert report.kept_final == 1
    assert report.updated == len(world_day) - (published.entry == "world-day-against-child-labour")
    assert store.get(published.id).text == published.text
    for post in store.posts(statuses=["scheduled"]):
        if post.entry == "world-day-against-child-labour":
            assert post.text == "Nouveau texte #EndChildLabour2021"


def test_plan_with_review_then_approve(store: Store, renderer: Renderer, schedule: Schedule) -> None:
    store.plan(june_posts(renderer, schedule), accounts_of(store), review=True)
    drafts = store.posts(statuses=["draft"])
    assert drafts and not store.posts(statuses=["scheduled"])
    moved = store.transition([drafts[0].id], "approved", allowed_from=("draft",), actor="review",
                             reviewed=True)
    assert moved == [drafts[0].id]
    events = store.events(drafts[0].id)
    assert [(e.from_status, e.to_status) for e in events] == [(None, "draft"),
                                                             ("draft", "approved")]


@pytest.mark.parametrize(("start", "to", "allowed"), [
    ("scheduled", "cancelled", True), ("published", "cancelled", False),
    ("failed", "scheduled", True), ("draft", "approved", True), ("cancelled", "approved", False),
])
def test_transitions_respect_allowed_states(store: Store, renderer: Renderer, schedule: Schedule,
                                            start: str, to: str, allowed: bool) -> None:
    store.plan(june_posts(renderer, schedule)[:1], accounts_of(store))
    post = store.posts()[0]
    if start != "scheduled":
        store.transition([post.id], start, allowed_from=("scheduled",), actor="test")
    rules = {"cancelled": ("draft", "approved", "scheduled", "failed", "missed"),
             "scheduled": ("failed", "missed"), "approved": ("draft", "scheduled")}
    moved = store.transition([post.id], to, allowed_from=rules[to], actor="test")
    assert bool(moved) is allowed
    assert store.get(post.id).status == (to if allowed else start)


def test_claim_is_atomic_and_leases(store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    store.plan(posts, accounts_of(store))
    now = to_utc(max(p.due for p in posts)) + timedelta(minutes=1)
    first = store.claim("a", now, timedelta(minutes=5), limit=4)
    second = store.claim("b", now, timedelta(minutes=5), limit=100)
    assert len(first) == 4 and len(second) == len(posts) - 4
    assert not {c.id for c in first} & {c.id for c in second}
    assert store.claim("c", now, timedelta(minutes=5), limit=10) == []
    assert store.take_expired_leases("c", now, timedelta(minutes=5)) == []
    later = now + timedelta(minutes=6)
    assert len(store.take_expired_leases("c", later, timedelta(minutes=5))) == len(posts)
    assert not store.finish(first[0].id, "a", "published")  # a lost its lease to c
    assert store.finish(first[0].id, "c", "published")


def test_unknown_names_list_the_choices(store: Store) -> None:
    accounts_of(store)
    with pytest.raises(UsageError, match="unknown status 'sent': choose one of approved"):
        store.posts(statuses=["sent"])
    with pytest.raises(UsageError, match=r"unknown account 'x=@nobody'.*x=demo_x"):
        store.find_account("x", "@nobody")
    with pytest.raises(UsageError, match="unknown network 'myspace'"):
        store.add_account("myspace", "tom")
    with pytest.raises(CampaignError, match="no post with id 999"):
        store.get(999)


def test_unreachable_database_hides_the_password() -> None:
    db = Store("postgresql://campaign:s3cret-pw@127.0.0.1:1/campaign")
    with pytest.raises(StoreError) as caught:
        db.check_migrated()
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "postgresql+psycopg://campaign:***@127.0.0.1:1/campaign" in message
    assert "failed" in message


def test_times_are_stored_in_utc_with_their_timezone(store: Store, renderer: Renderer,
                                                    schedule: Schedule) -> None:
    posts = [p for p in june_posts(renderer, schedule)
             if p.entry_id == "world-day-against-child-labour"]
    store.plan(posts, accounts_of(store))
    row = store.posts()[0]
    assert (row.due_at.hour, row.timezone) == (7, "Europe/Zurich")  # 09:00 CEST
    assert row.day_bound and row.deadline_at is not None
    assert row.deadline_at.isoformat() == "2021-06-12T22:00:00"  # midnight in Zurich


@pytest.mark.parametrize(("zone", "day", "expected"), [
    ("Europe/Zurich", "2021-06-12", "2021-06-12T22:00:00"),
    ("America/Santiago", "2021-04-03", "2021-04-04T04:00:00"),  # clocks fall back at midnight
    ("Australia/Sydney", "2021-10-02", "2021-10-02T14:00:00"),  # and spring forward at 2:00
])
def test_day_deadline_is_the_next_local_midnight(zone: str, day: str, expected: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from campaign.queue.planning import day_deadline

    due = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(zone))
    assert day_deadline(due).isoformat() == expected


def test_planning_never_rewrites_a_post_a_runner_has_taken(store: Store, schedule: Schedule,
                                                          tmp_path: Path) -> None:
    accounts = accounts_of(store)
    store.plan(june_posts(Renderer(schedule), schedule), accounts)
    claimed = store.claim("runner", utcnow(), timedelta(minutes=5), limit=100)
    folder = tmp_path / "mine" / "fr" / "days"
    folder.mkdir(parents=True)
    (folder / "world-day-against-child-labour.j2").write_text("Autre {{ campaign.hashtag }}",
                                                              encoding="utf-8")
    report = store.plan(june_posts(Renderer(schedule, template_dirs=[tmp_path / "mine"]),
                                   schedule), accounts)
    assert report.updated == 0 and report.kept_final == len(claimed)


def test_changed_text_of_an_approved_post_needs_review_again(store: Store, schedule: Schedule,
                                                            tmp_path: Path) -> None:
    accounts = accounts_of(store)
    store.plan(june_posts(Renderer(schedule), schedule), accounts)
    ids = [p.id for p in store.posts() if p.entry == "world-day-against-child-labour"]
    store.transition(ids, "approved", allowed_from=("scheduled",), actor="review", reviewed=True)
    folder = tmp_path / "mine" / "fr" / "days"
    folder.mkdir(parents=True)
    (folder / "world-day-against-child-labour.j2").write_text("Autre {{ campaign.hashtag }}",
                                                              encoding="utf-8")
    store.plan(june_posts(Renderer(schedule, template_dirs=[tmp_path / "mine"]), schedule),
               accounts)
    assert {p.status for p in store.posts(ids=ids)} == {"draft"}
    assert not any(p.reviewed for p in store.posts(ids=ids))


def test_next_wake_ignores_paused_accounts(store: Store, renderer: Renderer,
                                          schedule: Schedule) -> None:
    accounts = accounts_of(store)
    store.plan(june_posts(renderer, schedule), {"x": accounts["x"]})
    assert store.next_wake(utcnow()) is not None
    store.disable_account(accounts["x"].id, "credentials refused")
    assert store.next_wake(utcnow()) is None


def test_accounts_keep_settings_and_are_removed_keeping_history(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    accounts = accounts_of(store)
    mastodon = accounts["mastodon"]
    store.save_account_settings(mastodon.id, {"visibility": "unlisted"})
    store.save_account_settings(mastodon.id, {"max_characters": 1000})
    [again] = [a for a in store.accounts() if a.id == mastodon.id]
    assert json.loads(again.settings_json) == {"max_characters": 1000, "visibility": "unlisted"}
    store.plan(june_posts(renderer, schedule), accounts)
    open_posts = len(store.posts(account="mastodon=demo-mastodon"))
    with pytest.raises(CampaignError, match=f"has {open_posts} posts not yet out: pass "
                       "--cancel-open"):
        store.remove_account(mastodon.id, cancel_open=False)
    assert store.remove_account(mastodon.id, cancel_open=True) == open_posts
    assert "mastodon" not in {a.network for a in store.accounts()}
    [removed] = [a for a in store.accounts(include_removed=True) if a.id == mastodon.id]
    assert removed.removed_at and removed.credentials_ref == ""
    assert {p.status for p in store.posts(networks=["mastodon"])} == {"cancelled"}
    store.enable_account(mastodon.id)  # `queue retry` must not bring a removed account back
    assert "mastodon" not in {a.network for a in store.accounts()}
    back = store.add_account("mastodon", "demo-mastodon", "env:NEW")
    assert back.id == mastodon.id and back.removed_at is None and back.disabled_reason is None


def test_a_claim_says_whether_the_post_was_tried_before(store: Store, renderer: Renderer,
                                                       schedule: Schedule) -> None:
    from campaign.queue.dispatch import REQUEUE

    store.plan(june_posts(renderer, schedule)[:1], accounts_of(store))
    moment = utcnow() + timedelta(days=3650)
    [first] = store.claim("w", moment, timedelta(minutes=5), 10)
    assert not first.tried_before and first.first_attempt_at == moment
    store.finish(first.id, "w", REQUEUE, now=moment, attempts=0)  # e.g. a rate limit
    [second] = store.claim("w", moment + timedelta(minutes=1), timedelta(minutes=5), 10)
    assert second.tried_before and second.first_attempt_at == moment
