"""The command line: validate, calendar, render, export, kit; JSON output; docs in sync."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from campaign.cli import cli

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
    import click

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("### `campaign ")]
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert f"campaign {name}" in readme, f"README does not show 'campaign {name}'"
        for sub in getattr(command, "commands", {}) if isinstance(command, click.Group) else {}:
            assert any(h.startswith(f"### `campaign {name} ") and sub in h for h in headings), \
                f"README has no heading for 'campaign {name} {sub}'"


def test_lazy_commands_help_matches_their_docstrings() -> None:
    import click

    from campaign.cli.main import LAZY_COMMANDS

    ctx = click.Context(cli)
    for name, summary in LAZY_COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.help is not None
        assert command.help.splitlines()[0] == summary
