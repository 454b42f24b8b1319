"""SQLAlchemy models of the publication queue: accounts, posts and their append-only event log.

Times are stored as naive UTC (SQLite has no timezone type); each post keeps the IANA name of the
timezone it was planned in, so its local due time can always be rebuilt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KINDS = ("post", "repost", "quote")
STATUSES = ("draft", "approved", "scheduled", "publishing", "published", "failed", "missed",
            "cancelled", "deleted")
DISPATCHABLE = ("approved", "scheduled")


def dispatchable(require_review: bool) -> tuple[str, ...]:
    """The statuses a runner sends: only approved ones when review is required."""
    return ("approved",) if require_review else DISPATCHABLE


FINAL = ("published", "failed", "missed", "cancelled", "deleted")


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
    removed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Post(Base):
    """One post of the campaign on one account; at most one row per idempotency key."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_dispatch", "status", "due_at"),
        Index("ix_posts_lease", "status", "lease_expires_at"),
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
    kind: Mapped[str] = mapped_column(String(16), server_default="post")
    target: Mapped[str | None] = mapped_column(String(500), default=None)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    parts_json: Mapped[str] = mapped_column(Text)
    facets_json: Mapped[str] = mapped_column(Text, default="[]")
    # images of the first part: [{"path", "alt", "mime", "width", "height"}]
    media_json: Mapped[str] = mapped_column(Text, default="[]")
    link_card: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    day_bound: Mapped[bool] = mapped_column(Boolean, default=False)
    # the last moment a day-bound post may go out (end of its local day); None: grace applies
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    status: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # set by the first claim and never changed: what a network record's createdAt is frozen to
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_url: Mapped[str | None] = mapped_column(String(500), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """An append-only record of one state change of one post."""

    __tablename__ = "post_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
