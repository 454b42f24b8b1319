"""``campaign track import``: archived posts into the tracking store (campaign.tracking.imports
does the work, one file at a time; formats in docs/tracking-import.md).

Progress goes to stderr, drawn only on a terminal; what each file gave goes to stdout (JSON with
``--json``). SIGTERM or Ctrl-C stop after the page in flight; the same command goes on from there.
Exit codes: 0 every line read, 1 bad lines or a file that failed or was stopped (what could be
read is stored), 2 a file refused (a counts file, a CSV of something else, a missing file).
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import console, db_option, fail, json_option, print_json

if TYPE_CHECKING:
    from campaign.tracking.collect import Totals
    from campaign.tracking.imports import ImportResult
    from campaign.tracking.records import Page
    from campaign.tracking.store import Saved, TrackStore

WIDTH = 80
PROGRESS_FROM = 4 << 20  # bytes: a smaller file is read before a bar would be seen
FORMATS = ("auto", "twarc2", "csv", "jsonl")  # campaign.tracking.imports.FORMATS, not imported
OnPage = Callable[["Page", "Saved", "Totals"], None]


@click.command("import", short_help="Import archived posts: twarc2 JSONL, or CSV/JSONL of "
                                    "Bluesky and Mastodon.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="What the files are (auto: found from their first records).")
@click.option("--network", type=click.Choice(["bluesky", "mastodon"]), default=None,
              help="Network of CSV rows without a 'network' column (and the only one a JSONL "
                   "of posts may hold).")
@db_option
@json_option
def import_(files: tuple[Path, ...], fmt: str, network: str | None, db_url: str | None,
            as_json: bool) -> None:
    """Import archived posts from FILES: twarc2 JSONL (search pages, stream lines, error lines)
    of X, or CSV or JSONL of Bluesky and Mastodon posts (docs/tracking-import.md).

    Each file is stored page by page with a checkpoint: an import stopped or killed goes on
    where it stopped when run again, and a file imported twice adds nothing. Bad lines are
    counted and named, the rest imported; a file of the wrong kind is refused whole."""
    from campaign.tracking.imports import ArchiveError, ImportResult, import_archive
    from campaign.tracking.runner import stop_on_signals

    store = _open(db_url)
    stopping = threading.Event()
    results: list[ImportResult] = []
    try:
        with _progress() as progress, stop_on_signals(stopping.set):
            for path in files:
                if stopping.is_set():
                    break
                try:
                    results.append(import_archive(store, path, kind=fmt, network=network,
                                                  stopping=stopping, on_page=progress(path)))
                except ArchiveError as exc:
                    results.append(ImportResult(str(path), status="refused", message=exc.message))
    finally:
        store.close()
    if as_json:
        print_json({"files": [r.as_dict() for r in results],
                    "exit_code": max((r.exit_code for r in results), default=0)})
    else:
        _print(results)
    code = max((r.exit_code for r in results), default=0)
    if code:
        fail(code)


def _open(db_url: str | None) -> TrackStore:
    from campaign.tracking.store import TrackStore

    store = TrackStore(db_url)
    store.check_migrated()
    return store


@contextmanager
def _progress() -> Iterator[Callable[[Path], OnPage | None]]:
    """A bar per big file on stderr (bytes read), only when stderr is a terminal."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield lambda path: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from campaign.text.escape import terminal

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[line]}"), console=err, transient=True) as bar:

        def for_file(path: Path) -> OnPage:
            task: list[object] = []

            def step(page: Page, saved: Saved, totals: Totals) -> None:
                if not task:
                    if (totals.total or 0) < PROGRESS_FROM:
                        return
                    task.append(bar.add_task(terminal(path.name)[:30], total=totals.total,
                                             line=""))
                bar.update(task[0], completed=totals.done or 0,  # type: ignore[arg-type]
                           line=f"{totals.read:,} posts, {totals.stored:,} new")

            return step

        yield for_file


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _print(results: list[ImportResult]) -> None:
    from campaign.text.escape import terminal

    out = console(stderr=False)
    err = console(stderr=True)
    for r in results:
        name = terminal(r.file)
        if r.status == "refused":
            err.print(f"Error: {terminal(r.message)}", markup=False, soft_wrap=True)
            continue
        if r.status in ("empty", "complete"):
            out.print(_fill(terminal(r.message)), markup=False, soft_wrap=True)
            continue
        where = f", from line {r.resumed_at + 1:,}" if r.resumed_at else ""
        # twarc2 is X's; a CSV or JSONL file may mix networks, each row saying its own
        kind = f"{r.format} ({r.network})" if r.format == "twarc2" else r.format
        head = (f"{name}: {kind}, {_plural(r.lines, 'line')}{where}: "
                f"{_plural(r.read, 'post')} read, {r.new:,} new, {r.already:,} already stored")
        tail = []
        if r.bad:
            tail.append(_plural(r.bad, "bad line or record"))
        if r.api_errors:
            tail.append(_plural(r.api_errors, "API error record"))
        out.print(_fill(head + (f"; {', '.join(tail)}" if tail else "") + "."), markup=False,
                  soft_wrap=True)
        for note in [*r.bad_lines, *r.api_notes]:
            out.print(_fill(terminal(note), "  - ", "    "), markup=False, soft_wrap=True)
        if r.bad > len(r.bad_lines):
            out.print(f"  ... and {r.bad - len(r.bad_lines):,} more bad ones "
                      "(see `campaign track status`)", markup=False)
        if r.status == "interrupted":
            out.print(_fill("Stopped on request: run the same command again to go on after the "
                            "last stored page.", "  ", "  "), markup=False, soft_wrap=True)
        elif r.status == "failed":
            out.print(_fill(f"Failed: {terminal(r.message)}", "  ", "  "), markup=False,
                      soft_wrap=True)
    if len(results) > 1:
        done = [r for r in results if r.status not in ("refused",)]
        out.print(_fill(f"{_plural(len(done), 'file')} read: {sum(r.read for r in done):,} "
                        f"posts, {sum(r.new for r in done):,} new, "
                        f"{sum(r.bad for r in done):,} bad"
                        + (f"; {len(results) - len(done)} refused" if len(done) < len(results)
                           else "") + "."), markup=False, soft_wrap=True)


def _fill(text: str, first: str = "", rest: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)
