"""``campaign run``: publish what is due (``--once`` for cron), or preview it (``--dry-run``).

The checks before a pass and the dry run are in campaign.queue.preflight, the pass itself in
campaign.queue.runner; this module reads the options and says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import (
    db_option,
    fail,
    json_option,
    open_store,
    print_json,
    timeout_option,
)

if TYPE_CHECKING:
    from campaign.queue.dispatch import Preview
    from campaign.queue.runner import Chore, Dispatcher
    from campaign.queue.runner import Report as RunReport
    from campaign.queue.store import Store


@click.command(short_help="Publish due posts: exactly once each, retrying what fails for a "
                          "passing reason.")
@db_option
@click.option("--once", is_flag=True, help="Publish what is due now, then exit (for cron and CI).")
@click.option("--dry-run", "dry_run_only", is_flag=True,
              help="Say what one pass would publish, where, and what it would miss; change "
                   "nothing (needs --once).")
@click.option("--outbox", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="With --dry-run: also write that report here, one JSON line per post (a new "
                   "file, or an earlier report: never an outbox or the database).")
@click.option("--worker", default=None, help="This runner's name (default: host:pid).")
@click.option("--require-review", is_flag=True, help="Send only approved posts.")
@click.option("--grace", default="6h", show_default=True,
              help="How late a post that is not day-bound may still go out (e.g. 90m, 6h, 2d; "
                   "at most 365d).")
@click.option("--lease", default="5m", show_default=True,
              help="How long a claimed post is held before another runner may reconcile it; "
                   "longer than --timeout, at most 1d.")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Pretend it is this moment: with --dry-run, or when every account with due "
                   "posts is an outbox account (replaying a past campaign into files).")
@timeout_option(30.0)
@click.option("--amplify-policy", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also run `amplify auto` under this policy on its own schedule (read again "
                   "each time; a failing turn is logged and publishing goes on).")
@click.option("--amplify-every", type=click.IntRange(1, 24 * 60), default=15, show_default=True,
              metavar="MINUTES", help="How often the amplify policy runs.")
@click.option("--publish-delay", type=float, default=0.0, hidden=True)
@json_option
def run(db_url: str | None, once: bool, dry_run_only: bool, outbox: Path | None, worker: str | None,
        require_review: bool, grace: str, lease: str, now_text: str | None,
        timeout: float, amplify_policy: Path | None, amplify_every: int, publish_delay: float,
        as_json: bool) -> None:
    """Publish due posts: exactly once each, retrying what fails for a passing reason.

    With --once, exits 0 when everything due went out or was missed by policy, and 1 when a post
    failed, was given up, waits for a retry, is held by a stopped account, or was handed back on
    SIGTERM or Ctrl-C (each named on stderr).
    """
    import os
    import socket

    from campaign.errors import CampaignError
    from campaign.platforms.pool import PublisherPool
    from campaign.queue.preflight import check_destinations, dry_run, replay_clock, run_policy
    from campaign.queue.runner import Dispatcher

    if dry_run_only and not once:
        raise CampaignError("--dry-run previews one pass and changes nothing: add --once")
    if outbox is not None and not dry_run_only:
        raise CampaignError("--outbox writes a dry run's report: add --dry-run; to publish into a "
                            "file, add an outbox account (campaign accounts add x NAME "
                            "--credentials outbox:PATH)")
    if amplify_policy is not None and dry_run_only:
        raise CampaignError("--amplify-policy with --dry-run: preview the policy's choices with "
                            "campaign amplify auto --policy FILE --dry-run")
    clock = replay_clock(now_text)
    policy = run_policy(grace, lease, timeout, require_review)
    store = open_store(db_url)
    chores = _amplify_chores(store, amplify_policy, amplify_every, clock)
    if dry_run_only:
        now = clock()
        _say_preview(store, now, dry_run(store, now, policy, outbox), outbox, as_json)
        return
    check_destinations(store, clock() if once else None, policy.require_review,
                       replaying=now_text is not None)
    _log_without_secrets()
    name = worker or f"{socket.gethostname()}:{os.getpid()}"
    pool = PublisherPool(timeout=timeout, clock=clock, outbox_only=now_text is not None,
                         delay=publish_delay)
    dispatcher = Dispatcher(store, pool, worker=name, policy=policy, clock=clock)
    try:
        _run(dispatcher, store, once, as_json, name, chores)
    finally:
        pool.close()


def _amplify_chores(store: Store, path: Path | None, minutes: int,
                    clock: Callable[[], datetime]) -> list[Chore]:
    """`amplify auto` as a chore of the runner; a bad policy stops `run` here (exit 2)."""
    if path is None:
        return []
    from datetime import timedelta

    from campaign.queue.amplify_auto import scheduled
    from campaign.queue.runner import Chore

    return [Chore(f"amplify policy {path}", timedelta(minutes=minutes),
                  scheduled(store, path, clock))]


def _say_preview(store: Store, now: datetime, preview: Preview, report_file: Path | None,
                 as_json: bool) -> None:
    """What a dry run found, by action (at most 50 of each; --json and --outbox list them all)."""
    from campaign.queue.engine import safe_url
    from campaign.text.escape import terminal

    if as_json:
        print_json({**preview.as_dict(), "database": safe_url(store.url),
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

    from campaign.platforms.credentials import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    for noisy in ("apscheduler", "httpx", "urllib3", "tweepy", "mastodon"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _say_problems(report: RunReport) -> None:
    """Name each post that did not go out for a reason someone must look at, on stderr."""
    from campaign.platforms.credentials import redact
    from campaign.text.escape import terminal

    for problem in report.problems:
        if problem.kind == "stopped_run":
            continue  # the run's own error sentence says it, once
        click.echo(terminal(redact(str(problem))), err=True)


def _summary(report: RunReport, store: Store) -> None:
    from campaign.platforms.credentials import redact
    from campaign.queue.engine import safe_url
    from campaign.text.escape import terminal

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


def _run(dispatcher: Dispatcher, store: Store, once: bool, as_json: bool, name: str,
         chores: Sequence[Chore] = ()) -> None:
    from campaign.queue.engine import safe_url
    from campaign.queue.runner import RunHalted, Runner, stop_on_signals

    if once:
        stop_on_signals(dispatcher)  # a cron timeout hands back what it has not tried
        chores_failed = 0
        for chore in chores:  # what the policy chooses now goes out in this pass
            try:
                chore.work()
            except Exception as exc:  # said; publishing goes on, and the exit code is 1
                from campaign.errors import CampaignError

                reason = exc.message if isinstance(exc, CampaignError) else repr(exc)
                click.echo(f"{chore.name} failed ({reason}); publishing goes on", err=True)
                chores_failed += 1
        try:
            report = dispatcher.run_once()
        except RunHalted as halted:
            # what went out before the stop is recorded and said; then the one sentence, exit 1
            if not as_json:
                _summary(halted.report, store)
            _say_problems(halted.report)
            if as_json:
                print_json({**halted.report.as_dict(), "stopped": halted.message,
                            "database": safe_url(store.url)})
            raise
        if as_json:
            print_json({**report.as_dict(), "database": safe_url(store.url)})
        else:
            _summary(report, store)
        if not report.ok:
            _say_problems(report)
            if report.handed_back:
                click.echo(f"{report.handed_back} due post{'s' if report.handed_back != 1 else ''}"
                           " handed back (stopped by a signal): the next run sends them", err=True)
            fail(1)
        if chores_failed:
            fail(1)  # everything due went out, but the amplify turn did not run
        return
    click.echo(f"Runner {name} on {safe_url(store.url)}. Ctrl-C or SIGTERM to stop.")

    def on_report(r: RunReport) -> None:
        click.echo(f"{datetime.now():%H:%M:%S} published {r.published}, retry {r.retried}, "
                   f"failed {r.failed}, missed {r.missed}, reconciled {r.reconciled + r.requeued}")
        _say_problems(r)

    Runner(dispatcher, on_report=on_report, chores=chores).run()
