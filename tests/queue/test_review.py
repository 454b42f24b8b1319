"""The review desk's library on SQLite and PostgreSQL: an edit is reviewed again and the runner
sends the new words, an approver never approves what they wrote or edited, sending back keeps
its comment, new posts, the desk's pages, and every change in the audit log."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from campaign.content import selection as chosen_posts
from campaign.content.render import Renderer
from campaign.content.selection import Selection
from campaign.errors import CampaignError
from campaign.platforms.outbox import OutboxPublisher
from campaign.queue import editing, review
from campaign.queue.errors import PostNotFound
from campaign.queue.models import Status, may_move
from campaign.queue.planner import plan_from_schedule
from campaign.queue.runner import Dispatcher, Policy
from campaign.queue.store import Store
from campaign.users.store import UserStore

WORLD_DAY = Selection(entries=("world-day-against-child-labour",), languages=("en",))
NEW_WORDS = "New words for the World Day #EndChildLabour2021 https://endchildlabour2021.org"


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox.jsonl"


@pytest.fixture
def drafts(store: Store, renderer: Renderer, outbox: Path) -> list[int]:
    """The 12 June posts in English on outbox accounts of X and Bluesky, as drafts; their ids."""
    store.add_account("bluesky", "demo.test", f"outbox:{outbox}")
    store.add_account("x", "demo_x", f"outbox:{outbox}")
    plan_from_schedule(store, renderer, WORLD_DAY, ["bluesky", "x"], review=True)
    return [p.id for p in store.posts()]


def audit(store: Store, post_id: int) -> list[tuple[str, str, dict[str, object], dict[str, object]]]:
    users = UserStore(store.url)
    try:
        return [(e.actor, e.action, dict(e.before), dict(e.after))
                for e in reversed(users.audit_entries(object_kind="post", object_id=post_id))]
    finally:
        users.close()


def test_an_edit_of_an_approved_post_needs_a_new_review_and_the_runner_sends_it(
        store: Store, drafts: list[int], outbox: Path) -> None:
    post_id = store.posts(networks=["x"])[0].id
    old = store.get(post_id).text
    assert review.approve_posts(store, [post_id], actor="amina").ok
    edit = review.edit_post(store, post_id, NEW_WORDS + "\r\n", actor="eli")
    assert (edit.changed, edit.status_before, edit.status) == (True, "approved", "draft")
    post = store.get(post_id)
    assert post.text == NEW_WORDS and not post.reviewed and post.status == Status.DRAFT
    event = store.events(post_id)[-1]
    assert (event.actor, event.detail) == ("eli", "edited")
    assert json.loads(event.before_json or "") == {"text": old}
    assert json.loads(event.after_json or "") == {"text": NEW_WORDS}
    assert audit(store, post_id)[-1] == ("eli", "post.edit", {"text": old, "status": "approved"},
                                         {"text": NEW_WORDS, "status": "draft"})
    publisher = OutboxPublisher(outbox)
    dispatcher = Dispatcher(store, lambda post: publisher, worker="w1",
                            policy=Policy(require_review=True))
    with time_machine.travel(datetime(2021, 6, 12, 7, 0, tzinfo=UTC), tick=False):
        assert dispatcher.run_once().published == 0  # under review: the draft waits
        assert review.approve_posts(store, [post_id], actor="amina").ok
        assert dispatcher.run_once().published == 1
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert [r["parts"] for r in sent] == [[NEW_WORDS]]
    assert store.get(post_id).status == Status.PUBLISHED


def test_an_edit_splits_a_long_text_into_a_thread_with_facets(store: Store,
                                                              drafts: list[int]) -> None:
    post_id = store.posts(networks=["bluesky"])[0].id
    long = " ".join(["Children belong in school, not at work #EndChildLabour2021."] * 12)
    edit = review.edit_post(store, post_id, long, actor="eli")
    post = store.get(post_id)
    parts = json.loads(post.parts_json)
    assert edit.parts == len(parts) > 1 and parts[0].endswith(f"(1/{len(parts)})")
    facets = json.loads(post.facets_json)
    assert len(facets) == len(parts) and facets[0][0]["features"][0]["tag"] == "EndChildLabour2021"


def test_an_unchanged_text_writes_nothing_and_bad_text_is_refused(store: Store,
                                                                 drafts: list[int]) -> None:
    post_id = drafts[0]
    before = len(store.events(post_id))
    assert not review.edit_post(store, post_id, store.get(post_id).text, actor="eli").changed
    for text, why in (("   \u200b ", "empty"), ("a\x1bb", "control character U\\+001B"),
                      ("x" * 10_001, "at most 10,000")):
        with pytest.raises(CampaignError, match=why):
            review.edit_post(store, post_id, text, actor="eli")
    assert len(store.events(post_id)) == before
    with pytest.raises(PostNotFound):
        review.edit_post(store, 999_999, "words", actor="eli")


def test_a_post_in_flight_or_out_is_never_edited(store: Store, drafts: list[int]) -> None:
    post_id = drafts[0]
    store.transition([post_id], Status.APPROVED, actor="t", reviewed=True)
    store.transition([post_id], Status.PUBLISHING, actor="w1")
    with pytest.raises(review.EditRefused, match="a runner is sending it now"):
        review.edit_post(store, post_id, NEW_WORDS, actor="eli")
    assert store.get(post_id).text != NEW_WORDS


def test_a_scheduled_post_edited_is_no_longer_counted_as_reviewed(store: Store,
                                                                 renderer: Renderer) -> None:
    store.add_account("x", "demo_x")
    plan_from_schedule(store, renderer, WORLD_DAY, ["x"])
    post = store.posts()[0]
    edit = review.edit_post(store, post.id, NEW_WORDS, actor="eli")
    assert not store.get(post.id).reviewed
    assert may_move(Status.SCHEDULED, Status.DRAFT)
    assert edit.status == Status.DRAFT  # waits for an approver, whatever the runner requires


def test_planning_again_keeps_a_persons_edit(store: Store, renderer: Renderer) -> None:
    store.add_account("x", "demo_x")
    plan_from_schedule(store, renderer, WORLD_DAY, ["x"])
    edited, other = (p.id for p in store.posts()[:2])
    review.edit_post(store, edited, NEW_WORDS, actor="eli")
    # the schedule's text changes (a new profile, a fixed template): planned again
    changed = [post._replace(text=post.text + " (v2)", parts=(post.text + " (v2)",))
               for post in chosen_posts.posts(renderer, replace(WORLD_DAY, networks=("x",)))]
    report = store.plan(changed, {"x": store.find_account("x")})
    assert report.kept_edited == 1 and report.updated >= 1
    assert store.get(edited).text == NEW_WORDS
    assert store.get(other).text.endswith(" (v2)")


def test_an_approver_never_approves_a_post_they_edited_or_wrote(store: Store,
                                                                drafts: list[int]) -> None:
    edited, written, other = drafts[0], None, drafts[1]
    review.edit_post(store, edited, NEW_WORDS, actor="amina")
    written = review.new_post(store, account="x", text="Written by amina", due="2021-07-01T10:00",
                              language="en", actor="amina", campaign="endchildlabour2021",
                              timezone="Europe/Zurich")
    result = review.approve_posts(store, [edited, written, other, 999_999], actor="amina")
    assert result.done == (other,)
    assert {(r.post_id, r.reason) for r in result.refused} == {
        (edited, review.OWN), (written, review.OWN), (999_999, review.MISSING)}
    assert store.get(edited).status == store.get(written).status == Status.DRAFT
    assert review.authored_by(store, edited, "amina") and not review.authored_by(store, edited, "bruno")
    assert review.approve_posts(store, [edited, written], actor="bruno").ok
    # a reschedule is not an edit of the words: the approver may still approve
    review.send_back(store, [other], actor="bruno", comment="check the date")
    editing.reschedule(store, other, "2021-06-12T10:00", actor="amina")
    assert review.approve_posts(store, [other], actor="amina").ok


def test_two_approvers_at_once_approve_a_post_once(store: Store, drafts: list[int]) -> None:
    results: dict[str, review.Reviewed] = {}

    def approve(name: str) -> None:
        results[name] = review.approve_posts(store, drafts, actor=name)

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("amina", "bruno")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [set(r.done) for r in results.values()]
    assert done[0] | done[1] == set(drafts) and not done[0] & done[1]
    for result in results.values():
        assert all(r.reason == review.STATE and r.status == "approved" for r in result.refused)
    approvals = [e for i in drafts for e in store.events(i) if e.to_status == Status.APPROVED]
    assert len(approvals) == len(drafts)


def test_send_back_keeps_the_comment_and_refuses_a_bad_one(store: Store, drafts: list[int]) -> None:
    first, second = drafts[:2]
    review.approve_posts(store, [first], actor="amina")
    result = review.send_back(store, [first, second], actor="amina",
                              comment="Say which day it is.")
    assert result.ok and {store.get(i).status for i in (first, second)} == {Status.DRAFT}
    assert not store.get(first).reviewed
    assert store.events(first)[-1].detail == "sent back: Say which day it is."
    assert audit(store, first)[-1][:2] == ("amina", "post.send_back")
    for comment, why in (("", "empty"), ("x" * 1001, "at most 1,000"), ("bad\x07", "control")):
        with pytest.raises(CampaignError, match=why):
            review.send_back(store, [first], actor="amina", comment=comment)
    store.transition([second], Status.CANCELLED, actor="t")
    refused = review.send_back(store, [second], actor="amina", comment="again")
    assert refused.refused == (review.Refusal(second, review.STATE, "cancelled"),)


def test_a_new_post_is_a_draft_of_its_own(store: Store, drafts: list[int]) -> None:
    long = "A new post for the campaign. " * 20
    first = review.new_post(store, account="x=demo_x", text=long, due="2021-07-01T10:00",
                            language="fr", actor="eli", campaign="endchildlabour2021",
                            timezone="Europe/Zurich")
    second = review.new_post(store, account="x=demo_x", text=long, due="2021-07-01T10:00",
                             language="fr", actor="eli", campaign="endchildlabour2021",
                             timezone="Europe/Zurich")
    a, b = store.get(first), store.get(second)
    assert a.idempotency_key != b.idempotency_key and a.status == Status.DRAFT and a.kind == "post"
    assert len(json.loads(a.parts_json)) > 1 and a.due_month == 7
    assert a.due_at == datetime(2021, 7, 1, 8, 0, tzinfo=UTC)
    assert store.events(first)[0].actor == "eli"
    for changes, why in (({"due": "soon"}, "not a date-time"), ({"language": "<b>"}, "language"),
                         ({"account": "mastodon"}, "mastodon"), ({"due": "2019-01-01T10:00"}, "2019")):
        values = {"account": "x", "text": "words", "due": "2021-07-01T10:00", "language": "en"}
        with pytest.raises(CampaignError, match=why):
            review.new_post(store, **(values | changes), actor="eli",  # type: ignore[arg-type]
                            campaign="endchildlabour2021", timezone="Europe/Zurich")


def test_the_desk_pages_in_sql_and_filters(store: Store, drafts: list[int]) -> None:
    chosen = review.filters(store, network="x", language="en", month="6")
    first = review.desk(store, chosen, 1, per_page=3)
    assert first.total == 10 and len(first.posts) == 3 and first.has_next
    last = review.desk(store, chosen, 4, per_page=3)
    assert len(last.posts) == 1 and not last.has_next
    post = first.posts[0]
    assert post.network == "x" and post.preview.parts[0].limit == 280
    assert review.desk(store, review.filters(store, month="7")).total == 0
    for given, why in (({"network": "myspace"}, "unknown network 'myspace'"),
                       ({"month": "13"}, "month must be a number from 1 to 12"),
                       ({"status": "published"}, "unknown status"),
                       ({"account": "x=nobody"}, "nobody")):
        with pytest.raises(CampaignError, match=why):
            review.filters(store, **given)


def test_a_post_view_tells_an_approver_about_their_own_edit(store: Store,
                                                            drafts: list[int]) -> None:
    post_id = drafts[0]
    review.edit_post(store, post_id, NEW_WORDS, actor="amina")
    mine, theirs = review.post_view(store, post_id, "amina"), review.post_view(store, post_id, "bruno")
    assert mine.authored_by_viewer and not theirs.authored_by_viewer
    assert mine.history[0].after == {"text": NEW_WORDS} and mine.history[-1].actor == "plan"
    assert mine.editable and mine.approvable and mine.due_local == "2021-06-12T09:00"
    with pytest.raises(PostNotFound):
        review.post_view(store, 999_999, "amina")
