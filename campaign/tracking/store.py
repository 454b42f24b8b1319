"""The tracking store: observed posts and authors saved page by page, checkpoints, runs, status.

It shares the queue's database (same URL, same migrations), so authors can be matched to the
pledges beside them. :meth:`TrackStore.save_page` is the one write of collected posts: the posts,
their authors, their hashtags, the source's checkpoint and the run's counters go in one
transaction, so a collector killed at any moment (SIGKILL included) has either stored a page and
moved its checkpoint, or done neither, and the next run reads that page again. Inserts are
``ON CONFLICT DO NOTHING`` on the unique keys; a post seen again only refreshes its metrics when
they were read later, so overlapping collectors (several Mastodon instances, two processes on one
PostgreSQL) never double a post nor set its counts back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, or_, select, update

from campaign.errors import CampaignError
from campaign.queue.engine import Database, chunks, utcnow
from campaign.tracking.models import AUTHOR_HISTORY, AUTHORS, CHECKPOINTS, POSTS, RUNS, TAGS
from campaign.tracking.records import Author, Observation, Page
from campaign.tracking.rows import (
    AUTHOR_COLUMNS,
    HISTORY_COLUMNS,
    MAX_COUNT,
    NAME_LENGTH,
    POST_COLUMNS,
    URL_LENGTH,
    _author_row,
    _dumps,
    _fit,
    _history_row,
    _keep,
    _metrics_update,
    _post_row,
    _storable,
)
from campaign.tracking.summary import Summary, add_growth, day_of, new_post_counts

BATCH = 1000  # posts per round of statements
MAX_PARAMETERS = 30_000  # bound values in one statement: under SQLite's 32,766 and psycopg's 65,535
MAX_PROBLEMS = 20  # problems kept per run: the first ones say what is wrong, the count the rest
# a run whose process stopped beating this long ago was killed (SIGKILL, power cut)
STALE = timedelta(minutes=15)
STALE_MESSAGE = "stopped without a word (killed?); the next run resumes from its checkpoint"


class RunStatus(StrEnum):
    """How a run ended (or that it is still going)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"  # the source failed (an error page, a revoked token): exit code 1
    INTERRUPTED = "interrupted"  # stopped by a signal, or killed and found stale later


