"""Commands of the publication queue: ``db``, ``accounts``, ``queue`` and ``run``.

Like cli.py, this module imports only click at start-up; each command imports what it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from campaign.models import Post
    from campaign.store import Store

F = TypeVar("F", bound=Callable[..., Any])
STATUS_STYLE = {"draft": "dim", "approved": "cyan", "scheduled": "blue", "publishing": "yellow",
                "published": "green", "failed": "red", "missed": "magenta", "cancelled": "dim",
                "deleted": "dim"}


def db_option(func: F) -> F:
    """``--db``: the queue database URL (default: campaign.db in the current folder)."""
    return click.option("--db", "db_url", envvar="CAMPAIGN_DATABASE_URL", metavar="URL",
                        help="Database URL, e.g. sqlite:///campaign.db or "
                             "postgresql://user@host/db (env CAMPAIGN_DATABASE_URL).")(func)


def _store(db_url: str | None, *, migrated: bool = True) -> Store:
    from campaign.store import Store

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
        return [int(i) for i in ids]
    except ValueError:
        raise CampaignError(f"post ids are numbers, got {' '.join(ids)}: see `campaign queue list`")\
            from None


def register(cli: click.Group) -> None:
    """Add the queue's commands to the ``campaign`` group."""
    from campaign.cli_accounts import accounts, amplify

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
    from campaign.store import safe_url

    store = _store(db_url, migrated=False)
    before, after = store.upgrade()
    verb = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    click.echo(f"Database {safe_url(store.url)}: {verb} schema {after}.")


@db.command("status")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_status(db_url: str | None, as_json: bool) -> None:
    """Show the schema revision and how many posts are in each status."""
    from campaign.store import safe_url

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
    from campaign.cli import filter_options, schedule_option, template_options, with_filters

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
        from campaign.cli import _posts

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

    from campaign.escape import rich_literal
    from campaign.store import local_due

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
@click.argument("post_id", type=int)
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
    from campaign.escape import terminal

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
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Seconds to wait for each network.")
@db_option
def queue_delete(ids: tuple[str, ...], timeout: float, db_url: str | None) -> None:
    """Delete published posts from their network (every part of a thread); history is kept."""
    from campaign.publishers.base import PublishError
    from campaign.publishers.registry import PublisherPool

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
    from campaign.store import REQUEUE

    store = _store(db_url)
    wanted = _parse_ids(ids)
    moved = store.transition(wanted, REQUEUE, allowed_from=("failed", "missed"),
                             actor="review", detail="retry requested", attempts=0,
                             next_attempt_at=None, last_error=None)
    for account_id in {p.account_id for p in store.posts(ids=moved)}:
        store.enable_account(account_id)
    _moved(store, "Queued again", wanted, moved)


@queue.command("reschedule")
@click.argument("post_id", type=int)
@click.argument("when")
@db_option
def queue_reschedule(post_id: int, when: str, db_url: str | None) -> None:
    """Move a post to WHEN (ISO date-time; without an offset, in the post's own timezone).

    A time skipped by a DST jump moves forward by the jump; a time that happens twice is the
    first (summer time) unless an offset is given; either way the command says so.
    """
    from campaign.store import REQUEUE, day_deadline, to_utc
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


# -- run ---------------------------------------------------------------------------------------
@click.command()
@db_option
@click.option("--once", is_flag=True, help="Publish what is due now, then exit (for cron and CI).")
@click.option("--dry-run", is_flag=True,
              help="Say what one pass would publish, where, and what it would miss; change "
                   "nothing (needs --once).")
@click.option("--outbox", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="With --dry-run: also write that report here, one JSON line per post.")
@click.option("--worker", default=None, help="This runner's name (default: host:pid).")
@click.option("--require-review", is_flag=True, help="Send only approved posts.")
@click.option("--grace", default="6h", show_default=True,
              help="How late a post that is not day-bound may still go out (e.g. 90m, 6h, 2d).")
@click.option("--lease", default="5m", show_default=True,
              help="How long a claimed post is held before another runner may reconcile it; "
                   "keep it longer than a network call can take.")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Pretend it is this moment: with --dry-run, or when every account with due "
                   "posts is an outbox account (replaying a past campaign into files).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Seconds to wait for a network before trying again later.")
