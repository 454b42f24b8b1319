"""The queue list's and a post's read models on SQLite and PostgreSQL: pages by due time read by
keyset (ties broken by id, forwards and back), filters, failed and missed posts with their
reasons, and one post's whole history with what each edit changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.queue import listing
from campaign.queue.errors import PostNotFound
from campaign.queue.filters import Asked
from campaign.queue.models import Status
from campaign.queue.store import Store
from tests.queue.queuecal_seed import HOSTILE, REFUSED, Seeded, seed


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> Seeded:
    return seed(store, tmp_path)


def test_pages_walk_the_queue_in_due_order_both_ways(store: Store, schedule: Schedule,
                                                     seeded: Seeded) -> None:
    pages, after = [], ""
    while True:
        page = listing.queue_page(store, schedule, Asked(), after=after, language="en", size=20)
        pages.append(page)
        if page.after is None:
            break
        after = str(page.after)
    seen = [r.id for p in pages for r in p.rows]
    expected = [p.id for p in store.posts()]  # the store's own order: due time, then id
    assert seen == expected and pages[0].before is None and pages[1].before == pages[1].rows[0].id
    back = listing.queue_page(store, schedule, Asked(), before=str(pages[2].rows[0].id),
                              language="en", size=20)
    assert [r.id for r in back.rows] == [r.id for r in pages[1].rows]
    assert back.after == pages[1].rows[-1].id
    assert all(p.total == seeded.posts for p in pages)


def test_failed_and_missed_posts_carry_their_reasons(store: Store, schedule: Schedule,
                                                     seeded: Seeded) -> None:
    page = listing.queue_page(store, schedule, Asked(status=("failed", "missed")), language="en",
                              size=100)
    assert {r.id for r in page.rows} == set(seeded.failed) | set(seeded.missed)
    assert all(r.problem and r.last_error and r.reason for r in page.rows)
    assert any(r.last_error == REFUSED for r in page.rows)
    assert dict(page.problems) == {"failed": len(seeded.failed), "missed": len(seeded.missed)}
    assert page.retryable


def test_filters_of_the_list(store: Store, schedule: Schedule, seeded: Seeded) -> None:
    day = listing.queue_page(store, schedule, Asked(day="2021-06-12", network=("x",)),
                             language="fr")
    assert day.total == 30 and {r.network for r in day.rows} == {"x"}
    assert {r.title for r in day.rows} == {"Journée mondiale contre le travail des enfants"}
    none = listing.queue_page(store, schedule, Asked(month="2021-07"), language="en")
    assert none.total == 0 and not none.rows and none.after is None
    with pytest.raises(CampaignError, match="after must be the id of a post"):
        listing.queue_page(store, schedule, Asked(), after="-3", language="en")
    with pytest.raises(CampaignError, match="names no post"):
        listing.queue_page(store, schedule, Asked(), after="99999", language="en")


def test_a_post_with_its_whole_history(store: Store, schedule: Schedule, seeded: Seeded) -> None:
    view = listing.post_view(store, schedule, seeded.hostile, language="en")
    assert view.parts == (HOSTILE,) and view.post.status == Status.SCHEDULED
    assert [h.to_status for h in view.history] == ["scheduled", "scheduled"]
    planned, edit = view.history
    assert (planned.actor, planned.detail, planned.from_status) == ("plan", "planned", "")
    assert edit.actor == "eli" and [c.field for c in edit.changes] == ["text"]
    assert edit.changes[0].after == HOSTILE and edit.changes[0].before != HOSTILE
    assert view.cancellable and not view.retryable and not view.reason
    failed = listing.post_view(store, schedule, seeded.failed[0], language="en")
    assert failed.problem and failed.retryable and failed.reason
    with pytest.raises(PostNotFound):
        listing.post_view(store, schedule, 999_999, language="en")


def test_changes_name_each_field_that_differs() -> None:
    found = listing.changes({"due_at": "a", "text": "same", "status": "draft"},
                            {"due_at": "b", "text": "same", "status": "approved", "n": 3})
    assert [(c.field, c.before, c.after) for c in found] == [
        ("due_at", "a", "b"), ("n", "", "3"), ("status", "draft", "approved")]
