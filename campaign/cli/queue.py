"""Commands of the publication queue: ``db``, ``accounts`` and ``queue`` (``run`` is in cli_run.py).

Like cli.py, this module imports only click at start-up; each command imports what it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from campaign.queue.models import Post
    from campaign.queue.store import Store

F = TypeVar("F", bound=Callable[..., Any])
STATUS_STYLE = {"draft": "dim", "approved": "cyan", "scheduled": "blue", "publishing": "yellow",
                "published": "green", "failed": "red", "missed": "magenta", "cancelled": "dim",
                "deleted": "dim"}


# the posts table's ids are PostgreSQL integers: a larger number names no post (and would
# overflow the database driver)
MAX_POST_ID = 2**31 - 1


class Timeout(click.FloatRange):
    """Seconds to wait for a network: more than 0, at most an hour, a real number (not nan)."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0, max=3600, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        """The number of seconds, or a usage error naming the range."""
        seconds = super().convert(value, param, ctx)
        if seconds != seconds:  # nan passes every comparison of the range
            self.fail(f"{value} is not in the range {self._describe_range()}.", param, ctx)
        return seconds


class PostId(click.ParamType[int]):
    """A post id: a whole number; one too large for any post says there is no such post."""

    name = "post_id"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        """The id as an int, or a usage error."""
        if isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            self.fail(f"post ids are numbers, got {value}: see `campaign queue list`", param, ctx)
        if abs(number) > MAX_POST_ID:
            self.fail(f"no post with id {value}: see `campaign queue list`", param, ctx)
        return number


def timeout_option(default: float) -> Callable[[F], F]:
    """``--timeout``: seconds to wait for each network call (shared by run, delete, test)."""
    return click.option("--timeout", type=Timeout(), default=default, show_default=True,
                        help="Seconds to wait for each network call (at most 3600).")


def db_option(func: F) -> F:
    """``--db``: the queue database URL (default: campaign.db in the current folder)."""
    return click.option("--db", "db_url", envvar="CAMPAIGN_DATABASE_URL", metavar="URL",
                        help="Database URL, e.g. sqlite:///campaign.db or "
                             "postgresql://user@host/db (env CAMPAIGN_DATABASE_URL).")(func)


def _store(db_url: str | None, *, migrated: bool = True) -> Store:
    from campaign.queue.store import Store

    store = Store(db_url)
    if migrated:
        store.check_migrated()
    return store


def _echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _post_dict(p: Post) -> dict[str, Any]:
    import json

    return {"id": p.id, "status": p.status, "due_at": p.due_at.isoformat() + "Z",
            "timezone": p.timezone, "day_bound": p.day_bound, "network": p.network,
            "account_id": p.account_id, "entry": p.entry, "audience": p.audience,
            "language": p.language, "text": p.text, "parts": json.loads(p.parts_json),
            "attempts": p.attempts, "last_error": p.last_error, "remote_id": p.remote_id,
            "remote_url": p.remote_url, "idempotency_key": p.idempotency_key}


def _parse_ids(ids: tuple[str, ...]) -> list[int]:
    from campaign.errors import CampaignError

    try:
        numbers = [int(i) for i in ids]
    except ValueError:
        raise CampaignError(f"post ids are numbers, got {' '.join(ids)}: see `campaign queue list`")\
            from None
    for number in numbers:
        if abs(number) > MAX_POST_ID:  # no post has it, and the database driver cannot take it
            raise CampaignError(f"no post with id {number}: see `campaign queue list`; nothing "
                                "was changed")
    return numbers


def register(cli: click.Group) -> None:
    """Add the queue's commands to the ``campaign`` group."""
    from campaign.cli.accounts import accounts, amplify
    from campaign.cli.run import run

    cli.add_command(db)
    cli.add_command(accounts)
    cli.add_command(amplify)
    cli.add_command(queue)
    cli.add_command(run)


# -- db ----------------------------------------------------------------------------------------
@click.group()
def db() -> None:
    """Create or upgrade the queue database."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create the database or bring it to the newest schema."""
    from campaign.queue.engine import safe_url

    store = _store(db_url, migrated=False)
    before, after = store.upgrade()
    verb = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    click.echo(f"Database {safe_url(store.url)}: {verb} schema {after}.")


@db.command("status")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_status(db_url: str | None, as_json: bool) -> None:
    """Show the schema revision and how many posts are in each status."""
    from campaign.queue.engine import safe_url

    store = _store(db_url, migrated=False)
    store.require_existing()  # a status never creates the database it reports on
    current, head = store.revision(), store.head()
    counts = dict(sorted(store.counts().items())) if current == head else None
    if as_json:
        _echo_json({"database": safe_url(store.url), "revision": current, "newest": head,
                    "up_to_date": current == head, "counts": counts})
        return
    click.echo(f"Database {safe_url(store.url)}: schema {current or 'none'} (newest {head}).")
    for status, count in (counts or {}).items():
        click.echo(f"  {status:<11} {count:>7,}")


