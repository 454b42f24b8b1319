"""What the terminal shows: an entry's own timezone, and user text printed literally and safely."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from rich.console import Console

from campaign.cli.views import print_calendar, print_posts
from campaign.content.calendar import calendar_rows
from campaign.content.render import Renderer
from campaign.content.schedule import load_schedule
from tests.conftest import MINIMAL

NEW_YORK = MINIMAL.replace("    offset_days: 7\n",
                           "    offset_days: 7\n    time: \"09:00\"\n    timezone: America/New_York\n")
HOSTILE_TITLE = "[bold red]x[/] [link=javascript:alert(1)]click[/link]"
HOSTILE = MINIMAL.replace("title: {en: Hello, fr: Bonjour}",
                          f"title: {{en: \"{HOSTILE_TITLE}\", fr: \"[red]rouge[/]\"}}")


def _plain_console() -> tuple[Console, io.StringIO]:
    """A console that prints no style at all: any escape sequence in its output came from data."""
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None, force_terminal=False,
                   highlight=False), out


def _wide(*args: str) -> Result:
    """The CLI on a 200-column terminal, so no line wraps."""
    from click.testing import CliRunner

    from campaign.cli import cli

    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def _line(output: str, word: str) -> str:
    return next(line for line in output.splitlines() if word in line)


# -- the entry's own timezone -----------------------------------------------------------------------
def test_calendar_shows_an_entry_timezone_when_not_the_campaigns(
    run: Callable[..., Result], tiny: Callable[..., Path]
) -> None:
    path = tiny(NEW_YORK)
    result = run("calendar", "--schedule", path, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "America/New_York" in _line(result.output, "later")
    assert "Europe/Paris" not in _line(result.output, "hello")
    assert "times in Europe/Paris unless shown" in result.output
    rows = json.loads(run("calendar", "--schedule", path, "--json").output)
    assert {r["entry"]: r["timezone"] for r in rows} == {"hello": "Europe/Paris",
                                                         "later": "America/New_York"}


def test_render_shows_an_entry_timezone_when_not_the_campaigns(
    run: Callable[..., Result], tiny: Callable[..., Path]
) -> None:
    path = tiny(NEW_YORK)
    result = _wide("render", "--schedule", str(path), "--lang", "en", "--network", "x")
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("2030-")]
    assert headers == ["2030-03-01 10:00 hello · person · en · x · 15/280 weighted characters",
                       "2030-03-08 09:00 America/New_York later · person · en · x · 15/280 "
                       "weighted characters"]


# -- user text printed literally, without escape sequences ------------------------------------------
def test_calendar_prints_markup_in_titles_literally(run: Callable[..., Result],
                                                    tiny: Callable[..., Path]) -> None:
    path = tiny(HOSTILE)
    result = _wide("calendar", "--schedule", str(path), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert HOSTILE_TITLE in result.output
    french = _wide("calendar", "--schedule", str(path), "--lang", "fr")
    assert "[red]rouge[/]" in french.output


def test_views_strip_escape_sequences_and_keep_brackets(tiny: Callable[..., Path]) -> None:
    schedule = load_schedule(tiny(HOSTILE))
    rows = calendar_rows(schedule, schedule.occurrences, "en")
    rows[0]["title"] = "\x1b[31mred\x1b[0m " + HOSTILE_TITLE + "\x07"
    rows[0]["entry"] = "hel\x1b]8;;javascript:alert(1)\x1b\\lo"
    console, out = _plain_console()
    print_calendar(console, schedule, rows, "en")
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "red " + HOSTILE_TITLE in text
    assert "hello" in text


def test_render_prints_post_text_literally(tiny: Callable[..., Path]) -> None:
    from campaign.content.profile import Profile

    path = tiny(templates={"en": "Hi {{ profile.name }}", "fr": "Salut {{ profile.name }}"})
    schedule = load_schedule(path)
    # rich markup in a post prints as written (a control character never reaches a post: the
    # renderer refuses it, see tests/content/test_bad_input.py)
    renderer = Renderer(schedule, profile=Profile(name="[bold red]x[/]"))
    posts = list(renderer.posts(schedule.occurrences, languages=["en"], networks=["x"]))
    console, out = _plain_console()
    print_posts(console, posts, schedule.campaign.timezone)
    text = out.getvalue()
    assert "\x1b" not in text
    assert text.count("Hi [bold red]x[/]") == len(posts) == 2


def test_kit_output_prints_names_literally(tiny: Callable[..., Path], tmp_path: Path) -> None:
    path = tiny()
    out = tmp_path / "[red]kit[/red]"
    result = _wide("kit", "--schedule", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"written to {out.resolve()}: open share-kit.html" in result.output
    assert "\x1b" not in result.output
