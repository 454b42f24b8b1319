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
