"""Dispatch: claiming due posts under a lease, finishing them, expiring what is too late, and the
read-only preview of a dry run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from campaign.platforms.base import Claimed
from campaign.queue.accounts import Accounts, destination
from campaign.queue.engine import EVENTS, POSTS, chunks, utc_text, utcnow
from campaign.queue.models import (
    TRANSITIONS,
    WAITING,
    Account,
    Event,
    QueuedPost,
    Status,
    UTCDateTime,
    check_move,
    dispatchable,
    wrote_or_edited,
)
from campaign.queue.planning import store_due_months

# a transition target meaning "back in the queue": approved when it was reviewed, else scheduled
REQUEUE: Final = "requeue"


@dataclass(frozen=True)
class PreviewItem:
    """One post in a dry run: what a pass would do with it (``action``) and why."""

    post_id: int
    action: str  # publish, miss, check or hold
    entry: str
    network: str
    account: str
    due_at: datetime
    timezone: str
    where: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the report file."""
        return {"post_id": self.post_id, "action": self.action, "entry": self.entry,
                "network": self.network, "account": self.account,
                "due_at": utc_text(self.due_at), "timezone": self.timezone,
                "where": self.where, "reason": self.reason}


@dataclass
class Preview:
    """What a dispatch pass would do at ``now``; nothing was changed to find out."""

    now: datetime
    publish: list[PreviewItem] = field(default_factory=list)
    miss: list[PreviewItem] = field(default_factory=list)
    check: list[PreviewItem] = field(default_factory=list)
    hold: list[PreviewItem] = field(default_factory=list)

    def add(self, item: PreviewItem) -> None:
        """File an item under its action."""
        cast(list[PreviewItem], getattr(self, item.action)).append(item)

    def items(self) -> list[PreviewItem]:
        """Every item, by action then due time."""
        return [*self.publish, *self.miss, *self.check, *self.hold]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"dry_run": True, "now": utc_text(self.now),
                "would_publish": [i.as_dict() for i in self.publish],
                "would_miss": [i.as_dict() for i in self.miss],
                "would_check": [i.as_dict() for i in self.check],
                "held": [i.as_dict() for i in self.hold]}


def _span(delta: timedelta) -> str:
    """A duration as the runner's options write it: 90m, 6h, 2d."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _preview_item(row: Row[*tuple[Any, ...]], now: datetime, grace: timedelta,
                  sendable: Sequence[str]) -> PreviewItem:
    """What a pass would do with one post row (joined with its account)."""
    where = destination(row.network, row.handle, row.credentials_ref, row.base_url)
    action, reason = "publish", ""
    if row.status == Status.PUBLISHING:
        action, reason = "check", "interrupted: its network (or outbox) is asked whether it went out"
    elif (row.deadline_at is not None and row.deadline_at <= now) or \
            (row.deadline_at is None and row.due_at <= now - grace):
        action = "miss"
        reason = (f"day over in {row.timezone}" if row.day_bound
                  else f"grace passed (more than {_span(grace)} after its due time)")
    elif row.disabled_reason is not None:
        action, reason = "hold", f"account stopped: {row.disabled_reason}"
    elif row.status not in sendable:
        action, reason = "hold", "waiting for review (`campaign queue approve`)"
    elif row.next_attempt_at is not None and row.next_attempt_at > now:
        action, reason = "hold", f"waiting to retry at {utc_text(row.next_attempt_at)}"
    return PreviewItem(post_id=row.id, action=action, entry=row.entry, network=row.network,
                       account=row.handle, due_at=row.due_at, timezone=row.timezone,
                       where=where, reason=reason)


def _with_accounts(s: Session, ids: Sequence[int],
                   *order: InstrumentedAttribute[Any]) -> list[tuple[QueuedPost, Account]]:
    """The posts ``ids`` with their accounts, as (post, account) pairs in ``order``."""
    return [(p, a) for p, a in s.execute(
        select(QueuedPost, Account).join(Account, Account.id == QueuedPost.account_id)
        .where(QueuedPost.id.in_(list(ids))).order_by(*order))]


def _due(now: datetime, require_review: bool) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a post a runner would claim at ``now``, its account joined: due, not
    waiting for a retry, its account not stopped."""
    return (QueuedPost.status.in_(dispatchable(require_review)), QueuedPost.due_at <= now,
            or_(QueuedPost.next_attempt_at.is_(None), QueuedPost.next_attempt_at <= now),
            Account.disabled_reason.is_(None))


def _requeue_status(reviewed: bool) -> Status:
    return Status.APPROVED if reviewed else Status.SCHEDULED


def _target(to: str, reviewed: bool) -> Status:
    """The status ``to`` names: REQUEUE resolved for a post reviewed or not."""
    return _requeue_status(reviewed) if to == REQUEUE else Status(to)


