"""Private links to a pledge's progress page: the focal point reports progress through one,
without an account. Only the SHA-256 of a link's secret is stored (migration 0007), so the
database never holds a link that works; a new link revokes the pledge's older ones."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from campaign.queue.models import Base, UTCDateTime


class PledgeLinkRow(Base):
    """One private link to a pledge's progress page."""

    __tablename__ = "pledge_links"
    __table_args__ = (Index("ix_pledge_links_pledge", "pledge_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


PLEDGE_LINKS = cast(Table, PledgeLinkRow.__table__)
