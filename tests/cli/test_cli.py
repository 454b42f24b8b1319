"""The command line: validate, calendar, render, export, kit; JSON output; docs in sync."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.cli.app import COMMANDS, SUMMARIES, WHOLE, LazyGroup

ROOT = Path(__file__).resolve().parents[2]


def test_validate_shipped_schedule_reports_no_problem(run: Callable[..., Result]) -> None:
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "no problem found" in result.output


def test_validate_example_schedule(run: Callable[..., Result]) -> None:
    result = run("validate", ROOT / "schedules" / "examples" / "cleanair2030.yaml", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["problems"] == [] and report["posts_rendered"] == 20


def test_calendar_json_filters(run: Callable[..., Result]) -> None:
    result = run("calendar", "--month", "june", "--audience", "individual", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["entry"] for r in rows] == ["indiv-06-webinar", "world-day-against-child-labour",
                                          "indiv-06-pledge-progress"]
    assert all(r["date"].startswith("2021-06-") for r in rows)


def test_calendar_table_in_spanish(run: Callable[..., Result]) -> None:
    result = CliRunner().invoke(cli, ["calendar", "--lang", "es", "--month", "12"],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Día de los Derechos Humanos" in result.output


def test_render_day_for_individual(run: Callable[..., Result]) -> None:
    result = run("render", "--day", "2021-06-12", "--audience", "individual", "--lang", "en",
                 "--network", "bluesky", "--json")
    assert result.exit_code == 0, result.output
    posts = json.loads(result.output)
    assert len(posts) == 1
    assert posts[0]["entry"] == "world-day-against-child-labour"
    assert posts[0]["length"] <= posts[0]["limit"] == 300


def test_render_text_output_shows_lengths(run: Callable[..., Result]) -> None:
    result = run("render", "--entry", "literacy-day", "--audience", "individual", "--lang", "fr",
                 "--var", "name=Amina")
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+/280 weighted", result.output)
    assert "#LiteracyDay" in result.output


def test_help_is_fast_to_import() -> None:
    code = "import sys, campaign.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('jinja2','babel','icalendar','rich','pydantic','yaml','regex','sqlalchemy'," \
           "'alembic','apscheduler','psycopg')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("### `campaign ")]
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert f"campaign {name}" in readme, f"README does not show 'campaign {name}'"
        for sub in getattr(command, "commands", {}) if isinstance(command, click.Group) else {}:
            assert any(h.startswith(f"### `campaign {name} ") and sub in h for h in headings), \
                f"README has no heading for 'campaign {name} {sub}'"


@pytest.mark.parametrize("name", sorted(COMMANDS), ids=str)
def test_each_commands_summary_is_the_first_line_of_its_help(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.help is not None
    assert command.help.splitlines()[0] == SUMMARIES[name]


@pytest.mark.parametrize("width", [80, 60, 40], ids=lambda w: f"{w}-columns")
def test_help_lists_commands_as_click_would_without_importing_them(width: int) -> None:
    fresh = LazyGroup(name="fresh", lazy_subcommands=COMMANDS, summaries=SUMMARIES, whole=WHOLE)
    limit = width - 6 - max(map(len, COMMANDS))
    for name in COMMANDS:
        loaded = cli.get_command(click.Context(cli), name)
        assert loaded is not None
        assert fresh.summary_line(name, limit) == loaded.get_short_help_str(limit), name
    assert fresh.commands == {}  # the summaries alone made the list


def test_help_imports_no_command_module() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom campaign.cli import cli\n"
            "out = CliRunner().invoke(cli, ['--help']).output\n"
            "print(sorted(m for m in sys.modules if m.startswith('campaign.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['campaign.cli.app']"


def test_python_dash_m_runs_the_same_command() -> None:
    env = {**os.environ, "COLUMNS": "80"}
    as_module = subprocess.run([sys.executable, "-m", "campaign.cli", "--help"],
                               capture_output=True, text=True, check=True, env=env)
    as_script = subprocess.run([sys.executable, "-c", "from campaign.cli import main; main()",
                                "--help"], capture_output=True, text=True, check=True, env=env)
    assert as_module.stdout == as_script.stdout
    assert as_module.stdout.startswith("Usage: campaign [OPTIONS] COMMAND [ARGS]...")


YEAR_COMMANDS = [
    pytest.param(("validate", "--json"), id="validate"),
    pytest.param(("calendar", "--month", "6", "--json"), id="calendar"),
    pytest.param(("render", "--day", "2027-06-12", "--lang", "en", "--json"), id="render"),
    pytest.param(("export", "--format", "ics", "--month", "6", "--out", "{tmp}/june.ics"),
                 id="export"),
    pytest.param(("kit", "--month", "6", "--lang", "en", "--out", "{tmp}/kit"), id="kit"),
]


@pytest.mark.parametrize("args", YEAR_COMMANDS)
@pytest.mark.parametrize("how", ["option", "environment"])
def test_every_command_reading_a_schedule_runs_it_in_another_year(args: tuple[str, ...], how: str,
                                                                  tmp_path: Path) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    env = {"COLUMNS": "120"}
    if how == "option":
        argv += ["--year", "2027"]
    else:
        env["CAMPAIGN_YEAR"] = "2027"
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code == 0, result.output
    if argv[0] == "calendar":
        assert {r["date"][:4] for r in json.loads(result.output)} == {"2027"}
    elif argv[0] == "render":
        posts = json.loads(result.output)
        assert posts and all(p["due"].startswith("2027-06-12") for p in posts)
    elif argv[0] == "export":
        starts = {line.rsplit(":", 1)[1][:8] for line in (tmp_path / "june.ics").read_text(
            encoding="utf-8").splitlines() if line.startswith("DTSTART;TZID=")}
        assert starts and {s[:6] for s in starts} == {"202706"}


def test_a_year_outside_what_the_tool_handles_is_refused_in_one_sentence(
        run: Callable[..., Result]) -> None:
    result = run("calendar", "--year", "1999")
    assert result.exit_code == 2
    assert "the tool handles the years 2000 to 2100" in result.output
    assert "Traceback" not in result.output


def test_queue_plan_takes_the_year(run: Callable[..., Result], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'q.db'}"
    assert run("db", "upgrade", "--db", db).exit_code == 0
    assert run("accounts", "add", "bluesky", "demo.bsky.social", "--db", db).exit_code == 0
    for year in ("2021", "2027"):
        planned = run("queue", "plan", "--entry", "world-day-against-child-labour", "--lang", "en",
                      "--account", "bluesky", "--year", year, "--db", db)
        assert "10 added" in planned.output, planned.output
    dues = {p["due_at"][:10] for p in json.loads(run("queue", "list", "--json", "--db", db).output)}
    assert dues == {"2021-06-12", "2027-06-12"}


GROUPS = [pytest.param("pledge", id="pledge"), pytest.param("track", id="track")]


@pytest.mark.parametrize("group", GROUPS)
def test_group_summaries_are_the_subcommands_short_help(group: str) -> None:
    """`campaign GROUP --help` lists its commands from SUMMARIES, importing none of them."""
    import importlib

    module = importlib.import_module(f"campaign.cli.{group}")
    command_group = getattr(module, group)
    ctx = click.Context(command_group)
    assert set(module.SUMMARIES) == set(module.SUBCOMMANDS)
    for name, summary in module.SUMMARIES.items():
        command = command_group.get_command(ctx, name)
        assert command is not None and command.short_help == summary, name


@pytest.mark.parametrize("group", GROUPS)
def test_group_help_imports_no_subcommand(group: str) -> None:
    code = ("import sys; from campaign.cli import cli; from click.testing import CliRunner; "
            f"CliRunner().invoke(cli, ['{group}', '--help']); "
            f"print(sorted(m for m in sys.modules if m.startswith('campaign.cli.{group}_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
