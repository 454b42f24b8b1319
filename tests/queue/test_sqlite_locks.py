"""Several stores on one SQLite file in one process (the web dashboard makes four) must not drop
SQLite's locks: closing any descriptor of the file releases every POSIX lock the process holds on
it, and another process would then take itself for the last user, delete the WAL and lose what
this process commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from campaign.pledges.store import PledgeStore
from campaign.queue.store import Store
from campaign.tracking.store import TrackStore
from campaign.users.store import UserStore

COUNT = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "print(c.execute('SELECT count(*) FROM accounts').fetchone()[0]); c.close()")


def _other_process_count(path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", COUNT, str(path)], capture_output=True,
                          text=True, check=True, timeout=60)
    return int(done.stdout)


def test_a_second_store_on_the_file_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    path = tmp_path / "campaign.db"
    url = f"sqlite:///{path}"
    queue = Store(url)
    queue.upgrade()
    assert queue.posts() == []  # its connection stays open in the pool, as a server's do
    others = [PledgeStore(url), TrackStore(url), UserStore(url)]  # each checks the file
    assert _other_process_count(path) == 0  # another process opens and closes the file
    queue.add_account("x", "ilo")
    assert _other_process_count(path) == 1, "the commit was lost to the other process"
    for store in (queue, *others):
        store.close()
