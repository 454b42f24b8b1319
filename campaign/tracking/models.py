"""The tracking tables (migration 0005): observed posts, their hashtags, their authors and the
history of what was read about them, a checkpoint per source and stream, and a log of runs.

Every insert is idempotent through a unique key: a post by ``(network, remote_id)``, an author by
``(network, author_id)``, a hashtag by ``(post, tag)``, a checkpoint by ``(source, stream)``. So
collectors may overlap, restart after a kill, or share one PostgreSQL database, and a post is
never stored twice. Hashtags have a table of their own (with the post's time copied in) so a
report counts a tag over a year from one index, without parsing text or JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaign.queue.models import Base, UTCDateTime


class TrackedAuthor(Base):
    """Someone whose posts were observed, with what was last read about them."""

    __tablename__ = "tracked_authors"
    __table_args__ = (UniqueConstraint("network", "author_id", name="uq_tracked_authors_id"),
                      Index("ix_tracked_authors_handle", "network", "handle"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(300))  # X user id, DID, user@instance
    handle: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    followers: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    following: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    posts: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the values above were true
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackedAuthorRead(Base):
    """An author's handle and counts as read at one moment: a row whenever they changed."""

    __tablename__ = "tracked_author_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_ref: Mapped[int] = mapped_column(
        ForeignKey("tracked_authors.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handle: Mapped[str] = mapped_column(String(300))
    followers: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    following: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    posts: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class TrackedPost(Base):
    """One observed post, stored once whoever saw it."""

    __tablename__ = "tracked_posts"
    __table_args__ = (UniqueConstraint("network", "remote_id", name="uq_tracked_posts_id"),
                      Index("ix_tracked_posts_created", "created_at"),
                      Index("ix_tracked_posts_author", "author_ref", "created_at"),
                      Index("ix_tracked_posts_source", "source"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(16))
    remote_id: Mapped[str] = mapped_column(String(500))  # tweet id, at:// URI, ActivityPub uri
    uri: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(500))
    author_ref: Mapped[int] = mapped_column(ForeignKey("tracked_authors.id", ondelete="CASCADE"))
    author_handle: Mapped[str] = mapped_column(String(300))  # as it was when posted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # records.PostKind
    reply_to: Mapped[str | None] = mapped_column(String(500), nullable=True)
    repost_of: Mapped[str | None] = mapped_column(String(500), nullable=True)
    quote_of: Mapped[str | None] = mapped_column(String(500), nullable=True)
    likes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reposts: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    replies: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    quotes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    impressions: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    metrics_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mentions: Mapped[str] = mapped_column(Text)  # JSON list
    links: Mapped[str] = mapped_column(Text)  # JSON list
    raw: Mapped[str] = mapped_column(Text)  # JSON: the record as received
    source: Mapped[str] = mapped_column(String(200))  # the first source that saw it
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackedTag(Base):
    """A hashtag of a post (normalised), with the post's time for reports by period."""

    __tablename__ = "tracked_post_tags"
    __table_args__ = (Index("ix_tracked_post_tags_tag", "tag", "created_at"),)

    post_ref: Mapped[int] = mapped_column(
        ForeignKey("tracked_posts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Checkpoint(Base):
    """Where a source's stream stopped: what it needs to go on without loss or repeats."""

    __tablename__ = "track_checkpoints"
    __table_args__ = (UniqueConstraint("source", "stream", name="uq_track_checkpoints"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    stream: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackRun(Base):
    """One collection or import run of a source: when, how much, and how it ended."""

    __tablename__ = "track_runs"
    __table_args__ = (Index("ix_track_runs_source", "source", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    network: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # RunStatus
    read: Mapped[int] = mapped_column(Integer)
    stored: Mapped[int] = mapped_column(Integer)  # new posts
    updated: Mapped[int] = mapped_column(Integer)  # posts seen again, metrics refreshed
    bad: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text)  # JSON list of the first few problems


class _Counts:
    """The counts both summary tables keep (COUNTS, in order): posts of each kind, what they
    received, the impressions reported and by how many posts, the authors' followers added."""

    n_original: Mapped[int] = mapped_column(Integer)
    n_reply: Mapped[int] = mapped_column(Integer)
    n_repost: Mapped[int] = mapped_column(Integer)
    n_quote: Mapped[int] = mapped_column(Integer)
    likes: Mapped[int] = mapped_column(BigInteger)
    reposts: Mapped[int] = mapped_column(BigInteger)
    replies: Mapped[int] = mapped_column(BigInteger)
    quotes: Mapped[int] = mapped_column(BigInteger)
    impressions: Mapped[int] = mapped_column(BigInteger)
    measured: Mapped[int] = mapped_column(Integer)  # posts whose network reported impressions
    audience: Mapped[int] = mapped_column(BigInteger)  # each post's author's followers, added


class TrackDay(_Counts, Base):
    """The posts of one day (UTC), network and language: every post's when ``tag`` is '', one
    hashtag's otherwise. What a report reads for its time charts and totals, instead of the
    posts (migration 0006), kept up to date in the transaction that stores the posts."""

    __tablename__ = "track_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    network: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)


class TrackAuthorDay(_Counts, Base):
    """One author's posts of one day (UTC) and language, every post's or one hashtag's: what a
    report reads for its contributors, reach and pledgers."""

    __tablename__ = "track_author_days"
    # no index but the key: a report reads a tag's days (and an author list filters them);
    # a second index would cost every stored post's every hashtag one more write
    __table_args__ = ({"sqlite_with_rowid": False},)

    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    author_ref: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    network: Mapped[str] = mapped_column(String(16))


AUTHORS = cast(Table, TrackedAuthor.__table__)
AUTHOR_HISTORY = cast(Table, TrackedAuthorRead.__table__)
POSTS = cast(Table, TrackedPost.__table__)
TAGS = cast(Table, TrackedTag.__table__)
CHECKPOINTS = cast(Table, Checkpoint.__table__)
RUNS = cast(Table, TrackRun.__table__)
DAYS = cast(Table, TrackDay.__table__)
AUTHOR_DAYS = cast(Table, TrackAuthorDay.__table__)
# the counts both summary tables add up, in their order
COUNTS = ("n_original", "n_reply", "n_repost", "n_quote", "likes", "reposts", "replies", "quotes",
          "impressions", "measured", "audience")
