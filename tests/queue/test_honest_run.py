"""A dry run that changes nothing, outbox accounts published for real, exit codes that tell the
truth, bounded rate-limit waits, reschedule across DST, and terminal-safe queue output; on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import Result
from sqlalchemy import text

from campaign.content.render import Renderer
from campaign.content.schedule import Schedule
from campaign.platforms.base import Claimed, Published, RateLimited
from campaign.queue.runner import Dispatcher, Policy
from campaign.queue.store import Store
from tests.content.test_bad_input import assert_clean_failure
from tests.queue.raw import raw_connection

WORLD_DAY = "world-day-against-child-labour"
NOW = "2021-06-12T09:30+02:00"
# network accounts need real handles; outbox accounts are named demo-<network>
HANDLES = {"x": "@demo_x", "bluesky": "demo.bsky.social", "mastodon": "@demo@mastodon.example"}


def snapshot(store: Store) -> list[Any]:
    """Every row of posts and post_events, in order: the whole queue and its log."""
    with raw_connection(store) as conn:
        return [list(conn.execute(text(f"SELECT * FROM {table} ORDER BY id")))
                for table in ("posts", "post_events", "accounts")]


def plan_world_day(store: Store, renderer: Renderer, schedule: Schedule,
                   refs: dict[str, str]) -> int:
    accounts = {n: store.add_account(n, HANDLES[n] if ref.startswith("env:") else f"demo-{n}", ref)
                for n, ref in refs.items()}
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), languages=["en"]))
    store.plan(posts, accounts)
    return len([p for p in posts if p.network in refs])


@pytest.fixture
def outboxed(store: Store, renderer: Renderer, schedule: Schedule, tmp_path: Path) -> int:
    """World Day planned on three outbox accounts writing to tmp_path/outbox.jsonl."""
    ref = f"outbox:{tmp_path / 'outbox.jsonl'}"
    return plan_world_day(store, renderer, schedule, {n: ref for n in ("x", "bluesky", "mastodon")})


# -- a dry run that changes nothing ------------------------------------------------------------
def test_dry_run_changes_no_row_and_every_post_still_goes_out(
        db_cli: Callable[..., Result], store: Store, outboxed: int, tmp_path: Path) -> None:
    before = snapshot(store)
    report = tmp_path / "dry.jsonl"
    result = db_cli("run", "--once", "--dry-run", "--now", NOW, "--json", "--outbox", report)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and len(data["would_publish"]) == outboxed == 30
    first = data["would_publish"][0]
    assert first["entry"] == WORLD_DAY and first["where"] == str(tmp_path / "outbox.jsonl")
    assert {"post_id", "account", "network", "due_at"} <= set(first)
    assert snapshot(store) == before  # no claim, no status, no event, no attempt counted
    assert not (tmp_path / "outbox.jsonl").exists()  # nothing published
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 30 and all(r["dry_run"] and r["action"] == "publish" for r in lines)
    text_run = db_cli("run", "--once", "--dry-run", "--now", NOW)
    assert "would publish 30, miss 0" in text_run.output and "Nothing was sent" in text_run.output
    assert snapshot(store) == before
    real = db_cli("run", "--once", "--now", NOW, "--json")
    assert real.exit_code == 0, real.output
    assert json.loads(real.stdout)["published"] == 30
    assert store.counts() == {"published": 30}
    published = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(published) == 30
    assert all(e.to_status == "published" for e in [store.events(p.id)[-1] for p in store.posts()])


def test_dry_run_names_what_it_would_miss_and_hold(db_cli: Callable[..., Result], store: Store,
                                                  outboxed: int) -> None:
    x = store.find_account("x", "demo-x")
    store.disable_account(x.id, "credentials refused: 401")
    before = snapshot(store)
    late = json.loads(db_cli("run", "--once", "--dry-run", "--json", "--now",
                          "2021-06-13T00:00:01+02:00").stdout)
    assert len(late["would_miss"]) == 30 and not late["would_publish"]
    assert late["would_miss"][0]["reason"] == "day over in Europe/Zurich"
    held = json.loads(db_cli("run", "--once", "--dry-run", "--json", "--now", NOW).stdout)
    assert len(held["held"]) == 10 and len(held["would_publish"]) == 20
    assert held["held"][0]["reason"] == "account stopped: credentials refused: 401"
    review = json.loads(db_cli("run", "--once", "--dry-run", "--json", "--require-review",
                            "--now", NOW).stdout)
    assert {i["reason"] for i in review["held"]} >= {"waiting for review (`campaign queue approve`)"}
    assert snapshot(store) == before


HUGE = "99999999999999999999999"
TIMEOUT_RANGE = "is not in the range 0<x<=3600"


@pytest.mark.parametrize(("args", "needle"), [
    pytest.param(("run", "--dry-run", "--now", NOW),
                 "--dry-run previews one pass and changes nothing: add --once",
                 id="run-dry-run-without-once"),
    pytest.param(("run", "--once", "--outbox", "o.jsonl"),
                 "--outbox writes a dry run's report: add --dry-run",
                 id="run-outbox-without-dry-run"),
    pytest.param(("run", "--once", "--timeout", "0"), TIMEOUT_RANGE, id="run-timeout-zero"),
    pytest.param(("run", "--once", "--timeout", "-3"), TIMEOUT_RANGE, id="run-timeout-negative"),
    pytest.param(("run", "--once", "--timeout", "nan"), TIMEOUT_RANGE, id="run-timeout-nan"),
    pytest.param(("run", "--once", "--timeout", "inf"), TIMEOUT_RANGE, id="run-timeout-infinite"),
    pytest.param(("run", "--once", "--timeout", "3601"), TIMEOUT_RANGE, id="run-timeout-over-an-hour"),
    pytest.param(("run", "--once", "--grace", "-1h"), "--grace '-1h' is not a positive duration",
                 id="run-grace-negative"),
    pytest.param(("run", "--once", "--grace", "nanh"), "--grace 'nanh' is not a positive duration",
                 id="run-grace-nan"),
    pytest.param(("run", "--once", "--grace", "366d"), "--grace '366d' is longer than 365 days",
                 id="run-grace-over-a-year"),
    pytest.param(("run", "--once", "--grace", "1e400d"), "--grace '1e400d' is longer than 365 days",
                 id="run-grace-overflowing-float"),
    pytest.param(("run", "--once", "--grace", "99999999999d"), "--grace '99999999999d' is longer than 365",
                 id="run-grace-huge"),
    pytest.param(("run", "--once", "--lease", "0m"), "--lease '0m' is not a positive duration",
                 id="run-lease-zero"),
    pytest.param(("run", "--once", "--lease", "25h"), "--lease '25h' is longer than 1 day",
                 id="run-lease-over-a-day"),
    pytest.param(("run", "--once", "--lease", "30s"), "--lease 30s is not longer than --timeout 30s",
                 id="run-lease-equal-to-default-timeout"),
    pytest.param(("run", "--once", "--lease", "9s", "--timeout", "10"),
                 "--lease 9s is not longer than --timeout 10s: another runner could take a post over",
                 id="run-lease-shorter-than-timeout"),
    pytest.param(("run", "--once", "--dry-run", "--now", "1999-12-31T23:00"), "--now '1999-12-31T23:00' is "
                                                                              "before 2000",
                 id="run-now-before-2000"),
    pytest.param(("run", "--once", "--dry-run", "--now", "2101-01-01T00:00"), "is after 2100",
                 id="run-now-after-2100"),
    pytest.param(("run", "--once", "--dry-run", "--now", "0001-01-01T00:00+14:00"), "is before 2000",
                 id="run-now-year-1-with-offset"),
    pytest.param(("run", "--once", "--dry-run", "--now", "9999-12-31T23:59-12:00"), "is after 2100",
                 id="run-now-year-9999-with-offset"),
    pytest.param(("queue", "delete", "1", "--timeout", "0"), TIMEOUT_RANGE, id="delete-timeout-zero"),
    pytest.param(("queue", "delete", "1", "--timeout", "nan"), TIMEOUT_RANGE, id="delete-timeout-nan"),
    pytest.param(("accounts", "test", "x", "--timeout", "-1"), TIMEOUT_RANGE,
                 id="accounts-test-timeout-negative"),
    pytest.param(("accounts", "test", "x", "--timeout", "inf"), TIMEOUT_RANGE,
                 id="accounts-test-timeout-infinite"),
    pytest.param(("accounts", "test", "x", "--timeout", "1e9"), TIMEOUT_RANGE,
                 id="accounts-test-timeout-huge"),
    pytest.param(("queue", "approve", HUGE), f"no post with id {HUGE}", id="approve-huge-id"),
    pytest.param(("queue", "approve", "{post}", HUGE), f"no post with id {HUGE}",
                 id="approve-second-id-huge"),
    pytest.param(("queue", "retry", HUGE), f"no post with id {HUGE}", id="retry-huge-id"),
    pytest.param(("queue", "cancel", HUGE), f"no post with id {HUGE}", id="cancel-huge-id"),
    pytest.param(("queue", "delete", HUGE), f"no post with id {HUGE}", id="delete-huge-id"),
    pytest.param(("queue", "show", HUGE), f"no post with id {HUGE}", id="show-huge-id"),
    pytest.param(("queue", "reschedule", HUGE, "2021-06-12T10:00"), f"no post with id {HUGE}",
                 id="reschedule-huge-id"),
    pytest.param(("queue", "reschedule", "{post}", "9999-12-31T23:59-12:00"), "is after 2100",
                 id="reschedule-year-9999-with-offset"),
    pytest.param(("queue", "reschedule", "{post}", "0001-01-01T00:00+14:00"), "is before 2000",
                 id="reschedule-year-1-with-offset"),
    pytest.param(("queue", "reschedule", "{post}", "0001-01-01T00:00"), "'0001-01-01T00:00' is before 2000",
                 id="reschedule-year-1"),
    pytest.param(("amplify", "repost", "https://x.com/ilo/status/1", "--account", "x=demo-x", "--at",
                  "1900-01-01T00:00"), "--at '1900-01-01T00:00' is before 2000", id="repost-at-before-2000"),
    pytest.param(("amplify", "repost", "https://x.com/ilo/status/1", "--account", "x=demo-x", "--at",
                  "9999-12-31T23:59-12:00"), "--at '9999-12-31T23:59-12:00' is after 2100",
                 id="repost-at-year-9999-with-offset"),
    pytest.param(("amplify", "repost", "https://x.com/ilo/status/1", "--account", "x=demo-x", "--at",
                  "0001-01-01T00:00+14:00"), "--at '0001-01-01T00:00+14:00' is before 2000",
                 id="repost-at-year-1-with-offset"),
    pytest.param(("amplify", "quote", "https://x.com/ilo/status/1", "--account", "x=demo-x", "--text",
                  "\u200b"), "a quote needs its words", id="quote-zero-width-space-only"),
    pytest.param(("amplify", "quote", "https://x.com/ilo/status/1", "--account", "x=demo-x", "--text",
                  "\u00a0\u200b\u2060\ufeff "), "only spaces and invisible characters",
                 id="quote-invisible-characters-only"),
])
def test_refused_run_options(db_cli: Callable[..., Result], store: Store, outboxed: int,
                             args: tuple[str, ...], needle: str) -> None:
    before = snapshot(store)
    post = str(store.posts()[0].id)
    result = db_cli(*(post if a == "{post}" else a for a in args))
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert snapshot(store) == before


def test_bounds_that_still_pass(db_cli: Callable[..., Result], store: Store,
                                outboxed: int) -> None:
    ok = db_cli("run", "--once", "--dry-run", "--now", "2000-01-01T00:00", "--grace", "365d",
                "--lease", "1d", "--timeout", "3600")
    assert ok.exit_code == 0, ok.output
    quote = db_cli("amplify", "quote", "https://x.com/ilo/status/1", "--account", "x=demo-x",
                   "--text", "\u200bJoin us", "--at", "2100-12-31T23:59")
    assert quote.exit_code == 0, quote.output


def test_now_goes_with_network_accounts_only_in_a_dry_run(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path) -> None:
    plan_world_day(store, renderer, schedule, {"x": f"outbox:{tmp_path / 'o.jsonl'}",
                                               "bluesky": "env:NOBODY_BSKY"})
    before = snapshot(store)
    result = db_cli("run", "--once", "--now", NOW)
    assert_clean_failure(result, "--now pretends another time", "bluesky demo.bsky.social")
    assert snapshot(store) == before and not (tmp_path / "o.jsonl").exists()


def test_adding_an_outbox_account_says_where_posts_go(db_cli: Callable[..., Result],
                                                     tmp_path: Path) -> None:
    assert db_cli("db", "upgrade").exit_code == 0
    added = db_cli("accounts", "add", "x", "demo-x", "--credentials", f"outbox:{tmp_path}/o.jsonl")
    assert added.exit_code == 0, added.output
    assert f"an outbox: published into {tmp_path}/o.jsonl, one JSON line per post" \
        in added.output
    listed = json.loads(db_cli("accounts", "list", "--json").stdout)
    assert listed[0]["credentials"] == f"outbox:{tmp_path}/o.jsonl"
    assert listed[0]["secrets"] == "ready"
    tested = db_cli("accounts", "test", "x")
    assert tested.exit_code == 0, tested.output
    device = db_cli("accounts", "add", "x", "demo-y", "--credentials", "outbox:/dev/full")
    assert_clean_failure(device, "outbox /dev/full exists and is not a regular file")
    missing = db_cli("accounts", "add", "x", "demo-z", "--credentials", f"outbox:{tmp_path}/no/o.jsonl")
    assert_clean_failure(missing, f"folder {tmp_path}/no does not exist")


# -- exit codes that tell the truth ------------------------------------------------------------
def test_run_once_exits_1_and_names_each_post_that_did_not_go_out(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOBODY_X_ACCESS_TOKEN", raising=False)
    plan_world_day(store, renderer, schedule, {"x": "env:NOBODY_X"})
    with time_machine.travel(datetime.fromisoformat("2021-06-12T07:05:00+00:00"), tick=False):
        result = db_cli("run", "--once")
        again = db_cli("run", "--once", "--json")
    assert result.exit_code == 1, result.output
    first = store.posts()[0]
    assert f"#{first.id} {WORLD_DAY} (x @demo_x): account stopped: credentials refused" \
        in result.stderr
    assert "Published 0;" in result.stdout and "1 failed" in result.stdout
    # the stopped account holds the other nine: every later run sends nothing, exits 1 and
    # says why, until someone fixes the account (or the posts are missed)
    assert store.find_account("x", "@demo_x").disabled_reason
    assert again.exit_code == 1, again.output
    data = json.loads(again.stdout)
    assert data["ok"] is False and data["published"] == data["failed"] == 0
    [held] = data["problems"]
    assert held["kind"] == "account_stopped" and held["account"] == "@demo_x"
    assert "credentials refused" in held["reason"] and "it holds 9 due posts" in held["reason"]
    before = snapshot(store)
    with time_machine.travel(datetime.fromisoformat("2021-06-12T07:10:00+00:00"), tick=False):
        third = db_cli("run", "--once")
    assert third.exit_code == 1
    assert "(x @demo_x): account stopped: credentials refused" in third.stderr
    assert "it holds 9 due posts: missed if their time passes first" in third.stderr
    assert snapshot(store) == before  # saying so changes nothing


def test_run_once_json_lists_the_problems(db_cli: Callable[..., Result], store: Store,
                                          renderer: Renderer, schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule, {"x": "env:NOBODY_X2"})
    with time_machine.travel(datetime.fromisoformat("2021-06-12T07:05:00+00:00"), tick=False):
        result = db_cli("run", "--once", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["failed"] == 1
    assert data["problems"][0]["kind"] == "account_stopped"
    assert data["problems"][0]["entry"] == WORLD_DAY and data["problems"][0]["account"] == "@demo_x"


def test_bulk_commands_exit_1_on_partial_success_naming_unknown_ids(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path) -> None:
    plan_world_day(store, renderer, schedule, {"x": f"outbox:{tmp_path / 'o.jsonl'}"})
    one, two = (p.id for p in store.posts()[:2])
    approved = db_cli("queue", "approve", str(one), "99999")
    assert approved.exit_code == 1
    assert "Approved 1 post(s)." in approved.stdout
    assert "no post with id 99999" in approved.stderr
    again = db_cli("queue", "approve", str(one))
    assert again.exit_code == 1 and f"not in a state that allows it: {one}" in again.stdout
    assert "no post with id" not in again.output
    cancelled = db_cli("queue", "cancel", str(two), "424242")
    assert cancelled.exit_code == 1 and "no post with id 424242" in cancelled.stderr
    assert store.get(two).status == "cancelled"
    retried = db_cli("queue", "retry", str(two), "77777")
    assert retried.exit_code == 1 and "no post with id 77777" in retried.stderr
    assert f"not in a state that allows it: {two}" in retried.stdout
    deleted = db_cli("queue", "delete", "88888")
    assert deleted.exit_code == 1 and "no post with id 88888" in deleted.stderr
    assert db_cli("queue", "approve", str(store.posts()[3].id)).exit_code == 0


def test_db_status_json(db_cli: Callable[..., Result], store: Store, outboxed: int) -> None:
    result = db_cli("db", "status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["revision"] == data["newest"] == store.head() and data["up_to_date"] is True
    assert data["counts"] == {"scheduled": 30}


# -- bounded waits ---------------------------------------------------------------------------
class AlwaysLimited:
    """A publisher the network always rate-limits, with a reset time it chooses."""

    def __init__(self, reset_at: datetime | None) -> None:
        self.reset_at, self.calls = reset_at, 0

    def publish(self, post: Claimed) -> Published:
        self.calls += 1
        raise RateLimited("429 Too Many Requests", self.reset_at)

    def lookup(self, post: Claimed) -> Published | None:
        return None


@pytest.mark.parametrize("reset_at", [
    pytest.param(datetime(2021, 6, 12, 6, 0, tzinfo=UTC), id="past"),
    pytest.param(datetime(3000, 1, 1, tzinfo=UTC), id="year-3000"),
    pytest.param(None, id="none"),
])
def test_rate_limit_reset_is_waited_within_bounds_without_spinning(
        store: Store, renderer: Renderer, schedule: Schedule, tmp_path: Path,
        reset_at: datetime | None) -> None:
    plan_world_day(store, renderer, schedule, {"x": "env:ANY"})
    publisher = AlwaysLimited(reset_at)
    policy = Policy(rate_limit_floor=timedelta(seconds=30), rate_limit_cap=timedelta(minutes=15))
    now = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        report = Dispatcher(store, lambda post: publisher, worker="w",  # type: ignore[arg-type,return-value]
                            policy=policy).run_once()
    assert publisher.calls == 1  # one call per pass: the account waits, no spin
    # it did not go out on this pass: cron hears of it
    assert report.retried == 1 and not report.ok
    assert [p.kind for p in report.problems] == ["will_retry"]
    assert "rate limited, retry at" in report.problems[0].reason
    for post in store.posts():
        assert post.status == "scheduled" and post.attempts == 0
        assert post.next_attempt_at is not None
        assert now + timedelta(seconds=30) <= post.next_attempt_at <= now + timedelta(minutes=15)
    with time_machine.travel(now + timedelta(seconds=10), tick=False):
        Dispatcher(store, lambda post: publisher, worker="w",  # type: ignore[arg-type,return-value]
                   policy=policy).run_once()
    assert publisher.calls == 1


def test_rate_limit_past_the_deadline_is_missed_saying_why(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule, {"x": "env:ANY"})
    publisher = AlwaysLimited(datetime(3000, 1, 1, tzinfo=UTC))
    with time_machine.travel(datetime(2021, 6, 12, 21, 55, tzinfo=UTC), tick=False):  # 23:55 in Geneva
        report = Dispatcher(store, lambda post: publisher, worker="w").run_once()  # type: ignore[arg-type,return-value]
    assert publisher.calls == 1 and not report.ok
    missed = store.posts(statuses=["missed"])[0]
    assert "would retry after its deadline" in store.events(missed.id)[-1].detail
    assert report.problems[0].kind == "gave_up"


# -- reschedule across DST and out of bounds ---------------------------------------------------
def test_reschedule_into_a_dst_gap_fold_and_out_of_bounds(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path) -> None:
    plan_world_day(store, renderer, schedule, {"x": f"outbox:{tmp_path / 'o.jsonl'}"})
    post = store.posts()[0]
    gap = db_cli("queue", "reschedule", str(post.id), "2021-03-28T02:30")
    assert gap.exit_code == 0, gap.output
    assert "2021-03-28 02:30 does not exist in Europe/Zurich (clocks jump forward): moved to " \
        "03:30 CEST" in gap.output
    assert store.get(post.id).due_at == datetime(2021, 3, 28, 1, 30, tzinfo=UTC)
    fold = db_cli("queue", "reschedule", str(post.id), "2021-10-31T02:30")
    assert "happens twice in Europe/Zurich (clocks fall back): took the first, 02:30 CEST" \
        in fold.output and "+01:00 for the second" in fold.output
    assert store.get(post.id).due_at == datetime(2021, 10, 31, 0, 30, tzinfo=UTC)
    second = db_cli("queue", "reschedule", str(post.id), "2021-10-31T02:30+01:00")
    assert second.exit_code == 0 and "happens twice" not in second.output
    assert store.get(post.id).due_at == datetime(2021, 10, 31, 1, 30, tzinfo=UTC)
    before = snapshot(store)
    early = db_cli("queue", "reschedule", str(post.id), "2020-12-31T23:00")
    assert_clean_failure(early, "is before the campaign, which starts in 2021",
                         "from 1 January 2021")
    late = db_cli("queue", "reschedule", str(post.id), "2101-01-01T00:00")
    assert_clean_failure(late, "is after 2100")
    assert snapshot(store) == before


# -- terminal-safe output --------------------------------------------------------------------
def test_queue_list_show_and_run_print_user_text_literally_within_80_columns(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path) -> None:
    plan_world_day(store, renderer, schedule, {"x": f"outbox:{tmp_path / 'o.jsonl'}"})
    post = store.posts()[0]
    with raw_connection(store) as conn:
        conn.execute(text("UPDATE posts SET entry = :e, text = :t WHERE id = :i"),
                     {"e": "\x1b[31m[red]evil[/red]-entry-with-a-very-long-name-indeed",
                      "t": "hello \x1b]0;pwned\x07 [bold]world[/bold]\x1b[2J", "i": post.id})
    listed = db_cli("queue", "list")
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output and "[red]evil" in listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80
    shown = db_cli("queue", "show", str(post.id))
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "hello  [bold]world[/bold]" in shown.output
    ran = db_cli("run", "--once", "--dry-run", "--now", NOW)
    assert "\x1b" not in ran.output and "[red]evil" in ran.output


# -- a dry run's report never replaces someone else's file -------------------------------------
def files(folder: Path) -> dict[Path, bytes]:
    """The bytes of every file in ``folder`` but the queue database's (snapshot covers those)."""
    return {p: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and not p.is_symlink() and not p.name.startswith("queue.db")}


