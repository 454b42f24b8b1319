"""`campaign track import`: what it prints and its exit codes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import REFERENCE

TWARC = REFERENCE / "twarc2"
Cli = Callable[..., Result]


@pytest.fixture
def cli(db_cli: Cli) -> Cli:
    """The CLI on a migrated database."""
    assert db_cli("db", "upgrade").exit_code == 0
    return db_cli


def test_a_clean_archive_exits_0_and_says_what_it_stored(cli: Cli) -> None:
    result = cli("track", "import", TWARC / "brexit.jsonl")
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()) == (f"{TWARC / 'brexit.jsonl'}: twarc2 (x), 1 line: "
                                               "100 posts read, 100 new, 0 already stored.")
    assert all(len(line) <= 80 or str(TWARC) in line for line in result.output.splitlines())
    again = cli("track", "import", TWARC / "brexit.jsonl")
    assert again.exit_code == 0
    assert " ".join(again.output.split()) == (f"{TWARC / 'brexit.jsonl'} was imported whole "
                                              "before (line 1): nothing new")


def test_every_reference_file_with_bad_lines_api_errors_and_a_counts_file(cli: Cli) -> None:
    files = sorted(TWARC.glob("*.jsonl"))
    result = cli("track", "import", *files)
    assert result.exit_code == 2  # the counts file is refused; the others are stored
    text = " ".join(result.output.split())
    assert f"Error: {TWARC / 'counts.jsonl'} is a twarc2 counts file (tweet counts per " \
           "period), not posts: import a search or stream archive" in text
    assert "7 posts read, 7 new, 0 already stored; 1 bad line or record." in text
    assert "- line 8: truncated: the file ends inside it" in text
    assert "1 API error record. - line 1: the API said Forbidden: User has been suspended: " \
           "[leeseunggi]." in text
    assert "4 files read: 208 posts, 208 new, 1 bad; 1 refused." in text
    assert all(len(line) <= 80 or str(TWARC) in line for line in result.stdout.splitlines()
               if not line.startswith("Error:"))


def test_json_output_counts_each_file(cli: Cli) -> None:
    result = cli("track", "import", TWARC / "streaming_output_with_error.jsonl",
                 TWARC / "kpop.jsonl", "--json")
    assert result.exit_code == 1  # a bad line: everything readable stored all the same
    data = json.loads(result.stdout)
    stream, kpop = data["files"]
    assert (stream["read"], stream["new"], stream["bad"], stream["lines"]) == (7, 7, 1, 8)
    assert stream["bad_lines"] == ["line 8: truncated: the file ends inside it"]
    assert (kpop["api_errors"], kpop["exit_code"], kpop["format"]) == (1, 0, "twarc2")
    assert data["exit_code"] == 1


@pytest.mark.parametrize(("name", "content", "said"), [
    pytest.param("pledges.csv", "pledge_id,name\n1,Ana\n",
                 "is a CSV with the columns pledge_id, name, not posts", id="csv-of-pledges"),
    pytest.param("missing.jsonl", None, "file not found: check the path", id="missing"),
])
def test_bad_input_exits_2_and_stores_nothing(cli: Cli, tmp_path: Path, name: str,
                                              content: str | None, said: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = cli("track", "import", path, "--json")
    assert result.exit_code == 2
    entry = json.loads(result.stdout)["files"][0]
    assert entry["status"] == "refused" and said in entry["message"]
    status = json.loads(cli("track", "status", "--json").stdout)
    assert status["posts"] == {}


def test_a_csv_of_posts_with_network_given(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "toots.csv"
    path.write_text("id,author_handle,created_at,text\n"
                    "https://m.example/users/a/statuses/1,a@m.example,2021-06-12T08:00:00Z,"
                    "#EndChildLabour2021 now\n", encoding="utf-8")
    result = cli("track", "import", path, "--network", "mastodon", "--json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["files"][0]
    assert (entry["format"], entry["network"], entry["new"]) == ("csv", "mastodon", 1)


def test_the_short_help_is_the_groups(run: Cli) -> None:
    from campaign.cli.track import SUMMARIES
    from campaign.cli.track_import import import_

    assert import_.short_help == SUMMARIES["import"]
    assert "--format [auto|twarc2|csv|jsonl]" in run("track", "import", "--help").output
