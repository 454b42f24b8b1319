"""Hashtag tracking: observed posts, their hashtags and authors, checkpoints and runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the six tracking tables and their indexes."""
    op.create_table(
        "tracked_authors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(300), nullable=False),
        sa.Column("handle", sa.String(300), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("following", sa.BigInteger(), nullable=True),
        sa.Column("posts", sa.BigInteger(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("network", "author_id", name="uq_tracked_authors_id"),
    )
    op.create_index("ix_tracked_authors_handle", "tracked_authors", ["network", "handle"])
    op.create_table(
        "tracked_author_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("author_ref", sa.Integer(),
                  sa.ForeignKey("tracked_authors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("handle", sa.String(300), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("following", sa.BigInteger(), nullable=True),
        sa.Column("posts", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_tracked_author_history_author_ref", "tracked_author_history",
                    ["author_ref"])
    op.create_table(
        "tracked_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(500), nullable=False),
        sa.Column("uri", sa.String(500), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("author_ref", sa.Integer(),
                  sa.ForeignKey("tracked_authors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_handle", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reply_to", sa.String(500), nullable=True),
        sa.Column("repost_of", sa.String(500), nullable=True),
        sa.Column("quote_of", sa.String(500), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("reposts", sa.BigInteger(), nullable=True),
        sa.Column("replies", sa.BigInteger(), nullable=True),
        sa.Column("quotes", sa.BigInteger(), nullable=True),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("metrics_at", sa.DateTime(), nullable=False),
        sa.Column("mentions", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("network", "remote_id", name="uq_tracked_posts_id"),
    )
    op.create_index("ix_tracked_posts_created", "tracked_posts", ["created_at"])
    op.create_index("ix_tracked_posts_author", "tracked_posts", ["author_ref", "created_at"])
    op.create_index("ix_tracked_posts_source", "tracked_posts", ["source"])
    op.create_table(
        "tracked_post_tags",
        sa.Column("post_ref", sa.Integer(),
                  sa.ForeignKey("tracked_posts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_tracked_post_tags_tag", "tracked_post_tags", ["tag", "created_at"])
    op.create_table(
        "track_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("stream", sa.String(500), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source", "stream", name="uq_track_checkpoints"),
    )
    op.create_table(
        "track_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
    )
    op.create_index("ix_track_runs_source", "track_runs", ["source", "started_at"])


def downgrade() -> None:
    """Drop the tracking tables (every observed post, author, checkpoint and run)."""
    for table in ("track_runs", "track_checkpoints", "tracked_post_tags", "tracked_posts",
                  "tracked_author_history", "tracked_authors"):
        op.drop_table(table)
