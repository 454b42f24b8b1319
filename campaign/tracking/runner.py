"""`campaign track run`: every configured source collected on its own interval, or each once.

As in campaign.queue.runner, APScheduler only wakes the work up: one in-memory interval job per
source puts the source's name on a queue and wakes the main thread, which runs the sources one
at a time. So a source never runs twice at once (a wake-up while it runs, or while it waits its
turn, is folded into the one pending), and SIGTERM or Ctrl-C reaches the collection in flight,
which stops after the page it is storing. Streams (firehose, Jetstream) run in catch-up mode
(``follow=False``): each wake-up reads what came since the last checkpoint, then lets the next
source have its turn.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from campaign.errors import CampaignError
from campaign.tracking.collect import Outcome, Policy, Source, Totals, collect
from campaign.tracking.config import DEFAULT_EVERY
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import Saved, TrackStore

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("campaign.tracking.runner")


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGTERM and a first Ctrl-C call ``stop`` (the page in flight is stored,
    then the run ends); a second Ctrl-C interrupts at once. The earlier handlers come back
    after, so a test's process keeps its own."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; a caller elsewhere stops by its event
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: storing the page in flight, then stopping", signum)
        stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@dataclass(frozen=True)
class Result:
    """One source's turn: how its run ended, or why it could not start."""

    spec: SourceSpec
    outcome: Outcome | None  # None: the source could not be built or the store not reached
    error: str = ""

    @property
    def failed(self) -> bool:
        """Whether this source failed (exit code 1)."""
        return self.outcome is None or self.outcome.exit_code != 0

    @property
    def message(self) -> str:
        """How it ended, in one sentence (empty when all went well)."""
        return self.error if self.outcome is None else self.outcome.run.message


Build = Callable[[SourceSpec], Source]


class TrackRunner:
    """Runs sources into one store: each once (:meth:`run_once`), or each on its own interval
    until stopped (:meth:`run`)."""

    def __init__(self, store: TrackStore, specs: Sequence[SourceSpec], *,
                 build_source: Build = build, policy: Policy | None = None,
                 on_start: Callable[[SourceSpec, Source], None] | None = None,
                 on_result: Callable[[Result], None] | None = None,
                 on_page: Callable[[SourceSpec, Page, Saved, Totals], None] | None = None,
                 on_wait: Callable[[SourceSpec, str, timedelta, Totals], None] | None = None,
                 sleep: Callable[[float], None] | None = None, follow: bool = False) -> None:
        self.store, self.specs, self.follow = store, list(specs), follow
        self.build_source, self.policy, self.sleep = build_source, policy, sleep
        self.on_result = on_result or (lambda result: None)
        self.on_start = on_start
        self.on_page, self.on_wait = on_page, on_wait
        self.stopping = threading.Event()
        self._by_name = {s.source_name: s for s in self.specs}
        self._pending: deque[str] = deque()
        self._lock = threading.Lock()
        self._wakeup = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    def stop(self) -> None:
        """Stop after the page in flight (from a signal handler or another thread)."""
        self.stopping.set()
        self._wakeup.set()

    # -- one source's turn ---------------------------------------------------------------------
    def run_source(self, spec: SourceSpec) -> Result:
        """Collect one source once (in catch-up mode unless the runner follows streams, as
        `campaign track bluesky --follow` does); never raises for the source's failures."""
        on_page = on_wait = None
        if self.on_page is not None:
            page_hook = self.on_page

            def on_page(page: Page, saved: Saved, totals: Totals) -> None:
                page_hook(spec, page, saved, totals)
        if self.on_wait is not None:
            wait_hook = self.on_wait

            def on_wait(message: str, delay: timedelta, totals: Totals) -> None:
                wait_hook(spec, message, delay, totals)
        try:
            try:
                source = self.build_source(spec)
            except (ValueError, TypeError) as exc:  # an option the checks let through
                raise CampaignError(f"{spec.source_name} cannot be set up with its options "
                                    f"({str(exc)[:200]}): see docs/tracking.md") from None
            if self.on_start is not None:
                self.on_start(spec, source)  # e.g. the read cost X will bill, said first
            outcome = collect(self.store, source, max_posts=spec.max_posts, follow=self.follow,
                              stopping=self.stopping, policy=self.policy, on_page=on_page,
                              on_wait=on_wait, sleep=self.sleep)
        except CampaignError as exc:  # a collector refusing its spec, the database unreachable
            result = Result(spec, None, exc.message)
        except ImportError as exc:  # a collector's library missing from this installation
            result = Result(spec, None, f"the collector of {spec.kind} cannot be loaded "
                                        f"({exc.name or exc}): reinstall campaign with its "
                                        "dependencies")
        else:
            result = Result(spec, outcome)
        self.on_result(result)
        return result

    def run_once(self) -> list[Result]:
        """Every source once, in order (``--once``, for cron); stops early when asked."""
        results = []
        for spec in self.specs:
            if self.stopping.is_set():
                break
            results.append(self.run_source(spec))
        return results

    # -- on intervals ----------------------------------------------------------------------------
    def due(self, name: str) -> None:
        """A source's interval came round (called by the scheduler's thread): queue it once."""
        with self._lock:
            if name not in self._pending:
                self._pending.append(name)
        self._wakeup.set()

    def run_pending(self) -> list[Result]:
        """Run the sources whose turn came, one at a time, in the order they came due."""
        results = []
        while not self.stopping.is_set():
            with self._lock:
                if not self._pending:
                    break
                name = self._pending.popleft()
            try:
                results.append(self.run_source(self._by_name[name]))
            except Exception:  # a bug in one source must not end the others' schedule
                log.exception("source %s failed unexpectedly; it runs again at its next turn",
                              name)
        return results

    def schedule(self, scheduler: BackgroundScheduler, now: datetime | None = None) -> None:
        """One interval job per source on ``scheduler``, the first turn of each at once."""
        start = now or datetime.now(UTC)
        for spec in self.specs:
            every = spec.every or DEFAULT_EVERY
            scheduler.add_job(self.due, "interval", seconds=every.total_seconds(),
                              args=[spec.source_name], id=spec.source_name,
                              name=spec.source_name, next_run_time=start,
                              replace_existing=True, misfire_grace_time=None, coalesce=True,
                              max_instances=1)

    def run(self, scheduler: Any = None) -> None:
        """Block until :meth:`stop` (SIGTERM, Ctrl-C): each source collected on its interval."""
        if scheduler is None:
            from apscheduler.schedulers.background import BackgroundScheduler

            scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler = scheduler
        self.schedule(scheduler)
        scheduler.start()
        try:
            while not self.stopping.is_set():
                self._wakeup.wait()
                self._wakeup.clear()
                self.run_pending()
        finally:
            scheduler.shutdown(wait=False)
