"""The pledge store on SQLite and PostgreSQL: pledges, handles, indicators, progress, history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.models import PledgeStatus
from campaign.pledges.store import (
    DuplicatePledge,
    NewPledge,
    PledgeNotFound,
    PledgeStore,
    ProgressReport,
    StatusRefused,
    UnknownIndicator,
)


@pytest.fixture
def pledges(database_url: str) -> Iterator[PledgeStore]:
    store = PledgeStore(database_url)
    store.upgrade()
    yield store
    store.close()


def _item(data: dict[str, Any], rules: FormRules, **kwargs: Any) -> NewPledge:
    form = validate_form(data, rules)
    return NewPledge(form=form, kind=rules.audiences[form.audience], **kwargs)


def test_a_pledge_comes_back_as_stored(pledges: PledgeStore, rules: FormRules,
                                       pledge_data: Callable[..., dict[str, Any]]) -> None:
    item = _item(pledge_data(cost={"amount": "12500.50", "currency": "XOF"},
                             handles={"bluesky": "travail.bsky.social"}), rules,
                 dids={"bluesky": "did:plc:abcdefghijklmnopqrstuvwx"},
                 smart={"lang": "fr", "words": 13, "criteria": {}})
    pledge = pledges.add(item, actor="secretariat")
    assert pledge.form == item.form  # every answer, the handles, indicators, the exact cost
    assert pledge.form.cost is not None and pledge.form.cost.amount == Decimal("12500.50")
    assert pledge.dids == {"bluesky": "did:plc:abcdefghijklmnopqrstuvwx"}
    assert pledge.status is PledgeStatus.SUBMITTED and pledge.kind == "country"
    assert pledge.smart["words"] == 13
    assert pledges.find_by_handle("bluesky", "@Travail.bsky.social") == [pledge.id]
    assert pledges.find_by_handle("bluesky", "did:plc:abcdefghijklmnopqrstuvwx") == [pledge.id]
    [created] = pledges.events(pledge.id)
    assert (created.action, created.to_status, created.actor) == ("created", "submitted",
                                                                    "secretariat")


def test_the_same_organisation_and_title_is_refused(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    first = pledges.add(_item(pledge_data(), rules))
    again = pledge_data(name="  ministère du travail du  SÉNÉGAL ",
                        title=pledge_data()["title"].upper())
    with pytest.raises(DuplicatePledge, match=rf"already has a pledge titled .*\(pledge {first.id}\)"):
        pledges.add(_item(again, rules))
    assert len(pledges.pledges()) == 1


def test_add_many_is_all_or_nothing(pledges: PledgeStore, rules: FormRules,
                                    pledge_data: Callable[..., dict[str, Any]]) -> None:
    items = [_item(pledge_data(title=f"Financer {n} projets d’ici à la fin 2021"), rules)
             for n in range(3)]
    with pytest.raises(DuplicatePledge):
        pledges.add_many([*items, items[1]])
    assert pledges.pledges() == []
    assert len(pledges.add_many(items)) == 3


def test_progress_is_kept_by_indicator(pledges: PledgeStore, rules: FormRules,
                                       pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge = pledges.add(_item(pledge_data(), rules))
    pledges.add_progress(pledge.id, "politique ADOPTÉE",
                         ProgressReport(on=date(2021, 9, 1), value=0.8, note="vote en octobre"))
    pledge = pledges.add_progress(pledge.id, "Politique adoptée",
                                  ProgressReport(on=date(2021, 6, 1), value=0.5,
                                                 evidence="https://example.org/r"))
    state = pledge.indicators[0]
    assert [r.value for r in state.reports] == [0.5, 0.8]  # by date
    assert state.latest is not None and state.latest.note == "vote en octobre"
    with pytest.raises(UnknownIndicator, match=r"has no indicator 'Enfants'.*'Politique adoptée'"):
        pledges.add_progress(pledge.id, "Enfants", ProgressReport(on=date(2021, 6, 1), value=1))
    assert [e.action for e in pledges.events(pledge.id)] == ["created", "progress", "progress"]


def test_status_follows_its_transitions(pledges: PledgeStore, rules: FormRules,
                                        pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge = pledges.add(_item(pledge_data(), rules))
    pledges.set_status(pledge.id, "accepted", actor="secretariat", note="checked")
    assert pledges.set_status(pledge.id, PledgeStatus.FULFILLED).status is PledgeStatus.FULFILLED
    with pytest.raises(StatusRefused, match="is fulfilled and cannot become withdrawn: that is final"):
        pledges.set_status(pledge.id, "withdrawn")
    with pytest.raises(PledgeNotFound, match="no pledge has id 999"):
        pledges.set_status(999, "accepted")
    history = [(e.from_status, e.to_status) for e in pledges.events(pledge.id)]
    assert history == [(None, "submitted"), ("submitted", "accepted"), ("accepted", "fulfilled")]
    assert pledges.events(pledge.id)[1].detail == {"note": "checked"}


def test_an_edit_keeps_before_and_after_and_the_reports(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge = pledges.add(_item(pledge_data(), rules))
    pledges.add_progress(pledge.id, "Politique adoptée",
                         ProgressReport(on=date(2021, 6, 1), value=0.5))
    new_title = "Adopter et publier une politique nationale d’ici à la fin 2021"
    indicators = [*pledge_data()["indicators"],
                  {"name": "Inspecteurs formés", "target": 40, "deadline": "2021-11-30"}]
    changed = validate_form(pledge_data(title=new_title, indicators=indicators), rules)
    edited = pledges.edit(pledge.id, changed, smart={}, kind="country")
    assert edited.form.title == new_title and len(edited.indicators) == 2
    assert edited.indicators[0].reports[0].value == 0.5  # kept by the indicator's name
    event = pledges.events(pledge.id)[-1]
    assert event.action == "edited"
    assert event.detail["title"]["before"] == pledge.form.title
    assert event.detail["title"]["after"] == new_title
    assert pledges.get(pledge.id).form.key != pledge.form.key


def test_filters(pledges: PledgeStore, rules: FormRules,
                 pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledges.add(_item(pledge_data(), rules))
    other = pledges.add(_item(pledge_data(name="CUT Brasil", country="BR", language="es",
                                          audience="org-workers"), rules))
    assert [p.id for p in pledges.pledges(countries=["br"])] == [other.id]
    assert [p.id for p in pledges.pledges(audiences=["org-workers"], languages=["es"])] == [other.id]
    assert len(pledges.pledges(statuses=["submitted"])) == 2
    from campaign.errors import UsageError

    with pytest.raises(UsageError, match="unknown pledge status 'done'"):
        pledges.pledges(statuses=["done"])
