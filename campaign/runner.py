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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from campaign.publishers.base import AuthFailed, Publisher, PublishError, RateLimited, Refused
from campaign.store import Claimed, Store, utcnow

log = logging.getLogger("campaign.runner")


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


@dataclass
class Report:
    """What one dispatch pass did."""

    published: int = 0
    failed: int = 0
    retried: int = 0
    missed: int = 0
    reconciled: int = 0
    requeued: int = 0
    lines: list[str] = field(default_factory=list)
    by_entry: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"published": self.published, "failed": self.failed, "retried": self.retried,
                "missed": self.missed, "reconciled": self.reconciled, "requeued": self.requeued}


class Dispatcher:
    """Publishes what is due: expire, reconcile, claim, publish, record; until nothing is due."""

    def __init__(self, store: Store, publisher_for: Callable[[Claimed], Publisher], *,
                 worker: str, policy: Policy | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self.publisher_for, self.worker = store, publisher_for, worker
        self.policy = policy or Policy()
        self.clock = clock
        self.stopping = threading.Event()

    def run_once(self, report: Report | None = None) -> Report:
        """One pass over everything due now; returns early (cleanly) once asked to stop."""
        report = report or Report()
        p = self.policy
        report.missed += self.store.expire(self.clock(), p.grace, self.worker)
        self._reconcile(report)
        while not self.stopping.is_set():
            claimed = self.store.claim(self.worker, self.clock(), p.lease, p.batch,
                                       p.require_review)
            if not claimed:
                break
            for index, post in enumerate(claimed):
                if self.stopping.is_set():
                    self._release(claimed[index:])
                    return report
                self._publish(post, report)
        return report

    def _finish(self, post_id: int, to: str, **values: Any) -> bool:
        return self.store.finish(post_id, self.worker, to, now=self.clock(), **values)

    def _release(self, posts: list[Claimed]) -> None:
        # claimed but never tried: hand them back at once rather than wait for the lease
        for post in posts:
            self._finish(post.id, "scheduled", detail="runner stopping",
                              attempts=post.attempts - 1)

    def _reconcile(self, report: Report) -> None:
        for post in self.store.take_expired_leases(self.worker, self.clock(), self.policy.lease):
            found = self.publisher_for(post).lookup(post)
            if found is not None:
                self._finish(post.id, "published",
                                  detail="found on the network after an interrupted attempt",
                                  remote_id=found.remote_id, remote_url=found.url,
                                  published_at=self.clock())
                report.reconciled += 1
            elif self._too_late(post):
                self._finish(post.id, "missed",
                                  detail="interrupted, and its time has passed")
                report.missed += 1
            else:
                self._finish(post.id, "scheduled",
                             detail="interrupted before it went out: will retry")
                report.requeued += 1

    def _too_late(self, post: Claimed) -> bool:
        now = self.clock()
        deadline = post.deadline_at or post.due_at + self.policy.grace
        return now > deadline

    def _publish(self, post: Claimed, report: Report) -> None:
        if self._too_late(post):
            self._finish(post.id, "missed", detail="its time passed",
                              last_error="its time passed before it could go out")
            report.missed += 1
            return
        try:
            result = self.publisher_for(post).publish(post)
        except RateLimited as exc:
            self._retry(post, exc, exc.reset_at or self.clock() + self.policy.backoff,
                        count_attempt=False)
            report.retried += 1
        except AuthFailed as exc:
            reason = f"credentials refused: {exc.message}; fix them, then `campaign queue retry`"
            self.store.disable_account(post.account_id, reason)
            self._finish(post.id, "failed", detail=reason, last_error=reason)
            report.failed += 1
            report.lines.append(f"failed #{post.id}: {reason}")
        except Refused as exc:
            self._finish(post.id, "failed", detail=exc.message,
                              last_error=exc.message)
            report.failed += 1
            report.lines.append(f"failed #{post.id}: {exc.message}")
        except PublishError as exc:
            if post.attempts >= self.policy.max_attempts:
                message = f"gave up after {post.attempts} attempts: {exc.message}"
                self._finish(post.id, "failed", detail=message,
                                  last_error=message)
                report.failed += 1
            else:
                self._retry(post, exc, self.clock() + self._backoff(post.attempts))
                report.retried += 1
        except Exception as exc:
            # the post may or may not have gone out: keep it 'publishing' so that, when its
            # lease ends, reconciliation asks the network instead of sending it blindly again
            log.exception("post #%s: unexpected error from the publisher", post.id)
            report.lines.append(f"#{post.id}: outcome unknown ({exc}); checked when its lease ends")
        else:
            self._finish(post.id, "published", detail=f"published as {result.remote_id}",
                         remote_id=result.remote_id, remote_url=result.url,
                         published_at=self.clock(), last_error=None)
            report.published += 1
            report.by_entry[post.post_key.split("/")[1]] += 1

    def _backoff(self, attempts: int) -> timedelta:
        base = self.policy.backoff * (2 ** max(attempts - 1, 0))
        capped = min(base, self.policy.max_backoff)
        jittered: timedelta = capped * random.uniform(0.5, 1.0)  # keeps retries from herding
        return jittered

    def _retry(self, post: Claimed, exc: PublishError, when: datetime,
               count_attempt: bool = True) -> None:
        deadline = post.deadline_at or post.due_at + self.policy.grace
        if when > deadline:
            self._finish(post.id, "missed", last_error=exc.message,
                              detail=f"would retry after its deadline: {exc.message}")
            return
        extra = {} if count_attempt else {"attempts": post.attempts - 1}
        self._finish(post.id, "scheduled", detail=f"retry: {exc.message}",
                          last_error=exc.message, next_attempt_at=when, **extra)


class Runner:
    """Long-running process: APScheduler (one in-memory job) wakes the Dispatcher when needed."""

    def __init__(self, dispatcher: Dispatcher,
                 on_report: Callable[[Report], None] | None = None) -> None:
        self.dispatcher = dispatcher
        self.on_report = on_report or (lambda report: None)
        self._scheduler: Any = None

    def _wake(self) -> None:
        report = self.dispatcher.run_once()
        if report.published or report.failed or report.missed or report.reconciled \
                or report.requeued or report.retried:
            self.on_report(report)
        if not self.dispatcher.stopping.is_set():
            self._schedule_next()

    def _schedule_next(self) -> None:
        from datetime import UTC

        d = self.dispatcher
        now = d.clock()
        nxt = d.store.next_wake(now, d.policy.require_review)
        latest = now + d.policy.poll  # also look again regularly for posts planned meanwhile
        when = max(min(nxt, latest) if nxt else latest, now)
        self._scheduler.add_job(self._wake, "date", run_date=when.replace(tzinfo=UTC),
                                id="wake", replace_existing=True, misfire_grace_time=None)

    def run(self) -> None:
        """Block until SIGTERM or SIGINT; the post in flight is finished before exiting."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1}, timezone="UTC")

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %s: finishing the post in flight, then exiting", signum)
            self.dispatcher.stopping.set()
            self._scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self._scheduler.add_job(self._wake, id="wake")
        self._scheduler.start()
        # shutdown(wait=False) returns at once; wait for a pass still running to finish its post
        executor = self._scheduler._lookup_executor("default")
        executor.shutdown(wait=True)
