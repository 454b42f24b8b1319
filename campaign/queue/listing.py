"""The queue's read models for the dashboard: a page of posts (filtered, 50 at a time, read in
SQL by keyset, failed and missed ones with their reasons) and one post with its whole history.

A failed or missed post is never shown without why: its ``last_error`` and the detail of the
event that made it so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, func, or_, select, union_all
from sqlalchemy.orm import Session

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.queue.dispatch import local_due
from campaign.queue.editing import MAX_POST_ID, OPEN
from campaign.queue.errors import PostNotFound
from campaign.queue.filters import (
    Asked,
    Choices,
    Filter,
    check,
    choices,
    entry_titles,
    named_accounts,
)
from campaign.queue.models import STATUSES, Account, Event, QueuedPost, Status
from campaign.queue.store import Store

PAGE: Final = 50
PROBLEMS: Final = (Status.FAILED, Status.MISSED)
RETRYABLE: Final = PROBLEMS


@dataclass(frozen=True)
class Row:
    """A post as the queue list shows it."""

    id: int
    due_at: datetime
    timezone: str
    status: str
    network: str
    handle: str
    entry: str
    title: str
    language: str
    audience: str
    kind: str
    attempts: int
    last_error: str
    reason: str  # the detail of the event that made it failed or missed ("" otherwise)
    remote_url: str

    @property
    def problem(self) -> bool:
        """Whether it did not go out (failed or missed)."""
        return self.status in PROBLEMS


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue list."""

    rows: tuple[Row, ...]
    total: int  # posts matching the filters
    problems: tuple[tuple[str, int], ...]  # failed and missed posts in the whole queue
    after: int | None  # the cursor of the next page, None on the last
    before: int | None  # the cursor of the page before, None on the first
    filter: Filter
    choices: Choices

    @property
    def retryable(self) -> bool:
        """Whether any post of the page may be retried."""
        return any(r.problem for r in self.rows)


def web_link(url: str | None) -> str:
    """``url`` if it is an http(s) address a page may link to, else "" (a network's answer is
    not trusted to be one)."""
    return url if url and url.startswith(("https://", "http://")) and len(url) <= 2000 else ""