@pytest.mark.parametrize("kind", ["precious", "outbox-of-an-account", "symlink-to-an-outbox",
                                  "hard-link-to-an-outbox", "new-outbox-of-an-account",
                                  "sqlite-database"])
def test_dry_run_report_refuses_a_file_it_did_not_write(
        db_cli: Callable[..., Result], store: Store, outboxed: int, tmp_path: Path,
        kind: str) -> None:
    import os
    import sqlite3

    outbox = tmp_path / "outbox.jsonl"
    if kind != "new-outbox-of-an-account":
        outbox.write_text('{"idempotency_key": "k1", "parts": ["published for real"]}\n',
                          encoding="utf-8")
    target = {"precious": tmp_path / "notes.txt", "symlink-to-an-outbox": tmp_path / "link.jsonl",
              "hard-link-to-an-outbox": tmp_path / "hard.jsonl",
              "sqlite-database": tmp_path / "other.db"}.get(kind, outbox)
    if kind == "precious":
        target.write_text("my notes\n", encoding="utf-8")
    elif kind == "symlink-to-an-outbox":
        target.symlink_to(outbox)
    elif kind == "hard-link-to-an-outbox":
        os.link(outbox, target)
    elif kind == "sqlite-database":
        with sqlite3.connect(target) as conn:
            conn.execute("CREATE TABLE t (x)")
    kept = files(tmp_path)
    before = snapshot(store)
    result = db_cli("run", "--once", "--dry-run", "--now", NOW, "--outbox", target)
    needle = {"precious": "exists and is not an earlier dry-run report",
              "sqlite-database": "is a SQLite database"}.get(kind, "is the outbox of account ")
    assert_clean_failure(result, f"{target} ", needle)
    assert "Nothing was sent" not in result.output
    assert files(tmp_path) == kept
    assert snapshot(store) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_dry_run_report_refuses_the_queue_database_files(
        db_cli: Callable[..., Result], store: Store, outboxed: int, database_url: str,
        suffix: str) -> None:
    database = Path(database_url.removeprefix("sqlite:///"))
    target = database.with_name(database.name + suffix)
    before = snapshot(store)
    result = db_cli("run", "--once", "--dry-run", "--now", NOW, "--outbox", target)
    assert_clean_failure(result, f"{target} is ", "queue database")
    # SQLite itself rewrites -shm on every read: what matters is that no report went in
    assert not target.exists() or b"{\"dry_run\": true" not in target.read_bytes()
    assert snapshot(store) == before