class RunNotFound(CampaignError):
    """No run has this id."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"no tracking run has id {run_id}: see `campaign track status`")


@dataclass(frozen=True)
class Saved:
    """What one page did to the store."""

    stored: int  # new posts
    updated: int  # posts already stored, seen again
    refused: int = 0  # posts whose id is longer than the store keeps: counted as bad


@dataclass(frozen=True)
class RunRecord:
    """A run as the log holds it."""

    id: int
    source: str
    network: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    status: RunStatus
    read: int
    stored: int
    updated: int
    bad: int
    message: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SourceStatus:
    """One source: its posts, checkpoints, bad lines and last run."""

    source: str
    network: str
    posts: int  # posts this source was the first to store
    checkpoints: dict[str, dict[str, Any]]
    bad: int  # over every run
    last_run: RunRecord | None


@dataclass(frozen=True)
class TrackStatus:
    """Everything `campaign track status` shows."""

    posts: dict[str, int]  # per network
    authors: dict[str, int]  # per network
    sources: list[SourceStatus] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, times as ISO 8601 UTC."""
        def run(r: RunRecord | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {"id": r.id, "status": r.status.value, "started_at": _iso(r.started_at),
                    "finished_at": _iso(r.finished_at), "read": r.read, "stored": r.stored,
                    "updated": r.updated, "bad": r.bad, "message": r.message,
                    "problems": list(r.problems)}

        return {"posts": self.posts, "authors": self.authors,
                "sources": [{"source": s.source, "network": s.network, "posts": s.posts,
                             "checkpoints": s.checkpoints, "bad": s.bad,
                             "last_run": run(s.last_run)} for s in self.sources]}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


class TrackStore(Database):
    """Reads and writes of the tracking tables."""

    # -- the dialect's INSERT ... ON CONFLICT ----------------------------------------------
    def _upsert(self, table: Table) -> Any:
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def _insert_rows(self, conn: Connection, table: Table, columns: Sequence[str],
                     rows: Sequence[Sequence[Any]], keys: Sequence[str] = (),
                     returning: Sequence[str] = (), adding: Sequence[str] = ()
                     ) -> list[tuple[Any, ...]]:
        """``INSERT ... VALUES (...), (...) [ON CONFLICT (keys) DO NOTHING] [RETURNING ...]`` at
        the driver's level, as many rows a statement as the bound-parameter limit allows.

        The hot path of every collector and import: SQLAlchemy's per-value processing cost
        more than SQLite's own work, so values arrive ready (times through :meth:`_moment`)
        and the statement is written once per shape. ``adding`` names the columns a row already
        stored under the same key adds the new values to (the summaries' counts), instead of
        leaving the stored row be."""
        if not rows:
            return []
        if self.is_postgres:
            return self._insert_arrays(conn, table, columns, rows, keys, returning, adding)
        mark = "?" if self.dialect.paramstyle == "qmark" else "%s"
        one = "(" + ", ".join([mark] * len(columns)) + ")"
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        tail = _conflict(table, keys, adding) + \
            (f" RETURNING {', '.join(returning)}" if returning else "")
        per = max(1, MAX_PARAMETERS // len(columns))
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), per):
            batch = rows[start:start + per]
            flat = [value for row in batch for value in row]
            result = conn.exec_driver_sql(head + ", ".join([one] * len(batch)) + tail,
                                          tuple(flat))
            if returning:
                found.extend(tuple(r) for r in result)
        return found

    def _insert_arrays(self, conn: Connection, table: Table, columns: Sequence[str],
                       rows: Sequence[Sequence[Any]], keys: Sequence[str],
                       returning: Sequence[str], adding: Sequence[str] = ()
                       ) -> list[tuple[Any, ...]]:
        """PostgreSQL's form of :meth:`_insert_rows`: one array a column, ``INSERT ... SELECT
        FROM unnest(...)``. A statement of one placeholder a column is parsed once by psycopg
        and the server (a VALUES list of 24,000 placeholders was parsed at every page: ~5x
        slower); rows still go in the order given (``WITH ORDINALITY``), the unique key's."""
        casts = _array_casts(self.engine.dialect, table, tuple(columns))
        tail = _conflict(table, keys, adding) + \
            (f" RETURNING {', '.join(returning)}" if returning else "")
        names = ", ".join(columns)
        sql = (f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({casts}) "
               f"WITH ORDINALITY AS given ({names}, ordinality) ORDER BY ordinality{tail}")
        result = conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows,
                                                                                strict=True)))
        return [tuple(r) for r in result] if returning else []

    def _larger(self, name: str, column: Any) -> Any:
        """The larger of a stored value and the one bound as ``name``, either of them NULL.

        Counts only grow: an instance that received a post counts only the likes it saw, so a
        reading from it must not set back the origin's count (nor an older archive a newer
        reading), and ``metrics_at`` is the latest reading. An unlike is the price paid."""
        given = _bind(name)
        if self.is_postgres:
            return func.greatest(given, column)  # GREATEST skips NULLs
        return func.max(func.coalesce(given, column), func.coalesce(column, given))

    @cached_property
    def _moment(self) -> Callable[[datetime], Any]:
        """An aware datetime as the driver takes it for a ``UTCDateTime`` column: naive UTC; on
        SQLite the very text SQLAlchemy writes, so that times compare as text the same way."""
        def naive(moment: datetime) -> datetime:
            if moment.tzinfo is not UTC:
                if moment.tzinfo is None or moment.utcoffset() is None:
                    raise ValueError(f"naive datetime {moment.isoformat()} given to the store")
                moment = moment.astimezone(UTC)
            return moment.replace(tzinfo=None)

        if self.is_postgres:
            return naive

        # a page's reading time and the moment it is stored repeat in every row: remembered
        @lru_cache(maxsize=4096)
        def text(moment: datetime) -> str:
            written = naive(moment).isoformat(" ")
            return written if len(written) > 19 else written + ".000000"

        return text

    # -- runs --------------------------------------------------------------------------------
    def start_run(self, source: str, network: str, now: datetime | None = None) -> int:
        """Open a run of ``source``; an earlier run of it that stopped beating is closed as
        interrupted (its process was killed), so the log never shows a dead run as running."""
        now = now or utcnow()
        with self._connection() as conn:
            conn.execute(update(RUNS).where(
                RUNS.c.source == source, RUNS.c.status == RunStatus.RUNNING.value,
                RUNS.c.heartbeat_at < now - STALE).values(
                status=RunStatus.INTERRUPTED.value, finished_at=RUNS.c.heartbeat_at,
                message=STALE_MESSAGE))
            row = conn.execute(RUNS.insert().values(
                source=source, network=network, started_at=now, heartbeat_at=now,
                status=RunStatus.RUNNING.value, read=0, stored=0, updated=0, bad=0, message="",
                problems="[]").returning(RUNS.c.id)).one()
        return int(row[0])

    def finish_run(self, run_id: int, status: RunStatus, message: str = "",
                   now: datetime | None = None) -> RunRecord:
        """Close a run with how it ended."""
        now = now or utcnow()
        with self._connection() as conn:
            done = conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(
                status=status.value, finished_at=now, heartbeat_at=now, message=message))
            if not done.rowcount:
                raise RunNotFound(run_id)
        return self.run(run_id)

    def run(self, run_id: int) -> RunRecord:
        """One run of the log."""
        with self._connection() as conn:
            row = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).mappings().first()
        if row is None:
            raise RunNotFound(run_id)
        return _run(row)

    def runs(self, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first (of one source, or all)."""
        query = select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit)
        if source is not None:
            query = query.where(RUNS.c.source == source)
        with self._connection() as conn:
            return [_run(r) for r in conn.execute(query).mappings()]

    # -- checkpoints -------------------------------------------------------------------------
    def checkpoints(self, source: str) -> dict[str, dict[str, Any]]:
        """Every stream's checkpoint of a source: stream -> state."""
        with self._connection() as conn:
            rows = conn.execute(select(CHECKPOINTS.c.stream, CHECKPOINTS.c.state)
                                .where(CHECKPOINTS.c.source == source)).all()
        return {stream: json.loads(state) for stream, state in rows}

    def _save_checkpoint(self, conn: Connection, source: str, stream: str,
                         state: Mapping[str, Any], now: datetime) -> None:
        statement = self._upsert(CHECKPOINTS).values(source=source, stream=stream,
                                                     state=_dumps(state), updated_at=now)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["source", "stream"],
            set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at}))

    def reset_checkpoints(self, source: str) -> int:
        """Forget a source's checkpoints (the next run reads from the start); how many."""
        with self._connection() as conn:
            return int(conn.execute(CHECKPOINTS.delete().where(CHECKPOINTS.c.source == source))
                       .rowcount or 0)

    # -- the one write of collected posts ----------------------------------------------------
    def save_page(self, source: str, page: Page, run_id: int | None = None,
                  now: datetime | None = None) -> Saved:
        """Store a page's posts (with their authors and hashtags), move the source's checkpoint
        and count the page in its run, all in one transaction."""
        now = now or utcnow()
        stored = updated = 0
        posts, refused = _storable(page.posts)
        bad, page_problems = page.bad + len(refused), (*page.problems, *refused[:MAX_PROBLEMS])
        with self._connection() as conn:
            if posts:
                stored, updated = self._save_posts(conn, source, posts, now)
            if page.checkpoint is not None:
                self._save_checkpoint(conn, source, page.checkpoint[0], page.checkpoint[1], now)
            if run_id is not None:
                values: dict[str, Any] = {
                    "read": RUNS.c.read + (page.read or len(page.posts)),
                    "stored": RUNS.c.stored + stored, "updated": RUNS.c.updated + updated,
                    "bad": RUNS.c.bad + bad, "heartbeat_at": now}
                if page_problems:
                    kept = conn.execute(select(RUNS.c.problems).where(RUNS.c.id == run_id)
                                        ).scalar_one_or_none()
                    problems = json.loads(kept or "[]")
                    if len(problems) < MAX_PROBLEMS:
                        values["problems"] = _dumps(
                            (problems + list(page_problems))[:MAX_PROBLEMS])
                conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))
        return Saved(stored, updated, len(refused))

    def save_posts(self, source: str, posts: Iterable[Observation],
                   now: datetime | None = None) -> Saved:
        """Store posts with no checkpoint or run (a test, a one-off import of a few)."""
        return self.save_page(source, Page(list(posts)), None, now)

    def _save_posts(self, conn: Connection, source: str, posts: Sequence[Observation],
                    now: datetime) -> tuple[int, int]:
        # one post once per page even if the page repeats it (a Mastodon page and its federated
        # twin): the last reading wins
        by_id: dict[tuple[str, str], Observation] = {}
        for post in posts:
            by_id[(post.network, post.remote_id)] = post
        # rows are written (and so locked) in the order of their unique key: two processes
        # storing overlapping pages on one PostgreSQL then wait for each other instead of
        # deadlocking (each holding a row the other's INSERT ... ON CONFLICT waits for)
        unique_posts = [by_id[key] for key in sorted(by_id)]
        authors = self._save_authors(conn, [p.author for p in unique_posts],
                                     [p.read_at for p in unique_posts], now)
        moment = self._moment
        seen_now = moment(now)
        stored = updated = 0
        summary = Summary()
        for batch in chunks(unique_posts, BATCH):
            rows = [_post_row(p, authors[(p.author.network, p.author.author_id)][0], source,
                              seen_now, moment) for p in batch]
            inserted = self._insert_rows(conn, POSTS, POST_COLUMNS, rows,
                                         ("network", "remote_id"), ("id", "network", "remote_id"))
            new = {(network, remote_id): post_id for post_id, network, remote_id in inserted}
            tags = [(new[(p.network, p.remote_id)], tag[:100], moment(p.created_at))
                    for p in batch if (p.network, p.remote_id) in new for tag in p.hashtags]
            self._insert_rows(conn, TAGS, ("post_ref", "tag", "created_at"), tags,
                              ("post_ref", "tag"))
            seen = [p for p in batch if (p.network, p.remote_id) not in new]
            stored += len(new)
            updated += len(seen)
            for p in batch:
                if (p.network, p.remote_id) in new:
                    ref, followers = authors[(p.author.network, p.author.author_id)]
                    summary.add(dict.fromkeys(t[:100] for t in p.hashtags), day_of(p.created_at),
                                p.network, p.language[:16], ref, new_post_counts(p, followers))
            add_growth(self, conn, seen, summary)
            refresh = [_metrics_update(p) for p in seen if p.metrics]
            if refresh:
                larger = self._larger
                conn.execute(update(POSTS).where(
                    POSTS.c.network == _bind("b_network"), POSTS.c.remote_id == _bind("b_id")
                ).values(likes=larger("likes", POSTS.c.likes),
                         reposts=larger("reposts", POSTS.c.reposts),
                         replies=larger("replies", POSTS.c.replies),
                         quotes=larger("quotes", POSTS.c.quotes),
                         impressions=larger("impressions", POSTS.c.impressions),
                         metrics_at=larger("metrics_at", POSTS.c.metrics_at)), refresh)
        summary.write(self, conn)
        return stored, updated

    def _save_authors(self, conn: Connection, authors: Sequence[Author],
                      read_at: Sequence[datetime], now: datetime
                      ) -> dict[tuple[str, str], tuple[int, int | None]]:
        """Each author's row id and followers as now stored; new authors inserted, changed ones
        updated (their handle or counts read later than the stored ones), and a history row for
        every change."""
        latest: dict[tuple[str, str], tuple[Author, datetime]] = {}
        for author, moment in zip(authors, read_at, strict=True):
            key = (author.network, author.author_id)
            if key not in latest or latest[key][1] <= moment:
                latest[key] = (author, moment)
        ids: dict[tuple[str, str], tuple[int, int | None]] = {}
        history: list[tuple[Any, ...]] = []
        items = sorted(latest.items())  # in key order, as the posts (no deadlock)
        for batch in chunks(items, BATCH):
            inserted = self._insert_rows(
                conn, AUTHORS, AUTHOR_COLUMNS,
                [_author_row(a, self._moment(moment), self._moment(now)) for _, (a, moment) in batch],
                ("network", "author_id"), ("id", "network", "author_id"))
            for author_ref, network, author_id in inserted:
                author, moment = latest[(network, author_id)]
                ids[(network, author_id)] = (author_ref, _fit(author.followers))
                history.append(_history_row(author_ref, author, moment))
            known = [key for key, _ in batch if key not in ids]
            if not known:
                continue
            by_network: dict[str, list[str]] = {}
            for network, author_id in known:
                by_network.setdefault(network, []).append(author_id)
            rows = conn.execute(select(
                AUTHORS.c.id, AUTHORS.c.network, AUTHORS.c.author_id, AUTHORS.c.handle,
                AUTHORS.c.followers, AUTHORS.c.following, AUTHORS.c.posts, AUTHORS.c.read_at
            ).where(or_(*(and_(AUTHORS.c.network == n, AUTHORS.c.author_id.in_(i))
                          for n, i in by_network.items())))).all()
            changes = []
            for author_ref, network, author_id, handle, followers, following, posts, at in sorted(
                    rows, key=lambda row: (row[1], row[2])):
                ids[(network, author_id)] = (author_ref, followers)
                author, moment = latest[(network, author_id)]
                if moment <= at:
                    continue  # what is stored was read later
                new = (author.handle[:NAME_LENGTH] or handle,
                       _keep(_fit(author.followers), followers),
                       _keep(_fit(author.following), following),
                       _keep(_fit(author.posts), posts))
                ids[(network, author_id)] = (author_ref, new[1])
                changes.append({"b_ref": author_ref, "handle": new[0], "followers": new[1],
                                "following": new[2], "posts": new[3],
                                "display_name": author.display_name[:NAME_LENGTH],
                                "url": author.url[:URL_LENGTH], "read_at": moment})
                if new != (handle, followers, following, posts):
                    history.append(_history_row(author_ref, author, moment))
            if changes:
                conn.execute(update(AUTHORS).where(AUTHORS.c.id == _bind("b_ref")).values(
                    handle=_bind("handle"), followers=_bind("followers"),
                    following=_bind("following"), posts=_bind("posts"),
                    display_name=func.coalesce(func.nullif(_bind("display_name"), ""),
                                               AUTHORS.c.display_name),
                    url=func.coalesce(func.nullif(_bind("url"), ""), AUTHORS.c.url),
                    read_at=_bind("read_at")), changes)
        self._insert_rows(conn, AUTHOR_HISTORY, HISTORY_COLUMNS,
                          [(*row[:1], self._moment(row[1]), *row[2:]) for row in history])
        return ids

    # -- reading -----------------------------------------------------------------------------
    def count_posts(self, network: str | None = None) -> int:
        """How many posts are stored (on one network, or all)."""
        query = select(func.count()).select_from(POSTS)
        if network:
            query = query.where(POSTS.c.network == network)
        with self._connection() as conn:
            return int(conn.execute(query).scalar_one())

    def post(self, network: str, remote_id: str) -> dict[str, Any] | None:
        """One stored post as a plain mapping (with its hashtags), None when not stored."""
        with self._connection() as conn:
            row = conn.execute(select(POSTS).where(POSTS.c.network == network,
                                                   POSTS.c.remote_id == remote_id)
                               ).mappings().first()
            if row is None:
                return None
            tags = conn.execute(select(TAGS.c.tag).where(TAGS.c.post_ref == row["id"])
                                .order_by(TAGS.c.tag)).scalars().all()
        return dict(row) | {"hashtags": list(tags)}

    def status(self) -> TrackStatus:
        """Posts and authors per network; each source's posts, checkpoints, bad lines, last run."""
        with self._connection() as conn:
            posts: dict[str, int] = {k: int(v) for k, v in conn.execute(
                select(POSTS.c.network, func.count()).group_by(POSTS.c.network))}
            authors: dict[str, int] = {k: int(v) for k, v in conn.execute(
                select(AUTHORS.c.network, func.count()).group_by(AUTHORS.c.network))}
            per_source: dict[str, int] = {k: int(v) for k, v in conn.execute(
                select(POSTS.c.source, func.count()).group_by(POSTS.c.source))}
            bad: dict[str, int] = {k: int(v or 0) for k, v in conn.execute(
                select(RUNS.c.source, func.sum(RUNS.c.bad)).group_by(RUNS.c.source))}
            networks: dict[str, str] = {k: str(v) for k, v in conn.execute(
                select(RUNS.c.source, func.max(RUNS.c.network)).group_by(RUNS.c.source))}
            latest = select(RUNS.c.source, func.max(RUNS.c.id).label("id")) \
                .group_by(RUNS.c.source).subquery()
            last = {r["source"]: _stale_shown(_run(r)) for r in conn.execute(
                select(RUNS).join(latest, RUNS.c.id == latest.c.id)).mappings()}
            marks: dict[str, dict[str, dict[str, Any]]] = {}
            for source, stream, state in conn.execute(
                    select(CHECKPOINTS.c.source, CHECKPOINTS.c.stream, CHECKPOINTS.c.state)):
                marks.setdefault(source, {})[stream] = json.loads(state)
        names = sorted(set(per_source) | set(networks) | set(marks))
        sources = [SourceStatus(name, str(networks.get(name) or name.split(":", 1)[0]),
                                int(per_source.get(name, 0)), marks.get(name, {}),
                                int(bad.get(name) or 0), last.get(name)) for name in names]
        return TrackStatus(posts, authors, sources)


