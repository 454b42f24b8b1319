"""The publisher interface and the outcomes the runner knows how to handle."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from campaign.store import Claimed


class Published(NamedTuple):
    """Where a post now lives on its network."""

    remote_id: str
    url: str = ""


class PublishError(Exception):
    """A publication that did not happen; subclasses tell the runner what to do next."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Transient(PublishError):
    """A timeout or server error: try again later with back-off."""


class RateLimited(PublishError):
    """The server said to wait: try again at ``reset_at`` (naive UTC), not before."""

    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class AuthFailed(PublishError):
    """The account's credentials were refused: stop that account, do not retry."""


class Refused(PublishError):
    """The network refused this post for good (duplicate content, too long): fail it."""


class Publisher(Protocol):
    """Sends a claimed post out, and can tell whether a post already went out."""

    def publish(self, post: Claimed) -> Published:
        """Send the post (every part of a thread) or raise a PublishError."""
        ...

    def lookup(self, post: Claimed) -> Published | None:
        """The post if it is already on the network (found by its idempotency key), else None."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
