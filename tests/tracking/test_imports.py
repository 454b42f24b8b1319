"""Archives into the tracking store: every reference twarc2 file with the counts the files hold,
resumed imports, bad lines, and CSV/JSONL of Bluesky and Mastodon posts (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from campaign.tracking.collect import Context, collect
from campaign.tracking.imports import (
    ArchiveError,
    ArchiveSource,
    extract,
    import_archive,
)
from campaign.tracking.store import TrackStore
from tests.conftest import REFERENCE

TWARC = REFERENCE / "twarc2"
POST_FILES = ["brexit.jsonl", "kpop.jsonl", "streaming_output_with_error.jsonl", "two_tweets.jsonl"]


def _objects(path: Path) -> list[dict[str, Any]]:
    """The lines of a file that parse, as the test reads them itself."""
    found = []
    for line in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError):
            found.append(json.loads(line))
    return found


def _data(path: Path) -> list[dict[str, Any]]:
    """Every tweet of every ``data`` of a file (a list on a search page, one on a stream line)."""
    tweets: list[dict[str, Any]] = []
    for obj in _objects(path):
        data = obj.get("data")
        tweets.extend(data if isinstance(data, list) else [data] if isinstance(data, dict) else [])
    return tweets


def _included(path: Path) -> set[str]:
    return {t["id"] for obj in _objects(path) for t in obj.get("includes", {}).get("tweets", [])}


# -- the reference twarc2 archives ------------------------------------------------------------

def test_every_reference_file_imports_with_the_counts_it_holds(tracks: TrackStore) -> None:
    results = {name: import_archive(tracks, TWARC / name) for name in POST_FILES}
    data = {name: _data(TWARC / name) for name in POST_FILES}
    ids = {t["id"] for tweets in data.values() for t in tweets}
    assert tracks.count_posts("x") == tracks.count_posts() == len(ids) == 208
    for name, result in results.items():
        assert result.read == len(data[name]), name
        assert result.new + result.already == len(data[name]), name
    # posts come from data only: a referenced tweet only in includes is a relation, not a post
    only_included = set().union(*(_included(TWARC / n) for n in POST_FILES)) - ids
    assert only_included and all(tracks.post("x", i) is None for i in only_included)
    columns = {"replied_to": "reply_to", "retweeted": "repost_of", "quoted": "quote_of"}
    related = 0
    for tweets in data.values():
        for tweet in tweets:
            stored = tracks.post("x", tweet["id"])
            assert stored is not None and stored["text"] == tweet["text"]
            for ref in tweet.get("referenced_tweets", []):
                assert stored[columns[ref["type"]]] == ref["id"]
                related += 1
    assert related > 50
    # authors with their follower counts from includes.users
    page = _objects(TWARC / "brexit.jsonl")[0]
    users = {u["id"]: u for u in page["includes"]["users"]}
    first = page["data"][0]
    assert tracks.post("x", first["id"])["author_handle"] == users[first["author_id"]]["username"]
    # the truncated last stream line is counted and named, the rest imported
    stream = results["streaming_output_with_error.jsonl"]
    assert (stream.bad, stream.lines, stream.exit_code) == (1, 8, 1)
    assert stream.bad_lines == ["line 8: truncated: the file ends inside it"]
    # kpop's page carries an API error record (a suspended user): reported, not a bad line
    kpop = results["kpop.jsonl"]
    assert (kpop.api_errors, kpop.bad, kpop.exit_code) == (1, 0, 0)
    assert "User has been suspended: [leeseunggi]." in kpop.api_notes[0]
    assert tracks.status().as_dict()["sources"][2]["bad"] == 1


def test_the_counts_file_is_recognised_and_refused_whole(tracks: TrackStore) -> None:
    path = TWARC / "counts.jsonl"
    with pytest.raises(ArchiveError) as caught:
        import_archive(tracks, path)
    assert caught.value.message == (f"{path} is a twarc2 counts file (tweet counts per period), "
                                    "not posts: import a search or stream archive")
    assert caught.value.exit_code == 2
    assert tracks.count_posts() == 0 and tracks.runs() == []


def test_an_archive_imported_twice_adds_nothing(tracks: TrackStore, tmp_path: Path) -> None:
    first = import_archive(tracks, TWARC / "brexit.jsonl")
    again = import_archive(tracks, TWARC / "brexit.jsonl")
    assert (first.new, again.status, again.read) == (100, "complete", 0)
    copy = tmp_path / "brexit-copy.jsonl"  # the same posts under another name: read, not added
    copy.write_bytes((TWARC / "brexit.jsonl").read_bytes())
    other = import_archive(tracks, copy)
    assert (other.read, other.new, other.already) == (100, 0, 100)
    assert tracks.count_posts() == 100


def _combined(tmp_path: Path) -> Path:
    """Four reference files in one: 15 lines (a truncated one last)."""
    path = tmp_path / "all.jsonl"
    path.write_bytes(b"".join((TWARC / n).read_bytes().rstrip(b"\n") + b"\n"
                              for n in POST_FILES[:2] + POST_FILES[3:]) +
                     (TWARC / POST_FILES[2]).read_bytes())
    return path


@pytest.mark.parametrize("how", [pytest.param("stop", id="stopped-after-page-1"),
                                 pytest.param("kill", id="interrupted-mid-run")])
def test_an_interrupted_import_resumes_with_nothing_lost_or_doubled(
        tracks: TrackStore, tmp_path: Path, how: str) -> None:
    path = _combined(tmp_path)
    total = len({t["id"] for t in _data(path)})
    stopping = threading.Event()
    pages: list[int] = []

    def on_page(page: Any, saved: Any, totals: Any) -> None:
        pages.append(len(page.posts))
        if how == "stop":
            stopping.set()
        elif len(pages) == 3:
            raise KeyboardInterrupt  # as a second Ctrl-C does, between two pages

    if how == "stop":
        first = import_archive(tracks, path, stopping=stopping, on_page=on_page, page_posts=50)
        assert first.status == "interrupted" and first.exit_code == 1
        assert first.new == tracks.count_posts() == 100  # one search page: 100 posts
    else:
        with pytest.raises(KeyboardInterrupt):
            import_archive(tracks, path, on_page=on_page, page_posts=1)
        # a page holds whole lines: three pages are the two search pages and two_tweets
        assert tracks.count_posts() == 201
    second = import_archive(tracks, path)
    assert second.resumed_at == (1 if how == "stop" else 3)
    assert tracks.count_posts() == total
    assert second.new == total - (100 if how == "stop" else 201) and second.already == 0
    assert import_archive(tracks, path).status == "complete"


def test_a_truncated_corrupt_or_huge_line_is_counted_and_the_rest_imported(
        tracks: TrackStore, tmp_path: Path) -> None:
    kpop = (TWARC / "kpop.jsonl").read_bytes().rstrip(b"\n")
    two = (TWARC / "two_tweets.jsonl").read_bytes().rstrip(b"\n")
    error = json.dumps({"errors": [{"title": "operational-disconnect",
                                    "detail": "This stream has been disconnected."}]}).encode()
    huge = b'{"data": "' + b"x" * 600_000 + b'"}'
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([kpop, huge, b"<html>502 Bad Gateway</html>", error, b"",
                                 two, b'{"data": [{"id": "1'[:17]]))
    source = ArchiveSource(path, max_line=500_000)
    outcome = collect(tracks, source)
    run = outcome.run
    assert tracks.count_posts() == 101 and run.stored == 101
    assert run.bad == 3
    assert run.problems[:3] == ("line 2: over 500,000 bytes: skipped unread",
                                "line 3: corrupt JSON (Expecting value at character 0)",
                                "line 7: truncated: the file ends inside it")
    assert any("operational-disconnect: This stream has been disconnected." in p
               for p in run.problems)


def test_a_line_too_crowded_to_parse_is_skipped_unread(tracks: TrackStore,
                                                       tmp_path: Path) -> None:
    """Memory stays bounded within MAX_LINE: 300,000 empty objects (1 MB of file, ~1 GB parsed
    with a sentence per non-tweet) and a 'data' of more tweets than X puts on a page."""
    two = (TWARC / "two_tweets.jsonl").read_bytes().rstrip(b"\n")
    crowded = b'{"data": [' + b",".join([b"{}"] * 300_000) + b'], "meta": {}}'
    many = json.dumps({"data": [{"id": str(i), "text": "#a", "created_at": "2021-06-12T08:00:00Z"}
                                for i in range(1, 1202)], "meta": {}}).encode()
    path = tmp_path / "crowded.jsonl"
    path.write_bytes(b"\n".join([two, crowded, many, two]) + b"\n")
    result = import_archive(tracks, path)
    assert (result.new, result.bad, result.lines) == (1, 2, 4)
    assert result.bad_lines == [
        "line 2: over 250,000 values in one line (no API page holds that many): skipped unread",
        "line 3: 1,201 tweets in one 'data' list, not an X API response (X returns at most 500 "
        "a page): skipped"]


def test_a_csv_cell_over_the_field_limit_is_a_bad_row_not_a_crash(tracks: TrackStore,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "long-cell.csv"
    path.write_text("id,created_at,text,author_id\n"
                    f'https://m.example/users/a/statuses/1,2021-06-12T08:00:00Z,"{"x" * 200_000}'
                    '",a@m.example\n'
                    "https://m.example/users/a/statuses/2,2021-06-12T08:00:00Z,hi #x,a@m.example\n",
                    encoding="utf-8")
    result = import_archive(tracks, path, network="mastodon")
    assert (result.new, result.bad) == (1, 1)
    assert result.bad_lines[0].startswith("line 2: not a CSV row (field larger than field limit")
    unnamed = tmp_path / "long-cell-no-network.csv"  # the network found from the first rows
    unnamed.write_bytes(path.read_bytes())
    assert import_archive(tracks, unnamed).network == "mastodon"


def test_nul_and_lone_surrogates_are_stored_as_replacement_characters(
        tracks: TrackStore, tmp_path: Path) -> None:
    page = _objects(TWARC / "two_tweets.jsonl")[0]
    line = json.dumps(page).replace(page["data"][0]["text"][:5], "A\\u0000B\\ud800C", 1)
    path = tmp_path / "odd.jsonl"
    path.write_text(line + "\n", encoding="ascii")
    assert import_archive(tracks, path).new == 1
    assert tracks.post("x", page["data"][0]["id"])["text"].startswith("A\ufffdB\ufffdC")


def test_extract_reads_without_storing(tracks: TrackStore) -> None:
    pages = list(extract(TWARC / "brexit.jsonl"))
    assert sum(len(p.posts) for p in pages) == 100 and tracks.count_posts() == 0
    assert pages[-1].checkpoint[1] == {"line": 1, "offset": (TWARC / "brexit.jsonl").stat().st_size}


# -- CSV and JSONL of Bluesky and Mastodon ----------------------------------------------------

CSV_ROWS = [
    "\ufeffnetwork;id;url;author_id;author_handle;created_at;text;language;hashtags;reply_to;"
    "likes;reposts;followers",
    "bluesky;at://did:plc:abc123/app.bsky.feed.post/3k2a;;did:plc:abc123;@alice.bsky.social;"
    '2021-06-12T10:00:00+02:00;"Line one\nline two #EndChildLabour2021";en;;;5;1;120',
    "mastodon;https://mastodon.example/users/bob/statuses/1;https://mastodon.example/@bob/1;;"
    "bob@Mastodon.Example;2021-06-12T08:30:00Z;Hello #LabourDay;fr;EndChildLabour "
    "#childrensday;at://did:plc:abc123/app.bsky.feed.post/3k2a;;;",
    "bluesky;at://did:plc:abc123/app.bsky.feed.post/3k2b;;;;2021-06-12 08:00;no offset;;;;;;",
    "mastodon;https://mastodon.example/users/bob/statuses/2;;;bob;2021-06-12T09:00:00Z;x;;;;"
    "many;;",
]


def test_a_csv_of_bluesky_and_mastodon_posts_round_trips(tracks: TrackStore,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("\r\n".join(CSV_ROWS) + "\r\n", encoding="utf-8")
    result = import_archive(tracks, path)
    assert (result.format, result.new, result.bad) == ("csv", 2, 2)
    assert result.bad_lines == [
        "line 5: 'created_at' '2021-06-12 08:00' has no UTC offset: write e.g. "
        "2021-06-12T08:00:00Z or +02:00",
        "line 6: 'likes' is not a whole number: 'many'"]
    sky = tracks.post("bluesky", "at://did:plc:abc123/app.bsky.feed.post/3k2a")
    assert sky is not None
    assert sky["text"] == "Line one\nline two #EndChildLabour2021"
    assert sky["hashtags"] == ["endchildlabour2021"]
    assert (sky["likes"], sky["reposts"], sky["replies"], sky["language"]) == (5, 1, None, "en")
    assert sky["url"] == "https://bsky.app/profile/did:plc:abc123/post/3k2a"
    assert sky["author_handle"] == "alice.bsky.social"
    assert sky["created_at"].isoformat().startswith("2021-06-12T08:00:00")
    toot = tracks.post("mastodon", "https://mastodon.example/users/bob/statuses/1")
    assert toot is not None and toot["kind"] == "reply"
    assert toot["hashtags"] == ["childrensday", "endchildlabour"]  # the column, not the text
    assert toot["reply_to"] == "at://did:plc:abc123/app.bsky.feed.post/3k2a"
    assert toot["author_handle"] == "bob@mastodon.example"
    assert import_archive(tracks, path).status == "complete"


def _search_views() -> list[dict[str, Any]]:
    recorded = yaml.safe_load((REFERENCE / "bluesky" / "searchPosts.yml").read_text())
    return json.loads(recorded["http_interactions"][0]["response"]["body"]["string"])["posts"]


def _tag_statuses() -> list[dict[str, Any]]:
    recorded = yaml.safe_load((REFERENCE / "mastodon" / "hashtag_timeline.yaml").read_text())
    return next(json.loads(i["response"]["body"]["string"]) for i in recorded["interactions"]
                if "/timelines/tag/" in i["request"]["uri"])


def test_jsonl_of_bluesky_and_mastodon_posts_round_trips(tracks: TrackStore,
                                                         tmp_path: Path) -> None:
    views, statuses = _search_views(), _tag_statuses()
    first = views[0]
    lines = [json.dumps(v) for v in views[1:]]
    lines.append(json.dumps({"did": first["author"]["did"], "uri": first["uri"],
                             "record": first["record"]}))
    lines.append(json.dumps({"did": "did:plc:jet", "time_us": 1, "kind": "commit", "commit": {
        "operation": "create", "collection": "app.bsky.feed.post", "rkey": "3jet",
        "record": {"text": "#EndChildLabour2021 jet", "createdAt": "2021-06-12T08:00:00Z"}}}))
    lines.append(json.dumps({"did": "did:plc:jet", "time_us": 2, "kind": "commit", "commit": {
        "operation": "create", "collection": "app.bsky.feed.like", "rkey": "x", "record": {}}}))
    lines += [json.dumps(s) for s in statuses]
    lines.append(json.dumps({"hello": "world"}))
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_archive(tracks, path)
    assert result.format == "jsonl" and result.network == "bluesky"
    assert result.new == len(views) + 1 + len(statuses)
    assert result.bad == 1 and result.bad_lines[0].startswith(
        f"line {len(lines)}: not a Bluesky post or Mastodon status but an object with the keys "
        "hello")
    assert tracks.count_posts("bluesky") == len(views) + 1
    assert tracks.count_posts("mastodon") == len({s["uri"] for s in statuses})
    stored = tracks.post("bluesky", views[3]["uri"])
    assert stored is not None and stored["text"] == views[3]["record"]["text"]
    assert tracks.post("bluesky", "at://did:plc:jet/app.bsky.feed.post/3jet")["hashtags"] == [
        "endchildlabour2021"]
    assert tracks.post("mastodon", statuses[0]["uri"]) is not None


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("pledge_id,name,email\n7,Ana,ana@example.org\n",
                 "is a CSV with the columns pledge_id, name, email, not posts: a CSV of posts "
                 "needs id, created_at, text, author_id or author_handle", id="pledge-export"),
    pytest.param('{"name": "Ana", "pledge": 7}\n',
                 "is JSON lines of an object with the keys name, pledge, not twarc2 pages, "
                 "Bluesky posts or Mastodon statuses", id="jsonl-of-something-else"),
    pytest.param('{"data": "x"\n{"data": "y"\n',
                 "is not JSON lines: its first lines do not parse (line 1: corrupt JSON",
                 id="nothing-parses"),
    pytest.param("\x00\x01PNG", "is a binary file, not JSONL or CSV", id="binary"),
])
def test_a_file_of_the_wrong_kind_is_refused_saying_what_it_is(
        tracks: TrackStore, tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "other.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArchiveError, match="^" + str(path).replace("\\", "\\\\")) as caught:
        import_archive(tracks, path)
    assert expected in caught.value.message
    assert tracks.count_posts() == 0 and tracks.runs() == []


def test_a_format_that_does_not_match_is_refused(tracks: TrackStore) -> None:
    with pytest.raises(ArchiveError, match="holds twarc2 search or stream pages, not jsonl: "
                                           "import it with --format twarc2"):
        import_archive(tracks, TWARC / "kpop.jsonl", kind="jsonl")


@pytest.mark.parametrize("content", [pytest.param(b"", id="empty"),
                                     pytest.param(b"\n\n  \n", id="blank-lines"),
                                     pytest.param(b"id,created_at,text,author_id\n", id="header")])
def test_an_empty_file_imports_nothing(tracks: TrackStore, tmp_path: Path,
                                       content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = import_archive(tracks, path)
    assert (result.status, result.exit_code, tracks.count_posts()) == ("empty", 0, 0)


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="file not found"):
        ArchiveSource(tmp_path / "nope.jsonl")
    with pytest.raises(ArchiveError, match="is a folder"):
        ArchiveSource(tmp_path)


def test_pages_resume_from_the_checkpoint_alone(tmp_path: Path) -> None:
    path = _combined(tmp_path)
    source = ArchiveSource(path, page_posts=100)
    pages = list(source.pages(Context({})))
    middle = pages[1].checkpoint
    assert middle is not None
    rest = list(source.pages(Context({middle[0]: middle[1]})))
    source.close()
    assert [len(p.posts) for p in rest] == [len(p.posts) for p in pages[2:]]


def test_a_line_only_the_json_module_reads_is_imported(tracks: TrackStore,
                                                        tmp_path: Path) -> None:
    # lines are parsed with orjson, which refuses an integer past 64 bits and NaN: the json
    # module reads those lines again, so they import as they always did
    page = _objects(TWARC / "brexit.jsonl")[0]
    page["data"][0]["big"] = 2**70
    page["data"][1]["ratio"] = float("nan")
    path = tmp_path / "odd-numbers.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    result = import_archive(tracks, path)
    assert (result.new, result.bad, result.exit_code) == (len(page["data"]), 0, 0)
    stored = tracks.post("x", page["data"][0]["id"])
    assert stored is not None and json.loads(stored["raw"])["big"] == 2**70
