"""The ``run`` command: publish what is due (``--once`` for cron), or preview it (``--dry-run``).

Like cli.py, this module imports only click at start-up; the command imports what it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from campaign.cli.queue import _echo_json, _store, db_option, timeout_option

if TYPE_CHECKING:
    from campaign.queue.store import Store


@click.command()
@db_option
@click.option("--once", is_flag=True, help="Publish what is due now, then exit (for cron and CI).")
@click.option("--dry-run", is_flag=True,
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
@click.option("--publish-delay", type=float, default=0.0, hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the --once report as JSON.")
def run(db_url: str | None, once: bool, dry_run: bool, outbox: Path | None, worker: str | None,
        require_review: bool, grace: str, lease: str, now_text: str | None,
        timeout: float, publish_delay: float, as_json: bool) -> None:
    """Publish due posts: exactly once each, retrying what fails for a passing reason.

    With --once, exits 0 when everything due went out or was missed by policy, and 1 when a post
    failed, was given up, waits for a retry, is held by a stopped account, or was handed back on
    SIGTERM or Ctrl-C (each named on stderr).
    """
    import os
    import socket
    from datetime import timedelta

    from campaign.errors import CampaignError
    from campaign.platforms.registry import PublisherPool
    from campaign.queue.runner import Dispatcher, Policy

    if dry_run and not once:
        raise CampaignError("--dry-run previews one pass and changes nothing: add --once")
    if outbox is not None and not dry_run:
        raise CampaignError("--outbox writes a dry run's report: add --dry-run; to publish into a "
                            "file, add an outbox account (campaign accounts add x NAME "
                            "--credentials outbox:PATH)")
    clock = _clock(now_text)
    policy = Policy(grace=_duration(grace, "--grace", timedelta(days=365)),
                    lease=_duration(lease, "--lease", timedelta(days=1)),
                    require_review=require_review)
    if policy.lease <= timedelta(seconds=timeout):
        # a lease that ends during a network call lets another runner take the post over
        raise CampaignError(f"--lease {lease} is not longer than --timeout {timeout:g}s: another "
                            "runner could take a post over while its network call runs; give a "
                            "longer --lease or a shorter --timeout")
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
    from campaign.platforms.outbox import OutboxError, is_outbox, outbox_path, path_problem

    accounts = store.open_accounts(due_by, require_review)
    database = _database_files(store)
    if replaying:
        networks = [f"{a.network} {a.handle}" for a in accounts if not is_outbox(a.credentials_ref)]
        if networks:
            raise CampaignError(
                f"--now pretends another time, and {', '.join(networks)} would publish to its "
                "network: use --now with --dry-run, or only with outbox accounts")
    for account in accounts:
        if is_outbox(account.credentials_ref):
            path = outbox_path(account.credentials_ref)
            problem = _database_problem(path, database, "outbox") or path_problem(path)
            if problem:
                raise OutboxError(f"account {account.network} {account.handle}: {problem}")


def _database_files(store: Store) -> list[Path]:
    """The queue database's own files (SQLite: the file, -wal, -shm, -journal)."""
    from sqlalchemy.engine import make_url

    from campaign.platforms.outbox import database_files

    if store.engine.dialect.name != "sqlite":
        return []
    return database_files(make_url(store.url).database)


def _database_problem(path: Path, database: list[Path], what: str) -> str | None:
    """Why ``path`` may not be written (it is one of the queue database's files), or None."""
    from campaign.platforms.outbox import same_file

    found = same_file(path, database)
    if found is None:
        return None
    which = ("the queue database" if found == database[0]
             else f"a file of the queue database ({found.name})")
    return f"{what} {path} is {which}: choose another file path"


def _dry_run(store: Store, now: datetime, policy: Any, report_file: Path | None,
             as_json: bool) -> None:
    """Report what a pass would do, from a read-only look at the queue."""
    import json

    from campaign.atomic import atomic_open
    from campaign.queue.engine import safe_url
    from campaign.text.escape import terminal

    if report_file is not None:
        _check_report_file(store, report_file)
    # the checks a real pass makes first (an outbox on /dev/full...): a dry run says the same
    _check_destinations(store, now, policy.require_review, replaying=False)
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


