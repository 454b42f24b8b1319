"""A report for the terminal: rich tables that fit 80 columns, in the report's language.

Every value from a post, an author or a pledge goes through :func:`campaign.text.escape.terminal`
and into a :class:`rich.text.Text` (never parsed as markup), so a post cannot move the cursor,
recolour the screen or inject rich markup. Colour is rich's to decide (``NO_COLOR`` respected).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from campaign.reports.labels import (
    bucket_text,
    day,
    kind_name,
    label,
    light_name,
    month,
    number,
    percent,
    short_day,
)
from campaign.reports.model import NOT_A_PLEDGER, PledgerActivity, Report, Share
from campaign.text.escape import terminal

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

BAR = 20  # widest bar of the time series, in characters
TEXT = 46  # characters of a top post's text shown
STAR = "★"


def _text(value: object, style: str = "") -> Text:
    from rich.text import Text

    return Text(terminal(value).replace("\n", " "), style=style)


def _cut(value: object, size: int) -> str:
    text = " ".join(terminal(value).split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _table(title: str, *columns: tuple[str, bool]) -> Table:
    """A table with its title on the left and these columns (name, right-aligned)."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False, expand=False)
    for name, right in columns:
        table.add_column(name, justify="right" if right else "left",
                         overflow="fold")
    return table


def header(report: Report) -> RenderableType:
    """The report's title, period, filters and the day it was made."""
    from rich.text import Text

    lang, query = report.language, report.query
    text = Text()
    text.append(label("title", lang), style="bold")
    if query.hashtag:
        text.append(" ")
        text.append(_text(f"#{query.hashtag}", "bold"))
    text.append("\n" + label("period", lang, start=day(query.start, lang),
                             end=day(query.end, lang)))
    text.append("\n")
    text.append(_text(label("filters_line", lang, filters=filters_text(report))))
    return text


def filters_text(report: Report) -> str:
    """The filters of the report, in words: ``x, mastodon · fr · pledgers only``."""
    query, lang = report.query, report.language
    # stakeholder types and countries by their names in the report's language where it has them
    names = {("a", s.key): s.label for s in report.by_audience} | {
        ("c", s.key): s.label for s in report.by_country} | {
        (w, NOT_A_PLEDGER): label("not_pledger", lang) for w in ("a", "c")}
    audiences = [names.get(("a", v), v) for v in query.audiences]
    countries = [names.get(("c", v), v) for v in query.countries]
    parts = [", ".join(values) for values in (query.networks, query.languages, audiences,
                                              countries) if values]
    if query.hashtag:
        parts.insert(0, f"#{query.hashtag}")
    if query.pledgers_only:
        parts.append(label("pledgers_only", lang))
    return " · ".join(parts) or label("no_filter", lang)


def totals(report: Report) -> Table:
    """Posts by kind, contributors and engagement."""
    lang, counts = report.language, report.totals
    table = _table(label("totals", lang), ("", False), ("", True))
    table.show_header = False
    table.add_row(label("posts", lang), number(counts.posts, lang))
    for kind in ("original", "reply", "repost", "quote"):
        table.add_row(f"  {kind_name(kind, lang)}", number(getattr(counts, kind), lang))
    table.add_row(label("contributors", lang), number(report.contributors, lang))
    for name in ("likes", "reposts", "replies", "quotes", "engagement"):
        table.add_row(label(name, lang), number(getattr(counts, name), lang))
    return table


def reach(report: Report) -> Table:
    """Reach three ways, each with how it is computed beside it."""
    lang, found = report.language, report.reach
    table = _table(label("reach", lang), ("", False), ("", True), (label("method", lang), False))
    table.show_header = False
    table.columns[2].ratio = 1
    for name in ("potential_reach", "potential_impressions", "reported_impressions"):
        method = label(f"method_{name}", lang)
        if name == "reported_impressions":
            method += " (" + label("reported_posts", lang, posts=number(found.reported_posts, lang),
                                   total=number(found.posts, lang)) + ")"
        table.add_row(label(name, lang), number(getattr(found, name), lang),
                      _text(method, "dim"))
    return table


def series(report: Report) -> Table:
    """Posts per bucket as a table with a bar, observance days marked ◆."""
    lang, bucket = report.language, report.query.bucket
    table = _table(label(f"per_{bucket}", lang), (label(f"bucket_{bucket}", lang), False),
                   (label("posts_short", lang), True), (label("originals_short", lang), True),
                   (label("contributors_short", lang), True), ("", False))
    for column in table.columns:
        column.no_wrap = True
    top = max((p.counts.posts for p in report.series), default=0) or 1
    days = {o.id: short_day(o.day, lang) for o in report.observances}
    for point in report.series:
        width = round(BAR * point.counts.posts / top)
        bar = _text("█" * width + ("▏" if point.counts.posts and not width else ""), "cyan")
        if point.observances:
            bar.append(" ◆ " + ", ".join(days.get(i, i) for i in point.observances),
                       style="yellow")
        table.add_row(bucket_text(point.start, bucket, lang), number(point.counts.posts, lang),
                      number(point.counts.original, lang), number(point.contributors, lang), bar)
    return table


def split(report: Report, title: str, shares: Sequence[Share]) -> Table:
    """One split (network, language, stakeholder type, country): posts, share, contributors."""
    lang, total = report.language, report.totals.posts or 1
    table = _table(title, ("", False), (label("posts", lang), True), (label("share", lang), True),
                   (label("contributors", lang), True))
    for share in shares:
        table.add_row(_text(share.label), number(share.posts, lang),
                      percent(share.posts / total, lang), number(share.contributors, lang))
    return table


