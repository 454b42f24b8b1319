"""A stored pledge as plain data: what ``pledge show --json``, ``pledge list --json`` and the
JSON export print, and what the web dashboard sends."""

from __future__ import annotations

from typing import Any

from campaign.pledges.store import Pledge


def pledge_record(pledge: Pledge) -> dict[str, Any]:
    """One pledge: its id, status, the form's answers, DIDs, progress reports and SMART check."""
    record: dict[str, Any] = {"id": pledge.id, "status": pledge.status.value,
                              "kind": pledge.kind}
    record |= pledge.form.model_dump(mode="json", exclude_none=True)
    record["dids"] = dict(pledge.dids)
    record["progress"] = {state.indicator.name: [
        {"on": r.on.isoformat(), "value": r.value, "note": r.note, "evidence": r.evidence}
        for r in state.reports] for state in pledge.indicators if state.reports}
    record["smart"] = dict(pledge.smart)
    record["created_at"] = pledge.created_at.isoformat() if pledge.created_at else None
    record["updated_at"] = pledge.updated_at.isoformat() if pledge.updated_at else None
    return record
