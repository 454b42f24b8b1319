"""``campaign track x|bluesky|mastodon|run``: collect the posts that use the campaign's hashtags.

Each command builds its sources (campaign.tracking.config.make_spec, the same checks as the
sources file), runs them with campaign.tracking.runner (every page stored with its checkpoint;
SIGTERM or Ctrl-C stop after the page in flight) and says what was stored. Progress goes to
stderr, drawn only on a terminal; what happened goes to stdout (or JSON with ``--json``).
Exit codes: 0 all went well or stopped on request, 1 a source failed, 2 bad input.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from campaign.cli.options import console, db_option, fail, json_option, print_json, schedule_option

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from campaign.tracking.collect import Source, Totals
    from campaign.tracking.records import Page
    from campaign.tracking.runner import Result, TrackRunner
    from campaign.tracking.sources import SourceSpec
    from campaign.tracking.store import Saved, TrackStore

F = TypeVar("F", bound=Callable[..., Any])
WIDTH = 80  # what goes to stdout is wrapped to it, as `campaign track import` does
# the option each value of a source comes from, for messages
OPTIONS = {"tags": "--tag", "since": "--since", "max_posts": "--max-posts",
           "credentials": "--credentials", "handle": "--handle", "every": "--every"}


def collect_options(func: F) -> F:
    """What every collecting command takes: tags, the first run's start, a cap, the store."""
    for option in reversed([
        click.option("--tag", "tags", multiple=True, metavar="#TAG",
                     help="A hashtag to look for (again for more; default: the schedule's)."),
        click.option("--since", metavar="DATE",
                     help="On a first run, read nothing older (2021-06-01 or an ISO moment); "
                          "later runs go on from their checkpoint."),
        click.option("--max-posts", type=click.IntRange(1, 10_000_000), default=None,
                     metavar="N", help="Read at most N posts in this run (on X, each one is billed)."),
        click.option("--timeout", type=click.FloatRange(0, 3600, min_open=True), default=30.0,
                     show_default=True, help="Seconds to wait for each network call."),
        schedule_option, db_option, json_option,
    ]):
        func = option(func)
    return func


# -- the commands ---------------------------------------------------------------------------------
@click.command(short_help="Collect X posts with the campaign's hashtags (recent search).")
@click.option("--base-url", default=None, metavar="URL",
              help="X API host (default: https://api.x.com).")
@click.option("--credentials", "credentials", metavar="REF",
              help="env:PREFIX (PREFIX_BEARER_TOKEN, ...) or file:PATH#SECTION.")
@collect_options
def x(base_url: str | None, credentials: str | None, **common: Any) -> None:
    """Collect X posts with the campaign's hashtags (recent search).

    Reads X's recent search (the last 7 days) page by page, resuming from the newest post
    stored (since_id). X bills every post a read returns: the estimated cost is printed before
    anything is read, and --max-posts caps it."""
    spec = _spec("x-search", base_url, "--base-url", common, credentials=credentials)
    _collect([spec], common)


@click.command(short_help="Collect Bluesky posts: an appview's search, or a firehose or "
                          "Jetstream.")
@click.option("--search", "appview", metavar="APPVIEW",
              help="Search posts on this appview or PDS (with --handle and --credentials).")
@click.option("--handle", default="", help="Who signs in to search (e.g. you.bsky.social).")
@click.option("--credentials", "credentials", metavar="REF",
              help="env:PREFIX (PREFIX_APP_PASSWORD) or file:PATH#SECTION.")
@click.option("--firehose", metavar="WS_URL",
              help="Read a PDS's or relay's firehose (wss://bsky.network).")
@click.option("--jetstream", metavar="WS_URL",
              help="Read a Jetstream (wss://jetstream2.us-east.bsky.network/subscribe).")
@click.option("--from-start", is_flag=True,
              help="A stream's first run starts at the oldest event kept, not now.")
@click.option("--follow", is_flag=True,
              help="Keep reading a stream's live events until stopped (default: stop once "
                   "caught up).")
@collect_options
def bluesky(appview: str | None, handle: str, credentials: str | None, firehose: str | None,
            jetstream: str | None, from_start: bool, follow: bool, **common: Any) -> None:
    """Collect Bluesky posts: an appview's search, or a firehose or Jetstream.

    Give one of --search, --firehose or --jetstream. Hashtags are found in facets and in text;
    every source resumes from its checkpoint (the search's newest post, the stream's cursor)."""
    from campaign.errors import CampaignError

    given = [(k, u, o) for k, u, o in (("bluesky-search", appview, "--search"),
                                       ("bluesky-firehose", firehose, "--firehose"),
                                       ("bluesky-jetstream", jetstream, "--jetstream")) if u]
    if len(given) != 1:
        raise CampaignError("give one of --search APPVIEW, --firehose WS_URL or --jetstream "
                            "WS_URL")
    kind, url, option = given[0]
    if kind == "bluesky-search" and (from_start or follow):
        raise CampaignError("--from-start and --follow are for streams: drop them with --search")
    if kind != "bluesky-search" and (handle or credentials):
        raise CampaignError(f"{option} reads a public stream: drop --handle and --credentials")
    spec = _spec(kind, url, option, common, credentials=credentials, handle=handle,
                 options={"from_start": True} if from_start else None)
    _collect([spec], common, follow=follow)


