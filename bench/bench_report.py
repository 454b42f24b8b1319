"""Benchmarks of the reports: the full report, the December story and `amplify auto --dry-run`
over a year of collected posts, on SQLite and PostgreSQL.

Run with ``python bench/bench_report.py`` (or ``make bench``); ``--posts 100000`` for a quick look
(not the figure to quote), ``--only report,story,amplify`` for some figures, ``--pledgers N``.
Each figure is printed next to a baseline measured in the same run, on the same database: the
machine is shared and absolute times drift, the ratios are what to compare.

- data: ``--posts`` posts over 2021 (default 1,000,000) by ~14.5 % as many authors, each
  author's share skewed (Zipf), on X, Bluesky and Mastodon, in six languages, 55 % originals,
  30 % reposts, 10 % replies, 5 % quotes, 1 to 4 hashtags each from a long-tail vocabulary
  (#endchildlabour2021 on most), a peak around 12 June, engagement counts and X impressions;
  ``--pledgers`` pledges (default 10,000) whose handles name as many of the authors. The posts
  are stored through the real store path (``TrackStore.save_page``, pages of 5,000), so the
  summaries are the ones an import keeps; the time it takes is printed (the import's cost with
  its summaries). The SQLite file is kept in ``/tmp/campaign-bench-cache/`` under the
  parameters' name, so a rerun skips it; PostgreSQL (a throwaway server, tests/pg.py) is loaded
  from the same generator at each run.
- report: ``build_report(year_query(2021))``, the default CLI report, every section; median of
  3 runs after a warm one; memory: tracemalloc's peak over one more run (Python's allocations).
  Baseline: the one query over the posts a report could not do without if it had no
  summaries, the posts per day of the year (``SELECT date(created_at), count(*) ... GROUP BY
  1``), median of 3 after a warm one. Also with ``--hashtag endchildlabour2021`` and
  ``pledgers_only``.
- story: ``build_story`` + ``render_story`` of 2021 (what `campaign story` writes): time and
  the page's size; baseline: the full report's time.
- amplify: ``decide(..., dry_run=True)`` of a policy with one X account and a window over the
  whole year (every post a candidate); decisions per second; baseline: the bare SELECT of the
  candidate posts' ids and authors for the same window.
"""

# The imports below come after the sys.path line, on purpose:
# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg: the PostgreSQL server the tests start

import math
import random
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import figures  # beside this file: the --only option every benchmark has

POSTS = 1_000_000
PLEDGERS = 10_000
PAGE = 5_000
TAG = "endchildlabour2021"
CACHE = Path(tempfile.gettempdir()) / "campaign-bench-cache"
VERSION = 1  # of the generator: a change makes a new cache file
NOW = datetime(2022, 1, 1, tzinfo=UTC)
GOALS = {"report": 2.0, "story": 10.0}
STORY_LIMIT = 150  # seconds
FIGURES = ("report", "story", "amplify")


TABLE = figures.Table((24, 38, 8))
_note, _not_measured = TABLE.note, TABLE.not_measured


def _median(func: Callable[[], Any], runs: int = 3, slow: float = math.inf
             ) -> tuple[float, Any]:
    """The median time of ``runs`` calls after a warm one, and the last result; the warm call's
    own time when it took longer than ``slow`` seconds (the run stays within minutes)."""
    started = time.perf_counter()
    result = func()
    if time.perf_counter() - started > slow:
        return time.perf_counter() - started, result
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _peak(func: Callable[[], Any]) -> float:
    """tracemalloc's peak over one call, in MB (Python's allocations, not the drivers')."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# -- the data -------------------------------------------------------------------------------------
NETWORKS = (("x", 0.5), ("bluesky", 0.3), ("mastodon", 0.2))
LANGUAGES = (("en", 0.42), ("fr", 0.2), ("es", 0.2), ("pt", 0.08), ("de", 0.05), ("hi", 0.03),
             ("und", 0.02))
KINDS = (("original", 0.55), ("repost", 0.30), ("reply", 0.10), ("quote", 0.05))
OTHER_TAGS = ("childlabour", "wdacl", "redcardtochildlabour", "sdg8", "endchildlabour",
              "ilo", "childrights", "education")


def _author(i: int, network: str, followers: int | None) -> Any:
    from campaign.tracking.records import Author

    if network == "x":
        return Author("x", str(10_000_000 + i), f"user{i}", f"User {i}", "", followers)
    if network == "bluesky":
        return Author("bluesky", f"did:plc:bench{i:018d}", f"user{i}.bsky.social", f"User {i}",
                      "", followers)
    return Author("mastodon", f"user{i}@mastodon.social", f"user{i}@mastodon.social",
                  f"User {i}", "", followers)


def pledger_handle(i: int, network: str) -> str:
    """Author ``i``'s handle as a pledge names it."""
    return {"x": f"@user{i}", "bluesky": f"user{i}.bsky.social",
            "mastodon": f"@user{i}@mastodon.social"}[network]


