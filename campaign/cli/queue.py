"""``campaign queue``: plan posts into the queue, list and show them, and edit them in review.

Each command parses its options, calls one library function (campaign.queue.planner,
campaign.queue.editing, campaign.queue.deleting, or the Store) and formats what it returns.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import (
    NetworkChoice,
    PostId,
    console,
    db_option,
    fail,
    json_option,
    open_store,
    posts_options,
    print_json,
    selection,
    source,
    timeout_option,
    utc_text,
)
from campaign.text.lines import print_trimmed

if TYPE_CHECKING:
    from campaign.queue.editing import Edited
    from campaign.queue.planning import PlanReport

STATUS_STYLE = {"draft": "dim", "approved": "cyan", "scheduled": "blue", "publishing": "yellow",
                "published": "green", "failed": "red", "missed": "magenta", "cancelled": "dim",
                "deleted": "dim"}


@click.group(short_help="Plan, review and edit the queue of posts.")
def queue() -> None:
    """Plan, review and edit the queue of posts."""


@queue.command("plan")
@posts_options
@click.option("--account", "account_names", multiple=True, metavar="NETWORK[=HANDLE]",
              required=True, help="Account to post from, e.g. x=@ilo; repeat per network.")
@click.option("--review", is_flag=True, help="New posts wait as drafts until approved.")
@click.option("--replace-account", is_flag=True,
              help="Cancel the same posts still queued on another account of their network.")
@json_option
@db_option
def queue_plan(schedule_path: Path | None, year: int | None, template_dirs: tuple[Path, ...],
               profile_path: Path | None, variables: tuple[str, ...],
               audiences: tuple[str, ...], languages: tuple[str, ...],
               networks: tuple[str, ...], months: tuple[str, ...], entries: tuple[str, ...],
               day: datetime | None, account_names: tuple[str, ...], review: bool,
               replace_account: bool, as_json: bool, db_url: str | None) -> None:
    """Turn the schedule into queued posts; running it again adds nothing twice."""
    from campaign.content import selection as chosen_posts
    from campaign.queue.planner import plan_from_schedule

    chosen = selection(audiences, languages, networks, months, entries, day)
    renderer = chosen_posts.renderer(source(schedule_path, year, template_dirs, profile_path,
                                            variables))
    # every post is rendered (and checked) before anything is written
    outcome = plan_from_schedule(open_store(db_url), renderer, chosen, account_names,
                                 review=review, replace_account=replace_account,
                                 progress=console(stderr=True).status(
                                     "Rendering and planning posts…"))
    report = outcome.report
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(f"Planned {outcome.rendered:,} posts: {report.added:,} added, "
                   f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
                   f"{report.kept_final:,} left alone (already out or closed).")
        if report.kept_edited:
            click.echo(f"{report.kept_edited:,} edited by a person kept their text (the "
                       "schedule's new text is not put back over an edit).")
        _say_elsewhere(report)


def _say_elsewhere(report: PlanReport) -> None:
    """Name the accounts that still hold (or held, until cancelled) posts of this plan."""
    from campaign.text.escape import terminal

    cancelled, left = report.cancelled_elsewhere, report.left_on_other_accounts
    if cancelled.count:
        where = ", ".join(f"{n} on {a}" for a, n in sorted(cancelled.accounts.items()))
        click.echo(terminal(f"Cancelled {cancelled.count:,} of these posts on other accounts "
                            f"({where})."))
    if left.count:
        where = ", ".join(f"{n} on {a}" for a, n in sorted(left.accounts.items()))
        click.echo(terminal(f"Still queued on other accounts: {left.count:,} of these posts "
                            f"({where}); cancel them with --replace-account, or with "
                            "`campaign queue cancel --account NETWORK=HANDLE`."))
    for post in (cancelled.first or left.first):  # the first few, by due time
        click.echo(terminal(f"  #{post.post_id} {utc_text(post.due_at)} {post.network}="
                            f"{post.account} {post.entry} ({post.audience}/{post.language})"))


@queue.command("list")
@db_option
@click.option("--status", "statuses", multiple=True, help="draft, approved, scheduled, ...")
@click.option("--network", "networks", multiple=True, type=NetworkChoice())
@click.option("--month", "months", multiple=True, type=click.IntRange(1, 12))
@click.option("--account", default=None, metavar="NETWORK=HANDLE")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many posts.")
@json_option
def queue_list(db_url: str | None, statuses: tuple[str, ...], networks: tuple[str, ...],
               months: tuple[int, ...], account: str | None, limit: int | None,
               as_json: bool) -> None:
    """List queued posts, by due time."""
    posts = open_store(db_url).posts(statuses=statuses, networks=networks, months=months,
                                     account=account, limit=limit)
    if as_json:
        from campaign.queue.records import post_record

        print_json([post_record(p) for p in posts])
        return
    from rich.table import Table

    from campaign.queue.dispatch import local_due
    from campaign.text.escape import rich_literal

    # 80 columns: the fixed columns take about 50 with one-space gaps, the entry the rest (cut
    # with … when longer)
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("#", justify="right", no_wrap=True,
                     min_width=max((len(str(p.id)) for p in posts), default=1))
    table.add_column("Due (local)", no_wrap=True, min_width=16)
    table.add_column("Status", no_wrap=True, min_width=10)
    table.add_column("Net", no_wrap=True, min_width=8)
    table.add_column("For", no_wrap=True, min_width=10)
    table.add_column("Entry", no_wrap=True, overflow="ellipsis")
    for p in posts:
        status = str(p.status)
        when = local_due(p).strftime("%Y-%m-%d %H:%M")
        # entry, audience and language come from someone's schedule: printed literally
        table.add_row(str(p.id), when, f"[{STATUS_STYLE.get(status, '')}]{status}[/]", p.network,
                      rich_literal(f"{p.audience}/{p.language}"), rich_literal(p.entry))
    out = console()
    print_trimmed(out, table)
    out.print(f"{len(posts):,} posts")


@queue.command("show")
@click.argument("post_id", type=PostId())
@db_option
@json_option
def queue_show(post_id: int, db_url: str | None, as_json: bool) -> None:
    """Show one post and every change of its status."""
    from campaign.queue.records import event_record, post_record

    store = open_store(db_url)
    post, events = store.get(post_id), store.events(post_id)
    data = post_record(post)
    data["events"] = [event_record(e) for e in events]
    if as_json:
        print_json(data)
        return
    from campaign.text.escape import terminal

    # every value may come from a schedule, a network or an error text: no escape reaches the tty
    for key in ("id", "status", "due_at", "timezone", "network", "entry", "audience", "language",
                "attempts", "last_error", "remote_id", "remote_url"):
        if data[key] not in (None, ""):
            click.echo(f"{key:<11} {terminal(data[key])}")
    click.echo("text:\n  " + "\n  ".join(terminal(line) for line in post.text.splitlines()))
    click.echo("history:")
    for e in data["events"]:
        click.echo(f"  {e['at']}  {e['from'] or '-':>10} -> {e['to']:<10} {terminal(e['by'])}: "
                   f"{terminal(e['detail'])}")


def _report(what: str, result: Edited) -> None:
    """Say what moved; name the ids with no post and those in the wrong state; exit 1 unless
    every id named was moved."""
    from campaign.text.escape import terminal

    for line in result.problems:  # a network's own words
        click.echo(terminal(line), err=True)
    skipped = result.skipped
    click.echo(f"{what} {len(result.moved)} post(s)" + (
        f"; not in a state that allows it: {', '.join(map(str, skipped))}" if skipped else "."))
    for post_id in result.missing:
        click.echo(f"no post with id {post_id}: see `campaign queue list`", err=True)
    if not result.ok:
        fail(1)


@queue.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--all-drafts", is_flag=True, help="Approve every draft (narrow with the filters).")
@click.option("--month", "months", multiple=True, type=click.IntRange(1, 12))
@click.option("--network", "networks", multiple=True, type=NetworkChoice())
@db_option
def queue_approve(ids: tuple[str, ...], all_drafts: bool, months: tuple[int, ...],
                  networks: tuple[str, ...], db_url: str | None) -> None:
    """Approve drafts (or scheduled posts) so a runner that requires review sends them."""
    from campaign.queue.editing import approve, post_ids

    _report("Approved", approve(open_store(db_url), post_ids(ids), all_drafts=all_drafts,
                                months=months, networks=networks))


@queue.command("cancel")
@click.argument("ids", nargs=-1)
@click.option("--account", default=None, metavar="NETWORK=HANDLE",
              help="Cancel every post of this account not yet out (e.g. after a change of account).")
@db_option
def queue_cancel(ids: tuple[str, ...], account: str | None, db_url: str | None) -> None:
    """Cancel posts that have not gone out."""
    from campaign.queue.editing import cancel, post_ids

    _report("Cancelled", cancel(open_store(db_url), post_ids(ids), account=account))


@queue.command("delete")
@click.argument("ids", nargs=-1, required=True)
@timeout_option(30.0)
@db_option
def queue_delete(ids: tuple[str, ...], timeout: float, db_url: str | None) -> None:
    """Delete published posts from their network (every part of a thread); history is kept."""
    from campaign.queue.deleting import delete_published
    from campaign.queue.editing import post_ids

    _report("Deleted", delete_published(open_store(db_url), post_ids(ids), timeout=timeout))


@queue.command("retry")
@click.argument("ids", nargs=-1, required=True)
@db_option
def queue_retry(ids: tuple[str, ...], db_url: str | None) -> None:
    """Queue failed or missed posts again (and re-enable their account)."""
    from campaign.queue.editing import post_ids, retry

    _report("Queued again", retry(open_store(db_url), post_ids(ids)))


@queue.command("reschedule")
@click.argument("post_id", type=PostId())
@click.argument("when")
@db_option
def queue_reschedule(post_id: int, when: str, db_url: str | None) -> None:
    """Move a post to WHEN (ISO date-time; without an offset, in the post's own timezone).

    A time skipped by a DST jump moves forward by the jump; a time that happens twice is the
    first (summer time) unless an offset is given; either way the command says so.
    """
    from campaign.queue.editing import reschedule

    result = reschedule(open_store(db_url), post_id, when)
    if result.note:
        click.echo(result.note)
    _report("Rescheduled", result)
