"""Queued posts as plain data: what ``queue list --json`` and ``queue show --json`` print, and what
the web dashboard will serve, in one place."""

from __future__ import annotations

import json
from typing import Any

from campaign.queue.engine import utc_text
from campaign.queue.models import Event, QueuedPost


def post_record(p: QueuedPost) -> dict[str, Any]:
    """A queued post as plain JSON-ready data (times as UTC ISO text)."""
    return {"id": p.id, "status": str(p.status), "due_at": utc_text(p.due_at),
            "timezone": p.timezone, "day_bound": p.day_bound, "network": p.network,
            "account_id": p.account_id, "entry": p.entry, "audience": p.audience,
            "language": p.language, "text": p.text, "parts": json.loads(p.parts_json),
            "attempts": p.attempts, "last_error": p.last_error, "remote_id": p.remote_id,
            "remote_url": p.remote_url, "idempotency_key": p.idempotency_key}


def event_record(e: Event) -> dict[str, Any]:
    """One change of a post's status as plain data: when, from, to, by whom and why."""
    return {"at": utc_text(e.at), "from": e.from_status and str(e.from_status),
            "to": str(e.to_status), "by": e.actor, "detail": e.detail}
