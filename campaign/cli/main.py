"""The ``campaign`` command: parses options, calls the library, formats what comes back.

Only click is imported at start-up; each command imports what it needs, so ``--help`` is fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from campaign import __version__

if TYPE_CHECKING:
    from campaign.content.render import Post, Renderer
    from campaign.content.schedule import Occurrence, Schedule

F = TypeVar("F", bound=Callable[..., Any])
NETWORK_CHOICES = ("x", "bluesky", "mastodon")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


# Commands whose module is imported only when they run, so `campaign --help` stays fast.
LAZY_COMMANDS = {
    "db": "Create or upgrade the queue database.",
    "accounts": "Register the accounts posts go out from, and check they can sign in.",
    "amplify": "Queue a repost or a quote of someone else's post.",
    "queue": "Plan, review and edit the queue of posts.",
    "run": "Publish due posts: exactly once each, retrying what fails for a passing reason.",
}


class CampaignGroup(click.Group):
    """Turns a library error into one message on stderr and its exit code, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the lazily loaded ones included."""
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A command, importing the queue's module the first time one of its commands is used."""
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            from campaign.cli.queue import register

            register(self)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, without importing the lazy commands."""
        rows = []
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        for name in names:
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from campaign.errors import CampaignError

        try:
            return super().invoke(ctx)
        except CampaignError as exc:
            from campaign.text.escape import terminal

            # messages quote schedule keys, titles and paths: no escape sequence reaches the tty
            message = terminal(exc.message)
            if "campaign.platforms.credentials" in sys.modules:  # a secret was read: never echo it
                message = sys.modules["campaign.platforms.credentials"].redact(message)
            click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=CampaignGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="campaign")
def cli() -> None:
    """Plan, render and export the posts of a social media campaign (#EndChildLabour2021)."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="campaign")


# -- shared options ---------------------------------------------------------------------------
def schedule_option(func: F) -> F:
    """``--schedule``: the schedule file, the built-in 2021 campaign by default."""
    return click.option(
        "--schedule", "-s", "schedule_path", type=click.Path(path_type=Path), envvar="CAMPAIGN_SCHEDULE",
        help="Schedule file (default: the built-in #EndChildLabour2021 campaign).",
    )(func)


def template_options(func: F) -> F:
    """``--templates``, ``--profile`` and ``--var``: where templates come from and who posts."""
    func = click.option("--templates", "-t", "template_dirs", multiple=True,
                        type=click.Path(path_type=Path, file_okay=False, exists=True),
                        envvar="CAMPAIGN_TEMPLATES",
                        help="Folder of your own templates, searched before the built-in ones.")(func)
    func = click.option("--profile", "profile_path", type=click.Path(path_type=Path),
                        help="YAML file with name, handle, site, pledge_title, handle_x, ...")(func)
    return click.option("--var", "variables", multiple=True, metavar="KEY=VALUE",
                        help="Profile value, e.g. --var name=\"ILO\" --var handle=@ilo.")(func)


def filter_options(func: F) -> F:
    """Filters shared by calendar, render and export."""
    options = [
        click.option("--audience", "-a", "audiences", multiple=True,
                     help="Audience id or group (stakeholders, organisations, everyone)."),
        click.option("--lang", "-l", "languages", multiple=True, help="Language code, e.g. fr."),
        click.option("--network", "-n", "networks", multiple=True,
                     type=click.Choice(NETWORK_CHOICES), help="Network."),
        click.option("--month", "-m", "months", multiple=True, metavar="MONTH",
                     help="Month number or English name, e.g. 6 or june."),
        click.option("--entry", "-e", "entries", multiple=True, help="Entry id."),
        click.option("--day", "day", type=click.DateTime(["%Y-%m-%d"]), help="One day, YYYY-MM-DD."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def media_url_option(func: F) -> F:
    """``--media-url``: the public folder the kit's images/ are uploaded to, for Buffer's Image URL."""
    return click.option("--media-url", "media_url", metavar="URL", default=None,
                        help="Public address of the uploaded images/ folder; fills Buffer's "
                             "Image URL with URL/<image path>. Without it the column is empty.")(func)


def json_option(func: F) -> F:
    """``--json``: machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)


# -- helpers -----------------------------------------------------------------------------------
def _parse_month(value: str) -> int:
    from campaign.errors import UsageError

    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    for number, name in enumerate(MONTHS, start=1):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise UsageError("month", value, [str(n) for n in range(1, 13)] + list(MONTHS))


def _schedule(path: Path | None) -> Schedule:
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    return load_schedule(path or builtin_schedule())


def _renderer(schedule: Schedule, template_dirs: Sequence[Path], profile_path: Path | None,
              variables: Sequence[str]) -> Renderer:
    from campaign.content.profile import load_profile
    from campaign.content.render import Renderer

    return Renderer(schedule, template_dirs=template_dirs,
                    profile=load_profile(profile_path, variables))


def _check_languages(schedule: Schedule, languages: Sequence[str]) -> None:
    from campaign.errors import UsageError

    for lang in languages:
        if lang not in schedule.campaign.languages:
            raise UsageError("language", lang, schedule.campaign.languages)


def _occurrences(schedule: Schedule, months: Sequence[str], entries: Sequence[str],
                 day: Any, audiences: Sequence[str]) -> list[Occurrence]:
    from campaign.errors import UsageError

    for entry in entries:
        if entry not in schedule.occurrence_by_id:
            raise UsageError("entry", entry, list(schedule.occurrence_by_id))
    return list(schedule.select(entries=entries, months=[_parse_month(m) for m in months],
                                day=day.date() if day else None, audiences=audiences))


def _posts(renderer: Renderer, occurrences: Sequence[Occurrence], audiences: Sequence[str],
           languages: Sequence[str], networks: Sequence[str]) -> list[Post]:
    _check_languages(renderer.schedule, languages)
    return list(renderer.posts(occurrences, audiences=audiences, languages=languages,
                               networks=networks))


def _print_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def with_filters(func: Callable[..., None]) -> Callable[..., None]:
    """Load the schedule and renderer once for commands that take every shared option."""

    @functools.wraps(func)
    def wrapper(**kw: Any) -> None:
        schedule = _schedule(kw.pop("schedule_path"))
        renderer = _renderer(schedule, kw.pop("template_dirs"), kw.pop("profile_path"),
                             kw.pop("variables"))
        occurrences = _occurrences(schedule, kw.pop("months"), kw.pop("entries"), kw.pop("day"),
                                   kw["audiences"])
        func(renderer=renderer, occurrences=occurrences, **kw)

    return wrapper


# -- commands ----------------------------------------------------------------------------------
@cli.command()
@click.argument("schedule_arg", required=False, metavar="[SCHEDULE_PATH]",
                type=click.Path(path_type=Path))
@schedule_option
@template_options
@json_option
def validate(schedule_arg: Path | None, schedule_path: Path | None,
             template_dirs: tuple[Path, ...], profile_path: Path | None,
             variables: tuple[str, ...], as_json: bool) -> None:
    """Check a schedule and render every post of it, reporting every problem at once."""
    from campaign.content.validate import validate_schedule
    from campaign.errors import ScheduleProblems
    from campaign.text.escape import terminal

    schedule_path = schedule_arg or schedule_path  # the positional file wins over -s and the env

    report = validate_schedule(schedule_path, template_dirs=template_dirs,
                               profile_path=profile_path, variables=variables)
    if as_json:
        _print_json(report.as_dict())
    elif report.ok:
        click.echo(click.style("✓ ", fg="green") + terminal(report.summary()))
    if not report.ok:
        if not as_json:
            # problems quote the schedule's own text: printed inert, never as escape sequences
            click.echo(click.style("✗ ", fg="red")
                       + terminal(ScheduleProblems(report.problems).message), err=True)
        sys.exit(2)


@cli.command()
@schedule_option
@filter_options
@json_option
def calendar(schedule_path: Path | None, audiences: tuple[str, ...], languages: tuple[str, ...],
             networks: tuple[str, ...], months: tuple[str, ...], entries: tuple[str, ...],
             day: Any, as_json: bool) -> None:
    """Show the year at a glance: each entry's date, time, audiences and title."""
    from campaign.cli.views import calendar_rows, print_calendar

    schedule = _schedule(schedule_path)
    _check_languages(schedule, languages)
    occurrences = _occurrences(schedule, months, entries, day, audiences)
    if networks:
        occurrences = [o for o in occurrences if set(networks) & set(o.networks)]
    language = languages[0] if languages else schedule.campaign.languages[0]
    rows = calendar_rows(schedule, occurrences, language)
    if as_json:
        _print_json(rows)
    else:
        print_calendar(_console(), schedule, rows, language)


@cli.command()
@schedule_option
@template_options
@filter_options
@json_option
@with_filters
def render(renderer: Renderer, occurrences: list[Occurrence], audiences: tuple[str, ...],
           languages: tuple[str, ...], networks: tuple[str, ...], as_json: bool) -> None:
    """Print ready-to-share posts for a day, a month or an entry, with each post's length."""
    from campaign.cli.views import print_posts
    from campaign.exporters.jsonout import post_record

    posts = _posts(renderer, occurrences, audiences, languages, networks)
    if as_json:
        base = renderer.schedule.path.parent
        _print_json([post_record(p, base) for p in posts])
    else:
        print_posts(_console(), posts, renderer.schedule.campaign.timezone)


@cli.command()
@schedule_option
@template_options
@filter_options
@click.option("--format", "-f", "fmt", required=True,
              type=click.Choice(["ics", "csv", "json", "jsonl", "markdown", "html"]),
              help="Export format.")
@click.option("--out", "-o", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (replaced whole, never half-written).")
@click.option("--layout", type=click.Choice(["posts", "buffer", "hootsuite"]), default="posts",
              show_default=True, help="CSV column layout.")
@media_url_option
@with_filters
def export(renderer: Renderer, occurrences: list[Occurrence], audiences: tuple[str, ...],
           languages: tuple[str, ...], networks: tuple[str, ...], fmt: str, out: Path,
           layout: str, media_url: str | None) -> None:
    """Write posts as ICS, CSV (posts, Buffer, Hootsuite), JSON, JSONL, Markdown or HTML."""
    from campaign.exporters import export as do_export
    from campaign.text.escape import terminal

    posts = _posts(renderer, occurrences, audiences, languages, networks)
    options: dict[str, Any] = {"layout": layout, "media_url": media_url} if fmt == "csv" else {}
    if fmt in ("html", "markdown") and languages:
        options["locale"] = languages[0]
    do_export(fmt, posts, renderer.schedule, out, **options)
    if fmt == "html":  # one page per language, and the images beside them
        from campaign.exporters.html import plan_pages

        files = ", ".join(str(p.path) for p in plan_pages(posts, renderer.schedule, out,
                                                           locale=options.get("locale", "")))
        click.echo(terminal(f"Wrote {len(posts)} posts to {files} ({fmt})."))
    else:
        click.echo(terminal(f"Wrote {len(posts)} posts to {out} ({fmt})."))


@cli.command()
@schedule_option
@template_options
@filter_options
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("exports"), show_default=True, help="Folder to write the kit into.")
@media_url_option
@with_filters
def kit(renderer: Renderer, occurrences: list[Occurrence], audiences: tuple[str, ...],
        languages: tuple[str, ...], networks: tuple[str, ...], out_dir: Path,
        media_url: str | None) -> None:
    """Write a kit into a folder: share-kit pages, calendar, CSVs (Buffer, Hootsuite), JSON, Markdown."""
    from rich.table import Table

    from campaign.exporters.kit import UPLOAD_WARNING, write_kit
    from campaign.text.escape import rich_literal

    console = _console()
    hashtag = rich_literal(renderer.schedule.campaign.hashtag)
    with console.status(f"Rendering and writing the {hashtag} kit…"):
        posts = _posts(renderer, occurrences, audiences, languages, networks)
        written = write_kit(renderer, out_dir, posts, locale=languages[0] if languages else "",
                            media_url=media_url)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for path, description in written:
        table.add_row(rich_literal(path.name + ("/" if path.is_dir() else "")),
                      rich_literal(description))
    console.print(table)
    if any(path.name.startswith(("buffer-", "hootsuite-")) for path, _ in written):
        console.print(UPLOAD_WARNING, style="yellow")
    console.print(f"[green]✓[/green] {len(posts):,} posts of {hashtag} written to "
                  f"[bold]{rich_literal(out_dir.resolve())}[/bold]: open "
                  f"{rich_literal(written[0][0].name)} in a browser.")
