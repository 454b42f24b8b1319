"""Reports and amplification: daily summaries of the tracked posts, an engagement index, and
the audit log of `amplify auto`'s decisions.

The summaries are filled here from the posts already stored (a database tracked under 0005),
then kept up to date by the store in the transaction that stores each page.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTS = ("n_original", "n_reply", "n_repost", "n_quote", "likes", "reposts", "replies", "quotes",
          "impressions", "measured", "audience")
MAX_COUNT = 2**63 - 1
# NUMERIC: two hostile counts near a BIGINT's largest must not overflow the index (PostgreSQL
# would refuse the post's page, and this very upgrade); SQLite keeps integers until they overflow
ENGAGEMENT = ("CAST(coalesce(likes, 0) AS NUMERIC) + coalesce(reposts, 0) + coalesce(replies, 0) "
              "+ coalesce(quotes, 0)")


def _counts() -> list[sa.Column]:  # type: ignore[type-arg]
    small = {"n_original", "n_reply", "n_repost", "n_quote", "measured"}
    return [sa.Column(name, sa.Integer() if name in small else sa.BigInteger(), nullable=False)
            for name in COUNTS]


def upgrade() -> None:
    """Create the summary tables and fill them from the stored posts; the decisions' log."""
    op.create_table(
        "track_days",
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("network", sa.String(16), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        *_counts(),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "track_author_days",
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("author_ref", sa.Integer(), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("network", sa.String(16), nullable=False),
        *_counts(),
        sqlite_with_rowid=False,
    )
    # top posts: walked from the most engaged down, until enough match the report's filters
    op.create_index("ix_tracked_posts_engagement", "tracked_posts", [sa.text(f"({ENGAGEMENT})")])
    op.create_table(
        "amplify_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("run", sa.String(40), nullable=False),
        sa.Column("policy", sa.String(300), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("post_ref", sa.Integer(),
                  sa.ForeignKey("tracked_posts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(500), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("queued_post_id", sa.Integer(), sa.ForeignKey("posts.id"), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_amplify_decisions_account", "amplify_decisions", ["account_id", "at"])
    op.create_index("ix_amplify_decisions_post", "amplify_decisions", ["post_ref", "account_id"])
    _fill()


def _fill() -> None:
    """The summaries of the posts stored before this revision. Followers are the authors' as
    last read (what was read with each post was not kept under 0005)."""
    bind = op.get_bind()
    day = ("to_char(p.created_at, 'YYYY-MM-DD')" if bind.dialect.name == "postgresql"
           else "substr(p.created_at, 1, 10)")
    # a sum past a BIGINT (hostile counts) is kept as the largest, as the store adds them
    if bind.dialect.name == "postgresql":
        def big(value: str) -> str:
            return f"LEAST(coalesce(sum({value}), 0), {MAX_COUNT})"
    else:
        def big(value: str) -> str:  # total() is a float: it cannot overflow as sum() does
            return f"CAST(min(total({value}), {float(MAX_COUNT)!r}) AS INTEGER)"
    sums = ", ".join([
        "sum(CASE WHEN p.kind = 'original' THEN 1 ELSE 0 END)",
        "sum(CASE WHEN p.kind = 'reply' THEN 1 ELSE 0 END)",
        "sum(CASE WHEN p.kind = 'repost' THEN 1 ELSE 0 END)",
        "sum(CASE WHEN p.kind = 'quote' THEN 1 ELSE 0 END)",
        *(big(f"p.{m}") for m in ("likes", "reposts", "replies", "quotes", "impressions")),
        "count(p.impressions)", big("a.followers")])
    names = ", ".join(COUNTS)
    for tag, join in (("''", ""), ("t.tag", "JOIN tracked_post_tags t ON t.post_ref = p.id")):
        source = (f"FROM tracked_posts p JOIN tracked_authors a ON a.id = p.author_ref {join}")
        by = "" if tag == "''" else "t.tag, "  # PostgreSQL groups by no constant
        op.execute(f"INSERT INTO track_days (tag, day, network, language, {names}) "
                   f"SELECT {tag}, {day}, p.network, p.language, {sums} {source} "
                   f"GROUP BY {by}{day}, p.network, p.language")
        op.execute(f"INSERT INTO track_author_days (tag, day, author_ref, language, network, "
                   f"{names}) SELECT {tag}, {day}, p.author_ref, p.language, min(p.network), "
                   f"{sums} {source} GROUP BY {by}{day}, p.author_ref, p.language")


def downgrade() -> None:
    """Drop the summaries, the engagement index and the decisions' log."""
    op.drop_table("amplify_decisions")
    op.drop_index("ix_tracked_posts_engagement", table_name="tracked_posts")
    op.drop_table("track_author_days")
    op.drop_table("track_days")
