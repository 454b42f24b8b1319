"""What every command shares: its options (declared once each), the store opener, and printing.

Only click is imported here at start-up; what an option needs to check a value is imported when
the value is checked, so ``campaign --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from campaign.content.selection import Selection, Source
    from campaign.pledges.form import FormRules
    from campaign.pledges.store import PledgeStore
    from campaign.queue.store import Store

F = TypeVar("F", bound=Callable[..., Any])
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
YEAR_HELP = "Run the calendar in another year (default: the year the schedule gives)."


# -- networks and formats -----------------------------------------------------------------------
class RegisteredChoice(click.Choice[str]):
    """A name from a registry that plug-ins extend (networks, export formats), looked up when a
    value is checked: building the command tree and ``--help`` never import the registry, and a
    built-in name is taken as it is, without reading the installed packages' metadata."""

    def __init__(self, name: str, names: Callable[[], Sequence[str]],
                 builtin: Callable[[], Collection[str]]) -> None:
        super().__init__((), case_sensitive=True)
        self.name, self._names, self._builtin = name, names, builtin

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        """Every name, the plug-ins' included."""
        return self._names()

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass  # click's constructor sets it; the names always come from the registry

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """A built-in name as it is; any other checked against the registry."""
        return value if value in self._builtin() else super().convert(value, param, ctx)


def _network_names() -> tuple[str, ...]:
    from campaign.platforms.registry import network_names

    return network_names()


def _builtin_networks() -> Collection[str]:
    from campaign.text.networks import NETWORKS

    return NETWORKS


def _format_names() -> tuple[str, ...]:
    from campaign.exporters import format_names

    return format_names()


def _builtin_formats() -> Collection[str]:
    from campaign.exporters import FORMATS

    return FORMATS


def NetworkChoice() -> RegisteredChoice:  # a click type, named like click.Choice
    """A network name: the built-in ones and those plug-ins add."""
    return RegisteredChoice("network", _network_names, _builtin_networks)


def FormatChoice() -> RegisteredChoice:  # a click type, named like click.Choice
    """An export format: the built-in ones and those plug-ins add."""
    return RegisteredChoice("format", _format_names, _builtin_formats)


# -- values ------------------------------------------------------------------------------------
class Timeout(click.FloatRange):
    """Seconds to wait for a network: more than 0, at most an hour, a real number (not nan)."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0, max=3600, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        """The number of seconds, or a usage error naming the range."""
        seconds = super().convert(value, param, ctx)
        if seconds != seconds:  # nan passes every comparison of the range
            self.fail(f"{value} is not in the range {self._describe_range()}.", param, ctx)
        return seconds


class PostId(click.ParamType[int]):
    """A post id: a whole number; one too large for any post says there is no such post."""

    name = "post_id"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        """The id as an int, or a usage error."""
        from campaign.queue.editing import MAX_POST_ID

        if isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            self.fail(f"post ids are numbers, got {value}: see `campaign queue list`", param, ctx)
        if abs(number) > MAX_POST_ID:
            self.fail(f"no post with id {value}: see `campaign queue list`", param, ctx)
        return number


class PledgeId(click.ParamType[int]):
    """A pledge id: a whole number, as `campaign pledge list` shows it."""

    name = "pledge_id"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        """The id as an int, or a usage error."""
        if isinstance(value, int):
            return value
        from campaign.text.escape import terminal

        text = str(value).strip()
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int()
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            self.fail(f"pledge ids are numbers, got {terminal(value)}: see `campaign pledge "
                      "list`", param, ctx)
        return int(text)


def parse_month(value: str) -> int:
    """A month given as a number or an English name (at least three letters), as 1 to 12."""
    from campaign.errors import UsageError

    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    for number, name in enumerate(MONTHS, start=1):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise UsageError("month", value, [str(n) for n in range(1, 13)] + list(MONTHS))


# -- options -----------------------------------------------------------------------------------
def _apply(func: F, options: Sequence[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def json_option(func: F) -> F:
    """``--json``: machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def schedule_option(func: F) -> F:
    """``--schedule`` and ``--year``: the schedule file (the built-in 2021 campaign by default)
    and the year to run its calendar in."""
    return _apply(func, [
        click.option("--schedule", "-s", "schedule_path", type=click.Path(path_type=Path),
                     envvar="CAMPAIGN_SCHEDULE",
                     help="Schedule file (default: the built-in #EndChildLabour2021 campaign)."),
        click.option("--year", "year", type=int, default=None,
                     metavar="YYYY", envvar="CAMPAIGN_YEAR", help=YEAR_HELP),
    ])


