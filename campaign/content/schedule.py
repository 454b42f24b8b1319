"""Load and check a campaign schedule file: metadata, audiences, and dated entries.

The format is YAML (see ``schedules/SCHEMA.md``). Loading reports every problem at once, each
with its file, line and key, so a person fixes a schedule in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from campaign.content.dates import YEAR_MAX, YEAR_MIN, Dates, local_due
from campaign.content.hashtags import Hashtags
from campaign.content.pledges import Pledges, load_pledges
from campaign.content.yamlsource import Loc, SourceData, load_yaml
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems
from campaign.text.networks import NETWORKS

SCHEMA_VERSION = 1
ALT_LIMIT = 1000  # X's limit on alt text; Bluesky and Mastodon take more
PARTS = ("agir", "inspirer", "amplifier")
_ID = r"^[a-z0-9][a-z0-9-]*$"
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_OFFSET_DAYS = 366 * (YEAR_MAX - YEAR_MIN + 1)  # the whole range: further is always outside
MAX_TIMEZONE = 64  # characters of a timezone name


def _known_network(name: str) -> str:
    """A network the platform registry knows: built in, or added by a plugin that loads."""
    if name in NETWORKS:
        return name
    from campaign.platforms.registry import check_network

    try:
        return check_network(name)
    except CampaignError as exc:
        raise ValueError(exc.message) from None


Network = Annotated[str, AfterValidator(_known_network)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def _check_time(value: object) -> object:
    if isinstance(value, int):
        # YAML 1.1 reads an unquoted 10:00 as the base-60 number 600
        raise ValueError("a time must be quoted, e.g. \"09:30\" (HH:MM): unquoted, YAML reads "
                         "it as a number")
    if isinstance(value, str) and not _TIME.match(value):
        raise ValueError(f"'{value}' is not a time of day: write it as HH:MM, e.g. \"09:30\"")
    return value


class Campaign(_Model):
    """The campaign's identity and the defaults its entries inherit."""

    id: str = Field(pattern=_ID)
    name: dict[str, str]
    organiser: str | dict[str, str] = ""  # one name, or one per language
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    hashtag: str = Field(pattern=r"^#\w+$")
    hashtags: Hashtags = Hashtags()  # by role ({labour_day: "#LabourDay"}) or a list
    site: str = Field(pattern=r"^https?://\S+$")
    contact: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    languages: tuple[str, ...] = Field(min_length=1)
    timezone: str
    time: str = "10:00"
    day: int = Field(default=1, ge=1, le=28)
    networks: tuple[Network, ...] = NETWORKS
    mastodon_characters: int = Field(default=500, ge=100, le=100_000)

    _check = field_validator("time", mode="before")(_check_time)

    def organiser_in(self, language: str) -> str:
        """The organiser's name in ``language`` (the same in every language when one is given)."""
        if isinstance(self.organiser, str):
            return self.organiser
        return self.organiser.get(language) or next(iter(self.organiser.values()), "")

    @property
    def site_domain(self) -> str:
        """The site without its scheme, as people write it in a post."""
        return re.sub(r"^https?://", "", self.site).rstrip("/")


class Audience(_Model):
    """A kind of stakeholder the campaign speaks to."""

    id: str = Field(pattern=_ID)
    name: dict[str, str]
    kind: Literal["regional", "country", "organisation", "individual"]


class EntryImage(_Model):
    """An image shown with the entry's first post, with its description for screen readers."""

    file: str = Field(min_length=1)
    alt: dict[str, str]


class Entry(_Model):
    """One dated item of the calendar, rendered through one template for its audiences."""

    id: str = Field(pattern=_ID)
    part: Literal["agir", "inspirer", "amplifier"] = "inspirer"
    kind: Literal["action", "observance", "message"] = "action"
    title: dict[str, str]
    action: dict[str, str] | None = None
    date: str | None = None
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    relative_to: str | None = None
    offset_days: int = Field(default=0, ge=-MAX_OFFSET_DAYS, le=MAX_OFFSET_DAYS)
    time: str | None = None
    timezone: str | None = None
    audiences: tuple[str, ...] = Field(min_length=1)
    template: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
    networks: tuple[Network, ...] | None = None
    thread: bool = False
    day_bound: bool | None = None
    image: EntryImage | None = None
    card: bool = False

    _check = field_validator("time", mode="before")(_check_time)