def local_due(post: QueuedPost) -> datetime:
    """A queued post's due time in its own timezone."""
    return post.due_at.astimezone(ZoneInfo(post.timezone))


def _claimed(p: QueuedPost, a: Account, tried_before: bool = True) -> Claimed:
    """A post and its account as plain values a publisher takes (no session behind them)."""
    return Claimed(
        id=p.id, idempotency_key=p.idempotency_key, post_key=p.post_key, network=p.network,
        account_id=a.id, handle=a.handle, credentials_ref=a.credentials_ref, base_url=a.base_url,
        language=p.language, text=p.text, parts=tuple(json.loads(p.parts_json)),
        facets=json.loads(p.facets_json), kind=p.kind, target=p.target,
        media=json.loads(p.media_json), link_card=p.link_card, first_attempt_at=p.first_attempt_at,
        account_settings=json.loads(a.settings_json or "{}"), tried_before=tried_before,
        due_at=p.due_at, timezone=p.timezone,
        day_bound=p.day_bound, deadline_at=p.deadline_at, attempts=p.attempts,
        created_at=p.created_at,
    )



class Dispatch(Accounts):
    """Claiming due posts under a lease, finishing them, expiring late ones, previewing a dry run."""

    def claimed(self, ids: Sequence[int]) -> list[Claimed]:
        """Posts with their account, as a publisher takes them (to delete published ones)."""
        with self._session() as s:
            return [_claimed(p, a) for p, a in _with_accounts(s, ids, QueuedPost.id)]

    def transition(self, ids: Sequence[int], to: str, *, allowed_from: Sequence[str] | None = None,
                   actor: str, detail: str = "", before: Mapping[str, Any] | None = None,
                   after: Mapping[str, Any] | None = None, not_authored_by: str | None = None,
                   audit: str | None = None, **values: Any) -> list[int]:
        """Move the posts ``ids`` whose status is in ``allowed_from`` to ``to`` (or REQUEUE), and
        return those moved; the others are left as they are.

        ``allowed_from`` narrows what ``TRANSITIONS`` allows (by default: every status that may
        move to ``to``); a post in ``allowed_from`` that the table does not let move to ``to``
        raises TransitionRefused and nothing is changed. ``before`` and ``after`` (the fields a
        person changed) are kept on each move's event. ``not_authored_by`` leaves alone the
        posts that person wrote or whose text they edited (an approver never approves their
        own), checked under the same lock as the move. ``audit`` names the action each move
        also adds to the audit log, in the same transaction, with the status before and after.
        """
        if allowed_from is None:
            allowed_from = [s for s in Status
                            if any(_target(to, r) in TRANSITIONS[s] for r in (False, True))]
        now = utcnow()
        moved: list[int] = []

        from campaign.users.audit import dumps

        def fields(changed: Mapping[str, Any] | None, status: Status | None = None) -> str | None:
            # what a person changed, as the event and the audit log keep it
            if changed is None and status is None:
                return None
            return dumps({**(changed or {}), **({"status": str(status)} if status else {})})

        before_json, after_json = fields(before), fields(after)
        with self._session() as s:
            for chunk in chunks(list(ids), 2000):
                query = select(QueuedPost.id, QueuedPost.status, QueuedPost.reviewed).where(
                    QueuedPost.id.in_(chunk), QueuedPost.status.in_(allowed_from))
                rows = s.execute(query.with_for_update() if self.is_postgres else query).all()
                if not_authored_by is not None and rows:
                    # read after the rows are locked: an edit committed meanwhile is seen
                    own = set(s.scalars(select(Event.post_id).where(
                        Event.post_id.in_([r.id for r in rows]), wrote_or_edited(not_authored_by))))
                    rows = [r for r in rows if r.id not in own]
                targets: dict[Status, list[tuple[int, Status]]] = {}
                for row in rows:
                    target = _target(to, row.reviewed)
                    check_move(row.id, row.status, target)
                    targets.setdefault(target, []).append((row.id, row.status))
                for target, pairs in targets.items():
                    s.execute(update(QueuedPost).where(QueuedPost.id.in_([i for i, _ in pairs]))
                              .values(status=target, updated_at=now, **values))
                    s.execute(insert(Event), [
                        {"post_id": i, "at": now, "from_status": old, "to_status": target,
                         "actor": actor, "detail": detail, "before_json": before_json,
                         "after_json": after_json} for i, old in pairs])
                    if audit is not None:  # the audit log's table, in this transaction
                        from campaign.users.models import AUDIT

                        s.execute(insert(AUDIT), [
                            {"at": now, "actor": actor, "action": audit, "object_kind": "post",
                             "object_id": str(i), "detail": detail,
                             "before_json": fields(before, old), "after_json": fields(after, target)}
                            for i, old in pairs])
                    moved.extend(i for i, _ in pairs)
                if "due_at" in values and rows:  # a new time: its month on each post's clocks
                    store_due_months(s, [r.id for r in rows], values["due_at"])
        return sorted(moved)

    # -- dispatch --------------------------------------------------------------------------
    def expire(self, now: datetime, grace: timedelta, actor: str) -> int:
        """Mark ``missed`` every queued post that can no longer go out in time."""
        late = or_(QueuedPost.deadline_at <= now,
                   (QueuedPost.deadline_at.is_(None)) & (QueuedPost.due_at <= now - grace))
        with self._session() as s:
            query = select(QueuedPost.id, QueuedPost.status, QueuedPost.day_bound).where(
                QueuedPost.status.in_(WAITING), late)
            rows = s.execute(query.with_for_update(skip_locked=True) if self.is_postgres
                             else query).all()
            for chunk in chunks(list(rows), 2000):
                s.execute(update(QueuedPost).where(QueuedPost.id.in_([r.id for r in chunk]))
                          .values(status=Status.MISSED, updated_at=now,
                                  last_error="its time passed before it could go out"))
                s.execute(insert(Event), [{
                    "post_id": r.id, "at": now, "from_status": r.status,
                    "to_status": Status.MISSED,
                    "actor": actor, "detail": "day-bound: its day is over in its timezone"
                    if r.day_bound else f"more than {grace} after its due time"} for r in chunk])
        return len(rows)

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int,
              require_review: bool = False) -> list[Claimed]:
        """Atomically take up to ``limit`` due posts for ``worker`` with a lease."""
        statuses = dispatchable(require_review)
        due = (select(QueuedPost.id).join(Account, Account.id == QueuedPost.account_id)
               .where(*_due(now, require_review))
               .order_by(QueuedPost.due_at, QueuedPost.id).limit(limit))
        if self.is_postgres:
            due = due.with_for_update(skip_locked=True, of=QueuedPost)
        with self._session() as s:
            ids = [r[0] for r in s.execute(
                update(QueuedPost).where(QueuedPost.id.in_(due.scalar_subquery()),
                                         QueuedPost.status.in_(statuses))
                .values(status=Status.PUBLISHING, lease_owner=worker,
                        lease_expires_at=now + lease, attempts=QueuedPost.attempts + 1, updated_at=now,
                        first_attempt_at=func.coalesce(QueuedPost.first_attempt_at,
                                                       literal(now, UTCDateTime)))
                .returning(QueuedPost.id))]
            if not ids:
                return []
            rows = _with_accounts(s, ids, QueuedPost.due_at, QueuedPost.id)
            s.execute(insert(Event), [{
                "post_id": p.id, "at": now, "from_status": _requeue_status(p.reviewed),
                "to_status": Status.PUBLISHING, "actor": worker, "detail": f"attempt {p.attempts}"}
                for p, _ in rows])
            return [_claimed(p, a, tried_before=p.first_attempt_at != now) for p, a in rows]

    def take_expired_leases(self, worker: str, now: datetime, lease: timedelta,
                            limit: int = 50) -> list[Claimed]:
        """Take over posts left in ``publishing`` by a worker whose lease ran out."""
        with self._session() as s:
            query = select(QueuedPost.id, QueuedPost.lease_owner).where(
                QueuedPost.status == Status.PUBLISHING, QueuedPost.lease_expires_at <= now).limit(limit)
            stale = s.execute(query.with_for_update(skip_locked=True) if self.is_postgres
                              else query).all()
            if not stale:
                return []
            s.execute(update(QueuedPost).where(QueuedPost.id.in_([r.id for r in stale]))
                      .values(lease_owner=worker, lease_expires_at=now + lease, updated_at=now))
            s.execute(insert(Event), [{
                "post_id": r.id, "at": now, "from_status": Status.PUBLISHING,
                "to_status": Status.PUBLISHING, "actor": worker,
                "detail": f"lease of {r.lease_owner} ran out: checking whether it went out"}
                for r in stale])
            return [_claimed(p, a) for p, a in _with_accounts(s, [r.id for r in stale], QueuedPost.id)]

    def renew(self, post_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a post just before publishing it; False if it was lost."""
        posts = POSTS
        with self._connection() as conn:
            return conn.execute(
                posts.update().where(posts.c.id == post_id, posts.c.status == Status.PUBLISHING,
                                     posts.c.lease_owner == worker, posts.c.lease_expires_at > now)
                .values(lease_expires_at=now + lease).returning(posts.c.id)).first() is not None

    def finish(self, post_id: int, worker: str, to: str, *, detail: str = "",
               now: datetime | None = None, **values: Any) -> bool:
        """Record the outcome of a claimed post (``to`` may be REQUEUE), if ``worker`` holds it;
        an outcome ``TRANSITIONS`` does not allow from publishing raises TransitionRefused."""
        return self.finish_many(worker, [(post_id, to, detail, values)], now=now) == 1

    def finish_many(self, worker: str, outcomes: Sequence[tuple[int, str, str, dict[str, Any]]],
                    now: datetime | None = None) -> int:
        """Record several outcomes (post id, status or REQUEUE, detail, values) in one transaction.

        Every outcome carries the same value keys; posts ``worker`` no longer holds are skipped.
        """
        if not outcomes:
            return 0
        for post_id, to, _, _ in outcomes:  # before anything is written
            if to != REQUEUE:
                check_move(post_id, Status.PUBLISHING, to)
        now = now or utcnow()
        keys = sorted(outcomes[0][3])
        posts = POSTS
        update_stmt = posts.update().where(posts.c.id == bindparam("b_id")).values(
            status=bindparam("b_status"), updated_at=now, lease_owner=None, lease_expires_at=None,
            **{k: bindparam(f"b_{k}") for k in keys})
        with self._connection() as conn:
            held_query = select(posts.c.id, posts.c.reviewed).where(
                posts.c.id.in_([o[0] for o in outcomes]), posts.c.status == Status.PUBLISHING,
                posts.c.lease_owner == worker)
            held: dict[int, bool] = {
                row.id: row.reviewed for row in conn.execute(
                    held_query.with_for_update() if self.is_postgres else held_query)}
            mine = [(i, _target(to, held[i]), detail, values)
                    for i, to, detail, values in outcomes if i in held]
            if not mine:
                return 0
            conn.execute(update_stmt, [
                {"b_id": i, "b_status": to, **{f"b_{k}": values[k] for k in keys}}
                for i, to, _, values in mine])
            conn.execute(EVENTS.insert(), [
                {"post_id": i, "at": now, "from_status": Status.PUBLISHING, "to_status": to,
                 "actor": worker, "detail": detail} for i, to, detail, _ in mine])
        return len(mine)

    def next_wake(self, now: datetime, require_review: bool = False) -> datetime | None:
        """When something next needs the dispatcher: a due post, a retry or a lease running out."""
        statuses = dispatchable(require_review)
        with self._session() as s:
            due = s.scalar(select(func.min(func.coalesce(QueuedPost.next_attempt_at, QueuedPost.due_at)))
                           .join(Account, Account.id == QueuedPost.account_id)
                           .where(QueuedPost.status.in_(statuses), Account.disabled_reason.is_(None)))
            lease = s.scalar(select(func.min(QueuedPost.lease_expires_at))
                             .where(QueuedPost.status == Status.PUBLISHING))
        times = [t for t in (due, lease) if t is not None]
        return min(times) if times else None

    def preview(self, now: datetime, grace: timedelta,
                require_review: bool = False) -> Preview:
        """What a dispatch pass at ``now`` would do, read without changing a row.

        It follows the same rules as ``expire``, ``take_expired_leases`` and ``claim``: late
        posts would be missed, interrupted ones checked, due ones published; due posts that a
        runner would leave alone (stopped account, waiting for review or a retry) are held.
        """
        sendable = dispatchable(require_review)
        columns = (QueuedPost.id, QueuedPost.status, QueuedPost.entry, QueuedPost.network,
                   QueuedPost.due_at, QueuedPost.timezone, QueuedPost.day_bound,
                   QueuedPost.deadline_at, QueuedPost.next_attempt_at, QueuedPost.lease_expires_at,
                   Account.handle, Account.credentials_ref, Account.base_url,
                   Account.disabled_reason)
        # a late post is due too (its deadline comes after its due time): due ones cover both
        query = (select(*columns).join(Account, Account.id == QueuedPost.account_id)
                 .where(or_(QueuedPost.status.in_(WAITING) & (QueuedPost.due_at <= now),
                            (QueuedPost.status == Status.PUBLISHING) & (QueuedPost.lease_expires_at <= now)))
                 .order_by(QueuedPost.due_at, QueuedPost.id))
        preview = Preview(now=now)
        with self._session() as s:
            for row in s.execute(query):
                preview.add(_preview_item(row, now, grace, sendable))
        return preview

    def due_count(self, now: datetime, require_review: bool = False) -> int:
        """How many posts a claim at ``now`` would take (due, not waiting, account not stopped)."""
        query = (select(func.count()).select_from(QueuedPost)
                 .join(Account, Account.id == QueuedPost.account_id)
                 .where(*_due(now, require_review)))
        with self._session() as s:
            return int(s.scalar(query) or 0)