def _cursor(text: str, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_POST_ID:
        raise CampaignError(f"{name} must be the id of a post, not {text[:20]!r}")
    return int(text)


_ROW_COLUMNS = (QueuedPost.id, QueuedPost.due_at, QueuedPost.timezone, QueuedPost.status,
                QueuedPost.network, Account.handle, QueuedPost.entry, QueuedPost.language,
                QueuedPost.audience, QueuedPost.kind, QueuedPost.attempts, QueuedPost.last_error,
                QueuedPost.remote_url)


def reasons(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The detail of the latest event that made each post failed or missed."""
    if not ids:
        return {}
    latest = (select(Event.post_id, func.max(Event.id).label("id"))
              .where(Event.post_id.in_(list(ids)), Event.to_status.in_(PROBLEMS))
              .group_by(Event.post_id).subquery())
    query = select(Event.post_id, Event.detail).join(latest, latest.c.id == Event.id)
    return {r.post_id: r.detail or "" for r in conn.execute(query)}


def _ordered(conn: Connection, where: Filter, keyset: Sequence[Any], limit: int,
             backwards: bool) -> list[Any]:
    """The first ``limit`` posts by due time (the last, ``backwards``): one index-ordered read
    per status (the (status, due_at) index keeps each status's posts in due order, ids
    breaking ties), merged. Ordering the whole queue by due time would sort every post."""
    order = ((QueuedPost.due_at.desc(), QueuedPost.id.desc()) if backwards
             else (QueuedPost.due_at, QueuedPost.id))
    others = where.conditions(status=False)
    parts = []
    for status in where.statuses or STATUSES:
        part = (select(QueuedPost.id).where(QueuedPost.status == status, *others, *keyset)
                .order_by(*order).limit(limit).subquery())
        parts.append(select(part.c.id))
    chosen = union_all(*parts).subquery()
    return list(conn.execute(select(*_ROW_COLUMNS).join(chosen, chosen.c.id == QueuedPost.id)
                             .join(Account, Account.id == QueuedPost.account_id)
                             .order_by(*order).limit(limit)))


def queue_page(store: Store, schedule: Schedule, asked: Asked, *, after: str = "",
               before: str = "", language: str, size: int = PAGE) -> QueuePage:
    """The page of posts matching ``asked`` after (or before) the cursor post, by due time."""
    start_after, end_before = _cursor(after, "after"), _cursor(before, "before")
    with store._reading() as conn:  # one snapshot: the page, its count and its reasons agree
        accounts = named_accounts(conn)
        where = check(asked, schedule, accounts)
        conditions = where.conditions()
        cursor = start_after or end_before
        keyset: list[Any] = []
        if cursor is not None:
            at = conn.execute(select(QueuedPost.due_at).where(QueuedPost.id == cursor)).scalar()
            if at is None:
                raise CampaignError(f"{'after' if start_after else 'before'} names no post "
                                    f"(#{cursor}): start again from the first page")
            # the range on due_at first (an index seek), the tie broken by id
            keyset = ([QueuedPost.due_at >= at, or_(QueuedPost.due_at > at, QueuedPost.id > cursor)]
                      if start_after else
                      [QueuedPost.due_at <= at, or_(QueuedPost.due_at < at, QueuedPost.id < cursor)])
        backwards = end_before is not None
        rows = _ordered(conn, where, keyset, size + 1, backwards)
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        total = conn.execute(select(func.count()).select_from(QueuedPost)
                             .where(*conditions)).scalar() or 0
        problems = dict(conn.execute(select(QueuedPost.status, func.count())
                                     .where(QueuedPost.status.in_(PROBLEMS))
                                     .group_by(QueuedPost.status)).all())
        why = reasons(conn, [r.id for r in rows if r.status in PROBLEMS])
    titles = entry_titles(schedule, language)
    page = tuple(Row(id=r.id, due_at=r.due_at, timezone=r.timezone, status=str(r.status),
                     network=r.network, handle=r.handle, entry=r.entry,
                     title=titles.get(r.entry, r.entry), language=r.language, audience=r.audience,
                     kind=r.kind, attempts=r.attempts, last_error=r.last_error or "",
                     reason=why.get(r.id, ""), remote_url=web_link(r.remote_url)) for r in rows)
    # a page reached going forwards has one before it; going backwards, one after it
    next_cursor = page[-1].id if page and (more if not backwards else True) else None
    previous = page[0].id if page and (more if backwards else cursor is not None) else None
    return QueuePage(rows=page, total=int(total),
                     problems=tuple((str(s), int(problems.get(s, 0))) for s in PROBLEMS),
                     after=next_cursor, before=previous, filter=where,
                     choices=choices(schedule, accounts, language))


@dataclass(frozen=True)
class Change:
    """One field an edit changed."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryItem:
    """One state change of a post, with what an edit changed."""

    at: datetime
    from_status: str
    to_status: str
    actor: str
    detail: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class AuditItem:
    """An entry of the audit log about the post."""

    at: datetime
    actor: str
    action: str
    detail: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Image:
    """An image of the post's first part."""

    path: str
    alt: str


@dataclass(frozen=True)
class PostView:
    """One post: what it says, where it goes, its state and its whole history."""

    post: QueuedPost
    account: Account
    title: str
    local_due: datetime
    parts: tuple[str, ...]
    images: tuple[Image, ...]
    history: tuple[HistoryItem, ...]
    audit: tuple[AuditItem, ...]
    reason: str  # why it failed or was missed (the event's detail), "" otherwise

    @property
    def link(self) -> str:
        """Where it is on its network, when that is a web address."""
        return web_link(self.post.remote_url)

    @property
    def retryable(self) -> bool:
        """Whether it may be queued again."""
        return self.post.status in RETRYABLE

    @property
    def cancellable(self) -> bool:
        """Whether it may still be cancelled."""
        return self.post.status in OPEN

    @property
    def problem(self) -> bool:
        """Whether it did not go out (failed or missed)."""
        return self.post.status in PROBLEMS


def _shown(value: Any) -> str:
    """A field's value as the history shows it: text as it is, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _loads(text: str | None) -> Mapping[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:  # kept as written, never a page that fails for one odd row
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Change, ...]:
    """The fields whose value differs between ``before`` and ``after``, by name."""
    return tuple(Change(field=k, before=_shown(before.get(k)), after=_shown(after.get(k)))
                 for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k))


def post_view(store: Store, schedule: Schedule, post_id: int, *, language: str,
              audit: Sequence[Any] = ()) -> PostView:
    """Post ``post_id`` with its history (``audit``: the audit log's entries about it, newest
    first, as ``UserStore.audit_entries`` gives them); an unknown id raises PostNotFound."""
    if not 0 < post_id <= MAX_POST_ID:
        raise PostNotFound(post_id)
    with store._reading() as conn, Session(conn) as s:  # a read: no write lock taken
        found = s.execute(select(QueuedPost, Account).join(Account, Account.id == QueuedPost.account_id)
                          .where(QueuedPost.id == post_id)).first()
        if found is None:
            raise PostNotFound(post_id)
        post, account = found
        events = list(s.scalars(select(Event).where(Event.post_id == post_id).order_by(Event.id)))
        s.expunge_all()
    history = tuple(HistoryItem(at=e.at, from_status=str(e.from_status or ""),
                                to_status=str(e.to_status), actor=e.actor, detail=e.detail,
                                changes=changes(_loads(e.before_json), _loads(e.after_json)))
                    for e in events)
    reason = next((h.detail for h in reversed(history) if h.to_status in PROBLEMS), "") \
        if post.status in PROBLEMS else ""
    media = json.loads(post.media_json or "[]")
    titles = entry_titles(schedule, language)
    return PostView(
        post=post, account=account, title=titles.get(post.entry, post.entry),
        local_due=local_due(post), parts=tuple(str(p) for p in json.loads(post.parts_json or "[]")),
        images=tuple(Image(path=str(m.get("path", "")), alt=str(m.get("alt", "")))
                     for m in media if isinstance(m, dict)),
        history=history,
        audit=tuple(AuditItem(at=a.at, actor=a.actor, action=a.action, detail=a.detail,
                              changes=changes(a.before, a.after)) for a in audit),
        reason=reason)
