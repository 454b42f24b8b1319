"""SQLAlchemy models of the publication queue: accounts, posts and their append-only event log.

Times are stored as naive UTC (SQLite has no timezone type) and handed out as aware UTC by the
``UTCDateTime`` column type; each post keeps the IANA name of the timezone it was planned in, so
its local due time can always be rebuilt.

A post's life is ``TRANSITIONS``: one table of every move its status may make, which the store
consults before any change; the groups of statuses the rest of the code asks about are derived
from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from campaign.queue.errors import TransitionRefused


class Status(StrEnum):
    """Where a queued post is in its life; stored as its value."""

    DRAFT = "draft"            # planned while review is required: waits for `queue approve`
    APPROVED = "approved"      # reviewed: a runner may send it
    SCHEDULED = "scheduled"    # planned without review: a runner may send it
    PUBLISHING = "publishing"  # claimed by a runner under a lease: in flight
    PUBLISHED = "published"    # on its network
    FAILED = "failed"          # refused for good, or given up after its attempts
    MISSED = "missed"          # its time passed before it could go out
    CANCELLED = "cancelled"    # taken out of the queue by a person
    DELETED = "deleted"        # was published, then removed from its network


S = Status
# Every move a status may make (a move to itself records an edit: new text or time). Creation
# (planning, amplify) makes a draft or a scheduled post. Nothing else is allowed: the store
# refuses any other move, naming the post.
TRANSITIONS: Final[Mapping[Status, frozenset[Status]]] = {
    S.DRAFT: frozenset({S.DRAFT, S.APPROVED, S.MISSED, S.CANCELLED}),
    # an approved post whose text changes needs a new review: back to draft
    S.APPROVED: frozenset({S.APPROVED, S.DRAFT, S.PUBLISHING, S.MISSED, S.CANCELLED}),
    # a scheduled post whose text a person edits becomes a draft: an edit is always reviewed
    S.SCHEDULED: frozenset({S.SCHEDULED, S.APPROVED, S.DRAFT, S.PUBLISHING, S.MISSED,
                            S.CANCELLED}),
    # an outcome; back to approved/scheduled when it did not go out; to itself: a lease taken over
    S.PUBLISHING: frozenset({S.PUBLISHING, S.PUBLISHED, S.FAILED, S.MISSED, S.APPROVED,
                             S.SCHEDULED}),
    S.PUBLISHED: frozenset({S.DELETED}),
    S.FAILED: frozenset({S.APPROVED, S.SCHEDULED, S.CANCELLED}),  # `queue retry`, `queue cancel`
    # rescheduled (an edit of its time, then back in the queue), retried or cancelled
    S.MISSED: frozenset({S.MISSED, S.APPROVED, S.SCHEDULED, S.DRAFT, S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.DELETED: frozenset(),
}
STATUSES: Final = tuple(Status)
# a runner sends these: they can move to publishing
DISPATCHABLE: Final = tuple(s for s in Status if S.PUBLISHING in TRANSITIONS[s] and s != S.PUBLISHING)
# waiting to go out: their time can still pass (they can become missed)
WAITING: Final = tuple(s for s in Status
                       if S.MISSED in TRANSITIONS[s] and s not in (S.MISSED, S.PUBLISHING))
# neither waiting nor in flight: the queue never moves them by itself, only a person does
# (retry, cancel, delete), and planning leaves them alone
FINAL: Final = tuple(s for s in Status if s not in WAITING and s != S.PUBLISHING)
del S


def allowed(status: str) -> frozenset[Status]:
    """The statuses a post in ``status`` may move to."""
    return TRANSITIONS[Status(status)]


def may_move(status: str, to: str) -> bool:
    """True when ``TRANSITIONS`` lets a post move from ``status`` to ``to``."""
    return Status(to) in allowed(status)


def check_move(post_id: int, status: str, to: str) -> None:
    """Refuse, naming the post, a move that ``TRANSITIONS`` does not have."""
    if not may_move(status, to):
        raise TransitionRefused(post_id, status, to, allowed(status))


def dispatchable(require_review: bool) -> tuple[Status, ...]:
    """The statuses a runner sends: only approved ones when review is required."""
    return (Status.APPROVED,) if require_review else DISPATCHABLE


class Kind(StrEnum):
    """What a queued post is: the campaign's own post, or an amplification of ``target``."""

    POST = "post"
    REPOST = "repost"
    QUOTE = "quote"


KINDS: Final = tuple(Kind)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored as naive UTC (as every database of ours always has) and read as aware UTC.

    An aware value is converted to UTC. A naive one is refused: it could mean local time as well
    as UTC, and guessing would shift a post by hours without a word; the error names the value.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware in, naive UTC to the database."""
        if value is None:
            return None
        if value.tzinfo is UTC:  # the common case, on the planner's hot path
            return value.replace(tzinfo=None)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the queue: give an "
                             "aware one (e.g. datetime.now(UTC)) so its moment is known")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Naive UTC from the database, aware UTC out."""
        return None if value is None else value.replace(tzinfo=UTC)


