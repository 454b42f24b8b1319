"""Review edits as the library does them (the CLI and the web dashboard call these), on SQLite and
PostgreSQL: plan, approve, cancel, retry, reschedule, delete published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaign.content.render import Renderer
from campaign.content.selection import Selection, Source
from campaign.errors import CampaignError
from campaign.platforms.base import Claimed, Refused
from campaign.platforms.memory import MemoryPublisher
from campaign.queue import editing
from campaign.queue.deleting import delete_published
from campaign.queue.models import QueuedPost, Status
from campaign.queue.planner import plan_from_schedule
from campaign.queue.store import Store

WORLD_DAY = Selection(entries=("world-day-against-child-labour",), languages=("en",))


@pytest.fixture
def planned(store: Store, renderer: Renderer) -> list[int]:
    """The 12 June posts in English on one Bluesky and one X account, as drafts; their ids."""
    store.add_account("bluesky", "demo.bsky.social")
    store.add_account("x", "@demo")
    outcome = plan_from_schedule(store, renderer, WORLD_DAY, ["bluesky", "x=@demo"], review=True)
    assert outcome.rendered == outcome.report.added == 20
    return [p.id for p in store.posts()]


def test_plan_from_a_source_twice_adds_nothing_the_second_time(store: Store) -> None:
    store.add_account("bluesky", "demo.bsky.social")
    source = Source(variables=("name=Amina",))
    first = plan_from_schedule(store, source, WORLD_DAY, ["bluesky"])
    again = plan_from_schedule(store, source, WORLD_DAY, ["bluesky"])
    assert (first.report.added, again.report.added, again.report.unchanged) == (10, 0, 10)
    assert {p.status for p in store.posts()} == {Status.SCHEDULED}


def test_plan_renders_only_the_networks_with_an_account(store: Store, renderer: Renderer) -> None:
    store.add_account("x", "@demo")
    outcome = plan_from_schedule(store, renderer, WORLD_DAY, ["x"])
    assert outcome.rendered == 10 and {p.network for p in store.posts()} == {"x"}


def test_plan_refuses_an_unknown_account_before_writing(store: Store, renderer: Renderer) -> None:
    with pytest.raises(CampaignError, match="unknown account 'mastodon'"):
        plan_from_schedule(store, renderer, WORLD_DAY, ["mastodon"])
    assert store.posts() == []


def test_approve_names_what_it_moved_skipped_and_could_not_find(store: Store,
                                                               planned: list[int]) -> None:
    first, second = planned[:2]
    assert editing.approve(store, [first]).ok
    again = editing.approve(store, [first, second, 99999])
    # an approved post may be approved again only from draft or scheduled: it is skipped
    assert again.moved == (second,) and again.skipped == (first,) and again.missing == (99999,)
    assert not again.ok
    assert store.get(first).reviewed and store.get(first).status == Status.APPROVED


def test_approve_all_drafts_of_one_network(store: Store, planned: list[int]) -> None:
    result = editing.approve(store, all_drafts=True, networks=["bluesky"])
    assert len(result.moved) == 10 and result.ok
    assert {p.network for p in store.posts(statuses=[Status.APPROVED])} == {"bluesky"}


def test_approve_or_cancel_with_nothing_named_is_refused(store: Store, planned: list[int]) -> None:
    with pytest.raises(CampaignError, match="--all-drafts"):
        editing.approve(store)
    with pytest.raises(CampaignError, match="--account NETWORK=HANDLE"):
        editing.cancel(store)


def test_cancel_every_open_post_of_an_account(store: Store, planned: list[int]) -> None:
    result = editing.cancel(store, account="x=@demo")
    assert len(result.moved) == 10 and result.ok
    assert {p.network for p in store.posts(statuses=[Status.CANCELLED])} == {"x"}
    assert editing.cancel(store, list(result.moved[:1])).skipped == result.moved[:1]


def test_retry_requeues_a_failed_post_and_restarts_its_account(store: Store,
                                                              planned: list[int]) -> None:
    post = store.get(planned[0])
    store.transition([post.id], Status.CANCELLED, allowed_from=[Status.DRAFT], actor="test")
    assert editing.retry(store, [post.id]).skipped == (post.id,)  # cancelled is final
    other = planned[1]
    editing.approve(store, [other])
    store.transition([other], Status.PUBLISHING, allowed_from=[Status.APPROVED], actor="test")
    store.transition([other], Status.FAILED, allowed_from=[Status.PUBLISHING], actor="test",
                     attempts=5, last_error="refused")
    account = store.get(other).account_id
    store.disable_account(account, "credentials refused")
    result = editing.retry(store, [other])
    assert result.ok and result.moved == (other,)
    again = store.get(other)
    assert (again.status, again.attempts, again.last_error) == (Status.APPROVED, 0, None)
    assert all(a.disabled_reason is None for a in store.accounts())


@pytest.mark.parametrize(("when", "utc", "note"), [
    pytest.param("2021-06-12T11:30", datetime(2021, 6, 12, 9, 30, tzinfo=UTC), "",
                 id="local-time"),
    pytest.param("2021-03-28T02:30", datetime(2021, 3, 28, 1, 30, tzinfo=UTC),
                 "does not exist in Europe/Zurich", id="skipped-by-dst"),
    pytest.param("2021-10-31T02:30", datetime(2021, 10, 31, 0, 30, tzinfo=UTC),
                 "happens twice in Europe/Zurich", id="happens-twice"),
    pytest.param("2021-10-31T02:30+01:00", datetime(2021, 10, 31, 1, 30, tzinfo=UTC), "",
                 id="offset-given"),
])
def test_reschedule_reads_the_time_in_the_posts_timezone(store: Store, planned: list[int],
                                                         when: str, utc: datetime,
                                                         note: str) -> None:
    result = editing.reschedule(store, planned[0], when)
    assert result.ok and result.moved == (planned[0],)
    assert note in result.note and bool(note) == bool(result.note)
    due = store.get(planned[0]).due_at
    assert (due if due.tzinfo else due.replace(tzinfo=UTC)) == utc


def test_reschedule_before_the_campaign_is_refused(store: Store, planned: list[int]) -> None:
    with pytest.raises(CampaignError, match="before the campaign, which starts in 2021"):
        editing.reschedule(store, planned[0], "2019-06-01T10:00")


def test_post_ids_refuse_words_and_numbers_no_post_can_have() -> None:
    assert editing.post_ids(["3", "-1"]) == [3, -1]
    with pytest.raises(CampaignError, match="post ids are numbers, got 3 soon"):
        editing.post_ids(["3", "soon"])
    with pytest.raises(CampaignError, match="no post with id 99999999999"):
        editing.post_ids(["99999999999"])


def _publish(store: Store, post_id: int, remote_id: str) -> None:
    editing.approve(store, [post_id])
    store.transition([post_id], Status.PUBLISHING, allowed_from=[Status.APPROVED], actor="test")
    store.transition([post_id], Status.PUBLISHED, allowed_from=[Status.PUBLISHING], actor="test",
                     remote_id=remote_id)


def test_delete_published_deletes_on_the_network_and_keeps_history(store: Store,
                                                                  planned: list[int]) -> None:
    published, draft = planned[:2]
    _publish(store, published, "at://did:plc:demo/app.bsky.feed.post/1")
    memory = MemoryPublisher()
    result = delete_published(store, [published, draft], publishers=lambda post: memory)
    assert result.moved == (published,) and result.skipped == (draft,)
    assert store.get(published).status == Status.DELETED
    assert [e.to_status for e in store.events(published)][-1] == Status.DELETED


def test_delete_published_keeps_a_refusal_and_the_post(store: Store, planned: list[int]) -> None:
    _publish(store, planned[0], "x-1")

    class Refusing(MemoryPublisher):
        def delete(self, post: Claimed, remote_id: str) -> None:
            raise Refused(f"{remote_id} is not yours")

    result = delete_published(store, [planned[0]], publishers=lambda post: Refusing())
    assert result.problems == (f"#{planned[0]}: x-1 is not yours",) and not result.ok
    assert store.get(planned[0]).status == Status.PUBLISHED


class _ApprovedMeanwhile(Store):
    """A store on which another reviewer approves the post just after it is read (the moment
    between reading a post and moving it that two people at once can fall into)."""

    def get(self, post_id: int) -> QueuedPost:
        post = super().get(post_id)
        other = Store(self.url)
        try:
            editing.approve(other, [post_id])
        finally:
            other.close()
        return post


def test_reschedule_leaves_a_post_approved_meanwhile_approved(database_url: str,
                                                              planned: list[int]) -> None:
    racing = _ApprovedMeanwhile(database_url)
    try:
        result = editing.reschedule(racing, planned[0], "2021-06-12T11:30")
    finally:
        racing.close()
    # skipped, and said so: the approval made meanwhile is not undone (back to draft)
    assert result.moved == () and result.skipped == (planned[0],) and not result.ok
    assert store_status(database_url, planned[0]) == Status.APPROVED


def store_status(url: str, post_id: int) -> Status:
    """The status of a post as the database holds it now."""
    fresh = Store(url)
    try:
        return fresh.get(post_id).status
    finally:
        fresh.close()


def test_retry_of_nothing_retryable_restarts_no_account(store: Store, planned: list[int]) -> None:
    accounts = store.accounts()
    for account in accounts:
        store.disable_account(account.id, "credentials refused")
    result = editing.retry(store, [planned[0]])  # a draft: nothing to retry
    assert result.moved == () and result.skipped == (planned[0],)
    assert [a.disabled_reason for a in store.accounts()] == ["credentials refused"] * len(accounts)
