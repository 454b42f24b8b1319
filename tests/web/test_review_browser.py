"""The review desk in a real Chromium, on SQLite and PostgreSQL: an approver works the desk by
keyboard and approves in bulk; a viewer sees no approve button and a forged approval is
refused; hostile text in a post shows as text. No console error, no request off 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from campaign.content.render import Renderer
from campaign.content.selection import Selection
from campaign.queue import review
from campaign.queue.models import Status
from campaign.queue.planner import plan_from_schedule
from campaign.queue.store import Store
from tests.conftest import BACKENDS
from tests.web.conftest import screenshot

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
WORLD_DAY = Selection(entries=("world-day-against-child-labour",), languages=("en",))
HOSTILE = "<img src=x onerror=alert(1)> Children belong in school #EndChildLabour2021"


@pytest.fixture
def store(web_db: str, renderer: Renderer) -> Iterator[Store]:
    """The World Day's English posts as drafts on X and Bluesky."""
    db = Store(web_db)
    db.add_account("x", "demo_x")
    db.add_account("bluesky", "demo.test")
    plan_from_schedule(db, renderer, WORLD_DAY, ["x", "bluesky"], review=True)
    yield db
    db.close()


@both
def test_an_approver_approves_in_bulk_by_keyboard(web_page: Callable[..., Any], store: Store,
                                                  request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    hostile = store.posts(networks=["bluesky"])[0].id
    review.edit_post(store, hostile, HOSTILE, actor="eli")
    tab = web_page()
    tab.sign_in("amina")
    tab.go("/review?network=bluesky")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Review desk")
    # the hostile words are text: no image element came of them
    expect(page.locator(f"#post-{hostile}-h")).to_be_visible()
    expect(page.locator(".post-text", has_text="<img src=x onerror=alert(1)>")).to_have_count(1)
    assert page.locator("main img[src='x']").count() == 0
    expect(page.locator("a.tag").first).to_have_attribute(
        "href", "https://bsky.app/hashtag/EndChildLabour2021")
    expect(page.locator(".count").first).to_contain_text("/ 300 graphemes")
    screenshot(tab, request, "review-desk")
    # by keyboard: focus the "select all" box, tick it with the space bar, then the button
    select_all = page.get_by_label("Select every post of this page")
    select_all.focus()
    page.keyboard.press("Space")
    expect(page.locator("input[name=ids]:checked")).to_have_count(10)
    page.get_by_role("button", name="Approve the selected posts").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/review?network=bluesky")
    expect(page.get_by_role("status")).to_contain_text("10 posts approved.")
    screenshot(tab, request, "review-approve")
    assert {p.status for p in store.posts(networks=["bluesky"])} == {Status.APPROVED}


@both
def test_a_viewer_sees_no_approve_button_and_a_forged_approval_is_refused(
        web_page: Callable[..., Any], store: Store) -> None:
    from playwright.sync_api import expect

    post_id = store.posts()[0].id
    tab = web_page()
    tab.sign_in("vic")
    tab.go("/review")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Review desk")
    expect(page.get_by_role("button", name="Approve the selected posts")).to_have_count(0)
    tab.go(f"/review/{post_id}")
    expect(page.locator("#post-status")).to_have_text("draft")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Save the text")).to_have_count(0)
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    forged = page.request.post(f"{tab.base}/review/approve",
                               form={"ids": str(post_id), "csrf": token or ""})
    assert forged.status == 403
    without_token = page.request.post(f"{tab.base}/review/approve", form={"ids": str(post_id)})
    assert without_token.status == 403
    assert store.get(post_id).status == Status.DRAFT
