"""The review desk's routes through the TestClient, on SQLite and PostgreSQL: the desk and its
filters, one post, edit, approve and send back (one or many), reschedule, a new post; roles
(a viewer is refused, an approver never approves their own edit), CSRF, bad input, audit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from campaign.content.render import Renderer
from campaign.content.selection import Selection
from campaign.queue.models import Status
from campaign.queue.planner import plan_from_schedule
from campaign.queue.store import Store
from campaign.users.store import UserStore
from tests.conftest import BACKENDS
from tests.web.conftest import Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
WORLD_DAY = Selection(entries=("world-day-against-child-labour",), languages=("en", "fr"))
HOSTILE = "<img src=x onerror=alert(1)> #EndChildLabour2021"


@pytest.fixture
def store(web_db: str, renderer: Renderer) -> Iterator[Store]:
    """The web database with the World Day's posts planned as drafts on X and Bluesky."""
    db = Store(web_db)
    db.add_account("x", "demo_x")
    db.add_account("bluesky", "demo.test")
    plan_from_schedule(db, renderer, WORLD_DAY, ["x", "bluesky"], review=True)
    yield db
    db.close()


def first(store: Store, network: str = "x") -> int:
    return store.posts(networks=[network])[0].id


@both
def test_the_desk_shows_drafts_with_their_previews(web: Callable[..., Client], store: Store) -> None:
    page = web("vic").get("/review?network=x&language=en")
    assert page.status_code == 200
    assert "#EndChildLabour2021</a>" in page.text and "/ 280" in page.text
    assert 'href="https://x.com/hashtag/EndChildLabour2021"' in page.text
    assert "posts match" in page.text and 'action="/review/approve"' in page.text
    assert 'name="ids"' not in page.text  # a viewer gets no box to tick, no button
    assert "Approve the selected posts" not in page.text
    approver = web("amina").get("/review?month=6&page=1")
    assert 'name="ids"' in approver.text and "Approve the selected posts" in approver.text
    assert "Alt text:" in approver.text  # the World Day's image
    image = re.search(r'src="(/review/\d+/image/0)"', approver.text)
    assert image and web("vic").get(image.group(1)).headers["content-type"] == "image/png"


@both
def test_bad_filters_and_pages_get_a_sentence(web: Callable[..., Client], store: Store) -> None:
    client = web("vic")
    for query, words in (("network=myspace", "unknown network"), ("month=13", "month must be"),
                         ("page=0", "page must be a page number"),
                         ("account=x%3Dnobody", "nobody"), ("status=published", "unknown status")):
        page = client.get(f"/review?{query}")
        assert page.status_code == 400 and words in page.text, query
    assert client.get("/review/999999").status_code == 404
    assert client.get("/review/99999999999").status_code == 404
    assert client.get("/review/abc").status_code == 404
    assert client.get(f"/review/{first(store)}/image/5").status_code == 404


@both
def test_an_edit_goes_back_to_draft_and_is_in_the_history_and_the_audit_log(
        web: Callable[..., Client], store: Store) -> None:
    post_id = first(store)
    amina = web("amina")
    assert amina.post("/review/approve", {"ids": post_id}).status_code == 303
    assert store.get(post_id).status == Status.APPROVED
    eli = web("eli")
    response = eli.post(f"/review/{post_id}/edit", {"text": HOSTILE})
    assert response.status_code == 303 and response.headers["location"] == f"/review/{post_id}"
    page = eli.get(f"/review/{post_id}")
    assert "needs a new approval" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img src=x" not in page.text
    assert store.get(post_id).status == Status.DRAFT and store.get(post_id).text == HOSTILE
    users = UserStore(store.url)
    actions = [(e.actor, e.action) for e in users.audit_entries(object_kind="post",
                                                                object_id=post_id)]
    users.close()
    assert actions[:2] == [("eli", "post.edit"), ("amina", "post.approve")]


@both
def test_an_approver_cannot_approve_their_own_edit(web: Callable[..., Client], store: Store) -> None:
    post_id = first(store)
    amina = web("amina")
    amina.post(f"/review/{post_id}/edit", {"text": "Amina's own words #EndChildLabour2021"})
    page = amina.get(f"/review/{post_id}")
    assert "you cannot approve it" in page.text and 'id="approve"' not in page.text
    refused = amina.post("/review/approve", {"ids": post_id, "back": f"/review/{post_id}"})
    assert refused.status_code == 303
    assert "you wrote or edited it yourself" in amina.get(f"/review/{post_id}").text
    assert store.get(post_id).status == Status.DRAFT
    bruno = web("bruno")
    assert 'id="approve"' in bruno.get(f"/review/{post_id}").text
    bruno.post("/review/approve", {"ids": post_id})
    assert store.get(post_id).status == Status.APPROVED


