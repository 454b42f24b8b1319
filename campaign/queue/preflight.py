"""What a run checks before it claims anything, and the dry run that changes nothing.

A real pass and a dry run make the same first checks (every outbox writable, never the queue's
own database; with a replayed clock, only outbox accounts due), so a dry run says what the pass
would refuse. The options' words (``6h``, ``--now``) are read here too, so the web dashboard reads
them the same way.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from campaign.errors import CampaignError
from campaign.platforms.outbox import (
    MAX_LINE,
    OutboxError,
    database_files,
    is_outbox,
    outbox_path,
    path_problem,
    same_file,
)
from campaign.queue.dispatch import Preview
from campaign.queue.engine import utcnow
from campaign.when import check_year

if TYPE_CHECKING:
    from campaign.queue.runner import Policy
    from campaign.queue.store import Store

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str, option: str, most: timedelta) -> timedelta:
    """``text`` (90m, 6h, 2d...) as a timedelta, more than 0 and at most ``most``; ``option``
    names it in the message."""
    try:
        seconds = float(text[:-1]) * _UNITS[text[-1]]
    except (KeyError, ValueError, IndexError):
        seconds = 0.0
    if math.isnan(seconds) or seconds <= 0:
        raise CampaignError(f"{option} '{text}' is not a positive duration: write e.g. 90m, 6h "
                            "or 2d")
    if seconds > most.total_seconds():  # also inf: checked before timedelta could overflow
        raise CampaignError(f"{option} '{text}' is longer than {_span_of(most)}: write at most "
                            f"{_span_of(most)}")
    return timedelta(seconds=seconds)


def _span_of(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


def replay_clock(now_text: str | None) -> Callable[[], datetime]:
    """The runner's clock: real time, or running on from the moment ``now_text`` names."""
    if now_text is None:
        return utcnow
    try:
        start = datetime.fromisoformat(now_text)
    except ValueError:
        raise CampaignError(f"--now '{now_text}' is not a date-time: write e.g. "
                            "2021-06-12T12:00+02:00") from None
    check_year(start, f"--now '{now_text}'")  # before the offset is applied: no overflow
    offset = (start if start.tzinfo else start.replace(tzinfo=UTC)) - utcnow()
    return lambda: utcnow() + offset


def queue_files(store: Store) -> list[Path]:
    """The queue database's own files (SQLite: the file, -wal, -shm, -journal); none elsewhere."""
    return database_files(store.sqlite_path)


def database_problem(path: Path, database: list[Path], what: str) -> str | None:
    """Why ``path`` may not be written (it is one of the queue database's files), or None."""
    found = same_file(path, database)
    if found is None:
        return None
    which = ("the queue database" if found == database[0]
             else f"a file of the queue database ({found.name})")
    return f"{what} {path} is {which}: choose another file path"


def check_outbox(store: Store, path: Path) -> None:
    """Refuse an outbox file that would corrupt something: the queue database (or any SQLite
    database), a folder, a device."""
    problem = database_problem(path, queue_files(store), "outbox") or path_problem(path)
    if problem:
        raise OutboxError(problem)


def check_destinations(store: Store, due_by: datetime | None, require_review: bool,
                       replaying: bool) -> None:
    """Before anything is claimed: every outbox usable; when replaying a past moment, only outbox
    accounts have posts due."""
    accounts = store.open_accounts(due_by, require_review)
    database = queue_files(store)
    if replaying:
        networks = [f"{a.network} {a.handle}" for a in accounts if not is_outbox(a.credentials_ref)]
        if networks:
            raise CampaignError(
                f"--now pretends another time, and {', '.join(networks)} would publish to its "
                "network: use --now with --dry-run, or only with outbox accounts")
    for account in accounts:
        if is_outbox(account.credentials_ref):
            path = outbox_path(account.credentials_ref)
            problem = database_problem(path, database, "outbox") or path_problem(path)
            if problem:
                raise OutboxError(f"account {account.network} {account.handle}: {problem}")


def check_report_file(store: Store, report_file: Path) -> None:
    """Refuse a dry run's report file that would replace something: only a new (or empty) file
    or an earlier dry-run report may be written, never an outbox or the database."""
    problem = database_problem(report_file, queue_files(store), "--outbox")
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


def dry_run(store: Store, now: datetime, policy: Policy,
            report_file: Path | None = None) -> Preview:
    """What one pass at ``now`` would do, from a read-only look at the queue; also written to
    ``report_file``, one JSON line per post, when given."""
    from campaign.atomic import atomic_open

    if report_file is not None:
        check_report_file(store, report_file)
    # the checks a real pass makes first (an outbox on /dev/full...): a dry run says the same
    check_destinations(store, now, policy.require_review, replaying=False)
    preview = store.preview(now, policy.grace, policy.require_review)
    if report_file is not None:
        with atomic_open(report_file) as handle:
            for item in preview.items():
                handle.write(json.dumps({"dry_run": True, **item.as_dict()},
                                        ensure_ascii=False) + "\n")
    return preview


def run_policy(grace: str, lease: str, timeout: float, require_review: bool) -> Policy:
    """The runner's policy from the words of its options (``6h``, ``5m``); a lease must outlast
    a network call."""
    from campaign.queue.runner import Policy

    policy = Policy(grace=duration(grace, "--grace", timedelta(days=365)),
                    lease=duration(lease, "--lease", timedelta(days=1)),
                    require_review=require_review)
    if policy.lease <= timedelta(seconds=timeout):
        # a lease that ends during a network call lets another runner take the post over
        raise CampaignError(f"--lease {lease} is not longer than --timeout {timeout:g}s: another "
                            "runner could take a post over while its network call runs; give a "
                            "longer --lease or a shorter --timeout")
    return policy
