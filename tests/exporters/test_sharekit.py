"""The share kit in the reader's language: one page per language, threads whole, images with
their alt text, and the same image names in the JSON and the bulk-upload files."""

from __future__ import annotations

import csv
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result

from campaign.content.render import Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import Schedule
from campaign.exporters import export
from campaign.exporters.html import UI, language_name

WORLD_DAY = "world-day-against-child-labour"
THREAD = "amplify-12-results"
NAMES = {"fr": "Français", "en": "English", "es": "Español"}


# -- a small DOM over the standard library's parser, so the tests read elements, not substrings --
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    texts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.texts) + "".join(c.text() for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            wanted = all(child.attrs.get(k.rstrip("_")) == v or
                         (k.rstrip("_") == "class" and v in child.attrs.get("class", "").split())
                         for k, v in attrs.items())
            if child.tag == tag and wanted:
                found.append(child)
            found += child.find_all(tag, **attrs)
        return found

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


class _Builder(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "link", "img", "input", "br", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.texts.append(data)


def parse(path: Path) -> Node:
    builder = _Builder()
    builder.feed(path.read_text(encoding="utf-8"))
    return builder.root


def shared_text(url: str) -> str:
    return parse_qs(urlsplit(url).query)["text"][0]


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def june_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The June kit of the built-in campaign in every language, written by the CLI."""
    from click.testing import CliRunner

    from campaign.cli import cli

    out = tmp_path_factory.mktemp("kit")
    result = CliRunner().invoke(cli, ["kit", "--month", "6", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _has(text: str, phrase: str) -> bool:
    """``phrase`` appears as whole words ("Public" is not in "Publicaciones")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _other_ui_strings(lang: str) -> set[str]:
    mine = set(UI[lang].values())
    return {v for other, strings in UI.items() if other != lang for v in strings.values()
            if v not in mine and "{" not in v}


# -- the page follows --lang ------------------------------------------------------------------------
def test_kit_in_spanish_is_wholly_spanish(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("kit", "--lang", "es", "--month", "6", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob("share-kit-*.html"))  # one language, one page
    page = parse(tmp_path / "share-kit.html")
    assert page.find("html").attrs["lang"] == "es"
    text = page.text()
    for key in ("intro", "audience", "all", "instance"):
        assert UI["es"][key] in text
    for french in ("Copier", "Partager sur", "Public", "Tous", "Votre serveur Mastodon"):
        assert not _has(text, french)
    assert page.find("h2").text() == "Junio 2021"
    cards = page.find_all("article", class_="card")
    assert cards and {c.attrs["lang"] for c in cards} == {"es"}
    world = [c for c in cards if c.find("h3").text() == "Día Mundial contra el Trabajo Infantil"]
    assert world and "12 de junio de 2021" in world[0].find("div", class_="meta").text()
    audiences = [o.text() for o in page.find("select", id="audience").find_all("option")]
    assert "Particular" in audiences and "Individual" not in audiences
    assert not page.find_all("nav")  # no menu with a single language


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_one_page_per_language_linked_by_name(june_kit: Path, lang: str) -> None:
    name = "share-kit.html" if lang == "fr" else f"share-kit-{lang}.html"
    page = parse(june_kit / name)
    assert page.find("html").attrs["lang"] == lang
    nav = page.find("nav", class_="languages")
    current = nav.find("strong")
    assert current.attrs["aria-current"] == "page" and current.text() == NAMES[lang]
    links = {a.text(): a.attrs["href"] for a in nav.find_all("a")}
    expected = {"fr": "share-kit.html", "en": "share-kit-en.html", "es": "share-kit-es.html"}
    assert links == {NAMES[o]: expected[o] for o in NAMES if o != lang}
    assert all((june_kit / href).is_file() for href in links.values())
    cards = page.find_all("article", class_="card")
    assert cards and {c.attrs["lang"] for c in cards} == {lang}
    text = page.text()
    assert UI[lang]["copy"] in {b.text() for b in page.find_all("button", class_="copy")}
    assert not [s for s in _other_ui_strings(lang) if _has(text, s)]


def test_language_names_come_from_babel() -> None:
    assert [language_name(c) for c in ("es", "fr", "en")] == ["Español", "Français", "English"]
    assert language_name("not a code") == "not a code"


def test_every_interface_string_exists_in_fr_en_es() -> None:
    assert set(UI) >= {"fr", "en", "es"}
    keys = set(UI["en"])
    for lang in ("fr", "es"):
        assert set(UI[lang]) == keys, lang
        assert all(UI[lang][k].strip() for k in keys)
        for key in keys:  # the same placeholders, so formatting never fails in one language
            assert _fields(UI[lang][key]) == _fields(UI["en"][key]), (lang, key)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# -- threads: every part, each shareable ------------------------------------------------------------
def test_thread_shows_every_part_with_its_own_copy_and_share(
    renderer: Renderer, schedule: Schedule, tmp_path: Path
) -> None:
    posts = list(renderer.posts(schedule.select(entries=[THREAD]), languages=["en"],
                                audiences=["country"]))
    assert {len(p.parts) for p in posts} != {1}
    export("html", posts, schedule, tmp_path / "kit.html", locale="en")
    card = parse(tmp_path / "kit.html").find("article", class_="card")
    shown = []
    for version in card.find_all("div", class_="version"):
        networks = version.attrs["data-networks"].split()
        for part in version.find_all("div", class_="part"):
            text = part.find("div", class_="text").text()
            assert part.find("button", class_="copy").attrs["data-text"] == text
            shares = part.find_all("a", class_="share")
            assert [a.attrs["data-network"] for a in shares] == networks
            assert all(shared_text(a.attrs["href"]) == text for a in shares)
            shown += [(n, text) for n in networks]
    assert sorted(shown) == sorted((p.network, part) for p in posts for part in p.parts)
    labels = card.text()
    assert "Part 1 of 2" in labels and "Part 2 of 2" in labels


# -- images -----------------------------------------------------------------------------------------
def test_kit_copies_the_image_and_shows_its_alt_text(june_kit: Path, schedule: Schedule) -> None:
    entry = next(e for e in schedule.entries if e.id == WORLD_DAY)
    assert entry.image is not None
    source = builtin_schedule().parent / entry.image.file
    assert (june_kit / "images" / entry.image.file).read_bytes() == source.read_bytes()
    for lang, name in (("fr", "share-kit.html"), ("es", "share-kit-es.html")):
        page = parse(june_kit / name)
        figures = page.find_all("figure", class_="image")
        assert figures
        figure = figures[0]
        img = figure.find("img")
        assert img.attrs["alt"] == entry.image.alt[lang]
        assert (june_kit / img.attrs["src"]).is_file()
        assert (img.attrs["width"], img.attrs["height"]) == ("1200", "675")
        download = figure.find("a", class_="download")
        assert download.attrs["href"] == img.attrs["src"]
        assert download.attrs["download"] == Path(entry.image.file).name
        copy = figure.find("button", class_="copy")
        assert copy.attrs["data-text"] == entry.image.alt[lang]
        assert copy.text() == UI[lang]["copy_alt"]
        assert figure.find("div", class_="alt").text() == entry.image.alt[lang]


def test_export_html_alone_copies_images_beside_it(run: Callable[..., Result],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "kit-es.html"
    result = run("export", "--format", "html", "--lang", "es", "--entry", WORLD_DAY,
                 "--audience", "individual", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 3 posts to {out} (html).\n"
    assert (tmp_path / "images" / "media" / "world-day-2021.png").is_file()
    src = parse(out).find("img").attrs["src"]
    assert (tmp_path / src).is_file()


def test_export_html_into_a_missing_folder_writes_nothing(run: Callable[..., Result],
                                                          tmp_path: Path) -> None:
    out = tmp_path / "nope" / "kit.html"
    result = run("export", "--format", "html", "--entry", WORLD_DAY, "--out", out)
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_image_that_cannot_be_copied_stops_before_any_page(run: Callable[..., Result],
                                                           tmp_path: Path) -> None:
    (tmp_path / "images").write_text("a file where the folder should be", encoding="utf-8")
    out = tmp_path / "kit.html"
    result = run("export", "--format", "html", "--entry", WORLD_DAY, "--lang", "en", "--out", out)
    assert result.exit_code == 1
    assert "cannot write the image world-day-2021.png" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]


def test_page_onto_a_pipe_is_refused_before_any_image_is_copied(run: Callable[..., Result],
                                                                tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "kit.html")
    result = run("export", "--format", "html", "--entry", WORLD_DAY, "--lang", "en",
                 "--out", tmp_path / "kit.html")
    assert result.exit_code == 2
    assert "is not a regular file" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kit.html"]


def test_share_kit_is_rendered_in_the_sandbox(monkeypatch: pytest.MonkeyPatch,
                                              renderer: Renderer, schedule: Schedule,
                                              tmp_path: Path) -> None:
    import campaign.content.sandbox
    from campaign.content.sandbox import CampaignSandbox

    made: list[object] = []
    real = campaign.content.sandbox.environment

    def spy(*args: object, **kwargs: object) -> CampaignSandbox:
        env = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(env)
        return env

    monkeypatch.setattr(campaign.content.sandbox, "environment", spy)
    posts = list(renderer.posts(schedule.select(entries=["labour-day"]), languages=["en"]))
    export("html", posts, schedule, tmp_path / "kit.html")
    assert len(made) == 1 and isinstance(made[0], CampaignSandbox)
    assert made[0].autoescape is True


def test_json_names_the_image_relative_to_the_schedule(
    renderer: Renderer, schedule: Schedule, tmp_path: Path
) -> None:
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), languages=["es"]))
    export("json", posts, schedule, tmp_path / "p.json")
    export("jsonl", posts, schedule, tmp_path / "p.jsonl")
    text = (tmp_path / "p.json").read_text(encoding="utf-8")
    assert str(builtin_schedule().parent) not in text  # no path of this machine
    record = json.loads(text)["posts"][0]
    entry = next(e for e in schedule.entries if e.id == WORLD_DAY)
    assert entry.image is not None
    assert record["media"] == [{"type": "image", "file": "media/world-day-2021.png",
                                "mime": "image/png", "width": 1200, "height": 675,
                                "alt": entry.image.alt["es"]}]
    line = json.loads((tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line["media"] == record["media"]
    others = list(renderer.posts(schedule.select(entries=["labour-day"]), languages=["en"]))
    export("json", others, schedule, tmp_path / "q.json")
    assert json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))["posts"][0]["media"] == []


def test_render_json_carries_the_image_name(run: Callable[..., Result]) -> None:
    result = run("render", "--entry", WORLD_DAY, "--audience", "individual", "--lang", "en",
                 "--network", "x", "--json")
    assert result.exit_code == 0, result.output
    media = json.loads(result.output)[0]["media"]
    assert [m["file"] for m in media] == ["media/world-day-2021.png"]
    assert str(builtin_schedule().parent) not in result.output


def _buffer(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_buffer_image_url_from_media_url(run: Callable[..., Result], tmp_path: Path) -> None:
    with_url = tmp_path / "with.csv"
    result = run("export", "--format", "csv", "--layout", "buffer", "--network", "x",
                 "--month", "6", "--lang", "en", "--media-url", "https://cdn.example.org/kit/images/",
                 "--out", with_url)
    assert result.exit_code == 0, result.output
    rows = _buffer(with_url)
    urls = {r["Tags"]: r["Image URL"] for r in rows if r["Image URL"]}
    assert urls == {f"{WORLD_DAY},en":
                    "https://cdn.example.org/kit/images/media/world-day-2021.png"}
    assert sum(1 for r in rows if r["Image URL"]) == sum(1 for r in rows
                                                         if r["Tags"] == f"{WORLD_DAY},en")
    without = tmp_path / "without.csv"
    assert run("export", "--format", "csv", "--layout", "buffer", "--network", "x", "--month",
               "6", "--lang", "en", "--out", without).exit_code == 0
    assert {r["Image URL"] for r in _buffer(without)} == {""}


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://example.org/i", "images/",
                                 "https://"])
