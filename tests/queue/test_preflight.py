"""What a run checks before it claims anything, and the dry run, as the library does them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from campaign.content.render import Renderer
from campaign.content.selection import Selection
from campaign.errors import CampaignError
from campaign.platforms.outbox import OutboxError
from campaign.queue import preflight
from campaign.queue.planner import plan_from_schedule
from campaign.queue.runner import Policy
from campaign.queue.store import Store

JUNE_12 = datetime(2021, 6, 12, 7, 5, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    pytest.param("90m", 5400, id="minutes"), pytest.param("6h", 21600, id="hours"),
    pytest.param("2d", 172800, id="days"), pytest.param("1.5s", 1.5, id="fraction"),
])
def test_duration_reads_the_units(text: str, seconds: float) -> None:
    assert preflight.duration(text, "--grace", timedelta(days=365)).total_seconds() == seconds


@pytest.mark.parametrize(("text", "needle"), [
    pytest.param("forever", "is not a positive duration", id="word"),
    pytest.param("0s", "is not a positive duration", id="zero"),
    pytest.param("nanh", "is not a positive duration", id="nan"),
    pytest.param("infd", "is longer than 1 day", id="infinite"),
    pytest.param("2d", "is longer than 1 day", id="too-long"),
])
def test_duration_refuses(text: str, needle: str) -> None:
    with pytest.raises(CampaignError, match=needle):
        preflight.duration(text, "--lease", timedelta(days=1))


def test_run_policy_wants_a_lease_longer_than_a_network_call() -> None:
    assert preflight.run_policy("6h", "5m", 30, True) == Policy(
        grace=timedelta(hours=6), lease=timedelta(minutes=5), require_review=True)
    with pytest.raises(CampaignError, match="--lease 30s is not longer than --timeout 30s"):
        preflight.run_policy("6h", "30s", 30, False)


def test_replay_clock_runs_on_from_the_moment_named() -> None:
    clock = preflight.replay_clock("2021-06-12T09:05+02:00")
    assert abs(clock() - JUNE_12) < timedelta(seconds=5)
    assert abs(preflight.replay_clock("2021-06-12T07:05")() - JUNE_12) < timedelta(seconds=5)
    with pytest.raises(CampaignError, match="is not a date-time"):
        preflight.replay_clock("soon")
    with pytest.raises(CampaignError, match="is before 2000"):
        preflight.replay_clock("0001-01-01T00:00+14:00")


@pytest.fixture
def outbox_plan(store: Store, renderer: Renderer, tmp_path: Path) -> Path:
    """The English 12 June posts planned on a Bluesky outbox account; the outbox's path."""
    outbox = tmp_path / "outbox.jsonl"
    store.add_account("bluesky", "demo.test", f"outbox:{outbox}")
    plan_from_schedule(store, renderer, Selection(entries=("world-day-against-child-labour",),
                                                  languages=("en",)), ["bluesky"])
    return outbox


def test_dry_run_reports_and_writes_its_report_changing_nothing(store: Store, outbox_plan: Path,
                                                                tmp_path: Path) -> None:
    before = store.counts()
    report = tmp_path / "dry.jsonl"
    preview = preflight.dry_run(store, JUNE_12, Policy(), report)
    assert len(preview.publish) == 10 and not preview.miss
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10 and all(line["dry_run"] for line in lines)
    assert store.counts() == before and not outbox_plan.exists()
    # an earlier report may be replaced; the outbox may not
    preflight.dry_run(store, JUNE_12, Policy(), report)
    with pytest.raises(CampaignError, match=r"is the outbox of account bluesky demo\.test"):
        preflight.dry_run(store, JUNE_12, Policy(), outbox_plan)


def test_report_file_that_is_something_else_is_refused(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(CampaignError, match="is not an earlier dry-run report"):
        preflight.check_report_file(store, notes)
    assert notes.read_text(encoding="utf-8") == "my notes\n"


def test_replaying_refuses_a_network_account_with_posts_due(store: Store,
                                                            renderer: Renderer) -> None:
    store.add_account("x", "@demo")
    plan_from_schedule(store, renderer, Selection(entries=("world-day-against-child-labour",),
                                                  languages=("en",)), ["x"])
    with pytest.raises(CampaignError, match="x @demo would publish to its network"):
        preflight.check_destinations(store, JUNE_12, False, replaying=True)
    preflight.check_destinations(store, JUNE_12, False, replaying=False)


def test_an_outbox_that_is_a_folder_is_refused_before_a_pass(store: Store, outbox_plan: Path,
                                                             tmp_path: Path) -> None:
    outbox_plan.mkdir()
    with pytest.raises(OutboxError, match=r"account bluesky demo\.test"):
        preflight.check_destinations(store, JUNE_12, False, replaying=True)
