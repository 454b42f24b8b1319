"""What a person asks to see of the queue, as typed (a page's query string, a command's options),
checked once into SQL conditions: the calendar, the queue list and the calendar's ICS file share it.

Every value is checked before a query runs; a bad one is refused with one sentence naming the
field and what it may be. Days and months are the campaign's, on its own clocks: a month's posts
are those due from its first midnight to the next month's, read by ``due_at`` range in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, String, bindparam, select

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError, UsageError
from campaign.platforms.registry import display_name, network_names
from campaign.queue.models import STATUSES, Account, QueuedPost, Status
from campaign.when import FIRST_YEAR, LAST_YEAR

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_VALUES = 20  # values of one filter: more is no person's choice


class BadFilter(CampaignError):
    """A filter's value is not one it can take; the message names the field and the form."""

    def __init__(self, name: str, given: str, wanted: str) -> None:
        self.name, self.given = name, given
        super().__init__(f"{name} must be {wanted}, not {given[:40]!r}")


def _checked_year(name: str, given: str, year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadFilter(name, given, f"in the years {FIRST_YEAR} to {LAST_YEAR}")


def parse_month(text: str, name: str = "month") -> date:
    """The first day of a month written ``YYYY-MM``."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise BadFilter(name, text, "a month written YYYY-MM, e.g. 2021-06")
    _checked_year(name, text, int(found.group(1)))
    return date(int(found.group(1)), int(found.group(2)), 1)


def parse_day(text: str, name: str = "day") -> date:
    """A day written ``YYYY-MM-DD``."""
    found = _DAY.match(text.strip())
    try:
        if not found:
            raise ValueError(text)
        day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise BadFilter(name, text, "a day written YYYY-MM-DD, e.g. 2021-06-12") from None
    _checked_year(name, text, day.year)
    return day


def next_month(first: date) -> date:
    """The first day of the month after ``first``'s."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The moment (aware UTC) a day starts on a timezone's clocks (where midnight is skipped
    by a DST jump, the moment the clocks jump from it)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Asked:
    """The filters as a person typed them (each may be repeated); empty keeps everything."""

    status: tuple[str, ...] = ()
    network: tuple[str, ...] = ()
    account: tuple[str, ...] = ()  # NETWORK=HANDLE, as the CLI names accounts
    language: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    month: str = ""  # YYYY-MM: the queue list's month
    day: str = ""  # YYYY-MM-DD: the queue list's day

    @classmethod
    def from_query(cls, items: Sequence[tuple[str, str]]) -> Asked:
        """The filters of a query string's (name, value) pairs; other names are left alone."""
        values: dict[str, list[str]] = {}
        for key, value in items:
            if value.strip():
                values.setdefault(key, []).append(value.strip())
        for key, given in values.items():
            if len(given) > MAX_VALUES:
                raise BadFilter(key, ",".join(given), f"at most {MAX_VALUES} values")
        many = {name: tuple(dict.fromkeys(values.get(name, ()))) for name in
                ("status", "network", "account", "language", "audience")}
        return cls(**many, month=(values.get("month") or [""])[0],
                   day=(values.get("day") or [""])[0])

    def query(self, **extra: str) -> str:
        """The filters as a query string (for links that keep them), ``extra`` added."""
        pairs = [(name, v) for name in ("status", "network", "account", "language", "audience")
                 for v in getattr(self, name)]
        pairs += [(k, v) for k, v in (("month", self.month), ("day", self.day)) if v]
        pairs += [(k, v) for k, v in extra.items() if v]
        return urlencode(pairs)

    @property
    def any(self) -> bool:
        """Whether any filter is set."""
        return bool(self.status or self.network or self.account or self.language or self.audience
                    or self.month or self.day)


@dataclass(frozen=True)
class Filter:
    """Checked filters: statuses, networks, account ids, languages, audience ids (groups
    expanded) and a due range (aware UTC, end excluded)."""

    asked: Asked = Asked()
    statuses: tuple[Status, ...] = ()
    networks: tuple[str, ...] = ()
    account_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    # the networks a schedule entry must be on to be shown: the ones asked, and the accounts'
    entry_networks: tuple[str, ...] = field(default=())

    @property
    def shape(self) -> tuple[str, ...]:
        """The filters set (the status always is): statements of one shape are built once."""
        return ("statuses", *(name for name, _ in _FIELDS[1:] if getattr(self, name)))

    def params(self) -> dict[str, Any]:
        """The values of :func:`template`'s parameters."""
        values: dict[str, Any] = {"f_statuses": [s.value for s in self.statuses or STATUSES]}
        values.update({f"f_{name}": list(getattr(self, name)) for name in self.shape[1:]})
        return values

    def conditions(self, *, due_range: bool = True, status: bool = True) -> list[ColumnElement[bool]]:
        """The SQL conditions on ``posts`` with their values (the due range too unless
        ``due_range`` is False; the status unless ``status`` is False)."""
        shape = self.shape if status else self.shape[1:]
        values = self.params()
        where: list[ColumnElement[bool]] = [column.in_(values[f"f_{name}"]) for name, column in _FIELDS
                                            if name in shape]
        if due_range and self.start is not None:
            where.append(QueuedPost.due_at >= self.start)
        if due_range and self.end is not None:
            where.append(QueuedPost.due_at < self.end)
        return where

    def within(self, start: datetime, end: datetime) -> Filter:
        """The same filters narrowed to the range from ``start`` to ``end``."""
        lo = max(start, self.start) if self.start else start
        hi = min(end, self.end) if self.end else end
        return replace(self, start=lo, end=max(lo, hi))


# the filters on posts' columns, in the order a statement lists them
_FIELDS: Final = (("statuses", QueuedPost.status), ("networks", QueuedPost.network),
                  ("account_ids", QueuedPost.account_id), ("languages", QueuedPost.language),
                  ("audiences", QueuedPost.audience))


def template(shape: Sequence[str]) -> list[ColumnElement[bool]]:
    """The conditions of the filters named in ``shape``, their values left as parameters
    (``f_<name>``, lists). The status is always one of them: given every status when none is
    asked, SQLite reads a day's posts from the (status, due_at) index alone."""
    # statuses bound as plain text: the enum's conversion, per value and per day, costs more
    # than the count
    return [column.in_(bindparam(f"f_{name}", expanding=True,
                                 type_=String() if name == "statuses" else None))
            for name, column in _FIELDS if name in shape]


@dataclass(frozen=True)
class Named:
    """An account as the filters know it."""

    id: int
    network: str
    handle: str


def named_accounts(conn: Connection) -> list[Named]:
    """The accounts in service, by network and handle (a light read: pages ask on every view)."""
    query = (select(Account.id, Account.network, Account.handle)
             .where(Account.removed_at.is_(None)).order_by(Account.network, Account.handle))
    return [Named(r.id, r.network, r.handle) for r in conn.execute(query)]


def account_name(account: Named | Account) -> str:
    """How a person names an account: NETWORK=HANDLE."""
    return f"{account.network}={account.handle}"


def check(asked: Asked, schedule: Schedule, accounts: Sequence[Named]) -> Filter:
    """``asked`` checked against the schedule (languages, audiences) and the accounts; an
    unknown value is refused, naming the choices."""
    for status in asked.status:
        if status not in STATUSES:
            raise UsageError("status", status, STATUSES)
    for network in asked.network:
        if network not in network_names():
            raise UsageError("network", network, network_names())
    for language in asked.language:
        if language not in schedule.campaign.languages:
            raise UsageError("language", language, schedule.campaign.languages)
    by_name = {account_name(a): a for a in accounts}
    chosen = []
    for name in asked.account:
        if name not in by_name:
            raise UsageError("account", name, list(by_name) or ["(none yet)"])
        chosen.append(by_name[name])
    audiences = schedule.expand_audiences(asked.audience) if asked.audience else set()
    zone = ZoneInfo(schedule.campaign.timezone)
    start = end = None
    if asked.month:
        first = parse_month(asked.month)
        start, end = midnight(first, zone), midnight(next_month(first), zone)
    if asked.day:
        day = parse_day(asked.day)
        lo, hi = midnight(day, zone), midnight(day + timedelta(days=1), zone)
        start, end = max(lo, start or lo), min(hi, end or hi)
    networks = tuple(asked.network)
    entry_networks = networks or tuple(dict.fromkeys(a.network for a in chosen))
    if networks and chosen:
        entry_networks = tuple(n for n in networks if n in {a.network for a in chosen})
    order = {a.id: i for i, a in enumerate(schedule.audiences)}
    return Filter(asked=asked, statuses=tuple(Status(s) for s in asked.status), networks=networks,
                  account_ids=tuple(a.id for a in chosen), languages=tuple(asked.language),
                  audiences=tuple(sorted(audiences, key=lambda a: order.get(a, 0))),
                  start=start, end=end if start is None or end is None else max(start, end),
                  entry_networks=entry_networks)


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: every status, network, account, language and audience."""

    statuses: tuple[str, ...]
    networks: tuple[tuple[str, str], ...]  # (name, as the network writes it)
    accounts: tuple[str, ...]
    languages: tuple[str, ...]
    audiences: tuple[tuple[str, str], ...]  # (id, name in the page's language)


def choices(schedule: Schedule, accounts: Sequence[Named], language: str) -> Choices:
    """The filter form's options, audiences named in ``language``."""
    groups = tuple((g, g) for g in schedule.groups)
    return Choices(statuses=tuple(s.value for s in STATUSES),
                   networks=tuple((n, display_name(n)) for n in network_names()),
                   accounts=tuple(account_name(a) for a in accounts),
                   languages=tuple(schedule.campaign.languages),
                   audiences=groups + tuple((a.id, localized(a.name, language)) for a in schedule.audiences))


def localized(names: dict[str, str] | Any, language: str) -> str:
    """A schedule text in ``language``, else its first language's."""
    if not isinstance(names, dict):
        return str(names or "")
    return str(names.get(language) or next(iter(names.values()), ""))


def entry_titles(schedule: Any, language: str) -> dict[str, str]:
    """Each schedule entry's title in ``language``, by entry id."""
    return {e.id: localized(e.title, language) for e in schedule.entries}
