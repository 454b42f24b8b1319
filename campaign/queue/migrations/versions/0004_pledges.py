"""Action Pledges: the pledges, their handles, indicators, progress reports and events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the five pledge tables and their indexes."""
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(1000), nullable=False, unique=True),
        sa.Column("audience", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("focal_name", sa.String(200), nullable=False),
        sa.Column("focal_email", sa.String(254), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("implementation", sa.Text(), nullable=False),
        sa.Column("contribution", sa.Text(), nullable=False),
        sa.Column("communication", sa.Text(), nullable=False),
        sa.Column("cost_amount", sa.String(40), nullable=True),
        sa.Column("cost_currency", sa.String(3), nullable=True),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("smart_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_pledges_status", "pledges", ["status", "audience"])
    op.create_table(
        "pledge_handles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledges.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("handle", sa.String(300), nullable=False),
        sa.Column("did", sa.String(300), nullable=True),
        sa.UniqueConstraint("pledge_id", "network", name="uq_pledge_handles_network"),
    )
    op.create_index("ix_pledge_handles_handle", "pledge_handles", ["network", "handle"])
    op.create_index("ix_pledge_handles_did", "pledge_handles", ["did"])
    op.create_table(
        "pledge_indicators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledges.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.UniqueConstraint("pledge_id", "name", name="uq_pledge_indicators_name"),
    )
    op.create_table(
        "pledge_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator_id", sa.Integer(),
                  sa.ForeignKey("pledge_indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_pledge_progress_indicator_id", "pledge_progress", ["indicator_id"])
    op.create_table(
        "pledge_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pledge_id", sa.Integer(), sa.ForeignKey("pledges.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_pledge_events_pledge_id", "pledge_events", ["pledge_id"])


def downgrade() -> None:
    """Drop the pledges (and with them every handle, indicator, report and event)."""
    for table in ("pledge_events", "pledge_progress", "pledge_indicators", "pledge_handles",
                  "pledges"):
        op.drop_table(table)
