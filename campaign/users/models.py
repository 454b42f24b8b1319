"""The tables of the dashboard's users and the audit log (migration 0007)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.queue.models import Base, UTCDateTime


class UserRow(Base):
    """A person who signs in to the dashboard; removed users stay, so the log still names them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its own salt
    session_epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AuditRow(Base):
    """One action of one person (or the dashboard on a visitor's behalf): who, when, what, and
    the fields before and after as JSON objects."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_kind", "object_id", "id"),
                      Index("ix_audit_log_actor", "actor", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    object_kind: Mapped[str] = mapped_column(String(16))  # user, post, pledge, session
    object_id: Mapped[str] = mapped_column(String(100))
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)


USERS = cast(Table, UserRow.__table__)
AUDIT = cast(Table, AuditRow.__table__)
