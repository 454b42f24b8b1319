"""The Store: every read and write of the queue database goes through it; sessions never leak.

SQLite (the default, in WAL mode, one writer at a time through ``BEGIN IMMEDIATE``) and PostgreSQL
(psycopg 3; claims use ``FOR UPDATE SKIP LOCKED`` so several runners share one database) behave
the same to callers. Each concern lives in its own module; ``Store`` puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from campaign.errors import CampaignError, UsageError
from campaign.queue.dispatch import Dispatch, local_due
from campaign.queue.engine import chunks
from campaign.queue.models import STATUSES, Event, Post
from campaign.queue.planning import Planning


class Store(Planning, Dispatch):
    """The queue database: accounts, planning, dispatch and the reads that review needs."""

    # -- review and edits ------------------------------------------------------------------
    def posts(self, *, statuses: Sequence[str] = (), networks: Sequence[str] = (),
              months: Sequence[int] = (), account: str | None = None, ids: Sequence[int] = (),
              limit: int | None = None) -> list[Post]:
        """Posts matching the filters, by due time; an unknown status names the choices."""
        for status in statuses:
            if status not in STATUSES:
                raise UsageError("status", status, STATUSES)
        query = select(Post).order_by(Post.due_at, Post.id)
        if statuses:
            query = query.where(Post.status.in_(statuses))
        if networks:
            query = query.where(Post.network.in_(networks))
        if ids:
            query = query.where(Post.id.in_(ids))
        if account:
            query = query.where(Post.account_id == self.named_account(account).id)
        with self.session() as s:
            found = list(s.scalars(query))
        if months:
            found = [p for p in found if local_due(p).month in months]
        return found[:limit] if limit else found

    def events(self, post_id: int) -> list[Event]:
        """The state changes of one post, oldest first."""
        with self.session() as s:
            return list(s.scalars(select(Event).where(Event.post_id == post_id).order_by(Event.id)))

    def get(self, post_id: int) -> Post:
        """One post; an unknown id says so."""
        with self.session() as s:
            post = s.get(Post, post_id)
        if post is None:
            raise CampaignError(f"no post with id {post_id}: see `campaign queue list`")
        return post

    def counts(self) -> dict[str, int]:
        """How many posts are in each status."""
        with self.session() as s:
            rows = s.execute(select(Post.status, func.count()).group_by(Post.status)).all()
        return {status: count for status, count in rows}

    # -- read-only questions ---------------------------------------------------------------
    def missing_ids(self, ids: Sequence[int]) -> list[int]:
        """The ids among ``ids`` that no post has."""
        found: set[int] = set()
        with self.session() as s:
            for chunk in chunks(sorted(set(ids)), 2000):
                found.update(s.scalars(select(Post.id).where(Post.id.in_(chunk))))
        return sorted(set(ids) - found)
