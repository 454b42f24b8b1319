"""A small, realistic year of tracked posts, stored on each backend: what the report and the
story are built from end to end (the fixture ``report_db``, the database's URL).

Three networks, three languages, every kind of post, a few hashtags, authors matched to pledges
of two stakeholder types and countries (and a pledger who never posts), posts on 12 June (World
Day Against Child Labour), and hostile texts where a post, an author or a hashtag lands."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.store import NewPledge, PledgeStore
from campaign.tracking.records import Author, Observation, PostKind, Relation
from campaign.tracking.store import TrackStore
from tests.conftest import make_migrated
from tests.pledges.conftest import PLEDGE
from tests.reports.sample import HOSTILE, HOSTILE_TAG, SCRIPT

TAG = "endchildlabour2021"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
# author id -> (network, handle, display name, followers, language)
AUTHORS: dict[str, tuple[str, str, str, int, str]] = {
    "101": ("x", "TravailSN", "Ministère du Travail", 15000, "fr"),
    "102": ("x", "ngo_voice", f"NGO {SCRIPT}", 4200, "en"),
    "103": ("x", "lector", "Lectora", 800, "es"),
    "acme@mastodon.social": ("mastodon", "acme@mastodon.social", "Acme Corp", 2500, "en"),
    "eve@mastodon.social": ("mastodon", "eve@mastodon.social", HOSTILE, 120, "fr"),
    DID: ("bluesky", "carol.bsky.social", "Carol", 950, "en"),
}
PLEDGES: list[dict[str, Any]] = [
    {"handles": {"x": "@TravailSN"}},
    {"name": "Acme Corp", "audience": "org-business", "country": "FR", "language": "en",
     "title": "Zero child labour in our supply chain by 2025",
     "handles": {"mastodon": "@acme@mastodon.social"}},
    {"name": "Silent Partners", "handles": {"x": "@nobody_posts"}, "country": "BR"},
]


def observations() -> list[Observation]:
    """The year's posts: a few a month, more in June, every kind and network."""
    found: list[Observation] = []
    ids = sorted(AUTHORS)
    n = 0
    for month in range(1, 13):
        for k in range(3 + (6 if month == 6 else 0) + month % 3):
            n += 1
            author_id = ids[(n * 7 + k) % len(ids)]
            network, handle, name, followers, language = AUTHORS[author_id]
            day = date(2021, 6, 12) if month == 6 and k < 5 else date(2021, month, 1 + k * 2)
            created = datetime(day.year, day.month, day.day, 9, n % 60, tzinfo=UTC)
            kind = (PostKind.ORIGINAL, PostKind.ORIGINAL, PostKind.REPOST, PostKind.REPLY,
                    PostKind.QUOTE)[n % 5]
            relations = () if kind == PostKind.ORIGINAL else (Relation(kind, f"{network}-0"),)
            tags: tuple[str, ...] = (TAG,) + (("childlabour",) if n % 2 else ()) + \
                ((HOSTILE_TAG,) if n % 11 == 0 else ()) + (("wdacl",) if month == 6 else ())
            text = {3: HOSTILE, 4: SCRIPT}.get(n, f"Post {n} #EndChildLabour2021")
            found.append(Observation(
                network=network, remote_id=f"{network}-{n}",
                author=Author(network, author_id, handle, display_name=name,
                              followers=followers),
                created_at=created, text=text, read_at=created + timedelta(days=1), kind=kind,
                url=f"https://example.org/{network}/{n}", language=language, hashtags=tags,
                relations=relations,
                metrics={"likes": n % 13, "reposts": n % 5, "replies": n % 3, "quotes": n % 2,
                         **({"impressions": 100 * n} if network == "x" else {})},
                raw={"id": n}))
    return found


def store_year(url: str, schedule: Schedule) -> None:
    """Store the pledges and the year's posts in the migrated database at ``url``."""
    pledges = PledgeStore(url)
    rules = FormRules.from_schedule(schedule, today=date(2021, 3, 1))
    try:
        for changes in PLEDGES:
            data = copy.deepcopy(PLEDGE)
            data.update(changes)
            form = validate_form(data, rules)
            pledges.add(NewPledge(form=form, kind=rules.audiences[form.audience]))
    finally:
        pledges.close()
    tracks = TrackStore(url)
    try:
        tracks.save_posts("fixture", observations())
    finally:
        tracks.close()


@pytest.fixture
def report_db(request: pytest.FixtureRequest, database_url: str,
              schedule: Schedule) -> Iterator[str]:
    """The URL of a migrated database holding the year's pledges and posts (each backend)."""
    make_migrated(request, database_url)
    store_year(database_url, schedule)
    yield database_url


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    """The URL of a migrated database with no post at all."""
    make_migrated(request, database_url)
    yield database_url
