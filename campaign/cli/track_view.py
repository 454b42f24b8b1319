"""``campaign track status|authors``: what the tracking store holds, and who the authors are.

Both read the store (campaign.tracking.store's status, campaign.tracking.matching's authors)
and format it: aligned in 80 columns, coloured only where the terminal takes colour, every value
that came from a post or a network escaped for the terminal; ``--json`` for machines.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import click

from campaign.cli.options import console, db_option, json_option, print_json
from campaign.text.lines import print_trimmed

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from campaign.tracking.matching import AuthorMatch
    from campaign.tracking.store import RunRecord, SourceStatus, TrackStatus, TrackStore

STYLES = {"ok": "green", "failed": "bold red", "interrupted": "yellow", "running": "cyan"}
NETWORK_CHOICES = ("x", "bluesky", "mastodon")
NOTHING = ("No posts tracked yet: collect with `campaign track x|bluesky|mastodon`, or import "
           "an archive with `campaign track import FILE`.")


def _open(db_url: str | None) -> TrackStore:
    from campaign.tracking.store import TrackStore

    store = TrackStore(db_url)
    store.check_migrated()
    return store


# what would break a value's line: a handle or a source name holding one could draw a row of
# its own under the real one (a line or paragraph separator, a tab that moves the columns)
_BREAKS = re.compile("[\t\n\u2028\u2029]+")


def _text(value: object, style: str = "") -> Text:
    """A value from elsewhere as rich text: escaped for the terminal, never read as markup, on
    one line (the table wraps it where it must)."""
    from rich.text import Text

    from campaign.text.escape import terminal

    return Text(_BREAKS.sub(" ", terminal(value)), style=style)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _when(moment: Any) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}Z"


@click.command(short_help="Posts stored per network and source, checkpoints, the last runs.")
@db_option
@json_option
def status(db_url: str | None, as_json: bool) -> None:
    """Posts stored per network and source, checkpoints, the last runs.

    For each source: the posts it was first to store, where each of its streams stopped (the
    next run resumes there), the records it could not read, and how its last run ended."""
    from campaign.queue.engine import safe_url

    store = _open(db_url)
    try:
        found = store.status()
    finally:
        store.close()
    if as_json:
        print_json({**found.as_dict(), "database": safe_url(store.url)})
        return
    out = console()
    if not found.posts and not found.sources:
        out.print(NOTHING, markup=False)
        return
    _say_status(out, found)
    out.print(f"Database: {safe_url(store.url)}", markup=False, soft_wrap=True)


def _say_status(out: Console, found: TrackStatus) -> None:
    from rich.table import Table

    networks = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    networks.add_column("Network")
    networks.add_column("Posts", justify="right")
    networks.add_column("Authors", justify="right")
    for name in sorted(set(found.posts) | set(found.authors)):
        networks.add_row(_text(name), f"{found.posts.get(name, 0):,}",
                         f"{found.authors.get(name, 0):,}")
    networks.add_row(_text("all", "bold"), f"{sum(found.posts.values()):,}",
                     f"{sum(found.authors.values()):,}")
    out.print(networks)
    for source in found.sources:
        out.print()
        _say_source(out, source)


def _say_source(out: Console, source: SourceStatus) -> None:
    from rich.text import Text

    from campaign.tracking.sources import COLLECTORS

    # a source with no run yet (an import's posts) is named by its kind: say its network
    network = COLLECTORS[source.network][0] if source.network in COLLECTORS else source.network
    head = _text(source.source, "bold")
    head.append(_text(f" ({network})", "dim"))
    out.print(head, no_wrap=True, overflow="ellipsis")
    line = Text(f"  {_count(source.posts, 'post')} stored, "
                f"{_count(source.bad, 'bad record')} skipped")
    out.print(line, no_wrap=True, overflow="ellipsis")
    out.print(_run_line(source.last_run), no_wrap=True, overflow="ellipsis")
    if source.last_run is not None and source.last_run.message:
        # how it ended is what someone must read whole: wrapped, never cut
        from rich.padding import Padding

        out.print(Padding(_text(source.last_run.message), (0, 0, 0, 4), expand=False))
    for stream, state in sorted(source.checkpoints.items()):
        mark = _text(f"  checkpoint {stream}: ")
        mark.append(_text(json.dumps(state, ensure_ascii=False, separators=(", ", ": ")), "dim"))
        out.print(mark, no_wrap=True, overflow="ellipsis")


def _run_line(run: RunRecord | None) -> Text:
    from rich.text import Text

    if run is None:
        return Text("  no run yet")
    line = Text("  last run ")
    line.append(run.status.value, style=STYLES.get(run.status.value, ""))
    line.append(f" {_when(run.started_at)}: {run.read:,} read, {run.stored:,} new, "
                f"{run.updated:,} seen again")
    return line


@click.command(short_help="Authors of the collected posts, matched to pledgers.")
@click.option("--pledgers", "which", flag_value="pledgers",
              help="Only the authors matched to a pledge.")
@click.option("--unmatched", "which", flag_value="unmatched",
              help="Only the authors no pledge declares.")
@click.option("--network", "network", type=click.Choice(NETWORK_CHOICES), default=None,
              help="Only this network's authors.")
@db_option
@json_option
def authors(which: str | None, network: str | None, db_url: str | None, as_json: bool) -> None:
    """Authors of the collected posts, matched to pledgers.

    Matched by the handles pledges declare: Bluesky by DID (a changed handle still matches), X by
    user id once the handle was seen (a renamed account still matches), Mastodon by
    user@instance whatever the case. Most posts first."""
    from campaign.tracking.matching import authors as find

    store = _open(db_url)
    try:
        found = find(store, which or "all", network)
    finally:
        store.close()
    if as_json:
        print_json([a.as_dict() for a in found])
        return
    out = console()
    if not found:
        out.print({"pledgers": "No author is matched to a pledge yet: pledges declare their "
                               "handles (campaign pledge show ID), and posts come from "
                               "`campaign track ...`.",
                   "unmatched": "Every author is matched to a pledge."}.get(
            which or "", NOTHING.replace("No posts", "No authors, no posts")), markup=False)
        return
    _say_authors(out, found)


def _say_authors(out: Console, found: list[AuthorMatch]) -> None:
    from rich.padding import Padding
    from rich.table import Table

    # the numbers and dates keep their width and the author takes the rest; a pledger's pledge
    # goes on the line under its author, so that no name is ever cut at 80 columns
    fixed = 8 + 5 + 9 + 10 + 2 * 4
    author_width = max(out.width - fixed, 20)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("Network", no_wrap=True, width=8)
    table.add_column("Posts", justify="right", no_wrap=True, width=5)
    table.add_column("Followers", justify="right", no_wrap=True, width=9)
    table.add_column("Last post", no_wrap=True, width=10)
    table.add_column("Author (and pledge)", overflow="fold", width=author_width)
    for a in found:
        table.add_row(a.network, f"{a.posts:,}",
                      "" if a.followers is None else f"{a.followers:,}",
                      f"{a.last_post:%Y-%m-%d}" if a.last_post else "",
                      _text(a.handle or a.author_id))
        for p in a.pledgers:
            # indented as a whole: a long organisation goes on under its own first line
            table.add_row("", "", "", "", Padding(_text(
                f"pledge #{p.pledge_id} {p.organisation}, {p.country}, {p.audience}",
                "green"), (0, 0, 0, 2)))
    print_trimmed(out, table)
    matched = sum(1 for a in found if a.matched)
    out.print(f"{len(found):,} author{'s' if len(found) != 1 else ''}: {matched:,} matched to a "
              f"pledge, {len(found) - matched:,} not.", markup=False)
