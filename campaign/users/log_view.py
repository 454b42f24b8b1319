"""The audit log as the dashboard pages through it: newest first, narrowed to a person or a
kind of object, a page at a time in SQL, with before and after as short ``field: value`` lines
(still untrusted text: the page escapes them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaign.errors import CampaignError, UsageError
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
    found = store.audit_entries(actor=actor or None, object_kind=kind or None,
                                offset=(page - 1) * per_page, limit=per_page + 1)
    lines = [LogLine(id=e.id, at=e.at, actor=e.actor, action=e.action, object_kind=e.object_kind,
                     object_id=e.object_id, before=_pairs(e.before), after=_pairs(e.after),
                     detail=e.detail) for e in found[:per_page]]
    return LogPage(lines=tuple(lines), page=page, more=len(found) > per_page, actor=actor,
                   kind=kind, actors=tuple(store.audit_actors(MAX_ACTORS)))