class World:
    """The authors (Zipf-weighted) and the generator of their posts, from one seed."""

    def __init__(self, posts: int) -> None:
        rng = random.Random(2021)
        self.posts = posts
        self.count = max(10, round(posts * 0.145))
        self.networks = rng.choices([n for n, _ in NETWORKS], [w for _, w in NETWORKS],
                                    k=self.count)
        self.languages = rng.choices([n for n, _ in LANGUAGES], [w for _, w in LANGUAGES],
                                     k=self.count)
        followers = [None if rng.random() < 0.05 else int(rng.lognormvariate(5.5, 1.8))
                     for _ in range(self.count)]
        self.authors = [_author(i, n, f) for i, (n, f) in
                        enumerate(zip(self.networks, followers, strict=True))]
        weights = [1 / (rank + 1) ** 1.05 for rank in range(self.count)]
        order = list(range(self.count))
        rng.shuffle(order)  # the most prolific authors spread over the networks
        total, self.cumulative = 0.0, []
        for rank in range(self.count):
            total += weights[rank]
            self.cumulative.append(total)
        self.by_rank = order
        self.vocabulary = [*OTHER_TAGS, *(f"tag{j}" for j in range(5000))]
        tag_weights = [1 / (rank + 1) for rank in range(len(self.vocabulary))]
        self.tag_cumulative = []
        total = 0.0
        for w in tag_weights:
            total += w
            self.tag_cumulative.append(total)

    def pledged(self, count: int) -> list[int]:
        """The authors the pledges name: one in ``count`` ranks, so prolific and quiet ones."""
        step = max(1, self.count // max(1, count))
        return [self.by_rank[(k * step) % self.count] for k in range(min(count, self.count))]

    def pages(self, size: int = PAGE) -> Iterator[list[Any]]:
        """The posts, ``size`` a page, always the same ones."""
        from campaign.tracking.records import Observation, PostKind

        rng = random.Random(12)
        start = datetime(2021, 1, 1, tzinfo=UTC)
        peak = datetime(2021, 6, 12, 12, tzinfo=UTC)
        year_s = 365 * 86400 - 1
        kinds = [PostKind(k) for k, _ in KINDS]
        kind_w = [w for _, w in KINDS]
        read_at = datetime(2022, 1, 1, tzinfo=UTC)
        page: list[Any] = []
        for n in range(self.posts):
            ref = self.by_rank[min(self.count - 1, _bisect(self.cumulative,
                                                           rng.random() * self.cumulative[-1]))]
            author = self.authors[ref]
            network = author.network
            if rng.random() < 0.25:  # the World Day Against Child Labour and its campaign
                moment = peak + timedelta(seconds=rng.gauss(0, 2.5 * 86400))
                moment = min(max(moment, start), start + timedelta(seconds=year_s))
            else:
                moment = start + timedelta(seconds=rng.randrange(year_s))
            kind = rng.choices(kinds, kind_w)[0]
            tags = [TAG] if rng.random() < 0.85 else []
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3)) + (0 if tags else 1)):
                tag = self.vocabulary[_bisect(self.tag_cumulative,
                                              rng.random() * self.tag_cumulative[-1])]
                if tag not in tags:
                    tags.append(tag)
            tags = tags[:4]
            likes = int(rng.paretovariate(1.3)) - 1
            metrics = {"likes": likes, "reposts": likes // 3, "replies": likes // 5,
                       "quotes": likes // 20}
            if network == "x":
                metrics["impressions"] = likes * 40 + rng.randrange(50, 500)
            if network == "x":
                remote_id = str(1_350_000_000_000_000_000 + n)
            elif network == "bluesky":
                remote_id = f"at://{author.author_id}/app.bsky.feed.post/3k{n:011d}"
            else:
                remote_id = f"https://mastodon.social/users/user{ref}/statuses/{n}"
            language = self.languages[ref] if rng.random() < 0.95 else "en"
            page.append(Observation(
                network=network, remote_id=remote_id, author=author, created_at=moment,
                text=f"Post {n} " + " ".join(f"#{t}" for t in tags), read_at=read_at,
                kind=kind, url=f"https://example.org/{network}/{n}", language=language,
                hashtags=tuple(tags), metrics=metrics, raw={"id": n}))
            if len(page) == size:
                yield page
                page = []
        if page:
            yield page


def _bisect(values: Sequence[float], x: float) -> int:
    from bisect import bisect_left

    return bisect_left(values, x)


def load(url: str, world: World, pledgers: int, label: str) -> float:
    """Store the posts through TrackStore.save_page and the pledges; the posts' time in s."""
    from campaign.bulk import fewer_collections
    from campaign.tracking.records import Page
    from campaign.tracking.store import TrackStore

    store = TrackStore(url)
    store.upgrade()
    started = time.perf_counter()
    done = 0
    last = started
    with fewer_collections():
        for page in world.pages():
            store.save_page("bench", Page(page))
            done += len(page)
            if time.perf_counter() - last > 15:
                last = time.perf_counter()
                print(f"  {label}: {done:,} posts stored ({done / (last - started):,.0f}/s)",
                      flush=True)
    seconds = time.perf_counter() - started
    store.close()
    print(f"  {label}: {done:,} posts stored in {seconds:.1f} s ({done / seconds:,.0f} posts/s, "
          "summaries included)", flush=True)
    add_pledges(url, world, pledgers)
    from campaign.queue.store import Store

    queue = Store(url)
    queue.add_account("x", "@ILO_fr", "outbox:/dev/null")
    queue.close()
    return seconds


def add_pledges(url: str, world: World, count: int) -> None:
    """``count`` pledges, each naming one author on its network (the PledgeStore bulk path)."""
    from bench_pledges import generate  # beside this file: realistic, valid pledges

    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule
    from campaign.pledges.form import FormRules
    from campaign.pledges.store import PledgeStore
    from campaign.pledges.submission import prepare

    started = time.perf_counter()
    rules = FormRules.from_schedule(load_schedule(builtin_schedule()), today=date(2021, 3, 1))
    forms = generate(count, rules)
    items = []
    for form, ref in zip(forms, world.pledged(count), strict=False):
        network = world.networks[ref]
        form["handles"] = {network: pledger_handle(ref, network)}
        items.append(prepare(form, rules)[0])
    store = PledgeStore(url)
    store.add_many(items)
    store.close()
    print(f"  {len(items):,} pledges stored in {time.perf_counter() - started:.1f} s", flush=True)


def sqlite_db(world: World, pledgers: int) -> tuple[str, float | None]:
    """The cached SQLite database of these parameters (made when missing); the load's time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"report-v{VERSION}-{world.posts}-posts-{pledgers}-pledgers.db"
    if path.exists():
        print(f"  sqlite: reusing {path}")
        return f"sqlite:///{path}", None
    partial = path.with_suffix(".partial")
    for stale in CACHE.glob(partial.name + "*"):
        stale.unlink()
    seconds = load(f"sqlite:///{partial}", world, pledgers, "sqlite")
    import sqlite3

    with sqlite3.connect(partial) as conn:  # fold the WAL back in before the file is kept
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    partial.rename(path)
    return f"sqlite:///{path}", seconds


# -- the figures ----------------------------------------------------------------------------------
def _baseline_days(url: str) -> float:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    day = "created_at::date" if url.startswith("postgresql") else "date(created_at)"
    sql = text(f"SELECT {day}, count(*) FROM tracked_posts WHERE created_at >= :a AND "
               f"created_at < :b GROUP BY 1")
    bounds = ({"a": datetime(2021, 1, 1), "b": datetime(2022, 1, 1)} if
              url.startswith("postgresql") else {"a": "2021-01-01", "b": "2022-01-01"})
    with engine.connect() as conn:
        def run() -> int:
            return len(conn.execute(sql, bounds).all())

        seconds, days = _median(run)
    engine.dispose()
    assert days == 365, days
    return seconds


def bench_report(backend: str, url: str) -> float:
    """The full report, and its variants; returns the full report's median time."""
    from campaign.reports.metrics import build_report, year_query
    from campaign.tracking.store import TrackStore

    print(f"report ({backend})")
    store = TrackStore(url)
    try:
        full, report = _median(lambda: build_report(store, year_query(2021), now=NOW))
        memory = _peak(lambda: build_report(store, year_query(2021), now=NOW))
        tagged, _ = _median(lambda: build_report(store, year_query(2021, hashtag=TAG), now=NOW))
        pledged, pr = _median(lambda: build_report(store, year_query(2021, pledgers_only=True),
                                                   now=NOW))
    finally:
        store.close()
    base = _baseline_days(url)
    ratio = full / base
    print(f"  full report           {full:7.3f} s  ({report.totals.posts:,} posts, "
          f"{report.contributors:,} contributors, {len(report.active) + len(report.silent):,} "
          f"pledges; tracemalloc peak {memory:,.0f} MB)")
    print(f"  --hashtag {TAG} {tagged:7.3f} s")
    print(f"  pledgers only         {pledged:7.3f} s  ({pr.totals.posts:,} posts)")
    print(f"  baseline posts/day    {base:7.3f} s  (one GROUP BY over the posts)")
    print(f"  ratio report/baseline = {ratio:.2f}x  (goal: report < {GOALS['report']} s)")
    _note(f"report {backend}", f"{full:.2f} s, {ratio:.2f}x bare, {memory:.0f} MB",
          f"< {GOALS['report']} s", full < GOALS["report"])
    _note(f"report {backend} tag", f"{tagged:.2f} s, {tagged / base:.2f}x bare", "-", None)
    _note(f"report {backend} pledgers", f"{pledged:.2f} s, {pledged / base:.2f}x bare", "-",
          None)
    return full


def bench_story(backend: str, url: str, report_s: float | None) -> None:
    """The story of 2021, built and rendered, against the full report's time."""
    print(f"story ({backend})")
    goal = f"< {GOALS['story']:.0f} s"
    try:
        from campaign.reports.story import build_story, render_story
    except ImportError as exc:
        _not_measured(f"story {backend}", f"campaign.reports.story ({exc})", goal)
        return
    if report_s is None:
        from campaign.reports.metrics import build_report, year_query

        report_s, _ = _median(lambda: build_report(url, year_query(2021), now=NOW))

    def story() -> int:
        return len(render_story(build_story(url, year=2021, language="en", now=NOW))
                   .encode())

    # in a child process, stopped past STORY_LIMIT: a slow story must not hold the whole run
    import multiprocessing

    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)

    def child() -> None:
        writer.send(_median(story, slow=GOALS["story"]))

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    if not reader.poll(STORY_LIMIT):
        process.kill()
        process.join()
        print(f"  story                 > {STORY_LIMIT} s  (stopped)")
        _note(f"story {backend}", f"> {STORY_LIMIT} s (stopped)", goal, False)
        return
    seconds, size = reader.recv()
    process.join()
    ratio = seconds / report_s
    print(f"  story                 {seconds:7.3f} s  (page {size / 1e6:.2f} MB)")
    print(f"  full report           {report_s:7.3f} s")
    print(f"  ratio story/report = {ratio:.2f}x  (goal: story {goal})")
    _note(f"story {backend}", f"{seconds:.2f} s, {size / 1e3:,.0f} kB, {ratio:.1f}x report",
          goal, seconds < GOALS["story"])


