"""Markdown export: the year as a readable document, one section per month.

Every value from the schedule, the profile or a template (campaign name, titles, audiences, post
text, site, contact) is escaped, so it reads in the document exactly as written: a title cannot
become a heading, a link, an image or raw HTML, and only an http(s) address becomes a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from campaign.atomic import atomic_open
from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.exporters.grouping import months
from campaign.text.escape import markdown as md
from campaign.text.escape import safe_link

# characters that would end or break a Markdown link destination
_LINK_UNSAFE = str.maketrans({"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20",
                              "[": "%5B", "]": "%5D", "`": "%60"})


def link(text: str, url: str) -> str:
    """``text`` as a Markdown link to ``url`` when it is an http(s) or mailto address, else text."""
    target = safe_link(url)
    if target is None:
        return md(text)
    return f"[{md(text)}]({target.translate(_LINK_UNSAFE)})"


def write_markdown(posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *,
                   locale: str = "en") -> None:
    """Write a Markdown calendar; month and date names are in ``locale``."""
    from babel.dates import format_date

    camp = schedule.campaign
    name = camp.name.get(locale) or next(iter(camp.name.values()))
    # the schema allows a hashtag only as #word: after "# " its '#' is text, not markup
    lines = [f"# #{md(camp.hashtag[1:])} — {md(name)}", "",
             f"{link(camp.site, camp.site)} · {md(camp.contact)}", ""]
    for (year, month), cards in months(posts):
        heading = format_date(date(year, month, 1), "LLLL yyyy", locale=locale).capitalize()
        lines += [f"## {md(heading)}", ""]
        for card in cards:
            post = card.first
            when = format_date(post.due.date(), "long", locale=locale)
            lines += [f"### {md(when)} {post.due:%H:%M} ({md(post.timezone)}) — {md(post.title)}",
                      "", f"*{md(post.audience)} · {md(post.language)}*", ""]
            for network, variant in card.by_network.items():
                lines.append(f"**{md(network)}** ({variant.measure.length}/"
                             f"{variant.measure.limit} {md(variant.measure.unit)})")
                lines.append("")
                for part in variant.parts:
                    lines += ["> " + md(row) if row else ">" for row in part.splitlines()]
                    lines.append("")
    with atomic_open(out) as handle:
        handle.write("\n".join(lines).rstrip() + "\n")
