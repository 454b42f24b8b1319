"""Archives imported into the tracking store: twarc2 JSONL, and CSV or JSONL of Bluesky and
Mastodon posts (formats: docs/tracking-import.md).

An archive is a :class:`~campaign.tracking.collect.Source` like any collector, so the same
:func:`~campaign.tracking.collect.collect` loop stores it page by page, each page with a
checkpoint ``{"line", "offset"}`` that is true once the page is stored: an import killed at any
moment resumes after the last stored page, and a file imported twice adds nothing. The file is
streamed (never loaded whole) and every line is bounded: a line over :data:`MAX_LINE` is a bad
line, skipped without being held in memory. What cannot be imported at all (a counts file, a
CSV of something else, a folder) is refused before anything is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from campaign.platforms.base import Refused
from campaign.queue.engine import utcnow
from campaign.tracking.collect import Context, Totals, collect
from campaign.tracking.imports_lines import (
    CROWDED,
    MAX_VALUES,
    ArchiveError,
    clean,
    crowded,
    csv_records,
    fit,
    open_file,
    read_lines,
    why_bad,
)
from campaign.tracking.imports_table import (
    COLUMNS,
    PostLines,
    column_name,
    jsonl_kind,
    missing_columns,
    row_post,
)
from campaign.tracking.imports_twarc import COUNTS_SENTENCE, BadLine, TwarcLines, describe, twarc_kind
from campaign.tracking.records import Observation, Page
from campaign.tracking.store import Saved, TrackStore

__all__ = ["FORMATS", "ArchiveError", "ArchivePage", "ArchiveSource", "ImportResult", "extract",
           "import_archive", "source_name"]

FORMATS = ("auto", "twarc2", "csv", "jsonl")
MAX_LINE = 16 * 1024 * 1024  # bytes: twarc2's biggest pages (500 tweets) are a few MB
PAGE_POSTS = 1000  # posts per stored page (one transaction)
PAGE_LINES = 5000  # lines per page when they hold few posts (errors, blank lines)
IDENTITY_BYTES = 1 << 20  # the file's identity: its size and the SHA-256 of its first MiB
SNIFF_LINES = 50  # lines read to find the first record that says what the file is
MAX_SHOWN = 10  # bad lines and API errors named in a result
MAX_PROBLEMS = 20  # problems handed to the run log per page
_BOM = b"\xef\xbb\xbf"

Handler = Callable[[Any], tuple[list[Observation], list[str], list[str]]]


@dataclass(frozen=True, slots=True)
class ArchivePage(Page):
    """A page of an archive: also its bad lines and the API's error records, for the report."""

    bad_lines: tuple[str, ...] = ()
    api_errors: int = 0
    api_notes: tuple[str, ...] = ()
    lines: int = 0


@dataclass(frozen=True)
class Layout:
    """What a file holds, found from its first records."""

    format: str  # twarc2, csv, jsonl, or empty
    network: str
    what: str  # in words, for messages: "twarc2 search or stream pages"
    columns: tuple[str, ...] = ()  # CSV: the documented column of each cell ('' unknown)
    delimiter: str = ","
    body_offset: int = 0  # CSV: where the rows start (after the header)
    body_line: int = 0


def _loads(raw: bytes) -> Any:
    """A JSON line with orjson (several times faster); what orjson refuses (NaN, an integer past
    64 bits, nesting past its limit, a corrupt line) is read again by the json module, so
    what is accepted, and the message for what is not, are the json module's."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def source_name(path: Path) -> str:
    """The source an archive's runs and checkpoints are kept under: ``import:<file name>``."""
    return f"import:{path.name}"[:200]