def top_posts(report: Report) -> Table:
    """The most engaged posts, pledgers marked ★, their text cut and escaped."""
    lang = report.language
    table = _table(label("top_posts", lang), ("#", True), (label("author", lang), False),
                   (label("text", lang), False), (label("engagement", lang), True))
    for rank, post in enumerate(report.top_posts, start=1):
        who = _text(f"{STAR} " if post.pledges else "", "yellow")
        who.append(_text(_cut(post.author, 18)))
        who.append("\n")
        who.append(_text(f"{post.network} · {kind_name(post.kind, lang)} · "
                         f"{day(post.created_at, lang, 'short')}", "dim"))
        table.add_row(str(rank), who, _text(_cut(post.text, TEXT)), number(post.engagement, lang))
    return table


def top_contributors(report: Report) -> Table:
    """The authors who posted most, pledgers marked ★."""
    lang = report.language
    table = _table(label("top_contributors", lang), ("#", True), (label("author", lang), False),
                   (label("network", lang), False), (label("posts", lang), True),
                   (label("followers", lang), True))
    for rank, person in enumerate(report.top_contributors, start=1):
        who = _text(f"{STAR} " if person.pledges else "", "yellow")
        who.append(_text(_cut(person.display_name or person.handle, 22)))
        if person.display_name and person.display_name != person.handle:
            who.append("\n")
            who.append(_text(f"@{_cut(person.handle, 22)}", "dim"))
        table.add_row(str(rank), who, _text(person.network), number(person.counts.posts, lang),
                      "" if person.followers is None else number(person.followers, lang))
    return table


def tags(report: Report) -> Table:
    """The hashtags used alongside, with their share of the posts."""
    lang = report.language
    table = _table(label("tags", lang), (label("tag", lang), False), (label("posts", lang), True),
                   (label("share", lang), True))
    for tag in report.tags:
        table.add_row(_text(_cut(f"#{tag.tag}", 40)), number(tag.posts, lang),
                      percent(tag.share, lang))
    return table


def observances(report: Report) -> Table:
    """The observance days within the period."""
    lang = report.language
    table = _table(label("observances", lang), (label("day", lang), False),
                   (label("observance", lang), False))
    for observance in report.observances:
        table.add_row(day(observance.day, lang), _text(observance.title))
    return table


def pledgers(report: Report, title: str, found: Sequence[PledgerActivity]) -> Table:
    """Pledgers active this month or silent: their pledge, light and last post."""
    lang = report.language
    table = _table(title, (label("pledge", lang), False), (label("light", lang), False),
                   (label("posts_in_month", lang), True), (label("last_post", lang), False))
    for activity in found:
        pledge = _text(f"{STAR} " + _cut(activity.pledge.organisation, 30), "")
        pledge.append("\n")
        pledge.append(_text(_cut(activity.title, 34), "dim"))
        last = day(activity.last_post, lang) if activity.last_post else label("never", lang)
        table.add_row(pledge, _light(activity.light, lang), number(activity.posts_in_month, lang),
                      last)
    return table


_LIGHT_STYLES = {"on_track": "green", "done": "green", "behind": "yellow", "overdue": "red",
                 "silent": "red", "unknown": "dim"}


def _light(light: str, lang: str) -> Text:
    return _text(f"● {light_name(light, lang)}", _LIGHT_STYLES.get(light, ""))


def lights(report: Report) -> Table:
    """Pledges per traffic light."""
    lang = report.language
    table = _table(label("lights", lang), (label("light", lang), False),
                   (label("pledge", lang), True))
    table.show_header = False
    for light, count in report.lights.items():
        table.add_row(_light(light, lang), number(count, lang))
    return table


def sections(report: Report) -> Iterator[RenderableType]:
    """Every part of the report, in the order it is printed."""
    from rich.text import Text

    lang = report.language
    yield header(report)
    if report.empty:
        yield Text(label("empty", lang), style="bold yellow")
        yield _text(label("empty_hint", lang), "dim")
        if report.observances:
            yield observances(report)
        return
    yield totals(report)
    yield reach(report)
    yield series(report)
    for attribute in ("by_network", "by_language", "by_audience", "by_country"):
        shares = getattr(report, attribute)
        if shares:
            yield split(report, label(attribute, lang), shares)
    if report.top_posts:
        yield top_posts(report)
    if report.top_contributors:
        yield top_contributors(report)
    if any(p.pledges for p in report.top_posts) or any(c.pledges for c in report.top_contributors):
        yield _text(label("pledger_note", lang), "dim")
    if report.tags:
        yield tags(report)
    if report.observances:
        yield observances(report)
    if report.active or report.silent:
        yield Text(label("month_of", lang, month=month(report.month, lang)), style="bold")
    if report.active:
        yield pledgers(report, label("active", lang), report.active)
    if report.silent:
        yield pledgers(report, label("silent", lang), report.silent)
    if report.lights:
        yield lights(report)


def print_report(report: Report, console: Any) -> None:
    """Print the report on ``console`` (a rich Console), sections one after another, within
    80 columns even on a wider terminal (the methods' sentences read better so), with no
    trailing blanks."""
    from campaign.text.lines import print_trimmed

    for part in sections(report):
        print_trimmed(console, part, width=80)
        console.print()
