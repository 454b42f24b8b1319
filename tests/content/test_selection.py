"""Which posts a selection keeps, as calendar, render, export, kit and queue plan ask for them."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.content import selection
from campaign.content.render import Renderer
from campaign.content.schedule import Schedule
from campaign.content.selection import Selection, Source
from campaign.errors import UsageError


def test_filters_narrow_occurrences_and_posts(schedule: Schedule, renderer: Renderer) -> None:
    chosen = Selection(audiences=("individual",), languages=("fr",), networks=("bluesky",),
                       months=(6,))
    occurrences = selection.occurrences(schedule, chosen)
    assert [o.entry.id for o in occurrences] == ["indiv-06-webinar",
                                                 "world-day-against-child-labour",
                                                 "indiv-06-pledge-progress"]
    posts = selection.posts(renderer, chosen)
    assert {(p.audience, p.language, p.network) for p in posts} == {("individual", "fr", "bluesky")}
    assert len(posts) == 3


def test_a_day_keeps_that_day_only(renderer: Renderer) -> None:
    posts = selection.posts(renderer, Selection(day=date(2021, 6, 12), languages=("en",),
                                                networks=("x",), audiences=("individual",)))
    assert [p.entry_id for p in posts] == ["world-day-against-child-labour"]


@pytest.mark.parametrize(("chosen", "needle"), [
    pytest.param(Selection(entries=("no-such-entry",)), "unknown entry 'no-such-entry'",
                 id="entry"),
    pytest.param(Selection(languages=("de",)), "unknown language 'de'", id="language"),
    pytest.param(Selection(audiences=("martians",)), "unknown audience 'martians'", id="audience"),
])
def test_an_unknown_name_names_the_choices(schedule: Schedule, chosen: Selection,
                                           needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        selection.occurrences(schedule, chosen)


def test_a_source_in_another_year_moves_the_calendar() -> None:
    renderer = selection.renderer(Source(year=2027, variables=("name=Amina",)))
    posts = selection.posts(renderer, Selection(entries=("world-day-against-child-labour",),
                                                languages=("en",), networks=("x",)))
    assert posts and {p.due.date() for p in posts} == {date(2027, 6, 12)}
    assert renderer.profile.name == "Amina"
