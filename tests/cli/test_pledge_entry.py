"""``campaign pledge add|show|list|edit|accept|fulfil|withdraw`` through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import Result

from tests.pledges.conftest import PLEDGE

if TYPE_CHECKING:
    from tests.servers.pds import LocalPDS

TODAY = ("--today", "2021-03-01")


@pytest.fixture
def pledge_cli(db_cli: Callable[..., Result]) -> Callable[..., Result]:
    """The CLI on a migrated database of the test's backend."""
    assert db_cli("db", "upgrade").exit_code == 0
    return db_cli


def _file(tmp_path: Path, data: dict[str, Any], name: str = "pledge.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if name.endswith(".yaml")
                    else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["pledge.yaml", "pledge.json"])
def test_add_from_a_file_then_show_and_list(pledge_cli: Callable[..., Result], tmp_path: Path,
                                            name: str) -> None:
    result = pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE, name), *TODAY)
    assert result.exit_code == 0, result.output
    assert "Pledge 1 stored (submitted)." in result.output
    assert "Adopter une politique nationale" in result.output
    shown = json.loads(pledge_cli("pledge", "show", "1", "--json").output)
    assert shown["title"] == PLEDGE["title"] and shown["status"] == "submitted"
    assert shown["smart"]["lang"] == "fr" and set(shown["smart"]["criteria"]) == {
        "specific", "measurable", "achievable", "realistic", "time_bound"}
    assert [e["action"] for e in shown["events"]] == ["created"]
    listed = pledge_cli("pledge", "list")
    assert listed.exit_code == 0 and "Ministère du Travail du Sénégal · country" in listed.output
    assert all(len(line) <= 80 for line in listed.output.splitlines())


def test_add_asks_each_question_and_checks_each_answer(pledge_cli: Callable[..., Result],
                                                       database_url: str) -> None:
    from click.testing import CliRunner

    from campaign.cli import cli

    too_long = " ".join(["mot"] * 21)
    answers = ["martians", "country", "Ministère du Travail", "QQ", "SN", "fr", "Awa Diop",
               "awa@", "awa.diop@travail.gouv.sn", too_long, PLEDGE["title"],
               PLEDGE["implementation"], PLEDGE["contribution"], PLEDGE["communication"],
               "not a handle!", "@TravailSN", "", "", "", "", "", "",  # seven networks
               "Politique adoptée", "politique", "0", "1", "2021-12-31", "",  # one indicator
               "12500000", "XOF"]
    result = CliRunner().invoke(cli, ["pledge", "add", *TODAY, "--db", database_url],
                                input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "unknown stakeholder type 'martians'" in result.output
    assert "'country' 'QQ' is not an ISO 3166" in result.output
    assert "is not an email address" in result.output
    assert "'title' has 21 words, over the limit of 20" in result.output
    assert "X handle 'not a handle!'" in result.output
    assert "Pledge 1 stored (submitted)." in result.output


def test_add_checks_the_deadline_and_the_cost_as_they_are_typed(
        pledge_cli: Callable[..., Result], database_url: str) -> None:
    from click.testing import CliRunner

    from campaign.cli import cli

    answers = ["country", "Ministère du Travail", "SN", "fr", "Awa Diop",
               "awa.diop@travail.gouv.sn", PLEDGE["title"], PLEDGE["implementation"],
               PLEDGE["contribution"], PLEDGE["communication"], "", "", "", "", "", "", "",
               "Politique adoptée", "politique", "0", "1",
               "31/12/2021", "2026-06-30", "2021-01-10", "2021-12-31", "",  # one indicator
               "12 500,50", "-5", "12500.50", "EUR"]
    result = CliRunner().invoke(cli, ["pledge", "add", *TODAY, "--db", database_url],
                                input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "'indicators[1].deadline' '31/12/2021' is not a date" in result.output
    assert "'indicators[1].deadline' 2026-06-30 is after 2025-12-31" in result.output
    assert "'indicators[1].deadline' 2021-01-10 is in the past" in result.output
    assert "'cost.amount' '12 500,50' is not an amount" in result.output
    assert "'cost.amount' '-5' is below 0" in result.output
    assert "EUR 12,500.50" in result.output  # the currency's two decimals


@pytest.mark.parametrize(("changes", "message"), [
    pytest.param({"title": " ".join(["mot"] * 21)}, "'title' has 21 words, over the limit of 20",
                 id="title-over-20-words"),
    pytest.param({"audience": "martians"}, "unknown stakeholder type", id="unknown-type"),
    pytest.param({"handles": {"mastodon": "@travail"}}, "Mastodon handle '@travail'",
                 id="mastodon-handle-without-instance"),
    pytest.param({"contribution": " ".join(["mot"] * 101)},
                 "'contribution' has 101 words, over the limit of 100",
                 id="contribution-over-100-words"),
    pytest.param({"communication": ""}, "'communication' is empty: answer it",
                 id="missing-required-field"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "2021-01-31"}]},
                 "'indicators[1].deadline' 2021-01-31 is in the past", id="deadline-in-the-past"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "2026-03-01"}]},
                 "is after 2025-12-31, the campaign's horizon", id="deadline-after-2025"),
    pytest.param({"focal_point": {"name": "Awa", "email": "awa@@travail.sn"}},
                 "is not an email address", id="invalid-email"),
    pytest.param({"cost": {"amount": "100", "currency": "FRF"}},
                 "'cost.currency' 'FRF' is no longer in use", id="currency-no-longer-in-use"),
    pytest.param({"cost": {"amount": "100", "currency": "EUX"}},
                 "'cost.currency' 'EUX' is not an ISO 4217 currency code", id="invalid-currency"),
])
def test_a_bad_file_stores_nothing(pledge_cli: Callable[..., Result], tmp_path: Path,
                                   changes: dict[str, Any], message: str) -> None:
    result = pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE | changes), *TODAY)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output
    assert pledge_cli("pledge", "list").output.strip() == "No pledges match."


