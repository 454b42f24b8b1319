"""The dispatcher on SQLite and PostgreSQL: due posts go out once, late ones are missed, failures
are retried, rate limits waited out, bad credentials stop an account. Time is controlled with
time-machine; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from campaign.content.render import Renderer
from campaign.content.schedule import Schedule
from campaign.platforms.base import AuthFailed, Claimed, Published, RateLimited, Refused, Transient
from campaign.platforms.memory import MemoryPublisher
from campaign.queue.runner import Dispatcher, Policy
from campaign.queue.store import Store
from tests.queue.test_store import accounts_of

WORLD_DAY = "world-day-against-child-labour"


def plan_world_day(store: Store, renderer: Renderer, schedule: Schedule) -> int:
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), audiences=["individual"],
                                languages=["en"]))
    store.plan(posts, accounts_of(store))
    return len(posts)


def dispatcher(store: Store, publisher: MemoryPublisher, **policy: object) -> Dispatcher:
    return Dispatcher(store, lambda post: publisher, worker="w1",
                      policy=Policy(**policy))  # type: ignore[arg-type]


def at(text: str) -> time_machine.travel:
    return time_machine.travel(datetime.fromisoformat(text), tick=False)


def test_due_posts_go_out_once_on_their_day(store: Store, renderer: Renderer,
                                           schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher()
    with at("2021-06-12T06:59:00+00:00"):  # 08:59 in Geneva: not yet
        assert dispatcher(store, publisher).run_once().published == 0
    with at("2021-06-12T07:00:00+00:00"):
        report = dispatcher(store, publisher).run_once()
    assert report.published == count == len(publisher.sent)
    assert set(publisher.sent.values()) == {1}
    with at("2021-06-12T08:00:00+00:00"):
        assert dispatcher(store, publisher).run_once().published == 0
    assert store.counts() == {"published": count}


def test_day_bound_post_is_missed_not_published_late(store: Store, renderer: Renderer,
                                                    schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher()
    with at("2021-06-12T22:00:01+00:00"):  # 00:00:01 on 13 June in Geneva
        report = dispatcher(store, publisher).run_once()
    assert report.missed == count and not publisher.sent
    post = store.posts()[0]
    assert post.status == "missed"
    assert "day-bound" in store.events(post.id)[-1].detail


def test_other_posts_have_a_grace_period(store: Store, renderer: Renderer,
                                        schedule: Schedule) -> None:
    posts = list(renderer.posts(schedule.select(entries=["indiv-06-pledge-progress"]),
                                languages=["en"], networks=["x"]))
    store.plan(posts, accounts_of(store))
    publisher = MemoryPublisher()
    with at("2021-06-22T13:00:00+00:00"):  # 5 h after 10:00 Geneva: within 6 h
        assert dispatcher(store, publisher).run_once().published == 1
    fresh = list(renderer.posts(schedule.select(entries=["indiv-07-read-story"]),
                                languages=["en"], networks=["x"]))
    store.plan(fresh, accounts_of(store))
    with at("2021-07-12T15:00:00+00:00"):  # 7 h late
        report = dispatcher(store, publisher, grace=timedelta(hours=6)).run_once()
    assert (report.published, report.missed) == (0, 1)


def test_transient_failures_retry_with_backoff_then_succeed(store: Store, renderer: Renderer,
                                                           schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    failures = {"left": 2}

    def flaky(post: Claimed) -> Transient | None:
        if post.network == "x" and failures["left"]:
            failures["left"] -= 1
            return Transient("503 Service Unavailable")
        return None

    publisher = MemoryPublisher(fail=flaky)
    with at("2021-06-12T07:00:00+00:00"):
        first = dispatcher(store, publisher).run_once()
    assert (first.published, first.retried) == (2, 1)
    x_post = store.posts(networks=["x"])[0]
    assert x_post.status == "scheduled" and x_post.last_error == "503 Service Unavailable"
    assert x_post.next_attempt_at is not None
    wait = x_post.next_attempt_at - datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    assert timedelta(seconds=15) <= wait <= timedelta(seconds=30)
    with at("2021-06-12T07:00:10+00:00"):  # before the back-off ends: nothing
        assert dispatcher(store, publisher).run_once().published == 0
    with at("2021-06-12T07:01:00+00:00"):
        assert dispatcher(store, publisher).run_once().retried == 1
    with at("2021-06-12T07:10:00+00:00"):
        assert dispatcher(store, publisher).run_once().published == 1
    assert publisher.sent[x_post.idempotency_key] == 1
    assert store.get(x_post.id).attempts == 3


def test_gives_up_after_max_attempts(store: Store, renderer: Renderer, schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher(fail=lambda post: Transient("timeout"))
    moment = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    for step in range(4):
        with at((moment + timedelta(hours=step)).isoformat()):
            dispatcher(store, publisher, max_attempts=3).run_once()
    assert store.counts() == {"failed": 3}
    assert "gave up after 3 attempts: timeout" in (store.posts()[0].last_error or "")


class SentThenTimedOut(MemoryPublisher):
    """The post reaches the network, but the answer is lost: the caller sees a timeout."""

    def publish(self, post: Claimed) -> Published:
        super().publish(post)
        raise Transient("read timed out")


def test_a_post_given_up_after_a_timeout_is_looked_up_first(store: Store, renderer: Renderer,
                                                            schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule)
    publisher = SentThenTimedOut()
    with at("2021-06-12T07:00:00+00:00"):
        report = dispatcher(store, publisher, max_attempts=1).run_once()
    assert report.published == count and report.failed == 0
    assert store.counts() == {"published": count}
    assert all(n == 1 for n in publisher.sent.values())


def test_rate_limit_waits_until_the_reset_time(store: Store, renderer: Renderer,
                                              schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    reset = datetime(2021, 6, 12, 7, 15, tzinfo=UTC)
    limited = {"once": True}

    def limit(post: Claimed) -> RateLimited | None:
        if post.network == "mastodon" and limited["once"]:
            limited["once"] = False
            return RateLimited("429 Too Many Requests", reset_at=reset)
        return None

    publisher = MemoryPublisher(fail=limit)
    with at("2021-06-12T07:00:00+00:00"):
        dispatcher(store, publisher).run_once()
    post = store.posts(networks=["mastodon"])[0]
    assert post.next_attempt_at == reset and post.attempts == 0
    with at("2021-06-12T07:14:59+00:00"):
        assert dispatcher(store, publisher).run_once().published == 0
    with at("2021-06-12T07:15:00+00:00"):
        assert dispatcher(store, publisher).run_once().published == 1


def test_auth_failure_stops_the_account_without_retrying(store: Store, renderer: Renderer,
                                                        schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher(
        fail=lambda p: AuthFailed("401 Unauthorized") if p.network == "x" else None)
    with at("2021-06-12T07:00:00+00:00"):
        report = dispatcher(store, publisher).run_once()
    assert (report.published, report.failed) == (2, 1)
    x_account = next(a for a in store.accounts() if a.network == "x")
    assert "credentials refused: 401 Unauthorized" in (x_account.disabled_reason or "")
    calls = publisher.calls
    with at("2021-06-12T08:00:00+00:00"):
        dispatcher(store, publisher).run_once()
    assert publisher.calls == calls  # no retry loop


def test_permanent_refusal_fails_with_the_servers_message(store: Store, renderer: Renderer,
                                                         schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    message = "You are not allowed to create a Tweet with duplicate content."
    publisher = MemoryPublisher(fail=lambda p: Refused(message) if p.network == "x" else None)
    with at("2021-06-12T07:00:00+00:00"):
        dispatcher(store, publisher).run_once()
    assert store.posts(networks=["x"])[0].last_error == message


def test_review_required_sends_only_approved(store: Store, renderer: Renderer,
                                            schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    first = store.posts()[0]
    store.transition([first.id], "approved", allowed_from=("scheduled",), actor="t", reviewed=True)
    publisher = MemoryPublisher()
    with at("2021-06-12T07:00:00+00:00"):
        report = dispatcher(store, publisher, require_review=True).run_once()
    assert report.published == 1
    assert store.get(first.id).status == "published"


@pytest.mark.parametrize("went_out", [True, False], ids=["already-out", "not-out"])
def test_crash_while_publishing_is_reconciled_not_retried_blindly(
    store: Store, renderer: Renderer, schedule: Schedule, went_out: bool
) -> None:
    count = plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher()
    start = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    claimed = store.claim("crashed", start, timedelta(minutes=5), limit=100)
    if went_out:  # the network got them, then the process died before recording it
        for post in claimed:
            publisher.publish(post)
    with at("2021-06-12T07:03:00+00:00"):  # lease still held: nobody touches them
        report = dispatcher(store, publisher).run_once()
        assert report.published == report.reconciled == 0
    with at("2021-06-12T07:06:00+00:00"):
        report = dispatcher(store, publisher).run_once()
    assert store.counts() == {"published": count}
    assert set(publisher.sent.values()) == {1}
    assert report.reconciled == (count if went_out else 0)


def test_a_lease_lost_mid_batch_is_never_published_twice(store: Store, renderer: Renderer,
                                                         schedule: Schedule) -> None:
    """Worker A is slow (4 min a call); B takes over what A's lease no longer covers."""
    count = plan_world_day(store, renderer, schedule)
    clock = [datetime(2021, 6, 12, 7, 0, tzinfo=UTC)]
    state = {"calls": 0, "in_b": False}

    def slow(post: Claimed) -> None:
        if state["in_b"]:
            return None
        state["calls"] += 1
        clock[0] += timedelta(minutes=4)
        if state["calls"] == 2:  # while A's second call runs, B wakes up
            state["in_b"] = True
            b.run_once()
            state["in_b"] = False
        return None

    publisher = MemoryPublisher(fail=slow)
    a = Dispatcher(store, lambda p: publisher, worker="A", clock=lambda: clock[0])
    b = Dispatcher(store, lambda p: publisher, worker="B", clock=lambda: clock[0])
    report = a.run_once()
    assert set(publisher.sent.values()) == {1} and len(publisher.sent) == count
    assert any("lease lost" in line for line in report.lines)
    assert store.counts() == {"published": count}


