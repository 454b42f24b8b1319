"""Due-post dispatch. The Dispatcher does the work; APScheduler only wakes it up at the next due time.

All post state lives in the Store's tables. APScheduler runs one in-memory job per process, so
several runners (on one machine or many) can share a PostgreSQL database safely: claims are
atomic, and a post left in ``publishing`` by a dead runner is reconciled by asking the publisher
whether it already went out, never by publishing it blindly again.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from campaign.atomic import DISK_ERRORS
from campaign.errors import CampaignError
from campaign.platforms.base import (
    AuthFailed,
    Claimed,
    DestinationFailed,
    Published,
    Publisher,
    PublishError,
    RateLimited,
    Refused,
)
from campaign.queue.accounts import destination
from campaign.queue.dispatch import REQUEUE
from campaign.queue.engine import utc_text, utcnow
from campaign.queue.errors import StoreError
from campaign.queue.models import Status
from campaign.queue.store import Store

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("campaign.queue.runner")
MIN_INTERVAL = timedelta(seconds=1)


def stop_on_signals(dispatcher: Dispatcher, then: Callable[[], None] = lambda: None) -> None:
    """On SIGTERM or SIGINT, let the post in flight finish, hand back the rest, and stop."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the post in flight, then exiting", signum)
        dispatcher.stopping.set()
        then()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


@dataclass(frozen=True)
class Policy:
    """How the runner treats time and failures."""

    grace: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    batch: int = 50
    require_review: bool = False
    poll: timedelta = timedelta(seconds=60)
    # a rate limit's reset time is waited for within these bounds: a reset in the past (a
    # skewed clock) must not make the pass spin, one in year 3000 must not park the post
    rate_limit_floor: timedelta = timedelta(seconds=30)
    rate_limit_cap: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Problem:
    """A post that did not go out for a reason someone must look at."""

    post_id: int
    entry: str
    network: str
    account: str
    kind: str  # failed, gave_up, account_stopped, will_retry, unknown, stopped_run
    reason: str

    def __str__(self) -> str:
        return (f"#{self.post_id} {self.entry} ({self.network} {self.account}): "
                f"{self.kind.replace('_', ' ')}: {self.reason}")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"post_id": self.post_id, "entry": self.entry, "network": self.network,
                "account": self.account, "kind": self.kind, "reason": self.reason}


class RunHalted(CampaignError):
    """The destination failed in a way that would fail every post: the run stopped cleanly."""

    def __init__(self, message: str, exit_code: int, report: Report) -> None:
        super().__init__(message)
        self.exit_code, self.report = exit_code, report


