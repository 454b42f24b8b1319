"""The calendar as plain data: one row per occurrence, what `campaign calendar --json` prints
and what the web dashboard will show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from campaign.content.schedule import Occurrence, Schedule


def audience_summary(schedule: Schedule, occ: Occurrence) -> str:
    """The shortest honest name for an entry's audiences: a group name when one matches exactly."""
    members = set(occ.audiences)
    for group in sorted(schedule.groups, key=lambda g: -len(schedule.expand_audiences([g]))):
        if schedule.expand_audiences([group]) == members:
            return group
    return ", ".join(occ.audiences)


def calendar_rows(schedule: Schedule, occurrences: Sequence[Occurrence],
                  language: str) -> list[dict[str, Any]]:
    """One plain-data row per occurrence (also the ``--json`` output)."""
    return [{
        "date": occ.due.date().isoformat(),
        "time": occ.due.strftime("%H:%M"),
        "timezone": str(occ.due.tzinfo),
        "entry": occ.entry.id,
        "kind": occ.entry.kind,
        "part": occ.entry.part,
        "day_bound": occ.day_bound,
        "audiences": list(occ.audiences),
        "audience_summary": audience_summary(schedule, occ),
        "networks": list(occ.networks),
        "title": occ.entry.title[language],
        "template": occ.entry.template,
    } for occ in occurrences]
