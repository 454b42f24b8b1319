"""`campaign track x|mastodon|bluesky|run` against the test servers on 127.0.0.1, into a real
store: the read cost said first, runs resumed from their checkpoints, a post seen by three
instances stored once, one failing instance not stopping the others (exit 1), bad input exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from campaign.tracking.store import TrackStore
from tests.conftest import SQLITE_ONLY
from tests.servers.federation import Federation, federation  # noqa: F401  (a fixture)
from tests.servers.jetstream import JetstreamDouble
from tests.servers.mastodon import MastodonDouble
from tests.servers.pds import LocalPDS
from tests.servers.x import XDouble

TOKEN = "app-token-0123456789abcdef"


@pytest.fixture
def x_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[XDouble]:
    """The X double with 30 tagged posts and an app token in CAMPAIGN_TRACK_X_BEARER_TOKEN."""
    monkeypatch.setenv("CAMPAIGN_TRACK_X_BEARER_TOKEN", TOKEN)
    with XDouble() as double:
        double.add_app(TOKEN)
        double.seed_many(30)
        yield double


def x_args(x_api: XDouble, *more: str) -> tuple[str, ...]:
    return ("track", "x", "--base-url", x_api.base_url, "--credentials", "env:CAMPAIGN_TRACK_X",
            *more)


def fits(line: str) -> bool:
    """Within 80 columns, or a word alone that cannot be broken (the database's address)."""
    return len(line) <= 80 or " " not in line.strip()


def test_x_says_the_read_cost_first_then_stores_and_resumes(
        tracks: TrackStore, x_api: XDouble, db_cli: Callable[..., Result]) -> None:
    result = db_cli(*x_args(x_api, "--max-posts", "100"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "This run reads at most 100 posts from X, about $0.50 at $0.005 a post read."
    assert lines[1].startswith(f"x-search:{x_api.base_url}: 30 read, 30 new")
    assert lines[-2].startswith("Stored 30 new posts (30 in all).")  # the address wraps
    assert all(fits(line) for line in lines), lines
    assert tracks.count_posts("x") == 30
    again = db_cli(*x_args(x_api))
    assert again.exit_code == 0 and "0 new" in again.stdout  # resumed from since_id
    assert tracks.count_posts("x") == 30
    # without a cap the sentence on what X bills names the whole query: wrapped, not cut
    assert all(fits(line) for line in again.stdout.splitlines()), again.stdout
    assert "#childrensday) it has not read yet." in again.stdout


@SQLITE_ONLY
def test_a_capped_run_says_the_cap_it_was_given(tracks: TrackStore, x_api: XDouble,
                                                db_cli: Callable[..., Result]) -> None:
    result = db_cli(*x_args(x_api, "--max-posts", "5"))  # X reads 10 a page at least
    assert result.exit_code == 0, result.output
    assert "(stopped at --max-posts 5)" in " ".join(result.stdout.split()), result.stdout


@SQLITE_ONLY
def test_x_as_json_keeps_stdout_json(tracks: TrackStore, x_api: XDouble,
                                     db_cli: Callable[..., Result]) -> None:
    result = db_cli(*x_args(x_api, "--json", "--max-posts", "10"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "reads at most 10 posts" in result.stderr
    (source,) = data["sources"]
    assert (source["kind"], source["status"], source["read"]) == ("x-search", "ok", 10)
    assert source["capped"] and data["stored"] == 10 and not data["stopped"]


@SQLITE_ONLY
def test_x_with_a_refused_token_fails_in_one_sentence(
        tracks: TrackStore, x_api: XDouble, db_cli: Callable[..., Result],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_TRACK_X_BEARER_TOKEN", "revoked-token-abcdefgh")
    result = db_cli(*x_args(x_api))
    assert result.exit_code == 1
    (said,) = [line for line in result.stderr.splitlines() if "failed" in line]
    assert said.startswith(f"x-search:{x_api.base_url} failed: ")
    assert "revoked-token-abcdefgh" not in result.output


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "said"), [
    pytest.param(("track", "x"), "--credentials: X's search needs credentials",
                 id="x-without-credentials"),
    pytest.param(("track", "mastodon", "--instance", "ftp://m.example"),
                 "--instance: 'ftp://m.example' is not a http/https address", id="bad-instance"),
    pytest.param(("track", "mastodon", "--instance", "https://m.example", "--since", "soon"),
                 "--since: 'soon' is not a day or moment", id="bad-since"),
    pytest.param(("track", "mastodon", "--instance", "https://m.example", "--tag", "#"),
                 "--tag: '#' is not a hashtag", id="bad-tag"),
    pytest.param(("track", "bluesky"), "give one of --search APPVIEW", id="bluesky-no-source"),
    pytest.param(("track", "bluesky", "--firehose", "wss://a.example", "--jetstream",
                  "wss://b.example"), "give one of", id="bluesky-two-sources"),
    pytest.param(("track", "bluesky", "--search", "https://a.example", "--follow"),
                 "are for streams", id="follow-a-search"),
    pytest.param(("track", "bluesky", "--jetstream", "wss://a.example", "--credentials",
                  "env:A"), "reads a public stream", id="credentials-for-a-stream"),
    pytest.param(("track", "bluesky", "--search", "https://a.example"),
                 "--credentials: Bluesky's search needs a signed-in account",
                 id="search-without-an-account"),
])
def test_bad_input_exits_2_with_one_sentence(tracks: TrackStore, db_cli: Callable[..., Result],
                                             args: tuple[str, ...], said: str) -> None:
    result = db_cli(*args)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output


def test_an_unmigrated_database_is_refused(tmp_path: Path, run: Callable[..., Result]) -> None:
    result = run("track", "mastodon", "--instance", "https://m.example", "--db",
                 f"sqlite:///{tmp_path}/new.db")
    assert result.exit_code != 0 and "campaign db upgrade" in result.output


def mastodon_args(instances: list[MastodonDouble], *more: str) -> list[str]:
    args = ["track", "mastodon", *more]
    for instance in instances:
        args += ["--instance", instance.base_url]
    return args


def test_a_post_seen_by_three_instances_is_stored_once(
        tracks: TrackStore, federation: Federation,  # noqa: F811
        db_cli: Callable[..., Result]) -> None:
    statuses = [federation.post(0, "ann", f"Stop it #EndChildLabour2021 {n}") for n in range(3)]
    federation.post(1, "bob", "From the second instance #endchildlabour2021")
    result = db_cli(*mastodon_args(federation.instances))
    assert result.exit_code == 0, result.output
    assert tracks.count_posts("mastodon") == 4
    for status in statuses:
        assert tracks.post("mastodon", status["uri"]) is not None
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[1] for line in lines[:3]] == [
        "4 read, 4 new, 0 seen again (ok)", "4 read, 0 new, 4 seen again (ok)",
        "4 read, 0 new, 4 seen again (ok)"]


def test_one_failing_instance_does_not_stop_the_others(
        tracks: TrackStore, federation: Federation,  # noqa: F811
        db_cli: Callable[..., Result]) -> None:
    federation.post(0, "ann", "Stop it #EndChildLabour2021")
    with MastodonDouble(tag_timelines_require_login=True) as closed:
        result = db_cli(*mastodon_args([closed, *federation.instances]))
    assert result.exit_code == 1
    assert tracks.count_posts("mastodon") == 1
    (said,) = [line for line in result.stderr.splitlines() if " failed: " in line]
    assert said.startswith(f"mastodon-tags:{closed.base_url} failed: ")
    assert "--credentials" in said or "token" in said
    assert result.stdout.count("(ok)") == 3


def test_run_once_collects_every_source_of_the_file(
        tracks: TrackStore, federation: Federation,  # noqa: F811
        db_cli: Callable[..., Result], tmp_path: Path) -> None:
    federation.post(2, "cy", "Sources file #EndChildLabour2021")
    sources = tmp_path / "tracking.yaml"
    urls = "\n".join(f"      - {i.base_url}" for i in federation.instances)
    sources.write_text(f"hashtags: ['#EndChildLabour2021']\nsources:\n  - kind: mastodon-tags\n"
                       f"    instances:\n{urls}\n    every: 1m\n", encoding="utf-8")
    result = db_cli("track", "run", "--sources", str(sources), "--once", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["status"] for s in data["sources"]] == ["ok"] * 3 and data["stored"] == 1


@SQLITE_ONLY
def test_run_with_a_bad_sources_file_names_its_line(
        tracks: TrackStore, db_cli: Callable[..., Result], tmp_path: Path) -> None:
    sources = tmp_path / "tracking.yaml"
    sources.write_text("sources:\n  - kind: mastodon-tags\n    base_url: https://m.example\n"
                       "    token: abc\n", encoding="utf-8")
    result = db_cli("track", "run", "--sources", str(sources), "--once")
    assert result.exit_code == 2
    assert f"{sources}, line 4: key sources[0].token: secrets never go" in result.output


@SQLITE_ONLY
def test_bluesky_jetstream_from_the_start(tracks: TrackStore, local_pds: LocalPDS,
                                          db_cli: Callable[..., Result]) -> None:
    import secrets

    tag = f"Cli{secrets.token_hex(4)}"
    account = local_pds.create_account(f"cli{secrets.token_hex(3)}")
    with JetstreamDouble(local_pds.url) as jetstream:
        made = [local_pds.create_post(account, f"Hello #{tag} {n}") for n in range(3)]
        jetstream.wait_for_uri(made[-1]["uri"])
        result = db_cli("track", "bluesky", "--jetstream", jetstream.url, "--from-start",
                        "--tag", tag)
        assert result.exit_code == 0, result.output
    assert all(tracks.post("bluesky", m["uri"]) for m in made)
    assert tracks.count_posts("bluesky") == 3
    assert result.stdout.startswith(f"bluesky-jetstream:{jetstream.url}: ")
