"""The pledge pages through the TestClient: the public form (its problems in fr, en and es,
the honeypot, the rate limit, nothing stored from a refusal), the live SMART check, the
registry's filters and pages, a pledge's page and the secretariat's buttons, and the private
progress link."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, func, select

from campaign.pledges.models import PLEDGES
from campaign.pledges.store import PledgeStore
from tests.conftest import BACKENDS
from tests.web.conftest import Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
HOSTILE = "<img src=x onerror=alert(1)>"
FORM = {
    "audience": "country", "name": "Ministère du Travail du Sénégal", "country": "SN",
    "language": "fr", "focal_name": "Awa Diop", "focal_email": "awa.diop@travail.gouv.sn",
    "title": "Adopter une politique nationale sur le travail des enfants d’ici à la fin 2021",
    "implementation": "Un comité interministériel rédige la politique avec les partenaires "
                      "sociaux, avec un budget de 12 500 000 XOF.",
    "contribution": "La politique fixe des objectifs annuels jusqu’en 2025 et un suivi public.",
    "communication": "Une vidéo chaque mois avec #EndChildLabour2021.",
    "handle_x": "@TravailSN", "ind1_name": "Politique adoptée", "ind1_unit": "politique",
    "ind1_baseline": "0", "ind1_target": "1", "ind1_deadline": "2021-12-31",
    "cost_amount": "12500000", "cost_currency": "XOF", "website": "",
}
LINK = re.compile(r'id="private-link" href="[^"]*/pledges/(\d+)/progress/([A-Za-z0-9_-]+)"')


def form(**changes: str) -> dict[str, str]:
    """The web form of a valid pledge, with the fields given changed."""
    return FORM | changes


def count(db: str) -> int:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(PLEDGES)).scalar_one())
    finally:
        engine.dispose()


def submit(client: Client, **changes: str) -> tuple[int, str]:
    """Send a valid pledge; its id and its private link's secret, from the confirmation."""
    sent = client.post("/pledge", form(**changes))
    assert sent.status_code == 303 and sent.headers["location"] == "/pledge/thanks", sent.text[:800]
    page = client.get("/pledge/thanks")
    found = LINK.search(page.text)
    assert found, page.text[:2000]
    return int(found.group(1)), found.group(2)


@both
def test_the_form_stores_a_pledge_and_shows_its_link_once(web: Callable[..., Client],
                                                          web_db: str) -> None:
    client = web()
    page = client.get("/pledge")
    assert page.status_code == 200 and 'name="website"' in page.text and 'tabindex="-1"' in page.text
    pledge_id, token = submit(client)
    assert count(web_db) == 1
    again = client.get("/pledge/thanks")
    assert token not in again.text and "shown once" in again.text
    store = PledgeStore(web_db)
    assert store.get(pledge_id).status.value == "submitted"
    assert store.events(pledge_id)[0].actor == "web"
    store.close()


@both
@pytest.mark.parametrize(("lang", "words", "required"), [
    ("en", "21 words, over the limit of 20", "Answer this question."),
    ("fr", "21 mots, au-delà de la limite de 20", "Répondez à cette question."),
    ("es", "21 palabras, por encima del límite de 20", "Responda a esta pregunta.")])
def test_problems_are_shown_by_their_fields_in_the_language(
        web: Callable[..., Client], web_db: str, lang: str, words: str, required: str) -> None:
    client = web()
    client.get(f"/pledge?lang={lang}")
    title = " ".join(["mot"] * 21)
    answer = client.post("/pledge", form(title=title, focal_email="not-an-address",
                                         implementation=""))
    assert answer.status_code == 400
    text = answer.text
    assert words in text and required in text
    # each problem next to its field, and a summary linking to it
    assert 'id="problem-title"' in text and 'aria-describedby="help-title count-title problem-title"' in text
    assert 'href="#title"' in text and 'href="#focal_email"' in text and 'href="#implementation"' in text
    assert 'aria-invalid="true"' in text
    assert "awa.diop" not in text and "not-an-address" in text  # what was typed is kept
    assert count(web_db) == 0


