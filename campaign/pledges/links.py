"""Private links to a pledge's progress page: the focal point reports progress through one,
without an account. Only the SHA-256 of a link's secret is stored (migration 0007), so the
database never holds a link that works; a new link revokes the pledge's older ones."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Connection, ForeignKey, Index, Integer, String, Table, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from campaign.queue.models import Base, UTCDateTime

if TYPE_CHECKING:
    from campaign.pledges.store import PledgeStore


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

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
# what a secret may look like: anything else (a longer "token" too) is refused before hashing
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def token_hash(token: str) -> str:
    """What the database keeps of a link's secret: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_link(store: PledgeStore, pledge_id: int, *, actor: str) -> str:
    """A new private progress link's secret for the pledge; the pledge's older links are
    revoked in the same transaction, and the change is in its events and the audit log."""
    from campaign.pledges.models import PLEDGE_EVENTS, PLEDGES
    from campaign.pledges.store import PledgeNotFound
    from campaign.queue.engine import utcnow
    from campaign.users import audit

    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with store._connection() as conn:
        if conn.execute(select(PLEDGES.c.id).where(PLEDGES.c.id == pledge_id)).first() is None:
            raise PledgeNotFound(pledge_id)
        revoked = _revoke(conn, pledge_id, now)
        conn.execute(insert(PLEDGE_LINKS).values(pledge_id=pledge_id, token_hash=token_hash(token),
                                                 created_at=now))
        # what is logged says a link was made, never the link
        detail = {"revoked": revoked}
        conn.execute(insert(PLEDGE_EVENTS).values(
            pledge_id=pledge_id, at=now, action="link", from_status=None, to_status=None,
            actor=actor, detail=json.dumps(detail)))
        audit.record(conn, at=now, actor=actor, action="pledge.link", object_kind="pledge",
                     object_id=pledge_id, after=detail)
    return token


def pledge_for(store: PledgeStore, token: str) -> int | None:
    """The pledge a link's secret opens; None for an unknown, malformed or revoked one.

    The secret is looked up by its SHA-256: what an attacker times is an index search on a
    hash they cannot steer."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    wanted = token_hash(token)
    links = PLEDGE_LINKS.c
    with store._connection() as conn:
        row = conn.execute(select(links.pledge_id, links.token_hash, links.revoked_at)
                           .where(links.token_hash == wanted)).first()
    if row is None or row.revoked_at is not None:
        return None
    return int(row.pledge_id)


def revoke_links(store: PledgeStore, pledge_id: int, *, actor: str) -> int:
    """Revoke every working link of the pledge (a pledge withdrawn); how many were."""
    from campaign.queue.engine import utcnow
    from campaign.users import audit

    now = utcnow()
    with store._connection() as conn:
        revoked = _revoke(conn, pledge_id, now)
        if revoked:
            audit.record(conn, at=now, actor=actor, action="pledge.unlink", object_kind="pledge",
                         object_id=pledge_id, after={"revoked": revoked})
    return int(revoked)


def _revoke(conn: Connection, pledge_id: int, now: datetime) -> int:
    """Revoke the pledge's working links within ``conn``'s transaction; how many were."""
    links = PLEDGE_LINKS.c
    return int(conn.execute(update(PLEDGE_LINKS)
                            .where(links.pledge_id == pledge_id, links.revoked_at.is_(None))
                            .values(revoked_at=now)).rowcount)
