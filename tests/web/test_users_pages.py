"""The admins' users page and the audit log through the TestClient: who may see them, adding,
changing, resetting and removing users (each in the log), refusals in one sentence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from campaign.users.store import UserStore
from tests.conftest import BACKENDS
from tests.web.conftest import PASSWORD, Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NEW_PASSWORD = "a brand new password"


@both
def test_only_admins_see_users_and_approvers_see_the_log(web: Callable[..., Client]) -> None:
    viewer = web("vic")
    assert viewer.get("/tracking").status_code == 200
    assert viewer.get("/users").status_code == 403
    assert viewer.get("/audit").status_code == 403
    assert viewer.post("/users", {"name": "x", "role": "admin", "password": NEW_PASSWORD,
                                  "password2": NEW_PASSWORD}).status_code == 403
    assert "Users" not in viewer.get("/").text.split("<main")[0]
    assert web("amina").get("/users").status_code == 403
    assert web("amina").get("/audit").status_code == 200
    page = web("ada").get("/users")
    assert page.status_code == 200
    for name in ("ada", "amina", "bruno", "eli", "vic"):
        assert f'<th scope="row">{name}</th>' in page.text
    assert "never" in page.text  # most of them have not signed in


@both
def test_an_admin_adds_changes_and_removes_a_user(web: Callable[..., Client],
                                                  web_db: str) -> None:
    admin = web("ada")
    added = admin.post("/users", {"name": "<b>zoé</b>", "role": "editor",
                                  "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert added.status_code == 303 and added.headers["location"] == "/users"
    page = admin.get("/users").text
    assert "&lt;b&gt;zoé&lt;/b&gt; was added as editor." in page and "<b>zoé" not in page
    assert "was added" not in admin.get("/users").text  # the note shows once
    path = "/users/%3Cb%3Ezo%C3%A9%3C%2Fb%3E"
    assert admin.post(f"{path}/role", {"role": "approver"}).status_code == 303
    zoe = web().sign_in("<b>zoé</b>", NEW_PASSWORD)
    assert zoe.get("/audit").status_code == 200  # an approver now
    assert admin.post(f"{path}/reset-password", {"password": PASSWORD + "!",
                                                 "password2": PASSWORD + "!"}).status_code == 303
    assert admin.post(f"{path}/remove").status_code == 303
    assert zoe.get("/audit", follow_redirects=False).status_code == 303  # signed out
    users = UserStore(web_db)
    try:
        assert "<b>zoé</b>" not in [u.name for u in users.users()]
        actions = [e.action for e in users.audit_entries(object_kind="user",
                                                             object_id="<b>zoé</b>")]
    finally:
        users.close()
    assert actions == ["user.remove", "user.password", "user.role", "user.add"]
    log = admin.get("/audit?kind=user&user=ada")
    assert log.status_code == 200
    assert "role: approver" in log.text and "&lt;b&gt;zoé&lt;/b&gt;" in log.text
    assert admin.post(f"{path}/remove").status_code == 404


REFUSED = [
    ("/users", {"name": "eli", "role": "editor", "password": NEW_PASSWORD,
                "password2": NEW_PASSWORD}, "a user named &#39;eli&#39; exists already"),
    ("/users", {"name": "zed", "role": "editor", "password": "short", "password2": "short"},
     "too short"),
    ("/users", {"name": "zed", "role": "editor", "password": NEW_PASSWORD,
                "password2": NEW_PASSWORD + "x"}, "the two passwords differ"),
    ("/users", {"name": "zed", "role": "boss", "password": NEW_PASSWORD,
                "password2": NEW_PASSWORD}, "unknown role &#39;boss&#39;"),
    ("/users/ada/role", {"role": "viewer"}, "ada is the last admin"),
    ("/users/ada/remove", {}, "ada is the last admin"),
]


@both
def test_a_refused_change_is_one_sentence(web: Callable[..., Client]) -> None:
    admin = web("ada")
    for path, form, words in REFUSED:
        answer = admin.post(path, form)
        assert answer.status_code == 400, (path, form)
        assert '<p class="problem" role="alert">' in answer.text and words in answer.text
        assert "Traceback" not in answer.text
    kept = admin.post("/users", REFUSED[2][1]).text
    assert 'value="zed"' in kept and NEW_PASSWORD not in kept  # the name kept, not the password


@both
def test_a_change_without_the_csrf_token_is_refused(web: Callable[..., Client],
                                                    web_db: str) -> None:
    admin = web("ada")
    answer = admin.post("/users/vic/remove", csrf=False)
    assert answer.status_code == 403
    users = UserStore(web_db)
    try:
        assert "vic" in [u.name for u in users.users()]
    finally:
        users.close()


@both
def test_the_log_pages_and_filters(web: Callable[..., Client], web_db: str) -> None:
    users = UserStore(web_db)
    try:
        for n in range(55):
            users.audit(actor="eli", action="post.edit", object_kind="post", object_id=n,
                        before={"text": "<script>alert(1)</script>"}, after={"text": f"v{n}"})
    finally:
        users.close()
    admin = web("ada")
    first = admin.get("/audit?kind=post")
    assert first.status_code == 200 and "text: v54" in first.text and "text: v4<" not in first.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first.text and "<script>alert" not in first.text
    assert 'href="/audit?page=2&amp;kind=post"' in first.text
    second = admin.get("/audit?page=2&kind=post")
    assert "text: v4\n" in second.text and "text: v54" not in second.text
    assert 'rel="next"' not in second.text
    assert "session.login" not in first.text
    assert "v54" not in admin.get("/audit?user=amina").text
    for query, words in (("kind=planet", "unknown kind &#39;planet&#39;"),
                         ("page=zero", "page must be a page number")):
        refused = admin.get(f"/audit?{query}")
        assert refused.status_code == 400 and words in refused.text
