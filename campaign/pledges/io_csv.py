"""The CSV layout of pledges and of their progress reports (see docs/pledges.md, "Import and
export formats"), and what both import formats read a file into.

One row per pledge; a column's dotted name is the form field it fills (``focal_point.email``,
``indicators.2.target``); an empty cell is a field not given. Progress reports live in a
companion file of their own (``name,title,indicator,on,value,note,evidence``), recognised by its
header. Cells are guarded for spreadsheets: one starting with = + - @ tab, CR or an apostrophe
is written with one more apostrophe in front, and reading removes exactly one, so a title
starting with "=" or with "'" comes back as it was.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from campaign.errors import CampaignError
from campaign.exporters.csv import safe_cell
from campaign.pledges.form import MAX_INDICATORS
from campaign.pledges.handles import PLEDGE_NETWORKS

MAX_ROWS = 100_000  # pledges (or progress reports) in one file; the 2021 campaign had hundreds
REQUIRED = ("audience", "name", "country", "language", "focal_point.name", "focal_point.email",
            "title", "implementation", "contribution", "communication")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "deadline")
COLUMNS = (*REQUIRED, *(f"handles.{n}" for n in PLEDGE_NETWORKS), "cost.amount", "cost.currency",
           "amplification.strategy", "amplification.monitoring", "amplification.organisation",
           "amplification.dissemination", "amplification.resources",
           "amplification.cost.amount", "amplification.cost.currency", "submitted_on", "status",
           "dids.bluesky")
PROGRESS_COLUMNS = ("name", "title", "indicator", "on", "value", "note", "evidence")
PROGRESS_REQUIRED = PROGRESS_COLUMNS[:5]
_PROGRESS_ONLY = {"indicator", "on", "value"}


class ImportFileError(CampaignError):
    """A file an import cannot read at all (size, encoding, header, syntax): nothing of it is
    read further, nothing of the import is stored."""


@dataclass
class Record:
    """One submission as a file gives it: the form's fields, and what an export adds."""

    file: str
    row: int  # 1-based, among the file's pledges
    line: int | None  # the CSV line the row starts on; None in JSON
    data: dict[str, Any]
    status: object = None
    dids: object = None
    progress: object = None  # {indicator name: [{on, value, note, evidence}]}
    problems: list[str] = field(default_factory=list)  # found while reading the row

    @property
    def where(self) -> str:
        """The row as a person finds it: the file and its line or position."""
        return f"{self.file} line {self.line}" if self.line else f"{self.file} item {self.row}"


@dataclass
class ProgressRecord:
    """One progress report of the companion CSV: the pledge it belongs to, by organisation and
    title, and the report's cells."""

    file: str
    row: int
    line: int
    name: str
    title: str
    indicator: str
    report: dict[str, str]
    problems: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """The row as a person finds it."""
        return f"{self.file} line {self.line}"


def guard(value: object) -> str:
    """A cell a spreadsheet shows as text, whose apostrophe :func:`unguard` removes again."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith("'") else safe_cell(text)


def unguard(text: str) -> str:
    """The value a guarded cell holds: exactly one leading apostrophe removed."""
    return text[1:] if text.startswith("'") else text


def _indicator_columns(count: int = MAX_INDICATORS) -> list[str]:
    return [f"indicators.{n}.{f}" for n in range(1, count + 1) for f in INDICATOR_FIELDS]


ALL_COLUMNS = frozenset((*COLUMNS, *_indicator_columns()))


# -- reading ----------------------------------------------------------------------------------
def read_csv(name: str, text: str) -> tuple[list[Record], list[ProgressRecord]]:
    """The pledges, or the progress reports, of one CSV file's text (without its BOM);
    ImportFileError for a header that is not one of the two layouts."""
    lines = _lines(name, text, _delimiter(text))
    try:
        _, header = next(lines)
    except StopIteration:
        raise ImportFileError(f"{name} is empty: give a header row and one row per pledge "
                              f"({', '.join(REQUIRED)}, ...)") from None
    header = [h.strip() for h in header]
    if "indicator" in header and not {"audience", "implementation"} & set(header):
        _check_header(name, header, PROGRESS_COLUMNS, PROGRESS_REQUIRED, "progress file")
        return [], list(_progress_rows(name, header, lines))
    _check_header(name, header, COLUMNS, REQUIRED, "pledges file")
    return list(_pledge_rows(name, header, lines)), []


def _delimiter(text: str) -> str:
    """The header's separator: ',' or, in a spreadsheet's CSV for a language whose decimal
    separator is a comma (Excel in French, Spanish), ';'. No column name holds either, so a
    header with a ';' and no ',' is separated by ';'."""
    header = text[:text.find("\n")] if "\n" in text else text
    return ";" if ";" in header and "," not in header else ","


def _lines(name: str, text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on; a file over MAX_ROWS rows is refused."""
    # newline="": a line break inside a quoted cell is part of the cell, and only \n, \r and
    # \r\n end a line (str.splitlines would also split on U+2028 inside a cell)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for count, record in enumerate(reader):
            if count > MAX_ROWS:
                raise ImportFileError(f"{name} has more than {MAX_ROWS:,} rows: split it into "
                                      "several files and import them one after another")
            if any(cell.strip() for cell in record):  # a blank line (or ",,,") is no row
                yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"{name} line {reader.line_num} is not valid CSV ({exc}): save "
                              "the file again as CSV from the spreadsheet") from None


