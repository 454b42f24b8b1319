"""Benchmarks of the publication queue: planning, dispatch, workers sharing PostgreSQL, memory.

Run with ``python bench/bench_queue.py`` (or ``make bench``); ``--only plan,list`` runs some of
the figures, ``--posts 20000`` on fewer posts (a quick look, not the figure to quote). Every
figure is printed next to a baseline measured in the same run, and the ratio is what to compare:
the machine is shared and absolute times drift.
"""

# The imports below come after the sys.path line, on purpose:
# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project root, for tests.pg (the throwaway PostgreSQL server the tests use too)
sys.path.insert(0, str(ROOT))

import contextlib
import json
import logging
import math
import os
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

import figures  # beside this file: the --only option every benchmark has

from campaign.content.render import RenderedPost, Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import load_schedule
from campaign.platforms.base import Claimed, Published
from campaign.platforms.memory import MemoryPublisher
from campaign.queue.engine import utcnow
from campaign.queue.models import Account
from campaign.queue.planning import Rows
from campaign.queue.runner import Dispatcher, Runner
from campaign.queue.store import Store
from campaign.text.networks import NETWORKS

PLAN_POSTS = 100_000
PLAN_ROUNDS = 3
DISPATCH_POSTS = 10_000
WORKER_POSTS = 800
PUBLISH_DELAY = 0.02
WORLD_DAY = "world-day-against-child-labour"
WORLD_DAY_NOW = "2021-06-12T09:30+02:00"  # every world-day post is due, none is past its grace
BEFORE_CAMPAIGN = "2021-01-01T00:00+01:00"  # every 2021 post is queued, none is due yet
CAMPAIGN_EXE = str(Path(sys.executable).parent / "campaign")
# the Store's own connection settings, so that bare-sqlite3 baselines differ from us only in code
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=60000")

Batch = tuple[list[RenderedPost], dict[str, Account]]


# -- shared helpers ----------------------------------------------------------------------------
@cache
def rendered_posts() -> tuple[RenderedPost, ...]:
    """Every post of the built-in 2021 campaign (1,800), rendered once per process."""
    schedule = load_schedule(builtin_schedule())
    return tuple(Renderer(schedule).posts(schedule.occurrences))


@cache
def world_day_posts() -> tuple[RenderedPost, ...]:
    """The 90 posts of the world day against child labour."""
    schedule = load_schedule(builtin_schedule())
    return tuple(Renderer(schedule).posts(schedule.select(entries=[WORLD_DAY])))


@contextlib.contextmanager
def _folder(folder: Path | None) -> Iterator[Path]:
    """The given folder, or a temporary one removed afterwards."""
    if folder is not None:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="campaign-bench-") as tmp:
        yield Path(tmp)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _fresh_store(url: str) -> Store:
    """A Store on a new database, migrated to the newest schema."""
    store = Store(url)
    store.upgrade()
    return store


def _batches(store: Store, posts: Sequence[RenderedPost], total: int, prefix: str,
             ref: str = "", *, shared: bool = False) -> list[Batch]:
    """``total`` distinct posts: the rendered ones again on as many account sets as it takes
    (outbox accounts when ``ref`` is ``outbox:PATH``).

    Each account set plans its own copy of the campaign (its campaign id numbered), as the
    queues of separate organisations would be; ``shared``: one campaign on every account set,
    so that each plan finds the same posts queued on all the others' accounts and reports them.
    """
    batches: list[Batch] = []
    for i in range(math.ceil(total / len(posts))):
        handles = {"x": f"{prefix}_{i}", "bluesky": f"{prefix}-{i}.test"}  # valid on each network
        accounts = {n: store.add_account(n, handles.get(n, f"{prefix}-{i}"), ref)
                    for n in NETWORKS}
        chunk = list(posts[:total - i * len(posts)])
        if not shared:
            chunk = [post._replace(campaign=f"{post.campaign}-{i}") for post in chunk]
        batches.append((chunk, accounts))
    return batches


