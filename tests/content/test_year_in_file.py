"""Editing ``campaign.year`` in the built-in schedule moves its whole calendar, as ``--year`` does:
its observance days are written as MM-DD, so no date stays behind in 2021."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from campaign.content.resources import builtin_schedule
from campaign.content.schedule import load_schedule


@pytest.fixture(scope="module")
def built_in_2027(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built-in schedule folder whose file says ``year: 2027``."""
    folder = tmp_path_factory.mktemp("schedules") / "schedules"
    shutil.copytree(builtin_schedule().parent, folder, ignore=shutil.ignore_patterns("examples"))
    path = folder / builtin_schedule().name
    text = path.read_text(encoding="utf-8")
    assert "  year: 2021\n" in text
    path.write_text(text.replace("  year: 2021\n", "  year: 2027\n", 1), encoding="utf-8")
    return path


def test_every_date_follows_the_year_written_in_the_file(built_in_2027: Path) -> None:
    edited = load_schedule(built_in_2027)
    assert {o.due.year for o in edited.occurrences} == {2027}


def test_the_edited_file_gives_the_calendar_of_year_2027(built_in_2027: Path) -> None:
    edited = load_schedule(built_in_2027)
    moved = load_schedule(builtin_schedule(), year=2027)
    days = sorted((o.entry.id, o.due.isoformat()) for o in edited.occurrences)
    assert days == sorted((o.entry.id, o.due.isoformat()) for o in moved.occurrences)
    world_day = next(o for o in edited.occurrences
                     if o.entry.id == "world-day-against-child-labour")
    assert (world_day.due.month, world_day.due.day) == (6, 12)
