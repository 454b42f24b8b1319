"""The dashboard's defences where a review found them wanting: bounded forms answered as bad
input, server errors with the security headers and no secret in the log, log-in attempts counted
whatever the name's spelling or timing, passwords taken as typed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable

import httpx2 as httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from campaign.users.store import UserStore
from campaign.web.security import CSP, MAX_FIELDS
from tests.conftest import SQLITE_ONLY
from tests.web.conftest import PASSWORD, Client


@SQLITE_ONLY
def test_a_form_of_too_many_fields_is_refused_as_too_large(web: Callable[..., Client]) -> None:
    client = web()
    fields = [(f"f{n}", "1") for n in range(MAX_FIELDS + 200)]
    response = client.post("/login", [*fields, ("name", "eli"), ("password", PASSWORD)])
    assert response.status_code == 413, response.text[:200]
    assert response.headers["content-security-policy"] == CSP


async def _boom(request: Request) -> Response:
    raise RuntimeError(f"broken while reading {request.url.path}")


@SQLITE_ONLY
def test_a_server_error_has_the_headers_and_its_log_no_private_link(
        web: Callable[..., Client], caplog: pytest.LogCaptureFixture) -> None:
    client = web()
    client.app.router.routes.insert(0, Route("/pledges/{n}/progress/{token}/boom", _boom))
    http = TestClient(client.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="campaign.web"):
        response = http.get("/pledges/7/progress/s3cr3t-t0ken/boom?lang=fr")
    assert response.status_code == 500
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Une erreur" in response.text or "serveur" in response.text, response.text
    logged = caplog.text
    assert "RuntimeError" in logged and "/pledges/7/progress/***" in logged
    assert "s3cr3t-t0ken" not in logged


@SQLITE_ONLY
def test_log_in_attempts_count_for_the_name_however_it_is_spelt(web: Callable[..., Client]) -> None:
    client = web(login_rate=3)
    for spelling in ("ada", "ADA", " Ada"):
        assert client.post("/login", {"name": spelling, "password": "guess guess"}).status_code == 401
    # the fullwidth letters are the same user to the store, so the same name to the throttle
    refused = client.post("/login", {"name": "\uff41\uff44\uff41", "password": PASSWORD})
    assert refused.status_code == 429


@SQLITE_ONLY
def test_log_in_attempts_sent_at_once_are_all_counted(web: Callable[..., Client]) -> None:
    client = web(login_rate=2)
    token = client.csrf()

    async def guesses() -> list[int]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                     cookies=dict(client.http.cookies)) as http:
            sent = [http.post("/login", data={"name": "bruno", "password": f"guess number {n}",
                                              "csrf": token}) for n in range(8)]
            return [r.status_code for r in await asyncio.gather(*sent)]

    # in a thread of its own: Playwright's tests leave this one's event loop running
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        codes = pool.submit(asyncio.run, guesses()).result()
    assert codes.count(401) == 2 and codes.count(429) == 6, codes


@SQLITE_ONLY
def test_signing_in_does_not_use_up_the_address(web: Callable[..., Client]) -> None:
    # one address may fail 4 x login_rate times; a team signing in all day never fails
    client = web(login_rate=1)
    for name in ("ada", "amina", "bruno", "eli", "vic", "ada"):
        client.sign_in(name)


@SQLITE_ONLY
def test_a_password_with_spaces_signs_in_as_typed(web: Callable[..., Client], web_db: str) -> None:
    users = UserStore(web_db)
    users.add("sam", "viewer", "  spaced out words ", actor="test")
    users.close()
    client = web()
    assert client.post("/login", {"name": "sam", "password": "spaced out words"}).status_code == 401
    client.sign_in("sam", "  spaced out words ")
    assert "sam" in client.get("/").text
