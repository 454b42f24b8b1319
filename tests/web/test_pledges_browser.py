"""The pledge pages in a real Chromium, on SQLite and PostgreSQL: a pledger meets the live word
limit, then sends a SMART pledge, keeps its link and finds it in the registry; hostile text
stays text; the focal point reports progress through the private link. Every page ends with
no console error, no dialog and no request off 127.0.0.1 (the ``web_page`` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from campaign.content.selection import load
from campaign.pledges.form import FormRules
from campaign.pledges.registry import submit_pledge
from campaign.pledges.store import PledgeStore
from campaign.pledges.words import count_words
from tests.conftest import BACKENDS
from tests.web.conftest import TODAY, Server, WebPage, screenshot
from tests.web.test_pledges import HOSTILE

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
TITLE_21 = ("Former deux cents inspecteurs du travail et cent enseignants dans les régions du "
            "Sénégal avant la fin de l’année 2021 ensemble")
SMART_TITLE = "Former 200 inspecteurs du travail au Sénégal d’ici décembre 2021"


def _stored(web_db: str, **changes: Any) -> tuple[int, str]:
    """A pledge stored through the library, as the form stores it; its id and link secret."""
    from campaign.web.forms import Fields
    from campaign.web.pledge_form import form_data
    from tests.web.test_pledges import form as web_form

    data = form_data(Fields(list(web_form(**changes).items())))
    store = PledgeStore(web_db)
    try:
        pledge, token, _notices = submit_pledge(
            store, data, FormRules.from_schedule(load(None), today=TODAY))
    finally:
        store.close()
    return pledge.id, token


@both
def test_a_pledger_meets_the_live_limit_then_sends_a_smart_pledge(
        web_page: Callable[..., WebPage], request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    assert count_words(TITLE_21) == 21 and count_words(SMART_TITLE) == 10
    tab = web_page(locale="fr-FR")
    tab.go("/pledge")
    page = tab.page
    expect(page.locator("h1")).to_have_text("Prendre un engagement d’action")
    screenshot(tab, request, "pledge-form")
    title = page.locator("#title")
    title.focus()
    page.keyboard.type(TITLE_21)
    counter = page.locator("#count-title")
    expect(counter).to_have_text("21 mots, au-delà de la limite de 20 : raccourcissez.")
    expect(counter).to_have_class("count problem")
    expect(title).to_have_attribute("aria-invalid", "true")
    assert counter.get_attribute("aria-live") == "polite"
    screenshot(tab, request, "pledge-live-error")
    title.fill(SMART_TITLE)
    expect(counter).to_have_text("10 / 20 mots")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    page.select_option("#audience", "country")
    page.fill("#name", "Ministère du Travail du Sénégal")
    page.select_option("#country", "SN")
    page.select_option("#language", "fr")
    page.fill("#focal_name", "Awa Diop")
    page.fill("#focal_email", "awa.diop@travail.gouv.sn")
    page.fill("#implementation", "Un programme de formation de 200 inspecteurs dans 14 "
                                 "régions, avec un budget de 12 500 000 XOF.")
    page.fill("#contribution", "Des inspecteurs formés repèrent le travail des enfants chaque "
                               "année jusqu’en 2025.")
    page.fill("#communication", "Une vidéo chaque mois avec #EndChildLabour2021.")
    page.fill("#ind1_name", "Inspecteurs formés")
    page.fill("#ind1_target", "200")
    page.fill("#ind1_deadline", "2021-12-15")
    # the SMART check, live, once the form is complete
    feedback = page.locator("#smart-feedback li[data-criterion=time_bound]")
    expect(feedback).to_contain_text("Temporellement défini (oui)")
    expect(page.locator("#smart-feedback li")).to_have_count(5)
    page.locator("button[type=submit]", has_text="Envoyer l’engagement").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/pledge/thanks")
    link = page.locator("#private-link")
    expect(link).to_contain_text("/progress/")
    screenshot(tab, request, "pledge-confirmation")
    tab.go("/pledges")
    row = page.locator("table.registry tbody tr", has_text=SMART_TITLE)
    expect(row).to_contain_text("Sénégal")
    expect(row.locator(".light")).to_have_count(1)
    screenshot(tab, request, "registry")


@both
def test_hostile_text_in_a_pledge_shows_as_text_and_the_pages_fit_a_phone(
        web_page: Callable[..., WebPage], live_server: Server, web_db: str) -> None:
    from playwright.sync_api import expect

    pledge_id, token = _stored(web_db, name=f"Org {HOSTILE}", title=f"Former {HOSTILE} en 2021")
    tab = web_page(locale="es-ES")
    tab.page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/pledges", f"/pledges/{pledge_id}", f"/pledges/{pledge_id}/progress/{token}", "/pledge"):
        tab.go(path)
        if path != "/pledge":
            expect(tab.page.locator("main")).to_contain_text(HOSTILE)
        assert tab.page.locator("main img").count() == 0
        # a 360 px phone scrolls down, never sideways: a wide table scrolls in its own box
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= 360, path
        for box in tab.page.locator(".table-scroll").all():
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label"), path


@both
def test_the_focal_point_reports_progress_through_the_private_link(
        web_page: Callable[..., WebPage], web_db: str, request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    pledge_id, token = _stored(web_db)
    tab = web_page(locale="es-ES")
    tab.go(f"/pledges/{pledge_id}/progress/{token}")
    page = tab.page
    expect(page.locator("h1")).to_have_text("Informar del avance")
    page.select_option("#indicator", "Politique adoptée")
    page.fill("#value", "1")
    page.fill("#on", TODAY.isoformat())
    page.fill("#evidence", "https://example.org/politique")
    page.get_by_role("button", name="Registrar el valor").click()
    expect(page.locator("p.done")).to_have_text("Gracias: el valor quedó registrado.")
    expect(page.locator("table.indicators tbody tr").first).to_contain_text("1")
    screenshot(tab, request, "pledge-progress")