def _check_header(name: str, header: Sequence[str], columns: Sequence[str],
                  required: Sequence[str], what: str) -> None:
    known = ALL_COLUMNS if columns is COLUMNS else frozenset(columns)
    unknown = list(dict.fromkeys(h for h in header if h not in known))
    # counted once (not header.count per column): a file's header may have millions of cells
    twice = sorted(h for h, n in Counter(header).items() if n > 1 and h in known)
    present = set(header)
    missing = [c for c in required if c not in present]
    if not (unknown or twice or missing):
        return
    wrong = []
    if unknown:
        wrong.append(f"unknown column{'s' if len(unknown) > 1 else ''} {_some(unknown)}")
    if missing:
        wrong.append(f"no {', '.join(repr(c) for c in missing)}")
    if twice:
        wrong.append(f"{_some(twice)} more than once")
    expected = ", ".join(columns)
    if columns is COLUMNS:
        expected += (", then indicators.N.name, indicators.N.unit, indicators.N.baseline, "
                     f"indicators.N.target, indicators.N.deadline for N from 1 to {MAX_INDICATORS}")
    raise ImportFileError(f"{name} has a wrong header for a {what} ({'; '.join(wrong)}): its "
                          f"columns are {expected} (required: {', '.join(required)})")


def _some(names: Sequence[str], shown: int = 5) -> str:
    """The first few names quoted, and how many more: a message stays one sentence."""
    text = ", ".join(repr(n[:40] + ("…" if len(n) > 40 else "")) for n in names[:shown])
    return text + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


def _cells(header: Sequence[str], record: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    problems = []
    if len(record) != len(header):
        problems.append(f"the row has {len(record)} cells and the header {len(header)}: "
                        "check for a missing or extra separator")
    return {h: unguard(c) for h, c in zip(header, record, strict=False) if c.strip()}, problems


def _pledge_rows(name: str, header: Sequence[str],
                 lines: Iterable[tuple[int, list[str]]]) -> Iterator[Record]:
    # each column's place in the nested form, worked out once for the file, not once a row
    plan = [tuple(column.split(".")) for column in header]
    width = len(header)
    for row, (line, record) in enumerate(lines, 1):
        problems = []
        if len(record) != width:
            problems.append(f"the row has {len(record)} cells and the header {width}: check "
                            "for a missing or extra separator")
        data: dict[str, Any] = {}
        groups: dict[int, dict[str, str]] = {}
        status = did = None
        for path, cell in zip(plan, record, strict=False):
            if not cell or cell.isspace():
                continue
            value = cell[1:] if cell[0] == "'" else cell
            if path[0] == "indicators":
                groups.setdefault(int(path[1]), {})[path[2]] = value
            elif len(path) == 1:
                if path[0] == "status":
                    status = value
                else:
                    data[path[0]] = value
            elif path[0] == "dids":
                did = value
            else:
                target = data
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = value
        if groups:
            data["indicators"] = [groups[n] for n in sorted(groups)]
        yield Record(file=name, row=row, line=line, data=data, status=status,
                     dids={"bluesky": did} if did is not None else None, problems=problems)


def _progress_rows(name: str, header: Sequence[str],
                   lines: Iterable[tuple[int, list[str]]]) -> Iterator[ProgressRecord]:
    for row, (line, record) in enumerate(lines, 1):
        cells, problems = _cells(header, record)
        yield ProgressRecord(file=name, row=row, line=line, name=cells.get("name", ""),
                             title=cells.get("title", ""), indicator=cells.get("indicator", ""),
                             report={k: cells.get(k, "") for k in ("on", "value", "note",
                                                                    "evidence")},
                             problems=problems)


# -- writing ----------------------------------------------------------------------------------
def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A pledge's nested form data as the dotted columns (indicators numbered from 1)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{name}.")
        elif isinstance(value, list | tuple):
            for number, item in enumerate(value, 1):
                flat |= flatten(item, f"{name}.{number}.")
        else:
            flat[name] = value
    return flat


def write_pledges(handle: IO[str], rows: Sequence[Mapping[str, Any]], indicators: int) -> None:
    """Pledges (each as :func:`flatten` gives it, with status and DID) as the CSV layout, with
    as many indicator groups as ``indicators``."""
    header = [*COLUMNS, *_indicator_columns(indicators)]
    writer = csv.writer(handle)
    writer.writerow(header)
    writer.writerows([guard(_cell(row.get(column))) for column in header] for row in rows)


def write_progress(handle: IO[str], rows: Iterable[Sequence[object]]) -> None:
    """Progress reports as the companion CSV: name, title, indicator, on, value, note, evidence."""
    writer = csv.writer(handle)
    writer.writerow(PROGRESS_COLUMNS)
    writer.writerows([guard(_cell(cell)) for cell in row] for row in rows)


def _cell(value: object) -> object:
    # repr of a float is the shortest text that reads back as the same float
    return repr(value) if isinstance(value, float) else value


def progress_path(out: Path) -> Path:
    """Where an export's progress reports go: ``<out stem>.progress.csv`` beside ``out``."""
    return out.with_name(f"{out.stem}.progress.csv")