class ArchiveSource:
    """One archive file as a Source: pages of posts from where its checkpoint says.

    Opening it checks the file and finds its format, raising :class:`ArchiveError` (exit code
    2) for what cannot be imported; ``empty`` is True for a file with nothing in it."""

    def __init__(self, path: Path | str, kind: str = "auto", network: str | None = None, *,
                 page_posts: int = PAGE_POSTS, max_line: int = MAX_LINE,
                 read_at: datetime | None = None) -> None:
        self.path = Path(path)
        if kind not in FORMATS:
            raise ArchiveError(f"unknown format {kind!r}: choose one of {', '.join(FORMATS)}")
        self.page_posts, self.max_line = max(page_posts, 1), max_line
        self._handle = open_file(self.path)
        try:
            info = os.fstat(self._handle.fileno())
            self.size = info.st_size
            head = self._handle.read(IDENTITY_BYTES)
            self.stream = f"{self.size}:{hashlib.sha256(head).hexdigest()[:32]}"
            if b"\0" in head[:65536]:
                raise ArchiveError(f"{self.path} is a binary file, not JSONL or CSV: import a "
                                   "twarc2 archive or a CSV/JSONL of posts")
            # metrics in a file without times of its own were true when it was written
            self.read_at = read_at or datetime.fromtimestamp(info.st_mtime, UTC)
            self.layout = self._sniff(kind, network)
        except BaseException:
            self._handle.close()
            raise
        self.network_given = network
        self.kind = kind

    # -- the Source protocol ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``import:<file name>``."""
        return source_name(self.path)

    @property
    def network(self) -> str:
        """The network of the file's first record (x for twarc2)."""
        return self.layout.network

    @property
    def empty(self) -> bool:
        """Whether the file holds nothing but blank lines (or only a CSV header)."""
        return self.layout.format == "empty"

    def start(self, checkpoints: dict[str, dict[str, Any]]) -> tuple[int, int]:
        """(line, offset) to go on from, by the checkpoint of this file's content."""
        state = checkpoints.get(self.stream) or {}
        line, offset = state.get("line"), state.get("offset")
        if isinstance(line, int) and isinstance(offset, int) and 0 <= offset <= self.size \
                and line >= 0:
            return line, offset
        return 0, 0

    def pages(self, context: Context) -> Iterator[Page]:
        """Pages from after the last stored one to the end of the file."""
        line, offset = self.start(dict(context.checkpoints))
        if self.empty or offset >= self.size:
            return
        if self.layout.format == "csv":
            line, offset = max(line, self.layout.body_line), max(offset, self.layout.body_offset)
            handler = None
        else:
            handler = (TwarcLines(self.read_at) if self.layout.format == "twarc2"
                       else PostLines(self.read_at, self.network_given))
        try:
            yield from self._pages(line, offset, handler, context.stopping)
        except OSError as exc:
            raise Refused(f"{self.path} cannot be read any more ({exc.strerror or exc}): "
                          "what was read is stored; import it again to go on") from None

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    # -- reading ------------------------------------------------------------------------------
    def _pages(self, line: int, offset: int, handler: Handler | None,
               stopping: threading.Event) -> Iterator[Page]:
        posts: list[Observation] = []
        bad_lines: list[str] = []
        notes: list[str] = []
        bad = api = read = lines = 0
        records = self._json_records(line, offset, handler) if handler else \
            self._csv_records(line, offset)
        for n, end, got, problems, errors, bad_reason in records:
            lines += 1
            if bad_reason is not None:
                bad += 1
                if len(bad_lines) < MAX_PROBLEMS:
                    bad_lines.append(f"line {n}: {bad_reason}")
            else:
                read += len(got) + len(problems)
                for post in got:
                    fitted = fit(post)
                    if isinstance(fitted, str):
                        problems.append(fitted)
                    else:
                        posts.append(fitted)
                if problems:
                    bad += len(problems)
                    bad_lines.extend(f"line {n}: {p}" for p in
                                     problems[:max(MAX_PROBLEMS - len(bad_lines), 0)])
                if errors:
                    api += len(errors)
                    notes.extend(f"line {n}: the API said {e}" for e in
                                 errors[:max(MAX_PROBLEMS - len(notes), 0)])
            if len(posts) >= self.page_posts or lines >= PAGE_LINES:
                yield self._page(posts, n, end, read, bad, bad_lines, api, notes, lines)
                posts, bad_lines, notes = [], [], []
                bad = api = read = lines = 0
                if stopping.is_set():
                    return
        if lines:
            yield self._page(posts, n, end, read, bad, bad_lines, api, notes, lines)

    def _page(self, posts: list[Observation], line: int, offset: int, read: int, bad: int,
              bad_lines: list[str], api: int, notes: list[str], lines: int) -> ArchivePage:
        return ArchivePage(posts, (self.stream, {"line": line, "offset": offset}), read=read,
                           bad=bad, problems=tuple((bad_lines + notes)[:MAX_PROBLEMS]),
                           done=offset, total=self.size, bad_lines=tuple(bad_lines),
                           api_errors=api, api_notes=tuple(notes), lines=lines)

    def _json_records(self, line: int, offset: int, handler: Handler) -> Iterator[
            tuple[int, int, list[Observation], list[str], list[str], str | None]]:
        """(line, offset after it, posts, problems, API errors, why it is bad) per line."""
        loads = _loads
        for n, end, raw in read_lines(self._handle, line, offset, self.max_line):
            if raw is None:
                yield n, end, [], [], [], f"over {self.max_line:,} bytes: skipped unread"
                continue
            if raw.isspace():
                yield n, end, [], [], [], None  # so the checkpoint moves past it
                continue
            if crowded(raw):
                yield n, end, [], [], [], CROWDED
                continue
            try:
                obj = loads(clean(raw))
            except (ValueError, RecursionError) as exc:
                yield n, end, [], [], [], why_bad(raw, exc)
                continue
            try:
                got, problems, errors = handler(obj)
            except BadLine as exc:
                yield n, end, [], [], [], str(exc)
                continue
            yield n, end, got, problems, errors, None

    def _csv_records(self, line: int, offset: int) -> Iterator[
            tuple[int, int, list[Observation], list[str], list[str], str | None]]:
        layout = self.layout
        width = len(layout.columns)
        for n, end, text, why in csv_records(self._handle, line, offset, self.max_line):
            if why is not None:
                yield n, end, [], [], [], why
                continue
            assert text is not None
            if not text.strip():
                yield n, end, [], [], [], None
                continue
            if crowded(text, layout.delimiter):
                yield n, end, [], [], [], CROWDED
                continue
            try:
                cells = next(csv.reader(io.StringIO(text.replace("\0", "\ufffd")),
                                        delimiter=layout.delimiter))
            except (csv.Error, StopIteration) as exc:
                yield n, end, [], [], [], f"not a CSV row ({exc})"
                continue
            if len(cells) != width:
                yield n, end, [], [], [], f"{len(cells)} cells, the header has {width}"
                continue
            row = {c: v for c, v in zip(layout.columns, cells, strict=True) if c}
            try:
                post = row_post(row, network=self.network_given, read_at=self.read_at)
            except BadLine as exc:
                yield n, end, [], [], [], str(exc)
                continue
            yield n, end, [post], [], [], None

    # -- what the file is ---------------------------------------------------------------------
    def _sniff(self, kind: str, network: str | None) -> Layout:
        self._handle.seek(0)
        start = self._handle.read(4096).removeprefix(_BOM).lstrip()
        self._handle.seek(0)
        if not start:
            return Layout("empty", network or "x", "nothing")
        if kind == "csv" or (kind == "auto" and start[:1] not in (b"{", b"[")):
            return self._sniff_csv(network)
        first, why = None, ""
        for n, _end, raw in read_lines(self._handle, 0, 0, self.max_line):
            if n > SNIFF_LINES:
                break
            if raw is None:
                why = why or f"line {n}: over {self.max_line:,} bytes"
                continue
            if raw.isspace():
                continue
            if crowded(raw):
                why = why or f"line {n}: {CROWDED}"
                continue
            try:
                first = json.loads(clean(raw))
                break
            except (ValueError, RecursionError) as exc:
                why = why or f"line {n}: {why_bad(raw, exc)}"
        if first is None:
            raise ArchiveError(f"{self.path} is not JSON lines: its first lines do not parse "
                               f"({why or 'no line in the first ' + str(SNIFF_LINES)})")
        found = twarc_kind(first)
        if found == "counts":
            raise ArchiveError(f"{self.path} {COUNTS_SENTENCE}")
        if found == "twarc2":
            if network:
                raise ArchiveError(f"{self.path} is a twarc2 archive of X posts: --network "
                                   f"{network} does not apply to it; leave it out")
            layout = Layout("twarc2", "x", "twarc2 search or stream pages")
        elif (posts := jsonl_kind(first)) is not None:
            layout = Layout("jsonl", network or posts[0], posts[1])
        else:
            raise ArchiveError(
                f"{self.path} is JSON lines of {describe(first)}, not twarc2 pages, Bluesky "
                "posts or Mastodon statuses: see docs/tracking-import.md for what imports")
        if kind not in ("auto", layout.format):
            raise ArchiveError(f"{self.path} holds {layout.what}, not {kind}: import it with "
                               f"--format {layout.format} (or auto)")
        return layout

    def _sniff_csv(self, network: str | None) -> Layout:
        for n, end, text, why in csv_records(self._handle, 0, 0, self.max_line):
            if why is not None:
                raise ArchiveError(f"{self.path} line {n}: the CSV header is {why}")
            assert text is not None
            if not text.strip():
                continue
            text = text.lstrip("\ufeff")
            first = text.split("\n", 1)[0]
            delimiter = max((",", ";", "\t"), key=first.count)
            try:
                if crowded(text, delimiter):
                    raise csv.Error(f"over {MAX_VALUES:,} cells")
                header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
            except csv.Error as exc:
                raise ArchiveError(f"{self.path} line {n}: the first record is not a CSV "
                                   f"header ({exc}): import a CSV of posts with a header "
                                   "row") from None
            columns = tuple(column_name(h) for h in header)
            missing = missing_columns(columns)
            if missing:
                shown = ", ".join(h.strip()[:40] for h in header[:12]) + \
                    (", ..." if len(header) > 12 else "")
                raise ArchiveError(
                    f"{self.path} is a CSV with the columns {shown or '(none)'}, not posts: a "
                    f"CSV of posts needs {', '.join(missing)} (see docs/tracking-import.md)")
            known = tuple(c if c in COLUMNS else "" for c in columns)
            body = Layout("csv", network or "", "CSV rows of posts", known, delimiter, end, n)
            self._handle.seek(end)
            has_rows = any(t is None or t.strip() for _n, _e, t, _w in
                           csv_records(self._handle, n, end, self.max_line))
            self._handle.seek(0)
            if not has_rows:
                return Layout("empty", network or "bluesky", "a CSV header only")
            return body if network else replace(body, network=self._csv_network(body))
        return Layout("empty", network or "bluesky", "nothing")

    def _csv_network(self, layout: Layout) -> str:
        """The network of the first readable row (for the run's log)."""
        self._handle.seek(layout.body_offset)
        for _n, _e, text, _w in csv_records(self._handle, layout.body_line, layout.body_offset,
                                           self.max_line):
            if not text or not text.strip() or crowded(text, layout.delimiter):
                continue
            try:
                cells = next(csv.reader(io.StringIO(text), delimiter=layout.delimiter), [])
            except csv.Error:
                continue  # a bad row: the import names it
            row = dict(zip(layout.columns, cells, strict=False))
            net = row.get("network", "").strip().lower()
            remote_id = row.get("id", "").strip()
            net = net or ("bluesky" if remote_id.startswith("at://") else "mastodon")
            if net in ("bluesky", "mastodon"):
                self._handle.seek(0)
                return net
        self._handle.seek(0)
        return "bluesky"


