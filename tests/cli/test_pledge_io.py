"""``campaign pledge import`` and ``pledge export`` through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from campaign.pledges import io_csv
from tests.content.test_bad_input import assert_clean_failure
from tests.pledges.conftest import PLEDGE

TODAY = ("--today", "2021-03-01")


@pytest.fixture
def pledge_cli(db_cli: Callable[..., Result]) -> Callable[..., Result]:
    """The CLI on a migrated database of this test's backend."""
    assert db_cli("db", "upgrade").exit_code == 0
    return db_cli


def _pledge(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PLEDGE)
    data.update(changes)
    return data


def _csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8") -> Path:
    flat = [io_csv.flatten(r) for r in rows]
    columns = [c for c in [*io_csv.COLUMNS, *io_csv._indicator_columns()]
               if any(c in f for f in flat)]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        # guarded as an export writes them: a title starting with ' keeps it
        writer.writerows([io_csv.guard(f.get(c, "")) for c in columns] for f in flat)
    return path


def test_import_reports_every_row_and_exits_2_when_one_is_rejected(
        pledge_cli: Callable[..., Result], tmp_path: Path) -> None:
    path = _csv(tmp_path / "pledges.csv", [
        _pledge(), _pledge(name="ONG", title=" ".join(["mot"] * 21)),
        _pledge(name="Acme", language="en", audience="org-company")])
    result = pledge_cli("pledge", "import", path, *TODAY, "--no-resolve")
    assert_clean_failure(result, "accepted  pledges.csv line 2  pledge 1",
                         "rejected  pledges.csv line 3  ONG",
                         "    - 'title' has 21 words, over the limit of 20",
                         "Imported 2 pledges; 1 row rejected, nothing stored from them.")
    listed = json.loads(pledge_cli("pledge", "list", "--json").output)
    assert [p["name"] for p in listed] == [PLEDGE["name"], "Acme"]


def test_import_json_report_atomic_and_dry_run(pledge_cli: Callable[..., Result],
                                               tmp_path: Path) -> None:
    path = _csv(tmp_path / "pledges.csv", [_pledge(), _pledge(name="B", country="XX")])
    for flag, summary in (("--atomic", "Nothing imported (--atomic); 1 row rejected"),
                          ("--dry-run", "Dry run: 1 pledge would be imported; 1 row rejected")):
        result = pledge_cli("pledge", "import", path, *TODAY, flag)
        assert_clean_failure(result, summary)
    report = pledge_cli("pledge", "import", path, *TODAY, "--atomic", "--json")
    assert report.exit_code == 2
    data = json.loads(report.output)
    assert data["stored"] is False and data["pledges"] == {"accepted": 1, "rejected": 1}
    assert data["rows"][1]["problems"][0].startswith("'country' 'XX' is not an ISO 3166")
    assert json.loads(pledge_cli("pledge", "list", "--json").output) == []
    ok = pledge_cli("pledge", "import", _csv(tmp_path / "one.csv", [_pledge()]), *TODAY)
    assert ok.exit_code == 0, ok.output
    assert ok.output.endswith("Imported 1 pledge.\n")


def test_export_then_import_gives_back_the_same_pledges(
        pledge_cli: Callable[..., Result], run: Callable[..., Result], tmp_path: Path) -> None:
    path = _csv(tmp_path / "pledges.csv", [_pledge(title="=SUM(A1) en 2021"),
                                            _pledge(name="B", title="'Citée' en 2021")])
    assert pledge_cli("pledge", "import", path, *TODAY).exit_code == 0
    assert pledge_cli("pledge", "accept", "1").exit_code == 0
    assert pledge_cli("pledge", "progress", "1", "--indicator", "Politique adoptée",
                      "--value", "1", *TODAY).exit_code == 0
    out = tmp_path / "out.csv"
    exported = pledge_cli("pledge", "export", "--out", out)
    assert exported.exit_code == 0, exported.output
    assert exported.output == (f"Wrote 2 pledges to {out} and 1 progress report to "
                               f"{tmp_path / 'out.progress.csv'}.\n")
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run("db", "upgrade", "--db", fresh).exit_code == 0
    again = run("pledge", "import", out, tmp_path / "out.progress.csv", *TODAY, "--db", fresh)
    assert again.exit_code == 0, again.output
    assert "Imported 2 pledges and 1 progress report." in again.output
    shown = [json.loads(pledge_cli("pledge", "show", str(i), "--json").output) for i in (1, 2)]
    back = [json.loads(run("pledge", "show", str(i), "--json", "--db", fresh).output)
            for i in (1, 2)]
    drop = ("created_at", "updated_at", "events")  # the history is of this database
    for old, new in zip(shown, back, strict=True):
        for key in old.keys() - set(drop):
            assert new[key] == old[key], key
    assert back[0]["title"] == "=SUM(A1) en 2021" and back[1]["title"] == "'Citée' en 2021"
    as_json = pledge_cli("pledge", "export", "--out", tmp_path / "out.json", "--json")
    assert json.loads(as_json.output) == {"files": [str(tmp_path / "out.json")], "pledges": 2,
                                          "progress_reports": 1}


