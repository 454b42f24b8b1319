"""The audit log: every action a person takes in the dashboard or with ``campaign users``, with
who, when, what, and the fields before and after. Rows are only ever added.

:func:`record` writes within the caller's transaction, so an action and its log entry are kept
together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from campaign.users.models import AUDIT


@dataclass(frozen=True)
class AuditEntry:
    """One action as read back."""

    id: int
    at: datetime
    actor: str
    action: str
    object_kind: str
    object_id: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    detail: str


def dumps(values: Mapping[str, Any] | None) -> str:
    """Fields as the log keeps them: JSON, keys sorted, text as it is."""
    return json.dumps(dict(values or {}), ensure_ascii=False, sort_keys=True, default=str)


def record(conn: Connection, *, at: datetime, actor: str, action: str, object_kind: str,
           object_id: str | int, before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None, detail: str = "") -> None:
    """Add one entry, in ``conn``'s transaction."""
    conn.execute(AUDIT.insert().values(
        at=at, actor=actor, action=action, object_kind=object_kind, object_id=str(object_id),
        before_json=dumps(before), after_json=dumps(after), detail=detail))


def entry(row: Any) -> AuditEntry:
    """An entry from its row."""
    return AuditEntry(id=row.id, at=row.at, actor=row.actor, action=row.action,
                      object_kind=row.object_kind, object_id=row.object_id,
                      before=json.loads(row.before_json or "{}"),
                      after=json.loads(row.after_json or "{}"), detail=row.detail)