@lru_cache(maxsize=64)
def _array_casts(dialect: Any, table: Table, columns: tuple[str, ...]) -> str:
    """``%s::TYPE[]`` for each column, its type as PostgreSQL names it, without a length: a cast
    to ``VARCHAR(n)`` would cut a longer value where the column's own check refuses it."""
    return ", ".join("%s::" + re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect))
                     + "[]" for name in columns)


def _conflict(table: Table, keys: Sequence[str], adding: Sequence[str]) -> str:
    """The ``ON CONFLICT`` clause: leave a stored row be, or add to its counts."""
    if not keys:
        return ""
    if not adding:
        return f" ON CONFLICT ({', '.join(keys)}) DO NOTHING"
    # saturating: what is added is never negative, and a hostile count past a BIGINT stays
    # the largest one instead of failing the page (PostgreSQL) or turning to a float (SQLite)
    sets = ", ".join(f"{c} = CASE WHEN {table.name}.{c} > {MAX_COUNT} - excluded.{c} THEN "
                     f"{MAX_COUNT} ELSE {table.name}.{c} + excluded.{c} END" for c in adding)
    return f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"


def _bind(name: str) -> Any:
    return bindparam(name)


def _stale_shown(run: RunRecord, now: datetime | None = None) -> RunRecord:
    """A run still marked running whose process stopped beating: shown as what it is (the next
    run of its source records it so)."""
    if run.status is RunStatus.RUNNING and run.heartbeat_at < (now or utcnow()) - STALE:
        return replace(run, status=RunStatus.INTERRUPTED, finished_at=run.heartbeat_at,
                       message=STALE_MESSAGE)
    return run


def _run(row: Mapping[Any, Any]) -> RunRecord:
    return RunRecord(row["id"], row["source"], row["network"], row["started_at"],
                     row["heartbeat_at"], row["finished_at"], RunStatus(row["status"]),
                     row["read"], row["stored"], row["updated"], row["bad"], row["message"],
                     tuple(json.loads(row["problems"] or "[]")))