@dataclass
class Report:
    """What one dispatch pass did."""

    published: int = 0
    failed: int = 0
    retried: int = 0
    missed: int = 0
    reconciled: int = 0
    requeued: int = 0
    # due posts not sent because a signal stopped the pass: the next run sends them
    handed_back: int = 0
    lines: list[str] = field(default_factory=list)
    by_entry: Counter[str] = field(default_factory=Counter)
    by_destination: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when everything due went out or was missed by policy (a post waiting for a
        retry, held by a stopped account or handed back on a signal did not go out: cron
        should hear of it)."""
        return not self.problems and not self.handed_back

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"published": self.published, "failed": self.failed, "retried": self.retried,
                "missed": self.missed, "reconciled": self.reconciled, "requeued": self.requeued,
                "handed_back": self.handed_back, "to": dict(self.by_destination), "ok": self.ok,
                "problems": [p.as_dict() for p in self.problems]}


class Dispatcher:
    """Publishes what is due: expire, reconcile, claim, publish, record; until nothing is due."""

    def __init__(self, store: Store, publisher_for: Callable[[Claimed], Publisher], *,
                 worker: str, policy: Policy | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self.publisher_for, self.worker = store, publisher_for, worker
        self.policy = policy or Policy()
        self.clock = clock
        self.stopping = threading.Event()
        # successes of the current batch, recorded together: one transaction per batch, not per
        # post. A crash before they are recorded leaves them 'publishing'; reconciliation then
        # finds them out on the network, so nothing is sent twice.
        self._published: list[tuple[int, str, str, dict[str, Any]]] = []

    def run_once(self, report: Report | None = None) -> Report:
        """One pass over everything due now; returns early (cleanly) once asked to stop."""
        report = report or Report()
        p = self.policy
        report.missed += self.store.expire(self.clock(), p.grace, self.worker)
        self._reconcile(report)
        # an account paused by a rate limit stays paused for the whole pass, not one batch: it
        # is called once per pass (account -> retry time; None: stopped)
        blocked: dict[int, datetime | None] = {}
        while not self.stopping.is_set():
            claimed_at = self.clock()
            claimed = self.store.claim(self.worker, claimed_at, p.lease, p.batch,
                                       p.require_review)
            if not claimed:
                break
            # every post of the batch holds the lease until this moment unless renewed
            batch_lease_ends = claimed_at + p.lease
            try:
                self._send_batch(claimed, batch_lease_ends, report, blocked)
            finally:
                self._record_published()  # also when the run stops: what went out is recorded
        now = self.clock()
        if self.stopping.is_set():
            # what was released, and what was never claimed: the next run sends them
            report.handed_back = self.store.due_count(now, p.require_review)
        self._held_by_stopped_accounts(now, report)
        return report

    def _held_by_stopped_accounts(self, now: datetime, report: Report) -> None:
        """A stopped account holds its due posts until someone fixes it: say so on every pass,
        or they would be missed later with every run exiting 0."""
        said = {(p.network, p.account) for p in report.problems if p.kind == "account_stopped"}
        for held in self.store.held_by_stopped_accounts(now, self.policy.require_review):
            if (held.network, held.handle) in said:
                continue  # stopped in this very pass: its failed post already says so
            count = held.posts
            report.problems.append(Problem(
                post_id=held.first_post_id, entry=held.first_entry,
                network=held.network, account=held.handle, kind="account_stopped",
                reason=f"{held.reason} (it holds {count} due post{'s' if count != 1 else ''}: "
                       f"missed if {'their' if count != 1 else 'its'} time passes first)"))

    def _record_published(self) -> None:
        if not self._published:
            return
        try:
            self.store.finish_many(self.worker, self._published, now=self.clock())
        except StoreError as exc:
            # the posts are out but the database would not take it (a full disk, say): never
            # let that pass for nothing having happened
            count = len(self._published)
            raise StoreError(
                f"{exc.message}; {count} post{'s' if count != 1 else ''} went out but could not "
                f"be recorded: {'they stay' if count != 1 else 'it stays'} 'publishing' until "
                f"the lease ends (in {_minutes(self.policy.lease)}), then a run finds "
                f"{'them' if count != 1 else 'it'} on the network or outbox and records "
                f"{'them' if count != 1 else 'it'}, never sending twice") from None
        finally:
            self._published.clear()

    def _send_batch(self, claimed: list[Claimed], batch_lease_ends: datetime,
                    report: Report, blocked: dict[int, datetime | None]) -> None:
        p = self.policy
        for index, post in enumerate(claimed):
            if self.stopping.is_set():
                self._release(claimed[index:])
                return
            if post.account_id in blocked:
                # the account was stopped or rate-limited earlier in this pass
                self._finish(post.id, REQUEUE, detail="account paused: not tried",
                             attempts=post.attempts - 1, next_attempt_at=blocked[post.account_id])
                continue
            # never start a network call on a lease with less than half its length left:
            # another runner could take the post over while the call is still running
            if self.clock() + p.lease / 2 > batch_lease_ends:
                # the posts already sent hold the same lease: record them before it runs out
                self._record_published()
                if not self.store.renew(post.id, self.worker, self.clock(), p.lease):
                    report.lines.append(f"#{post.id}: lease lost to another runner; left to it")
                    continue
            try:
                self._publish(post, report, blocked)
            except DestinationFailed as exc:
                self._halt(post, claimed[index + 1:], exc, report)

    def _halt(self, post: Claimed, rest: list[Claimed], exc: DestinationFailed,
              report: Report) -> None:
        """Stop the run: the failed post back to the queue (it did not go out), the rest of
        the batch released, and the caller told why."""
        if exc.went_out is False:
            self._finish(post.id, REQUEUE, detail=f"not sent, run stopped: {exc.message}",
                         attempts=post.attempts - 1, last_error=exc.message)
        elif exc.went_out is None:  # nobody can tell: reconciliation asks when the lease ends
            report.lines.append(f"#{post.id}: outcome unknown; checked when its lease ends")
        self._release(rest)
        report.problems.append(self._problem(post, "stopped_run", exc.message))
        raise RunHalted(exc.message, exc.exit_code, report)

    @staticmethod
    def _problem(post: Claimed, kind: str, reason: str) -> Problem:
        return Problem(post_id=post.id, entry=_entry(post), network=post.network,
                       account=post.handle, kind=kind, reason=reason)

    def _finish(self, post_id: int, to: str, **values: Any) -> bool:
        return self.store.finish(post_id, self.worker, to, now=self.clock(), **values)

    def _release(self, posts: list[Claimed]) -> None:
        # claimed but never tried: hand them back at once rather than wait for the lease
        for post in posts:
            self._finish(post.id, REQUEUE, detail="runner stopping", attempts=post.attempts - 1)

    def _reconcile(self, report: Report) -> None:
        for post in self.store.take_expired_leases(self.worker, self.clock(), self.policy.lease):
            try:
                found = self.publisher_for(post).lookup(post)
            except Exception as exc:  # unknown stays unknown: look again later
                log.warning("post #%s: could not check whether it went out: %s", post.id, exc)
                report.lines.append(f"#{post.id}: could not check whether it went out ({exc})")
                # it may have gone out or not: someone must hear of it (it stays 'publishing'
                # and is asked again when this lease ends)
                report.problems.append(self._problem(
                    post, "unknown", f"interrupted, and whether it went out could not be "
                                     f"checked ({exc}); asked again when its lease ends"))
                continue
            if found is not None:
                self._finish(post.id, Status.PUBLISHED,
                                  detail="found on the network after an interrupted attempt",
                                  remote_id=found.remote_id, remote_url=found.url,
                                  published_at=self.clock())
                report.reconciled += 1
            elif self._too_late(post):
                self._finish(post.id, Status.MISSED,
                                  detail="interrupted, and its time has passed")
                report.missed += 1
            else:
                self._finish(post.id, REQUEUE,
                             detail="interrupted before it went out: will retry")
                report.requeued += 1

    def _deadline(self, post: Claimed) -> datetime:
        return post.deadline_at or post.due_at + self.policy.grace

    def _too_late(self, post: Claimed) -> bool:
        return self.clock() > self._deadline(post)

    def _went_out_anyway(self, post: Claimed, report: Report) -> bool:
        """Whether the network has the post after all; if so it is recorded as published."""
        try:
            found = self.publisher_for(post).lookup(post)
        except Exception as exc:  # cannot tell: the caller goes on as if it had not
            log.warning("post #%s: could not check whether it went out: %s", post.id, exc)
            return False
        if found is None:
            return False
        self._succeeded(post, found, "found on the network after an error", report)
        return True

    def _succeeded(self, post: Claimed, result: Published, detail: str, report: Report) -> None:
        # recorded with the rest of the batch, in one transaction
        self._published.append((post.id, Status.PUBLISHED, detail, {
            "remote_id": result.remote_id, "remote_url": result.url,
            "published_at": self.clock(), "last_error": None}))
        report.published += 1
        report.by_entry[_entry(post)] += 1
        report.by_destination[destination(post.network, post.handle, post.credentials_ref,
                                          post.base_url)] += 1

    def _wait_for_reset(self, reset_at: datetime | None) -> datetime:
        """When to try again after a rate limit: its reset, clamped between a floor and a cap."""
        now, p = self.clock(), self.policy
        wanted = reset_at or now + p.backoff
        return min(max(wanted, now + p.rate_limit_floor), now + p.rate_limit_cap)

    def _publish(self, post: Claimed, report: Report,
                 blocked: dict[int, datetime | None]) -> None:
        if self._too_late(post):
            self._finish(post.id, Status.MISSED, detail="its time passed",
                              last_error="its time passed before it could go out")
            report.missed += 1
            return
        try:
            result = self.publisher_for(post).publish(post)
        except DestinationFailed:
            raise
        except RateLimited as exc:
            reset = self._wait_for_reset(exc.reset_at)
            blocked[post.account_id] = reset
            self._retry(post, exc, reset, report, count_attempt=False,
                        retrying=f"rate limited, retry at {reset:%Y-%m-%d %H:%M}Z",
                        too_late="rate limited until after its deadline")
        except AuthFailed as exc:
            reason = f"credentials refused: {exc.message}; fix them, then `campaign queue retry`"
            self.store.disable_account(post.account_id, reason)
            blocked[post.account_id] = None
            self._fail(post, "account_stopped", reason, report)
        except Refused as exc:
            self._fail(post, "failed", exc.message, report)
        except PublishError as exc:
            # a timeout or a 5xx may hide a post that did go out: before this post is given up
            # (failed, or missed for want of time to retry), the network is asked
            when = self.clock() + self._backoff(post.attempts)
            out_of_attempts = post.attempts >= self.policy.max_attempts
            if (out_of_attempts or when > self._deadline(post)) \
                    and self._went_out_anyway(post, report):
                return
            if out_of_attempts:
                self._fail(post, "gave_up", f"gave up after {post.attempts} attempts: "
                                            f"{exc.message}", report)
            else:
                self._retry(post, exc, when, report,
                            retrying=f"retry at {when:%Y-%m-%d %H:%M}Z (attempt {post.attempts} "
                                     f"of {self.policy.max_attempts})",
                            too_late="no time left to retry before its deadline")
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
                # a full or failing disk fails every post after this one: stop the run
                message = f"post #{post.id}: {exc.strerror or exc}: the run stopped"
                went_out = True if self._went_out_anyway(post, report) else None
                raise DestinationFailed(message, went_out=went_out) from None
            self._unknown(post, exc, report)
        else:
            self._succeeded(post, result, f"published as {result.remote_id}", report)

    def _unknown(self, post: Claimed, exc: Exception, report: Report) -> None:
        # the post may or may not have gone out: keep it 'publishing' so that, when its
        # lease ends, reconciliation asks the network instead of sending it blindly again
        log.exception("post #%s: unexpected error from the publisher", post.id)
        report.problems.append(self._problem(
            post, "unknown", f"outcome unknown ({exc}); checked when its lease ends"))

    def _backoff(self, attempts: int) -> timedelta:
        base = self.policy.backoff * (2 ** max(attempts - 1, 0))
        capped = min(base, self.policy.max_backoff)
        jittered: timedelta = capped * random.uniform(0.5, 1.0)  # keeps retries from herding
        return jittered

    def _fail(self, post: Claimed, kind: str, reason: str, report: Report) -> None:
        """Mark the post failed for ``reason`` and name it in the report."""
        self._finish(post.id, Status.FAILED, detail=reason, last_error=reason)
        report.failed += 1
        report.problems.append(self._problem(post, kind, reason))

    def _retry(self, post: Claimed, exc: PublishError, when: datetime, report: Report, *,
               retrying: str, too_late: str, count_attempt: bool = True) -> None:
        """Queue the post again at ``when``, or mark it missed when that is past its deadline;
        either way it did not go out on this pass, and the report says so."""
        if when > self._deadline(post):
            self._finish(post.id, Status.MISSED, last_error=exc.message,
                         detail=f"would retry after its deadline ({utc_text(when)}): "
                                f"{exc.message}")
            report.missed += 1
            report.problems.append(self._problem(post, "gave_up", f"{too_late}: {exc.message}"))
            return
        extra = {} if count_attempt else {"attempts": post.attempts - 1}
        self._finish(post.id, REQUEUE, detail=f"retry at {utc_text(when)}: {exc.message}",
                     last_error=exc.message, next_attempt_at=when, **extra)
        report.retried += 1
        report.problems.append(self._problem(post, "will_retry", f"{retrying}: {exc.message}"))


def _entry(post: Claimed) -> str:
    """The entry a post comes from (campaign/entry/audience/language/network), or its whole key
    for an amplification."""
    return post.post_key.split("/")[1] if "/" in post.post_key else post.post_key


def _minutes(span: timedelta) -> str:
    """A lease as a person says it: '5 min', '90 s'."""
    seconds = span.total_seconds()
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


@dataclass(frozen=True)
class Chore:
    """Work the runner does on an interval of its own (``campaign run --amplify-policy``): in
    the main thread between dispatch passes, so never during one; a failure is logged and
    publishing goes on."""

    name: str
    every: timedelta
    work: Callable[[], object]


class Runner:
    """Long-running process: APScheduler (one in-memory job) wakes the Dispatcher when needed.

    The scheduled job only sets an event; the pass itself runs in the main thread. So a wake-up
    can never be dropped for overlapping a pass still running, and a signal reaches the pass.
    Chores get an interval job each, which marks them due and wakes the loop the same way.
    """

    def __init__(self, dispatcher: Dispatcher,
                 on_report: Callable[[Report], None] | None = None,
                 chores: Sequence[Chore] = ()) -> None:
        self.dispatcher = dispatcher
        self.on_report = on_report or (lambda report: None)
        self.chores = tuple(chores)
        self._scheduler: BackgroundScheduler | None = None
        self._wakeup = threading.Event()
        self._due: set[str] = set()
        self._lock = threading.Lock()

    def _chore_due(self, name: str) -> None:
        """Called by APScheduler's thread: mark the chore due and wake the main loop."""
        with self._lock:
            self._due.add(name)
        self._wakeup.set()

    def run_chores(self) -> None:
        """Do the chores whose time has come; one that fails is logged and the runner goes on
        publishing (it is tried again on its next turn)."""
        with self._lock:
            due, self._due = self._due, set()
        for chore in self.chores:
            if chore.name not in due or self.dispatcher.stopping.is_set():
                continue
            try:
                chore.work()
            except Exception as exc:
                reason = exc.message if isinstance(exc, CampaignError) else repr(exc)
                log.error("%s failed (%s); publishing goes on, next try in %s", chore.name,
                          reason, chore.every)

    def _wake(self) -> None:
        """One dispatch pass, then the next wake-up is scheduled whatever happened."""
        busy = False
        try:
            report = self.dispatcher.run_once()
            # an account stopped earlier is named on every pass, but is no work done: it must
            # not make an idle runner report (or wake) again at once
            busy = bool(report.published or report.failed or report.missed or report.reconciled
                        or report.requeued or report.retried
                        or any(p.kind != "account_stopped" for p in report.problems))
            if busy:
                self.on_report(report)
        except RunHalted:
            raise  # a full disk or an unusable outbox: retrying every 10 s would not help
        except Exception:
            # a database outage or a publisher bug: say so, and try again a little later
            log.exception("dispatch pass failed; trying again in %s", MIN_INTERVAL * 10)
            self._schedule_in(MIN_INTERVAL * 10)
            return
        if not self.dispatcher.stopping.is_set():
            self._schedule_next(busy)

    def _schedule_next(self, busy: bool) -> None:
        d = self.dispatcher
        now = d.clock()
        try:
            nxt = d.store.next_wake(now, d.policy.require_review)
        except Exception:
            log.exception("could not read the next due time; looking again in %s", d.policy.poll)
            nxt = None
        latest = now + d.policy.poll  # also look again regularly for posts planned meanwhile
        when = min(nxt, latest) if nxt else latest
        # a pass that found nothing to do must not be repeated at once (a post held by another
        # runner's lease, or due on a paused account, would make the loop spin)
        floor = now if busy else now + MIN_INTERVAL
        self._schedule_in(max(when, floor) - now)

    def _schedule_in(self, delay: timedelta) -> None:
        # the dispatcher's clock may be a replayed one (--now): APScheduler runs on real time
        run_date = datetime.now(UTC) + max(delay, timedelta(0))
        if self._scheduler is None:
            raise RuntimeError("Runner.run() starts the scheduler before any wake-up is planned")
        self._scheduler.add_job(self._wakeup.set, "date", run_date=run_date, id="wake",
                                replace_existing=True, misfire_grace_time=None)

    def run(self) -> None:
        """Block until SIGTERM or SIGINT; the post in flight is finished before exiting."""
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = self._scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        stop_on_signals(self.dispatcher, then=self._wakeup.set)
        scheduler.start()
        for chore in self.chores:  # the first turn at once, then on its interval
            scheduler.add_job(self._chore_due, "interval", args=[chore.name],
                              seconds=chore.every.total_seconds(), id=f"chore:{chore.name}",
                              next_run_time=datetime.now(UTC))
        self._wakeup.set()  # a first pass at once
        try:
            while True:
                self._wakeup.wait()
                self._wakeup.clear()
                if self.dispatcher.stopping.is_set():
                    break
                self.run_chores()
                self._wake()
        finally:
            scheduler.shutdown(wait=False)
