"""Importing many pledges (every row checked, a report per row, all or nothing with atomic) and
exporting them so they import back the same, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from campaign.pledges import io_csv, io_json
from campaign.pledges.form import FIELDS, FormRules
from campaign.pledges.io import ImportReport, export_pledges, import_pledges
from campaign.pledges.io_csv import COLUMNS, ImportFileError
from campaign.pledges.models import PledgeStatus
from campaign.pledges.store import Pledge, PledgeStore, ProgressReport
from campaign.pledges.submission import prepare

DID = "did:plc:abcdefghijklmnopqrstuvwx"


@pytest.fixture
def pledges(database_url: str) -> Iterator[PledgeStore]:
    """A migrated, empty pledge store on the test's backend."""
    store = PledgeStore(database_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[PledgeStore]:
    """A second, empty store (SQLite) to export from."""
    store = PledgeStore(f"sqlite:///{tmp_path / 'source.db'}")
    store.upgrade()
    yield store
    store.close()


def _variety(pledge_data: Callable[..., dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pledges in three languages with every kind of field, and what an export carries."""
    return [
        (pledge_data(), {"status": PledgeStatus.ACCEPTED, "reports": {"Politique adoptée": [
            ProgressReport(on=date(2021, 2, 1), value=0.5, note="Projet rédigé, « v1 »",
                           evidence="https://travail.gouv.sn/politique")]}}),
        (pledge_data(name="Acme Cocoa Ltd", language="en", audience="org-company",
                     country="GH", title="=HYPERLINK(\"http://evil.example\") Audit 200 farms "
                     "by December 2021", handles={"bluesky": "acme.bsky.social",
                                                  "linkedin": "company/acme"},
                     indicators=[{"name": "Farms audited", "unit": "farms", "baseline": -1.5,
                                  "target": 200, "deadline": "2021-12-31"},
                                 {"name": "Children referred", "target": 50,
                                  "deadline": "2021-11-30"}],
                     amplification={"strategy": "horizontal", "monitoring": "@quarterly review",
                                    "organisation": "The CSR office", "dissemination": "+ blog",
                                    "resources": "-", "cost": {"amount": "99000.50",
                                                               "currency": "USD"}},
                     submitted_on="2021-01-15"),
         {"status": PledgeStatus.FULFILLED, "dids": {"bluesky": DID}, "reports": {
             "Farms audited": [ProgressReport(on=date(2021, 2, 1), value=20),
                               ProgressReport(on=date(2021, 2, 20), value=60, note="=1+1")],
             "Children referred": [ProgressReport(on=date(2021, 2, 2), value=3)]}}),
        (pledge_data(name="Fundación Niñez", language="es", audience="org-civil-society",
                     country="419", title="'Escuelas' para 2.000 niños antes de finales de 2021",
                     handles={"tiktok": "@ninez", "instagram": "ninez.org",
                              "facebook": "ninez.org", "x": "@Ninez"},
                     cost=None, indicators=[]),
         {"status": PledgeStatus.WITHDRAWN}),
        (pledge_data(name="Personne", audience="individual", title="\tTab first, then text"),
         {"status": PledgeStatus.DRAFT}),
    ]


def _fill(store: PledgeStore, rules: FormRules,
          pledge_data: Callable[..., dict[str, Any]]) -> list[Pledge]:
    items = []
    for data, extra in _variety(pledge_data):
        item, _ = prepare(data, rules, status=extra["status"], reports=extra.get("reports"))
        if "dids" in extra:
            from dataclasses import replace

            item = replace(item, dids=extra["dids"])
        items.append(item)
    store.add_many(items)
    return store.pledges()


def _same(before: list[Pledge], after: list[Pledge]) -> None:
    """The same pledges, field by field: the form, the status, the DIDs, every report."""
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        for name in FIELDS:
            assert getattr(new.form, name) == getattr(old.form, name), name
        assert new.form == old.form
        assert (new.status, new.kind, dict(new.dids)) == (old.status, old.kind, dict(old.dids))
        assert [(s.indicator, s.reports) for s in new.indicators] == \
            [(s.indicator, s.reports) for s in old.indicators]


@pytest.mark.parametrize("suffix", [pytest.param(".csv", id="csv"),
                                    pytest.param(".json", id="json")])
def test_an_export_imports_back_as_the_same_pledges(
        suffix: str, pledges: PledgeStore, sqlite_store: PledgeStore, rules: FormRules,
        pledge_data: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    before = _fill(sqlite_store, rules, pledge_data)
    first = tmp_path / f"first{suffix}"
    result = export_pledges(sqlite_store, first)
    assert (result.pledges, result.reports) == (4, 4)
    files = list(result.files)
    assert len(files) == (2 if suffix == ".csv" else 1)

    def no_lookup(handle: str) -> tuple[str | None, str]:
        raise AssertionError(f"{handle} looked up again: the file's DID is kept")

    report = import_pledges(pledges, files, rules, resolve=no_lookup)
    assert report.exit_code == 0 and report.stored, report.to_json()
    assert report.count("pledge") == 4
    after = pledges.pledges()
    _same(before, after)
    # and the backend's export is the same file, byte for byte
    second = tmp_path / f"second{suffix}"
    export_pledges(pledges, second)
    assert second.read_bytes() == first.read_bytes()


def test_the_csv_export_guards_formulas_and_import_removes_one_apostrophe(
        sqlite_store: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    _fill(sqlite_store, rules, pledge_data)
    out = tmp_path / "pledges.csv"
    export_pledges(sqlite_store, out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    titles = [r["title"] for r in rows]
    assert titles[1].startswith("'=HYPERLINK(")
    assert titles[2].startswith("''Escuelas'")
    assert rows[1]["indicators.1.baseline"] == "'-1.5"
    assert rows[1]["amplification.monitoring"] == "'@quarterly review"
    assert rows[1]["amplification.dissemination"] == "'+ blog"
    assert rows[1]["dids.bluesky"] == DID
    assert rows[0]["status"] == "accepted"
    progress = list(csv.reader((tmp_path / "pledges.progress.csv").open(encoding="utf-8",
                                                                        newline="")))
    assert progress[0] == list(io_csv.PROGRESS_COLUMNS)
    assert ["Acme Cocoa Ltd", titles[1], "Farms audited", "2021-02-20", "60.0", "'=1+1", ""] \
        in progress


def test_the_json_export_has_the_documented_shape(
        sqlite_store: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    _fill(sqlite_store, rules, pledge_data)
    out = tmp_path / "pledges.json"
    export_pledges(sqlite_store, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == 1 and len(data["pledges"]) == 4
    acme = data["pledges"][1]
    assert acme["status"] == "fulfilled" and acme["dids"] == {"bluesky": DID}
    assert acme["progress"]["Farms audited"][1] == {"on": "2021-02-20", "value": 60.0,
                                                   "note": "=1+1", "evidence": ""}
    assert acme["title"].startswith("=HYPERLINK")  # JSON is not a spreadsheet: no guard
    assert "id" not in acme and "smart" not in acme


# -- rows checked one by one ---------------------------------------------------------------------
def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None,
               encoding: str = "utf-8") -> Path:
    flat = [io_csv.flatten(r) for r in rows]
    columns = header or [c for c in [*COLUMNS, *io_csv._indicator_columns()]
                         if any(c in f for f in flat) or c in io_csv.REQUIRED]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([f.get(c, "") for c in columns] for f in flat)
    return path


def test_accepted_rows_are_stored_and_rejected_ones_reported_with_every_reason(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    good = pledge_data()
    bad = pledge_data(name="ONG", title=" ".join(["mot"] * 23),
                      focal_point={"name": "A", "email": "not-an-email"})
    path = _write_csv(tmp_path / "pledges.csv", [good, bad, pledge_data(name="Autre")])
    report = import_pledges(pledges, [path], rules)
    assert [r.accepted for r in report.rows] == [True, False, True]
    rejected = report.rows[1]
    assert rejected.where == "pledges.csv line 3"
    assert any("23 words, over the limit of 20" in p for p in rejected.problems)
    assert any("focal_point.email" in p for p in rejected.problems)
    assert report.stored and report.exit_code == 2
    stored = pledges.pledges()
    assert [p.form.name for p in stored] == [good["name"], "Autre"]
    assert [r.pledge_id for r in report.rows] == [stored[0].id, None, stored[1].id]


@pytest.mark.parametrize("options", [pytest.param({"atomic": True}, id="atomic"),
                                     pytest.param({"dry_run": True}, id="dry-run")])
def test_atomic_and_dry_run_store_nothing(
        options: dict[str, bool], pledges: PledgeStore, rules: FormRules,
        pledge_data: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "pledges.csv",
                      [pledge_data(), pledge_data(name="X", audience="nobody")])
    report = import_pledges(pledges, [path], rules, **options)
    assert not report.stored and report.exit_code == 2
    assert "unknown stakeholder type" in report.rows[1].problems[0]
    assert pledges.pledges() == []


def test_atomic_stores_all_when_every_row_is_accepted(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "p.csv", [pledge_data(), pledge_data(name="B", language="en")])
    report = import_pledges(pledges, [path], rules, atomic=True)
    assert report.stored and report.exit_code == 0 and len(pledges.pledges()) == 2


def test_a_duplicate_pledge_is_rejected_within_the_file_and_against_the_store(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    first = _write_csv(tmp_path / "first.csv", [pledge_data()])
    assert import_pledges(pledges, [first], rules).exit_code == 0
    again = pledge_data(name="  MINISTÈRE du travail du Sénégal ")  # same, case and spaces aside
    other = pledge_data(name="Nouveau")
    path = _write_csv(tmp_path / "second.csv", [again, other, pledge_data(name="nouveau")])
    report = import_pledges(pledges, [path], rules)
    assert [r.accepted for r in report.rows] == [False, True, False]
    assert "already has a pledge titled" in report.rows[0].problems[0]
    assert "(pledge 1)" in report.rows[0].problems[0]
    assert report.rows[2].problems == [
        "same organisation and title as second.csv line 3: a pledge is imported once; remove "
        "one row or give it another title"]
    assert len(pledges.pledges()) == 2


@pytest.mark.parametrize(("header", "needles"), [
    pytest.param(lambda h: [*h, "organisation"], ["unknown column 'organisation'"],
                 id="unknown-column"),
    pytest.param(lambda h: [c for c in h if c != "title"], ["no 'title'"], id="missing-column"),
    pytest.param(lambda h: [*h, "name"], ["'name' more than once"], id="column-twice"),
    pytest.param(lambda h: [*h, "indicators.11.name"], ["unknown column 'indicators.11.name'"],
                 id="too-many-indicators"),
])
def test_a_csv_with_a_wrong_header_is_refused_whole(
        header: Callable[[list[str]], list[str]], needles: list[str], pledges: PledgeStore,
        rules: FormRules, pledge_data: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    columns = header(list(io_csv.REQUIRED))
    path = _write_csv(tmp_path / "pledges.csv", [pledge_data()], header=columns)
    with pytest.raises(ImportFileError) as caught:
        import_pledges(pledges, [path], rules)
    message = caught.value.message
    assert message.startswith("pledges.csv has a wrong header for a pledges file (")
    assert "its columns are audience, name, country" in message
    for needle in needles:
        assert needle in message
    assert caught.value.exit_code == 2 and pledges.pledges() == []


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_a_csv_in_another_encoding_is_refused_in_one_sentence(
        lang: str, pledges: PledgeStore, rules: FormRules,
        pledge_data: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    data = pledge_data(language=lang, name="Ministère" if lang == "fr" else "Fundación Niñez")
    path = _write_csv(tmp_path / "pledges.csv", [data], encoding="cp1252")  # Excel's "CSV"
    with pytest.raises(ImportFileError) as caught:
        import_pledges(pledges, [path], rules)
    byte = "0xE8" if lang == "fr" else "0xF3"
    assert caught.value.message == (f"pledges.csv is not UTF-8 (byte {byte} at line 2): save "
                                    "it as UTF-8 CSV")
    assert pledges.pledges() == []


def test_a_csv_with_a_byte_order_mark_and_blank_rows_is_read(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "pledges.csv", [pledge_data()], encoding="utf-8-sig")
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(",,,\r\n\r\n")
    report = import_pledges(pledges, [path], rules)
    assert report.exit_code == 0 and len(report.rows) == 1


def test_a_csv_separated_by_semicolons_as_excel_in_french_writes_it_is_read(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    # Excel in French (and Spanish) saves "CSV UTF-8" with a BOM and ';' between cells, as its
    # decimal separator is the comma; a cell may then hold a ',' unquoted
    data = pledge_data(communication="Un fil par mois, sur X et Bluesky")
    flat = io_csv.flatten(data)
    columns = [c for c in COLUMNS if c in flat or c in io_csv.REQUIRED]
    path = tmp_path / "pledges.csv"
    path.write_bytes(("\ufeff" + ";".join(columns) + "\r\n"
                      + ";".join(str(flat.get(c, "")) for c in columns) + "\r\n").encode())
    report = import_pledges(pledges, [path], rules)
    assert report.exit_code == 0, report.rows[0].problems
    assert pledges.pledges()[0].form.communication == "Un fil par mois, sur X et Bluesky"


def test_a_row_with_a_cell_too_many_is_rejected_alone(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "pledges.csv", [pledge_data(), pledge_data(name="B")])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], lines[2] + ",extra"]) + "\n", encoding="utf-8")
    report = import_pledges(pledges, [path], rules)
    assert [r.accepted for r in report.rows] == [True, False]
    width = len(lines[0].split(","))
    assert f"the row has {width + 1} cells and the header {width}" in report.rows[1].problems[0]


def test_files_over_the_limits_are_refused(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_csv(tmp_path / "pledges.csv", [pledge_data(), pledge_data(name="B")])
    monkeypatch.setenv("CAMPAIGN_MAX_IMPORT_BYTES", "100")
    with pytest.raises(ImportFileError, match="over the limit of 100 bytes: split it, or raise "
                                              "the limit with CAMPAIGN_MAX_IMPORT_BYTES"):
        import_pledges(pledges, [path], rules)
    monkeypatch.delenv("CAMPAIGN_MAX_IMPORT_BYTES")
    monkeypatch.setattr(io_csv, "MAX_ROWS", 1)
    with pytest.raises(ImportFileError, match="more than 1 rows: split it"):
        import_pledges(pledges, [path], rules)
    monkeypatch.setattr(io_json, "MAX_ROWS", 1)
    many = tmp_path / "many.json"
    many.write_text(json.dumps([pledge_data(), pledge_data(name="B")]), encoding="utf-8")
    with pytest.raises(ImportFileError, match="more than 1 pledges"):
        import_pledges(pledges, [many], rules)
    assert pledges.pledges() == []


# -- JSON --------------------------------------------------------------------------------------------
def test_a_bare_json_list_and_show_output_import(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    shown = pledge_data(name="B") | {"id": 7, "kind": "country", "smart": {}, "status": "draft",
                                      "created_at": None, "updated_at": None,
                                      "events": [{"action": "created", "to": "draft"}]}
    path = tmp_path / "list.json"
    path.write_text(json.dumps([pledge_data(), shown]), encoding="utf-8")
    report = import_pledges(pledges, [path], rules)
    assert report.exit_code == 0, report.to_json()
    assert [p.status for p in pledges.pledges()] == [PledgeStatus.SUBMITTED, PledgeStatus.DRAFT]
    # and one pledge alone, the object `pledge show --json` prints
    alone = tmp_path / "show.json"
    alone.write_text(json.dumps(shown | {"name": "C", "id": 8}), encoding="utf-8")
    report = import_pledges(pledges, [alone], rules)
    assert report.exit_code == 0, report.to_json()
    assert [p.form.name for p in pledges.pledges()][-1] == "C"


@pytest.mark.parametrize(("text", "needle"), [
    pytest.param('{"schema": 1, "pledges": [', "line 1 column 27 is not valid JSON",
                 id="syntax"),
    pytest.param('{"schema": 2, "pledges": []}', "is not a pledges file", id="schema"),
    pytest.param('[{"name": "a", "name": "b"}]', "gives the key 'name' twice", id="key-twice"),
    pytest.param('[{"cost": {"amount": NaN}}]', "cannot be read", id="nan"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="deep"),
    pytest.param('"pledges"', "is not a list of pledges", id="a-string"),
])
def test_a_json_file_that_is_not_pledges_is_refused_whole(
        text: str, needle: str, pledges: PledgeStore, rules: FormRules, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError, match=needle):
        import_pledges(pledges, [path], rules)


def test_json_rows_with_bad_status_progress_or_did_are_rejected(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    rows = [pledge_data(name="A") | {"status": "promised"},
            pledge_data(name="B") | {"progress": {"Nope": [{"on": "2021-02-01", "value": 1}]}},
            pledge_data(name="C") | {"progress": {"Politique adoptée": [
                {"on": "2021-13-01", "value": "beaucoup", "evidence": "javascript:alert(1)"}]}},
            pledge_data(name="D", handles={"bluesky": "d.bsky.social"}) | {
                "dids": {"bluesky": "did:plc:short"}},
            pledge_data(name="F") | {"dids": {"bluesky": DID}},
            pledge_data(name="E", handles={"bluesky": "e.bsky.social"}) | {
                "dids": {"bluesky": DID}},
            "a pledge"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"schema": 1, "pledges": rows}), encoding="utf-8")
    report = import_pledges(pledges, [path], rules)
    problems = [r.problems for r in report.rows]
    assert "'status' 'promised' is not a pledge status" in problems[0][0]
    assert "progress for unknown indicator 'Nope'" in problems[1][0]
    assert any("'progress.Politique adoptée[1].on' '2021-13-01' is not a date" in p
               for p in problems[2])
    assert any("[1].value' 'beaucoup' is not a number" in p for p in problems[2])
    assert any("[1].evidence' 'javascript:alert(1)' is not an http(s) link" in p
               for p in problems[2])
    assert "'dids.bluesky' 'did:plc:short' is not a DID" in problems[3][0]
    assert "'dids.bluesky' is given but the pledge has no Bluesky handle" in problems[4][0]
    assert problems[5] == []
    assert "is str where a pledge" in problems[6][0]
    assert report.rows[6].where == "p.json item 7"
    assert [p.dids for p in pledges.pledges()] == [{"bluesky": DID}]


# -- the progress companion ------------------------------------------------------------------
def _progress(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(io_csv.PROGRESS_COLUMNS)
        writer.writerows(rows)
    return path


def test_a_progress_file_reports_on_pledges_of_the_import_and_stored_ones(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    old = pledge_data()
    assert import_pledges(pledges, [_write_csv(tmp_path / "old.csv", [old])], rules).stored
    new = pledge_data(name="Nouveau")
    title = old["title"]
    progress = _progress(tmp_path / "progress.csv", [
        [old["name"], title, "politique ADOPTÉE", "2021-02-01", "1", "fait", ""],
        ["nouveau", title, "Politique adoptée", "2021-02-02", "0.5", "", "https://ex.org/a"],
        ["Nouveau", title, "Enfants", "2021-02-02", "3", "", ""],
        ["Inconnu", title, "Politique adoptée", "2021-02-02", "3", "", ""],
        [old["name"], title, "Politique adoptée", "2021-02-01", "1", "fait", ""],
        [old["name"], title, "Politique adoptée", "2021-04-01", "1", "", ""],
    ])
    report = import_pledges(pledges, [_write_csv(tmp_path / "new.csv", [new]), progress], rules)
    rows = report.rows
    assert [r.accepted for r in rows] == [True, True, True, False, False, False, False]
    assert "the pledge has no indicator 'Enfants': its indicators are 'Politique adoptée'" \
        in rows[3].problems[0]
    assert "no pledge of 'Inconnu'" in rows[4].problems[0]
    assert "already recorded" in rows[5].problems[0]
    assert "'on' 2021-04-01 is outside 2020-01-01 to 2021-03-01" in rows[6].problems[0]
    stored = {p.form.name: p for p in pledges.pledges()}
    assert stored[old["name"]].indicators[0].reports == (
        ProgressReport(date(2021, 2, 1), 1.0, "fait", ""),)
    assert stored["Nouveau"].indicators[0].reports == (
        ProgressReport(date(2021, 2, 2), 0.5, "", "https://ex.org/a"),)
    assert rows[2].pledge_id == stored["Nouveau"].id


def test_a_report_of_a_rejected_pledge_is_rejected_with_it(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    bad = pledge_data(country="Atlantis")
    progress = _progress(tmp_path / "progress.csv", [
        [bad["name"], bad["title"], "Politique adoptée", "2021-02-01", "1", "", ""]])
    report: ImportReport = import_pledges(
        pledges, [_write_csv(tmp_path / "p.csv", [bad]), progress], rules)
    assert [r.accepted for r in report.rows] == [False, False]
    assert report.rows[1].problems == ["its pledge (p.csv line 2) is rejected"]
    assert pledges.pledges() == []


def test_a_bluesky_handle_is_resolved_once_per_import(
        pledges: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]],
        tmp_path: Path) -> None:
    asked: list[str] = []

    def resolve(handle: str) -> tuple[str | None, str]:
        asked.append(handle)
        return (DID, "") if handle == "found.bsky.social" else (None, "no such handle")

    rows = [pledge_data(name=n, handles={"bluesky": h})
            for n, h in (("A", "found.bsky.social"), ("B", "found.bsky.social"),
                         ("C", "lost.bsky.social"))]
    report = import_pledges(pledges, [_write_csv(tmp_path / "p.csv", rows)], rules,
                            resolve=resolve)
    assert asked == ["found.bsky.social", "lost.bsky.social"]
    assert [p.dids for p in pledges.pledges()] == [{"bluesky": DID}, {"bluesky": DID}, {}]
    assert "no such handle" in report.rows[2].notices[0]


def test_a_header_of_many_unknown_columns_is_refused_quickly_in_one_short_sentence(
        pledges: PledgeStore, rules: FormRules, tmp_path: Path) -> None:
    # 100,000 columns, each given twice: counting each column's copies one by one took minutes
    path = tmp_path / "p.csv"
    names = [f"c{n}" for n in range(50_000)]
    path.write_text(",".join(["audience", "name", *names, *names]) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_pledges(pledges, [path], rules)
    message = caught.value.message
    assert "unknown columns 'c0', 'c1', 'c2', 'c3', 'c4' and 49,995 more; no 'country'" in message
    assert len(message) < 1200 and pledges.pledges() == []


@pytest.mark.parametrize("suffix", [pytest.param(".csv", id="csv"),
                                    pytest.param(".json", id="json")])
def test_odd_values_come_back_the_same_from_either_backend(
        suffix: str, pledges: PledgeStore, rules: FormRules,
        pledge_data: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    """Line breaks of every kind inside answers and notes, formulas and quotes, decimal texts
    that a float would change, floats that print long, an empty unit: exported from this
    test's backend, imported into SQLite, exported again byte for byte."""
    odd = [
        pledge_data(name="A", title='=cmd|"/c calc"!A1 « guillemets » "quotes" 2021',
                    implementation="Line one\nline two\r\nline three\rfour\u2028five",
                    contribution="Über 100 % → ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u200b zero width",
                    communication="-- dashes", cost={"amount": "0.10", "currency": "EUR"},
                    handles={"bluesky": "acme.bsky.social"},
                    indicators=[{"name": "I", "unit": "", "baseline": 0.1,
                                 "target": 0.30000000000000004, "deadline": "2021-12-31"},
                                {"name": "j", "target": 1e15, "deadline": "2025-12-31"}]),
        pledge_data(name="B", cost={"amount": "1E+3", "currency": "USD"}, indicators=[],
                    amplification={"strategy": "vertical"}, handles={}),
        pledge_data(name="C", cost={"amount": "12500.500", "currency": "XOF"},
                    amplification={"monitoring": "x\n=y", "cost": {"amount": "0",
                                                                    "currency": "eur"}}),
        pledge_data(name="D", cost=None, title="@SUM(1) ' apostrophe",
                    communication="'lead quote"),
    ]
    note = ProgressReport(date(2021, 2, 1), 0.1 + 0.2, "note\r\nwith =1 newline",
                          "https://ex.org/x?a=1&b=2")
    items = [prepare(d, rules, reports={"I": [note]} if n == 0 else None)[0]
             for n, d in enumerate(odd)]
    from dataclasses import replace

    items[0] = replace(items[0], dids={"bluesky": DID})
    pledges.add_many(items)
    before = pledges.pledges()
    out = tmp_path / f"out{suffix}"
    files = list(export_pledges(pledges, out).files)
    target = PledgeStore(f"sqlite:///{tmp_path / 'target.db'}")
    target.upgrade()
    report = import_pledges(target, files, rules)
    assert report.exit_code == 0, report.to_json()
    _same(before, target.pledges())
    assert before[1].form.cost is not None and str(before[1].form.cost.amount) == "1E+3"
    again = tmp_path / f"again{suffix}"
    export_pledges(target, again)
    assert again.read_bytes() == out.read_bytes()
    target.close()