@pytest.mark.parametrize(("line", "message"), [
    pytest.param("communication: Une vidéo chaque mois avec #EndChildLabour2021",
                 "line 2: 'communication' stops before '#EndChildLabour2021', as YAML reads an "
                 "unquoted ' #' as the start of a comment: put the whole value in quotes",
                 id="hashtag-cut"),
    pytest.param("communication: #EndChildLabour2021 chaque mois",
                 "'communication' is empty: answer it (in a YAML file, put a text that starts "
                 "with '#' in quotes", id="hashtag-first"),
])
def test_a_hand_written_yaml_value_cut_by_a_hash_is_refused(
        pledge_cli: Callable[..., Result], tmp_path: Path, line: str, message: str) -> None:
    written = yaml.safe_dump({k: v for k, v in PLEDGE.items() if k != "communication"},
                             allow_unicode=True, sort_keys=False)
    path = tmp_path / "pledge.yaml"
    first, rest = written.split("\n", 1)
    path.write_text(f"{first}\n{line}\n{rest}", encoding="utf-8")
    result = pledge_cli("pledge", "add", "--from", path, *TODAY)
    assert result.exit_code == 2 and message in result.output, result.output
    assert pledge_cli("pledge", "list").output.strip() == "No pledges match."
    # a comment written as one, after a value, is no problem
    whole = yaml.safe_dump(PLEDGE, allow_unicode=True, sort_keys=False)
    path.write_text(f"{whole}# reçu par courriel\n".replace(
        "currency: XOF", "currency: XOF  # franc CFA"), encoding="utf-8")
    assert pledge_cli("pledge", "add", "--from", path, *TODAY).exit_code == 0


def test_a_duplicate_is_refused(pledge_cli: Callable[..., Result], tmp_path: Path) -> None:
    path = _file(tmp_path, PLEDGE)
    assert pledge_cli("pledge", "add", "--from", path, *TODAY).exit_code == 0
    again = pledge_cli("pledge", "add", "--from", path, *TODAY)
    assert again.exit_code == 2
    assert "already has a pledge titled" in again.output and "(pledge 1)" in again.output


