"""Import many pledges from CSV or JSON files, and export the stored ones so they import back.

Formats: docs/pledges.md, "Import and export formats" (CSV in :mod:`campaign.pledges.io_csv`,
JSON in :mod:`campaign.pledges.io_json`).

An import checks every row exactly as ``pledge add`` checks one pledge (``submission.prepare``:
the form, its handles, the SMART check), then looks for duplicates (the same organisation and
title) within the files and, with one query for the whole import, among the stored pledges. The
:class:`ImportReport` says, for every row, accepted (with the new pledge's id) or rejected with
every reason. Accepted rows are stored in one transaction and rejected ones not at all; with
``atomic`` nothing is stored when any row is rejected; ``dry_run`` stores nothing. A file that
cannot be read at all (too large, not UTF-8, a wrong header, not JSON) stops the import before
anything is stored. A status other than submitted, the progress reports and a Bluesky DID given
in the file are kept (a valid DID for the row's handle is not looked up again), so an export
imports back as the same pledges.

Progress reports in a companion CSV belong to a pledge of the same import or to one already
stored, matched by organisation and title; they are written in the pledges' transaction
(``store.add_many(progress=...)``), so a failure while storing leaves nothing of the import.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from campaign.atomic import atomic_open
from campaign.bulk import fewer_collections
from campaign.content.yamlsource import max_file_bytes, read_bytes
from campaign.errors import CampaignError, ScheduleError
from campaign.pledges.form import MAX_ANSWER, FormRules, PledgeForm, PledgeInvalid, pledge_key
from campaign.pledges.handles import valid_did
from campaign.pledges.io_csv import (
    ImportFileError,
    ProgressRecord,
    Record,
    flatten,
    progress_path,
    read_csv,
    write_pledges,
    write_progress,
)
from campaign.pledges.io_json import STORED_FIELDS, read_json, write_json
from campaign.pledges.models import PLEDGE_STATUSES, PledgeStatus
from campaign.pledges.records import pledge_record
from campaign.pledges.store import DuplicatePledge, NewPledge, Pledge, PledgeStore, ProgressReport
from campaign.pledges.submission import Resolver, prepare
from campaign.text.escape import CONTROL

MAX_IMPORT_BYTES = 50_000_000  # 100,000 pledges of ~500 bytes
MAX_IMPORT_ENV = "CAMPAIGN_MAX_IMPORT_BYTES"
FORMATS = ("csv", "json")
MAX_EVIDENCE = 500
_URL = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)
# a row's progress bar steps: (rows checked, rows in all)
Progress = Callable[[int, int], None]


@dataclass
class RowResult:
    """What became of one row: accepted (with the pledge's id once stored) or rejected, why."""

    kind: str  # "pledge" or "progress"
    where: str
    file: str
    row: int
    line: int | None
    name: str = ""
    title: str = ""
    indicator: str = ""  # a progress report's indicator
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    pledge_id: int | None = None
    # already stored, and left as it is (--skip-existing): neither accepted nor rejected
    skipped: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the row passed every check (and is not one skipped as already stored)."""
        return not self.problems and not self.skipped

    def to_json(self) -> dict[str, Any]:
        """The row's result as plain data."""
        return {"kind": self.kind, "file": self.file, "row": self.row, "line": self.line,
                "name": self.name, "title": self.title,
                **({"indicator": self.indicator} if self.kind == "progress" else {}),
                "accepted": self.accepted, "skipped": self.skipped, "id": self.pledge_id,
                "problems": self.problems,
                "notices": self.notices}


@dataclass(frozen=True)
class ImportReport:
    """Every row's result, and whether the accepted ones were stored."""

    rows: tuple[RowResult, ...]
    stored: bool
    atomic: bool = False
    dry_run: bool = False

    @property
    def accepted(self) -> list[RowResult]:
        """The rows that passed every check."""
        return [r for r in self.rows if r.accepted]

    @property
    def rejected(self) -> list[RowResult]:
        """The rows refused, each with its reasons."""
        return [r for r in self.rows if r.problems]

    @property
    def skipped(self) -> list[RowResult]:
        """The rows already stored, left as they are (``skip_existing``)."""
        return [r for r in self.rows if r.skipped]

    @property
    def exit_code(self) -> int:
        """0 when every row was accepted, 2 (bad input) when any was rejected."""
        return 2 if self.rejected else 0

    def count(self, kind: str, *, accepted: bool = True) -> int:
        """How many rows of this kind were accepted (or rejected)."""
        return sum(1 for r in self.rows
                   if r.kind == kind and (r.accepted if accepted else bool(r.problems)))

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (what ``pledge import --json`` prints)."""
        return {"stored": self.stored, "atomic": self.atomic, "dry_run": self.dry_run,
                "pledges": {"accepted": self.count("pledge"),
                            "rejected": self.count("pledge", accepted=False)},
                "progress": {"accepted": self.count("progress"),
                             "rejected": self.count("progress", accepted=False)},
                "skipped": len(self.skipped),
                "rows": [r.to_json() for r in self.rows]}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    files: tuple[Path, ...]
    pledges: int
    reports: int


# -- reading files ----------------------------------------------------------------------------
def max_import_bytes() -> int:
    """The size limit of one imported file: ``CAMPAIGN_MAX_IMPORT_BYTES``, else 50 MB."""
    return max_file_bytes(env=MAX_IMPORT_ENV, default=MAX_IMPORT_BYTES)


def read_file(path: Path) -> tuple[list[Record], list[ProgressRecord]]:
    """The pledges (or progress reports) of one CSV or JSON file, read within the limits."""
    try:
        # the one bounded read every file from others gets: a regular file, never a pipe,
        # never more than the limit even if it grows meanwhile
        raw = read_bytes(path, max_import_bytes(), env=MAX_IMPORT_ENV)
    except ScheduleError as exc:
        raise ImportFileError(exc.message) from None
    text = _decode(path.name, raw)
    if _is_json(path, text):
        return read_json(path.name, text), []
    return read_csv(path.name, text)


def _decode(name: str, raw: bytes) -> str:
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte order mark
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        kind = "UTF-8 CSV" if not name.lower().endswith(".json") else "UTF-8"
        raise ImportFileError(f"{name} is not UTF-8 (byte 0x{raw[exc.start]:02X} at line "
                              f"{line}): save it as {kind}") from None


def _is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    return text.lstrip()[:1] in ("{", "[")


# -- checking rows ----------------------------------------------------------------------------
def _status(value: object, problems: list[str]) -> PledgeStatus:
    if value is None or value == "":
        return PledgeStatus.SUBMITTED
    text = value.strip().lower() if isinstance(value, str) else value
    if text in PLEDGE_STATUSES:
        return PledgeStatus(text)
    problems.append(f"'status' {value!r} is not a pledge status: choose one of "
                    f"{', '.join(PLEDGE_STATUSES)}")
    return PledgeStatus.SUBMITTED


def _report(raw: object, rules: FormRules, where: str, problems: list[str]) -> ProgressReport | None:
    """One progress report, or None with its problems added; ``where`` prefixes its fields'
    names ("" in the progress CSV, where each field is a column)."""
    def name(key: str) -> str:
        return f"{where}.{key}" if where else key

    if not isinstance(raw, Mapping):
        problems.append(f"'{where}' is not a report: give on, value, note, evidence")
        return None
    found = len(problems)
    for key in raw:
        if key not in ("on", "value", "note", "evidence"):
            problems.append(f"'{name(key)}' is not a field of a report: use on, value, note, "
                            "evidence")
    on = _report_date(raw.get("on"), rules, name("on"), problems)
    value = raw.get("value")
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        with contextlib.suppress(ValueError):
            number = float(value.strip())
    if number is None or not math.isfinite(number):
        problems.append(f"'{name('value')}' {value!r} is not a number: write e.g. 12 or 12.5")
    note, evidence = raw.get("note") or "", raw.get("evidence") or ""
    if not isinstance(note, str) or len(note) > MAX_ANSWER or CONTROL.search(note):
        problems.append(f"'{name('note')}' must be text of at most {MAX_ANSWER:,} characters, "
                        "without control characters")
    if not isinstance(evidence, str) or len(evidence) > MAX_EVIDENCE or (
            evidence and not _URL.fullmatch(evidence.strip())):
        problems.append(f"'{name('evidence')}' {evidence!r} is not an http(s) link of at most "
                        f"{MAX_EVIDENCE} characters: give the page that shows the progress")
    if len(problems) > found or on is None or number is None:
        return None
    assert isinstance(note, str) and isinstance(evidence, str)
    return ProgressReport(on=on, value=number, note=note.strip(), evidence=evidence.strip())


def _report_date(value: object, rules: FormRules, where: str, problems: list[str]) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        problems.append(f"'{where}' {value!r} is not a date: write it as YYYY-MM-DD")
    elif not rules.earliest <= day <= rules.today:
        problems.append(f"'{where}' {day} is outside {rules.earliest} to {rules.today} (today): "
                        "give the day the value was measured")
        return None
    return day


def _reports(progress: object, rules: FormRules,
             problems: list[str]) -> dict[str, list[ProgressReport]]:
    if progress is None:
        return {}
    if not isinstance(progress, Mapping):
        problems.append("'progress' must map each indicator's name to its reports")
        return {}
    out: dict[str, list[ProgressReport]] = {}
    for name, reports in progress.items():
        if not isinstance(reports, list):
            problems.append(f"'progress.{name}' must be a list of reports")
            continue
        for number, raw in enumerate(reports, 1):
            report = _report(raw, rules, f"progress.{name}[{number}]", problems)
            if report is not None:
                out.setdefault(str(name), []).append(report)
    return out


def _did(dids: object, data: Mapping[str, Any], problems: list[str]) -> str | None:
    """The Bluesky DID the file gives for the row's handle, when valid."""
    if dids is None or dids == {}:
        return None
    if not isinstance(dids, Mapping) or set(dids) - {"bluesky"}:
        problems.append("'dids' must be {\"bluesky\": \"did:plc:...\"}: only Bluesky handles "
                        "have a DID")
        return None
    value = dids.get("bluesky")
    if value is None:
        return None
    handles = data.get("handles")
    if not isinstance(handles, Mapping) or not handles.get("bluesky"):
        problems.append("'dids.bluesky' is given but the pledge has no Bluesky handle: give "
                        "'handles.bluesky' or remove the DID")
        return None
    did = valid_did(value.strip() if isinstance(value, str) else value)
    if did is None:
        problems.append(f"'dids.bluesky' {value!r} is not a DID: write did:plc:... or did:web:..., "
                        "or leave it empty for the handle to be looked up")
    return did


def _raw_key(data: Mapping[str, Any]) -> str | None:
    name, title = data.get("name"), data.get("title")
    if isinstance(name, str) and isinstance(title, str) and name.strip() and title.strip():
        return pledge_key(name, title)
    return None


def _cached(resolve: Resolver | None) -> Resolver | None:
    """The resolver, asked once per handle in one import."""
    if resolve is None:
        return None
    seen: dict[str, tuple[str | None, str]] = {}

    def once(handle: str) -> tuple[str | None, str]:
        if handle not in seen:
            seen[handle] = resolve(handle)
        return seen[handle]

    return once


@dataclass
class _Checked:
    result: RowResult
    key: str | None  # the organisation and title as given, even when the row is rejected
    item: NewPledge | None = None


def _check_pledges(records: Sequence[Record], rules: FormRules, resolve: Resolver | None,
                   progress: Progress | None) -> list[_Checked]:
    checked: list[_Checked] = []
    first: dict[str, RowResult] = {}
    for done, record in enumerate(records, 1):
        data = record.data
        result = RowResult("pledge", record.where, record.file, record.row, record.line,
                           name=str(data.get("name") or ""), title=str(data.get("title") or ""))
        problems = result.problems
        problems.extend(record.problems)
        status = _status(record.status, problems)
        reports = _reports(record.progress, rules, problems)
        did = _did(record.dids, data, problems)
        key = _raw_key(data)
        if key is not None and key in first:
            problems.append(f"same organisation and title as {first[key].where}: a pledge is "
                            "imported once; remove one row or give it another title")
        elif key is not None:
            first[key] = result
        item = None
        if record.data or not problems:
            try:
                item, notices = prepare(data, rules, where=record.where,
                                        resolve=None if did or problems else resolve,
                                        status=status, reports=reports)
                result.notices.extend(n.message for n in notices)
            except PledgeInvalid as exc:
                problems.extend(exc.problems)
        if item is not None and did:
            item = replace(item, dids={"bluesky": did})
        checked.append(_Checked(result, key, None if problems else item))
        if progress is not None:
            progress(done, len(records))
    return checked


def _refuse_stored(store: PledgeStore, checked: Sequence[_Checked], *,
                   skip_existing: bool) -> None:
    """Reject (or skip) the rows whose pledge is already stored: one query for the import."""
    stored = store.duplicates([c.item.form for c in checked if c.item is not None])
    for entry in checked:
        if entry.item is not None and entry.item.form.key in stored:
            form = entry.item.form
            if skip_existing:
                entry.result.skipped = True
                entry.result.pledge_id = stored[form.key]
                entry.key = None  # its companion reports go to the stored pledge
            else:
                entry.result.problems.append(
                    DuplicatePledge(form.name, form.title, stored[form.key]).message)
            entry.item = None


@dataclass
class _Attached:
    result: RowResult
    report: ProgressReport
    indicator: str
    target: _Checked | None = None  # a pledge of this import
    stored_id: int | None = None  # or one already stored


def _check_progress(store: PledgeStore, records: Sequence[ProgressRecord], rules: FormRules,
                    by_key: Mapping[str, _Checked], *, skip_existing: bool = False,
                    ) -> list[_Attached]:
    keys = {pledge_key(r.name, r.title) for r in records if r.name and r.title}
    outside = [k for k in keys if k not in by_key]
    stubs = [PledgeForm.model_construct(name=k.split("\x1f")[0], title=k.split("\x1f")[1])
             for k in outside]
    ids = store.duplicates(stubs) if stubs else {}
    stored: dict[int, Pledge] = {p.id: p for p in store.pledges(ids=list(ids.values()))} \
        if ids else {}
    seen: set[tuple[object, ...]] = set()
    attached: list[_Attached] = []
    for record in records:
        result = RowResult("progress", record.where, record.file, record.row, record.line,
                           name=record.name, title=record.title, indicator=record.indicator)
        problems = result.problems
        problems.extend(record.problems)
        for column in ("name", "title", "indicator"):
            if not getattr(record, column).strip():
                problems.append(f"'{column}' is empty: name the pledge's organisation, its title "
                                "and the indicator")
        report = _report(record.report, rules, "", problems)
        if problems or report is None:
            attached.append(_Attached(result, ProgressReport(date.min, 0.0), ""))
            continue
        key = pledge_key(record.name, record.title)
        entry = _Attached(result, report, record.indicator)
        names: Sequence[str] = ()
        existing: Iterable[ProgressReport] = ()
        if key in by_key:
            entry.target = by_key[key]
            if entry.target.item is None:
                problems.append(f"its pledge ({entry.target.result.where}) is rejected")
            else:
                names = [i.name for i in entry.target.item.form.indicators]
                existing = entry.target.item.reports.get(record.indicator, ())
        elif key in ids:
            entry.stored_id = ids[key]
            pledge = stored[ids[key]]
            result.pledge_id = pledge.id
            names = [i.indicator.name for i in pledge.indicators]
            state = pledge.indicator(record.indicator)
            existing = state.reports if state else ()
        else:
            problems.append(f"no pledge of {record.name!r} titled {record.title!r} is in this "
                            "import or stored: check the name and title")
        if names and not problems:
            match = next((n for n in names if n.casefold() == record.indicator.strip().casefold()),
                         None)
            if match is None:
                problems.append(f"the pledge has no indicator {record.indicator!r}: its "
                                f"indicators are {', '.join(repr(n) for n in names)}")
            else:
                entry.indicator = match
                same = (key, match.casefold(), report)
                if skip_existing and report in existing and same not in seen:
                    result.skipped = True
                elif same in seen or report in existing:
                    problems.append(f"this report of {match!r} on {report.on} is already "
                                    "recorded")
                seen.add(same)
        elif not names and not problems:
            problems.append("the pledge has no indicators: add one before reporting progress")
        attached.append(entry)
    return attached


# -- the import -------------------------------------------------------------------------------
def import_pledges(store: PledgeStore, paths: Sequence[Path], rules: FormRules, *,
                   atomic: bool = False, dry_run: bool = False, resolve: Resolver | None = None,
                   actor: str = "import", progress: Progress | None = None,
                   skip_existing: bool = False) -> ImportReport:
    """Check every row of ``paths`` and store the accepted ones (none with ``atomic`` when any
    is rejected, none with ``dry_run``); with ``skip_existing`` a pledge (or report) already
    stored is skipped rather than rejected, so a growing export of the form imports again;
    ImportFileError for a file that cannot be read."""
    with fewer_collections():
        return _import(store, paths, rules, atomic=atomic, dry_run=dry_run, resolve=resolve,
                       actor=actor, progress=progress, skip_existing=skip_existing)


def _import(store: PledgeStore, paths: Sequence[Path], rules: FormRules, *, atomic: bool,
            dry_run: bool, resolve: Resolver | None, actor: str,
            progress: Progress | None, skip_existing: bool) -> ImportReport:
    records: list[Record] = []
    reports: list[ProgressRecord] = []
    for path in paths:
        pledges, progress_rows = read_file(Path(path))
        records += pledges
        reports += progress_rows
    checked = _check_pledges(records, rules, _cached(resolve), progress)
    _refuse_stored(store, checked, skip_existing=skip_existing)
    # the first row of each organisation and title, accepted or not (a companion report of a
    # rejected pledge is rejected with it, not matched to another)
    by_key: dict[str, _Checked] = {}
    for row in checked:
        if row.key is not None:
            by_key.setdefault(row.key, row)
    attached = (_check_progress(store, reports, rules, by_key, skip_existing=skip_existing)
                if reports else [])
    # a pledge of this import carries its companion reports into its own transaction
    for entry in attached:
        if entry.result.accepted and entry.target is not None and entry.target.item is not None:
            item = entry.target.item
            merged = {k: list(v) for k, v in item.reports.items()}
            merged.setdefault(entry.indicator, []).append(entry.report)
            entry.target.item = replace(item, reports=merged)
    rows = tuple([c.result for c in checked] + [a.result for a in attached])
    if dry_run or (atomic and any(not r.accepted for r in rows)):
        return ImportReport(rows, stored=False, atomic=atomic, dry_run=dry_run)
    accepted = [c for c in checked if c.item is not None]
    # the reports of stored pledges go in the pledges' transaction: all of it, or none
    later = [(e.stored_id, e.indicator, e.report) for e in attached
             if e.result.accepted and e.target is None and e.stored_id is not None]
    ids = store.add_many([c.item for c in accepted if c.item is not None], actor=actor,
                         progress=later)
    for row, pledge_id in zip(accepted, ids, strict=True):
        row.result.pledge_id = pledge_id
    for entry in attached:
        if entry.result.accepted and entry.target is not None:
            entry.result.pledge_id = entry.target.result.pledge_id
    return ImportReport(rows, stored=True, atomic=atomic, dry_run=dry_run)


# -- the export -------------------------------------------------------------------------------
def export_record(pledge: Pledge) -> dict[str, Any]:
    """One pledge as the JSON export holds it: the form, status, progress and DIDs."""
    return {k: v for k, v in pledge_record(pledge).items() if k not in STORED_FIELDS}


def export_format(out: Path, fmt: str | None) -> str:
    """The format asked for, or the one ``out``'s suffix names."""
    chosen = fmt or out.suffix.lower().lstrip(".")
    if chosen not in FORMATS:
        raise CampaignError(f"{out.name}: cannot tell the format from the file's name: end it "
                            "with .csv or .json, or give --format csv or --format json")
    return chosen


def export_pledges(store: PledgeStore, out: Path, *, fmt: str | None = None,
                   statuses: Sequence[str] = (), audiences: Sequence[str] = ()) -> ExportResult:
    """Write the stored pledges (filtered) to ``out`` as CSV (and its progress companion) or
    JSON, each file whole or not at all."""
    chosen = export_format(out, fmt)
    pledges = store.pledges(statuses=statuses, audiences=audiences)
    reports = sum(len(s.reports) for p in pledges for s in p.indicators)
    if chosen == "json":
        with atomic_open(out) as handle:
            write_json(handle, [export_record(p) for p in pledges])
        return ExportResult((out,), len(pledges), reports)
    rows = []
    for p in pledges:
        row = flatten(export_record(p) | {"progress": {}, "dids": {}})
        row["dids.bluesky"] = p.dids.get("bluesky")
        rows.append(row)
    indicators = max((len(p.form.indicators) for p in pledges), default=0)
    companion = progress_path(out)
    # an old companion beside the file would hold stale reports: it is replaced too
    if not reports and not companion.exists():
        with atomic_open(out, newline="") as handle:
            write_pledges(handle, rows, indicators)
        return ExportResult((out,), len(pledges), 0)
    with atomic_open(out, newline="") as handle, atomic_open(companion, newline="") as side:
        write_pledges(handle, rows, indicators)
        write_progress(side, ((p.form.name, p.form.title, s.indicator.name, r.on.isoformat(),
                               r.value, r.note, r.evidence)
                              for p in pledges for s in p.indicators for r in s.reports))
    return ExportResult((out, companion), len(pledges), reports)