@both
def test_the_honeypot_refuses_quietly_and_stores_nothing(web: Callable[..., Client],
                                                         web_db: str) -> None:
    answer = web().post("/pledge", form(website="https://spam.example"))
    assert answer.status_code == 200 and "received" in answer.text
    assert "private-link" not in answer.text and count(web_db) == 0


@both
def test_the_form_is_rate_limited_per_address(web: Callable[..., Client], web_db: str) -> None:
    client = web(pledge_rate=2)
    submit(client)
    submit(client, title="Former 200 inspecteurs du travail en 2021")
    refused = client.post("/pledge", form(title="Former 300 inspecteurs du travail en 2021"))
    assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()
    assert "Too many pledges" in refused.text and count(web_db) == 2


@both
def test_a_submission_without_the_csrf_token_is_refused(web: Callable[..., Client],
                                                        web_db: str) -> None:
    client = web()
    client.get("/pledge")
    assert client.post("/pledge", form(), csrf=False).status_code == 403
    assert client.http.post("/pledge/check", json={"title": "x"}).status_code == 403
    assert count(web_db) == 0


@both
def test_a_duplicate_is_named_on_its_title(web: Callable[..., Client], web_db: str) -> None:
    client = web()
    submit(client)
    again = client.post("/pledge", form())
    assert again.status_code == 400 and 'id="problem-title"' in again.text
    assert count(web_db) == 1


@both
def test_the_live_check_answers_json_and_stores_nothing(web: Callable[..., Client],
                                                        web_db: str) -> None:
    client = web()
    token = client.csrf("/pledge")
    headers = {"X-CSRF-Token": token}
    whole = client.http.post("/pledge/check", json=form(), headers=headers).json()
    assert whole["complete"] is True and len(whole["criteria"]) == 5
    assert {c["key"] for c in whole["criteria"]} >= {"specific", "time_bound"}
    partial = client.http.post("/pledge/check", json={"title": "Sensibiliser le public",
                                                      "language": "fr"}, headers=headers).json()
    assert partial["complete"] is False and partial["criteria"][0]["name"] == "Specific"
    empty = client.http.post("/pledge/check", json={}, headers=headers).json()
    assert empty["empty"] is True
    bad = client.http.post("/pledge/check", content=b"[1, 2", headers=headers
                           | {"content-type": "application/json"})
    assert bad.status_code == 400
    assert count(web_db) == 0


@both
def test_the_registry_filters_and_pages(web: Callable[..., Client], web_db: str) -> None:
    client = web()
    submit(client)
    submit(client, country="BR", title="Former des syndicats au Brésil en 2021")
    page = client.get("/pledges")
    assert page.status_code == 200 and "Senegal" in page.text and "Brazil" in page.text
    assert "awa.diop" not in page.text  # no email for the public
    only = client.get("/pledges?country=BR").text
    assert "Brazil" in only and "Senegal</td>" not in only
    assert "Former des syndicats" in client.get("/pledges?light=on_track&status=submitted").text
    for query, name in (("?status=lost", "status"), ("?country=XX", "country"),
                        ("?light=purple", "light"), ("?audience=martians", "audience"),
                        ("?page=abc", "page"), ("?page=0", "page"), ("?page=9", "page 9")):
        bad = client.get("/pledges" + query)
        assert bad.status_code == 400, query
        assert name in bad.text and "Traceback" not in bad.text
    assert web("amina").get("/pledges").text.count("mailto:awa.diop") == 2
    assert "mailto:" not in web("vic").get("/pledges").text


