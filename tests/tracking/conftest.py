"""Fixtures of the tracking tests: a migrated TrackStore on each backend, and posts to store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from campaign.tracking.records import Author, Observation, PostKind, Relation
from campaign.tracking.store import TrackStore

T0 = datetime(2021, 6, 12, 8, 0, tzinfo=UTC)


@pytest.fixture
def tracks(request: pytest.FixtureRequest, database_url: str) -> Iterator[TrackStore]:
    """A migrated TrackStore on the test's backend (SQLite, then PostgreSQL)."""
    from tests.conftest import make_migrated

    make_migrated(request, database_url)
    db = TrackStore(database_url)
    yield db
    db.close()


def make_post(n: int, *, network: str = "x", author: str = "1", handle: str = "alice",
              followers: int | None = 10, tags: tuple[str, ...] = ("endchildlabour2021",),
              read_at: datetime = T0, kind: PostKind = PostKind.ORIGINAL,
              relations: tuple[Relation, ...] = (), metrics: dict[str, int] | None = None,
              **extra: Any) -> Observation:
    """An observed post with sensible defaults, numbered ``n``."""
    return Observation(
        network=network, remote_id=str(n),
        author=Author(network, author, handle, followers=followers),
        created_at=T0 - timedelta(minutes=n), text=f"post {n} #EndChildLabour2021",
        read_at=read_at, kind=kind, hashtags=tags, relations=relations,
        metrics={"likes": 1} if metrics is None else metrics, raw={"id": str(n)}, **extra)


@pytest.fixture
def post() -> Callable[..., Observation]:
    """make_post, as a fixture."""
    return make_post