def bench_amplify(backend: str, url: str, folder: Path) -> None:
    """`amplify auto --dry-run` over every post of the year, against the bare candidates' query."""
    print(f"amplify ({backend})")
    try:
        from campaign.queue.amplify_auto import decide
        from campaign.queue.amplify_policy import load_policy
    except ImportError as exc:
        _not_measured(f"amplify {backend}", f"campaign.queue.amplify_auto ({exc})", "-")
        return
    from sqlalchemy import create_engine, text

    from campaign.queue.store import Store

    path = folder / "policy.yaml"
    path.write_text("accounts: [x=@ILO_fr]\nmin_age: 0m\nmax_age: 366d\n", encoding="utf-8")
    policy = load_policy(path)
    store = Store(url)
    try:
        # keep=0: a pass counts every decision and holds none (as the runner's turn does)
        seconds, decisions = _median(lambda: decide(store, policy, now=NOW, dry_run=True,
                                                    keep=0), 1)
    finally:
        store.close()
    count = decisions.total
    since = NOW - policy.max_age - timedelta(days=1)
    engine = create_engine(url)
    pg = url.startswith("postgresql")
    bounds = ({"a": since.replace(tzinfo=None), "b": NOW.replace(tzinfo=None)} if pg else
              {"a": f"{since:%Y-%m-%d %H:%M:%S}", "b": f"{NOW:%Y-%m-%d %H:%M:%S}"})
    sql = text("SELECT p.id, a.author_id FROM tracked_posts p JOIN tracked_authors a ON "
               "a.id = p.author_ref WHERE p.created_at >= :a AND p.created_at <= :b "
               "ORDER BY p.created_at DESC, p.id DESC")
    with engine.connect() as conn:
        base, rows = _median(lambda: len(conn.execute(sql, bounds).all()))
    engine.dispose()
    queued = decisions.queued
    print(f"  decide, dry run       {seconds:7.2f} s  {count / seconds:>10,.0f} decisions/s "
          f"({count:,} decisions, {queued:,} would be queued)")
    print(f"  bare candidates       {base:7.2f} s  {rows / base:>10,.0f} posts/s ({rows:,} posts)")
    print(f"  ratio decide/bare = {seconds / base:.2f}x")
    _note(f"amplify {backend}", f"{count / seconds:,.0f}/s, {seconds / base:.1f}x bare", "-",
          None)