def test_edit_and_status_changes_are_in_the_history(pledge_cli: Callable[..., Result],
                                                    tmp_path: Path) -> None:
    assert pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE), *TODAY).exit_code == 0
    edited = pledge_cli("pledge", "edit", "1", "--set", "handles.bluesky=travail.bsky.social",
                        "--set", "focal_point.email=contact@travail.gouv.sn", *TODAY)
    assert edited.exit_code == 0, edited.output
    bad = pledge_cli("pledge", "edit", "1", "--set", "focal_point.email=nope", *TODAY)
    assert bad.exit_code == 2 and "is not an email address" in bad.output
    assert pledge_cli("pledge", "accept", "1", "--note", "checked").exit_code == 0
    assert pledge_cli("pledge", "fulfil", "1").exit_code == 0
    refused = pledge_cli("pledge", "withdraw", "1")
    assert refused.exit_code == 2 and "is fulfilled and cannot become withdrawn" in refused.output
    shown = json.loads(pledge_cli("pledge", "show", "1", "--json").output)
    assert shown["handles"]["bluesky"] == "travail.bsky.social"
    assert shown["focal_point"]["email"] == "contact@travail.gouv.sn"
    assert [e["action"] for e in shown["events"]] == ["created", "edited", "status", "status"]
    assert shown["events"][1]["detail"]["focal_point"]["before"]["email"] == \
        PLEDGE["focal_point"]["email"]


def test_edit_removes_a_handle_given_empty(pledge_cli: Callable[..., Result],
                                          tmp_path: Path) -> None:
    assert pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE), *TODAY).exit_code == 0
    edited = pledge_cli("pledge", "edit", "1", "--set", "handles.x=", *TODAY)
    assert edited.exit_code == 0, edited.output
    shown = json.loads(pledge_cli("pledge", "show", "1", "--json").output)
    assert shown["handles"] == {"mastodon": PLEDGE["handles"]["mastodon"]}
    assert shown["events"][-1]["detail"]["handles"]["before"]["x"] == PLEDGE["handles"]["x"]


def test_edit_sets_any_field_of_the_form(pledge_cli: Callable[..., Result],
                                         tmp_path: Path) -> None:
    assert pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE), *TODAY).exit_code == 0

    def edit(*sets: str) -> Result:
        return pledge_cli("pledge", "edit", "1", *(f"--set={s}" for s in sets), *TODAY)

    assert edit("indicators.1.target=2").exit_code == 0
    added = edit("indicators.2.name=Inspecteurs formés", "indicators.2.target=120",
                 "indicators.2.deadline=2021-11-30", "amplification.strategy=vertical",
                 "amplification.cost.amount=5000000", "amplification.cost.currency=XOF")
    assert added.exit_code == 0, added.output
    shown = json.loads(pledge_cli("pledge", "show", "1", "--json").output)
    assert [(i["name"], i["target"]) for i in shown["indicators"]] == [
        ("Politique adoptée", 2), ("Inspecteurs formés", 120)]
    assert shown["amplification"]["cost"] == {"amount": "5000000", "currency": "XOF"}
    assert edit("cost=", "indicators.1=").exit_code == 0
    shown = json.loads(pledge_cli("pledge", "show", "1", "--json").output)
    assert "cost" not in shown and [i["name"] for i in shown["indicators"]] == [
        "Inspecteurs formés"]
    wrong = edit("indicators.3.target=1")
    assert wrong.exit_code == 2 and "'3' is not the number of one of its indicators: it has " \
        "indicator 1; 2 adds one" in wrong.output
    half = edit("indicators.2.name=Écoles")
    assert half.exit_code == 2 and "'indicators[2].target' is required" in half.output
    events = json.loads(pledge_cli("pledge", "show", "1", "--json").output)["events"]
    same = edit("country=sn")  # the value it has: nothing written, no empty "edited" event
    assert same.exit_code == 0 and "Pledge 1 unchanged: country already had the values " \
        "given." in same.output
    assert json.loads(pledge_cli("pledge", "show", "1", "--json").output)["events"] == events


@pytest.mark.parametrize("args", [
    pytest.param(("show", "7"), id="show-unknown"),
    pytest.param(("withdraw", "7"), id="withdraw-unknown"),
])
def test_unknown_pledge(pledge_cli: Callable[..., Result], args: tuple[str, ...]) -> None:
    result = pledge_cli("pledge", *args)
    assert result.exit_code == 2 and "no pledge has id 7" in result.output