@click.command(short_help="Collect the tag timelines of one or more Mastodon instances.")
@click.option("--instance", "instances", multiple=True, required=True, metavar="URL",
              help="An instance (again for more: each sees only what it federates).")
@click.option("--credentials", "credentials", metavar="REF",
              help="env:PREFIX (PREFIX_ACCESS_TOKEN) or file:PATH#SECTION, where an instance "
                   "requires login.")
@collect_options
def mastodon(instances: Sequence[str], credentials: str | None, **common: Any) -> None:
    """Collect the tag timelines of one or more Mastodon instances.

    Each instance is a source of its own, with its own checkpoint; all are read even when one
    fails (the exit code is then 1), and a post seen by several is stored once. A token given
    with --credentials is sent to every instance named: give instances that need different
    tokens their own sources in a `campaign track run` sources file."""
    specs = [_spec("mastodon-tags", url, "--instance", common, credentials=credentials)
             for url in dict.fromkeys(instances)]
    _collect(specs, common)


@click.command(short_help="Run every configured source on its own interval (or once, for "
                          "cron).")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path, dir_okay=False),
              default="tracking.yaml", show_default=True, envvar="CAMPAIGN_TRACK_SOURCES",
              help="The sources file (see schedules/examples/tracking.yaml; env "
                   "CAMPAIGN_TRACK_SOURCES).")
@click.option("--once", is_flag=True, help="Run every source once, then exit (for cron).")
@schedule_option
@db_option
@json_option
def run(sources_path: Path, once: bool, schedule_path: Path | None, year: int | None,
        db_url: str | None, as_json: bool) -> None:
    """Run every configured source on its own interval (or once, for cron).

    Each source of the file runs every `every` (streams read until caught up each time), one at
    a time, until SIGTERM or Ctrl-C, which stop after the page in flight. With --once, exits 1
    when a source failed."""
    from campaign.tracking.config import load_sources

    config = load_sources(sources_path, schedule_path=schedule_path, year=year)
    common = {"db_url": db_url, "as_json": as_json}
    if once:
        _collect(list(config.specs), common)
        return
    _run_forever(list(config.specs), sources_path, common)


# -- what they share ----------------------------------------------------------------------------
def _spec(kind: str, url: str | None, url_option: str, common: dict[str, Any],
          **values: Any) -> SourceSpec:
    """One source from the options; a bad value named by its option (exit 2)."""
    from campaign.errors import CampaignError
    from campaign.tracking.config import SpecProblem, make_spec, schedule_tags

    try:
        tags = common["tags"] or schedule_tags(common["schedule_path"], common["year"])
        return make_spec(kind, url, tags, since=common["since"],
                         max_posts=common["max_posts"], timeout=common["timeout"], **values)
    except SpecProblem as exc:
        option = url_option if exc.key == "base_url" else OPTIONS.get(exc.key, exc.key)
        raise CampaignError(f"{option}: {exc.problem}") from None


def _open(db_url: str | None) -> TrackStore:
    from campaign.tracking.store import TrackStore

    store = TrackStore(db_url)
    store.check_migrated()
    return store


class _Progress:
    """What a run shows while it goes: on a terminal a transient line per source; waits on rate
    limits always (with their end), on stderr."""

    def __init__(self, as_json: bool) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self.err = console(stderr=True)
        self.as_json = as_json
        self.bar: Progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.fields[line]}"), console=self.err, transient=True,
            disable=not self.err.is_terminal)
        self.tasks: dict[str, TaskID] = {}

    def start(self, spec: SourceSpec, source: Source) -> None:
        from campaign.text.escape import rich_literal, terminal

        # the description is read as rich markup: the name is escaped for it
        self.tasks[spec.source_name] = self.bar.add_task(
            rich_literal(terminal(spec.source_name)[:40]), total=None, line="connecting")
        estimate = getattr(source, "estimate", None)
        if callable(estimate):
            said = _fill(terminal(estimate(spec.max_posts)))
            if self.as_json:
                self.err.print(said, markup=False, soft_wrap=True)
            else:
                click.echo(said)

    def page(self, spec: SourceSpec, page: Page, saved: Saved, totals: Totals) -> None:
        task = self.tasks.get(spec.source_name)
        if task is not None:
            self.bar.update(task, total=totals.total, completed=totals.done or 0,
                            line=f"{totals.pages:,} pages, {totals.read:,} read, "
                                 f"{totals.stored:,} new")

    def wait(self, spec: SourceSpec, message: str, delay: timedelta, totals: Totals) -> None:
        from campaign.platforms.credentials import redact
        from campaign.text.escape import terminal

        until = totals.waiting_until
        end = f"until {until:%H:%M:%S} UTC" if until else f"{delay.total_seconds():.0f} s"
        self.err.print(_fill(terminal(redact(f"{spec.source_name}: {message}; waiting {end}"))),
                       markup=False, soft_wrap=True)


