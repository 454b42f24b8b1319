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
    IndicatorHasReports,
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
    # stored as the form folds them (audience and language lower case): filters fold the same
    assert [p.id for p in pledges.pledges(audiences=["ORG-Workers"], languages=["ES"])] == [other.id]
    assert len(pledges.pledges(statuses=["submitted"])) == 2
    from campaign.errors import UsageError

    with pytest.raises(UsageError, match="unknown pledge status 'done'"):
        pledges.pledges(statuses=["done"])


def test_an_edit_refuses_to_drop_an_indicator_with_reports(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge = pledges.add(_item(pledge_data(), rules))
    pledges.add_progress(pledge.id, "Politique adoptée",
                         ProgressReport(on=date(2021, 6, 1), value=0.5))
    renamed = [{"name": "Politique votée", "target": 1, "deadline": "2021-12-31"}]
    for indicators in (renamed, []):
        with pytest.raises(IndicatorHasReports) as caught:
            pledges.edit(pledge.id, validate_form(pledge_data(indicators=indicators), rules),
                         smart={}, kind="country")
        assert caught.value.message == (
            f"pledge {pledge.id}'s indicator 'Politique adoptée' has 1 progress report: keep it "
            "in 'indicators' under the same name (only its unit, baseline, target and deadline "
            "may change), or its reports would be lost")
        assert caught.value.exit_code == 2
    assert pledges.get(pledge.id) == pledges.pledges()[0]
    assert pledges.get(pledge.id).indicators[0].reports[0].value == 0.5
    assert [e.action for e in pledges.events(pledge.id)] == ["created", "progress"]


def test_a_new_bluesky_handle_drops_the_old_handles_did(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    from campaign.pledges.submission import edit

    did = "did:plc:abcdefghijklmnopqrstuvwx"
    pledge = pledges.add(_item(pledge_data(handles={"bluesky": "old.bsky.social"}), rules,
                               dids={"bluesky": did}))
    same, _ = edit(pledges, pledge.id, {"title": pledge.form.title + " au Sénégal"}, rules)
    assert same.dids == {"bluesky": did}  # the handle kept: so is its DID
    moved, _ = edit(pledges, pledge.id, {"handles": {"bluesky": "new.bsky.social"}}, rules)
    assert moved.form.handles == {"bluesky": "new.bsky.social"} and moved.dids == {}
    event = pledges.events(pledge.id)[-1]
    assert event.detail["dids"] == {"before": {"bluesky": did}, "after": {}}
    assert pledges.find_by_handle("bluesky", did) == []


def test_add_many_writes_reports_of_stored_pledges_in_the_same_transaction(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    stored = pledges.add(_item(pledge_data(), rules))
    new = _item(pledge_data(name="Nouveau"), rules)
    report = ProgressReport(on=date(2021, 2, 1), value=0.5, note="« v1 »")
    with pytest.raises(UnknownIndicator, match="has no indicator 'Enfants'"):
        pledges.add_many([new], progress=[(stored.id, "Politique adoptée", report),
                                          (stored.id, "Enfants", report)])
    assert [p.id for p in pledges.pledges()] == [stored.id]  # nothing of the failed call
    assert pledges.get(stored.id).indicators[0].reports == ()
    pledges.add_many([new], progress=[(stored.id, "politique ADOPTÉE", report)])
    assert pledges.get(stored.id).indicators[0].reports == (report,)
    event = pledges.events(stored.id)[-1]
    assert (event.action, event.detail["indicator"], event.detail["value"]) == (
        "progress", "Politique adoptée", 0.5)


def test_long_titles_and_names_are_stored_on_every_backend(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    # a title of 20 long words and a name NFKC makes 18 times longer: both within the form's
    # limits, far over the 1,000 characters a folded key had in PostgreSQL's VARCHAR and index
    title = " ".join(["Élimination" * 20] * 19) + " 2021"
    first = pledges.add(_item(pledge_data(title=title), rules))
    second = pledges.add(_item(pledge_data(name="ﷺ" * 200), rules))
    assert len(first.form.key) > 2000 and len(second.form.key) > 3000
    assert pledges.duplicates([first.form, second.form]) == {first.form.key: first.id,
                                                             second.form.key: second.id}
    with pytest.raises(DuplicatePledge, match=rf"\(pledge {first.id}\)"):
        pledges.add(_item(pledge_data(title=title.lower()), rules))


@pytest.mark.parametrize(("amount", "stored"), [
    pytest.param("12500.50", Decimal("12500.50"), id="cents-kept"),
    pytest.param("1E+3", Decimal("1000"), id="exponent"),
    pytest.param("0." + "1" * 60, None, id="too-many-digits"),
    pytest.param("1" * 25, None, id="too-many-whole-digits"),
])
def test_an_amount_is_stored_exactly_or_refused_before_the_database(
        amount: str, stored: Decimal | None, pledges: PledgeStore, rules: FormRules,
        pledge_data: Callable[..., dict[str, Any]]) -> None:
    from campaign.pledges.form import PledgeInvalid

    data = pledge_data(cost={"amount": amount, "currency": "EUR"})
    if stored is None:
        with pytest.raises(PledgeInvalid) as caught:
            _item(data, rules)
        assert caught.value.message == (
            "pledge: 'cost.amount' has too many digits: write the amount with at most 24 "
            "digits and 6 decimals, e.g. 12500.50")
        return
    pledge = pledges.add(_item(data, rules))
    assert pledge.form.cost is not None and pledge.form.cost.amount == stored
    assert pledge == pledges.get(pledge.id)


def test_a_did_is_recorded_only_for_the_handle_it_was_resolved_from(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    """`pledge resolve` racing an edit: the DID of the old handle never lands on the new one."""
    pledge = pledges.add(_item(pledge_data(handles={"bluesky": "new.bsky.social"}), rules))
    did = "did:plc:abcdefghijklmnopqrstuvwx"
    assert not pledges.set_did(pledge.id, "bluesky", did, handle="old.bsky.social")
    assert pledges.get(pledge.id).dids == {}
    assert pledges.set_did(pledge.id, "bluesky", did, handle="new.bsky.social")
    assert pledges.get(pledge.id).dids == {"bluesky": did}