@pytest.mark.parametrize(("write", "needles"), [
    pytest.param(lambda p: p.write_text("audience,name,organisation\n", encoding="utf-8"),
                 ["p.csv has a wrong header for a pledges file (unknown column 'organisation';",
                  "no 'country'"], id="wrong-header"),
    pytest.param(lambda p: p.write_bytes("name,title\nMinistère,x\n".encode("cp1252")),
                 ["p.csv is not UTF-8 (byte 0xE8 at line 2): save it as UTF-8 CSV"],
                 id="not-utf8"),
    pytest.param(lambda p: p.write_text("", encoding="utf-8"), ["p.csv is empty"], id="empty"),
])
def test_import_refuses_an_unreadable_file_with_one_sentence(
        write: Callable[[Path], object], needles: list[str],
        pledge_cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    write(path)
    assert_clean_failure(pledge_cli("pledge", "import", path, *TODAY), *needles)
    assert json.loads(pledge_cli("pledge", "list", "--json").output) == []


def test_a_duplicate_pledge_is_rejected_by_the_cli(pledge_cli: Callable[..., Result],
                                                   tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", [_pledge()])
    assert pledge_cli("pledge", "import", path, *TODAY).exit_code == 0
    assert_clean_failure(pledge_cli("pledge", "import", path, *TODAY),
                         "already has a pledge titled", "(pledge 1)")


def test_export_needs_a_known_format(pledge_cli: Callable[..., Result], tmp_path: Path) -> None:
    assert_clean_failure(pledge_cli("pledge", "export", "--out", tmp_path / "p.txt"),
                         "end it with .csv or .json")
    ok = pledge_cli("pledge", "export", "--out", tmp_path / "p.txt", "--format", "json")
    assert ok.exit_code == 0 and json.loads((tmp_path / "p.txt").read_text()) == {
        "schema": 1, "pledges": []}


def test_skip_existing_imports_a_growing_export_again(pledge_cli: Callable[..., Result],
                                                      tmp_path: Path) -> None:
    """The form's export grows each month: what is already stored is skipped, not rejected."""
    first = _csv(tmp_path / "march.csv", [_pledge()])
    assert pledge_cli("pledge", "import", first, *TODAY, "--no-resolve").exit_code == 0
    april = _csv(tmp_path / "april.csv", [_pledge(), _pledge(name="Acme", language="en",
                                                             audience="org-company")])
    again = pledge_cli("pledge", "import", april, *TODAY, "--no-resolve", "--atomic")
    assert again.exit_code == 2 and "already has a pledge titled" in again.output
    skipped = pledge_cli("pledge", "import", april, *TODAY, "--no-resolve", "--skip-existing")
    assert skipped.exit_code == 0, skipped.output
    assert "skipped   april.csv line 2  pledge 1" in skipped.output
    assert "Imported 1 pledge; 1 row already stored, skipped." in skipped.output
    report = json.loads(pledge_cli("pledge", "import", april, *TODAY, "--no-resolve",
                                   "--skip-existing", "--json").output)
    assert report["skipped"] == 2 and report["pledges"] == {"accepted": 0, "rejected": 0}
    assert len(json.loads(pledge_cli("pledge", "list", "--json").output)) == 2
