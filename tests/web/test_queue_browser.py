"""The queue in a real Chromium, on SQLite and PostgreSQL: the list shows failed and missed
posts with their reasons, an editor selects some by keyboard and retries them, a post's page
shows hostile text as text with its history, and the accounts' health says what is stopped and
paused. No console error, no request off 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from campaign.queue.models import Status
from campaign.queue.store import Store
from tests.conftest import BACKENDS
from tests.queue.queuecal_seed import CREDENTIALS, HOSTILE, RATE_LIMIT, REFUSED, Seeded
from tests.web.conftest import screenshot

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@both
def test_an_editor_retries_failed_posts_from_the_list(web_page: Callable[..., Any],
                                                      seeded: Seeded, web_db: str,
                                                      request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("eli")
    tab.go("/queue")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    expect(page.locator(".problems-summary")).to_contain_text("10 posts failed.")
    expect(page.locator(".problems-summary")).to_contain_text("62 posts were missed.")
    screenshot(tab, request, "queue")
    page.locator(".problems-summary a", has_text="10 posts failed.").click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(10)
    expect(page.locator("td.why", has_text=REFUSED)).to_have_count(9)
    expect(page.locator("td.why", has_text=CREDENTIALS)).to_have_count(1)
    # by keyboard: tick the first two, then the button
    first, second = seeded.failed[0], seeded.failed[1]
    page.get_by_label(f"Select post #{first}", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label(f"Select post #{second}", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Retry the selected posts").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("2 posts are back in the queue")
    expect(rows).to_have_count(8)
    store = Store(web_db)
    assert {store.get(i).status for i in (first, second)} == {Status.SCHEDULED}
    store.close()


@both
def test_a_post_shows_hostile_text_as_text_and_its_history(web_page: Callable[..., Any],
                                                           seeded: Seeded,
                                                           request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("eli")
    tab.go(f"/queue/{seeded.hostile}")
    page = tab.page
    expect(page.locator("pre.text")).to_have_text(HOSTILE)
    expect(page.locator("main img")).to_have_count(0)
    expect(page.locator("dl.changes ins")).to_contain_text(HOSTILE)
    tab.go(f"/queue/{seeded.failed[0]}")
    expect(page.get_by_role("heading", name="Why it failed")).to_be_visible()
    expect(page.locator(".why-box")).to_contain_text(REFUSED)
    expect(page.locator("table.history tbody tr")).not_to_have_count(0)
    screenshot(tab, request, "queue-post")
    page.get_by_role("button", name="Retry this post").click()
    expect(page.get_by_role("status")).to_contain_text("1 post is back in the queue")
    expect(page.locator("#post-status")).to_have_text("scheduled")
    expect(page.get_by_role("button", name="Retry this post")).to_have_count(0)


@both
def test_the_accounts_health_and_a_viewer_without_buttons(web_page: Callable[..., Any],
                                                          seeded: Seeded,
                                                          request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("vic")
    tab.go("/queue/accounts")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts’ health")
    expect(page.locator("#stopped-summary")).to_contain_text("1 account is stopped")
    mastodon = page.get_by_role("region", name="mastodon · demo-mastodon")
    expect(mastodon).to_contain_text("stopped: credentials refused: " + CREDENTIALS)
    expect(mastodon).to_contain_text("due posts wait for this account")
    expect(page.get_by_role("region", name="bluesky · demo.test")).to_contain_text(RATE_LIMIT)
    screenshot(tab, request, "accounts")
    tab.go(f"/queue/{seeded.failed[0]}")
    expect(page.get_by_role("heading", name="Why it failed")).to_be_visible()
    expect(page.get_by_role("button", name="Retry this post")).to_have_count(0)
    tab.go("/queue?status=failed")
    expect(page.locator("input[name=ids]")).to_have_count(0)
