"""The users of the dashboard and the audit log, in the campaign's database.

Like the other stores it hands out frozen values and never a session, and never the password
hash: a :class:`User` has nothing secret in it. Each change is one transaction with its audit
entry.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from campaign.errors import CampaignError
from campaign.queue.engine import Database, utcnow
from campaign.text.escape import CONTROL
from campaign.users import passwords
from campaign.users.audit import AuditEntry, entry, record
from campaign.users.models import AUDIT, USERS
from campaign.users.roles import Role, role

MAX_NAME = 100


class UserNotFound(CampaignError):
    """No user has this name (or the user was removed)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}: see `campaign users list`")


class UserExists(CampaignError):
    """A user of this name exists already."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a user named {name!r} exists already: choose another name, or reset "
                         "their password with `campaign users reset-password`")


class LastAdmin(CampaignError):
    """The change would leave the dashboard without an admin."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is the last admin: add another admin first, so someone can "
                         "still manage users")


@dataclass(frozen=True)
class User:
    """A person who signs in: no secret in it."""

    id: int
    name: str
    role: Role
    session_epoch: int
    created_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None
    removed_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the user may sign in."""
        return self.removed_at is None


def name_key(name: str) -> str:
    """What makes two names one user: NFKC, case folded, spaces trimmed."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def check_name(name: str) -> str:
    """A user name as stored; one that is empty, too long or has control characters is refused."""
    name = unicodedata.normalize("NFKC", name).strip()
    if not name:
        raise CampaignError("a user name cannot be empty: give one, e.g. amina")
    if len(name) > MAX_NAME:
        raise CampaignError(f"the user name {name[:20]!r}... is too long: at most {MAX_NAME} "
                            "characters")
    if CONTROL.search(name) or any(c in "\t\r\n\u2028\u2029" for c in name):
        raise CampaignError("a user name cannot hold control characters or line breaks")
    if any(part in (".", "..") for part in name.split("/")):
        # the users page addresses a user by /users/<name>/...: a browser would resolve the
        # dots, and the buttons would reach another page
        raise CampaignError(f"the user name {name!r} cannot be, or have between slashes, . or ..")
    return name


def _user(row: object) -> User:
    return User(id=row.id, name=row.name, role=Role(row.role),  # type: ignore[attr-defined]
                session_epoch=row.session_epoch,  # type: ignore[attr-defined]
                created_at=row.created_at,  # type: ignore[attr-defined]
                password_changed_at=row.password_changed_at,  # type: ignore[attr-defined]
                last_login_at=row.last_login_at,  # type: ignore[attr-defined]
                removed_at=row.removed_at)  # type: ignore[attr-defined]


