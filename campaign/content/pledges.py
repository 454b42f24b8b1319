"""The guide's suggested Action Pledges for each stakeholder type, kept as data.

A schedule names its pledge file (``pledges: pledges.yaml``, in the schedule's folder). The
January Agir posts show an audience's suggestions and the link to its pledge form; the pledge
features build on the same data. The file comes with shared schedules, so it is read as strictly
as one (see schedules/SCHEMA.md, "Suggested pledges"): bounded like every YAML file
(:mod:`campaign.content.yamlsource`: size, values, no aliases, no tags that build objects),
unknown keys refused, lengths and counts bounded, every text in every language of the campaign,
every audience it names one of the schedule's.

Its ``posts:`` section is the calendar of the posts that tell each pledge's story (announced in
February, progress in June, the mid-year review in July, results and costs in December): dated
like the schedule's entries (``MM-DD``, ``YYYY-MM-DD`` or a month and day), rendered by
:mod:`campaign.pledges.posts` with each pledge's own fields.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from campaign.content.dates import YEAR_MAX, YEAR_MIN
from campaign.content.yamlsource import Loc, SourceData, key_path, load_yaml
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems

PLEDGE_SCHEMA = 1
MAX_SUGGESTIONS = 30  # per stakeholder type; the guide gives at most 11
MAX_TEXT = 400  # characters of one text in one language; the guide's longest is under 200
MAX_URL = 300
MAX_POSTS = 12  # pledge posts in the calendar; the built-in file has four

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Localized = dict[Language, Text]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=MAX_URL)]
AudienceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]
PostId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
# what the schedule's entries take: a template path, a time of day, a date with or without year
Template = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$",
                                            max_length=200)]
Time = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
DateText = Annotated[str, StringConstraints(
    pattern=r"^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$", max_length=10)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmartExample(_Model):
    """How the guide turns a vague pledge into a SMART one (specific, measurable, achievable,
    realistic, time-bound)."""

    vague: Localized
    smart: Localized


class AudiencePledges(_Model):
    """One stakeholder type's pledge form and the pledges the guide suggests to it."""

    form: Url | None = None
    smart_example: SmartExample | None = None
    suggestions: tuple[Localized, ...] = Field(min_length=1, max_length=MAX_SUGGESTIONS)


class PledgePost(_Model):
    """One post of every pledge's story: when it goes out, its template and its title.

    Dated as an entry of the schedule is (exactly one of ``date`` and ``month``, ``day`` with
    ``month``), in the campaign's timezone at ``time`` (the campaign's time when not given), and
    moved with the calendar to another year (``--year``).
    """

    id: PostId
    date: DateText | None = None
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    time: Time | None = None
    template: Template
    title: Localized


class PledgeFile(_Model):
    """The pledge file as written."""

    schema_: int = Field(alias="schema")
    source: Text | None = None
    # the year the suggestions speak of ("by the end of 2021"): a calendar run in another year
    # says its own year there instead
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    form: Url
    audiences: dict[AudienceId, AudiencePledges] = Field(min_length=1)
    posts: tuple[PledgePost, ...] = Field(default=(), max_length=MAX_POSTS)


@dataclass(frozen=True)
class PledgeIdeas:
    """What a post's template sees as ``pledge_ideas``: one audience's, in one language."""

    form: str
    suggestions: tuple[str, ...] = ()
    vague: str = ""  # the SMART example, before and after; "" when the guide gives none
    smart: str = ""


@dataclass(frozen=True)
class Pledges:
    """A checked pledge file: the pledge form and suggestions of each stakeholder type."""

    path: Path
    form: str
    source: str
    audiences: dict[str, AudiencePledges]
    year: int | None = None
    posts: tuple[PledgePost, ...] = ()  # the pledge posts' calendar, in the file's order

    def ideas(self, audience_id: str, language: str, year: int | None = None) -> PledgeIdeas:
        """The audience's form and suggestions in ``language``; only the form when it has none.

        For a calendar run in ``year``, the file's own year in the texts becomes ``year``: a
        2027 post must not invite a pledge "by the end of 2021". Other years in them (a
        "2022-2025" plan, the SDG's 2025) are left as written.
        """
        found = self.audiences.get(audience_id)
        if found is None:
            return PledgeIdeas(form=self.form)
        example = found.smart_example
        said = self.year

        def text(value: str) -> str:
            if said is None or year is None or year == said:
                return value
            return re.sub(rf"(?<![0-9]){said}(?![0-9])", str(year), value)

        return PledgeIdeas(
            form=found.form or self.form,
            suggestions=tuple(text(s[language]) for s in found.suggestions),
            vague=text(example.vague[language]) if example else "",
            smart=text(example.smart[language]) if example else "",
        )


