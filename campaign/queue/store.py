"""The Store: every read and write of the queue database goes through here; sessions never leak.

SQLite (the default, in WAL mode, one writer at a time through ``BEGIN IMMEDIATE``) and PostgreSQL
(psycopg 3; claims use ``FOR UPDATE SKIP LOCKED`` so several runners share one database) behave
the same to callers.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from campaign.errors import CampaignError, UsageError
from campaign.queue.models import DISPATCHABLE, FINAL, STATUSES, Account, Event, Post
from campaign.text.rules import NETWORKS, NetworkLimits

DEFAULT_URL = "sqlite:///campaign.db"
# a transition target meaning "back in the queue": approved when it was reviewed, else scheduled
REQUEUE = "requeue"


_POSTS = cast(Table, Post.__table__)
_EVENTS = cast(Table, Event.__table__)


class StoreError(CampaignError):
    """The database cannot be reached or is not in a usable state."""

    exit_code = 1


class DatabaseRefused(StoreError):
    """The --db given is not ours to use: not SQLite, another application's, of a newer schema, or
    in a folder that does not exist. Nothing was written to it."""

    exit_code = 2


# the tables of our first migration: a database with them and an unknown revision is ours, newer
OUR_TABLES = frozenset({"accounts", "posts", "post_events"})
_SQLITE_MAGIC = b"SQLite format 3\x00"
# libpq reads these from the URL's query too; they are as secret as the password
_SECRET_QUERY_KEYS = ("password", "sslpassword")
_MASKED = "MASKED-PASSWORD-0f3a"  # rendered, then replaced: SQLAlchemy would %-encode '***'


def utcnow() -> datetime:
    """Now, as the naive UTC the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc(moment: datetime) -> datetime:
    """An aware datetime as naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def database_url(url: str | None = None) -> str:
    """The URL from the option, else ``CAMPAIGN_DATABASE_URL``, else a local SQLite file."""
    chosen = url or os.environ.get("CAMPAIGN_DATABASE_URL") or DEFAULT_URL
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages: ``user:***@`` and ``?password=***``."""
    try:
        parsed = make_url(url)
        query = {k: (_MASKED if k.lower() in _SECRET_QUERY_KEYS else v)
                 for k, v in parsed.query.items()}
        return parsed.set(query=query).render_as_string(hide_password=True).replace(_MASKED, "***")
    except (ArgumentError, ValueError, TypeError):
        return "<unparsable database URL>"


def url_secrets(url: str) -> list[str]:
    """The passwords a URL carries (``user:password@`` and ``?password=``), to mask in messages."""
    from urllib.parse import quote

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return []
    found = [str(parsed.password)] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in _SECRET_QUERY_KEYS:
            found.extend([value] if isinstance(value, str) else list(value))
    # as given, and as a driver may quote it back (URL-encoded)
    return sorted({v for s in found if s for v in (s, quote(s, safe=""))}, key=len, reverse=True)


