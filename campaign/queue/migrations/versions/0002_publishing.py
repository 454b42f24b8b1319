"""Publishing for real: amplification kinds, images, link cards, frozen first attempts, account data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the new columns with defaults, so existing rows stay valid."""
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("settings_json", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="post"))
        batch.add_column(sa.Column("target", sa.String(500), nullable=True))
        batch.add_column(sa.Column("media_json", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("link_card", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("first_attempt_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("posts") as batch:
        for column in ("first_attempt_at", "link_card", "media_json", "target", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("settings_json")
