"""The local month of each post, for `queue list --month` in SQL; posts found by their key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

``due_month`` is the month of ``due_at`` on the clocks of the post's own timezone. Neither
database can convert between IANA timezones in SQL that both speak, so existing rows are filled
here in Python, in batches, from their stored ``due_at`` (naive UTC) and ``timezone``.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 2000

# the table as this revision knows it (not the models, which will move on)
_posts = sa.table("posts", sa.column("id", sa.Integer()), sa.column("due_at", sa.DateTime()),
                  sa.column("timezone", sa.String()), sa.column("due_month", sa.Integer()))


def upgrade() -> None:
    """Add ``due_month``, fill it for every post, then require it and index it."""
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("due_month", sa.Integer(), nullable=True))
    _fill(op.get_bind())
    with op.batch_alter_table("posts") as batch:
        batch.alter_column("due_month", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_posts_due_month", ["due_month", "due_at", "id"])
        batch.create_index("ix_posts_post_key", ["post_key", "account_id", "status", "due_at"])


def _fill(conn: sa.Connection) -> None:
    """Set every post's ``due_month``, a batch of ids at a time (one UPDATE per month in each)."""
    zones: dict[str, ZoneInfo] = {}
    last = 0
    while True:
        rows = conn.execute(sa.select(_posts.c.id, _posts.c.due_at, _posts.c.timezone)
                            .where(_posts.c.id > last).order_by(_posts.c.id).limit(BATCH)).all()
        if not rows:
            return
        by_month: dict[int, list[int]] = {}
        for post_id, due_at, timezone in rows:
            zone = zones.get(timezone) or zones.setdefault(timezone, ZoneInfo(timezone))
            month = due_at.replace(tzinfo=UTC).astimezone(zone).month
            by_month.setdefault(month, []).append(post_id)
        for month, ids in by_month.items():
            conn.execute(_posts.update().where(_posts.c.id.in_(ids)).values(due_month=month))
        last = rows[-1][0]


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_post_key")
        batch.drop_index("ix_posts_due_month")
        batch.drop_column("due_month")