def test_bad_media_url_is_refused_before_writing(run: Callable[..., Result], tmp_path: Path,
                                                 bad: str) -> None:
    out = tmp_path / "b.csv"
    result = run("export", "--format", "csv", "--layout", "buffer", "--month", "6",
                 "--media-url", bad, "--out", out)
    assert result.exit_code == 2
    assert f"--media-url '{bad}' is not an http:// or https:// address" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
    kit = run("kit", "--month", "6", "--media-url", bad, "--out", tmp_path / "kit")
    assert kit.exit_code == 2 and "--media-url" in kit.output
    assert not (tmp_path / "kit").exists()


def test_kit_fills_buffer_image_urls_and_says_so_when_it_cannot(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("kit", "--month", "6", "--lang", "fr", "--out", tmp_path / "a", "--media-url",
                 "https://example.org/k/images")
    assert result.exit_code == 0, result.output
    assert "give --media-url" not in result.output
    urls = {r["Image URL"] for r in _buffer(tmp_path / "a" / "buffer-bluesky.csv")}
    assert urls == {"", "https://example.org/k/images/media/world-day-2021.png"}
    plain = run("kit", "--month", "6", "--lang", "fr", "--out", tmp_path / "b")
    assert plain.exit_code == 0, plain.output
    said = " ".join(plain.output.split())  # the table wraps at 80 columns
    assert "Image URL left empty: give --media-url" in said
    assert "opening them in a spreadsheet is unsafe" in said


def test_posts_csv_names_the_image_on_the_first_part(
    renderer: Renderer, schedule: Schedule, tmp_path: Path
) -> None:
    posts = list(renderer.posts(schedule.select(entries=[WORLD_DAY]), languages=["fr"],
                                audiences=["individual"]))
    export("csv", posts, schedule, tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    entry = next(e for e in schedule.entries if e.id == WORLD_DAY)
    assert entry.image is not None
    assert {(r["image"], r["image_alt"]) for r in rows} == {
        ("media/world-day-2021.png", entry.image.alt["fr"])}

