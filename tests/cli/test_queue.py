"""The queue's commands through the CLI, on SQLite and PostgreSQL, including their bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.content.test_bad_input import assert_clean_failure


@pytest.fixture
def queue(run: Callable[..., Result], database_url: str) -> Callable[..., Result]:
    """Run a queue command on a migrated database with two accounts."""

    def invoke(*args: object) -> Result:
        return run(*args, "--db", database_url)

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("accounts", "add", "bluesky", "demo.bsky.social").exit_code == 0
    assert invoke("accounts", "add", "x", "@demo", "--credentials-ref", "env:X_TOKEN").exit_code == 0
    return invoke


def plan(queue: Callable[..., Result], *extra: str) -> Result:
    return queue("queue", "plan", "--entry", "world-day-against-child-labour", "--lang", "en",
                 "--account", "bluesky", "--account", "x=@demo", *extra)


def test_plan_is_idempotent_and_reports_counts(queue: Callable[..., Result]) -> None:
    first = json.loads(plan(queue, "--json").output)
    assert {k: first[k] for k in ("added", "updated", "unchanged", "left_alone_final")} == \
        {"added": 20, "updated": 0, "unchanged": 0, "left_alone_final": 0}
    assert first["left_on_other_accounts"]["count"] == first["cancelled_elsewhere"]["count"] == 0
    again = plan(queue)
    assert "0 added, 0 updated, 20 unchanged" in again.output


def test_review_flow_list_show_approve_cancel_reschedule_retry(queue: Callable[..., Result],
                                                              tmp_path: Path) -> None:
    plan(queue, "--review")
    posts = json.loads(queue("queue", "list", "--json", "--network", "x").output)
    assert len(posts) == 10 and {p["status"] for p in posts} == {"draft"}
    first, second = posts[0]["id"], posts[1]["id"]
    assert "Approved 1 post(s)." in queue("queue", "approve", str(first)).output
    assert "Cancelled 1 post(s)." in queue("queue", "cancel", str(second)).output
    moved = queue("queue", "reschedule", str(first), "2021-06-12T11:30")
    assert moved.exit_code == 0, moved.output
    shown = json.loads(queue("queue", "show", str(first), "--json").output)
    assert shown["due_at"] == "2021-06-12T09:30:00Z"  # 11:30 in Geneva
    assert [e["to"] for e in shown["events"]] == ["draft", "approved", "approved"]
    dry = queue("run", "--once", "--dry-run", "--require-review", "--now",
                "2021-06-12T11:31+02:00", "--json")
    assert [p["post_id"] for p in json.loads(dry.output)["would_publish"]] == [first]
    outbox = tmp_path / "out.jsonl"
    assert queue("accounts", "add", "x", "@demo", "--credentials", f"outbox:{outbox}").exit_code == 0
    ran = queue("run", "--once", "--require-review", "--now", "2021-06-12T11:31+02:00", "--json")
    assert json.loads(ran.output)["published"] == 1
    lines = outbox.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["published_at"].startswith("2021-06-12T09:31")  # replayed clock
    refused = queue("queue", "retry", str(first))
    assert refused.exit_code == 1 and "not in a state that allows it" in refused.output
    approved = queue("queue", "approve", "--all-drafts", "--network", "bluesky")
    assert "Approved 10 post(s)." in approved.output
    assert queue("queue", "approve").exit_code == 2
    cancelled = queue("queue", "cancel", "--account", "bluesky=demo.bsky.social")
    assert "Cancelled 10 post(s)." in cancelled.output
    assert queue("queue", "cancel").exit_code == 2


@pytest.mark.parametrize(("args", "needles"), [
    pytest.param(("queue", "list", "--status", "sent"), ["unknown status 'sent'", "published"],
                 id="list-unknown-status"),
    pytest.param(("queue", "list", "--account", "x=@nobody"), ["unknown account 'x=@nobody'", "x=@demo"],
                 id="list-unknown-account"),
    pytest.param(("queue", "plan", "--account", "mastodon"), ["unknown account 'mastodon'",
                                                              "bluesky=demo.bsky.social"],
                 id="plan-account-without-handle"),
    pytest.param(("accounts", "add", "myspace", "tom"), ["'myspace' is not one of"],
                 id="add-unknown-network"),
    pytest.param(("queue", "show", "12345"), ["no post with id 12345"], id="show-missing-post"),
    pytest.param(("queue", "reschedule", "1", "soon"), ["'soon' is not a date-time"],
                 id="reschedule-not-a-date-time"),
    pytest.param(("accounts", "add", "x", "@a", "--credentials", "vault:x"),
                 ["is not understood", "env:PREFIX"], id="add-unknown-credentials-scheme"),
    pytest.param(("accounts", "add", "bluesky", "a.test", "--base-url", "bsky.social"),
                 ["'bsky.social' is not an http(s) address"], id="add-base-url-without-scheme"),
    pytest.param(("accounts", "test", "x=@nobody"), ["unknown account 'x=@nobody'"],
                 id="test-unknown-account"),
    pytest.param(("accounts", "remove", "myspace=tom"), ["unknown network 'myspace'", "bluesky"],
                 id="remove-unknown-network"),
    pytest.param(("amplify", "repost", "https://example.org/1", "--account", "x=@demo"),
                 ["is not the address of a post on x", "https://x.com/"], id="repost-not-a-post-address"),
    pytest.param(("amplify", "quote", "https://x.com/ilo/status/1", "--account", "x=@demo"),
                 ["a quote needs its words"], id="quote-without-text"),
    pytest.param(("run", "--once", "--now", "2021-06-12T09:00"), ["--now pretends another time, and",
                                                                   "would publish to its network"],
                 id="run-now-without-dry-run"),
    pytest.param(("run", "--once", "--dry-run", "--grace", "forever"),
                 ["--grace 'forever' is not a positive"], id="run-grace-not-a-duration"),
    pytest.param(("run", "--once", "--dry-run", "--lease", "0s"),
                 ["--lease '0s' is not a positive duration"], id="run-lease-zero"),
    pytest.param(("run", "--once", "--dry-run", "--outbox", "/nonexistent/dir/o.jsonl"),
                 ["--outbox: /nonexistent/dir/o.jsonl: folder /nonexistent/dir does not exist"],
                 id="run-outbox-folder-missing"),
])
def test_bad_queue_input(queue: Callable[..., Result], args: tuple[str, ...],
                         needles: list[str]) -> None:
    plan(queue)
    assert_clean_failure(queue(*args), *needles)


def test_unreachable_database_names_it_without_the_password(run: Callable[..., Result]) -> None:
    result = run("queue", "list", "--db", "postgresql://campaign:hunter2@127.0.0.1:1/queue")
    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert "postgresql+psycopg://campaign:***@127.0.0.1:1/queue failed" in result.output


@pytest.mark.parametrize("url", ["mysql://u:pw@host/db", "postgresql+psycopg2://u:pw@h/db",
                                 "postgresql://u:pw@host:abc/db"])
def test_unsupported_database_url(run: Callable[..., Result], url: str) -> None:
    result = run("queue", "list", "--db", url)
    assert_clean_failure(result, "postgresql://user@host/db")
    assert "pw" not in result.output.replace("postgresql://user@host/db", "")


def test_a_post_that_fails_validation_is_refused_at_plan_time(queue: Callable[..., Result],
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "mine" / "en" / "days"
    folder.mkdir(parents=True)
    (folder / "world-day-against-child-labour.j2").write_text("word " * 80, encoding="utf-8")
    result = plan(queue, "--templates", str(tmp_path / "mine"))
    assert_clean_failure(result, "entry 'world-day-against-child-labour'", "over the limit")
    assert json.loads(queue("queue", "list", "--json").output) == []


def test_retry_delete_and_cancel_as_the_readme_shows(queue: Callable[..., Result],
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    outbox = tmp_path / "outbox.jsonl"
    assert queue("accounts", "add", "bluesky", "demo.bsky.social", "--credentials",
                 f"outbox:{outbox}").exit_code == 0
    assert queue("accounts", "add", "mastodon", "@oit", "--base-url",
                 "https://mastodon.social").exit_code == 0
    shared = json.loads(queue("amplify", "repost", "https://bsky.app/profile/ilo.org/post/3kx",
                              "--account", "bluesky", "--json").output)["id"]
    boosted = json.loads(queue("amplify", "repost", "https://mastodon.social/@ilo/1",
                               "--account", "mastodon", "--json").output)["id"]
    ran = queue("run", "--once")
    assert ran.exit_code == 1 and "Published 1" in ran.output and "1 failed" in ran.output
    monkeypatch.setenv("CAMPAIGN_MASTODON_OIT_ACCESS_TOKEN", "token-1234")
    retried = queue("queue", "retry", str(boosted))
    assert (retried.exit_code, retried.output) == (0, "Queued again 1 post(s).\n")
    deleted = queue("queue", "delete", str(shared))
    assert (deleted.exit_code, deleted.output) == (0, "Deleted 1 post(s).\n")
    cancelled = queue("queue", "cancel", str(shared), str(boosted), "99")
    assert cancelled.exit_code == 1
    assert f"Cancelled 1 post(s); not in a state that allows it: {shared}" in cancelled.output
    assert "no post with id 99: see `campaign queue list`" in cancelled.output
    assert [e["to"] for e in json.loads(queue("queue", "show", str(shared), "--json").output)
            ["events"]] == ["scheduled", "publishing", "published", "deleted"]


@pytest.mark.parametrize("args", [
    pytest.param(("queue", "retry", "1", "x"), id="retry-word"),
    pytest.param(("queue", "delete", "99999999999999999999"), id="delete-too-large"),
    pytest.param(("queue", "approve", "5", "soon"), id="approve-word"),
])
def test_ids_that_name_no_post_change_nothing(queue: Callable[..., Result],
                                              args: tuple[str, ...]) -> None:
    plan(queue)
    before = queue("queue", "list", "--json").output
    assert_clean_failure(queue(*args), "see `campaign queue list`")
    assert queue("queue", "list", "--json").output == before


@pytest.mark.parametrize("limit", [pytest.param("0", id="zero"), pytest.param("-3", id="negative")])
def test_a_limit_below_one_is_refused(db_cli: Callable[..., Result], limit: str) -> None:
    # a negative LIMIT meant "all but the last N" in Python and fails on PostgreSQL: refused
    assert db_cli("db", "upgrade").exit_code == 0
    result = db_cli("queue", "list", "--limit", limit)
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.output and "Traceback" not in result.output
