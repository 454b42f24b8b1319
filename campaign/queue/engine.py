"""The queue's database: engine and connection set-up for SQLite and PostgreSQL, errors that name the
database (never its password), schema revisions and migrations.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Connection, Dialect, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from campaign.errors import CampaignError
from campaign.queue.errors import DatabaseRefused, StoreError
from campaign.queue.models import Event, QueuedPost

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from psycopg import Connection as PsycopgConnection
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["DEFAULT_URL", "Database", "chunks", "database_url", "safe_url", "stored_text",
           "url_secrets", "utc_text", "utcnow"]

DEFAULT_URL = "sqlite:///campaign.db"


POSTS = cast(Table, QueuedPost.__table__)


EVENTS = cast(Table, Event.__table__)


# the tables of our first migration: a database with them and an unknown revision is ours, newer
OUR_TABLES = frozenset({"accounts", "posts", "post_events"})


_SQLITE_MAGIC = b"SQLite format 3\x00"


# libpq reads these from the URL's query too; they are as secret as the password
_SECRET_QUERY_KEYS = ("password", "sslpassword")


_MASKED = "MASKED-PASSWORD-0f3a"  # rendered, then replaced: SQLAlchemy would %-encode '***'


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (the queue's columns store and return aware UTC)."""
    return datetime.now(UTC)


def stored_text(moment: datetime) -> str:
    """A moment as the database holds it, naive UTC in ISO form (``2021-06-12T07:00:00``): the
    content hashes of planned posts are built on it, so they stay those of earlier versions."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def utc_text(moment: datetime) -> str:
    """A moment as the ISO text the tool prints for UTC: ``2021-06-12T07:00:00Z``."""
    return stored_text(moment) + "Z"


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


# the SQLite files this process has an engine on. Their header is never read again here: closing
# any descriptor of a file drops every POSIX lock this process holds on it, SQLite's included,
# and another process would then take itself for the last one and delete the WAL under us
# (the web dashboard makes several stores on one file while connections are open)
_IN_USE: set[str] = set()


def _check_sqlite_file(url: str) -> None:
    """Refuse, before SQLite touches it, a file that is not a SQLite database or a folder that
    does not exist; a missing file is fine (``db upgrade`` creates it)."""
    parsed = make_url(url)
    # _make_engine has refused in-memory and URI databases: this is a file path
    path = Path(str(parsed.database))
    if os.path.realpath(path) in _IN_USE:
        return
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
        def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
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
        def _sqlite_begin(conn: Connection) -> None:
            # a reading transaction (Database._reading) takes no lock: WAL readers see one
            # snapshot and never hold up the writers
            reading = conn.get_execution_options().get("campaign_reading")
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        engine = create_engine(url, pool_pre_ping=True)

        @event.listens_for(engine, "connect")
        def _postgres_connect(dbapi_conn: PsycopgConnection[Any],
                              _record: ConnectionPoolEntry) -> None:
            # the columns hold naive UTC: a value PostgreSQL converts on its own (a literal
            # compared with a column, now()) must be read in UTC, whatever the server's zone
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'UTC'")
            dbapi_conn.commit()

        return engine
    raise CampaignError(f"database '{safe_url(url)}' is not supported: use sqlite:///file.db or "
                        "postgresql://user@host/db (psycopg 3)")


_T = TypeVar("_T")


def among(dialect: str, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter however many
    values: a list of thousands of placeholders costs SQLAlchemy and psycopg more to write and
    parse than the database takes to answer (a report's pledgers' authors, 10,000 of them)."""
    if dialect != "postgresql":
        return column.in_(list(values))
    from sqlalchemy import String, any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import NullType

    # an expression's type (lower(handle)) may be unknown: its values are text then
    item = String() if isinstance(column.type, NullType) else column.type
    return column == any_(bindparam(None, list(values), type_=ARRAY(item)))


def aggregate_moment(moment: Any) -> datetime:
    """A time read from an aggregate (``max(created_at)``) as aware UTC: on SQLite such a
    value bypasses the column's type and comes back as its stored text."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    found: datetime = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return found


def chunks(items: Sequence[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of at most ``size``: a bound on the parameters of one statement."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])



class Database:
    """The database: engine, transactions, errors that name it, schema revisions and migrations."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine = _make_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            _check_sqlite_file(self.url)
            _IN_USE.add(os.path.realpath(str(make_url(self.url).database)))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL, where claims skip rows other workers hold."""
        return self.engine.dialect.name == "postgresql"

    @property
    def dialect(self) -> Dialect:
        """The database's SQL dialect (for code that renders statements, as the benchmark)."""
        return self.engine.dialect

    @property
    def sqlite_path(self) -> str | None:
        """The SQLite database's file, None on PostgreSQL."""
        if self.engine.dialect.name != "sqlite":
            return None
        return make_url(self.url).database

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    # Transactions are the store's own: callers get plain values or detached rows, never a
    # session, so no caller can hold a transaction (or a SQLite write lock) open.
    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._database_errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """One Core transaction, for the hot paths where the ORM's bookkeeping costs too much."""
        with self._database_errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read-only transaction over one snapshot: what a report reads, however long it
        takes, without holding SQLite's write lock (collectors go on storing meanwhile) and,
        on PostgreSQL, every query of it seeing the same data (REPEATABLE READ, READ ONLY)."""
        with self._database_errors(), self.engine.connect() as conn:
            if self.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                              postgresql_readonly=True)
            else:
                conn = conn.execution_options(campaign_reading=True)
            with conn.begin():
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
    def _scripts(self) -> ScriptDirectory:
        """Our migration scripts, read once per Store (revision and head both need them)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config())

    def _alembic_config(self) -> Config:
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
        with self._connection() as conn:
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
