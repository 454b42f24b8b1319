"""The web benchmark's database: 100,000 queued posts and 10,000 pledges, stored through the
library's own paths (``Store.plan``, ``Store.expire``, ``PledgeStore.add_many``).

The posts are the built-in 2021 campaign (1,800 rendered posts) planned again on as many
account sets as it takes, each set its own copy of the campaign (as separate organisations'
queues would be); one set in four plans with review (drafts for the review desk), and
``Store.expire`` on 1 June 2021 marks what was due before it missed, with its reason, as a
runner would. The SQLite file is kept in ``/tmp/campaign-bench-cache/`` under the schema head
and the counts, so a rerun starts at once; each run works on a copy (the form benchmark adds
pledges, and the cached file must stay the same).
"""

from __future__ import annotations

import math
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

POSTS = 100_000
PLEDGES = 10_000
CACHE = Path(tempfile.gettempdir()) / "campaign-bench-cache"
VERSION = 2  # of this generator: a change makes a new cache file
# the day the dashboard is served as of: the World Day Against Child Labour's month ahead
TODAY = date(2021, 6, 1)
EXPIRED_AT = datetime(2021, 6, 1, 6, tzinfo=UTC)
REVIEW_EVERY = 4  # one account set in four plans with review


def schema_head() -> str:
    """The newest migration of this version of the tool (the cache's key)."""
    from alembic.script import ScriptDirectory

    from campaign.queue import migrations

    return str(ScriptDirectory(str(Path(migrations.__file__).parent)).get_current_head())


def seed(url: str, posts: int = POSTS, pledges: int = PLEDGES, label: str = "") -> None:
    """Migrate ``url`` and store the posts and the pledges, saying how long each took."""
    from campaign.bulk import fewer_collections
    from campaign.content.render import Renderer
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule
    from campaign.queue.store import Store
    from campaign.text.networks import NETWORKS

    started = time.perf_counter()
    schedule = load_schedule(builtin_schedule())
    rendered = list(Renderer(schedule).posts(schedule.occurrences))
    store = Store(url)
    store.upgrade()
    added = 0
    try:
        with fewer_collections():
            for i in range(math.ceil(posts / len(rendered))):
                handles = {"x": f"org_{i}", "bluesky": f"org-{i}.test"}  # valid on each network
                accounts = {n: store.add_account(n, handles.get(n, f"org-{i}"),
                                                 f"outbox:/dev/null/{i}") for n in NETWORKS}
                chunk = [post._replace(campaign=f"{post.campaign}-{i}")
                         for post in rendered[:posts - added]]
                added += store.plan(chunk, accounts, review=i % REVIEW_EVERY == 1).added
            missed = store.expire(EXPIRED_AT, timedelta(hours=6), actor="bench")
    finally:
        store.close()
    print(f"  {label}: {added:,} posts planned ({missed:,} missed before {TODAY}) in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    add_pledges(url, pledges, label)


def add_pledges(url: str, count: int, label: str) -> None:
    """``count`` realistic, valid pledges through ``PledgeStore.add_many``."""
    from bench_pledges import generate  # beside this file: realistic, valid pledges

    from campaign.pledges.models import PledgeStatus
    from campaign.pledges.store import PledgeStore
    from campaign.pledges.submission import prepare

    started = time.perf_counter()
    rules = form_rules()
    # most taken in by the secretariat, some still waiting, a few given up: the registry's mix
    mix = [PledgeStatus.ACCEPTED] * 6 + [PledgeStatus.SUBMITTED] * 3 + [PledgeStatus.WITHDRAWN]
    items = [prepare(form, rules, status=mix[n % len(mix)])[0]
             for n, form in enumerate(generate(count, rules))]
    store = PledgeStore(url)
    try:
        store.add_many(items, actor="bench")
    finally:
        store.close()
    print(f"  {label}: {len(items):,} pledges stored in {time.perf_counter() - started:.1f} s",
          flush=True)


def form_rules() -> Any:
    """The built-in schedule's form rules, as of the day the pledges were made."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule
    from campaign.pledges.form import FormRules

    return FormRules.from_schedule(load_schedule(builtin_schedule()), today=date(2021, 3, 1))


def cached_sqlite(posts: int = POSTS, pledges: int = PLEDGES) -> Path:
    """The cached SQLite file of these counts at this schema (made when missing)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"web-v{VERSION}-{schema_head()}-{posts}-posts-{pledges}-pledges.db"
    if path.exists():
        print(f"  sqlite: reusing {path}")
        return path
    partial = path.with_suffix(".partial")
    for stale in CACHE.glob(partial.name + "*"):
        stale.unlink()
    seed(f"sqlite:///{partial}", posts, pledges, "sqlite")
    # the planner's statistics, then the WAL folded back in and the file closed before it is
    # kept: a copy of the main file alone must hold everything (the with-block only commits)
    conn = sqlite3.connect(partial)
    try:
        conn.execute("ANALYZE")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    partial.rename(path)
    return path


def working_copy(cached: Path, folder: Path) -> str:
    """A copy of the cached file in ``folder``, as a database URL."""
    copy = folder / "campaign.db"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}"


def count_pledges(url: str) -> int:
    """How many pledges the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM pledges")).scalar_one())
    finally:
        engine.dispose()
