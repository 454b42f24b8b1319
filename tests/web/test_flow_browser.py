"""The team's flow end to end in a real Chromium, on SQLite and PostgreSQL: the 2021 World Day
planned for review on outbox accounts; eli (editor) edits a draft, an approver who edited a post
cannot approve it, amina approves eli's edit, the runner (its own process) publishes the new
words into the outbox, and the post's page says it was published."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from campaign.content.render import Renderer
from campaign.content.selection import Selection
from campaign.queue.models import Status
from campaign.queue.planner import plan_from_schedule
from campaign.queue.store import Store
from tests.conftest import BACKENDS
from tests.web.conftest import screenshot

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
WORLD_DAY = Selection(entries=("world-day-against-child-labour",), languages=("en",))
CAMPAIGN = Path(sys.executable).with_name("campaign")
NEW_WORDS = ("12 June is World Day Against Child Labour <img src=x onerror=alert(1)>: "
             "see endchildlabour2021.org #EndChildLabour2021")


@pytest.fixture
def planned(web_db: str, renderer: Renderer, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """The World Day planned as drafts (`queue plan --review`) on outbox accounts, as in the
    Makefile's demo; the store and the outbox file."""
    outbox = tmp_path / "outbox.jsonl"
    db = Store(web_db)
    for network in ("x", "bluesky", "mastodon"):
        db.add_account(network, f"demo-{network}", f"outbox:{outbox}")
    plan_from_schedule(db, renderer, WORLD_DAY, ["x", "bluesky", "mastodon"], review=True)
    yield db, outbox
    db.close()


@both
def test_edit_approve_publish(web_page: Callable[..., Any], planned: tuple[Store, Path],
                              request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    store, outbox = planned
    post = store.posts(networks=["mastodon"])[0]
    other = store.posts(networks=["x"])[0]
    eli = web_page()
    eli.go("/login")
    eli.page.fill("#name", "eli")
    screenshot(eli, request, "sign-in")
    eli.sign_in("eli")
    screenshot(eli, request, "home")
    eli.go(f"/review/{post.id}")
    page = eli.page
    expect(page.locator("#post-status")).to_have_text("draft")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # an editor
    page.get_by_label("Text (split into a thread").fill(NEW_WORDS)
    screenshot(eli, request, "review-edit")
    page.get_by_role("button", name="Save the text").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    # the hostile part of the words is text, and the history keeps before and after
    expect(page.locator(".post-text", has_text="<img src=x onerror=alert(1)>")).to_have_count(1)
    assert page.locator("main img[src='x']").count() == 0
    expect(page.locator("td", has_text="edited").first).to_contain_text(NEW_WORDS)

    # bruno edits another post: he cannot approve that one, and is told why
    bruno = web_page()
    bruno.sign_in("bruno")
    bruno.go(f"/review/{other.id}")
    bruno.page.get_by_label("Text (split into a thread").fill("Bruno's words #EndChildLabour2021")
    bruno.page.get_by_role("button", name="Save the text").click()
    expect(bruno.page.locator("#own-edit")).to_contain_text("you cannot approve it")
    expect(bruno.page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)

    amina = web_page()
    amina.sign_in("amina")
    amina.go(f"/review/{post.id}")
    amina.page.get_by_role("button", name="Approve", exact=True).click()
    expect(amina.page.get_by_role("status")).to_contain_text("1 post approved.")
    expect(amina.page.locator("#post-status")).to_have_text("approved")
    screenshot(amina, request, "review-approve")

    # the runner is its own process; it sends only what was approved, at the post's time
    due = post.due_at.isoformat()
    run = subprocess.run([str(CAMPAIGN), "run", "--once", "--require-review", "--now", due,
                          "--db", store.url], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Published 1 " in run.stdout, run.stdout + run.stderr
    assert store.get(post.id).status == Status.PUBLISHED
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert [r["parts"] for r in sent] == [[NEW_WORDS]]

    page_of_queue = amina.go(f"/queue/{post.id}")
    if page_of_queue.status == 404:  # the queue's pages are another helper's, maybe not there yet
        amina.go(f"/review/{post.id}")
        expect(amina.page.locator("#post-status")).to_have_text("published")
    else:
        expect(amina.page.locator("main")).to_contain_text("published")
    screenshot(amina, request, "review-published")
