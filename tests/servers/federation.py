"""Three Mastodon doubles that federate: each sees the public posts of the others it follows.

A status posted on one instance is delivered to the others it names (`seen_by`): there it gets
ANOTHER local id (a snowflake of its arrival, so ids grow with time on every instance), keeps its
`uri` and `url`, and its account reads `user@origin-domain`, as ActivityPub delivery does. So a
tracker reading the same tag on three instances meets one post under three ids and one uri.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Self

import pytest

from .mastodon import MastodonDouble


class Federation:
    """`size` started MastodonDouble instances (`instances[i]`) that deliver to one another."""

    def __init__(self, size: int = 3, **options: Any) -> None:
        self.instances = [MastodonDouble(**options) for _ in range(size)]

    def __enter__(self) -> Self:
        for instance in self.instances:
            instance.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for instance in self.instances:
            instance.stop()

    def post(self, origin: int, username: str, text: str, *, seen_by: Iterable[int] | None = None,
             at: float | None = None, delay: float = 0.5, **fields: Any) -> dict[str, Any]:
        """Post on `instances[origin]` as `username` (made if new) `at` (default now) and deliver
        it `delay` seconds later to `seen_by` (default: every other instance); returns the status
        as its origin renders it."""
        at = time.time() if at is None else at
        status = self.instances[origin].add_status(username, text, at=at, **fields)
        self.deliver(origin, status["id"], seen_by, at=at + delay)
        return status

    def deliver(self, origin: int, status_id: str, to: Iterable[int] | None = None, *,
                at: float | None = None) -> list[dict[str, Any]]:
        """Send a status of `instances[origin]` to others (default: all); their local copies."""
        rendered = self.instances[origin].status_json(status_id)
        targets = [i for i in range(len(self.instances)) if i != origin] if to is None else to
        return [self.instances[i].receive(rendered, at=at) for i in targets if i != origin]

    def errors(self) -> list[Exception]:
        """Every handler error of every instance (tests assert it empty)."""
        return [e for instance in self.instances for e in instance.errors]


@pytest.fixture
def federation() -> Iterator[Federation]:
    """Three federated Mastodon instances on 127.0.0.1, started and stopped around the test."""
    with Federation(3) as started:
        yield started
        assert started.errors() == []