def template_options(func: F) -> F:
    """``--templates``, ``--profile`` and ``--var``: where templates come from and who posts."""
    return _apply(func, [
        click.option("--templates", "-t", "template_dirs", multiple=True,
                     type=click.Path(path_type=Path, file_okay=False, exists=True),
                     envvar="CAMPAIGN_TEMPLATES",
                     help="Folder of your own templates, searched before the built-in ones."),
        click.option("--profile", "profile_path", type=click.Path(path_type=Path),
                     help="YAML file with name, handle, site, pledge_title, handle_x, ..."),
        click.option("--var", "variables", multiple=True, metavar="KEY=VALUE",
                     help="Profile value, e.g. --var name=\"ILO\" --var handle=@ilo."),
    ])


def filter_options(func: F) -> F:
    """Filters shared by calendar, render, export, kit and queue plan."""
    return _apply(func, [
        click.option("--audience", "-a", "audiences", multiple=True,
                     help="Audience id or group (stakeholders, organisations, everyone)."),
        click.option("--lang", "-l", "languages", multiple=True, help="Language code, e.g. fr."),
        click.option("--network", "-n", "networks", multiple=True, type=NetworkChoice(),
                     help="Network."),
        click.option("--month", "-m", "months", multiple=True, metavar="MONTH",
                     help="Month number or English name, e.g. 6 or june."),
        click.option("--entry", "-e", "entries", multiple=True, help="Entry id."),
        click.option("--day", "day", type=click.DateTime(["%Y-%m-%d"]),
                     help="One day, YYYY-MM-DD."),
    ])


def posts_options(func: F) -> F:
    """What every command that renders posts takes: the schedule and its year, the templates and
    profile, and the filters that narrow the posts (in that order in ``--help``)."""
    return schedule_option(template_options(filter_options(func)))


def today_option(func: F) -> F:
    """``--today``: the day the pledge commands count from (deadlines in the past, progress,
    silence); a replay of the 2021 campaign sets it to a day of 2021."""
    return click.option("--today", "today", type=click.DateTime(["%Y-%m-%d"]),
                        envvar="CAMPAIGN_TODAY", metavar="YYYY-MM-DD", callback=_check_today,
                        help="Count from this day instead of today (env CAMPAIGN_TODAY).")(func)


def _check_today(ctx: click.Context, param: click.Parameter,
                 value: datetime | None) -> datetime | None:
    # the same years as every moment typed (campaign.when): a --today of year 1 or 9999 is a
    # typing slip, and would let a report dated that day into the store
    from campaign.when import FIRST_YEAR, LAST_YEAR

    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise click.BadParameter(f"{value.date().isoformat()} is not a day of the years "
                                 f"{FIRST_YEAR} to {LAST_YEAR}: give e.g. 2021-07-01", ctx, param)
    return value


def resolve_options(func: F) -> F:
    """``--resolve-via`` and ``--no-resolve``: where a Bluesky handle's DID is looked up."""
    return _apply(func, [
        click.option("--resolve-via", "resolve_via", metavar="URL",
                     help="PDS or appview that resolves Bluesky handles to DIDs (env "
                          "CAMPAIGN_BLUESKY_RESOLVER; default: Bluesky's public appview)."),
        click.option("--no-resolve", "no_resolve", is_flag=True,
                     help="Do not look up the DIDs of Bluesky handles now."),
    ])