def test_retried_post_stays_approved_under_review(store: Store, renderer: Renderer,
                                                 schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule)
    ids = [p.id for p in store.posts()]
    store.transition(ids, "approved", allowed_from=("scheduled",), actor="t", reviewed=True)
    once = {"x": True}

    def flaky(post: Claimed) -> Transient | None:
        if post.network == "x" and once["x"]:
            once["x"] = False
            return Transient("502 Bad Gateway")
        return None

    publisher = MemoryPublisher(fail=flaky)
    with at("2021-06-12T07:00:00+00:00"):
        dispatcher(store, publisher, require_review=True).run_once()
    assert store.posts(networks=["x"])[0].status == "approved"
    with at("2021-06-12T07:05:00+00:00"):
        dispatcher(store, publisher, require_review=True).run_once()
    assert store.counts() == {"published": 3}


def test_auth_failure_pauses_the_rest_of_the_accounts_batch(store: Store, renderer: Renderer,
                                                           schedule: Schedule) -> None:
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), networks=["x"]))
    store.plan(posts, accounts_of(store))
    publisher = MemoryPublisher(fail=lambda p: AuthFailed("401 Unauthorized"))
    with at("2021-06-12T07:00:00+00:00"):
        report = dispatcher(store, publisher).run_once()
    assert publisher.calls == 1 and report.failed == 1
    assert store.counts() == {"failed": 1, "scheduled": len(posts) - 1}