# -- the import -------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What importing one file did (this run: an import resumed counts from where it went on)."""

    file: str
    format: str = ""
    network: str = ""
    source: str = ""
    status: str = "ok"  # ok, failed, interrupted, refused, empty, complete (nothing left)
    message: str = ""
    resumed_at: int = 0  # the line the run went on after (0: from the start)
    lines: int = 0
    read: int = 0  # posts read
    new: int = 0
    already: int = 0  # already stored (from another file, an earlier run, a repeat)
    bad: int = 0  # bad lines and unreadable records
    bad_lines: list[str] = field(default_factory=list)  # the first few, "line N: why"
    api_errors: int = 0
    api_notes: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0 every line read, 1 bad lines or a failed or stopped import, 2 a refused file."""
        if self.status == "refused":
            return 2
        return 1 if self.bad or self.status in ("failed", "interrupted") else 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"file": self.file, "format": self.format, "network": self.network,
                "source": self.source, "status": self.status, "message": self.message,
                "resumed_at_line": self.resumed_at, "lines": self.lines, "read": self.read,
                "new": self.new, "already_stored": self.already, "bad": self.bad,
                "bad_lines": self.bad_lines, "api_errors": self.api_errors,
                "api_error_notes": self.api_notes, "run_id": self.run_id,
                "exit_code": self.exit_code}


def import_archive(store: TrackStore, path: Path | str, *, kind: str = "auto",
                   network: str | None = None, stopping: threading.Event | None = None,
                   on_page: Callable[[Page, Saved, Totals], None] | None = None,
                   clock: Callable[[], datetime] = utcnow,
                   page_posts: int = PAGE_POSTS) -> ImportResult:
    """Import one archive into ``store``, from where an earlier import of the same content
    stopped. Raises :class:`ArchiveError` (nothing stored) for a file that cannot be imported."""
    source = ArchiveSource(path, kind, network, page_posts=page_posts)
    result = ImportResult(str(path), source.layout.format, source.network, source.name)
    if source.empty:
        source.close()
        result.status, result.message = "empty", f"{path} is empty: nothing to import"
        return result
    result.resumed_at, offset = source.start(store.checkpoints(source.name))
    if offset >= source.size:
        source.close()
        result.status = "complete"
        result.message = f"{path} was imported whole before (line {result.resumed_at}): " \
                         "nothing new"
        return result

    def seen(page: Page, saved: Saved, totals: Totals) -> None:
        result.read += page.read
        result.new += saved.stored
        result.already += saved.updated
        result.bad += page.bad
        if isinstance(page, ArchivePage):
            result.lines += page.lines
            result.bad_lines.extend(page.bad_lines[:MAX_SHOWN - len(result.bad_lines)])
            result.api_errors += page.api_errors
            result.api_notes.extend(page.api_notes[:MAX_SHOWN - len(result.api_notes)])
        if on_page is not None:
            on_page(page, saved, totals)

    outcome = collect(store, source, stopping=stopping, on_page=seen, clock=clock)
    result.run_id = outcome.run.id
    result.status, result.message = outcome.run.status.value, outcome.run.message
    return result


def extract(path: Path | str, *, kind: str = "auto", network: str | None = None,
            page_posts: int = PAGE_POSTS) -> Iterator[Page]:
    """The pages an import of ``path`` would store, read and parsed but not stored (for a
    benchmark's baseline, or a dry run)."""
    source = ArchiveSource(path, kind, network, page_posts=page_posts)
    try:
        yield from source.pages(Context({}))
    finally:
        source.close()
