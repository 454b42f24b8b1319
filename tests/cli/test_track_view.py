"""`campaign track status` and `campaign track authors` on a real store (SQLite, PostgreSQL):
aligned in 80 columns, values from posts escaped, JSON for machines, an empty store a clear
line; and the track group's summaries equal to its commands' own short help."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from datetime import date

import click
import pytest
from click.testing import Result

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.store import NewPledge, PledgeStore
from campaign.tracking.records import Page
from campaign.tracking.store import RunStatus, TrackStore
from tests.pledges.conftest import PLEDGE
from tests.tracking.conftest import make_post

DID = "did:plc:abcdefghijklmnopqrstuvwx"
MASTODON = "mastodon-tags:https://mastodon.example"


@pytest.fixture
def filled(tracks: TrackStore, schedule: Schedule) -> TrackStore:
    """Posts from two sources (a run that failed, a checkpoint, a bad record), and a pledge
    whose Bluesky DID is one author's."""
    run = tracks.start_run(MASTODON, "mastodon")
    tracks.save_page(MASTODON, Page(
        [make_post(i, network="mastodon", author="ann@mastodon.example",
                   handle="ann\x1b[2J\x1b]0;owned\x07") for i in range(3)],
        checkpoint=("endchildlabour2021", {"min_id": "110"}), read=4, bad=1,
        problems=("status 4: no uri",)), run)
    tracks.finish_run(run, RunStatus.FAILED, "mastodon.example answered HTTP 401: give a token "
                                            "with --credentials")
    tracks.save_posts("bluesky-jetstream:wss://j.example", [
        make_post(10 + i, network="bluesky", author=DID, handle="travail.bsky.social",
                  followers=None) for i in range(2)])
    pledges = PledgeStore(tracks.url)
    try:
        rules = FormRules.from_schedule(schedule, today=date(2021, 3, 1))
        # the pledge names the handle the pledger had before: the DID matches them still
        data = copy.deepcopy(PLEDGE) | {"handles": {"bluesky": "old-name.bsky.social"}}
        form = validate_form(data, rules)
        pledges.add(NewPledge(form=form, kind=rules.audiences[form.audience],
                              dids={"bluesky": DID}))
    finally:
        pledges.close()
    return tracks


def lines_fit(output: str) -> None:
    # the database's URL is printed whole (the terminal wraps it)
    assert all(len(line) <= 80 for line in output.splitlines()
               if not line.startswith("Database: ")), output
    assert "\x1b" not in output and "\x07" not in output


def test_status_of_an_empty_store_is_a_clear_line(tracks: TrackStore,
                                                  db_cli: Callable[..., Result]) -> None:
    result = db_cli("track", "status")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No posts tracked yet")


def test_status_needs_a_migrated_database(tmp_path: object, run: Callable[..., Result]) -> None:
    result = run("track", "status", "--db", f"sqlite:///{tmp_path}/new.db")
    assert result.exit_code != 0 and "campaign db upgrade" in result.output


def test_status_shows_posts_per_network_and_source(filled: TrackStore,
                                                   db_cli: Callable[..., Result]) -> None:
    result = db_cli("track", "status")
    assert result.exit_code == 0, result.output
    out = result.output
    lines_fit(out)
    assert "mastodon      3        1" in out and "bluesky       2        1" in out
    assert f"{MASTODON} (mastodon)" in out
    assert "3 posts stored, 1 bad record skipped" in out
    assert "last run failed" in out
    assert "    mastodon.example answered HTTP 401: give a token with --credentials" in out
    assert 'checkpoint endchildlabour2021: {"min_id": "110"}' in out
    assert "bluesky-jetstream:wss://j.example (bluesky)" in out and "no run yet" in out


def test_status_as_json(filled: TrackStore, db_cli: Callable[..., Result]) -> None:
    data = json.loads(db_cli("track", "status", "--json").output)
    assert data["posts"] == {"mastodon": 3, "bluesky": 2}
    (mastodon,) = [s for s in data["sources"] if s["source"] == MASTODON]
    assert mastodon["bad"] == 1 and mastodon["last_run"]["status"] == "failed"
    assert mastodon["checkpoints"] == {"endchildlabour2021": {"min_id": "110"}}


