"""The queue store on SQLite and PostgreSQL: migrations, idempotent planning, transitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from campaign.content.render import RenderedPost, Renderer
from campaign.content.schedule import Schedule
from campaign.errors import CampaignError, UsageError
from campaign.queue.engine import utc_text, utcnow
from campaign.queue.errors import StoreError
from campaign.queue.models import Account
from campaign.queue.store import Store
from tests.queue.raw import force_status, raw_connection


def accounts_of(store: Store) -> dict[str, Account]:
    handles = {"x": "demo_x", "bluesky": "demo.test", "mastodon": "demo-mastodon"}  # valid handles
    return {n: store.add_account(n, handle) for n, handle in handles.items()}


def june_posts(renderer: Renderer, schedule: Schedule) -> list[RenderedPost]:
    return list(renderer.posts(schedule.select(months=[6]), audiences=["individual"],
                               languages=["fr"]))


def test_fresh_database_is_refused_until_upgraded(database_url: str) -> None:
    db = Store(database_url)
    if database_url.startswith("sqlite"):
        with pytest.raises(StoreError, match="does not exist: create it with `campaign db upgrade`"):
            db.check_migrated()
        Path(database_url.removeprefix("sqlite:///")).touch()
    with pytest.raises(StoreError, match="schema revision none, this version needs 0007"):
        db.check_migrated()
    assert db.upgrade() == (None, "0007")
    db.check_migrated()
    assert db.upgrade() == ("0007", "0007")
    db.close()


def test_upgrading_a_0001_database_keeps_its_accounts_and_posts(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    db = Store(database_url)
    config = db._alembic_config()
    with raw_connection(db) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with raw_connection(db) as conn:
        conn.execute(text("INSERT INTO accounts (network, handle, credentials_ref, base_url, "
                          "created_at) VALUES ('x', '@old', 'env:OLD', '', '2021-01-01')"))
    assert db.upgrade() == ("0001", "0007")
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
    force_status(store, [published.id], "published")
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
    pytest.param("scheduled", "cancelled", True, id="scheduled-can-be-cancelled"),
    pytest.param("published", "cancelled", False, id="published-cannot-be-cancelled"),
    pytest.param("failed", "scheduled", True, id="failed-can-be-retried"),
    pytest.param("draft", "approved", True, id="draft-can-be-approved"),
    pytest.param("cancelled", "approved", False, id="cancelled-cannot-be-approved"),
])
def test_transitions_respect_allowed_states(store: Store, renderer: Renderer, schedule: Schedule,
                                            start: str, to: str, allowed: bool) -> None:
    store.plan(june_posts(renderer, schedule)[:1], accounts_of(store))
    post = store.posts()[0]
    if start != "scheduled":
        force_status(store, [post.id], start)
    rules = {"cancelled": ("draft", "approved", "scheduled", "failed", "missed"),
             "scheduled": ("failed", "missed"), "approved": ("draft", "scheduled")}
    moved = store.transition([post.id], to, allowed_from=rules[to], actor="test")
    assert bool(moved) is allowed
    assert store.get(post.id).status == (to if allowed else start)


def test_claim_is_atomic_and_leases(store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = june_posts(renderer, schedule)
    store.plan(posts, accounts_of(store))
    now = max(p.due for p in posts) + timedelta(minutes=1)
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
    assert row.deadline_at.isoformat() == "2021-06-12T22:00:00+00:00"  # midnight in Zurich
    # stored as every earlier version stored it: naive UTC, no offset in the column
    with raw_connection(store) as conn:
        due, deadline = conn.execute(text("SELECT due_at, deadline_at FROM posts WHERE id = :i"),
                                     {"i": row.id}).one()
    assert str(due)[:19] == "2021-06-12 07:00:00" and str(deadline)[:19] == "2021-06-12 22:00:00"


@pytest.mark.parametrize(("zone", "day", "expected"), [
    pytest.param("Europe/Zurich", "2021-06-12", "2021-06-12T22:00:00", id="zurich-summer"),
    pytest.param("America/Santiago", "2021-04-03", "2021-04-04T04:00:00",
                 id="santiago-clocks-fall-back-at-midnight"),
    pytest.param("Australia/Sydney", "2021-10-02", "2021-10-02T14:00:00",
                 id="sydney-clocks-spring-forward-at-2"),
])
def test_day_deadline_is_the_next_local_midnight(zone: str, day: str, expected: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from campaign.queue.planning import day_deadline

    due = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(zone))
    assert utc_text(day_deadline(due)) == expected + "Z"


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


# -- the status table, lookup errors, the UTC column -------------------------------------------
def test_the_groups_of_statuses_follow_from_the_table_of_transitions() -> None:
    from campaign.queue.models import DISPATCHABLE, FINAL, STATUSES, TRANSITIONS, WAITING, Status

    assert set(TRANSITIONS) == set(Status) and all(isinstance(s, str) for s in STATUSES)
    assert DISPATCHABLE == ("approved", "scheduled")
    assert WAITING == ("draft", "approved", "scheduled")
    assert FINAL == ("published", "failed", "missed", "cancelled", "deleted")
    # nothing leaves cancelled or deleted; a published post can only be deleted
    assert not TRANSITIONS[Status.CANCELLED] and not TRANSITIONS[Status.DELETED]
    assert TRANSITIONS[Status.PUBLISHED] == {Status.DELETED}


def test_a_move_the_table_does_not_have_is_refused_naming_the_post(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    from campaign.queue.errors import TransitionRefused

    store.plan(june_posts(renderer, schedule)[:2], accounts_of(store))
    first, second = store.posts()
    before = [[e.id for e in store.events(p.id)] for p in (first, second)]
    with pytest.raises(TransitionRefused, match=rf"post #{first.id} is scheduled and cannot "
                       r"become published: from scheduled it may become approved, cancelled, draft, "
                       r"missed, publishing, scheduled"):
        store.transition([first.id, second.id], "published", allowed_from=("scheduled",),
                         actor="test")
    assert [store.get(p.id).status for p in (first, second)] == ["scheduled", "scheduled"]
    # the whole move rolled back: no event written either
    assert [[e.id for e in store.events(p.id)] for p in (first, second)] == before
    with pytest.raises(TransitionRefused, match="is publishing and cannot become deleted"):
        store.finish(first.id, "nobody", "deleted")


def test_without_allowed_from_a_transition_takes_what_the_table_allows(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    store.plan(june_posts(renderer, schedule)[:2], accounts_of(store))
    first, second = store.posts()
    force_status(store, [second.id], "published")
    assert store.transition([first.id, second.id], "cancelled", actor="test") == [first.id]
    assert store.get(second.id).status == "published"


def test_lookup_errors_build_their_message(store: Store) -> None:
    from campaign.queue.errors import AccountNotFound, AmbiguousAccount, PostNotFound

    with pytest.raises(PostNotFound, match=r"^no post with id 42: see `campaign queue list`$") \
            as found:
        store.get(42)
    assert (found.value.post_id, found.value.exit_code) == (42, 2)
    with pytest.raises(AccountNotFound, match=r"unknown account 'x': choose one of \(none: add "
                                              r"one with `campaign accounts add`\)"):
        store.find_account("x")
    store.add_account("x", "demo_x")
    store.add_account("x", "other_x")
    with pytest.raises(AccountNotFound, match=r"unknown account 'x=nobody': choose one of "
                                              r"x=demo_x, x=other_x") as unknown:
        store.named_account("x=nobody")
    assert isinstance(unknown.value, UsageError) and unknown.value.handle == "nobody"
    with pytest.raises(AmbiguousAccount, match=r"several accounts on x \(demo_x, other_x\): "
                                               r"name one as --account x=HANDLE"):
        store.named_account("x")


def test_times_come_back_aware_in_utc_and_naive_ones_are_refused(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    from campaign.queue.dispatch import REQUEUE

    store.plan(june_posts(renderer, schedule)[:1], accounts_of(store))
    [post] = store.posts()
    assert post.due_at.tzinfo is UTC and post.created_at.tzinfo is UTC
    [claimed] = store.claim("w", post.due_at, timedelta(minutes=5), limit=1)
    assert claimed.due_at == post.due_at and claimed.first_attempt_at == post.due_at
    # an aware moment in another zone is the same moment, stored in UTC
    later = (post.due_at + timedelta(hours=3)).astimezone(timezone(timedelta(hours=-4)))
    assert store.finish(post.id, "w", REQUEUE, next_attempt_at=later)
    assert store.get(post.id).next_attempt_at == later
    assert str(store.get(post.id).next_attempt_at) == str(later.astimezone(UTC))
    from sqlalchemy.exc import StatementError

    # a bug in the caller, not the user's: it fails loudly before any SQL runs
    with pytest.raises(StatementError, match=r"naive datetime 2021-06-12T09:00:00 given to the "
                                             r"queue"):
        store.due_count(datetime(2021, 6, 12, 9, 0))
