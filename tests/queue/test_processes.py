"""Real runner processes: killed with SIGKILL mid-batch and restarted, stopped with SIGTERM, and
several at once on one PostgreSQL database. Every post must reach the outbox exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from campaign.content.render import Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import load_schedule
from campaign.queue.store import Store

CAMPAIGN = str(Path(sys.executable).parent / "campaign")
WORLD_DAY = "world-day-against-child-labour"
EXPECTED = 90  # 10 audiences x 3 languages x 3 networks


def campaign(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CAMPAIGN, *args, "--db", db], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def prepare(db: str, outbox: Path) -> None:
    # set up in-process (the CLI's own tests cover these commands); only runners are processes.
    # The accounts are outbox accounts: their posts are published for real, into one file
    store = Store(db)
    store.upgrade()
    handles = {"x": "demo_x", "bluesky": "demo.test", "mastodon": "demo-mastodon"}  # valid handles
    accounts = {n: store.add_account(n, handle, f"outbox:{outbox}")
                for n, handle in handles.items()}
    schedule = load_schedule(builtin_schedule())
    posts = list(Renderer(schedule).posts(schedule.select(entries=[WORLD_DAY])))
    store.plan(posts, accounts)
    store.close()


def runner(db: str, now: str, *extra: str) -> subprocess.Popen[str]:
    # the accounts write to the outbox (see prepare): --now replays into files, no --dry-run
    return subprocess.Popen([CAMPAIGN, "run", "--now", now, "--db", db, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outbox_keys(outbox: Path) -> Counter[str]:
    if not outbox.exists():
        return Counter()
    lines = outbox.read_text(encoding="utf-8").splitlines()
    return Counter(json.loads(line)["idempotency_key"] for line in lines)


def wait_for_lines(outbox: Path, count: int, proc: subprocess.Popen[str], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while sum(outbox_keys(outbox).values()) < count:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the runner published nothing in time"
        time.sleep(0.02)  # waiting on another process: there is no clock to travel here


def status_counts(db: str) -> dict[str, int]:
    store = Store(db)
    try:
        return store.counts()
    finally:
        store.close()


def test_sigkill_mid_batch_then_restart_publishes_each_post_once(database_url: str,
                                                                 tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    prepare(database_url, outbox)
    proc = runner(database_url, "2021-06-12T09:30+02:00", "--publish-delay", "0.03")
    wait_for_lines(outbox, 20, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert sum(outbox_keys(outbox).values()) < EXPECTED
    # restarted ten minutes later (simulated): the killed runner's lease has run out. Two passes,
    # as a long-running runner would make: PostgreSQL may still hold the killed session's row
    # locks for a moment, and a claim skips locked rows rather than wait for them.
    for minute in ("40", "41"):
        campaign("run", "--once", "--now", f"2021-06-12T09:{minute}+02:00", db=database_url)
    keys = outbox_keys(outbox)
    assert len(keys) == EXPECTED
    assert set(keys.values()) == {1}
    assert status_counts(database_url) == {"published": EXPECTED}


def test_sigterm_finishes_the_post_in_flight(database_url: str, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    prepare(database_url, outbox)
    proc = runner(database_url, "2021-06-12T09:30+02:00", "--publish-delay", "0.2")
    wait_for_lines(outbox, 1, proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    counts = status_counts(database_url)
    assert "publishing" not in counts
    assert counts["published"] == sum(outbox_keys(outbox).values())
    assert counts["published"] + counts["scheduled"] == EXPECTED


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("workers", [2, 4])
def test_workers_share_postgresql_without_duplicates(database_url: str, tmp_path: Path,
                                                     workers: int) -> None:
    outbox = tmp_path / "outbox.jsonl"
    prepare(database_url, outbox)
    procs = [runner(database_url, "2021-06-12T09:30+02:00", "--once", "--worker",
                    f"w{i}", "--publish-delay", "0.01") for i in range(workers)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    keys = outbox_keys(outbox)
    assert len(keys) == EXPECTED and set(keys.values()) == {1}
    assert status_counts(database_url) == {"published": EXPECTED}
