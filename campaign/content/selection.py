"""Which posts of a schedule a person asked for, and those posts rendered.

One place turns "this schedule, in this year, with these templates and this sender, for these
audiences, languages, networks, months, entries or day" into occurrences and posts: the
``calendar``, ``render``, ``export``, ``kit`` and ``queue plan`` commands call it, and so will the
web dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from campaign.content.render import RenderedPost, Renderer
from campaign.content.schedule import Occurrence, Schedule
from campaign.errors import UsageError


@dataclass(frozen=True)
class Source:
    """Where posts come from: a schedule file (None: the built-in one), the year to run it in
    (None: the schedule's own), template folders searched first, and who is posting."""

    schedule_path: Path | None = None
    year: int | None = None
    template_dirs: tuple[Path, ...] = ()
    profile_path: Path | None = None
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """Which posts of a schedule: every filter left empty keeps everything."""

    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    months: tuple[int, ...] = ()
    entries: tuple[str, ...] = ()
    day: date | None = None


def load(path: Path | None, year: int | None = None) -> Schedule:
    """The schedule at ``path`` (the built-in campaign when None), run in ``year`` if given."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    return load_schedule(path or builtin_schedule(), year=year)


def renderer(source: Source) -> Renderer:
    """A renderer of the source's schedule with its templates and sender's profile."""
    from campaign.content.profile import load_profile

    return Renderer(load(source.schedule_path, source.year), template_dirs=source.template_dirs,
                    profile=load_profile(source.profile_path, source.variables))


def check_languages(schedule: Schedule, languages: Sequence[str]) -> None:
    """Refuse a language the campaign does not speak, naming those it does."""
    for lang in languages:
        if lang not in schedule.campaign.languages:
            raise UsageError("language", lang, schedule.campaign.languages)


def occurrences(schedule: Schedule, selection: Selection) -> list[Occurrence]:
    """The occurrences the selection keeps, in date order; an unknown entry, audience or language
    names the choices."""
    for entry in selection.entries:
        if entry not in schedule.occurrence_by_id:
            raise UsageError("entry", entry, list(schedule.occurrence_by_id))
    check_languages(schedule, selection.languages)
    found = schedule.select(entries=selection.entries, months=selection.months,
                            day=selection.day, audiences=selection.audiences)
    wanted = set(selection.networks)
    return [o for o in found if not wanted or wanted.intersection(o.networks)]


def posts(renderer: Renderer, selection: Selection) -> list[RenderedPost]:
    """Every post the selection keeps, rendered and checked; the first problem stops it."""
    return list(renderer.posts(occurrences(renderer.schedule, selection),
                               audiences=selection.audiences, languages=selection.languages,
                               networks=selection.networks))