def _plan(store: Store, batches: list[Batch]) -> int:
    """Plan every batch through ``Store.plan``; return how many posts were added."""
    return sum(store.plan(posts, accounts).added for posts, accounts in batches)


def _bare_sqlite(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection in autocommit mode, with the Store's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _rate(label: str, count: int, seconds: float, note: str) -> None:
    """One figure line: posts per second, seconds, and what it is."""
    print(f"  {label:<38}{count / seconds:>9,.0f} posts/s {seconds:7.2f} s  ({note})")


def _percentile(values: Sequence[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# -- 1. plan -----------------------------------------------------------------------------------
def bench_plan(folder: Path | None = None, total: int = PLAN_POSTS) -> None:
    """``Store.plan`` of 100,000 posts into SQLite vs a bare sqlite3 ``executemany`` of the rows."""
    posts = rendered_posts()  # rendering is excluded from both timings
    with _folder(folder) as tmp:
        # alternated and the best of each kept: a shared machine slows one round or another
        ours, bare = [], []
        for round_ in range(PLAN_ROUNDS):
            ours.append(_time_store_plan(tmp / f"plan{round_}.db", posts, total))
            bare.append(_time_bare_insert(tmp / f"plan-bare{round_}.db", posts, total))
        (ours_s, added, calls), (base_s, inserted) = min(ours), min(bare)
        shared_s, shared_added, _ = _time_store_plan(tmp / "plan-shared.db", posts, total,
                                                     shared=True)
        assert added == inserted == shared_added == total, (added, inserted, shared_added, total)
        print(f"plan: {total:,} posts ({len(posts):,} rendered x {calls} account sets, each its "
              f"own copy of the campaign) into SQLite, rendering excluded, best of {PLAN_ROUNDS}")
        _rate(f"Store.plan, {calls} calls", total, ours_s, "also writes one event row per post")
        _rate("bare sqlite3 executemany", total, base_s, "same rows, one transaction, same pragmas")
        print(f"  ratio plan/bare = {ours_s / base_s:.2f}x  (goal <= 2.00x)")
        _rate("Store.plan, one campaign on all sets", total, shared_s,
              "each plan also counts the same posts on every other set's accounts")
        print(f"  ratio shared-campaign plan/bare = {shared_s / base_s:.2f}x  (no goal: the worst "
              "case of the re-plan report)")


def _time_store_plan(db: Path, posts: Sequence[RenderedPost], total: int,
                     shared: bool = False) -> tuple[float, int, int]:
    store = _fresh_store(_sqlite_url(db))
    try:
        batches = _batches(store, posts, total, "bench", shared=shared)
        start = time.perf_counter()
        added = _plan(store, batches)
        return time.perf_counter() - start, added, len(batches)
    finally:
        store.close()


def _time_bare_insert(db: Path, posts: Sequence[RenderedPost], total: int) -> tuple[float, int]:
    # a schema copy made by our own migration, with the same accounts, so the rows fit as they are
    store = _fresh_store(_sqlite_url(db))
    rows = Rows(utcnow(), review=False)
    built = [rows.row(post, accounts[post.network].id, accounts[post.network].handle)
             for chunk, accounts in _batches(store, posts, total, "bench") for post in chunk]
    store.close()
    # the rows Store.plan builds, as they are: sqlite3 adapts their values itself (its own
    # datetime adapter writes the times a little differently; this file is thrown away)
    columns = list(built[0])
    sql = (f"INSERT INTO posts ({', '.join(columns)}) "
           f"VALUES ({', '.join(':' + c for c in columns)})")
    conn = _bare_sqlite(db)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, built)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        return elapsed, conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        conn.close()


# -- 2. list ----------------------------------------------------------------------------------
LIST_MONTH, LIST_LIMIT, LIST_ROUNDS = 6, 20, 20


def bench_list(folder: Path | None = None, total: int = PLAN_POSTS) -> None:
    """``Store.posts(months=[6], limit=20)`` over 100,000 queued posts vs a bare sqlite3 SELECT of
    the same 20 rows (`queue list --month 6 --limit 20` without the printing)."""
    with _folder(folder) as tmp:
        db = tmp / "list.db"
        store = _fresh_store(_sqlite_url(db))
        try:
            _plan(store, _batches(store, rendered_posts(), total, "list"))
            found = store.posts(months=[LIST_MONTH], limit=LIST_LIMIT)  # warm, and checked
            ours_s = _best_of(lambda: store.posts(months=[LIST_MONTH], limit=LIST_LIMIT))
        finally:
            store.close()
        conn = _bare_sqlite(db)
        try:
            sql = ("SELECT * FROM posts WHERE due_month = ? ORDER BY due_at, id LIMIT ?")
            bare = conn.execute(sql, (LIST_MONTH, LIST_LIMIT)).fetchall()
            base_s = _best_of(lambda: conn.execute(sql, (LIST_MONTH, LIST_LIMIT)).fetchall())
        finally:
            conn.close()
    assert [p.id for p in found] == [row[0] for row in bare] and len(found) == LIST_LIMIT
    print(f"list: Store.posts(months=[{LIST_MONTH}], limit={LIST_LIMIT}) over {total:,} queued "
          f"posts on SQLite, best of {LIST_ROUNDS}")
    print(f"  Store.posts (the library call of `queue list`)  {ours_s * 1000:8.2f} ms  "
          "(goal < 50 ms)")
    print(f"  bare sqlite3 SELECT of the same {LIST_LIMIT} rows       {base_s * 1000:8.2f} ms")
    print(f"  ratio list/bare = {ours_s / base_s:.2f}x")


def _best_of(call: Callable[[], object], rounds: int = LIST_ROUNDS) -> float:
    """The fastest of ``rounds`` timed calls (the others met a busy machine)."""
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


# -- 3. dispatch -------------------------------------------------------------------------------
class StampingPublisher(MemoryPublisher):
    """A MemoryPublisher that notes the wall-clock time each post went out."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.stamps: dict[int, tuple[float, datetime]] = {}
        self.all_out = threading.Event()

    def publish(self, post: Claimed) -> Published:
        """Publish at once, then stamp it."""
        result = super().publish(post)
        self.stamps[post.id] = (time.time(), post.due_at)
        if len(self.stamps) >= self.expected:
            self.all_out.set()
        return result

    def lateness(self) -> list[float]:
        """Seconds between each post's due time and its publication."""
        return [at - due.timestamp() for at, due in self.stamps.values()]


def _plan_spread(db: Path, total: int, first_due: datetime, spread: float) -> Store:
    """A new database with ``total`` posts due from ``first_due`` over ``spread`` seconds."""
    store = _fresh_store(_sqlite_url(db))
    batches = _batches(store, rendered_posts(), total, "dispatch")
    step, index = spread / total, 0
    for posts, _accounts in batches:
        for i, post in enumerate(posts):
            due = first_due + timedelta(seconds=index * step)
            # not day-bound: a post moved near local midnight must not get a deadline seconds away
            posts[i] = post._replace(due=due.astimezone(post.due.tzinfo), day_bound=False)
            index += 1
    assert _plan(store, batches) == total
    return store


def bench_dispatch(folder: Path | None = None, total: int = DISPATCH_POSTS) -> None:
    """Dispatch throughput (run_once loop) vs a bare publish+UPDATE loop; lateness under the Runner."""
    with _folder(folder) as tmp:
        ours_s = _time_run_once(tmp / "dispatch.db", total)
        base_s = _time_bare_dispatch(tmp / "dispatch-bare.db", total)
        print(f"dispatch: {total:,} due posts on SQLite, MemoryPublisher (returns at once)")
        _rate("Dispatcher.run_once, driven directly", total, ours_s,
              "goal >= 1,000/s; all due before it starts")
        _rate("bare loop", total, base_s, "publish + one sqlite3 UPDATE per post, a transaction each")
        print(f"  ratio dispatch/bare = {ours_s / base_s:.2f}x")
        _report_lateness(tmp / "lateness.db", total)


def _time_run_once(db: Path, total: int) -> float:
    store = _plan_spread(db, total, datetime.now(UTC) - timedelta(seconds=61), 60.0)
    publisher = StampingPublisher(total)
    dispatcher = Dispatcher(store, lambda _post: publisher, worker="bench")
    try:
        start = time.perf_counter()
        report = dispatcher.run_once()
        elapsed = time.perf_counter() - start
    finally:
        store.close()
    assert report.published == len(publisher.stamps) == total, report.as_dict()
    return elapsed


def _time_bare_dispatch(db: Path, total: int) -> float:
    store = _plan_spread(db, total, datetime.now(UTC) - timedelta(seconds=61), 60.0)
    # claimed up front (not timed): the bare loop has only the publisher and one UPDATE per post
    claimed = store.claim("bare", utcnow(), timedelta(minutes=5), total)
    store.close()
    assert len(claimed) == total
    publisher, conn = MemoryPublisher(), _bare_sqlite(db)
    sql = ("UPDATE posts SET status = 'published', published_at = ?, updated_at = ?, "
           "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?")
    try:
        start = time.perf_counter()
        for post in claimed:
            publisher.publish(post)
            now = utcnow().isoformat(" ")
            conn.execute(sql, (now, now, post.id))
        return time.perf_counter() - start
    finally:
        conn.close()


class _Counting(logging.Handler):
    """Counts APScheduler's warnings (a skipped wake-up) instead of printing them mid-figure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count the message with its job name left out."""
        self.messages[record.getMessage().split('"')[0] + "..."] += 1


def _report_lateness(db: Path, total: int, lead: float = 6.0, spread: float = 60.0) -> None:
    """Posts due over ``spread`` s from ``lead`` s ahead (room to plan them); the Runner sends them."""
    first_due = datetime.now(UTC) + timedelta(seconds=lead)
    store = _plan_spread(db, total, first_due, spread)
    publisher = StampingPublisher(total)
    dispatcher = Dispatcher(store, lambda _post: publisher, worker="bench-runner")
    warnings = _Counting()
    logging.getLogger("apscheduler").addHandler(warnings)
    # planning must not eat the lead, or the first posts are late before the Runner even starts
    head_start = (first_due - datetime.now(UTC)).total_seconds()
    try:
        timed_out = _run_runner_until(Runner(dispatcher), publisher, lead + spread + 30)
    finally:
        logging.getLogger("apscheduler").removeHandler(warnings)
        store.close()
    late = publisher.lateness()
    print(f"  lateness under the real Runner (APScheduler wakes the Dispatcher): {total:,} posts due")
    print(f"  over {spread:.0f} s, the Runner started {head_start:.1f} s before the first; "
          "published time (stamped by the publisher) minus due time:")
    if late:
        print(f"    p50 {statistics.median(late) * 1000:8.1f} ms   p99 {_percentile(late, 99) * 1000:8.1f} ms"
              f"   max {max(late) * 1000:8.1f} ms  (goal: p99 < 1,000 ms)")
    if timed_out:
        print(f"    PROBLEM: only {len(late):,} of {total:,} posts went out before the benchmark's "
              "time limit stopped the Runner (it fell behind, or stopped waking up)")
    for message, count in warnings.messages.items():
        print(f"    APScheduler warned {count}x: {message}")


def _run_runner_until(runner: Runner, publisher: StampingPublisher, limit: float) -> bool:
    """Run the Runner in this (main) thread until every post is out or ``limit`` seconds pass.

    It is stopped the way an operator stops it, with SIGTERM; returns True on the time limit.
    """
    timed_out = threading.Event()

    def watch() -> None:
        if not publisher.all_out.wait(limit):
            timed_out.set()
        os.kill(os.getpid(), signal.SIGTERM)

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        runner.run()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    watcher.join()
    return timed_out.is_set()


# -- 4. workers on PostgreSQL ------------------------------------------------------------------
def bench_workers(folder: Path | None = None, total: int = WORKER_POSTS,
                  workers: Sequence[int] = (1, 2, 4), delay: float = PUBLISH_DELAY) -> None:
    """``campaign run --once`` as 1, 2 and 4 processes on one PostgreSQL database, fresh per count."""
    from tests.pg import find_bin_dir, postgres_server

    if find_bin_dir() is None:
        print("workers: skipped, the PostgreSQL binaries (initdb, pg_ctl) are not installed")
        return
    results: dict[int, tuple[float, float, int, int]] = {}
    with _folder(folder) as tmp, postgres_server() as admin:
        for count in workers:
            startup = _time_workers(_create_database(admin, f"empty{count}"), tmp / f"empty{count}.jsonl",
                                    count, delay)
            url = _create_database(admin, f"bench{count}")
            outbox = tmp / f"outbox{count}.jsonl"
            _plan_world_day(url, total, outbox)
            wall = _time_workers(url, outbox, count, delay)
            results[count] = (wall, startup, *_duplicates_and_missing(outbox, total))
    _print_workers(results, total, delay)


def _create_database(admin_url: str, name: str) -> str:
    """A new, migrated database on the throwaway cluster; returns its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    _fresh_store(url).close()
    return url


def _plan_world_day(url: str, total: int, outbox: Path) -> None:
    store = Store(url)
    try:
        batches = _batches(store, world_day_posts(), total, "worker", f"outbox:{outbox}")
        assert _plan(store, batches) == total
    finally:
        store.close()


def _time_workers(url: str, outbox: Path, count: int, delay: float) -> float:
    """Wall-clock seconds from starting ``count`` runner processes until the last one exits."""
    # the posts' accounts are outbox accounts on ``outbox``: published for real, into the file
    command = [CAMPAIGN_EXE, "run", "--once", "--now", WORLD_DAY_NOW,
               "--publish-delay", str(delay), "--db", url]
    start = time.perf_counter()
    procs = [subprocess.Popen([*command, "--worker", f"w{i}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, cwd=outbox.parent)
             for i in range(count)]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    elapsed = time.perf_counter() - start
    for proc, error in zip(procs, errors, strict=True):
        assert proc.returncode == 0, error
    return elapsed


def _duplicates_and_missing(outbox: Path, total: int) -> tuple[int, int]:
    """Extra outbox lines of an already published post, and posts that never reached it."""
    keys = Counter(json.loads(line)["idempotency_key"]
                   for line in outbox.read_text(encoding="utf-8").splitlines())
    return sum(keys.values()) - len(keys), total - len(keys)


def _print_workers(results: dict[int, tuple[float, float, int, int]], total: int, delay: float) -> None:
    print(f"workers: {total:,} due posts on one PostgreSQL database (fresh per worker count), "
          f"publisher sleeps {delay * 1000:.0f} ms per post")
    print("  method: wall clock from starting N `campaign run --once` processes until the last exits;")
    print("  'start-up' is the same N processes on an empty database, subtracted in 'net'")
    net: dict[int, float] = {}
    for count, (wall, startup, duplicates, missing) in results.items():
        net[count] = total / max(wall - startup, 1e-9)
        print(f"  {count} worker(s)  wall {wall:6.2f} s  start-up {startup:5.2f} s  "
              f"raw {total / wall:6.1f} posts/s  net {net[count]:6.1f} posts/s  "
              f"duplicates {duplicates}  missing {missing}")
    walls = {count: result[0] for count, result in results.items()}
    for count in (c for c in results if c != 1 and 1 in results):
        goal = "  (goal >= 3.00x)" if count == 4 else ""
        print(f"  ratio {count}/1 workers: net {net[count] / net[1]:.2f}x, "
              f"raw {walls[1] / walls[count]:.2f}x{goal}")
    duplicates = sum(result[2] for result in results.values())
    print(f"  duplicates in all outboxes: {duplicates}  (goal: 0)")


# -- 5. memory ---------------------------------------------------------------------------------
def bench_memory(folder: Path | None = None, total: int = PLAN_POSTS) -> None:
    """Peak RSS of ``campaign run`` over 100,000 queued posts vs importing sqlalchemy and our CLI."""
    with _folder(folder) as tmp:
        db = tmp / "memory.db"
        store = _fresh_store(_sqlite_url(db))
        _plan(store, _batches(store, rendered_posts(), total, "bench",
                              f"outbox:{tmp / 'memory-outbox.jsonl'}"))
        store.close()
        ours_kb, busy = _runner_peak_rss(db, tmp)
        base_kb = _baseline_peak_rss("sqlalchemy, campaign.cli")
    print(f"memory: peak RSS of `campaign run --now {BEFORE_CAMPAIGN}` over {total:,} queued "
          "posts (none due)")
    print(f"  campaign run                                  {ours_kb / 1024:7.1f} MB  (goal < 150 MB)")
    print(f"  python -c 'import sqlalchemy, campaign.cli'   {base_kb / 1024:7.1f} MB")
    print(f"  ratio = {ours_kb / base_kb:.2f}x")
    # with nothing due for weeks the runner should sleep after one short pass, not keep a core busy
    note = "  PROBLEM: it should be idle between wake-ups" if busy > 0.5 else ""
    print(f"  CPU used by the runner in the 3 s after start-up: {busy:.0%} of one core{note}")


def _baseline_peak_rss(imports: str) -> int:
    """Peak resident memory (kB) of a Python that imports ``imports``, as it reports it itself."""
    code = f"import {imports}; print(open('/proc/self/status').read())"
    status = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                            cwd=ROOT).stdout
    return _vm_hwm(status)


def _vm_hwm(status: str) -> int:
    """The VmHWM (peak RSS, kB) line of a /proc/PID/status text.

    Not ru_maxrss from wait4 or RUSAGE_CHILDREN: a child started by vfork and exec is charged the
    peak of this (much larger) benchmark process.
    """
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def _runner_peak_rss(db: Path, folder: Path, settle: float = 3.0) -> tuple[int, float]:
    """Start the runner, leave it ``settle`` s, stop it with SIGTERM; return its peak RSS (kB) until
    then and the share of one CPU it used in those seconds."""
    log = folder / "memory-runner.log"
    with log.open("w", encoding="utf-8") as errors:
        # stderr to a file: a runner blocked writing to a full pipe could not exit on SIGTERM
        # outbox accounts (planned so by bench_memory): --now needs no --dry-run with them
        proc = subprocess.Popen([CAMPAIGN_EXE, "run", "--now", BEFORE_CAMPAIGN,
                                 "--db", _sqlite_url(db)],
                                stdout=subprocess.PIPE, stderr=errors, text=True)
        assert proc.stdout is not None
        # its banner comes just before the scheduler starts, and the first wake-up is at once
        banner = proc.stdout.readline()
        cpu_before, start = _cpu_seconds(proc.pid), time.perf_counter()
        time.sleep(settle)
        busy = (_cpu_seconds(proc.pid) - cpu_before) / (time.perf_counter() - start)
        peak = _vm_hwm(Path(f"/proc/{proc.pid}/status").read_text())
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        proc.stdout.close()
    assert banner.startswith("Runner") and code == 0, log.read_text(encoding="utf-8")[-2000:]
    return peak, busy


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


FIGURES = ("plan", "list", "dispatch", "workers", "memory")


def main(argv: Sequence[str] | None = None) -> None:
    """Every figure (or those asked for), in one temporary folder."""
    parser = figures.parser(__doc__, FIGURES)
    parser.add_argument("--posts", type=int, default=PLAN_POSTS,
                        help="posts planned, listed and held in memory (default 100,000)")
    args = parser.parse_args(argv)
    wanted = figures.wanted(parser, args, FIGURES)
    with tempfile.TemporaryDirectory(prefix="campaign-bench-") as tmp:
        folder = Path(tmp)
        if "plan" in wanted:
            bench_plan(folder, args.posts)
        if "list" in wanted:
            bench_list(folder, args.posts)
        if "dispatch" in wanted:
            bench_dispatch(folder)
        if "workers" in wanted:
            bench_workers(folder)
        if "memory" in wanted:
            bench_memory(folder, args.posts)  # its own queue, on outbox accounts: --now needs them


if __name__ == "__main__":
    main()
