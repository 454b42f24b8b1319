"""What people read in a terminal: aligned, colour-aware tables and post listings (rich)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from campaign.render import Post
from campaign.schedule import Occurrence, Schedule

NETWORK_STYLE = {"x": "bold", "bluesky": "bold blue", "mastodon": "bold magenta"}


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


def print_calendar(console: Any, schedule: Schedule, rows: list[dict[str, Any]],
                   language: str) -> None:
    """The year at a glance as a table."""
    from rich.table import Table

    camp = schedule.campaign
    table = Table(title=f"{camp.hashtag} · {camp.name[language]} ({language})",
                  title_justify="left", header_style="bold")
    for column, kw in (("Date", {"no_wrap": True}), ("Time", {"no_wrap": True}),
                       ("Entry", {"style": "cyan", "no_wrap": True}), ("Kind", {}),
                       ("Audiences", {}), ("Title", {})):
        table.add_column(column, **kw)
    for row in rows:
        kind = row["kind"] + (" ⏰" if row["day_bound"] else "")
        table.add_row(row["date"], row["time"], row["entry"], kind, row["audience_summary"],
                      row["title"])
    console.print(table)
    console.print(f"{len(rows)} entries · times in {camp.timezone} unless shown · "
                  "⏰ = must go out on its day")


def print_posts(console: Any, posts: Sequence[Post]) -> None:
    """Each post with a header line (when, who, where, length) and its text."""
    from rich.text import Text

    for post in posts:
        fits = post.measure.fits or len(post.parts) > 1
        counted = f"{post.measure.length}/{post.measure.limit} {post.measure.unit}"
        header = Text()
        header.append(f"{post.due:%Y-%m-%d %H:%M} ", style="bold")
        header.append(f"{post.entry_id} ", style="cyan")
        header.append(f"· {post.audience} · {post.language} · ")
        header.append(post.network, style=NETWORK_STYLE[post.network])
        header.append(f" · {counted}", style="green" if fits else "red")
        if len(post.parts) > 1:
            header.append(f" · thread of {len(post.parts)}", style="yellow")
        console.print(header)
        for part in post.parts:
            console.print(Text(part), soft_wrap=True)
            console.print()
    console.print(f"{len(posts)} post{'s' if len(posts) != 1 else ''}.")