class FakeScheduler:
    """Records the wake-ups a Runner asks for, instead of running them."""

    def __init__(self) -> None:
        self.jobs: list[datetime] = []

    def add_job(self, func: object, trigger: str, run_date: datetime, **kw: object) -> None:
        self.jobs.append(run_date)


def test_runner_keeps_waking_after_a_failed_pass_and_uses_real_time(
    store: Store, renderer: Renderer, schedule: Schedule
) -> None:
    from campaign.queue.runner import Runner

    plan_world_day(store, renderer, schedule)
    replayed = Dispatcher(store, lambda p: MemoryPublisher(), worker="w",
                          clock=lambda: datetime(2021, 6, 12, 6, 0, tzinfo=UTC))
    runner = Runner(replayed)
    runner._scheduler = FakeScheduler()
    runner._wake()
    wake = runner._scheduler.jobs[-1]
    now = datetime.now(UTC)
    assert now <= wake <= now + timedelta(hours=1, seconds=5)  # 07:00 due, in real time

    def broken() -> None:
        raise RuntimeError("database went away")

    replayed.run_once = broken  # type: ignore[assignment,method-assign]
    runner._wake()
    assert len(runner._scheduler.jobs) == 2  # still scheduled another pass


def test_idle_runner_does_not_spin_on_posts_it_cannot_send(store: Store, renderer: Renderer,
                                                          schedule: Schedule) -> None:
    from campaign.queue.runner import MIN_INTERVAL, Runner

    plan_world_day(store, renderer, schedule)
    store.claim("someone-else", datetime(2021, 6, 12, 7, 0, tzinfo=UTC), timedelta(minutes=5), limit=1)
    d = Dispatcher(store, lambda p: MemoryPublisher(fail=lambda p: Refused("no")), worker="w",
                   clock=lambda: datetime(2021, 6, 12, 7, 1, tzinfo=UTC))
    runner = Runner(d)
    runner._scheduler = FakeScheduler()
    runner._wake()  # fails the two free posts: busy
    runner._wake()  # nothing it can do: must wait at least MIN_INTERVAL
    assert runner._scheduler.jobs[-1] - datetime.now(UTC) > MIN_INTERVAL * 0.5


class CannotLookUp(MemoryPublisher):
    """A network that cannot say whether a post went out (it is down)."""

    def lookup(self, post: Claimed) -> Published | None:
        raise Transient("503 Service Unavailable")