def _check_sqlite_file(url: str) -> None:
    """Refuse, before SQLite touches it, a file that is not a SQLite database or a folder that
    does not exist; a missing file is fine (``db upgrade`` creates it)."""
    parsed = make_url(url)
    # _make_engine has refused in-memory and URI databases: this is a file path
    path = Path(str(parsed.database))
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DatabaseRefused(f"database {safe_url(url)}: folder {folder} {what}: create it, or "
                              "give another --db")
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseRefused(f"database file {path} cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseRefused(f"database {safe_url(url)} is a folder, not a file: give a file, "
                              f"e.g. --db sqlite:///{path / 'campaign.db'}")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseRefused(f"database {safe_url(url)} is not a regular file: give the path of "
                              "a SQLite database file")
    if info.st_size == 0:
        return  # SQLite's own empty database
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise DatabaseRefused(f"database file {path} cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        header = handle.read(len(_SQLITE_MAGIC))
    if header != _SQLITE_MAGIC:
        raise DatabaseRefused(f"database file {path} is not a SQLite database: give the path of "
                              "campaign's database, or of a file that does not exist yet")


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except NoSuchModuleError:
        raise CampaignError(f"database driver of '{safe_url(url)}' is not supported: use "
                            "sqlite:///file.db or postgresql://user@host/db") from None
    except (ArgumentError, ValueError):
        raise CampaignError(f"'{safe_url(url)}' is not a database URL: use sqlite:///file.db or "
                         "postgresql://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:" \
                or any(k.lower() in ("mode", "uri") for k in parsed.query):
            # an in-memory queue forgets every post when the command ends; a URI filename
            # would slip past the file checks
            raise DatabaseRefused(f"database {safe_url(url)} is not a file: give one, e.g. "
                                  "--db sqlite:///campaign.db")
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # we issue BEGIN ourselves so that writers queue up instead of failing on upgrade
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            pragmas = ["synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=60000"]
            tables = {row[0] for row in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")}
            # WAL rewrites the file's header: only on an empty database or ours, never on
            # another application's database that we are about to refuse
            if not tables or tables >= {"alembic_version", *OUR_TABLES}:
                pragmas.insert(0, "journal_mode=WAL")
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        return create_engine(url, pool_pre_ping=True)
    raise CampaignError(f"database '{safe_url(url)}' is not supported: use sqlite:///file.db or "
                        "postgresql://user@host/db (psycopg 3)")


@dataclass(frozen=True)
class PlanReport:
    """What planning did: posts added, updated (not yet published), and left alone."""

    added: int
    updated: int
    unchanged: int
    kept_final: int

    def as_dict(self) -> dict[str, int]:
        """Plain data for ``--json``."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "left_alone_final": self.kept_final}


@dataclass(frozen=True)
class Claimed:
    """A post claimed for publication, with what a publisher needs; detached from any session."""

    id: int
    idempotency_key: str
    post_key: str
    network: str
    account_id: int
    handle: str
    credentials_ref: str
    base_url: str
    language: str
    text: str
    parts: tuple[str, ...]
    facets: list[Any]
    due_at: datetime
    timezone: str
    day_bound: bool
    deadline_at: datetime | None
    attempts: int
    created_at: datetime
    kind: str = "post"
    target: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    link_card: bool = False
    first_attempt_at: datetime | None = None
    account_settings: dict[str, Any] = field(default_factory=dict)
    # True when an earlier attempt may have reached the network (whatever ``attempts`` says: a
    # rate limit or `queue retry` gives attempts back): publishers then look before sending
    tried_before: bool = True


def idempotency_key(post_key: str, network: str, handle: str) -> str:
    """The post's identity on one account: the same plan on the same account gives the same key."""
    return hashlib.sha256(f"{post_key}@{network}:{handle}".encode()).hexdigest()[:32]


def day_deadline(due: datetime) -> datetime:
    """The start of the next day in the post's own timezone, as naive UTC: it is late from then.

    The next midnight, not 23:59:59.999 of the day: that one is ambiguous where clocks fall back
    at midnight, and would make a post missed an hour early.
    """
    next_day = datetime.combine(due.date() + timedelta(days=1), time(0), tzinfo=due.tzinfo)
    return to_utc(next_day)


class Store:
    """The queue database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine = _make_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            _check_sqlite_file(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL, where claims skip rows other workers hold."""
        return self.engine.dialect.name == "postgresql"

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._database_errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """One Core transaction, for the hot paths where the ORM's bookkeeping costs too much."""
        with self._database_errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        """Turn the driver's errors into one sentence naming the database, never its password."""
        try:
            yield
        except OperationalError as exc:
            raise StoreError(self._describe(exc)) from None
        except IntegrityError:
            raise StoreError(f"database {safe_url(self.url)}: another process changed the same "
                             "rows at the same moment; run the command again") from None
        except DatabaseError as exc:
            if "file is not a database" in str(exc.orig):
                raise DatabaseRefused(f"database {safe_url(self.url)} is not a SQLite database: "
                                      "give the path of campaign's database") from None
            raise StoreError(self._describe(exc)) from None

    def _describe(self, exc: DatabaseError) -> str:
        reason = str(exc.orig).strip() if exc.orig else str(exc)
        reason = reason.splitlines()[0] if reason else type(exc.orig or exc).__name__
        for secret in url_secrets(self.url):
            reason = reason.replace(secret, "***")
        return f"database {safe_url(self.url)} failed: {reason}"

    # -- schema ----------------------------------------------------------------------------
    @cached_property
    def _scripts(self) -> Any:
        """Our migration scripts, read once per Store (revision and head both need them)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config())

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        from campaign.queue import migrations

        config = Config()
        config.set_main_option("script_location", os.path.dirname(migrations.__file__))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def revision(self) -> str | None:
        """The database's migration revision, None when it has none; DatabaseRefused when the
        database is another application's or was made by a newer version of campaign."""
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy import inspect

        with self._database_errors(), self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            tables = set(inspect(conn).get_table_names())
        self._check_ours(current, tables)
        return current

    def _check_ours(self, current: str | None, tables: set[str]) -> None:
        others = sorted(t for t in tables if t != "alembic_version")
        if current is None and others:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise DatabaseRefused(f"database {safe_url(self.url)} belongs to another application "
                                  f"(it has tables {shown} and no campaign schema): give campaign "
                                  "a database of its own, e.g. --db sqlite:///campaign.db")
        if current is None:
            return
        script = self._scripts
        if current in {r.revision for r in script.walk_revisions()}:
            if not tables >= OUR_TABLES:
                # another Alembic project whose revision happens to have one of our names
                raise DatabaseRefused(
                    f"database {safe_url(self.url)} belongs to another application (schema "
                    f"revision {current}, but none of campaign's tables): give campaign a "
                    "database of its own, e.g. --db sqlite:///campaign.db")
            return
        if OUR_TABLES & tables:
            raise DatabaseRefused(f"database {safe_url(self.url)} was created by a newer version "
                                  f"of campaign (schema {current}): upgrade the tool")
        raise DatabaseRefused(f"database {safe_url(self.url)} belongs to another application (its "
                              f"schema revision {current} is not campaign's): give campaign a "
                              "database of its own, e.g. --db sqlite:///campaign.db")

    def head(self) -> str:
        """The newest migration this version of the tool knows."""
        return str(self._scripts.get_current_head())

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema; return (revision before, revision after)."""
        from alembic import command

        before = self.revision()
        config = self._alembic_config()
        with self.connection() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        return before, self.head()

    def require_existing(self) -> None:
        """Refuse a SQLite file that does not exist yet, rather than create an empty one."""
        database = make_url(self.url).database
        if self.engine.dialect.name == "sqlite" and database and not os.path.exists(database):
            raise DatabaseRefused(f"database file {database} does not exist: create it with "
                                  "`campaign db upgrade` (with the same --db)")

    def check_migrated(self) -> None:
        """Refuse to work on a database whose schema is not the newest, saying how to fix it."""
        self.require_existing()
        current, head = self.revision(), self.head()
        if current != head:
            raise StoreError(
                f"database {safe_url(self.url)} is at schema revision {current or 'none'}, this "
                f"version needs {head}: run `campaign db upgrade` (with the same --db) first"
            )

    # -- accounts --------------------------------------------------------------------------
    def add_account(self, network: str, handle: str, credentials_ref: str = "",
                    base_url: str = "") -> Account:
        """Register an account, or update the reference and URL of an existing (or removed) one.

        Only a reference to where the secret lives is stored, never the secret.
        """
        from campaign.platforms.handles import check_handle

        if network not in NETWORKS:
            raise UsageError("network", network, NETWORKS)
        # an outbox account only names a file: its handle need not exist on the network
        check_handle("outbox" if credentials_ref.startswith("outbox:") else network, handle)
        with self.session() as s:
            # '@ilo.bsky.social' and 'ilo.bsky.social' are one account, not two sharing secrets
            alike = _matching(s.scalars(select(Account).where(Account.network == network)),
                              handle)
            if len(alike) > 1:  # a database from before handles were matched without case
                raise CampaignError(
                    f"several accounts on {network} match {handle} "
                    f"({', '.join(a.handle for a in alike)}): give one exactly as listed")
            found = alike[0] if alike else None
            if found is None:
                found = Account(network=network, handle=handle, credentials_ref=credentials_ref,
                                base_url=base_url, settings_json="{}", created_at=utcnow())
                s.add(found)
                return found
            found.credentials_ref = credentials_ref or found.credentials_ref
            found.base_url = base_url or found.base_url
            if found.removed_at is not None:  # added again: back in service
                found.removed_at, found.disabled_reason = None, None
            return found

    def accounts(self, include_removed: bool = False) -> list[Account]:
        """Every account, by network then handle; removed ones only when asked."""
        query = select(Account).order_by(Account.network, Account.handle)
        if not include_removed:
            query = query.where(Account.removed_at.is_(None))
        with self.session() as s:
            return list(s.scalars(query))

    def find_account(self, network: str, handle: str | None = None) -> Account:
        """The account on ``network`` (with ``handle``, or the only one); unknown names choices."""
        accounts = [a for a in self.accounts() if a.network == network]
        if handle is not None:
            accounts = _matching(accounts, handle)
        if len(accounts) == 1:
            return accounts[0]
        choices = [f"{a.network}={a.handle}" for a in self.accounts()]
        wanted = f"{network}={handle}" if handle else network
        if not accounts:
            raise UsageError("account", wanted, choices or ["(none: add one with `campaign accounts add`)"])
        raise CampaignError(f"several accounts on {network} ({', '.join(a.handle for a in accounts)}):"
                            f" name one as --account {network}=HANDLE")

    def named_account(self, name: str) -> Account:
        """The account a user names as NETWORK[=HANDLE]; an unknown network or account names
        the choices."""
        network, _, handle = name.partition("=")
        if network not in NETWORKS:
            raise UsageError("network", network, NETWORKS)
        return self.find_account(network, handle or None)

    def save_account_settings(self, account_id: int, settings: dict[str, Any]) -> None:
        """Keep what the network said about the account (merged into what was kept before)."""
        with self.session() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise CampaignError(f"no account #{account_id}: see `campaign accounts list`")
            merged = {**json.loads(account.settings_json or "{}"), **settings}
            account.settings_json = json.dumps(merged, ensure_ascii=False, sort_keys=True)

    def remove_account(self, account_id: int, *, cancel_open: bool) -> int:
        """Take an account out of service, keeping its history; return how many posts were
        cancelled. Refuses while it has posts not yet out, unless ``cancel_open``."""
        open_states = ("draft", *DISPATCHABLE)
        now = utcnow()
        with self.session() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise CampaignError(f"no account #{account_id}: see `campaign accounts list`")
            rows = s.execute(select(Post.id, Post.status).where(
                Post.account_id == account_id, Post.status.in_((*open_states, "publishing")))).all()
            if any(r.status == "publishing" for r in rows):
                raise CampaignError(f"account {account.network} {account.handle} has a post being "
                                    "published right now: stop the runner or try again in a minute")
            if rows and not cancel_open:
                raise CampaignError(
                    f"account {account.network} {account.handle} has {len(rows)} posts not yet "
                    "out: pass --cancel-open to cancel them, or move them first")
            for chunk in _chunks(list(rows), 2000):
                s.execute(update(Post).where(Post.id.in_([r.id for r in chunk]))
                          .values(status="cancelled", updated_at=now))
                s.execute(insert(Event), [{
                    "post_id": r.id, "at": now, "from_status": r.status, "to_status": "cancelled",
                    "actor": "accounts", "detail": "account removed"} for r in chunk])
            account.removed_at, account.disabled_reason = now, "removed"
            account.credentials_ref = ""
        return len(rows)

    # -- planning --------------------------------------------------------------------------
    def plan(self, posts: Iterable[Any], accounts: dict[str, Account], *,
             review: bool = False) -> PlanReport:
        """Turn rendered posts into queued posts; running it again adds nothing twice.

        A post whose text or time changed is updated while it is not yet out; a post already
        published, failed, missed or cancelled is never touched.
        """
        now = utcnow()
        rows: dict[str, dict[str, Any]] = {}
        # plain values, read once: an ORM attribute per post costs more than the post's row
        plain = {n: (a.id, a.network, a.handle) for n, a in accounts.items()}
        own_limits = {n: _own_limits(a) for n, a in accounts.items()}
        for post in posts:
            account = plain.get(post.network)
            if account is None:
                continue
            limits = own_limits.get(post.network)
            if limits is not None:
                post = _split_for(post, limits)
            row = _row(post, *account, review, now)
            rows[row["idempotency_key"]] = row
        added = updated = unchanged = kept = 0
        with self.session() as s:
            existing: dict[str, Any] = {}
            for keys in _chunks(list(rows), 2000):
                existing.update((r.idempotency_key, r) for r in s.execute(
                    select(Post.id, Post.idempotency_key, Post.status, Post.content_hash)
                    .where(Post.idempotency_key.in_(keys))))
            new_rows = [r for k, r in rows.items() if k not in existing]
            if new_rows:
                # a plain executemany, as fast as sqlite3's own; the creation events are then
                # written by the database from the rows this call inserted (same created_at)
                s.execute(_POSTS.insert(), new_rows)
                account_ids = {r["account_id"] for r in new_rows}
                s.execute(_EVENTS.insert().from_select(
                    ["post_id", "at", "from_status", "to_status", "actor", "detail"],
                    select(_POSTS.c.id, literal(now), literal(None, String), _POSTS.c.status,
                           literal("plan"), literal("planned"))
                    .where(_POSTS.c.created_at == now, _POSTS.c.account_id.in_(account_ids),
                           _POSTS.c.idempotency_key.in_(list(rows)) if len(rows) <= 2000
                           else true())))
                added = len(new_rows)
            for key, row in rows.items():
                old = existing.get(key)
                if old is None:
                    continue
                if old.status in FINAL or old.status == "publishing":
                    kept += 1
                elif old.content_hash == row["content_hash"]:
                    unchanged += 1
                elif self._update_planned(s, old.id, old.status, row, now):
                    updated += 1
                else:
                    kept += 1
        return PlanReport(added=added, updated=updated, unchanged=unchanged, kept_final=kept)

    def _update_planned(self, s: Session, post_id: int, status: str, row: dict[str, Any],
                        now: datetime) -> bool:
        values = {k: row[k] for k in ("text", "parts_json", "facets_json", "media_json",
                                      "link_card", "content_hash",
                                      "due_at", "timezone", "day_bound", "deadline_at")}
        # changed text was never reviewed: an approved post goes back to draft
        new_status = "draft" if status == "approved" else status
        changed = s.execute(
            update(Post).where(Post.id == post_id, Post.status == status)  # not if a runner moved it
            .values(**values, updated_at=now, status=new_status,
                    reviewed=False if new_status == "draft" else Post.reviewed)
            .returning(Post.id)).first()
        if changed is None:
            return False
        s.add(Event(post_id=post_id, at=now, from_status=status, to_status=new_status,
                    actor="plan", detail="content or time changed"))
        return True

    # -- review and edits ------------------------------------------------------------------
    def posts(self, *, statuses: Sequence[str] = (), networks: Sequence[str] = (),
              months: Sequence[int] = (), account: str | None = None, ids: Sequence[int] = (),
              limit: int | None = None) -> list[Post]:
        """Posts matching the filters, by due time; an unknown status names the choices."""
        for status in statuses:
            if status not in STATUSES:
                raise UsageError("status", status, STATUSES)
        query = select(Post).order_by(Post.due_at, Post.id)
        if statuses:
            query = query.where(Post.status.in_(statuses))
        if networks:
            query = query.where(Post.network.in_(networks))
        if ids:
            query = query.where(Post.id.in_(ids))
        if account:
            query = query.where(Post.account_id == self.named_account(account).id)
        with self.session() as s:
            found = list(s.scalars(query))
        if months:
            found = [p for p in found if local_due(p).month in months]
        return found[:limit] if limit else found

    def claimed(self, ids: Sequence[int]) -> list[Claimed]:
        """Posts with their account, as a publisher takes them (to delete published ones)."""
        with self.session() as s:
            return [_claimed(p, a) for p, a in _with_accounts(s, ids, Post.id)]

    def events(self, post_id: int) -> list[Event]:
        """The state changes of one post, oldest first."""
        with self.session() as s:
            return list(s.scalars(select(Event).where(Event.post_id == post_id).order_by(Event.id)))

    def get(self, post_id: int) -> Post:
        """One post; an unknown id says so."""
        with self.session() as s:
            post = s.get(Post, post_id)
        if post is None:
            raise CampaignError(f"no post with id {post_id}: see `campaign queue list`")
        return post

    def transition(self, ids: Sequence[int], to: str, *, allowed_from: Sequence[str],
                   actor: str, detail: str = "", **values: Any) -> list[int]:
        """Move posts to ``to`` (or REQUEUE) when their status allows it; return those moved."""
        now = utcnow()
        moved: list[int] = []
        with self.session() as s:
            for chunk in _chunks(list(ids), 2000):
                query = select(Post.id, Post.status, Post.reviewed).where(
                    Post.id.in_(chunk), Post.status.in_(allowed_from))
                rows = s.execute(query.with_for_update() if self.is_postgres else query).all()
                targets: dict[str, list[tuple[int, str]]] = {}
                for row in rows:
                    target = to if to != REQUEUE else _requeue_status(row.reviewed)
                    targets.setdefault(target, []).append((row.id, row.status))
                for target, pairs in targets.items():
                    s.execute(update(Post).where(Post.id.in_([i for i, _ in pairs]))
                              .values(status=target, updated_at=now, **values))
                    s.execute(insert(Event), [
                        {"post_id": i, "at": now, "from_status": old, "to_status": target,
                         "actor": actor, "detail": detail} for i, old in pairs])
                    moved.extend(i for i, _ in pairs)
        return sorted(moved)

    # -- dispatch --------------------------------------------------------------------------
    def expire(self, now: datetime, grace: timedelta, actor: str) -> int:
        """Mark ``missed`` every queued post that can no longer go out in time."""
        late = or_(Post.deadline_at <= now,
                   (Post.deadline_at.is_(None)) & (Post.due_at <= now - grace))
        with self.session() as s:
            query = select(Post.id, Post.status, Post.day_bound).where(
                Post.status.in_((*DISPATCHABLE, "draft")), late)
            rows = s.execute(query.with_for_update(skip_locked=True) if self.is_postgres
                             else query).all()
            for chunk in _chunks(list(rows), 2000):
                s.execute(update(Post).where(Post.id.in_([r.id for r in chunk]))
                          .values(status="missed", updated_at=now,
                                  last_error="its time passed before it could go out"))
                s.execute(insert(Event), [{
                    "post_id": r.id, "at": now, "from_status": r.status, "to_status": "missed",
                    "actor": actor, "detail": "day-bound: its day is over in its timezone"
                    if r.day_bound else f"more than {grace} after its due time"} for r in chunk])
        return len(rows)

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int,
              require_review: bool = False) -> list[Claimed]:
        """Atomically take up to ``limit`` due posts for ``worker`` with a lease."""
        statuses = _dispatchable(require_review)
        due = (select(Post.id).join(Account, Account.id == Post.account_id)
               .where(*_due(now, require_review))
               .order_by(Post.due_at, Post.id).limit(limit))
        if self.is_postgres:
            due = due.with_for_update(skip_locked=True, of=Post)
        with self.session() as s:
            ids = [r[0] for r in s.execute(
                update(Post).where(Post.id.in_(due.scalar_subquery()), Post.status.in_(statuses))
                .values(status="publishing", lease_owner=worker,
                        lease_expires_at=now + lease, attempts=Post.attempts + 1, updated_at=now,
                        first_attempt_at=func.coalesce(Post.first_attempt_at, now))
                .returning(Post.id))]
            if not ids:
                return []
            rows = _with_accounts(s, ids, Post.due_at, Post.id)
            s.execute(insert(Event), [{
                "post_id": p.id, "at": now, "from_status": "approved" if p.reviewed else "scheduled",
                "to_status": "publishing", "actor": worker, "detail": f"attempt {p.attempts}"}
                for p, _ in rows])
            return [_claimed(p, a, tried_before=p.first_attempt_at != now) for p, a in rows]

    def take_expired_leases(self, worker: str, now: datetime, lease: timedelta,
                            limit: int = 50) -> list[Claimed]:
        """Take over posts left in ``publishing`` by a worker whose lease ran out."""
        with self.session() as s:
            query = select(Post.id, Post.lease_owner).where(
                Post.status == "publishing", Post.lease_expires_at <= now).limit(limit)
            stale = s.execute(query.with_for_update(skip_locked=True) if self.is_postgres
                              else query).all()
            if not stale:
                return []
            s.execute(update(Post).where(Post.id.in_([r.id for r in stale]))
                      .values(lease_owner=worker, lease_expires_at=now + lease, updated_at=now))
            s.execute(insert(Event), [{
                "post_id": r.id, "at": now, "from_status": "publishing",
                "to_status": "publishing", "actor": worker,
                "detail": f"lease of {r.lease_owner} ran out: checking whether it went out"}
                for r in stale])
            return [_claimed(p, a) for p, a in _with_accounts(s, [r.id for r in stale], Post.id)]

    def renew(self, post_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a post just before publishing it; False if it was lost."""
        posts = _POSTS
        with self.connection() as conn:
            return conn.execute(
                posts.update().where(posts.c.id == post_id, posts.c.status == "publishing",
                                     posts.c.lease_owner == worker, posts.c.lease_expires_at > now)
                .values(lease_expires_at=now + lease).returning(posts.c.id)).first() is not None

    def finish(self, post_id: int, worker: str, to: str, *, detail: str = "",
               now: datetime | None = None, **values: Any) -> bool:
        """Record the outcome of a claimed post (``to`` may be REQUEUE), if ``worker`` holds it."""
        return self.finish_many(worker, [(post_id, to, detail, values)], now=now) == 1

    def finish_many(self, worker: str, outcomes: Sequence[tuple[int, str, str, dict[str, Any]]],
                    now: datetime | None = None) -> int:
        """Record several outcomes (post id, status or REQUEUE, detail, values) in one transaction.

        Every outcome carries the same value keys; posts ``worker`` no longer holds are skipped.
        """
        if not outcomes:
            return 0
        now = now or utcnow()
        keys = sorted(outcomes[0][3])
        posts = _POSTS
        update_stmt = posts.update().where(posts.c.id == bindparam("b_id")).values(
            status=bindparam("b_status"), updated_at=now, lease_owner=None, lease_expires_at=None,
            **{k: bindparam(f"b_{k}") for k in keys})
        with self.connection() as conn:
            held_query = select(posts.c.id, posts.c.reviewed).where(
                posts.c.id.in_([o[0] for o in outcomes]), posts.c.status == "publishing",
                posts.c.lease_owner == worker)
            held: dict[int, bool] = {
                row.id: row.reviewed for row in conn.execute(
                    held_query.with_for_update() if self.is_postgres else held_query)}
            mine = [(i, _requeue_status(held[i]) if to == REQUEUE else to, detail, values)
                    for i, to, detail, values in outcomes if i in held]
            if not mine:
                return 0
            conn.execute(update_stmt, [
                {"b_id": i, "b_status": to, **{f"b_{k}": values[k] for k in keys}}
                for i, to, _, values in mine])
            conn.execute(_EVENTS.insert(), [
                {"post_id": i, "at": now, "from_status": "publishing", "to_status": to,
                 "actor": worker, "detail": detail} for i, to, detail, _ in mine])
        return len(mine)

    def disable_account(self, account_id: int, reason: str) -> None:
        """Stop dispatching an account's posts until someone fixes its credentials."""
        with self.session() as s:
            s.execute(update(Account).where(Account.id == account_id)
                      .values(disabled_reason=reason))

    def enable_account(self, account_id: int) -> None:
        """Let an account's posts go out again after its credentials were fixed."""
        with self.session() as s:
            s.execute(update(Account).where(Account.id == account_id,
                                            Account.removed_at.is_(None))
                      .values(disabled_reason=None))

    def next_wake(self, now: datetime, require_review: bool = False) -> datetime | None:
        """When something next needs the dispatcher: a due post, a retry or a lease running out."""
        statuses = _dispatchable(require_review)
        with self.session() as s:
            due = s.scalar(select(func.min(func.coalesce(Post.next_attempt_at, Post.due_at)))
                           .join(Account, Account.id == Post.account_id)
                           .where(Post.status.in_(statuses), Account.disabled_reason.is_(None)))
            lease = s.scalar(select(func.min(Post.lease_expires_at))
                             .where(Post.status == "publishing"))
        times = [t for t in (due, lease) if t is not None]
        return min(times) if times else None

    def counts(self) -> dict[str, int]:
        """How many posts are in each status."""
        with self.session() as s:
            rows = s.execute(select(Post.status, func.count()).group_by(Post.status)).all()
        return {status: count for status, count in rows}

    # -- read-only questions ---------------------------------------------------------------
    def missing_ids(self, ids: Sequence[int]) -> list[int]:
        """The ids among ``ids`` that no post has."""
        found: set[int] = set()
        with self.session() as s:
            for chunk in _chunks(sorted(set(ids)), 2000):
                found.update(s.scalars(select(Post.id).where(Post.id.in_(chunk))))
        return sorted(set(ids) - found)

    def campaign_start(self, campaign: str) -> datetime | None:
        """The due time (naive UTC) of the earliest post planned for ``campaign``."""
        with self.session() as s:
            return s.scalar(select(func.min(Post.due_at)).where(Post.campaign == campaign))

    def open_accounts(self, due_by: datetime | None = None,
                      require_review: bool = False) -> list[Account]:
        """Accounts with posts a runner would still send (due by ``due_by`` when given) or
        still holds in ``publishing``."""
        statuses = (*_dispatchable(require_review), "publishing")
        query = select(Post.account_id).where(Post.status.in_(statuses))
        if due_by is not None:
            query = query.where(Post.due_at <= due_by)
        with self.session() as s:
            return list(s.scalars(select(Account).where(Account.id.in_(query.distinct()))
                                  .order_by(Account.network, Account.handle)))

    def preview(self, now: datetime, grace: timedelta,
                require_review: bool = False) -> Preview:
        """What a dispatch pass at ``now`` would do, read without changing a row.

        It follows the same rules as ``expire``, ``take_expired_leases`` and ``claim``: late
        posts would be missed, interrupted ones checked, due ones published; due posts that a
        runner would leave alone (stopped account, waiting for review or a retry) are held.
        """
        sendable = _dispatchable(require_review)
        columns = (Post.id, Post.status, Post.entry, Post.network, Post.due_at, Post.timezone,
                   Post.day_bound, Post.deadline_at, Post.next_attempt_at, Post.lease_expires_at,
                   Account.handle, Account.credentials_ref, Account.base_url,
                   Account.disabled_reason)
        # a late post is due too (its deadline comes after its due time): due ones cover both
        query = (select(*columns).join(Account, Account.id == Post.account_id)
                 .where(or_(Post.status.in_((*DISPATCHABLE, "draft")) & (Post.due_at <= now),
                            (Post.status == "publishing") & (Post.lease_expires_at <= now)))
                 .order_by(Post.due_at, Post.id))
        preview = Preview(now=now)
        with self.session() as s:
            for row in s.execute(query):
                preview.add(_preview_item(row, now, grace, sendable))
        return preview

    def due_count(self, now: datetime, require_review: bool = False) -> int:
        """How many posts a claim at ``now`` would take (due, not waiting, account not stopped)."""
        query = (select(func.count()).select_from(Post)
                 .join(Account, Account.id == Post.account_id)
                 .where(*_due(now, require_review)))
        with self.session() as s:
            return int(s.scalar(query) or 0)

    def held_by_stopped_accounts(self, now: datetime,
                                 require_review: bool = False) -> list[dict[str, Any]]:
        """Per stopped account with due posts: network, handle, reason, posts (how many),
        first_post_id and first_entry (the lowest id held), by network and handle."""
        query = (select(Account.network, Account.handle, Account.disabled_reason.label("reason"),
                        func.count(Post.id).label("posts"),
                        func.min(Post.id).label("first_post_id"))
                 .join(Account, Account.id == Post.account_id)
                 .where(Post.status.in_(_dispatchable(require_review)), Post.due_at <= now,
                        Account.disabled_reason.is_not(None), Account.removed_at.is_(None))
                 .group_by(Account.id, Account.network, Account.handle, Account.disabled_reason)
                 .order_by(Account.network, Account.handle))
        with self.session() as s:
            rows = s.execute(query).all()
            entries = dict(s.execute(select(Post.id, Post.entry).where(
                Post.id.in_([r.first_post_id for r in rows]))).all()) if rows else {}
        return [{**r._asdict(), "first_entry": entries.get(r.first_post_id, "")} for r in rows]


@dataclass(frozen=True)
class PreviewItem:
    """One post in a dry run: what a pass would do with it (``action``) and why."""

    post_id: int
    action: str  # publish, miss, check or hold
    entry: str
    network: str
    account: str
    due_at: datetime
    timezone: str
    where: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the report file."""
        return {"post_id": self.post_id, "action": self.action, "entry": self.entry,
                "network": self.network, "account": self.account,
                "due_at": self.due_at.isoformat() + "Z", "timezone": self.timezone,
                "where": self.where, "reason": self.reason}


@dataclass
class Preview:
    """What a dispatch pass would do at ``now``; nothing was changed to find out."""

    now: datetime
    publish: list[PreviewItem] = field(default_factory=list)
    miss: list[PreviewItem] = field(default_factory=list)
    check: list[PreviewItem] = field(default_factory=list)
    hold: list[PreviewItem] = field(default_factory=list)

    def add(self, item: PreviewItem) -> None:
        """File an item under its action."""
        cast(list[PreviewItem], getattr(self, item.action)).append(item)

    def items(self) -> list[PreviewItem]:
        """Every item, by action then due time."""
        return [*self.publish, *self.miss, *self.check, *self.hold]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"dry_run": True, "now": self.now.isoformat() + "Z",
                "would_publish": [i.as_dict() for i in self.publish],
                "would_miss": [i.as_dict() for i in self.miss],
                "would_check": [i.as_dict() for i in self.check],
                "held": [i.as_dict() for i in self.hold]}


def destination(network: str, handle: str, credentials_ref: str, base_url: str = "") -> str:
    """Where an account's posts go, for messages: its outbox file or its network."""
    if credentials_ref.startswith("outbox:"):
        return credentials_ref[len("outbox:"):]
    return f"{network} {handle}" + (f" at {base_url}" if base_url else "")


def _span(delta: timedelta) -> str:
    """A duration as the runner's options write it: 90m, 6h, 2d."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _preview_item(row: Any, now: datetime, grace: timedelta,
                  sendable: Sequence[str]) -> PreviewItem:
    """What a pass would do with one post row (joined with its account)."""
    where = destination(row.network, row.handle, row.credentials_ref, row.base_url)
    action, reason = "publish", ""
    if row.status == "publishing":
        action, reason = "check", "interrupted: its network (or outbox) is asked whether it went out"
    elif (row.deadline_at is not None and row.deadline_at <= now) or \
            (row.deadline_at is None and row.due_at <= now - grace):
        action = "miss"
        reason = (f"day over in {row.timezone}" if row.day_bound
                  else f"grace passed (more than {_span(grace)} after its due time)")
    elif row.disabled_reason is not None:
        action, reason = "hold", f"account stopped: {row.disabled_reason}"
    elif row.status not in sendable:
        action, reason = "hold", "waiting for review (`campaign queue approve`)"
    elif row.next_attempt_at is not None and row.next_attempt_at > now:
        action, reason = "hold", f"waiting to retry at {row.next_attempt_at.isoformat()}Z"
    return PreviewItem(post_id=row.id, action=action, entry=row.entry, network=row.network,
                       account=row.handle, due_at=row.due_at, timezone=row.timezone,
                       where=where, reason=reason)


def _matching(accounts: Iterable[Account], handle: str) -> list[Account]:
    """The accounts ``handle`` names: the one written exactly so, else those that differ only
    by a leading '@' or letter case."""
    from campaign.platforms.handles import same_account

    candidates = list(accounts)
    exact = [a for a in candidates if a.handle == handle]
    return exact or [a for a in candidates if same_account(a.handle, handle)]


def _with_accounts(s: Session, ids: Sequence[int], *order: Any) -> list[Any]:
    """The posts ``ids`` with their accounts, as (post, account) rows in ``order``."""
    return list(s.execute(select(Post, Account).join(Account, Account.id == Post.account_id)
                          .where(Post.id.in_(list(ids))).order_by(*order)).all())


def _due(now: datetime, require_review: bool) -> tuple[Any, ...]:
    """The conditions of a post a runner would claim at ``now``, its account joined: due, not
    waiting for a retry, its account not stopped."""
    return (Post.status.in_(_dispatchable(require_review)), Post.due_at <= now,
            or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now),
            Account.disabled_reason.is_(None))


def _dispatchable(require_review: bool) -> tuple[str, ...]:
    """The statuses a runner sends: only approved ones when review is required."""
    return ("approved",) if require_review else DISPATCHABLE


def _requeue_status(reviewed: bool) -> str:
    return "approved" if reviewed else "scheduled"


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def local_due(post: Post) -> datetime:
    """A queued post's due time in its own timezone."""
    return post.due_at.replace(tzinfo=UTC).astimezone(ZoneInfo(post.timezone))


def _own_limits(account: Account) -> NetworkLimits | None:
    """A Mastodon instance's own limits, read by `accounts test`, when they differ from 500/23."""
    settings = json.loads(account.settings_json or "{}")
    if account.network != "mastodon" or "max_characters" not in settings:
        return None
    limits = NetworkLimits(
        mastodon_characters=int(settings["max_characters"]),
        mastodon_url_length=int(settings.get("characters_reserved_per_url", 23)))
    return None if limits == NetworkLimits() else limits


def _split_for(post: Any, limits: NetworkLimits) -> Any:
    """The post split again for an instance with other limits (a longer or shorter post)."""
    from campaign.text.rules import measure, split_thread

    if measure(post.network, post.text, limits).fits:
        return post._replace(parts=(post.text,))
    return post._replace(parts=tuple(split_thread(post.text, post.network, limits)))


def _claimed(p: Post, a: Account, tried_before: bool = True) -> Claimed:
    return Claimed(
        id=p.id, idempotency_key=p.idempotency_key, post_key=p.post_key, network=p.network,
        account_id=a.id, handle=a.handle, credentials_ref=a.credentials_ref, base_url=a.base_url,
        language=p.language, text=p.text, parts=tuple(json.loads(p.parts_json)),
        facets=json.loads(p.facets_json), kind=p.kind, target=p.target,
        media=json.loads(p.media_json), link_card=p.link_card, first_attempt_at=p.first_attempt_at,
        account_settings=json.loads(a.settings_json or "{}"), tried_before=tried_before,
        due_at=p.due_at, timezone=p.timezone,
        day_bound=p.day_bound, deadline_at=p.deadline_at, attempts=p.attempts,
        created_at=p.created_at,
    )


def _row(post: Any, account_id: int, network: str, handle: str, review: bool,
         now: datetime) -> dict[str, Any]:
    parts_json = json.dumps(list(post.parts), ensure_ascii=False)
    facets_json = "[]"
    if post.network == "bluesky":
        from campaign.text.rules import facets_to_atproto

        facets_json = json.dumps([facets_to_atproto(f) for f in post.facets()], ensure_ascii=False)
    due_at = to_utc(post.due)
    timezone = post.timezone
    key = post.key
    media = post.media
    media_json = json.dumps(list(media), ensure_ascii=False) if media else "[]"
    # facets derive from the parts, so parts, media, time and zone say whether anything changed
    # (media only when there are some: posts planned before images existed keep their hash)
    hashed = f"{parts_json}\x00{media_json}" if media else parts_json
    content_hash = hashlib.sha256(
        f"{hashed}\x00{due_at.isoformat()}\x00{timezone}".encode()).hexdigest()
    return {
        "idempotency_key": idempotency_key(key, network, handle),
        "post_key": key, "campaign": post.campaign, "entry": post.entry_id,
        "audience": post.audience, "language": post.language, "network": post.network,
        "account_id": account_id, "text": post.text, "parts_json": parts_json,
        "facets_json": facets_json, "media_json": media_json,
        "link_card": any(m.get("type") == "card" for m in media),
        "content_hash": content_hash, "due_at": due_at,
        "timezone": timezone, "day_bound": post.day_bound,
        "deadline_at": day_deadline(post.due) if post.day_bound else None,
        "status": "draft" if review else "scheduled", "reviewed": False, "attempts": 0,
        "created_at": now, "updated_at": now,
    }
