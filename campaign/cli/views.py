"""What people read in a terminal: aligned, colour-aware tables and post listings (rich).

Every value from a schedule, template or profile goes through ``campaign.text.escape``: escape
sequences and control characters removed, and square brackets printed as they are, so a title
such as ``[red]x[/]`` or ``[link=javascript:…]`` is shown literally instead of styling the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.text.escape import rich_literal, terminal
from campaign.text.lines import print_trimmed

NETWORK_STYLE = {"x": "bold", "bluesky": "bold blue", "mastodon": "bold magenta"}


def print_calendar(console: Any, schedule: Schedule, rows: list[dict[str, Any]],
                   language: str) -> None:
    """The year at a glance as a table; an entry's own timezone is shown beside its time."""
    from rich import box
    from rich.table import Table

    camp = schedule.campaign
    table = Table(title=rich_literal(f"{camp.hashtag} · {camp.name[language]} ({language})"),
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column(f"When ({schedule.year})", no_wrap=True)  # the rows give month and day
    table.add_column("Entry", style="cyan", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("For", no_wrap=True, overflow="ellipsis", max_width=10)
    table.add_column("Title", ratio=1, min_width=10)
    for row in rows:
        when = f"{row['date'][5:]} {row['time']}"
        if row["timezone"] != camp.timezone:
            when += f" {rich_literal(row['timezone'])}"
        if row["day_bound"]:
            when += " [bold red]![/]"
        table.add_row(when, rich_literal(row["entry"]), rich_literal(row["audience_summary"]),
                      rich_literal(row["title"]))
    print_trimmed(console, table)
    console.print(f"{len(rows)} entries · times in {rich_literal(camp.timezone)} unless shown · "
                  "[bold red]![/] = must go out on its day")


def print_posts(console: Any, posts: Sequence[RenderedPost], timezone: str = "") -> None:
    """Each post with a header line (when, who, where, length) and its text.

    The post's timezone follows its time whenever it is not ``timezone`` (the campaign's).
    """
    from rich.text import Text

    for post in posts:
        fits = post.measure.fits or len(post.parts) > 1
        counted = f"{post.measure.length}/{post.measure.limit} {post.measure.unit}"
        header = Text()
        header.append(f"{post.due:%Y-%m-%d %H:%M} ", style="bold")
        if post.timezone != timezone:
            header.append(f"{terminal(post.timezone)} ", style="bold yellow")
        header.append(f"{terminal(post.entry_id)} ", style="cyan")
        header.append(f"· {terminal(post.audience)} · {terminal(post.language)} · ")
        header.append(post.network, style=NETWORK_STYLE.get(post.network, "bold"))
        header.append(f" · {counted}", style="green" if fits else "red")
        if len(post.parts) > 1:
            header.append(f" · thread of {len(post.parts)}", style="yellow")
        console.print(header)
        for part in post.parts:
            console.print(Text(terminal(part)), soft_wrap=True)
            console.print()
    console.print(f"{len(posts)} post{'s' if len(posts) != 1 else ''}.")


SMART_MARKS = {True: ("✓", "green"), False: ("✗", "red"), None: ("?", "yellow")}
SMART_WIDTH = 80  # the verdicts fit 80 columns whatever the terminal's width


def print_smart(console: Any, smart: Mapping[str, Any], *, heading: bool = True) -> None:
    """A SMART check (its JSON form): one criterion a line with its reason, and its fix under
    it, wrapped within 80 columns in the pledge's language; the pledge's quoted words printed
    as they are, never as markup."""
    import textwrap

    from rich.text import Text

    from campaign.pledges.lexicon import lexicon
    from campaign.pledges.smart import CRITERIA

    criteria = smart.get("criteria") or {}
    if not criteria:
        return
    labels = lexicon(str(smart.get("lang", "en"))).labels
    width = max(len(labels[name]) for name in CRITERIA)
    indent = " " * (width + 3)
    columns = max(40, min(SMART_WIDTH, console.width))
    if heading:
        counts = [sum(criteria[n].get("ok") is state for n in CRITERIA if n in criteria)
                  for state in (True, False, None)]
        console.print(Text(f"SMART check ({smart.get('lang')}, {smart.get('words')} words): "
                           f"{counts[0]} met, {counts[1]} not met, {counts[2]} to answer",
                           style="bold"))
    for name in CRITERIA:
        verdict = criteria.get(name) or {}
        mark, colour = SMART_MARKS[verdict.get("ok")]
        why = textwrap.wrap(terminal(verdict.get("why", "")), columns - len(indent)) or [""]
        line = Text(f"{mark} ", style=f"bold {colour}")
        line.append(labels[name].ljust(width), style=colour)
        line.append(" " + why[0])
        for more in why[1:]:
            line.append(f"\n{indent}{more}")
        if verdict.get("suggestion"):
            fix = textwrap.wrap("→ " + terminal(verdict["suggestion"]), columns - len(indent))
            line.append("".join(f"\n{indent}{part}" for part in fix), style="dim")
        console.print(line, soft_wrap=True)