class ScheduleFile(_Model):
    """The whole file as written, before dates and groups are resolved."""

    schema_: int = Field(alias="schema")
    templates: str | None = None
    pledges: str | None = None  # the suggested pledges' file, in this file's folder
    campaign: Campaign
    audiences: tuple[Audience, ...] = Field(min_length=1)
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    entries: tuple[Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Occurrence:
    """An entry placed on the calendar: its date and time in its own timezone."""

    entry: Entry
    due: datetime
    audiences: tuple[str, ...]
    networks: tuple[str, ...]
    day_bound: bool


@dataclass(frozen=True)
class Schedule:
    """A checked schedule: campaign metadata, audiences and entries with resolved dates."""

    path: Path
    campaign: Campaign
    audiences: tuple[Audience, ...]
    groups: dict[str, tuple[str, ...]]
    entries: tuple[Entry, ...]
    occurrences: tuple[Occurrence, ...]
    template_dir: Path | None = None
    # the year the file's calendar is written for (campaign.year as read); ``campaign.year`` is
    # the year it runs in, another one when load_schedule(year=...) moved the calendar
    file_year: int | None = None
    pledges: Pledges | None = None  # the suggested pledges per audience, when the file names them

    @property
    def year(self) -> int:
        """The year the calendar runs in: the file's own, or the one it was moved to."""
        return self.campaign.year

    @property
    def moved_to(self) -> int | None:
        """The year the calendar was moved to; None when it runs in the file's own year."""
        if self.file_year is None or self.file_year == self.campaign.year:
            return None
        return self.campaign.year

    @cached_property
    def audience_by_id(self) -> dict[str, Audience]:
        """Audiences keyed by id."""
        return {a.id: a for a in self.audiences}

    @cached_property
    def occurrence_by_id(self) -> dict[str, Occurrence]:
        """Occurrences keyed by entry id."""
        return {o.entry.id: o for o in self.occurrences}

    def select(
        self,
        *,
        entries: Iterable[str] = (),
        months: Iterable[int] = (),
        day: date | None = None,
        audiences: Iterable[str] = (),
    ) -> Iterator[Occurrence]:
        """Occurrences in date order, narrowed to the entries, months, day and audiences given."""
        wanted_entries, wanted_months = set(entries), set(months)
        wanted_audiences = self.expand_audiences(audiences) if audiences else set()
        for occ in self.occurrences:
            if wanted_entries and occ.entry.id not in wanted_entries:
                continue
            if wanted_months and occ.due.month not in wanted_months:
                continue
            if day is not None and occ.due.date() != day:
                continue
            if wanted_audiences and not wanted_audiences.intersection(occ.audiences):
                continue
            yield occ

    def expand_audiences(self, names: Iterable[str]) -> set[str]:
        """Audience ids named directly or through a group; an unknown name names the choices."""
        from campaign.errors import UsageError

        result: set[str] = set()
        for name in names:
            ids = _expand(name, self.groups, self.audience_by_id)
            if ids is None:
                raise UsageError("audience", name, [*self.audience_by_id, *self.groups])
            result.update(ids)
        return result


def zone_of(name: str) -> ZoneInfo | None:
    """The timezone called ``name`` (an IANA name), None when there is none by that name."""
    # the longest IANA name has 32 characters; a huge one would reach the file system as a
    # path ("File name too long"), and one with NUL or '..' is no name at all
    if not name or len(name) > MAX_TIMEZONE:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _expand(name: str, groups: dict[str, tuple[str, ...]],
            audiences: dict[str, Audience]) -> list[str] | None:
    """The audience ids ``name`` stands for, in order; None when it, or a group it holds, names
    something unknown. (A loop of groups is reported when the schedule is checked.)"""
    if name in audiences:
        return [name]
    if name not in groups:
        return None
    # without recursion, each group opened once: a long chain of groups must not overflow
    # Python's stack, nor groups that share members take exponential time
    result: dict[str, None] = {}
    opened = {name}
    members = [iter(groups[name])]
    while members:
        member = next(members[-1], None)
        if member is None:
            members.pop()
        elif member in audiences:
            result.setdefault(member)
        elif member not in groups:
            return None
        elif member not in opened:
            opened.add(member)
            members.append(iter(groups[member]))
    return list(result)


def _group_loops(groups: dict[str, tuple[str, ...]],
                 audiences: dict[str, Audience]) -> list[list[str]]:
    """Loops of groups (each as the groups it goes through, from the first one written), found
    in one pass over all of them."""
    # depth first without recursion, each group entered once: a long chain of groups must not
    # overflow Python's stack or take quadratic time
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in groups:
        if start in done or start in audiences:
            continue
        path, on_path = [start], {start}
        members = [iter(groups[start])]
        while members:
            member = next(members[-1], None)
            if member is None:
                members.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif member in on_path:
                loops.append(path[path.index(member):])
            elif member in groups and member not in audiences and member not in done:
                path.append(member)
                on_path.add(member)
                members.append(iter(groups[member]))
    return loops


def load_schedule(path: Path | str, *, year: int | None = None,
                  max_bytes: int | None = None) -> Schedule:
    """Load, check and resolve a schedule file; raise ScheduleProblems listing every problem.

    ``year`` moves the calendar to that year (None: the year the file gives, ``campaign.year``):
    fixed dates keep their month and day, month rules their day, relative dates follow their
    anchor, and ``campaign.year`` reads the new year (see schedules/SCHEMA.md, "Another year").

    A file over ``max_bytes`` (default ``CAMPAIGN_MAX_FILE_BYTES``, else 5 MB) is refused unread.
    """
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        # before reading: the file cannot make a year the tool does not handle any better
        raise CampaignError(f"cannot move the calendar of {path} to {year}: the tool handles "
                            f"the years {YEAR_MIN} to {YEAR_MAX}, so choose a year among them")
    source = load_yaml(Path(path), max_bytes)
    if not isinstance(source.data, dict):
        raise ScheduleError(source.path, "must be a YAML mapping with 'schema', 'campaign', "
                            "'audiences' and 'entries'", line=1)
    try:
        parsed = ScheduleFile.model_validate(source.data)
    except ValidationError as exc:
        raise ScheduleProblems(_pydantic_problems(source, exc)) from None
    problems: list[CampaignError] = []
    checker = _Checker(source, parsed, problems, year)
    occurrences = checker.run()
    pledges = None
    if parsed.pledges is not None:
        try:
            pledges = load_pledges(source.path, parsed.pledges, max_bytes=max_bytes,
                                   line=source.line_of(("pledges",)),
                                   languages=parsed.campaign.languages,
                                   audiences=[a.id for a in parsed.audiences])
        except ScheduleProblems as exc:
            problems.extend(exc.problems)
        except CampaignError as exc:
            problems.append(exc)
    if problems:
        raise ScheduleProblems(problems)
    campaign = parsed.campaign
    if checker.year != campaign.year:
        # templates, the calendar's title and every report read campaign.year: the moved year
        campaign = campaign.model_copy(update={"year": checker.year})
    return Schedule(
        path=source.path, campaign=campaign, audiences=parsed.audiences,
        groups=dict(parsed.groups), entries=parsed.entries, occurrences=tuple(occurrences),
        template_dir=(source.path.parent / parsed.templates) if parsed.templates else None,
        file_year=parsed.campaign.year, pledges=pledges,
    )


def _loc_text(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_problems(source: SourceData, exc: ValidationError) -> list[CampaignError]:
    problems: list[CampaignError] = []
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        line = source.line_of(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}': remove it or check its spelling (see SCHEMA.md)"
        elif kind == "missing":
            message = "this required key is missing"
        elif kind == "literal_error":
            message = f"{err['msg'].lower()}, got {err['input']!r}"
        elif kind == "value_error":
            message = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        else:
            message = f"{err['msg'][0].lower()}{err['msg'][1:]}"
            if "input" in err and not isinstance(err["input"], (dict, list)):
                message += f", got {err['input']!r}"
        problems.append(ScheduleError(source.path, message, line=line, key=_loc_text(loc)))
    return problems


def _clean_loc(loc: Sequence[Any]) -> Loc:
    # pydantic adds the member type of a Literal/union to the location; the file has no such level
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("literal[", "tuple[")))