@both
def test_roles_and_csrf_are_enforced_on_every_action(web: Callable[..., Client],
                                                     store: Store) -> None:
    post_id = first(store)
    vic, eli = web("vic"), web("eli")
    for path, data in (("/review/approve", {"ids": post_id}),
                       ("/review/send-back", {"ids": post_id, "comment": "no"}),
                       (f"/review/{post_id}/edit", {"text": "forged"}),
                       (f"/review/{post_id}/reschedule", {"due": "2021-06-12T10:00"}),
                       ("/review/new", {"account": "x", "text": "forged", "due": "2021-07-01T10:00",
                                        "language": "en"})):
        assert vic.post(path, data).status_code == 403, path
    assert eli.post("/review/approve", {"ids": post_id}).status_code == 403  # an editor
    assert web("amina").post("/review/approve", {"ids": post_id}, csrf=False).status_code == 403
    assert store.get(post_id).status == Status.DRAFT and len(store.events(post_id)) == 1
    assert vic.get("/review/new").status_code == 403


@both
def test_bulk_approve_and_send_back_with_a_comment(web: Callable[..., Client], store: Store) -> None:
    ids = [p.id for p in store.posts(networks=["bluesky"])][:5]
    amina = web("amina")
    done = amina.post("/review/approve", [("ids", str(i)) for i in ids] + [("back", "/review?network=x")])
    assert done.headers["location"] == "/review?network=x"
    assert "5 posts approved." in amina.get("/review").text
    # a refused bulk action is said on the desk it came from, in the page's language
    bad = amina.post("/review/send-back", [("ids", str(ids[0])), ("comment", " "), ("back", "/review")])
    assert bad.status_code == 303 and bad.headers["location"] == "/review"
    assert "write a comment saying what to change" in amina.get("/review").text
    none = amina.post("/review/approve?lang=fr", [("back", "/review?network=x")])
    assert none.headers["location"] == "/review?network=x"
    assert "cochez d’abord les publications" in amina.get("/review?network=x&lang=fr").text
    odd = amina.post("/review/send-back", [("ids", "x1"), ("comment", "c")])
    assert odd.status_code == 303 and 'role="alert"' in amina.get("/review?lang=en").text
    amina.post("/review/send-back", [*(("ids", str(i)) for i in ids[:2]),
                                     ("comment", "<b>Say the date</b>")])
    page = amina.get(f"/review/{ids[0]}")
    assert "2 posts sent back with the comment." in page.text
    assert "sent back: &lt;b&gt;Say the date&lt;/b&gt;" in page.text
    assert [store.get(i).status for i in ids] == [Status.DRAFT] * 2 + [Status.APPROVED] * 3
    # an open redirect is not followed: back goes to the desk
    away = amina.post("/review/approve", {"ids": ids[0], "back": "//evil.example/"})
    assert away.headers["location"] == "/review"


@both
def test_reschedule_and_a_new_post(web: Callable[..., Client], store: Store) -> None:
    post_id = first(store)
    eli = web("eli")
    assert eli.post(f"/review/{post_id}/reschedule", {"due": "2021-06-12T11:30"}).status_code == 303
    assert store.get(post_id).due_at.isoformat() == "2021-06-12T09:30:00+00:00"
    soon = eli.post(f"/review/{post_id}/reschedule", {"due": "soon"})
    assert soon.status_code == 303 and soon.headers["location"] == f"/review/{post_id}"
    assert "Not rescheduled:" in eli.get(f"/review/{post_id}").text
    assert eli.get("/review/new").status_code == 200
    made = eli.post("/review/new", {"account": "bluesky=demo.test", "language": "fr",
                                    "due": "2021-07-01T10:00", "text": "Un nouveau message #Test"})
    assert made.status_code == 303
    new_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = eli.get(made.headers["location"])
    assert "is saved as a draft" in page.text and "https://bsky.app/hashtag/Test" in page.text
    assert store.get(new_id).status == Status.DRAFT
    refused = eli.post("/review/new", {"account": "x", "language": "en", "due": "2021-07-01T10:00",
                                       "text": "a\x01b"})
    assert refused.status_code == 400 and "control character" in refused.text
    # the form comes back with what was typed, so nothing is lost
    early = eli.post("/review/new", {"account": "bluesky=demo.test", "language": "fr",
                                     "due": "2020-01-01T10:00", "text": "Mes mots <b>gardés</b>"})
    assert early.status_code == 400 and "before the campaign" in early.text
    assert "Mes mots &lt;b&gt;gardés&lt;/b&gt;</textarea>" in early.text
    assert 'value="2020-01-01T10:00"' in early.text and '<option value="fr" selected>' in early.text
    assert '<option value="bluesky=demo.test" selected>' in early.text
    # published posts are not edited
    store.transition([post_id], Status.APPROVED, actor="t", reviewed=True)
    store.transition([post_id], Status.PUBLISHING, actor="w")
    late = eli.post(f"/review/{post_id}/edit", {"text": "late words kept"})
    assert late.status_code == 409 and "late words kept</textarea>" in late.text


@both
def test_the_desk_in_french(web: Callable[..., Client], store: Store) -> None:
    page = web("amina").get("/review?lang=fr")
    assert "Bureau de relecture" in page.text and "caractères pondérés" in page.text
    # the audience is named in the page's language, never by its code
    meta = " ".join(re.findall(r'<p class="meta">(.*?)</p>', page.text, re.S))
    assert not re.search(r"· (individual|country|org-[a-z-]+|regional-body) ·", meta), meta[:300]
    assert re.search(r"· (Particulier|Pays|Organisme régional|Organisation de [a-zé ]+) ·", meta)
