"""`campaign amplify auto` and `amplify log` from the command line: the printout in 80 columns
in each language, --json, a bad policy (exit 2), a database that fails (exit 1); `repost` and
`quote` by hand still work as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules
from campaign.pledges.store import PledgeStore
from campaign.pledges.submission import prepare
from campaign.queue.store import Store
from campaign.tracking.store import TrackStore
from tests.conftest import SQLITE_ONLY
from tests.pledges.conftest import PLEDGE
from tests.tracking.conftest import make_post

NOW = "2021-06-12T09:00:00Z"


@pytest.fixture
def ready(store: Store, schedule: Schedule, tmp_path: Path) -> Path:
    """An outbox account, a pledge, a pledger's post and a stranger's; the policy's path."""
    store.add_account("x", "@ILO_fr", f"outbox:{tmp_path / 'x.jsonl'}")
    pledges = PledgeStore(store.url)
    pledges.add(prepare(PLEDGE, FormRules.from_schedule(schedule, today=date(2021, 3, 1)))[0])
    pledges.close()
    tracks = TrackStore(store.url)
    tracks.save_posts("test", [make_post(1, author="4242", handle="TravailSN", language="fr"),
                               make_post(2, author="777", handle="someone[bold]x", language="fr")])
    tracks.close()
    path = tmp_path / "policy.yaml"
    path.write_text("name: secretariat\naccounts: [x=@ILO_fr]\n", encoding="utf-8")
    return path


@SQLITE_ONLY
@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Post", "would queue", "not a pledger", "Dry run", "queued 1, skipped 1"]),
    ("fr", ["Publication", "serait en file", "pas un engagé", "Essai à blanc"]),
    ("es", ["Publicación", "iría a la cola", "sin compromiso", "Simulación"]),
])
def test_a_dry_run_prints_each_decision_in_80_columns(db_cli: Callable[..., Result], ready: Path,
                                                       store: Store, lang: str,
                                                       words: list[str]) -> None:
    result = db_cli("amplify", "auto", "--policy", ready, "--dry-run", "--now", NOW,
                    "--lang", lang)
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output
    assert "someone[bold]x" in result.output  # printed as it is, never as markup
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert store.posts() == []


@SQLITE_ONLY
def test_a_run_queues_records_and_the_log_says_why(db_cli: Callable[..., Result],
                                                   ready: Path, store: Store) -> None:
    done = json.loads(db_cli("amplify", "auto", "--policy", ready, "--now", NOW, "--json").output)
    assert done["queued"] == 1 and done["skipped"] == {"not-a-pledger": 1}
    assert done["policy"].startswith("secretariat sha256:")
    again = db_cli("amplify", "auto", "--policy", ready, "--now", NOW)
    assert again.exit_code == 0 and "already amplified" in again.output
    logged = json.loads(db_cli("amplify", "log", "--json").output)
    assert len(logged) == 4 and {d["reason"] for d in logged} == {"chosen", "not-a-pledger",
                                                                    "already-amplified"}
    shown = db_cli("amplify", "log", "--lang", "fr", "--since", "2021-06-12")
    assert shown.exit_code == 0 and "déjà amplifiée" in shown.output
    assert "Aucune" in db_cli("amplify", "log", "--since", "2021-06-13", "--lang", "fr").output
    # and the runner publishes it once, with the policy on its schedule
    ran = db_cli("run", "--once", "--now", NOW, "--amplify-policy", ready)
    assert ran.exit_code == 0, ran.output
    assert "Published 1" in ran.output


@SQLITE_ONLY
def test_a_bad_policy_exits_2_naming_file_line_and_key(db_cli: Callable[..., Result],
                                                        ready: Path) -> None:
    ready.write_text("accounts: [x=@ILO_fr]\nquiet_hours: late\n", encoding="utf-8")
    for args in (("amplify", "auto", "--policy", ready), ("run", "--amplify-policy", ready)):
        result = db_cli(*args)
        assert result.exit_code == 2, result.output
        assert f"{ready}, line 2: key quiet_hours: 'late' is not a span of hours" in result.output
        assert "Traceback" not in result.output
    ready.write_text("accounts: [x=@nobody]\n", encoding="utf-8")
    result = db_cli("amplify", "auto", "--policy", ready)
    assert result.exit_code == 2 and f"{ready}, line 1: key accounts:" in result.output


def test_a_database_that_fails_exits_1(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("accounts: [x=@ILO_fr]\n", encoding="utf-8")
    result = run("amplify", "auto", "--policy", path, "--db",
                 "postgresql://campaign:hunter2@127.0.0.1:1/queue")
    assert result.exit_code == 1 and "hunter2" not in result.output


def test_the_help_and_the_hand_commands(run: Callable[..., Result]) -> None:
    from campaign.cli.app import SUMMARIES

    helped = run("amplify", "--help")
    assert helped.exit_code == 0
    assert SUMMARIES["amplify"] in helped.output
    for sub in ("auto", "log", "quote", "repost"):
        assert sub in helped.output