def _check_report_file(store: Store, report_file: Path) -> None:
    """Refuse a dry run's report file that would replace something: only a new (or empty) file
    or an earlier dry-run report may be written, never an outbox or the database."""
    import json
    import os

    from campaign.errors import CampaignError
    from campaign.platforms.outbox import (
        MAX_LINE,
        is_outbox,
        outbox_path,
        path_problem,
        same_file,
    )

    problem = _database_problem(report_file, _database_files(store), "--outbox")
    if problem:
        raise CampaignError(problem)
    problem = path_problem(report_file.resolve())
    if problem:  # the same rules as an outbox: a regular file in a folder that exists
        raise CampaignError(f"--outbox: {problem.removeprefix('outbox ')}")
    for account in store.accounts(include_removed=True):
        if is_outbox(account.credentials_ref) and \
                same_file(report_file, [outbox_path(account.credentials_ref).resolve()]):
            raise CampaignError(f"--outbox {report_file} is the outbox of account "
                                f"{account.network} {account.handle}, where its posts are "
                                "published: a dry run never writes there; choose another file")
    try:
        with open(report_file, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return  # an empty file (an earlier report of nothing): nothing to lose
            first = handle.readline(MAX_LINE)  # bounded: the file may be anything
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CampaignError(f"--outbox {report_file} cannot be read ({exc.strerror}): choose "
                            "another file") from None
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("dry_run") is not True:
        raise CampaignError(f"--outbox {report_file} exists and is not an earlier dry-run report "
                            "(its first line is not a JSON object with \"dry_run\": true): a dry "
                            "run replaces only its own reports; choose a new file")


def _log_without_secrets() -> None:
    """Log to stderr, every record (a library's included) passed through the secret filter."""
    import logging

    from campaign.platforms.credentials import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    for noisy in ("apscheduler", "httpx", "urllib3", "tweepy", "mastodon"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _say_problems(report: Any) -> None:
    """Name each post that did not go out for a reason someone must look at, on stderr."""
    from campaign.platforms.credentials import redact
    from campaign.text.escape import terminal

    for problem in report.problems:
        if problem.kind == "stopped_run":
            continue  # the run's own error sentence says it, once
        click.echo(terminal(redact(str(problem))), err=True)


def _summary(report: Any, store: Store) -> None:
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


def _run(dispatcher: Any, store: Store, once: bool, as_json: bool, name: str) -> None:
    from campaign.queue.engine import safe_url
    from campaign.queue.runner import RunHalted, Runner, stop_on_signals

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
            if report.handed_back:
                click.echo(f"{report.handed_back} due post{'s' if report.handed_back != 1 else ''}"
                           " handed back (stopped by a signal): the next run sends them", err=True)
            sys.exit(1)
        return
    click.echo(f"Runner {name} on {safe_url(store.url)}. Ctrl-C or SIGTERM to stop.")

    def on_report(r: Any) -> None:
        click.echo(f"{datetime.now():%H:%M:%S} published {r.published}, retry {r.retried}, "
                   f"failed {r.failed}, missed {r.missed}, reconciled {r.reconciled + r.requeued}")
        _say_problems(r)

    Runner(dispatcher, on_report=on_report).run()


def _duration(text: str, option: str, most: Any) -> Any:
    """``text`` (90m, 6h, 2d...) as a timedelta, more than 0 and at most ``most``."""
    import math
    from datetime import timedelta

    from campaign.errors import CampaignError

    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        seconds = float(text[:-1]) * units[text[-1]]
    except (KeyError, ValueError, IndexError):
        seconds = 0.0
    if math.isnan(seconds) or seconds <= 0:
        raise CampaignError(f"{option} '{text}' is not a positive duration: write e.g. 90m, 6h "
                            "or 2d")
    if seconds > most.total_seconds():  # also inf: checked before timedelta could overflow
        raise CampaignError(f"{option} '{text}' is longer than {_span_of(most)}: write at most "
                            f"{_span_of(most)}")
    return timedelta(seconds=seconds)


def _span_of(delta: Any) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


def _clock(now_text: str | None) -> Callable[[], datetime]:
    """The runner's clock: real time, or running on from the moment --now names."""
    from datetime import UTC

    from campaign.errors import CampaignError
    from campaign.queue.engine import to_utc, utcnow

    if now_text is None:
        return utcnow
    from campaign.when import check_year

    try:
        start = datetime.fromisoformat(now_text)
    except ValueError:
        raise CampaignError(f"--now '{now_text}' is not a date-time: write e.g. "
                            "2021-06-12T12:00+02:00") from None
    check_year(start, f"--now '{now_text}'")  # before the offset is applied: no overflow
    offset = to_utc(start if start.tzinfo else start.replace(tzinfo=UTC)) - utcnow()
    return lambda: utcnow() + offset
