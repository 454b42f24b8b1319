"""The registry: pages cut in SQL, filters, lights of the page's pledges, the secretariat's
actions with their history, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from campaign.errors import CampaignError
from campaign.pledges import registry
from campaign.pledges.form import FormRules
from campaign.pledges.links import pledge_for
from campaign.pledges.progress import light_on
from campaign.pledges.store import PledgeStore, StatusRefused
from campaign.pledges.submission import submit
from campaign.users.store import UserStore

DAY = date(2021, 6, 1)


@pytest.fixture
def store(database_url: str) -> Iterator[PledgeStore]:
    pledges = PledgeStore(database_url)
    pledges.upgrade()
    yield pledges
    pledges.close()


def _many(store: PledgeStore, rules: FormRules, make: Callable[..., dict[str, Any]],
          count: int, **changes: Any) -> list[int]:
    return [submit(store, make(title=f"Former {n} inspecteurs du travail en 2021", **changes),
                   rules, actor="test")[0].id for n in range(count)]


def test_pages_are_cut_newest_first(store: PledgeStore, rules: FormRules,
                                    pledge_data: Callable[..., dict[str, Any]]) -> None:
    ids = _many(store, rules, pledge_data, 7)
    first = registry.page(store, number=1, day=DAY, per_page=3)
    last = registry.page(store, number=3, day=DAY, per_page=3)
    assert (first.total, first.pages) == (7, 3)
    assert [e.id for e in first.entries] == ids[::-1][:3]
    assert [e.id for e in last.entries] == ids[:1]
    assert first.entries[0].country_name == "Senegal" and first.entries[0].focal_email == ""
    assert registry.page(store, day=DAY, lang="fr").entries[0].country_name == "Sénégal"
    assert registry.page(store, day=DAY, emails=True).entries[0].focal_email == \
        "awa.diop@travail.gouv.sn"


def test_filters_and_drafts(store: PledgeStore, rules: FormRules,
                            pledge_data: Callable[..., dict[str, Any]]) -> None:
    senegal = _many(store, rules, pledge_data, 2)
    brazil = submit(store, pledge_data(country="BR", audience="org-workers",
                                       title="Former des syndicats au Brésil en 2021"),
                    rules, actor="test")[0].id
    draft = submit(store, pledge_data(title="Un brouillon pour 2021"), rules, draft=True)[0].id

    def ids(chosen: registry.Filters, staff: bool = False) -> list[int]:
        return [e.id for e in registry.page(store, chosen=chosen, day=DAY, staff=staff).entries]

    assert ids(registry.Filters(country="BR")) == [brazil]
    assert ids(registry.Filters(audience="country")) == senegal[::-1]
    assert draft not in ids(registry.Filters())
    assert draft in ids(registry.Filters(), staff=True)
    assert ids(registry.Filters(status="draft"), staff=True) == [draft]


def test_the_light_filter_and_counts(store: PledgeStore, rules: FormRules,
                                     pledge_data: Callable[..., dict[str, Any]]) -> None:
    from campaign.pledges.progress import record_progress

    ids = _many(store, rules, pledge_data, 3)
    record_progress(store, ids[0], "Politique adoptée", value=1, on=DAY, today=DAY)
    page = registry.page(store, day=DAY, chosen=registry.Filters(light="done"))
    assert [e.id for e in page.entries] == [ids[0]] and page.total == 1
    everything = registry.page(store, day=DAY)
    lights = {e.id: e.light for e in everything.entries}
    for pledge in store.pledges():
        assert lights[pledge.id] == light_on(pledge, DAY).value
    assert everything.counts["done"] == 1 and sum(everything.counts.values()) == 3


@pytest.mark.parametrize(("values", "name"), [({"status": "lost"}, "status"),
                                              ({"status": "draft"}, "status"),
                                              ({"audience": "martians"}, "audience"),
                                              ({"country": "XX"}, "country"),
                                              ({"light": "purple"}, "light")])
def test_a_bad_filter_is_named(rules: FormRules, values: dict[str, str], name: str) -> None:
    with pytest.raises(registry.FilterInvalid) as caught:
        registry.filters(values, rules, staff=False)
    assert caught.value.name == name
    assert registry.filters({"country": "sn", "light": "On_Track"}, rules, staff=False) == \
        registry.Filters(country="SN", light="on_track")


def test_staff_actions_are_in_the_history_and_the_audit_log(
        store: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge, token, _notices = registry.submit_pledge(store, pledge_data(), rules)
    assert pledge_for(store, token) == pledge.id
    assert registry.actions_for(pledge) == ["accept", "send_back", "withdraw"]
    accepted = registry.act(store, pledge.id, "accept", actor="amina", note="Merci")
    assert accepted.status.value == "accepted"
    with pytest.raises(StatusRefused):
        registry.act(store, pledge.id, "send_back", actor="amina")
    with pytest.raises(CampaignError):
        registry.act(store, pledge.id, "explode", actor="amina")
    registry.act(store, pledge.id, "withdraw", actor="bruno")
    assert pledge_for(store, token) is None  # a withdrawn pledge takes no more reports
    events = [(e.actor, e.to_status) for e in store.events(pledge.id) if e.action == "status"]
    assert events == [("amina", "accepted"), ("bruno", "withdrawn")]
    actions = [e.action for e in UserStore(store.url).audit_entries(object_kind="pledge")]
    assert {"pledge.accept", "pledge.withdraw", "pledge.link"} <= set(actions)


def test_a_progress_report_is_recorded_with_its_actor(
        store: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge = submit(store, pledge_data(), rules)[0]
    registry.report_progress(store, pledge.id, "Politique adoptée", value=1, on=DAY, today=DAY,
                             evidence="https://example.org/rapport", actor="focal point")
    event = store.events(pledge.id)[-1]
    assert (event.action, event.actor, event.detail["value"]) == ("progress", "focal point", 1)
    audit = UserStore(store.url).audit_entries(object_kind="pledge", object_id=pledge.id)
    assert audit[0].action == "pledge.progress" and audit[0].actor == "focal point"
