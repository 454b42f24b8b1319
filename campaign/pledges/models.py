"""The pledge tables (migration 0004), the status of a pledge and the changes it may make.

A pledge's answers live in one row of ``pledges``; its handles, indicators and their progress
reports in tables of their own, so the secretariat can find a pledger by handle or DID and a
report can read indicator values without parsing anything. Amounts are kept as the decimal text
given (``"12500.50"``): SQLite has no exact decimal type, and a round trip through a float would
change a cost. Every change of a pledge (created, edited, its status, a progress report, a DID
found) is a row of ``pledge_events``: who, when, what, and before and after as JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign.queue.models import Base, UTCDateTime


class PledgeStatus(StrEnum):
    """Where a pledge stands: written, sent, taken in by the secretariat, given up, kept."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    FULFILLED = "fulfilled"


P = PledgeStatus
# the one table of allowed changes: a pledge sent back goes to draft; withdrawn and fulfilled
# are final (a new pledge is made instead, so the record of the year stays true)
TRANSITIONS: dict[PledgeStatus, frozenset[PledgeStatus]] = {
    P.DRAFT: frozenset({P.SUBMITTED, P.WITHDRAWN}),
    P.SUBMITTED: frozenset({P.ACCEPTED, P.DRAFT, P.WITHDRAWN}),
    P.ACCEPTED: frozenset({P.FULFILLED, P.WITHDRAWN}),
    P.WITHDRAWN: frozenset(),
    P.FULFILLED: frozenset(),
}
PLEDGE_STATUSES = tuple(s.value for s in PledgeStatus)
# pledges whose progress is followed (the traffic lights, check-ins, reminders)
ACTIVE = frozenset({P.SUBMITTED, P.ACCEPTED})


class PledgeRow(Base):
    """One Action Pledge: who pledges and the form's answers."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the SHA-256 of the organisation and title folded (store.stored_key of form.pledge_key):
    # the same pledge is never stored twice, and a long title still fits the index
    key: Mapped[str] = mapped_column(String(1000), unique=True)
    audience: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # the audience's kind when stored
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8))
    focal_name: Mapped[str] = mapped_column(String(200))
    focal_email: Mapped[str] = mapped_column(String(254))
    title: Mapped[str] = mapped_column(Text)
    implementation: Mapped[str] = mapped_column(Text)
    contribution: Mapped[str] = mapped_column(Text)
    communication: Mapped[str] = mapped_column(Text)
    cost_amount: Mapped[str | None] = mapped_column(String(40), default=None)
    cost_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    plan_json: Mapped[str] = mapped_column(Text, default="null")  # form.Amplification or null
    smart_json: Mapped[str] = mapped_column(Text, default="{}")  # the SMART check when stored
    status: Mapped[str] = mapped_column(String(16))
    submitted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_pledges_status", "status", "audience"),)


class HandleRow(Base):
    """A pledger's handle on one network, and its Bluesky DID once resolved."""

    __tablename__ = "pledge_handles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(300))
    did: Mapped[str | None] = mapped_column(String(300), default=None)

    __table_args__ = (UniqueConstraint("pledge_id", "network", name="uq_pledge_handles_network"),
                      Index("ix_pledge_handles_handle", "network", "handle"),
                      Index("ix_pledge_handles_did", "did"))


class IndicatorRow(Base):
    """How one pledge measures its progress."""

    __tablename__ = "pledge_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200), default="")
    baseline: Mapped[float] = mapped_column(Float, default=0.0)
    target: Mapped[float] = mapped_column(Float)
    deadline: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("pledge_id", "name", name="uq_pledge_indicators_name"),)


class ProgressRow(Base):
    """One reported value of an indicator."""

    __tablename__ = "pledge_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("pledge_indicators.id",
                                                         ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PledgeEventRow(Base):
    """An append-only record of one change of one pledge."""

    __tablename__ = "pledge_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))  # created, edited, status, progress, did
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str | None] = mapped_column(String(16), default=None)
    actor: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON: what changed, before and after


PLEDGES = cast(Table, PledgeRow.__table__)
HANDLES = cast(Table, HandleRow.__table__)
INDICATORS = cast(Table, IndicatorRow.__table__)
PROGRESS = cast(Table, ProgressRow.__table__)
PLEDGE_EVENTS = cast(Table, PledgeEventRow.__table__)
