"""Accounts' health, as the dashboard shows it: each account's destination, whether it is stopped
and why, what ``campaign accounts test`` last learnt from signing in, its latest rate-limit pause
(from the runner's events), the due posts a stopped account holds, and its last publication and
last failure.

What the store does not record is left unknown rather than guessed: a sign-in keeps who the
account is (``settings_json``) but not when, unless a ``checked_at`` is there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection, func, select

from campaign.queue.accounts import destination
from campaign.queue.models import Event, QueuedPost, Status
from campaign.queue.store import Store

# how the runner words a rate limit in a post's events: the network's error ("X rate limit:
# ...") after "retry at <when>" (the posts of the same pass put back untried only say
# "account paused", as they do after a refused sign-in: not a pause's cause)
RATE_LIMIT: Final = "%rate limit%"
_RETRY_AT = re.compile(r"retry at (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z)")
# what a sign-in keeps that a person may want to see (never a secret: none is kept there)
SHOWN_SETTINGS: Final = ("user_id", "visibility", "characters", "max_characters", "checked_at",
                         "signed_in_at")


@dataclass(frozen=True)
class Pause:
    """A rate-limit pause the runner recorded on one of the account's posts."""

    at: datetime
    until: datetime | None  # when the runner meant to try again, when it said
    post_id: int
    detail: str
    active: bool  # still waiting at the moment asked about


@dataclass(frozen=True)
class Outcome:
    """A post's last publication or failure on the account."""

    at: datetime
    post_id: int
    detail: str
    url: str = ""


@dataclass(frozen=True)
class AccountHealth:
    """One account's state."""

    id: int
    network: str
    handle: str
    base_url: str
    destination: str  # its outbox file, or its network and handle
    outbox: bool
    stopped: str  # why it is stopped ("" when it is not)
    removed_at: datetime | None
    signed_in: tuple[tuple[str, str], ...]  # what signing in kept (user id, limits), by name
    checked_at: datetime | None  # when it last signed in, when that is recorded
    counts: tuple[tuple[str, int], ...]  # its posts by status
    held: int  # due posts it holds while stopped
    first_held: int | None
    pause: Pause | None
    published: Outcome | None
    failure: Outcome | None


def _retry_at(detail: str) -> datetime | None:
    found = _RETRY_AT.search(detail)
    if not found:
        return None
    text = found.group(1).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _latest_events(conn: Connection, *conditions: Any) -> dict[int, Any]:
    """Per account, the newest event matching ``conditions`` with its post's id."""
    latest = (select(QueuedPost.account_id, func.max(Event.id).label("id"))
              .join(QueuedPost, QueuedPost.id == Event.post_id).where(*conditions)
              .group_by(QueuedPost.account_id).subquery())
    query = (select(latest.c.account_id, Event.id, Event.at, Event.post_id, Event.detail)
             .join(latest, latest.c.id == Event.id))
    return {r.account_id: r for r in conn.execute(query)}


def _settings(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def health(store: Store, now: datetime, *, include_removed: bool = False,
           require_review: bool = False) -> list[AccountHealth]:
    """Every account's health at ``now`` (aware), by network and handle."""
    accounts = store.accounts(include_removed)
    held = {(h.network, h.handle): h for h in store.held_by_stopped_accounts(now, require_review)}
    with store._reading() as conn:
        counts: dict[int, dict[str, int]] = {}
        for account_id, status, n in conn.execute(
                select(QueuedPost.account_id, QueuedPost.status, func.count())
                .group_by(QueuedPost.account_id, QueuedPost.status)):
            counts.setdefault(account_id, {})[str(status)] = int(n)
        published = {r.account_id: r for r in conn.execute(
            select(QueuedPost.account_id, func.max(QueuedPost.published_at).label("at"))
            .where(QueuedPost.status == Status.PUBLISHED).group_by(QueuedPost.account_id))}
        last_post = {}
        for account_id, row in published.items():
            if row.at is not None:
                last_post[account_id] = conn.execute(
                    select(QueuedPost.id, QueuedPost.remote_url, QueuedPost.remote_id)
                    .where(QueuedPost.account_id == account_id, QueuedPost.status == Status.PUBLISHED,
                           QueuedPost.published_at == row.at).limit(1)).first()
        failures = _latest_events(conn, Event.to_status == Status.FAILED)
        pauses = _latest_events(conn, Event.from_status == Status.PUBLISHING,
                                Event.detail.like(RATE_LIMIT))
    order = {s.value: i for i, s in enumerate(Status)}
    found = []
    for a in accounts:
        settings = _settings(a.settings_json)
        shown = tuple((k, str(settings[k])) for k in SHOWN_SETTINGS if k in settings)
        checked = _moment(settings.get("checked_at") or settings.get("signed_in_at"))
        hold = held.get((a.network, a.handle))
        pause = None
        if (event := pauses.get(a.id)) is not None:
            until = _retry_at(event.detail)
            pause = Pause(at=event.at, until=until, post_id=event.post_id, detail=event.detail,
                          active=until is not None and until > now)
        post = last_post.get(a.id)
        found.append(AccountHealth(
            id=a.id, network=a.network, handle=a.handle, base_url=a.base_url,
            destination=destination(a.network, a.handle, a.credentials_ref, a.base_url),
            outbox=a.credentials_ref.startswith("outbox:"), stopped=a.disabled_reason or "",
            removed_at=a.removed_at, signed_in=shown, checked_at=checked,
            counts=tuple(sorted(counts.get(a.id, {}).items(), key=lambda kv: order.get(kv[0], 99))),
            held=hold.posts if hold else 0, first_held=hold.first_post_id if hold else None,
            pause=pause,
            published=Outcome(at=published[a.id].at, post_id=post.id,
                              detail=post.remote_id or "", url=post.remote_url or "")
            if post is not None else None,
            failure=Outcome(at=failures[a.id].at, post_id=failures[a.id].post_id,
                            detail=failures[a.id].detail) if a.id in failures else None))
    return found


def stopped(accounts: Sequence[AccountHealth]) -> list[AccountHealth]:
    """The accounts stopped and still in service."""
    return [a for a in accounts if a.stopped and a.removed_at is None]
