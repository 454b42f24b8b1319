"""Each export opens in the tool it is meant for, and never leaves a half-written file."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from click.testing import Result

from campaign.content.profile import Profile
from campaign.content.render import RenderedPost, Renderer
from campaign.content.schedule import Schedule, load_schedule
from campaign.exporters import export
from campaign.exporters.csv import BUFFER_HEADER, POSTS_HEADER, safe_cell
from campaign.exporters.html import share_url


@pytest.fixture(scope="module")
def june_posts(renderer: Renderer, schedule: Schedule) -> list[RenderedPost]:
    return list(renderer.posts(schedule.select(months=[6])))


def test_ics_parses_back_with_stable_uids_and_timezones(
    june_posts: list[RenderedPost], schedule: Schedule, tmp_path: Path
) -> None:
    from icalendar import Calendar

    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    export("ics", june_posts, schedule, first)
    export("ics", june_posts, schedule, second)
    cal = Calendar.from_ical(first.read_bytes())
    events = cal.walk("VEVENT")
    assert len(events) == len(june_posts)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    again = [str(e["UID"]) for e in Calendar.from_ical(second.read_bytes()).walk("VEVENT")]
    assert uids == again
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Zurich"}
    world_day = next(e for e in events
                     if "Journée mondiale contre le travail des enfants" in str(e["SUMMARY"]))
    start = world_day.decoded("DTSTART")
    assert (start.year, start.month, start.day, start.hour) == (2021, 6, 12, 9)
    assert start.utcoffset().total_seconds() == 7200  # CEST on 12 June


@pytest.mark.parametrize("layout", ["posts", "buffer", "hootsuite"])
def test_csv_layouts_read_back(layout: str, june_posts: list[RenderedPost], schedule: Schedule,
                               tmp_path: Path) -> None:
    out = tmp_path / f"{layout}.csv"
    x_posts = [p for p in june_posts if p.network == "x"]
    export("csv", x_posts, schedule, out, layout=layout)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if layout == "posts":
        assert rows[0] == POSTS_HEADER
        assert len(rows) - 1 == sum(len(p.parts) for p in x_posts)
    elif layout == "buffer":
        assert rows[0] == BUFFER_HEADER
        assert rows[1][3].startswith("2021-06-")
    else:
        assert len(rows[0]) == 3
        assert rows[0][0].endswith("/06/2021 " + rows[0][0][-5:])
    texts = {p.text for p in x_posts}
    column = {"posts": 11, "buffer": 0, "hootsuite": 1}[layout]
    body = rows[1:] if layout != "hootsuite" else rows
    assert {r[column] for r in body} <= texts


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)",
                                   "\t=1"])
def test_csv_neutralises_formulas(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("#EndChildLabour2021") == "#EndChildLabour2021"


@pytest.mark.parametrize("start", ["@ilo", "=1+2", "-", "+41", "@SUM(A1)"])
def test_upload_layouts_publish_the_text_as_written_and_posts_guards_it(
    tiny: Callable[..., Path], tmp_path: Path, start: str
) -> None:
    path = tiny(templates={"en": start + " hello {{ campaign.hashtag }}",
                           "fr": start + " bonjour {{ campaign.hashtag }}"})
    schedule = load_schedule(path)
    posts = list(Renderer(schedule).posts(schedule.occurrences))
    texts = sorted(p.text for p in posts)
    assert all(t.startswith(start) for t in texts)

    def cells(layout: str, column: int) -> list[str]:
        out = tmp_path / f"{layout}.csv"
        export("csv", posts, schedule, out, layout=layout)
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        return sorted(r[column] for r in (rows if layout == "hootsuite" else rows[1:]))

    assert cells("buffer", 0) == texts  # exactly what Buffer would publish
    assert cells("hootsuite", 1) == texts
    assert cells("posts", POSTS_HEADER.index("text")) == ["'" + t for t in texts]


def test_posts_csv_counts_each_part_of_a_thread(renderer: Renderer, schedule: Schedule,
                                                tmp_path: Path) -> None:
    from campaign.text.measure import measure
    from campaign.text.networks import NetworkLimits

    posts = [p for p in renderer.posts(schedule.select(entries=["amplify-12-results"]),
                                       languages=["fr"]) if len(p.parts) > 1]
    assert posts
    out = tmp_path / "p.csv"
    export("csv", posts, schedule, out)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(p.parts) for p in posts)
    limits = NetworkLimits(mastodon_characters=schedule.campaign.mastodon_characters)
    parts = [(p, part) for p in posts for part in p.parts]
    for row, (post, part) in zip(rows, parts, strict=True):
        assert row["text"] == part
        counted = measure(post.network, part, limits)
        assert (int(row["length"]), int(row["limit"])) == (counted.length, counted.limit)
        assert int(row["length"]) <= int(row["limit"]) < post.measure.length


def test_csv_export_of_hostile_profile_is_inert(schedule: Schedule, tmp_path: Path) -> None:
    renderer = Renderer(schedule, profile=Profile(name="=cmd|' /C calc'!A0"))
    posts = list(renderer.posts(schedule.select(entries=["amplify-12-results"]),
                                languages=["en"], networks=["x"]))
    out = tmp_path / "p.csv"
    export("csv", posts, schedule, out)
    with out.open(newline="", encoding="utf-8") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_json_and_jsonl(june_posts: list[RenderedPost], schedule: Schedule, tmp_path: Path) -> None:
    export("json", june_posts, schedule, tmp_path / "p.json")
    export("jsonl", june_posts, schedule, tmp_path / "p.jsonl")
    document = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert document["schema"] == "campaign-posts/1"
    assert document["campaign"]["hashtag"] == "#EndChildLabour2021"
    lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(document["posts"]) == len(june_posts)
    record = json.loads(lines[0])
    assert set(record) >= {"key", "due", "due_utc", "timezone", "text", "length", "limit"}
    bluesky = next(r for r in document["posts"] if r["network"] == "bluesky")
    tags = [f["features"][0]["tag"] for f in bluesky["facets"][0]
            if f["features"][0]["$type"].endswith("#tag")]
    assert "EndChildLabour2021" in tags


def test_markdown_groups_by_month(june_posts: list[RenderedPost], schedule: Schedule,
                                  tmp_path: Path) -> None:
    out = tmp_path / "c.md"
    export("markdown", june_posts, schedule, out, locale="fr")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# #EndChildLabour2021")
    assert "## Juin 2021" in text


def test_html_share_kit_escapes_user_values(schedule: Schedule, tmp_path: Path) -> None:
    renderer = Renderer(schedule, profile=Profile(name="<script>alert(1)</script>"))
    posts = list(renderer.posts(schedule.select(entries=["amplify-12-results"])))
    assert any("<script>alert(1)</script>" in p.text for p in posts)
    out = tmp_path / "kit.html"
    export("html", posts, schedule, out)
    page = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # only the page's own script


def test_html_share_links_are_prefilled(june_posts: list[RenderedPost], schedule: Schedule,
                                        tmp_path: Path) -> None:
    out = tmp_path / "kit.html"
    export("html", june_posts, schedule, out)
    page = out.read_text(encoding="utf-8")
    post = next(p for p in june_posts if p.network == "bluesky")
    assert share_url("bluesky", post.parts[0]).replace("&", "&amp;") in page
    for prefix in ("https://x.com/intent/post?text=", "https://bsky.app/intent/compose?text=",
                   "https://mastodon.social/share?text="):
        assert prefix in page
    assert "%23EndChildLabour2021" in page
    assert "built-in method" not in page
    assert ">Copier</button>" in page  # labels in the campaign's first language


def test_failed_export_leaves_no_file(june_posts: list[RenderedPost], schedule: Schedule,
                                      tmp_path: Path) -> None:
    out = tmp_path / "kit.html"
    out.write_text("previous", encoding="utf-8")

    broken = cast("list[RenderedPost]", [*june_posts[:1], None])
    with pytest.raises(AttributeError):
        export("jsonl", broken, schedule, out)
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["kit.html"]


def test_export_command_and_missing_folder(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "june.ics"
    result = run("export", "--format", "ics", "--month", "6", "--lang", "en", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    missing = run("export", "--format", "csv", "--out", tmp_path / "nope" / "x.csv")
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert "Traceback" not in missing.output


def test_kit_writes_every_file(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("kit", "--out", tmp_path / "kit")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    assert names == sorted(["share-kit.html", "share-kit-en.html", "share-kit-es.html",
                            "images", "calendar.ics", "posts.csv", "posts.json",
                            "calendar.md", "buffer-x.csv", "buffer-bluesky.csv",
                            "buffer-mastodon.csv", "hootsuite-x.csv", "hootsuite-bluesky.csv",
                            "hootsuite-mastodon.csv"])
    assert not [p for p in (tmp_path / "kit").rglob(".*.tmp")]  # no temporary file left
