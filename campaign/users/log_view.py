"""The audit log as the dashboard pages through it: newest first, narrowed to a person or a
kind of object, a page at a time in SQL, with before and after as short ``field: value`` lines
(still untrusted text: the page escapes them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from campaign.errors import CampaignError, UsageError
from campaign.users.audit import entry
from campaign.users.models import AUDIT
from campaign.users.store import MAX_NAME, UserStore

PER_PAGE = 50
KINDS = ("pledge", "post", "session", "user")
MAX_ACTORS = 500  # names offered by the filter; a longer log still filters by any name typed


@dataclass(frozen=True)
class LogLine:
    """One entry as shown: its fields and values as text."""

    id: int
    at: datetime
    actor: str
    action: str
    object_kind: str
    object_id: str
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]
    detail: str


@dataclass(frozen=True)
class LogPage:
    """A page of the log and what its filters may be."""

    lines: tuple[LogLine, ...]
    page: int
    more: bool  # a next page exists
    actor: str
    kind: str
    actors: tuple[str, ...]
    kinds: tuple[str, ...] = KINDS


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _pairs(values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), _text(v)) for k, v in sorted(values.items()))


def log_page(store: UserStore, *, actor: str = "", kind: str = "", page: int = 1,
             per_page: int = PER_PAGE) -> LogPage:
    """Page ``page`` of the log, newest first, of ``actor``'s actions and ``kind``'s objects
    (each empty for all); an unknown kind names the choices."""
    actor, kind = actor.strip(), kind.strip()
    if kind and kind not in KINDS:
        raise UsageError("kind", kind, KINDS)
    if len(actor) > MAX_NAME:
        raise CampaignError(f"user: a name has at most {MAX_NAME} characters")
    query = select(AUDIT).order_by(AUDIT.c.id.desc())
    if actor:
        query = query.where(AUDIT.c.actor == actor)
    if kind:
        query = query.where(AUDIT.c.object_kind == kind)
    query = query.offset((page - 1) * per_page).limit(per_page + 1)
    with store._reading() as conn:
        rows = list(conn.execute(query))
        actors = tuple(str(a) for a in conn.execute(
            select(AUDIT.c.actor).distinct().order_by(AUDIT.c.actor).limit(MAX_ACTORS)).scalars())
    lines = []
    for row in rows[:per_page]:
        found = entry(row)
        lines.append(LogLine(id=found.id, at=found.at, actor=found.actor, action=found.action,
                             object_kind=found.object_kind, object_id=found.object_id,
                             before=_pairs(found.before), after=_pairs(found.after),
                             detail=found.detail))
    return LogPage(lines=tuple(lines), page=page, more=len(rows) > per_page, actor=actor,
                   kind=kind, actors=actors)
