"""A publisher for tests and benchmarks: answers at once (or after a set delay), keeps what it got,
and can be told to fail in each of the ways a real network fails."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from campaign.platforms.base import Claimed, Identity, Published, PublishError


class MemoryPublisher:
    """Records every publication; ``fail`` may raise a PublishError for a given post."""

    def __init__(self, delay: float = 0.0,
                 fail: Callable[[Claimed], PublishError | None] | None = None) -> None:
        self.delay = delay
        self.fail = fail
        self.sent: Counter[str] = Counter()
        self.calls = 0
        self._lock = threading.Lock()

    def publish(self, post: Claimed) -> Published:
        """Count the post as sent, unless ``fail`` says otherwise."""
        with self._lock:
            self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None and (error := self.fail(post)) is not None:
            raise error
        with self._lock:
            self.sent[post.idempotency_key] += 1
        return Published(remote_id=f"mem:{post.id}")

    def lookup(self, post: Claimed) -> Published | None:
        """Whether the post was already sent."""
        with self._lock:
            return Published(f"mem:{post.id}") if self.sent[post.idempotency_key] else None

    def whoami(self) -> Identity:
        """The memory stands in for any account."""
        return Identity(handle="memory", user_id="memory")

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Nothing is on a network, so there is nothing to delete."""

    def close(self) -> None:
        """Nothing to release."""
