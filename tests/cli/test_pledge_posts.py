"""``campaign pledge posts``: print, queue (once) and share-kit pages, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.store import NewPledge, PledgeStore
from tests.pledges.conftest import PLEDGE


@pytest.fixture
def told(db_cli: Callable[..., Result], database_url: str,
         schedule: Schedule) -> Callable[..., Result]:
    """The CLI on a migrated database holding pledge 1 (with X and Mastodon handles) and
    pledge 2 (no handle)."""
    assert db_cli("db", "upgrade").exit_code == 0
    store = PledgeStore(database_url)
    rules = FormRules.from_schedule(schedule, today=date(2021, 3, 1))
    for changes in ({}, {"name": "Enfance Libre", "handles": {}, "language": "en",
                         "audience": "org-civil-society"}):
        form = validate_form({**PLEDGE, "submitted_on": "2021-01-15", **changes}, rules)
        store.add(NewPledge(form=form, kind="country" if not changes else "organisation"))
    store.close()
    return db_cli


def test_without_queue_or_kit_it_prints_the_posts(told: Callable[..., Result]) -> None:
    result = told("pledge", "posts", "1", "--network", "x")
    assert result.exit_code == 0, result.output
    assert "pledge-1-announce · country · fr · x" in result.output
    assert "Ministère du Travail du Sénégal fait sa Promesse d’action" in result.output
    assert result.output.rstrip().endswith("4 posts.")


def test_json_gives_the_post_records(told: Callable[..., Result]) -> None:
    result = told("pledge", "posts", "--lang", "es", "--network", "bluesky", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["entry"] for r in records] == [f"pledge-{i}-{k}" for i in (1, 2) for k in
                                             ("announce", "progress", "review", "results")]
    assert {(r["language"], r["network"]) for r in records} == {("es", "bluesky")}


def test_queue_plans_once_and_kits_the_pledgers_without_account(
        told: Callable[..., Result], tmp_path: Path) -> None:
    added = told("accounts", "add", "x", "@travailsn", "--credentials",
                 f"outbox:{tmp_path / 'outbox.jsonl'}")
    assert added.exit_code == 0, added.output
    first = told("pledge", "posts", "--queue", "--kit", tmp_path / "kits")
    assert first.exit_code == 0, first.output
    assert "pledge 1: 4 posts on x=@travailsn: 4 added, 0 updated, 0 unchanged" in first.output
    assert "no account in the queue (their posts go to their share kit): pledge 2" in first.output
    assert "pledge-2.html: share kit of pledge 2, 12 posts" in first.output
    assert [p.name for p in (tmp_path / "kits").iterdir()] == ["pledge-2.html"]
    again = json.loads(told("pledge", "posts", "--queue", "--json").output)
    assert (again["added"], again["unchanged"], again["without_account"]) == (0, 4, [2])
    assert told("queue", "list").output.count("pledge-1-") == 4


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(("9",), "no pledge has id 9: see `campaign pledge list`", id="unknown-id"),
    pytest.param(("1", "--lang", "de"), "unknown language 'de'", id="unknown-language"),
    pytest.param(("x1",), "pledge ids are numbers, got x1", id="not-an-id"),
])
def test_bad_input_exits_2_with_one_sentence(told: Callable[..., Result], args: tuple[str, ...],
                                             message: str) -> None:
    result = told("pledge", "posts", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_withdrawal_cancels_the_posts_left_and_queueing_again_keeps_them_so(
        told: Callable[..., Result], tmp_path: Path) -> None:
    """`pledge withdraw` cancels at once (planning again would too: tests/pledges/test_posts)."""
    told("accounts", "add", "x", "@travailsn", "--credentials", f"outbox:{tmp_path / 'o.jsonl'}")
    assert told("pledge", "posts", "1", "--queue").exit_code == 0
    assert len(json.loads(told("queue", "list", "--status", "scheduled", "--json").output)) == 4
    withdrawn = told("pledge", "withdraw", "1")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "Pledge 1 is now withdrawn; 4 queued posts cancelled." in withdrawn.output
    result = told("pledge", "posts", "1", "--queue")
    assert result.exit_code == 0, result.output
    assert "pledge 1: withdrawn, no posts\n" in result.output
    assert json.loads(told("queue", "list", "--status", "scheduled", "--json").output) == []