def test_authors_lists_pledgers_by_did_and_escapes_handles(
        filled: TrackStore, db_cli: Callable[..., Result]) -> None:
    result = db_cli("track", "authors")
    assert result.exit_code == 0, result.output
    lines_fit(result.output)
    assert "ann" in result.output and "owned" not in result.output
    lines = result.output.splitlines()
    row = next(i for i, line in enumerate(lines) if "travail.bsky" in line)
    # the pledge under its author, whole: a long organisation goes on, never cut
    below = " ".join(line.strip() for line in lines[row + 1:row + 3])
    assert "travail.bsky.social" in lines[row] and "pledge #1 Ministère" in below
    assert "SN, country" in below and "…" not in result.output
    # the pledge's lines all start where its first does, two in from the author
    author_at = lines[row].index("travail.bsky")
    assert {len(line) - len(line.lstrip()) for line in lines[row + 1:row + 3]} == {author_at + 2}
    assert "2 authors: 1 matched to a pledge, 1 not." in result.output


@pytest.mark.parametrize("breaks", [
    pytest.param("\n", id="newline"), pytest.param("\u2028", id="line-separator"),
    pytest.param("\t\t", id="tabs"),
])
def test_a_handle_with_line_breaks_cannot_draw_a_row_of_its_own(
        tracks: TrackStore, db_cli: Callable[..., Result], breaks: str) -> None:
    fake = f"ann.bsky.social{breaks}x  99  999,999  2026-12-01  fake.bsky.social"
    source = f"import:a{breaks}b.csv"
    tracks.save_posts(source, [make_post(1, network="bluesky", author=DID, handle=fake)])
    result = db_cli("track", "authors")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # the handle goes on in the author's column (wrapped), never as a row starting on the left
    assert lines[1].startswith("bluesky ") and lines[-1].startswith("1 author:")
    assert all(line.startswith(" " * 40) for line in lines[2:-1]), result.output
    said = " ".join(" ".join(line[40:] for line in lines[1:-1]).split())
    assert said == "ann.bsky.social x 99 999,999 2026-12-01 fake.bsky.social", said
    shown = db_cli("track", "status").output.splitlines()
    assert any(line.startswith("import:a b.csv (") for line in shown), shown


@pytest.mark.parametrize(("options", "wanted"), [
    pytest.param(("--pledgers",), [DID], id="pledgers"),
    pytest.param(("--unmatched",), ["ann@mastodon.example"], id="unmatched"),
    pytest.param(("--network", "mastodon"), ["ann@mastodon.example"], id="network"),
])
def test_authors_as_json(filled: TrackStore, db_cli: Callable[..., Result],
                         options: tuple[str, ...], wanted: list[str]) -> None:
    result = db_cli("track", "authors", *options, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [a["author_id"] for a in data] == wanted
    if "--pledgers" in options:
        assert data[0]["pledgers"][0] == {"pledge_id": 1, "organisation": PLEDGE["name"],
                                          "audience": "country", "country": "SN",
                                          "status": "submitted"}


def test_authors_of_an_empty_store(tracks: TrackStore, db_cli: Callable[..., Result]) -> None:
    result = db_cli("track", "authors", "--pledgers")
    assert result.exit_code == 0 and "No author is matched" in result.output


def _summaries() -> list[str]:
    from campaign.cli.track import SUMMARIES

    return sorted(SUMMARIES)


@pytest.mark.parametrize("name", _summaries())
def test_track_summaries_are_the_subcommands_short_help(name: str) -> None:
    """`campaign track --help` lists its commands from SUMMARIES, importing none of them."""
    from campaign.cli.track import SUBCOMMANDS, SUMMARIES, track

    assert set(SUMMARIES) == set(SUBCOMMANDS)
    module = SUBCOMMANDS[name].split(":")[0]
    if name == "import" and importlib.util.find_spec(module) is None:
        pytest.skip("campaign track import is built by another part of this issue")
    command = track.get_command(click.Context(track), name)
    assert command is not None and command.short_help == SUMMARIES[name]