class _Checker:
    """Cross-field checks that the schema alone cannot express."""

    def __init__(self, source: SourceData, parsed: ScheduleFile, problems: list[CampaignError],
                 year: int | None = None):
        self.source, self.parsed, self.problems = source, parsed, problems
        self.camp = parsed.campaign
        self.year = self.camp.year if year is None else year  # the year the calendar runs in
        self.by_id: dict[str, tuple[int, Entry]] = {}

    def fail(self, loc: Loc, problem: str) -> None:
        self.problems.append(ScheduleError(
            self.source.path, problem, line=self.source.line_of(loc), key=_loc_text(loc),
        ))

    def run(self) -> list[Occurrence]:
        self.check_campaign()
        self.check_audiences()
        audiences = {a.id: a for a in self.parsed.audiences}
        self.check_groups(audiences)
        for index, entry in enumerate(self.parsed.entries):
            self.check_entry(index, entry, audiences)
        dates = Dates(self.by_id, written_year=self.camp.year, default_day=self.camp.day,
                      year=self.year, fail=self.fail).resolve()
        occurrences = [self.place(i, e, dates) for i, e in enumerate(self.parsed.entries)
                       if e.id in dates]
        return sorted((o for o in occurrences if o is not None), key=lambda o: (o.due, o.entry.id))

    def check_campaign(self) -> None:
        self.check_timezone(("campaign", "timezone"), self.camp.timezone)
        if self.parsed.templates is not None:
            self.check_templates(self.parsed.templates)
        self.check_localized(("campaign", "name"), self.camp.name)
        if isinstance(self.camp.organiser, dict):
            self.check_localized(("campaign", "organiser"), self.camp.organiser)
        if self.parsed.schema_ != SCHEMA_VERSION:
            self.fail(("schema",), f"schema version {self.parsed.schema_} is not supported: "
                      f"this version of the tool reads schema {SCHEMA_VERSION}")
        from babel import Locale, UnknownLocaleError

        for i, lang in enumerate(self.camp.languages):
            if lang in self.camp.languages[:i]:
                self.fail(("campaign", "languages", i), f"language '{lang}' is listed twice: "
                          "keep one")
                continue
            try:
                Locale.parse(lang)
            except (UnknownLocaleError, ValueError):
                self.fail(("campaign", "languages", i), f"'{lang}' is not a known language code: "
                          "use an ISO 639-1 code such as fr, en or es")

    def check_templates(self, name: str) -> None:
        """The template folder lies inside the schedule's folder (after links), as images do:
        a shared schedule must not make templates come from anywhere else on the machine."""
        shown = name if len(name) <= 60 else name[:60] + "…"
        try:
            root = self.source.path.parent.resolve()
            folder = (root / name).resolve()
        except (OSError, RuntimeError, ValueError):  # a link that loops, a name too long
            self.fail(("templates",), f"template folder '{shown}' cannot be found: give a "
                      "folder next to the schedule file")
            return
        if not folder.is_relative_to(root):
            self.fail(("templates",), f"template folder '{shown}' is {folder}, outside the "
                      f"schedule's folder {root}: keep the templates in a folder next to the "
                      "schedule file and give its relative path")
        elif not folder.is_dir():
            self.fail(("templates",), f"template folder '{shown}' does not exist (it is "
                      "relative to the schedule file)")

    def check_timezone(self, loc: Loc, name: str) -> bool:
        if zone_of(name) is None:
            shown = name if len(name) <= 40 else name[:40] + "…"
            self.fail(loc, f"unknown timezone '{shown}': use an IANA name such as Europe/Zurich")
            return False
        return True

    def check_localized(self, loc: Loc, texts: dict[str, str] | None) -> None:
        if texts is None:
            return
        missing = [lang for lang in self.camp.languages if not texts.get(lang)]
        if missing:
            self.fail(loc, f"has no text for language {', '.join(missing)}: add it")

    def check_audiences(self) -> None:
        first: dict[str, int] = {}
        for index, audience in enumerate(self.parsed.audiences):
            if audience.id in first:
                line = self.source.line_of(("audiences", first[audience.id]))
                self.fail(("audiences", index, "id"), f"duplicate audience id '{audience.id}' "
                          f"(first used at line {line}): give each audience its own id")
            else:
                first[audience.id] = index

    def check_groups(self, audiences: dict[str, Audience]) -> None:
        groups = self.parsed.groups
        for name, members in groups.items():
            if name in audiences:
                self.fail(("groups", name), f"group '{name}' has the name of an audience: rename it")
            for i, member in enumerate(members):
                if member not in audiences and member not in groups:
                    self.fail(("groups", name, i), f"unknown audience or group '{member}'")
        # a group that contains itself, directly or through others, is a mistake
        for loop in _group_loops(groups, audiences):
            self.fail(("groups", loop[0]), f"groups loop: {' -> '.join([*loop, loop[0]])}: a "
                      "group cannot contain itself")

    def check_entry(self, index: int, entry: Entry, audiences: dict[str, Audience]) -> None:
        loc: Loc = ("entries", index)
        if entry.id in self.by_id:
            first = self.source.line_of(("entries", self.by_id[entry.id][0]))
            self.fail((*loc, "id"), f"duplicate entry id '{entry.id}' (first used at line {first}):"
                      " give each entry its own id")
        else:
            self.by_id[entry.id] = (index, entry)
        self.check_localized((*loc, "title"), entry.title)
        self.check_localized((*loc, "action"), entry.action)
        rules = [k for k in ("date", "month", "relative_to") if getattr(entry, k) is not None]
        if len(rules) != 1:
            found = ", ".join(rules) if rules else "none"
            self.fail(loc, f"entry '{entry.id}' needs exactly one date rule among date, month and "
                      f"relative_to (found {found})")
        if entry.day is not None and entry.month is None:
            self.fail((*loc, "day"), "'day' goes with 'month': add a month or use 'date'")
        if entry.timezone is not None:
            self.check_timezone((*loc, "timezone"), entry.timezone)
        for i, name in enumerate(entry.audiences):
            if name not in audiences and name not in self.parsed.groups:
                choices = ", ".join([*audiences, *self.parsed.groups])
                self.fail((*loc, "audiences", i), f"unknown audience '{name}': choose among {choices}")
        if entry.image is not None:
            self.check_image((*loc, "image"), entry.image)
        for i, net in enumerate(entry.networks or ()):
            if net not in self.camp.networks:
                self.fail((*loc, "networks", i), f"network '{net}' is not among the campaign's "
                          f"networks ({', '.join(self.camp.networks)})")

    def check_image(self, loc: Loc, image: EntryImage) -> None:
        from campaign.content.media import MediaError, describe_image, resolve_image

        self.check_localized((*loc, "alt"), image.alt)
        for lang, alt in image.alt.items():
            if len(alt) > ALT_LIMIT:
                self.fail((*loc, "alt", lang), f"is {len(alt)} characters; X takes at most "
                          f"{ALT_LIMIT}: shorten it")
        try:
            describe_image(resolve_image(self.source.path.parent, image.file))
        except MediaError as exc:
            self.fail((*loc, "file"), exc.message)

    def place(self, index: int, entry: Entry, dates: dict[str, date]) -> Occurrence | None:
        tz = zone_of(entry.timezone or self.camp.timezone)
        if tz is None:
            return None
        due = local_due(dates[entry.id], entry.time or self.camp.time, tz)
        audiences = _expand_all(entry.audiences, self.parsed.groups,
                                {a.id: a for a in self.parsed.audiences})
        day_bound = entry.day_bound if entry.day_bound is not None else entry.kind == "observance"
        return Occurrence(entry=entry, due=due, audiences=audiences,
                          networks=tuple(entry.networks or self.camp.networks), day_bound=day_bound)


def _expand_all(names: Iterable[str], groups: dict[str, tuple[str, ...]],
                audiences: dict[str, Audience]) -> tuple[str, ...]:
    result: dict[str, None] = {}
    for name in names:
        for audience_id in _expand(name, groups, audiences) or ():
            result.setdefault(audience_id)
    # keep the schedule's own audience order so output is stable
    order = {audience_id: i for i, audience_id in enumerate(audiences)}
    return tuple(sorted(result, key=order.__getitem__))