def test_a_pledge_id_is_a_number(pledge_cli: Callable[..., Result]) -> None:
    result = pledge_cli("pledge", "show", "abc")
    assert result.exit_code == 2 and "pledge ids are numbers" in result.output


def test_a_bluesky_handle_is_stored_with_its_did(pledge_cli: Callable[..., Result],
                                                 tmp_path: Path, local_pds: LocalPDS) -> None:
    """Against the real PDS: add resolves the handle; resolve fills a DID stored without one."""
    account = local_pds.create_account("pledger")
    data = PLEDGE | {"handles": {"bluesky": account.handle}}
    added = pledge_cli("pledge", "add", "--from", _file(tmp_path, data), *TODAY,
                       "--resolve-via", local_pds.url, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["dids"] == {"bluesky": account.did}
    other = data | {"title": "Financer 10 projets d’ici à la fin 2021"}
    offline = pledge_cli("pledge", "add", "--from", _file(tmp_path, other, "b.yaml"), *TODAY,
                         "--no-resolve", "--json")
    assert json.loads(offline.output)["dids"] == {}
    resolved = pledge_cli("pledge", "resolve", "--resolve-via", local_pds.url, "--json")
    assert resolved.exit_code == 0, resolved.output
    assert json.loads(resolved.output) == [{"id": 2, "handle": account.handle, "did": account.did,
                                            "problem": ""}]
    shown = json.loads(pledge_cli("pledge", "show", "2", "--json").output)
    assert shown["dids"] == {"bluesky": account.did}
    assert shown["events"][-1]["action"] == "did"


def test_resolve_says_when_a_handle_is_unknown(pledge_cli: Callable[..., Result], tmp_path: Path,
                                               local_pds: LocalPDS) -> None:
    data = PLEDGE | {"handles": {"bluesky": "nobody-pledged.test"}}
    added = pledge_cli("pledge", "add", "--from", _file(tmp_path, data), *TODAY,
                       "--resolve-via", local_pds.url)
    said = " ".join(added.output.split())
    assert added.exit_code == 0 and "'nobody-pledged.test' does not exist" in said
    assert "stored without the DID of nobody-pledged.test" in said
    resolved = pledge_cli("pledge", "resolve", "--resolve-via", local_pds.url)
    assert resolved.exit_code == 1 and "0 of 1 handles resolved." in resolved.output


def test_withdraw_cancels_the_posts_still_queued(pledge_cli: Callable[..., Result],
                                                 tmp_path: Path) -> None:
    assert pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE), *TODAY).exit_code == 0
    assert pledge_cli("accounts", "add", "x", "@TravailSN", "--credentials",
                      f"outbox:{tmp_path / 'outbox.jsonl'}").exit_code == 0
    queued = pledge_cli("pledge", "posts", "--queue", "--json")
    assert queued.exit_code == 0, queued.output
    waiting = json.loads(pledge_cli("queue", "list", "--status", "scheduled", "--json").output)
    assert len(waiting) == 4  # February, June, July, December on x
    withdrawn = pledge_cli("pledge", "withdraw", "1", "--note", "remplacée")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "Pledge 1 is now withdrawn; 4 queued posts cancelled." in withdrawn.output
    assert json.loads(pledge_cli("queue", "list", "--status", "scheduled", "--json").output) == []


def test_a_draft_is_submitted_and_sent_back(pledge_cli: Callable[..., Result],
                                            tmp_path: Path) -> None:
    added = pledge_cli("pledge", "add", "--from", _file(tmp_path, PLEDGE), *TODAY, "--draft")
    assert added.exit_code == 0 and "Pledge 1 stored (draft)." in added.output
    assert pledge_cli("pledge", "accept", "1").exit_code == 2  # a draft is submitted first
    assert "Pledge 1 is now submitted." in pledge_cli("pledge", "submit", "1").output
    assert "Pledge 1 is now a draft again." in pledge_cli("pledge", "draft", "1", "--note", "x").output
    history = json.loads(pledge_cli("pledge", "show", "1", "--json").output)["events"]
    assert [(e["from"], e["to"]) for e in history] == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "draft")]
