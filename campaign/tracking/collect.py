"""The loop every collector runs under: read a page, store it with its checkpoint, repeat.

A :class:`Source` only reads: it yields :class:`~campaign.tracking.records.Page` values built from
the checkpoints it is given, and raises the platforms' errors (``RateLimited``, ``Transient``,
``AuthFailed``, ``Refused``). This module does the rest for every source alike: the run's log
entry, one transaction per page (posts and checkpoint together), bounded waits on rate limits
(twarc's lesson: a reset in the past must not spin, one far away must not park the run), a few
retries of passing failures, the ``--max-posts`` cap, and stopping between two pages on SIGTERM or
Ctrl-C. After any error the source is asked again from the checkpoints as stored, so a retry is the
same path as a restart after a kill: nothing lost, nothing doubled.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from campaign.bulk import fewer_collections
from campaign.errors import CampaignError
from campaign.platforms.base import AuthFailed, PublishError, RateLimited, Refused, Transient
from campaign.queue.engine import utcnow
from campaign.tracking.records import Page
from campaign.tracking.store import RunRecord, RunStatus, Saved, TrackStore


@dataclass(frozen=True)
class Context:
    """What a source is given each time it is asked for pages."""

    checkpoints: Mapping[str, dict[str, Any]]  # stream -> state, as last stored
    limit: int | None = None  # posts it may still read (None: no cap); X bills every one
    stopping: threading.Event = field(default_factory=threading.Event)
    # a stream (firehose, Jetstream) keeps reading live events when True; when False it stops
    # once it has caught up (no event for its idle time) or at ``until``
    follow: bool = False
    until: datetime | None = None


class Source(Protocol):
    """One place posts are read from: an API search, a tag timeline, a stream, an archive."""

    @property
    def name(self) -> str:
        """The source's id in checkpoints and runs (``mastodon:https://a.example``)."""
        ...

    @property
    def network(self) -> str:
        """x, bluesky or mastodon."""
        ...

    def pages(self, context: Context) -> Iterator[Page]:
        """Pages of posts from where the checkpoints say, each with the checkpoint that is
        true once it is stored; ends when there is nothing more (or at the limit)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@dataclass(frozen=True)
class Policy:
    """How a run treats rate limits and passing failures."""

    rate_limit_floor: timedelta = timedelta(seconds=5)
    rate_limit_cap: timedelta = timedelta(minutes=15)
    max_waits: int = 4  # rate-limit waits in one run before it gives up (and says when to retry)
    max_retries: int = 3  # passing failures (5xx, timeouts) in a row
    backoff: timedelta = timedelta(seconds=2)  # doubled at each retry
    max_backoff: timedelta = timedelta(minutes=2)


@dataclass
class Totals:
    """A run's counts so far, for the progress line."""

    read: int = 0
    stored: int = 0
    updated: int = 0
    bad: int = 0
    pages: int = 0
    done: int | None = None
    total: int | None = None
    waiting_until: datetime | None = None  # set while a rate limit is waited on


@dataclass(frozen=True)
class Outcome:
    """How a run ended: its log entry and the exit code the command ends with."""

    run: RunRecord
    exit_code: int  # 0 all went well (or stopped on request), 1 the source failed
    capped: bool = False  # stopped at --max-posts


class Stopped(Exception):
    """Raised inside a wait when the run is asked to stop."""


def clamp_wait(reset_at: datetime | None, now: datetime, policy: Policy) -> timedelta:
    """How long to wait for a rate limit: until its reset, but at least the floor (a reset in the
    past, a skewed clock) and at most the cap (a reset far away)."""
    if reset_at is None:
        return policy.rate_limit_floor * 6
    return min(max(reset_at - now, policy.rate_limit_floor), policy.rate_limit_cap)


@fewer_collections()
def collect(store: TrackStore, source: Source, *, max_posts: int | None = None,
            follow: bool = False, until: datetime | None = None,
            stopping: threading.Event | None = None, policy: Policy | None = None,
            on_page: Callable[[Page, Saved, Totals], None] | None = None,
            on_wait: Callable[[str, timedelta, Totals], None] | None = None,
            clock: Callable[[], datetime] = utcnow,
            sleep: Callable[[float], None] | None = None) -> Outcome:
    """Run ``source`` once into ``store``: every page stored with its checkpoint, in a run of its
    own in the log. Never raises for the source's own failures: they end the run as failed,
    with the message (every page already stored stays)."""
    policy = policy or Policy()
    stopping = stopping or threading.Event()

    def wait(seconds: float) -> None:
        if sleep is not None:
            sleep(seconds)
        elif stopping.wait(seconds):
            raise Stopped
        if stopping.is_set():
            raise Stopped

    totals = Totals()
    run_id = store.start_run(source.name, source.network, clock())
    waits = retries = 0
    status, message, capped = RunStatus.OK, "", False
    try:
        while True:
            limit = None if max_posts is None else max(max_posts - totals.read, 0)
            context = Context(store.checkpoints(source.name), limit, stopping, follow, until)
            try:
                for page in source.pages(context):
                    saved = store.save_page(source.name, page, run_id, clock())
                    totals.read += page.read or len(page.posts)
                    totals.stored += saved.stored
                    totals.updated += saved.updated
                    totals.bad += page.bad + saved.refused
                    totals.pages += 1
                    totals.done, totals.total = page.done, page.total
                    totals.waiting_until = None
                    retries = 0  # a page got through: the failures before it were passing
                    if on_page is not None:
                        on_page(page, saved, totals)
                    if stopping.is_set():
                        raise Stopped
                    if max_posts is not None and totals.read >= max_posts:
                        capped = True
                        break
                break
            except RateLimited as exc:
                waits += 1
                delay = clamp_wait(exc.reset_at, clock(), policy)
                if waits > policy.max_waits:
                    raise PublishError(f"{exc.message}; waited {policy.max_waits} times in this "
                                       "run: run it again later (it resumes where it "
                                       "stopped)") from None
                totals.waiting_until = clock() + delay
                if on_wait is not None:
                    on_wait(exc.message, delay, totals)
                wait(delay.total_seconds())
            except Transient as exc:
                retries += 1
                if retries > policy.max_retries:
                    raise PublishError(f"{exc.message} ({policy.max_retries} retries): run it "
                                       "again later (it resumes where it stopped)") from None
                delay = min(policy.backoff * 2 ** (retries - 1), policy.max_backoff)
                if on_wait is not None:
                    on_wait(exc.message, delay, totals)
                wait(delay.total_seconds())
    except Stopped:
        status, message = RunStatus.INTERRUPTED, "stopped on request after a whole page"
    except (AuthFailed, Refused, PublishError) as exc:
        status, message = RunStatus.FAILED, exc.message
    except KeyboardInterrupt:
        store.finish_run(run_id, RunStatus.INTERRUPTED, "interrupted (Ctrl-C)", clock())
        raise
    except Exception as exc:
        # the store failing (the database gone) or a bug: the log must not show the run as
        # running until it goes stale; the error goes on up to say what happened
        said = exc.message if isinstance(exc, CampaignError) else type(exc).__name__
        with contextlib.suppress(Exception):
            store.finish_run(run_id, RunStatus.FAILED, f"stopped by an error: {said}", clock())
        raise
    finally:
        source.close()
    if status is RunStatus.OK and capped:
        message = f"stopped at --max-posts {max_posts}"
    run = store.finish_run(run_id, status, message, clock())
    return Outcome(run, 1 if status is RunStatus.FAILED else 0, capped)