class StatusType(TypeDecorator[Status]):
    """A status column: the enum's value as text; an unknown value is refused before it is written."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """A Status (or its value) to its text."""
        return None if value is None else Status(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Status | None:
        """The text to a Status."""
        return None if value is None else Status(value)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Account(Base):
    """A network account posts go out from; ``credentials_ref`` says where its secret lives."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("network", "handle", name="uq_accounts_network_handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(200))
    credentials_ref: Mapped[str] = mapped_column(String(300), default="")
    base_url: Mapped[str] = mapped_column(String(300), default="")
    disabled_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # what the network told us about itself (a Mastodon instance's limits, the X user id): JSON
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QueuedPost(Base):
    """One post of the campaign on one account; at most one row per idempotency key."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_dispatch", "status", "due_at"),
        Index("ix_posts_lease", "status", "lease_expires_at"),
        # `queue list --month M --limit N`: the month's posts in due order, read from the index
        Index("ix_posts_due_month", "due_month", "due_at", "id"),
        # planning counts the same posts queued on other accounts from this index alone
        Index("ix_posts_post_key", "post_key", "account_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    post_key: Mapped[str] = mapped_column(String(300))
    campaign: Mapped[str] = mapped_column(String(100))
    entry: Mapped[str] = mapped_column(String(100))
    audience: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    network: Mapped[str] = mapped_column(String(16))
    # "post", or an amplification of someone else's post: "repost" or "quote" of ``target``
    # a server default: planning (100,000 rows at a time) leaves the column out of its INSERT
    kind: Mapped[str] = mapped_column(String(16), server_default=Kind.POST.value)
    target: Mapped[str | None] = mapped_column(String(500), default=None)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    parts_json: Mapped[str] = mapped_column(Text)
    facets_json: Mapped[str] = mapped_column(Text, default="[]")
    # images of the first part: [{"path", "alt", "mime", "width", "height"}]
    media_json: Mapped[str] = mapped_column(Text, default="[]")
    link_card: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    # the month (1-12) of due_at on the clocks of ``timezone``, written with due_at: `queue list
    # --month` selects in SQL, and no SQL both databases speak converts between timezones
    due_month: Mapped[int] = mapped_column(Integer)
    day_bound: Mapped[bool] = mapped_column(Boolean, default=False)
    # the last moment a day-bound post may go out (end of its local day); None: grace applies
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[Status] = mapped_column(StatusType)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # set by the first claim and never changed: what a network record's createdAt is frozen to
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_url: Mapped[str | None] = mapped_column(String(500), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    """An append-only record of one state change of one post."""

    __tablename__ = "post_events"
    __table_args__ = (Index("ix_post_events_actor", "post_id", "actor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[Status | None] = mapped_column(StatusType)
    to_status: Mapped[Status] = mapped_column(StatusType)
    actor: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # what an edit changed, as JSON objects of the fields before and after (migration 0007);
    # None on moves that change no field a person wrote (a claim, an outcome)
    before_json: Mapped[str | None] = mapped_column(Text, default=None)
    after_json: Mapped[str | None] = mapped_column(Text, default=None)


# an event whose after-fields hold a text: a person changed the post's words
TEXT_CHANGED: Final = Event.after_json.like('%"text": %')


def wrote_or_edited(actor: str) -> ColumnElement[bool]:
    """The events by which ``actor`` wrote a post (its creation) or changed its words: such a
    post is never theirs to approve."""
    return and_(Event.actor == actor, or_(Event.from_status.is_(None), TEXT_CHANGED))


class AmplifyDecision(Base):
    """One decision of `campaign amplify auto` about one collected post and one account: queued,
    or skipped and why (migration 0006). The audit log the secretariat answers questions from."""

    __tablename__ = "amplify_decisions"
    __table_args__ = (Index("ix_amplify_decisions_account", "account_id", "at"),
                      Index("ix_amplify_decisions_post", "post_ref", "account_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    run: Mapped[str] = mapped_column(String(40))  # one invocation's id
    policy: Mapped[str] = mapped_column(String(300))  # the policy file's name (and digest)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    post_ref: Mapped[int | None] = mapped_column(
        ForeignKey("tracked_posts.id", ondelete="SET NULL"), default=None)
    network: Mapped[str] = mapped_column(String(16))
    remote_id: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(16))  # repost or quote
    decision: Mapped[str] = mapped_column(String(16))  # queued, skipped (or would-queue: dry run)
    reason: Mapped[str] = mapped_column(String(40))  # a code, e.g. not-a-pledger, daily-cap
    detail: Mapped[str] = mapped_column(Text)
    queued_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), default=None)
    dry_run: Mapped[bool] = mapped_column(Boolean)
