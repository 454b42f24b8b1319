"""The Store: every read and write of the queue database goes through it; sessions never leak.

SQLite (the default, in WAL mode, one writer at a time through ``BEGIN IMMEDIATE``) and PostgreSQL
(psycopg 3; claims use ``FOR UPDATE SKIP LOCKED`` so several runners share one database) behave
the same to callers. Each concern lives in its own module; ``Store`` puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from campaign.errors import UsageError
from campaign.queue.dispatch import Dispatch
from campaign.queue.engine import chunks
from campaign.queue.errors import PostNotFound
from campaign.queue.models import STATUSES, Event, QueuedPost, Status
from campaign.queue.planning import Planning


class Store(Planning, Dispatch):
    """The queue database: accounts, planning, dispatch and the reads that review needs."""

    # -- review and edits ------------------------------------------------------------------
    def posts(self, *, statuses: Sequence[str] = (), networks: Sequence[str] = (),
              months: Sequence[int] = (), account: str | None = None, ids: Sequence[int] = (),
              limit: int | None = None) -> list[QueuedPost]:
        """Posts matching the filters, by due time, at most ``limit``; ``months`` are those of
        each post's due time on its own clocks. An unknown status names the choices."""
        for status in statuses:
            if status not in STATUSES:
                raise UsageError("status", status, STATUSES)
        # filtered, ordered and cut in SQL: the month is stored (due_month), with an index in
        # due order, so a month's first posts are read without loading the queue
        query = select(QueuedPost).order_by(QueuedPost.due_at, QueuedPost.id)
        if statuses:
            query = query.where(QueuedPost.status.in_(statuses))
        if networks:
            query = query.where(QueuedPost.network.in_(networks))
        if months:
            query = query.where(QueuedPost.due_month.in_(sorted(set(months))))
        if ids:
            query = query.where(QueuedPost.id.in_(ids))
        if account:
            query = query.where(QueuedPost.account_id == self.named_account(account).id)
        if limit:
            query = query.limit(limit)
        with self._session() as s:
            return list(s.scalars(query))

    def events(self, post_id: int) -> list[Event]:
        """The state changes of one post, oldest first."""
        with self._session() as s:
            return list(s.scalars(select(Event).where(Event.post_id == post_id).order_by(Event.id)))

    def get(self, post_id: int) -> QueuedPost:
        """One post; an unknown id raises PostNotFound."""
        with self._session() as s:
            post = s.get(QueuedPost, post_id)
        if post is None:
            raise PostNotFound(post_id)
        return post

    def latest_problems(self, limit: int) -> list[QueuedPost]:
        """The failed and missed posts that changed last, newest first, at most ``limit``."""
        query = (select(QueuedPost).where(QueuedPost.status.in_([Status.FAILED, Status.MISSED]))
                 .order_by(QueuedPost.updated_at.desc(), QueuedPost.id.desc()).limit(limit))
        with self._session() as s:
            return list(s.scalars(query))

    def counts(self) -> dict[Status, int]:
        """How many posts are in each status."""
        with self._session() as s:
            rows = s.execute(select(QueuedPost.status, func.count()).group_by(QueuedPost.status)).all()
        return {status: count for status, count in rows}

    # -- read-only questions ---------------------------------------------------------------
    def missing_ids(self, ids: Sequence[int]) -> list[int]:
        """The ids among ``ids`` that no post has."""
        found: set[int] = set()
        with self._session() as s:
            for chunk in chunks(sorted(set(ids)), 2000):
                found.update(s.scalars(select(QueuedPost.id).where(QueuedPost.id.in_(chunk))))
        return sorted(set(ids) - found)