def test_an_interrupted_post_that_cannot_be_checked_is_a_problem(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule)
    store.claim("crashed", datetime(2021, 6, 12, 7, 0, tzinfo=UTC), timedelta(minutes=5), limit=100)
    publisher = CannotLookUp()
    with at("2021-06-12T07:06:00+00:00"):
        report = dispatcher(store, publisher).run_once()
    assert not report.ok and len(report.problems) == count
    assert {p.kind for p in report.problems} == {"unknown"}
    assert "whether it went out could not be checked (503 Service Unavailable)" \
        in report.problems[0].reason
    assert store.counts() == {"publishing": count} and not publisher.sent  # never sent blindly


def test_a_signal_hands_back_what_was_not_sent(store: Store, renderer: Renderer,
                                               schedule: Schedule) -> None:
    count = plan_world_day(store, renderer, schedule)
    stopper: list[Dispatcher] = []

    def stop_after_the_first(post: Claimed) -> None:
        stopper[0].stopping.set()  # as SIGTERM's handler does, while this post is in flight
        return None

    d = dispatcher(store, MemoryPublisher(fail=stop_after_the_first), batch=1)
    stopper.append(d)
    with at("2021-06-12T07:00:00+00:00"):
        report = d.run_once()
    assert report.published == 1 and report.handed_back == count - 1 and not report.ok
    assert report.as_dict()["handed_back"] == count - 1
    assert store.counts() == {"published": 1, "scheduled": count - 1}


def test_a_stopped_account_is_named_on_every_pass_but_keeps_the_runner_idle(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    from campaign.queue.runner import MIN_INTERVAL, Runner

    plan_world_day(store, renderer, schedule)
    x_account = next(a for a in store.accounts() if a.network == "x")
    store.disable_account(x_account.id, "credentials refused: 401")
    seen: list[object] = []
    d = Dispatcher(store, lambda p: MemoryPublisher(), worker="w",
                   clock=lambda: datetime(2021, 6, 12, 7, 1, tzinfo=UTC))
    d.run_once()  # the other networks' posts go out
    report = d.run_once()
    [problem] = report.problems
    assert problem.kind == "account_stopped" and problem.network == "x"
    assert problem.reason == ("credentials refused: 401 (it holds 1 due post: missed if its "
                              "time passes first)")
    runner = Runner(d, on_report=seen.append)
    runner._scheduler = FakeScheduler()
    runner._wake()
    assert not seen  # no work done: not reported every minute, and no wake-up at once
    assert runner._scheduler.jobs[-1] - datetime.now(UTC) > MIN_INTERVAL * 0.5


def test_posts_out_but_not_recorded_are_said_and_found_later(
        store: Store, renderer: Renderer, schedule: Schedule,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database refuses the record (a full disk, say) after the network took the posts."""
    from campaign.queue.errors import StoreError

    count = plan_world_day(store, renderer, schedule)
    publisher = MemoryPublisher()

    def disk_full(*args: object, **kwargs: object) -> int:
        raise StoreError("database sqlite:///q.db failed: database or disk is full")

    with at("2021-06-12T07:00:00+00:00"), monkeypatch.context() as patch:
        patch.setattr(store, "finish_many", disk_full)
        with pytest.raises(StoreError) as raised:
            dispatcher(store, publisher).run_once()
    assert f"{count} posts went out but could not be recorded" in raised.value.message
    assert "never sending twice" in raised.value.message and raised.value.exit_code == 1
    assert store.counts() == {"publishing": count}
    with at("2021-06-12T07:06:00+00:00"):  # the lease ran out: the next run finds them
        report = dispatcher(store, publisher).run_once()
    assert report.reconciled == count and store.counts() == {"published": count}
    assert set(publisher.sent.values()) == {1}


def test_a_stopped_account_is_named_once_in_the_pass_that_stops_it(
        store: Store, renderer: Renderer, schedule: Schedule) -> None:
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), languages=["en"],
                                networks=["x"]))
    store.plan(posts, accounts_of(store))
    assert len(posts) > 1
    publisher = MemoryPublisher(fail=lambda p: AuthFailed("401 Unauthorized"))
    with at("2021-06-12T07:00:00+00:00"):
        first = dispatcher(store, publisher).run_once()
    assert [p.kind for p in first.problems] == ["account_stopped"]
    with at("2021-06-12T07:30:00+00:00"):  # later passes still say it, with what it holds
        later = dispatcher(store, publisher).run_once()
    assert [p.kind for p in later.problems] == ["account_stopped"]
    assert f"it holds {len(posts) - 1} due posts" in later.problems[0].reason