def load_pledges(schedule: Path, name: str, *, languages: Sequence[str],
                 audiences: Collection[str], line: int | None = None,
                 max_bytes: int | None = None) -> Pledges:
    """Load and check pledge file ``name`` that ``schedule`` names (at ``line``, its 'pledges'
    key); raise ScheduleProblems listing every problem, or ScheduleError when it cannot be read."""
    source = load_yaml(_inside(schedule, name, line), max_bytes)
    if not isinstance(source.data, dict):
        raise ScheduleError(source.path, "must be a YAML mapping with 'schema', 'form' and "
                            "'audiences'", line=1)
    try:
        parsed = PledgeFile.model_validate(source.data)
    except ValidationError as exc:
        raise ScheduleProblems([_problem(source, err) for err in exc.errors()]) from None
    problems: list[CampaignError] = []

    def fail(loc: Loc, problem: str) -> None:
        problems.append(ScheduleError(source.path, problem, line=source.line_of(loc),
                                      key=key_path(loc)))

    def localized(loc: Loc, texts: dict[str, str]) -> None:
        missing = [lang for lang in languages if not texts.get(lang)]
        if missing:
            fail(loc, f"has no text for language {', '.join(missing)}: add it")

    if parsed.schema_ != PLEDGE_SCHEMA:
        fail(("schema",), f"pledge file schema {parsed.schema_} is not supported: this version "
             f"of the tool reads schema {PLEDGE_SCHEMA}")
    for audience_id, pledges in parsed.audiences.items():
        loc: Loc = ("audiences", audience_id)
        if audience_id not in audiences:
            fail(loc, f"unknown audience '{audience_id}': the schedule's audiences are "
                 f"{', '.join(audiences)}")
        for index, suggestion in enumerate(pledges.suggestions):
            localized((*loc, "suggestions", index), suggestion)
        if pledges.smart_example is not None:
            localized((*loc, "smart_example", "vague"), pledges.smart_example.vague)
            localized((*loc, "smart_example", "smart"), pledges.smart_example.smart)
    seen: dict[str, int] = {}
    for index, post in enumerate(parsed.posts):
        loc = ("posts", index)
        if post.id in seen:
            fail((*loc, "id"), f"duplicate post id '{post.id}' (first used at line "
                 f"{source.line_of(('posts', seen[post.id]))}): give each post its own id")
        seen.setdefault(post.id, index)
        localized((*loc, "title"), post.title)
        for where, problem in _post_date_problems(post, parsed.year):
            fail((*loc, *where), problem)
    if problems:
        raise ScheduleProblems(problems)
    return Pledges(path=source.path, form=parsed.form, source=parsed.source or "",
                   audiences=dict(parsed.audiences), year=parsed.year, posts=parsed.posts)


def _post_date_problems(post: PledgePost, year: int | None) -> list[tuple[Loc, str]]:
    """What is wrong with a pledge post's date rule, each at its key: one rule among ``date``
    and ``month``, ``day`` only with ``month``, a day the month has (29 February only when
    the file's year, or any leap year without one, has it)."""
    rules = [k for k in ("date", "month") if getattr(post, k) is not None]
    if len(rules) != 1:
        found = ", ".join(rules) if rules else "none"
        return [((), f"post '{post.id}' needs exactly one date rule among date and month "
                 f"(found {found})")]
    if post.day is not None and post.month is None:
        return [(("day",), "'day' goes with 'month': add a month or use 'date'")]
    written = year or 2000  # a leap year: 02-29 is refused only when the file's year lacks it
    try:
        if post.date is not None:
            parts = [int(p) for p in post.date.split("-")]
            date(*(parts if len(parts) == 3 else [written, *parts]))
        elif post.month is not None:
            date(written, post.month, post.day or 1)
    except ValueError:
        where: Loc = ("date",) if post.date is not None else ("day",)
        return [(where, f"impossible date in {written}: give a real month and day")]
    return []


def _inside(schedule: Path, name: str, line: int | None) -> Path:
    """The pledge file's path, refused unless it lies in the schedule's folder (after links), as
    images and templates must: a shared schedule cannot make the tool read a file elsewhere."""
    where = f"pledge file '{name[:60]}'"
    posix = PurePosixPath(name.replace("\\", "/"))
    if not name or "\x00" in name or posix.is_absolute() or ".." in posix.parts \
            or PureWindowsPath(name).drive:
        raise ScheduleError(schedule, f"{where} must be a path relative to the schedule file, "
                            "inside its folder, e.g. pledges.yaml", line=line, key="pledges")
    try:
        root = schedule.parent.resolve()
        path = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):  # a link that loops, a name too long
        raise ScheduleError(schedule, f"{where} cannot be found: give a file next to the "
                            "schedule file", line=line, key="pledges") from None
    if not path.is_relative_to(root):
        raise ScheduleError(schedule, f"{where} is {path}, outside the schedule's folder "
                            f"{root}: copy it next to the schedule file", line=line, key="pledges")
    # said here, at the schedule's 'pledges' line, rather than as a bare "file not found" about
    # a path the reader never typed (the read below still refuses what is not a regular file)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ScheduleError(schedule, f"{where} does not exist: give a file in the schedule's "
                            "folder (the path is relative to the schedule file)", line=line,
                            key="pledges") from None
    except OSError as exc:
        raise ScheduleError(schedule, f"{where} cannot be read ({exc.strerror}): give a file "
                            "next to the schedule file", line=line, key="pledges") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ScheduleError(schedule, f"{where} is {kind}: give a YAML file in the schedule's "
                            "folder, e.g. pledges.yaml", line=line, key="pledges")
    return path


def _problem(source: SourceData, err: ErrorDetails) -> CampaignError:
    # a key's own error is located at the key: pydantic adds a "[key]" level the file lacks
    loc: Loc = tuple(p for p in err["loc"] if p != "[key]")
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}': remove it or check its spelling (see SCHEMA.md)"
    elif err["type"] == "missing":
        message = "this required key is missing"
    else:
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}"
        if "input" in err and not isinstance(err["input"], dict | list):
            shown = str(err["input"])
            message += f", got {shown[:60]!r}" + ("…" if len(shown) > 60 else "")
    return ScheduleError(source.path, message, line=source.line_of(loc), key=key_path(loc))