class UserStore(Database):
    """Users, their passwords and roles, and the audit log."""

    # -- reading ---------------------------------------------------------------------------
    def users(self, *, include_removed: bool = False) -> list[User]:
        """Every user, by name."""
        query = select(USERS).order_by(USERS.c.name_key)
        if not include_removed:
            query = query.where(USERS.c.removed_at.is_(None))
        with self._connection() as conn:
            return [_user(r) for r in conn.execute(query)]

    def get(self, user_id: int) -> User | None:
        """The active user with this id, None when there is none (removed, or never was)."""
        with self._connection() as conn:
            row = conn.execute(select(USERS).where(USERS.c.id == user_id,
                                                   USERS.c.removed_at.is_(None))).first()
        return _user(row) if row else None

    def named(self, name: str) -> User:
        """The active user named ``name``; UserNotFound otherwise."""
        with self._connection() as conn:
            row = self._row(conn, name)
        return _user(row)

    def _row(self, conn: Connection, name: str) -> object:
        row = conn.execute(select(USERS).where(USERS.c.name_key == name_key(name),
                                               USERS.c.removed_at.is_(None))).first()
        if row is None:
            raise UserNotFound(name)
        return row

    def audit_entries(self, *, object_kind: str | None = None, object_id: str | int | None = None,
                      actor: str | None = None, limit: int = 200,
                      offset: int = 0) -> list[AuditEntry]:
        """The newest entries first (after the first ``offset``), narrowed to an object or an
        actor."""
        query = select(AUDIT).order_by(AUDIT.c.id.desc()).offset(offset).limit(limit)
        if object_kind is not None:
            query = query.where(AUDIT.c.object_kind == object_kind)
        if object_id is not None:
            query = query.where(AUDIT.c.object_id == str(object_id))
        if actor is not None:
            query = query.where(AUDIT.c.actor == actor)
        with self._connection() as conn:
            return [entry(r) for r in conn.execute(query)]

    def audit_actors(self, limit: int) -> list[str]:
        """Who has entries in the audit log, by name, at most ``limit``."""
        with self._connection() as conn:
            return [str(a) for a in conn.execute(
                select(AUDIT.c.actor).distinct().order_by(AUDIT.c.actor).limit(limit)).scalars()]

    def audit(self, *, actor: str, action: str, object_kind: str, object_id: str | int,
              before: dict[str, object] | None = None, after: dict[str, object] | None = None,
              detail: str = "") -> None:
        """Add one entry to the audit log, in a transaction of its own."""
        with self._connection() as conn:
            record(conn, at=utcnow(), actor=actor, action=action, object_kind=object_kind,
                   object_id=object_id, before=before, after=after, detail=detail)

    # -- changing --------------------------------------------------------------------------
    def add(self, name: str, user_role: str, password: str, *, actor: str) -> User:
        """A new user; UserExists when the name is taken (a removed user's name included, so
        the audit log never confuses two people)."""
        name = check_name(name)
        wanted = role(user_role)
        passwords.check_new(password, name)
        password_hash = passwords.hash_password(password)
        now = utcnow()
        with self._connection() as conn:
            taken = conn.execute(select(USERS.c.id).where(USERS.c.name_key == name_key(name))).first()
            if taken:
                raise UserExists(name)
            conn.execute(USERS.insert().values(
                name=name, name_key=name_key(name), role=wanted.value,
                password_hash=password_hash, session_epoch=0, created_at=now,
                password_changed_at=now))
            record(conn, at=now, actor=actor, action="user.add", object_kind="user",
                   object_id=name, after={"name": name, "role": wanted.value})
        return self.named(name)

    def remove(self, name: str, *, actor: str) -> User:
        """Remove a user: they can no longer sign in, and their open sessions end."""
        now = utcnow()
        with self._connection() as conn:
            row = self._row(conn, name)
            self._keep_an_admin(conn, row, None)
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(  # type: ignore[attr-defined]
                removed_at=now, session_epoch=USERS.c.session_epoch + 1))
            record(conn, at=now, actor=actor, action="user.remove", object_kind="user",
                   object_id=row.name, before={"role": row.role})  # type: ignore[attr-defined]
        return _user(row)

    def set_role(self, name: str, user_role: str, *, actor: str) -> User:
        """Give a user another role."""
        wanted = role(user_role)
        now = utcnow()
        with self._connection() as conn:
            row = self._row(conn, name)
            self._keep_an_admin(conn, row, wanted)
            conn.execute(update(USERS).where(USERS.c.id == row.id)  # type: ignore[attr-defined]
                         .values(role=wanted.value))
            record(conn, at=now, actor=actor, action="user.role", object_kind="user",
                   object_id=row.name, before={"role": row.role},  # type: ignore[attr-defined]
                   after={"role": wanted.value})
        return self.named(name)

    def reset_password(self, name: str, password: str, *, actor: str) -> User:
        """A new password: every session of the user ends."""
        with self._connection() as conn:
            row = self._row(conn, name)
        passwords.check_new(password, row.name)  # type: ignore[attr-defined]
        password_hash = passwords.hash_password(password)
        now = utcnow()
        with self._connection() as conn:
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(  # type: ignore[attr-defined]
                password_hash=password_hash, password_changed_at=now,
                session_epoch=USERS.c.session_epoch + 1))
            record(conn, at=now, actor=actor, action="user.password", object_kind="user",
                   object_id=row.name, detail="password reset")  # type: ignore[attr-defined]
        return self.named(name)

    def end_sessions(self, name: str, *, actor: str) -> None:
        """End every session of ``name`` (sign-out): the next request of each signs in again."""
        now = utcnow()
        with self._connection() as conn:
            row = self._row(conn, name)
            conn.execute(update(USERS).where(USERS.c.id == row.id)  # type: ignore[attr-defined]
                         .values(session_epoch=USERS.c.session_epoch + 1))
            record(conn, at=now, actor=actor, action="session.logout", object_kind="session",
                   object_id=row.name)  # type: ignore[attr-defined]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user whose name and password these are, None otherwise; as slow either way."""
        key = name_key(name)
        with self._connection() as conn:
            row = conn.execute(select(USERS).where(USERS.c.name_key == key,
                                                   USERS.c.removed_at.is_(None))).first() \
                if key and len(key) <= MAX_NAME else None
        if row is None:
            passwords.verify(passwords.dummy_hash(), password)
            return None
        if not passwords.verify(row.password_hash, password):
            return None
        values: dict[str, object] = {"last_login_at": utcnow()}
        if passwords.needs_rehash(row.password_hash):
            values["password_hash"] = passwords.hash_password(password)
        with self._connection() as conn:
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(**values))
        return self.get(row.id)

    def _keep_an_admin(self, conn: Connection, row: object, new_role: Role | None) -> None:
        if row.role != Role.ADMIN or new_role == Role.ADMIN:  # type: ignore[attr-defined]
            return
        admins = conn.execute(select(func.count()).select_from(USERS).where(
            USERS.c.role == Role.ADMIN.value, USERS.c.removed_at.is_(None))).scalar_one()
        if admins <= 1:
            raise LastAdmin(row.name)  # type: ignore[attr-defined]