@both
def test_a_pledges_page_shows_text_as_text(web: Callable[..., Client]) -> None:
    client = web()
    pledge_id, _token = submit(client, name=f"Org {HOSTILE}", title=f"Former {HOSTILE} en 2021")
    for path in (f"/pledges/{pledge_id}", "/pledges"):
        text = client.get(path).text
        assert HOSTILE not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "awa.diop" not in client.get(f"/pledges/{pledge_id}").text
    assert client.get("/pledges/999").status_code == 404
    assert client.get("/pledges/abc").status_code == 400


@both
def test_staff_buttons_act_and_are_refused_to_others(web: Callable[..., Client],
                                                     web_db: str) -> None:
    pledge_id, token = submit(web())
    viewer = web("vic")
    assert "/status" not in viewer.get(f"/pledges/{pledge_id}").text
    assert viewer.post(f"/pledges/{pledge_id}/status", {"action": "accept"}).status_code == 403
    assert web().post(f"/pledges/{pledge_id}/status", {"action": "accept"}).status_code == 303
    assert web().get(f"/pledges/{pledge_id}").text.count("Accept") == 0
    amina = web("amina")
    page = amina.get(f"/pledges/{pledge_id}").text
    assert 'value="accept"' in page and "mailto:awa.diop" in page
    assert amina.post(f"/pledges/{pledge_id}/status", {"action": "accept", "note": "ok"}
                      ).status_code == 303
    assert amina.post(f"/pledges/{pledge_id}/status", {"action": "send_back"}).status_code == 400
    assert amina.post("/pledges/999/link").status_code == 404
    made = amina.post(f"/pledges/{pledge_id}/link")
    assert made.status_code == 303
    shown = LINK.search(amina.get(f"/pledges/{pledge_id}").text)
    assert shown and shown.group(2) != token
    assert not LINK.search(amina.get(f"/pledges/{pledge_id}").text)  # once
    assert web().get(f"/pledges/{pledge_id}/progress/{token}").status_code == 404  # revoked
    assert web().get(f"/pledges/{pledge_id}/progress/{shown.group(2)}").status_code == 200
    store = PledgeStore(web_db)
    assert [(e.actor, e.to_status) for e in store.events(pledge_id) if e.action == "status"] == [
        ("amina", "accepted")]
    store.close()


@both
def test_the_focal_point_reports_through_the_private_link(web: Callable[..., Client],
                                                          web_db: str) -> None:
    client = web()
    pledge_id, token = submit(client)
    path = f"/pledges/{pledge_id}/progress/{token}"
    opened = client.get(path)
    assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
    assert opened.headers["referrer-policy"] == "no-referrer"  # the secret stays in its page
    assert client.get(f"/pledges/{pledge_id}/progress/{'x' * 43}").status_code == 404
    assert client.get(f"/pledges/{pledge_id + 1}/progress/{token}").status_code == 404
    bad = client.post(path, {"indicator": "Politique adoptée", "value": "beaucoup",
                             "on": "2021-06-01"})
    assert bad.status_code == 400 and "as a number" in bad.text
    future = client.post(path, {"indicator": "Politique adoptée", "value": "1", "on": "2021-09-01"})
    assert future.status_code == 400
    before = client.post(path, {"indicator": "Politique adoptée", "value": "1", "on": "2021-05-31"})
    assert before.status_code == 400 and "not before the pledge was submitted" in before.text
    saved = client.post(path, {"indicator": "Politique adoptée", "value": "1", "on": "2021-06-01",
                               "note": "Adoptée", "evidence": "https://example.org/loi"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    store = PledgeStore(web_db)
    event = store.events(pledge_id)[-1]
    assert (event.action, event.actor) == ("progress", "focal point (private link)")
    assert store.get(pledge_id).indicators[0].latest.value == 1  # type: ignore[union-attr]
    store.close()
    assert client.post(path, {"indicator": "x", "value": "1"}, csrf=False).status_code == 403




def test_every_page_names_its_icon_so_no_browser_asks_for_a_missing_one(web: Callable[..., Client]) -> None:
    client = web()
    page = client.get("/pledge")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
