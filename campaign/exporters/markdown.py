"""Markdown export: the year as a readable document, one section per month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from campaign.atomic import atomic_open
from campaign.exporters.grouping import months
from campaign.render import Post
from campaign.schedule import Schedule


def write_markdown(posts: Sequence[Post], schedule: Schedule, out: Path, *, locale: str = "en") -> None:
    """Write a Markdown calendar; month and date names are in ``locale``."""
    from babel.dates import format_date

    camp = schedule.campaign
    lines = [f"# {camp.hashtag} — {camp.name.get(locale) or next(iter(camp.name.values()))}", "",
             f"{camp.site} · {camp.contact}", ""]
    for (year, month), cards in months(posts):
        lines += [f"## {format_date(date(year, month, 1), 'LLLL yyyy', locale=locale).capitalize()}",
                  ""]
        for card in cards:
            post = card.first
            when = format_date(post.due.date(), "long", locale=locale)
            lines += [f"### {when} {post.due:%H:%M} ({post.timezone}) — {post.title}", "",
                      f"*{post.audience} · {post.language}*", ""]
            for network, variant in card.by_network.items():
                lines.append(f"**{network}** ({variant.measure.length}/{variant.measure.limit} "
                             f"{variant.measure.unit})")
                lines.append("")
                for part in variant.parts:
                    lines += ["> " + row if row else ">" for row in part.splitlines()]
                    lines.append("")
    with atomic_open(out) as handle:
        handle.write("\n".join(lines).rstrip() + "\n")
