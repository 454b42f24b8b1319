"""`campaign report` end to end on a stored year (SQLite and PostgreSQL): every format, and
every bad input answered with one sentence and the right exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import SQLITE_ONLY
from tests.reports.sample import HOSTILE, SCRIPT

Run = Callable[..., Result]


def test_the_terminal_report_of_the_year(run: Run, report_db: str) -> None:
    result = run("report", "--db", report_db, "--today", "2021-12-15", "--top", "3")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Jan 1, 2021 to Dec 31, 2021" in out and "Posts per month" in out
    assert "June 2021" in out and "◆ Jun 12" in out
    assert "Potential reach" in out and "the followers of each unique contributor" in out
    assert "★" in out and "Silent Partners" in out and "never seen posting" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_json_with_a_hashtag_given_with_its_hash(run: Run, report_db: str) -> None:
    result = run("report", "--db", report_db, "--json", "--hashtag", "#EndChildLabour2021",
                 "--by", "week", "--network", "x", "--network", "bluesky")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["query"]["hashtag"] == "endchildlabour2021"
    assert found["query"]["bucket"] == "week" and found["query"]["networks"] == ["x", "bluesky"]
    assert {s["key"] for s in found["by_network"]} <= {"x", "bluesky"}
    assert found["totals"]["posts"] == sum(p["posts"] for p in found["series"]) > 0
    assert found["reach"]["potential_reach"]["method"].startswith("the followers")


@SQLITE_ONLY
def test_french_pledgers_only(run: Run, report_db: str) -> None:
    result = run("report", "--db", report_db, "--lang", "fr", "--pledgers", "--audience",
                 "org-business", "--country", "FR", "--language", "en")
    assert result.exit_code == 0, result.output
    assert "Publications par mois" in result.output and "Portée potentielle" in result.output
    assert "Acme" in result.output and "ngo_voice" not in result.output


def test_csv_html_and_charts_are_written(run: Run, report_db: str, tmp_path: Path) -> None:
    result = run("report", "--db", report_db, "--csv", tmp_path / "csv", "--html",
                 tmp_path / "report.html", "--chart", tmp_path / "posts.svg", "--chart",
                 f"network={tmp_path / 'networks.png'}", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 10
    assert "series.csv" in result.output and "report.html" in result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in html and HOSTILE not in html and SCRIPT not in html
    assert (tmp_path / "posts.svg").read_bytes().startswith(b"<?xml")
    assert (tmp_path / "networks.png").read_bytes().startswith(b"\x89PNG")


@SQLITE_ONLY
def test_an_empty_period_is_a_clear_empty_report(run: Run, report_db: str, tmp_path: Path) -> None:
    result = run("report", "--db", report_db, "--from", "2019-01-01", "--to", "2019-03-31")
    assert result.exit_code == 0, result.output
    assert "No posts in this period." in result.output
    result = run("report", "--db", report_db, "--year", "2019", "--html", tmp_path / "e.html",
                 "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert "Aucune publication" in (tmp_path / "e.html").read_text(encoding="utf-8")


@SQLITE_ONLY
def test_a_database_with_no_post_gives_an_empty_report(run: Run, empty_db: str) -> None:
    result = run("report", "--db", empty_db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["empty"] is True


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "words"), [
    (("--hashtag", "#nosuchtag"), ["unknown hashtag 'nosuchtag'", "endchildlabour2021",
                                   "childlabour"]),
    (("--network", "myspace"), ["unknown network 'myspace'", "bluesky", "mastodon", "x"]),
    (("--language", "klingon"), ["unknown language 'klingon'", "fr"]),
    (("--country", "ZZ"), ["unknown country 'ZZ'", "SN"]),
    (("--from", "2021-02-30"), ["--from", "2021-02-30"]),
    (("--to", "tomorrow"), ["--to", "tomorrow"]),
    (("--from", "2021-06-01", "--to", "2021-05-01"), ["before it starts", "--from"]),
    (("--by", "year"), ["--by", "year"]),
    (("--lang", "de"), ["--lang", "de"]),
    (("--chart", "posts.gif"), ["--chart", ".svg or .png"]),
    (("--chart", "pie=posts.svg"), ["unknown chart 'pie'", "network"]),
    (("--hashtag", "#"), ["--hashtag"]),
])
def test_bad_input_is_named_with_exit_2(run: Run, report_db: str, args: tuple[str, ...],
                                        words: list[str]) -> None:
    result = run("report", "--db", report_db, *args)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output
    assert "Traceback" not in result.output


@SQLITE_ONLY
def test_an_output_folder_that_cannot_be_written(run: Run, report_db: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("report", "--db", report_db, "--csv", blocker / "csv")
    assert result.exit_code == 1, result.output
    assert "cannot create the folder" in result.output and str(blocker) in result.output
    result = run("report", "--db", report_db, "--html", tmp_path / "missing" / "r.html")
    assert result.exit_code == 1, result.output
    assert "does not exist" in result.output
    assert not (tmp_path / "missing").exists()
    (tmp_path / "folder.svg").mkdir()
    result = run("report", "--db", report_db, "--chart", tmp_path / "folder.svg")
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.output


@SQLITE_ONLY
def test_a_bad_destination_is_refused_before_anything_is_written(run: Run, report_db: str,
                                                                  tmp_path: Path) -> None:
    """A file where the --html or --chart folder should be: named with its option, and the
    --csv files of the same run not left behind."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for option, target in (("--html", blocker / "r.html"), ("--chart", blocker / "t.svg")):
        result = run("report", "--db", report_db, "--csv", tmp_path / "csv", option, target)
        assert result.exit_code == 2, result.output
        assert f"{option} {target}" in result.output and "is a file, not a folder" in result.output
        assert "--out" not in result.output and "Traceback" not in result.output
        assert not (tmp_path / "csv").exists()
    result = run("report", "--db", report_db, "--csv", tmp_path / "csv", "--chart",
                 tmp_path / "missing" / "t.svg")
    assert result.exit_code == 1, result.output
    assert "choose another --chart path" in result.output and not (tmp_path / "csv").exists()


@SQLITE_ONLY
def test_network_and_country_in_any_case(run: Run, report_db: str) -> None:
    result = run("report", "--db", report_db, "--json", "--network", "X", "--country", "sn",
                 "--hashtag", "#EndChildLabour2021")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["query"]["networks"] == ["x"] and found["query"]["countries"] == ["SN"]
    assert found["totals"]["posts"] > 0


def test_two_outputs_to_one_file_are_refused(run: Run, report_db: str, tmp_path: Path) -> None:
    """The second would overwrite the first, and both be said written."""
    same = tmp_path / "a.svg"
    result = run("report", "--db", report_db, "--chart", str(same), "--chart", f"network={same}")
    assert result.exit_code == 2, result.output
    assert "writes that file too" in result.output and not same.exists()
