"""A REAL kill: `campaign track mastodon` in a process of its own, against a Mastodon double slowed
a little per page, is killed with SIGKILL (or stopped with SIGTERM) after some pages are stored;
the next run resumes from the checkpoint, and in the end every post of the double is stored
exactly once (SQLite and PostgreSQL for the kill)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaign.tracking.models import POSTS
from campaign.tracking.store import RunStatus, TrackStore
from tests.servers.mastodon import MastodonDouble

ROOT = Path(__file__).resolve().parents[2]
POSTS_SEEDED = 400  # ten pages of 40
PAUSE = 0.15  # seconds each page is held: the run lasts long enough to be killed in the middle


@pytest.fixture
def instance() -> Iterator[MastodonDouble]:
    """An instance holding 400 posts of the tag, an hour old to now, every page slowed."""
    with MastodonDouble() as double:
        double.seed(POSTS_SEEDED, start=time.time() - 3600, every=3600 / POSTS_SEEDED)
        double.delay(PAUSE, times=None, path="/api/v1/timelines/tag/")
        yield double


def command(instance: MastodonDouble, db_url: str) -> list[str]:
    return [sys.executable, "-m", "campaign.cli", "track", "mastodon", "--instance",
            instance.base_url, "--tag", "EndChildLabour2021", "--since", "2020-01-01",
            "--db", db_url]


def start(instance: MastodonDouble, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(command(instance, db_url), cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})


def wait_for_posts(tracks: TrackStore, process: subprocess.Popen[str], at_least: int) -> int:
    """Poll the store (the other process writes it) until it holds ``at_least`` posts."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = tracks.count_posts()
        if count >= at_least:
            return count
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)  # waiting on another process, not on time: nothing else to wait on
    raise AssertionError(f"only {tracks.count_posts()} posts stored after 60 s")


def assert_every_post_once(tracks: TrackStore, instance: MastodonDouble) -> None:
    uris = {instance.status_json(s["id"])["uri"] for s in instance.live_statuses()}
    with tracks._connection() as conn:
        stored = conn.execute(select(POSTS.c.remote_id)).scalars().all()
        (rows,) = conn.execute(select(func.count()).select_from(POSTS)).one()
    assert len(uris) == POSTS_SEEDED
    assert sorted(stored) == sorted(uris) and rows == POSTS_SEEDED


def finish(instance: MastodonDouble, tracks: TrackStore) -> subprocess.CompletedProcess[str]:
    """The next run, unslowed, to the end."""
    instance.clear_faults()
    done = subprocess.run(command(instance, tracks.url), cwd=ROOT, text=True,
                          capture_output=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    return done


def test_sigkill_mid_run_then_the_next_run_stores_the_rest_once(
        tracks: TrackStore, instance: MastodonDouble) -> None:
    process = start(instance, tracks.url)
    try:
        wait_for_posts(tracks, process, 80)
        process.kill()  # SIGKILL: no handler runs, no page is finished
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    killed_at = tracks.count_posts()
    assert 80 <= killed_at < POSTS_SEEDED, "the kill did not land in the middle of the run"
    done = finish(instance, tracks)
    assert f"{POSTS_SEEDED - killed_at} new" in done.stdout
    assert_every_post_once(tracks, instance)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the kill: on both
def test_sigterm_stops_after_the_page_in_flight_exit_0_and_resumes(
        tracks: TrackStore, instance: MastodonDouble) -> None:
    process = start(instance, tracks.url)
    try:
        wait_for_posts(tracks, process, 80)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Stopped on request after a whole page" in out
    assert "the next run resumes where this one stopped" in out
    stopped_at = tracks.count_posts()
    assert stopped_at < POSTS_SEEDED and stopped_at % 40 == 0  # whole pages only
    assert tracks.runs(limit=1)[0].status is RunStatus.INTERRUPTED
    finish(instance, tracks)
    assert_every_post_once(tracks, instance)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_track_run_collects_on_its_interval_until_sigterm(
        tracks: TrackStore, instance: MastodonDouble, tmp_path: Path) -> None:
    instance.clear_faults()
    sources = tmp_path / "tracking.yaml"
    sources.write_text(f"hashtags: ['#EndChildLabour2021']\nsources:\n  - kind: mastodon-tags\n"
                       f"    base_url: {instance.base_url}\n    since: 2020-01-01\n"
                       "    every: 1h\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "campaign.cli", "track", "run", "--sources", str(sources),
         "--db", tracks.url], cwd=ROOT, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    try:
        wait_for_posts(tracks, process, POSTS_SEEDED)  # the first turn comes at once
        process.send_signal(signal.SIGTERM)  # while it waits for the next turn
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Tracking 1 source from ") and "Ctrl-C or SIGTERM" in lines[0]
    assert f"{POSTS_SEEDED} read, {POSTS_SEEDED} new" in lines[1]
    assert lines[-1].startswith("Stopped")
    assert_every_post_once(tracks, instance)
