"""Fixtures of the tracking tests: a migrated TrackStore on each backend, and posts to store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from campaign.tracking.records import Author, Observation, PostKind, Relation

T0 = datetime(2021, 6, 12, 8, 0, tzinfo=UTC)


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
