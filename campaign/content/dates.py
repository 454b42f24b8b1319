"""Where each entry of a schedule falls: fixed dates, month rules and dates relative to another
entry, in the year the calendar runs in.

That year is the file's ``campaign.year``, or the one ``load_schedule(path, year=...)`` moves the
calendar to: a fixed date keeps its month and day (and its distance in years from
``campaign.year``), a month rule its day, a relative date follows its anchor. Post times are local
times, placed with the daylight saving time of their own date. See schedules/SCHEMA.md,
"Another year".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from campaign.content.yamlsource import Loc

if TYPE_CHECKING:
    from campaign.content.schedule import Entry

# every date the tool handles lies in these years: the queue, calendars and `reschedule` agree
YEAR_MIN, YEAR_MAX = 2000, 2100
# a fixed date without its year: MM-DD, in ASCII digits (\d would take '٠٦-١٢') and nothing after
_MONTH_DAY = re.compile(r"([0-9]{2})-([0-9]{2})")


class Dates:
    """Resolves the date of every entry once, reporting each problem through ``fail``."""

    def __init__(self, entries: dict[str, tuple[int, Entry]], *, written_year: int,
                 default_day: int, year: int | None, fail: Callable[[Loc, str], None]) -> None:
        self.entries, self.fail, self.default_day = entries, fail, default_day
        # the year the file is written for, the one the calendar runs in, and how many years
        # every date moves to get there
        self.written_year = written_year
        self.year = written_year if year is None else year
        self.shift = self.year - written_year
        self.unresolved: set[str] = set()  # reported once, even when other entries lean on them

    def resolve(self) -> dict[str, date]:
        """The date of every entry that has one; the others' problems are reported."""
        dates: dict[str, date] = {}
        for entry_id in self.entries:
            self._resolve(entry_id, dates, [])
        return dates

    def _resolve(self, entry_id: str, dates: dict[str, date], chain: list[str]) -> date | None:
        if entry_id in dates or entry_id in self.unresolved:
            return dates.get(entry_id)
        index, entry = self.entries[entry_id]
        loc: Loc = ("entries", index)
        found: date | None = None
        if entry.date is not None:
            found = self._fixed((*loc, "date"), entry.date)
        elif entry.month is not None:
            found = self._month((*loc, "day"), entry.month, entry.day or self.default_day)
        elif entry.relative_to is not None:
            found = self._relative(entry, loc, dates, chain)
        if found is not None and not YEAR_MIN <= found.year <= YEAR_MAX:
            rule = "date" if entry.date is not None else \
                "offset_days" if entry.relative_to is not None else "month"
            self.fail((*loc, rule), f"date {found.isoformat()}{self._moved()} is outside the "
                      f"years {YEAR_MIN}-{YEAR_MAX} the tool handles: choose a date within them")
            found = None
        if found is None:
            self.unresolved.add(entry_id)
        else:
            dates[entry_id] = found
        return found

    def _month(self, loc: Loc, month: int, day: int) -> date | None:
        try:
            return date(self.year, month, day)
        except ValueError:
            if _exists(self.written_year, month, day):
                self.fail(loc, self._leap_day(f"month {month}, day {day}",
                                              "day 28, or month 3 with day 1"))
            else:
                self.fail(loc, f"impossible date: day {day} of month {month} in {self.year}")
            return None

    def _relative(self, entry: Entry, loc: Loc, dates: dict[str, date],
                  chain: list[str]) -> date | None:
        target = entry.relative_to or ""
        if target not in self.entries:
            self.fail((*loc, "relative_to"), f"unknown entry '{target}': name another entry's id")
            return None
        if target in chain or target == entry.id:
            self.fail((*loc, "relative_to"),
                      f"relative dates loop: {' -> '.join([*chain, entry.id, target])}")
            return None
        base = self._resolve(target, dates, [*chain, entry.id])
        return base + timedelta(days=entry.offset_days) if base else None

    def _fixed(self, loc: Loc, text: str) -> date | None:
        """MM-DD in the year the calendar runs in; YYYY-MM-DD moved by as many years as the
        calendar (a 2022 date of a 2021 file stays one year later)."""
        text = str(text)
        month_day = _MONTH_DAY.fullmatch(text)
        if month_day is not None:
            month, day = int(month_day[1]), int(month_day[2])
            try:
                return date(self.year, month, day)
            except ValueError:
                if (month, day) == (2, 29):
                    self.fail(loc, self._leap_day(f"'{text}'", "02-28 or 03-01"))
                else:
                    self.fail(loc, f"impossible date '{text}': write a real month and day as "
                              "MM-DD, or a date as YYYY-MM-DD")
                return None
        try:
            written = date.fromisoformat(text)
        except ValueError:
            self.fail(loc, f"impossible or malformed date '{text}': write a real date as YYYY-MM-DD")
            return None
        if not self.shift:
            return written
        year = written.year + self.shift
        if not YEAR_MIN <= year <= YEAR_MAX:
            self.fail(loc, f"date {written.isoformat()} moves to {year}{self._moved()}, outside "
                      f"the years {YEAR_MIN}-{YEAR_MAX} the tool handles: choose a date within them")
            return None
        try:
            return written.replace(year=year)
        except ValueError:  # only 29 February has a month and day some years lack
            self.fail(loc, self._leap_day(f"date {written.isoformat()}", "02-28 or 03-01"))
            return None

    def _moved(self) -> str:
        """Said after a date the move made: why it is not the date the file shows."""
        return f" (the calendar moved from {self.written_year} to {self.year})" if self.shift \
            else ""

    def _leap_day(self, what: str, instead: str) -> str:
        """Why 29 February cannot be placed, and what to write instead."""
        return (f"{what} is 29 February, which {self.year} does not have{self._moved()}: give "
                f"the entry a day every year has, such as {instead}")


def local_due(day: date, at: str, zone: ZoneInfo) -> datetime:
    """The moment ``at`` (HH:MM) on ``day`` in ``zone``, with the offset the zone has that day."""
    hh, mm = (int(p) for p in at.split(":"))
    due = datetime.combine(day, time(hh, mm), tzinfo=zone)
    # the offset is computed for this date, so a moved calendar gets its own year's summer time;
    # a time the clocks skip that day (02:30 when they jump to 03:00) reads as the wall clock
    # shows it, 03:30, as campaign.when does for a typed moment (the instant is the same)
    return due.astimezone(UTC).astimezone(zone)


def _exists(year: int, month: int, day: int) -> bool:
    """Whether the day exists that year (day 29 of month 2 only in leap years)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