def test_dry_run_report_replaces_an_earlier_report(db_cli: Callable[..., Result], store: Store,
                                                   outboxed: int, tmp_path: Path) -> None:
    report = tmp_path / "dry.jsonl"
    report.write_bytes(b"")  # an empty file holds nothing to lose
    assert db_cli("run", "--once", "--dry-run", "--now", NOW, "--outbox", report).exit_code == 0
    first = report.read_text(encoding="utf-8").splitlines()
    assert len(first) == 30 and json.loads(first[0])["dry_run"] is True
    later = db_cli("run", "--once", "--dry-run", "--now", "2021-06-13T00:00:01+02:00",
                   "--outbox", report)
    assert later.exit_code == 0, later.output
    assert {json.loads(line)["action"] for line in report.read_text().splitlines()} == {"miss"}


# -- a signal hands back what it did not send, and says so ------------------------------------
def test_a_signal_during_run_once_hands_back_due_posts_and_exits_1(
        db_cli: Callable[..., Result], store: Store, outboxed: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from campaign.platforms.outbox import OutboxPublisher

    publish = OutboxPublisher.publish

    def publish_then_terminated(self: OutboxPublisher, post: Claimed) -> Published:
        result = publish(self, post)
        if not (tmp_path / "signalled").exists():
            (tmp_path / "signalled").touch()
            os.kill(os.getpid(), signal.SIGTERM)  # as cron's timeout would
        return result

    monkeypatch.setattr(OutboxPublisher, "publish", publish_then_terminated)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = db_cli("run", "--once", "--now", NOW, "--json")
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["published"] == 1 and data["handed_back"] == 29 and data["ok"] is False
    assert "29 due posts handed back (stopped by a signal): the next run sends them" \
        in result.stderr
    assert store.counts() == {"published": 1, "scheduled": 29}  # none left publishing
    monkeypatch.setattr(OutboxPublisher, "publish", publish)
    again = db_cli("run", "--once", "--now", NOW)
    assert again.exit_code == 0, again.output
    assert store.counts() == {"published": 30}


# -- a rate-limited account is called once per pass, whatever the batch -------------------------
def test_a_rate_limited_account_is_called_once_per_pass_across_batches(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule, {"x": "env:ANY"})
    publisher = AlwaysLimited(datetime(2021, 6, 12, 7, 5, tzinfo=UTC))
    now = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        report = Dispatcher(store, lambda post: publisher, worker="w",  # type: ignore[arg-type,return-value]
                            policy=Policy(batch=3)).run_once()
    assert count == 10 and publisher.calls == 1
    assert not report.ok and [p.kind for p in report.problems] == ["will_retry"]
    for post in store.posts():
        assert post.status == "scheduled" and post.attempts == 0
        assert post.next_attempt_at == datetime(2021, 6, 12, 7, 5, tzinfo=UTC)


# -- an outbox account never writes into a database ---------------------------------------------
# the queue database is a file only on SQLite: its own files are tried there alone
@pytest.mark.parametrize(("what", "database_url"), [
    ("sqlite-elsewhere", "sqlite"), ("sqlite-elsewhere", "postgresql"), ("queue-db", "sqlite"),
    ("queue-db-wal", "sqlite"), ("queue-db-shm", "sqlite"), ("symlink-to-queue-db", "sqlite"),
], indirect=["database_url"])
def test_an_outbox_account_cannot_point_at_a_database(
        db_cli: Callable[..., Result], database_url: str, tmp_path: Path, what: str) -> None:
    import sqlite3

    assert db_cli("db", "upgrade").exit_code == 0
    database = Path(database_url.removeprefix("sqlite:///"))
    other = tmp_path / "notes.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    link = tmp_path / "link.jsonl"
    link.symlink_to(database)
    target = {"sqlite-elsewhere": other, "queue-db": database, "symlink-to-queue-db": link,
              "queue-db-wal": database.with_name(database.name + "-wal"),
              "queue-db-shm": database.with_name(database.name + "-shm")}[what]
    kept = files(tmp_path)
    result = db_cli("accounts", "add", "x", "demo-x", "--credentials", f"outbox:{target}")
    assert_clean_failure(result, f"outbox {target.resolve()} is ", {
        "sqlite-elsewhere": "is a SQLite database: choose another file path",
        "queue-db": "is the queue database", "symlink-to-queue-db": "is the queue database",
        "queue-db-wal": "is a file of the queue database (queue.db-wal)",
        "queue-db-shm": "is a file of the queue database (queue.db-shm)"}[what])
    assert json.loads(db_cli("accounts", "list", "--json").stdout) == []
    assert files(tmp_path) == kept