def _collect(specs: list[SourceSpec], common: dict[str, Any], follow: bool = False) -> None:
    """Run every source once, then say what each stored; exit 1 when one failed."""
    from campaign.tracking.runner import TrackRunner, stop_on_signals

    store = _open(common["db_url"])
    progress = _Progress(common["as_json"])
    runner = TrackRunner(store, specs, on_start=progress.start, on_page=progress.page,
                         on_wait=progress.wait, follow=follow)
    try:
        with progress.bar, stop_on_signals(runner.stop):
            results = runner.run_once()
        _say(results, store, runner, common["as_json"])
    finally:
        store.close()
    if any(r.failed for r in results):
        fail(1)


def _line(result: Result) -> str:
    """One source's run in a line."""
    o = result.outcome
    if o is None:
        return f"{result.spec.source_name}: failed before reading"
    r = o.run
    counts = (f"{r.read:,} read, {r.stored:,} new, {r.updated:,} seen again"
              + (f", {r.bad:,} bad records skipped" if r.bad else ""))
    cap = result.spec.max_posts
    how = f"stopped at --max-posts {cap or r.read:,}" if o.capped else r.status.value
    return f"{r.source}: {counts} ({how})"


def _say(results: list[Result], store: TrackStore, runner: TrackRunner, as_json: bool) -> None:
    from campaign.platforms.credentials import redact
    from campaign.queue.engine import safe_url
    from campaign.text.escape import terminal

    stopped = runner.stopping.is_set()
    new = sum(r.outcome.run.stored for r in results if r.outcome)
    if as_json:
        print_json({"sources": [_as_dict(r) for r in results], "stored": new,
                    "stopped": stopped, "total": store.count_posts(),
                    "database": safe_url(store.url)})
    else:
        for result in results:
            click.echo(_fill(terminal(redact(_line(result)))))
    for result in results:
        if result.failed:
            click.echo(terminal(redact(f"{result.spec.source_name} failed: {result.message}")),
                       err=True)
        if result.outcome and result.outcome.run.problems:
            first = result.outcome.run.problems[0]
            click.echo(terminal(redact(f"{result.spec.source_name}: "
                                       f"{result.outcome.run.bad:,} records could not be read, "
                                       f"e.g. {first}")), err=True)
    if as_json:
        return
    # each sentence broken where it reads best, each half within 80 columns
    if stopped:
        click.echo(f"Stopped on request after a whole page: {new:,} new posts stored;\n"
                   "  the next run resumes where this one stopped.")
    elif any(r.failed for r in results):
        click.echo(f"{new:,} new posts stored; what was read before the failure stays,\n"
                   "  and the next run resumes from the checkpoint.")
    click.echo(_fill(f"Stored {new:,} new posts ({store.count_posts():,} in all). "
                     f"Database: {safe_url(store.url)}"))


def _fill(text: str) -> str:
    """A line of what happened wrapped to 80 columns, the rest indented; an address or a name
    is never cut."""
    return textwrap.fill(text, WIDTH, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


def _as_dict(result: Result) -> dict[str, Any]:
    from campaign.platforms.credentials import redact

    o = result.outcome
    base = {"source": result.spec.source_name, "kind": result.spec.kind,
            "network": result.spec.network}
    if o is None:
        return {**base, "status": "failed", "message": redact(result.error)}
    r = o.run
    return {**base, "run": r.id, "status": r.status.value, "read": r.read, "stored": r.stored,
            "updated": r.updated, "bad": r.bad, "capped": o.capped,
            "message": redact(r.message), "problems": [redact(p) for p in r.problems]}


def _run_forever(specs: list[SourceSpec], path: Path, common: dict[str, Any]) -> None:
    """Each source on its interval until a signal; a line for every run."""
    import json
    from datetime import datetime

    from campaign.platforms.credentials import redact
    from campaign.queue.engine import safe_url
    from campaign.text.escape import terminal
    from campaign.tracking.runner import TrackRunner, stop_on_signals

    store = _open(common["db_url"])
    as_json = common["as_json"]

    def said(result: Result) -> None:
        if as_json:
            click.echo(json.dumps({"at": f"{datetime.now():%Y-%m-%dT%H:%M:%S}",
                                   **_as_dict(result)}, ensure_ascii=False))
            return
        # a log line per run, never wrapped: one run, one line to grep
        click.echo(terminal(redact(f"{datetime.now():%H:%M:%S} {_line(result)}")))
        if result.failed:
            click.echo(terminal(redact(f"{result.spec.source_name} failed: {result.message}")),
                       err=True)

    runner = TrackRunner(store, specs, on_result=said)
    if not as_json:
        click.echo(terminal(f"Tracking {len(specs)} source{'s' if len(specs) != 1 else ''} from "
                            f"{path} into {safe_url(store.url)}. Ctrl-C or SIGTERM to stop."))
    try:
        with stop_on_signals(runner.stop):
            runner.run()
    finally:
        store.close()
    if not as_json:
        click.echo("Stopped after a whole page; the next run resumes where each source stopped.")