@click.option("--publish-delay", type=float, default=0.0, hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the --once report as JSON.")
def run(db_url: str | None, once: bool, dry_run: bool, outbox: Path | None, worker: str | None,
        require_review: bool, grace: str, lease: str, now_text: str | None,
        timeout: float, publish_delay: float, as_json: bool) -> None:
    """Publish due posts: exactly once each, retrying what fails for a passing reason.

    With --once, exits 0 when everything due went out or was missed by policy, and 1 when a post
    failed, was given up, waits for a retry, or an account was stopped (each named on stderr).
    """
    import os
    import socket

    from campaign.errors import CampaignError
    from campaign.publishers.registry import PublisherPool
    from campaign.runner import Dispatcher, Policy

    if dry_run and not once:
        raise CampaignError("--dry-run previews one pass and changes nothing: add --once")
    if outbox is not None and not dry_run:
        raise CampaignError("--outbox writes a dry run's report: add --dry-run; to publish into a "
                            "file, add an outbox account (campaign accounts add x NAME "
                            "--credentials outbox:PATH)")
    clock = _clock(now_text)
    policy = Policy(grace=_duration(grace, "--grace"), lease=_duration(lease, "--lease"),
                    require_review=require_review)
    store = _store(db_url)
    if dry_run:
        _dry_run(store, clock(), policy, outbox, as_json)
        return
    _check_destinations(store, clock() if once else None, policy.require_review,
                        replaying=now_text is not None)
    _log_without_secrets()
    name = worker or f"{socket.gethostname()}:{os.getpid()}"
    pool = PublisherPool(timeout=timeout, clock=clock, outbox_only=now_text is not None,
                         delay=publish_delay)
    dispatcher = Dispatcher(store, pool, worker=name, policy=policy, clock=clock)
    try:
        _run(dispatcher, store, once, as_json, name)
    finally:
        pool.close()


def _check_destinations(store: Store, due_by: datetime | None, require_review: bool,
                        replaying: bool) -> None:
    """Before anything is claimed: every outbox usable; with --now, only outbox accounts due."""
    from campaign.errors import CampaignError
    from campaign.publishers.outbox import OutboxError, is_outbox, outbox_path, path_problem

    accounts = store.open_accounts(due_by, require_review)
    if replaying:
        networks = [f"{a.network} {a.handle}" for a in accounts if not is_outbox(a.credentials_ref)]
        if networks:
            raise CampaignError(
                f"--now pretends another time, and {', '.join(networks)} would publish to its "
                "network: use --now with --dry-run, or only with outbox accounts")
    for account in accounts:
        if is_outbox(account.credentials_ref):
            problem = path_problem(outbox_path(account.credentials_ref))
            if problem:
                raise OutboxError(f"account {account.network} {account.handle}: {problem}")


def _dry_run(store: Store, now: datetime, policy: Any, report_file: Path | None,
             as_json: bool) -> None:
    """Report what a pass would do, from a read-only look at the queue."""
    import json

    from campaign.atomic import atomic_open
    from campaign.escape import terminal
    from campaign.store import safe_url

    if report_file is not None:
        from campaign.errors import CampaignError
        from campaign.publishers.outbox import path_problem

        problem = path_problem(report_file.resolve())
        if problem:  # the same rules as an outbox: a regular file in a folder that exists
            raise CampaignError(f"--outbox: {problem.removeprefix('outbox ')}")
    preview = store.preview(now, policy.grace, policy.require_review)
    if report_file is not None:
        with atomic_open(report_file) as handle:
            for item in preview.items():
                handle.write(json.dumps({"dry_run": True, **item.as_dict()},
                                        ensure_ascii=False) + "\n")
    if as_json:
        _echo_json({**preview.as_dict(), "database": safe_url(store.url),
                    "report": str(report_file) if report_file else None})
        return
    groups = (("Would publish", preview.publish), ("Would miss", preview.miss),
              ("Would check (interrupted)", preview.check), ("Held", preview.hold))
    shown = 50  # per group; --json or --outbox list them all
    for title, items in groups:
        if not items:
            continue
        click.echo(f"{title} {len(items):,}:")
        for item in items[:shown]:
            line = (f"  #{item.post_id} {item.due_at:%Y-%m-%d %H:%M}Z {item.network} "
                    f"{item.account} {item.entry} -> {item.where}")
            click.echo(terminal(line + (f": {item.reason}" if item.reason else "")))
        if len(items) > shown:
            click.echo(f"  … and {len(items) - shown:,} more (--json or --outbox lists them all)")
    click.echo(f"Dry run at {now:%Y-%m-%d %H:%M}Z: would publish {len(preview.publish):,}, miss "
               f"{len(preview.miss):,}, check {len(preview.check):,}, hold {len(preview.hold):,}. "
               f"Nothing was sent or changed. Database: {safe_url(store.url)}"
               + (f"; report in {report_file}" if report_file else ""))


def _log_without_secrets() -> None:
    """Log to stderr, every record (a library's included) passed through the secret filter."""
    import logging

    from campaign.credentials import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    for noisy in ("apscheduler", "httpx", "urllib3", "tweepy", "mastodon"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _say_problems(report: Any) -> None:
    """Name each post that did not go out for a reason someone must look at, on stderr."""
    from campaign.credentials import redact
    from campaign.escape import terminal

    for problem in report.problems:
        if problem.kind == "stopped_run":
            continue  # the run's own error sentence says it, once
        click.echo(terminal(redact(str(problem))), err=True)


def _summary(report: Any, store: Store) -> None:
    from campaign.credentials import redact
    from campaign.escape import terminal
    from campaign.store import safe_url

    for line in report.lines:
        click.echo(terminal(redact(line)))
    for entry, count in sorted(report.by_entry.items()):
        click.echo(terminal(f"  {count:>5} × {entry}"))
    if report.reconciled or report.requeued:
        click.echo(f"Interrupted posts checked: {report.reconciled} had gone out, "
                   f"{report.requeued} had not and were queued again.")
    where = ", ".join(f"{count} to {to}" for to, count in sorted(report.by_destination.items()))
    click.echo(terminal(f"Published {report.published}" + (f" ({where})" if where else "")) +
               f"; {report.retried} to retry, "
               f"{report.failed} failed, {report.missed} missed. "
               f"Database: {safe_url(store.url)}")


def _run(dispatcher: Any, store: Store, once: bool, as_json: bool, name: str) -> None:
    from campaign.runner import RunHalted, Runner, stop_on_signals
    from campaign.store import safe_url

    if once:
        stop_on_signals(dispatcher)  # a cron timeout hands back what it has not tried
        try:
            report = dispatcher.run_once()
        except RunHalted as halted:
            # what went out before the stop is recorded and said; then the one sentence, exit 1
            if not as_json:
                _summary(halted.report, store)
            _say_problems(halted.report)
            if as_json:
                _echo_json({**halted.report.as_dict(), "stopped": halted.message,
                            "database": safe_url(store.url)})
            raise
        if as_json:
            _echo_json({**report.as_dict(), "database": safe_url(store.url)})
        else:
            _summary(report, store)
        if not report.ok:
            _say_problems(report)
            sys.exit(1)
        return
    click.echo(f"Runner {name} on {safe_url(store.url)}. Ctrl-C or SIGTERM to stop.")

    def on_report(r: Any) -> None:
        click.echo(f"{datetime.now():%H:%M:%S} published {r.published}, retry {r.retried}, "
                   f"failed {r.failed}, missed {r.missed}, reconciled {r.reconciled + r.requeued}")
        _say_problems(r)

    Runner(dispatcher, on_report=on_report).run()


def _duration(text: str, option: str) -> Any:
    from datetime import timedelta

    from campaign.errors import CampaignError

    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    try:
        value = timedelta(**{units[text[-1]]: float(text[:-1])})
    except (KeyError, ValueError, IndexError, OverflowError):
        value = timedelta(0)
    if value <= timedelta(0):
        raise CampaignError(f"{option} '{text}' is not a positive duration: write e.g. 90m, 6h "
                            "or 2d")
    return value


def _clock(now_text: str | None) -> Callable[[], datetime]:
    """The runner's clock: real time, or running on from the moment --now names."""
    from datetime import UTC

    from campaign.errors import CampaignError
    from campaign.store import to_utc, utcnow

    if now_text is None:
        return utcnow
    try:
        start = datetime.fromisoformat(now_text)
    except ValueError:
        raise CampaignError(f"--now '{now_text}' is not a date-time: write e.g. "
                            "2021-06-12T12:00+02:00") from None
    offset = to_utc(start if start.tzinfo else start.replace(tzinfo=UTC)) - utcnow()
    return lambda: utcnow() + offset
