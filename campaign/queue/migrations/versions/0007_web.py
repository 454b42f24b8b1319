"""The web dashboard: its users and roles, the audit log of what they do, the before and after
of each change of a post, and the private links through which a pledge's focal point reports
progress.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the users, the audit log and the pledges' private links; widen post_events."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        # the name folded (NFKC, case): "Amina" and "amina" are one user
        sa.Column("name_key", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        # bumped by a password reset or a removal: every session signed before it is refused
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_kind", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("after_json", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_kind", "object_id", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "id"])
    with op.batch_alter_table("post_events") as batch:
        batch.add_column(sa.Column("before_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("after_json", sa.Text(), nullable=True))
    # a post's history by who changed it: the approver-is-not-the-editor check reads it
    op.create_index("ix_post_events_actor", "post_events", ["post_id", "actor"])
    op.create_table(
        "pledge_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledges.id"), nullable=False),
        # the SHA-256 of the link's secret: the database never holds a link that works
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_pledge_links_pledge", "pledge_links", ["pledge_id"])


def downgrade() -> None:
    """Drop what upgrade made."""
    op.drop_index("ix_pledge_links_pledge", table_name="pledge_links")
    op.drop_table("pledge_links")
    op.drop_index("ix_post_events_actor", table_name="post_events")
    with op.batch_alter_table("post_events") as batch:
        batch.drop_column("after_json")
        batch.drop_column("before_json")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("users")
