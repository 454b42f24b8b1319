"""`campaign amplify auto` and `amplify log` from the command line: the printout in 80 columns
in each language, --json, a bad policy (exit 2), a database that fails (exit 1); `repost` and
`quote` by hand still work as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

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
    logged = json.loads(db_cli("amplify", "log", "--json", "--lang", "fr").output)
    # the stranger's not-a-pledger, decided twice, is logged once: a repeat is not logged
    assert sorted(d["reason"] for d in logged) == ["already-amplified", "chosen",
                                                   "not-a-pledger"]
    skipped = next(d for d in logged if d["reason"] == "not-a-pledger")
    assert skipped["detail"] == {"note": "no-pledge", "author": "someone[bold]x"}
    assert skipped["message"] == "someone[bold]x n’a pas d’engagement"
    shown = db_cli("amplify", "log", "--lang", "fr", "--since", "2021-06-12")
    assert shown.exit_code == 0 and "déjà amplifiée" in shown.output
    assert "Aucune" in db_cli("amplify", "log", "--since", "2021-06-13", "--lang", "fr").output
    # and the runner publishes it once, with the policy on its schedule
    ran = db_cli("run", "--once", "--now", NOW, "--amplify-policy", ready)
    assert ran.exit_code == 0, ran.output
    assert "Published 1" in ran.output


@SQLITE_ONLY
@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_printout_stays_in_80_columns_and_never_cuts_a_reason(
        db_cli: Callable[..., Result], store: Store, tmp_path: Path, lang: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Long handles, every kind of reason: aligned, no trailing space, within 80 columns, and
    the summary by reason cut between its items only."""

    from campaign.queue import amplify_labels as labels
    from campaign.tracking.records import PostKind

    monkeypatch.setenv("COLUMNS", "80")
    store.add_account("x", "@ILO_fr_secretariat_account", f"outbox:{tmp_path / 'x.jsonl'}")
    long: dict[str, Any] = {"author": "1", "handle": "a_very_long_handle_for_a_column",
                            "language": "fr"}
    tracks = TrackStore(store.url)
    tracks.save_posts("test", [
        make_post(1, **long),  # 2 minutes old, before min_age 3m
        make_post(4, **long, kind=PostKind.REPLY), make_post(5, **long, kind=PostKind.QUOTE),
        make_post(6, **long, kind=PostKind.REPOST), make_post(7, **{**long, "language": "de"}),
        make_post(8, **long, tags=("other",)), make_post(9, **long),
        make_post(90, **long)])  # 90 minutes old, after max_age 1h
    tracks.close()
    path = tmp_path / "policy.yaml"
    path.write_text("accounts: [x=@ILO_fr_secretariat_account]\nwho: [x:@a_very_long_handle_for_a_column]\n"
                    "min_age: 3m\nmax_age: 1h\nlanguages: [fr]\n", encoding="utf-8")
    result = db_cli("amplify", "auto", "--policy", path, "--dry-run", "--now",
                    "2021-06-12T08:01:00Z", "--lang", lang)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)
    table = lines[1:10]  # the header and the 8 posts
    assert lines[10].startswith(labels.text(lang, "dry")[:10])
    for code in ("reply", "quote", "repost", "too-young", "too-old", "language", "hashtag",
                 "chosen"):
        assert any(line.endswith(labels.reason(lang, code)) for line in table), code
    starts = {line.index(labels.headers(lang)["reason"]) for line in table[:1]}
    assert all(len(line) > min(starts) for line in table)  # the reasons in one column
    summary = result.output[result.output.index(labels.text(lang, "by_reason")):]
    items = [f"{labels.reason(lang, c)} 1" for c in ("quote", "repost", "reply", "too-old",
                                                         "too-young", "language",
                                                         "hashtag")]
    for item in items:  # each item whole on one line
        assert any(item in line for line in summary.splitlines()), item
    assert len(summary.splitlines()) >= 2  # it did need cutting


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


@SQLITE_ONLY
def test_a_failing_policy_turn_never_stops_publishing(db_cli: Callable[..., Result],
                                                      ready: Path) -> None:
    """An account the database no longer has: the turn fails and says so, what is due still
    goes out, and `run --once` exits 1 (not everything went well)."""
    queued = db_cli("amplify", "repost", "https://x.com/TravailSN/status/1", "--account", "x",
                    "--at", NOW)
    assert queued.exit_code == 0, queued.output
    ready.write_text("accounts: [x=@ILO_fr, x=@gone]\n", encoding="utf-8")
    ran = db_cli("run", "--once", "--now", NOW, "--amplify-policy", ready)
    assert ran.exit_code == 1, ran.output
    assert "Published 1" in ran.output
    assert "line 1: key accounts:" in ran.output and "publishing goes on" in ran.output
    assert "Traceback" not in ran.output


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