# -- the run --------------------------------------------------------------------------------------
def print_table() -> None:
    """The closing table: figure, result, goal, met or not."""
    TABLE.print()


def run_backend(backend: str, url: str, wanted: Sequence[str], folder: Path) -> None:
    """Every figure asked for, on one database."""
    report_s = bench_report(backend, url) if "report" in wanted else None
    if "story" in wanted:
        bench_story(backend, url, report_s)
    if "amplify" in wanted:
        bench_amplify(backend, url, folder)


def main(argv: Sequence[str] | None = None) -> None:
    """Every figure (or those asked for), on SQLite then PostgreSQL."""
    parser = figures.parser(__doc__, FIGURES)
    parser.add_argument("--posts", type=int, default=POSTS,
                        help="collected posts over 2021 (default 1,000,000)")
    parser.add_argument("--pledgers", type=int, default=PLEDGERS,
                        help="pledges naming as many authors (default 10,000)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    args = parser.parse_args(argv)
    wanted = figures.wanted(parser, args, FIGURES)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    started = time.perf_counter()
    world = World(args.posts)
    print(f"data: {args.posts:,} posts by {world.count:,} authors, {args.pledgers:,} pledgers")
    folder = Path(tempfile.mkdtemp(prefix="campaign-bench-report-"))
    try:
        if "sqlite" in backends:
            url, load_s = sqlite_db(world, args.pledgers)
            if load_s is not None:
                _note("store sqlite", f"{args.posts / load_s:,.0f} posts/s "
                      f"({load_s:.0f} s)", "-", None)
            run_backend("sqlite", url, wanted, folder)
        if "postgresql" in backends:
            from tests.pg import find_bin_dir, postgres_server

            if find_bin_dir() is None:
                _not_measured("report postgresql", "PostgreSQL binaries not found", "< 2 s")
            else:
                with postgres_server() as pg_url:
                    load_s = load(pg_url, world, args.pledgers, "postgresql")
                    _note("store postgresql", f"{args.posts / load_s:,.0f} posts/s "
                          f"({load_s:.0f} s)", "-", None)
                    from sqlalchemy import create_engine, text

                    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
                    with engine.connect() as conn:
                        conn.execute(text("VACUUM ANALYZE"))
                    engine.dispose()
                    run_backend("postgresql", pg_url, wanted, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table()
    print(f"(the whole run took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
