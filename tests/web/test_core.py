"""The dashboard's frame: sign-in, sessions, CSRF, security headers, languages, error pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from campaign.users.store import UserStore
from campaign.web import i18n
from campaign.web.security import Throttle
from tests.conftest import BACKENDS
from tests.web.conftest import PASSWORD, Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@both
def test_sign_in_and_out(web: Callable[..., Client]) -> None:
    client = web()
    assert client.get("/calendar", follow_redirects=False).status_code in (303, 404)
    client.sign_in("eli")
    page = client.get("/")
    assert page.status_code == 200 and "eli" in page.text and "(editor)" in page.text
    assert client.post("/logout").status_code == 303
    assert "Sign in" in client.get("/").text


@both
def test_wrong_password_is_refused_the_same_way_for_unknown_names(web: Callable[..., Client]) -> None:
    client = web()
    wrong = client.post("/login", {"name": "eli", "password": "not the password"})
    unknown = client.post("/login", {"name": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match a user" in wrong.text and "do not match a user" in unknown.text


@both
def test_log_in_attempts_are_limited(web: Callable[..., Client]) -> None:
    client = web(login_rate=3)
    for _ in range(3):
        assert client.post("/login", {"name": "eli", "password": "guess guess"}).status_code == 401
    refused = client.post("/login", {"name": "eli", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()
    assert "Too many failed attempts" in refused.text


@both
def test_a_post_without_the_csrf_token_is_refused(web: Callable[..., Client]) -> None:
    client = web()
    assert client.post("/login", {"name": "eli", "password": PASSWORD}, csrf=False).status_code == 403
    assert client.post("/login", {"name": "eli", "password": PASSWORD, "csrf": "forged" * 8},
                       csrf=False).status_code == 403
    # another session's token is not this one's
    other = web().csrf()
    assert client.post("/login", {"name": "eli", "password": PASSWORD, "csrf": other},
                       csrf=False).status_code == 403


@both
def test_a_body_too_large_is_refused(web: Callable[..., Client]) -> None:
    client = web()
    response = client.post("/login", {"name": "x" * 300_000, "password": PASSWORD})
    assert response.status_code == 413


@both
def test_security_headers_on_every_answer(web: Callable[..., Client]) -> None:
    client = web()
    for path in ("/", "/login", "/no-such-page", "/static/app.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"


@both
def test_session_cookie_is_httponly_and_samesite(web: Callable[..., Client]) -> None:
    client = web()
    response = client.post("/login", {"name": "eli", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    secure = web(secure=True)
    secure.http.base_url = "https://127.0.0.1"  # a Secure cookie comes back only over HTTPS
    response = secure.post("/login", {"name": "eli", "password": PASSWORD})
    assert "secure" in response.headers["set-cookie"].lower()
    assert "strict-transport-security" in response.headers


@both
def test_a_password_reset_ends_open_sessions(web: Callable[..., Client], web_db: str) -> None:
    client = web("eli")
    assert "(editor)" in client.get("/").text
    UserStore(web_db).reset_password("eli", "another long password", actor="test")
    assert "(editor)" not in client.get("/").text


@both
def test_a_removed_user_is_signed_out(web: Callable[..., Client], web_db: str) -> None:
    client = web("vic")
    UserStore(web_db).remove("vic", actor="test")
    assert "(viewer)" not in client.get("/").text
    assert web().post("/login", {"name": "vic", "password": PASSWORD}).status_code == 401


@both
def test_no_open_redirect_after_sign_in(web: Callable[..., Client]) -> None:
    client = web()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", {"name": "eli", "password": PASSWORD, "next": target})
        assert response.headers["location"] == "/"


@both
@pytest.mark.parametrize(("header", "expected"), [
    ("fr-FR,fr;q=0.9,en;q=0.5", "fr"), ("es-419,es;q=0.9", "es"), ("de-DE,de;q=0.9", "en"),
    ("de;q=1, es;q=0.2, fr;q=0.8", "fr"), ("", "en"), ("fr;q=oops", "en")])
def test_the_browser_language_is_followed(web: Callable[..., Client], header: str,
                                          expected: str) -> None:
    page = web().get("/login", headers={"accept-language": header})
    assert f'<html lang="{expected}">' in page.text


@both
def test_the_switch_wins_and_is_kept(web: Callable[..., Client]) -> None:
    client = web()
    assert '<html lang="es">' in client.get("/login?lang=es",
                                             headers={"accept-language": "fr"}).text
    assert '<html lang="es">' in client.get("/login", headers={"accept-language": "fr"}).text
    assert "Iniciar sesión" in client.get("/login").text


@both
def test_the_audit_log_records_sign_ins(web: Callable[..., Client], web_db: str) -> None:
    web("amina")
    entries = UserStore(web_db).audit_entries(actor="amina")
    assert [e.action for e in entries] == ["session.login"]


def test_throttle_forgets_old_events_and_bounds_its_keys() -> None:
    now = [0.0]
    throttle = Throttle(2, 60, keys=3, clock=lambda: now[0])
    throttle.hit("a"), throttle.hit("a")
    assert throttle.blocked("a") and throttle.retry_after("a") == 61
    now[0] = 61
    assert not throttle.blocked("a")
    for key in "bcdef":
        throttle.hit(key)
    assert len(throttle._events) == 3


def test_header_parsing_is_bounded() -> None:
    assert i18n.from_header(",".join(["de"] * 10_000) + ",fr") is None


@both
def test_signing_out_ends_a_copied_session_too(web: Callable[..., Client]) -> None:
    client = web("eli")
    copied = dict(client.http.cookies)
    assert client.post("/logout").status_code == 303
    thief = web()
    thief.http.cookies.update(copied)
    assert "(editor)" not in thief.get("/").text