def media_url_option(func: F) -> F:
    """``--media-url``: the public folder the kit's images/ are uploaded to, for Buffer's Image URL."""
    return click.option("--media-url", "media_url", metavar="URL", default=None,
                        help="Public address of the uploaded images/ folder; fills Buffer's "
                             "Image URL with URL/<image path>. Without it the column is empty.")(func)


def db_option(func: F) -> F:
    """``--db``: the queue database URL (default: campaign.db in the current folder)."""
    return click.option("--db", "db_url", envvar="CAMPAIGN_DATABASE_URL", metavar="URL",
                        help="Database URL, e.g. sqlite:///campaign.db or "
                             "postgresql://user@host/db (env CAMPAIGN_DATABASE_URL).")(func)


def timeout_option(default: float) -> Callable[[F], F]:
    """``--timeout``: seconds to wait for each network call (shared by run, delete, test)."""
    return click.option("--timeout", type=Timeout(), default=default, show_default=True,
                        help="Seconds to wait for each network call (at most 3600).")


# -- what the options become -------------------------------------------------------------------
def source(schedule_path: Path | None, year: int | None, template_dirs: Sequence[Path] = (),
           profile_path: Path | None = None, variables: Sequence[str] = ()) -> Source:
    """Where posts come from, as the options name it."""
    from campaign.content.selection import Source

    return Source(schedule_path=schedule_path, year=year, template_dirs=tuple(template_dirs),
                  profile_path=profile_path, variables=tuple(variables))


def selection(audiences: Sequence[str] = (), languages: Sequence[str] = (),
              networks: Sequence[str] = (), months: Sequence[str] = (),
              entries: Sequence[str] = (), day: datetime | None = None) -> Selection:
    """Which posts the filter options keep (months by number or English name)."""
    from campaign.content.selection import Selection

    return Selection(audiences=tuple(audiences), languages=tuple(languages),
                     networks=tuple(networks), months=tuple(parse_month(m) for m in months),
                     entries=tuple(entries), day=day.date() if day else None)


def open_store(db_url: str | None, *, migrated: bool = True) -> Store:
    """The queue database ``--db`` names; by default it must be at the newest schema."""
    from campaign.queue.store import Store

    store = Store(db_url)
    if migrated:
        store.check_migrated()
    return store


def open_pledges(db_url: str | None) -> PledgeStore:
    """The pledge store in the database ``--db`` names, at the newest schema."""
    from campaign.pledges.store import PledgeStore

    store = PledgeStore(db_url)
    store.check_migrated()
    return store


def pledge_rules(schedule_path: Path | None, year: int | None,
                 today: datetime | None = None) -> FormRules:
    """What a pledge is checked against: the schedule's audiences, languages and year, and
    the day counted from."""
    from campaign.content.selection import load
    from campaign.pledges.form import FormRules

    schedule = load(schedule_path, year)
    return FormRules.from_schedule(schedule, today=today.date() if today else None)


# -- output ------------------------------------------------------------------------------------
def print_json(data: Any) -> None:
    """``data`` as indented JSON with its non-ASCII text as it is; a date or a path as text."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def utc_text(moment: datetime | None) -> str | None:
    """A UTC moment as the ISO text the tool prints (``2021-06-12T07:00:00Z``), None as None."""
    from campaign.queue.engine import utc_text as text

    return None if moment is None else text(moment)


def console(*, stderr: bool = False) -> Console:
    """A rich console that prints values as given (no guessing of numbers or URLs to colour)."""
    from rich.console import Console

    return Console(highlight=False, stderr=stderr)


def fail(code: int) -> None:
    """End the command with exit code ``code``, after what it printed."""
    raise click.exceptions.Exit(code)
