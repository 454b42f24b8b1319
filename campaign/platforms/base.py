"""What every network provides: the Publisher interface, the outcomes the runner and the
collectors know how to handle (error classes), identities, and small helpers shared by the
publishers. (Collectors implement ``campaign.tracking.collect.Source``.)"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from campaign.platforms.credentials import redact

# one app.bsky.richtext.facet record, as JSON: {"index": {"byteStart", "byteEnd"},
# "features": [{"$type", "uri" | "tag" | "handle" and "did"}]}
AtprotoFacet = dict[str, Any]
# one attachment as planned: an image {"type": "image", "path", "alt", "mime", "width", "height"}
# or a link card {"type": "card", "uri", "title", "description"}
Media = dict[str, Any]


@dataclass(frozen=True)
class Claimed:
    """A post claimed for publication, with what a publisher needs; plain values (times aware
    UTC), detached from any database session."""

    id: int
    idempotency_key: str
    post_key: str
    network: str
    account_id: int
    handle: str
    credentials_ref: str
    base_url: str
    language: str
    text: str
    parts: tuple[str, ...]
    facets: list[list[AtprotoFacet]]  # one list per part (empty off Bluesky)
    due_at: datetime
    timezone: str
    day_bound: bool
    deadline_at: datetime | None
    attempts: int
    created_at: datetime
    kind: str = "post"
    target: str | None = None
    media: list[Media] = field(default_factory=list)
    link_card: bool = False
    first_attempt_at: datetime | None = None
    account_settings: dict[str, Any] = field(default_factory=dict)
    # True when an earlier attempt may have reached the network (whatever ``attempts`` says: a
    # rate limit or `queue retry` gives attempts back): publishers then look before sending
    tried_before: bool = True



class Published(NamedTuple):
    """Where a post now lives on its network."""

    remote_id: str
    url: str = ""


class PublishError(Exception):
    """A publication that did not happen; subclasses tell the runner what to do next."""

    def __init__(self, message: str) -> None:
        message = redact(message)  # a library may echo a token back in its error text
        super().__init__(message)
        self.message = message


class Transient(PublishError):
    """A timeout or server error: try again later with back-off."""


class RateLimited(PublishError):
    """The server said to wait: try again at ``reset_at`` (aware UTC), not before."""

    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class AuthFailed(PublishError):
    """The account's credentials were refused: stop that account, do not retry."""


class Refused(PublishError):
    """The network refused this post for good (duplicate content, too long): fail it."""


class DestinationFailed(PublishError):
    """The destination itself cannot take posts (disk full, I/O error, not a file): stop the run.

    Every other post would fail the same way, so the runner stops instead of going on.
    ``went_out`` False means the post provably did not go out (it goes back to the queue);
    None means nobody can tell (it stays for reconciliation).
    """

    def __init__(self, message: str, *, exit_code: int = 1, went_out: bool | None = False) -> None:
        super().__init__(message)
        self.exit_code, self.went_out = exit_code, went_out


@dataclass(frozen=True)
class Identity:
    """Who an account is on its network, as the network says after signing in."""

    handle: str
    user_id: str
    display_name: str = ""
    url: str = ""
    # what the network told us that the planner needs (a Mastodon instance's limits, say)
    settings: dict[str, Any] = field(default_factory=dict)


def reset_time(epoch_seconds: float | str | None) -> datetime | None:
    """A rate-limit reset given in Unix seconds, as an aware UTC datetime."""
    if epoch_seconds in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(epoch_seconds), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


_LINK = re.compile(r"https?://\S+")
# our clock against the network's, when telling posts made since an attempt from older ones
CLOCK_SKEW = timedelta(minutes=10)


def without_links(text: str) -> str:
    """Text as comparable across networks that rewrite links (t.co, HTML): links dropped,
    whitespace collapsed."""
    return " ".join(_LINK.sub(" ", text).split())


def attempted_since(post: Claimed) -> datetime:
    """The moment (aware UTC) after which a post made by the account may be this post."""
    return (post.first_attempt_at or post.created_at) - CLOCK_SKEW


def images(post: Claimed) -> list[Media]:
    """The images to attach to a post's first part (its media also holds a link card)."""
    return [m for m in post.media if m.get("type", "image") == "image"]


def image_bytes(media: Media) -> bytes:
    """The planned image, checked again; one that changed since planning refuses the post."""
    from campaign.content.media import MediaError, read_image

    try:
        return read_image(media["path"])
    except MediaError as exc:
        raise Refused(exc.message) from None


def card(post: Claimed) -> Media | None:
    """The link card of a post, when its entry asks for one."""
    return next((m for m in post.media if m.get("type") == "card"), None) if post.link_card \
        else None


class Publisher(Protocol):
    """Sends a claimed post out, and can tell whether a post already went out."""

    def publish(self, post: Claimed) -> Published:
        """Send the post (every part of a thread) or raise a PublishError."""
        ...

    def lookup(self, post: Claimed) -> Published | None:
        """The post if it is already on the network (found by its idempotency key), else None."""
        ...

    def whoami(self) -> Identity:
        """Sign in and say who the account is; raise AuthFailed when the credentials are refused."""
        ...

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Remove a published post (every part of a thread) from the network."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