# -- queue -------------------------------------------------------------------------------------
@click.group()
def queue() -> None:
    """Plan, review and edit the queue of posts."""


def _plan_command() -> click.Command:
    from campaign.cli.main import filter_options, schedule_option, template_options, with_filters

    @click.command("plan")
    @schedule_option
    @template_options
    @filter_options
    @click.option("--account", "account_names", multiple=True, metavar="NETWORK[=HANDLE]",
                  required=True, help="Account to post from, e.g. x=@ilo; repeat per network.")
    @click.option("--review", is_flag=True, help="New posts wait as drafts until approved.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @db_option
    @with_filters
    def plan(renderer: Any, occurrences: Any, audiences: tuple[str, ...],
             languages: tuple[str, ...], networks: tuple[str, ...],
             account_names: tuple[str, ...], review: bool, as_json: bool,
             db_url: str | None) -> None:
        """Turn the schedule into queued posts; running it again adds nothing twice."""
        from campaign.cli.main import _posts

        store = _store(db_url)
        chosen = {}
        for name in account_names:
            account = store.named_account(name)
            chosen[account.network] = account
        wanted = tuple(n for n in (networks or chosen) if n in chosen)
        from rich.console import Console

        with Console(stderr=True).status("Rendering and planning posts…"):
            # every post is rendered (and checked) before anything is written
            posts = _posts(renderer, occurrences, audiences, languages, wanted)
            report = store.plan(posts, chosen, review=review)
        if as_json:
            _echo_json(report.as_dict())
        else:
            click.echo(f"Planned {len(posts):,} posts: {report.added:,} added, "
                       f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
                       f"{report.kept_final:,} left alone (already out or closed).")

    return plan


queue.add_command(_plan_command())


@queue.command("list")
@db_option
@click.option("--status", "statuses", multiple=True, help="draft, approved, scheduled, ...")
@click.option("--network", "networks", multiple=True, type=click.Choice(["x", "bluesky", "mastodon"]))
@click.option("--month", "months", multiple=True, type=click.IntRange(1, 12))
@click.option("--account", default=None, metavar="NETWORK=HANDLE")
@click.option("--limit", type=int, default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_list(db_url: str | None, statuses: tuple[str, ...], networks: tuple[str, ...],
               months: tuple[int, ...], account: str | None, limit: int | None,
               as_json: bool) -> None:
    """List queued posts, by due time."""
    posts = _store(db_url).posts(statuses=statuses, networks=networks, months=months,
                                 account=account, limit=limit)
    if as_json:
        _echo_json([_post_dict(p) for p in posts])
        return
    from rich.console import Console
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
        style = STATUS_STYLE.get(p.status, "")
        when = local_due(p).strftime("%Y-%m-%d %H:%M")
        # entry, audience and language come from someone's schedule: printed literally
        table.add_row(str(p.id), when, f"[{style}]{p.status}[/]", p.network,
                      rich_literal(f"{p.audience}/{p.language}"), rich_literal(p.entry))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(posts):,} posts")


@queue.command("show")
@click.argument("post_id", type=PostId())
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_show(post_id: int, db_url: str | None, as_json: bool) -> None:
    """Show one post and every change of its status."""
    store = _store(db_url)
    post, events = store.get(post_id), store.events(post_id)
    data = _post_dict(post)
    data["events"] = [{"at": e.at.isoformat() + "Z", "from": e.from_status, "to": e.to_status,
                       "by": e.actor, "detail": e.detail} for e in events]
    if as_json:
        _echo_json(data)
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


def _moved(store: Store, what: str, ids: list[int], moved: list[int]) -> None:
    """Say what moved; name the ids with no post and those in the wrong state; exit 1 unless
    every id named was moved."""
    missing = store.missing_ids(ids)
    skipped = sorted(set(ids) - set(moved) - set(missing))
    click.echo(f"{what} {len(moved)} post(s)" + (f"; not in a state that allows it: "
                                                f"{', '.join(map(str, skipped))}" if skipped else "."))
    for post_id in missing:
        click.echo(f"no post with id {post_id}: see `campaign queue list`", err=True)
    if skipped or missing:
        sys.exit(1)


@queue.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--all-drafts", is_flag=True, help="Approve every draft (narrow with the filters).")
@click.option("--month", "months", multiple=True, type=click.IntRange(1, 12))
@click.option("--network", "networks", multiple=True, type=click.Choice(["x", "bluesky", "mastodon"]))
@db_option
def queue_approve(ids: tuple[str, ...], all_drafts: bool, months: tuple[int, ...],
                  networks: tuple[str, ...], db_url: str | None) -> None:
    """Approve drafts (or scheduled posts) so a runner that requires review sends them."""
    from campaign.errors import CampaignError

    store = _store(db_url)
    wanted = _parse_ids(ids)
    if all_drafts:
        wanted += [p.id for p in store.posts(statuses=["draft"], months=months, networks=networks)]
    elif not wanted:
        raise CampaignError("name the posts to approve (ids from `campaign queue list`) or use "
                            "--all-drafts")
    moved = store.transition(wanted, "approved", allowed_from=("draft", "scheduled"),
                             actor="review", detail="approved", reviewed=True)
    _moved(store, "Approved", wanted, moved)


@queue.command("cancel")
@click.argument("ids", nargs=-1)
@click.option("--account", default=None, metavar="NETWORK=HANDLE",
              help="Cancel every post of this account not yet out (e.g. after a change of account).")
@db_option
def queue_cancel(ids: tuple[str, ...], account: str | None, db_url: str | None) -> None:
    """Cancel posts that have not gone out."""
    from campaign.errors import CampaignError

    store = _store(db_url)
    open_states = ("draft", "approved", "scheduled", "failed", "missed")
    wanted = _parse_ids(ids)
    if account:
        wanted += [p.id for p in store.posts(statuses=open_states, account=account)]
    elif not wanted:
        raise CampaignError("name the posts to cancel (ids from `campaign queue list`) or use "
                            "--account NETWORK=HANDLE")
    moved = store.transition(wanted, "cancelled", allowed_from=open_states, actor="review",
                             detail="cancelled")
    _moved(store, "Cancelled", wanted, moved)


@queue.command("delete")
@click.argument("ids", nargs=-1, required=True)
@timeout_option(30.0)
@db_option
def queue_delete(ids: tuple[str, ...], timeout: float, db_url: str | None) -> None:
    """Delete published posts from their network (every part of a thread); history is kept."""
    from campaign.platforms.base import PublishError
    from campaign.platforms.registry import PublisherPool

    store = _store(db_url)
    wanted = _parse_ids(ids)
    pool, deleted, problems = PublisherPool(timeout=timeout), [], []
    try:
        for post in store.claimed(wanted):
            row = store.get(post.id)
            if row.status != "published" or not row.remote_id:
                continue
            try:
                pool(post).delete(post, row.remote_id)
            except PublishError as exc:
                problems.append(f"#{post.id}: {exc.message}")
                continue
            deleted += store.transition([post.id], "deleted", allowed_from=("published",),
                                        actor="review", detail=f"deleted from {post.network}")
    finally:
        pool.close()
    for line in problems:
        click.echo(line, err=True)
    _moved(store, "Deleted", wanted, deleted)
    if problems:
        sys.exit(1)


@queue.command("retry")
@click.argument("ids", nargs=-1, required=True)
@db_option
def queue_retry(ids: tuple[str, ...], db_url: str | None) -> None:
    """Queue failed or missed posts again (and re-enable their account)."""
    from campaign.queue.dispatch import REQUEUE

    store = _store(db_url)
    wanted = _parse_ids(ids)
    moved = store.transition(wanted, REQUEUE, allowed_from=("failed", "missed"),
                             actor="review", detail="retry requested", attempts=0,
                             next_attempt_at=None, last_error=None)
    for account_id in {p.account_id for p in store.posts(ids=moved)}:
        store.enable_account(account_id)
    _moved(store, "Queued again", wanted, moved)


@queue.command("reschedule")
@click.argument("post_id", type=PostId())
@click.argument("when")
@db_option
def queue_reschedule(post_id: int, when: str, db_url: str | None) -> None:
    """Move a post to WHEN (ISO date-time; without an offset, in the post's own timezone).

    A time skipped by a DST jump moves forward by the jump; a time that happens twice is the
    first (summer time) unless an offset is given; either way the command says so.
    """
    from campaign.queue.dispatch import REQUEUE
    from campaign.queue.engine import to_utc
    from campaign.queue.planning import day_deadline
    from campaign.when import check_bounds, local_moment

    store = _store(db_url)
    post = store.get(post_id)
    # a day-bound post's day is the day in its own timezone, whatever offset was typed
    moment, note = local_moment(when, post.timezone)
    check_bounds(moment, store.campaign_start(post.campaign), post.timezone)
    if note:
        click.echo(note)
    moved = store.transition([post_id], post.status,
                             allowed_from=("draft", "approved", "scheduled", "missed"),
                             actor="review", detail=f"rescheduled to {moment.isoformat()}",
                             due_at=to_utc(moment), next_attempt_at=None,
                             deadline_at=day_deadline(moment) if post.day_bound else None)
    if post.status == "missed" and moved:
        store.transition([post_id], REQUEUE, allowed_from=("missed",), actor="review",
                         detail="rescheduled")
    _moved(store, "Rescheduled", [post_id], moved)
