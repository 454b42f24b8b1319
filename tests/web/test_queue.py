"""The queue pages through the routes, on SQLite and PostgreSQL: the list with failed and missed
posts and their reasons, filters and pages, one post with its history, retry and cancel (and a
viewer refused), bad input and unknown ids, and the accounts' health."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from campaign.queue.models import Status
from campaign.queue.store import Store
from tests.conftest import BACKENDS
from tests.queue.queuecal_seed import CREDENTIALS, HOSTILE, RATE_LIMIT, REFUSED, Seeded
from tests.web.conftest import Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def ids_on(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/queue/(\d+)">#', page)]


@both
def test_the_list_shows_failed_and_missed_posts_with_their_reasons(
        web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("vic")
    page = client.get("/queue").text
    assert "10 posts failed." in page and "62 posts were missed." in page
    failed = client.get("/queue?status=failed").text
    assert REFUSED in failed and "credentials refused: " + CREDENTIALS in failed
    assert set(ids_on(failed)) == set(seeded.failed)
    missed = client.get("/queue?status=missed&network=bluesky").text
    assert "its time passed before it could go out" in missed
    assert "after its due time" in missed or "day-bound" in missed
    assert 'name="ids"' not in missed and "Retry the selected" not in missed  # not for a viewer


@both
def test_pages_of_fifty_by_due_time_forwards_and_back(web: Callable[..., Client],
                                                      seeded: Seeded) -> None:
    client = web("vic")
    first = client.get("/queue")
    assert "189 posts match." in first.text
    one = ids_on(first.text)
    assert len(one) == 50
    after = re.search(r'href="/queue\?after=(\d+)"', first.text)
    assert after is not None and int(after.group(1)) == one[-1]
    second = client.get(f"/queue?after={after.group(1)}").text
    two = ids_on(second)
    assert len(two) == 50 and not set(one) & set(two)
    before = re.search(r'href="/queue\?before=(\d+)"', second)
    assert before is not None
    assert ids_on(client.get(f"/queue?before={before.group(1)}").text) == one
    seen = list(one)
    cursor: str | None = after.group(1)
    while cursor:
        page = client.get(f"/queue?after={cursor}").text
        seen += ids_on(page)
        found = re.search(r'href="/queue\?after=(\d+)"', page)
        cursor = found.group(1) if found else None
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 189
    store = Store(client.app.state.config.db_url)
    dues = {p.id: (p.due_at, p.id) for p in store.posts()}
    store.close()
    assert [dues[i] for i in seen] == sorted(dues[i] for i in seen)


@both
def test_filters_of_the_list(web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("vic")
    day = client.get("/queue?day=2021-06-12&network=x&language=en").text
    assert "World Day Against Child Labour" in day and "Webinar" not in day
    assert 'value="x" selected' in day
    account = client.get("/queue?account=mastodon%3Ddemo-mastodon&status=scheduled").text
    assert "mastodon demo-mastodon" in account and "x demo_x" not in account
    june = client.get("/queue?month=2021-06&audience=individual").text
    assert "189 posts match." not in june and "posts match." in june
    assert "No post matches" in client.get("/queue?month=2021-07").text


@both
def test_bad_input_is_refused_with_a_sentence_and_unknown_ids_are_404(
        web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("vic")
    for query, words in [("status=lost", "unknown status 'lost'"),
                         ("month=2021-6", "month must be a month written YYYY-MM"),
                         ("day=tomorrow", "day must be a day written YYYY-MM-DD"),
                         ("after=abc", "after must be the id of a post"),
                         ("after=999999", "after names no post"),
                         ("network=myspace", "unknown network 'myspace'")]:
        page = client.get(f"/queue?{query}")
        assert page.status_code == 400, query
        assert words in page.text.replace("&#39;", "'"), query
    for path in ("/queue/999999", "/queue/99999999999999", "/queue/0", "/queue/abc"):
        assert client.get(path).status_code == 404, path


@both
def test_a_post_shows_its_text_state_and_history(web: Callable[..., Client],
                                                 seeded: Seeded) -> None:
    client = web("vic")
    failed = client.get(f"/queue/{seeded.failed[0]}").text
    assert "Why it failed" in failed and (REFUSED in failed or CREDENTIALS in failed)
    assert "runner-1" in failed and "planned" in failed  # who and what, from planning on
    hostile = client.get(f"/queue/{seeded.hostile}").text
    assert HOSTILE not in hostile
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile
    assert "<dt>text</dt>" in hostile and "eli" in hostile  # the edit, before and after
    # the rate limit's retry, in the history of the post it stopped
    assert RATE_LIMIT in client.get(f"/queue/{seeded.rate_limited}").text


@both
def test_an_editor_retries_a_failed_post_and_sees_the_result(web: Callable[..., Client],
                                                              seeded: Seeded) -> None:
    client = web("eli")
    post_id = seeded.failed[0]
    assert 'id="retry"' in client.get(f"/queue/{post_id}").text
    response = client.post(f"/queue/{post_id}/retry")
    assert response.status_code == 303 and response.headers["location"] == f"/queue/{post_id}"
    page = client.get(f"/queue/{post_id}").text
    assert "1 post is back in the queue" in page
    assert "retry requested" in page and "eli" in page
    again = client.post(f"/queue/{post_id}/retry")
    assert "Left as they were" in client.get(again.headers["location"]).text
    # nothing to show twice: the result is shown once
    assert "back in the queue" not in client.get(f"/queue/{post_id}").text


@both
def test_bulk_retry_from_the_list_goes_back_to_it(web: Callable[..., Client],
                                                  seeded: Seeded) -> None:
    client = web("eli")
    listed = client.get("/queue?status=failed").text
    assert 'name="ids"' in listed and "Retry the selected posts" in listed
    chosen = seeded.failed[:3]
    response = client.post("/queue/retry", [("ids", str(i)) for i in chosen]
                           + [("ids", str(seeded.published[0])), ("back", "/queue?status=failed")])
    assert response.status_code == 303 and response.headers["location"] == "/queue?status=failed"
    page = client.get("/queue?status=failed").text
    assert "3 posts are back in the queue" in page and f"#{seeded.published[0]}" in page
    assert not set(ids_on(page)) & set(chosen)
    nothing = client.post("/queue/retry", [("back", "https://evil.example/")])
    assert nothing.headers["location"] == "/queue"
    assert "No post was selected" in client.get("/queue").text
    refused = client.post("/queue/retry", [("ids", "seven")])
    assert refused.status_code == 400 and "post ids are numbers" in refused.text


@both
def test_an_editor_cancels_a_waiting_post(web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("eli")
    response = client.post(f"/queue/{seeded.hostile}/cancel")
    assert response.status_code == 303
    page = client.get(f"/queue/{seeded.hostile}").text
    assert "1 post was cancelled." in page and 'id="post-status">cancelled' in page


@both
def test_a_viewer_cannot_retry_or_cancel(web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("vic")
    page = client.get(f"/queue/{seeded.failed[0]}").text
    assert 'id="retry"' not in page and 'id="cancel"' not in page
    assert client.post(f"/queue/{seeded.failed[0]}/retry").status_code == 403
    assert client.post(f"/queue/{seeded.hostile}/cancel").status_code == 403
    assert client.post("/queue/retry", [("ids", str(seeded.failed[0]))]).status_code == 403
    store = Store(client.app.state.config.db_url)
    assert store.get(seeded.failed[0]).status == Status.FAILED
    store.close()
    # and without the CSRF token, even an editor is refused
    assert web("eli").post(f"/queue/{seeded.failed[0]}/retry", csrf=False).status_code == 403


@both
def test_the_accounts_health(web: Callable[..., Client], seeded: Seeded) -> None:
    page = web("vic").get("/queue/accounts").text
    assert "1 account is stopped" in page
    assert "stopped: credentials refused: " + CREDENTIALS in page
    assert RATE_LIMIT in page and "last paused on" in page  # over by now
    assert "due posts wait for this account" in page  # Mastodon's held posts
    assert "not checked yet" in page
    assert "the outbox file" in page
    assert "Last failure" in page and REFUSED in page
