"""A --db that is not ours is refused in one sentence, exit code 2, and left exactly as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text

from campaign.queue.engine import safe_url
from campaign.queue.errors import DatabaseRefused
from campaign.queue.store import Store
from tests.content.test_bad_input import assert_clean_failure

# every command that opens the database, the one that creates and migrates it first
COMMANDS = [("db", "upgrade"), ("db", "status"), ("queue", "list"), ("accounts", "list"),
            ("accounts", "add", "x", "@ILO_fr")]


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _refused_everywhere(run: Callable[..., Result], url: str, *needles: str) -> None:
    for command in COMMANDS:
        assert_clean_failure(run(*command, "--db", url), *needles)


@pytest.mark.parametrize("content", [b"hello, this is a text file\n" * 10, b"\x00" * 4096,
                                     b"SQLite format 2\x00" + b"\x00" * 200],
                         ids=["text-file", "zero-bytes", "sqlite-2-header"])
def test_a_file_that_is_not_sqlite_is_refused_untouched(
        tmp_path: Path, run: Callable[..., Result], content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    before = _fingerprint(tmp_path)
    _refused_everywhere(run, f"sqlite:///{path}", f"database file {path} is not a SQLite database")
    assert _fingerprint(tmp_path) == before  # no byte changed, no -wal or -journal left


def test_another_applications_sqlite_database_is_refused_untouched(
        tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    before = _fingerprint(tmp_path)
    _refused_everywhere(run, f"sqlite:///{path}", "belongs to another application",
                        "it has tables notes and no campaign schema", "a database of its own")
    assert _fingerprint(tmp_path) == before
    with sqlite3.connect(path) as conn:  # never our tables added to it
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert tables == {"notes"}


def _make_theirs(url: str, revision: str, *, ours: bool) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if ours:  # our schema, from a newer version of the tool
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        else:  # another application that uses Alembic too
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
            conn.execute(text("CREATE TABLE widgets (id INTEGER PRIMARY KEY)"))
    engine.dispose()


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    with engine.connect() as conn:
        found = set(inspect(conn).get_table_names())
    engine.dispose()
    return found


def test_a_database_of_a_newer_schema_says_upgrade_the_tool(
        database_url: str, run: Callable[..., Result], tmp_path: Path) -> None:
    Store(database_url).upgrade()
    _make_theirs(database_url, "0099_future", ours=True)
    before = _dump(database_url)
    _refused_everywhere(run, database_url, "was created by a newer version of campaign "
                        "(schema 0099_future): upgrade the tool")
    assert _dump(database_url) == before  # a WAL database's bytes move on close: compare rows


def _dump(url: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    with engine.connect() as conn:
        found = [(name, [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name}"))])
                 for name in sorted(inspect(conn).get_table_names())]
    engine.dispose()
    return found


def test_another_applications_alembic_database_is_refused(
        database_url: str, run: Callable[..., Result], tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        sqlite3.connect(tmp_path / "queue.db").close()
    _make_theirs(database_url, "ab12cd34", ours=False)
    before = _fingerprint(tmp_path) if database_url.startswith("sqlite") else {}
    _refused_everywhere(run, database_url, "belongs to another application",
                        "schema revision ab12cd34 is not campaign's")
    assert _tables(database_url) == {"alembic_version", "widgets"}
    if before:
        assert _fingerprint(tmp_path) == before


def test_another_alembic_database_with_one_of_our_revision_names_is_refused(
        database_url: str, run: Callable[..., Result], tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        sqlite3.connect(tmp_path / "queue.db").close()
    _make_theirs(database_url, "0001", ours=False)  # their first revision, named like ours
    _refused_everywhere(run, database_url, "belongs to another application",
                        "schema revision 0001, but none of campaign's tables")
    assert _tables(database_url) == {"alembic_version", "widgets"}


def test_another_applications_tables_without_alembic_are_refused(
        database_url: str, run: Callable[..., Result]) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    _refused_everywhere(run, database_url, "belongs to another application",
                        "it has tables invoices")
    assert _tables(database_url) == {"invoices"}


def test_a_missing_folder_is_named(tmp_path: Path, run: Callable[..., Result]) -> None:
    folder = tmp_path / "x" / "y"
    _refused_everywhere(run, f"sqlite:///{folder / 'c.db'}", f"folder {folder} does not exist")
    assert not (tmp_path / "x").exists()


def test_a_folder_given_as_the_database_is_refused(tmp_path: Path,
                                                    run: Callable[..., Result]) -> None:
    _refused_everywhere(run, f"sqlite:///{tmp_path}", "is a folder, not a file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file:x.db?mode=memory&uri=true",
                                 "sqlite:///file:notes.txt?uri=true"])
def test_a_database_that_is_not_a_file_is_refused(url: str, run: Callable[..., Result],
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _refused_everywhere(run, url, "is not a file: give one, e.g. --db sqlite:///campaign.db")
    assert list(tmp_path.iterdir()) == []


def test_db_status_never_creates_the_database(tmp_path: Path, run: Callable[..., Result]) -> None:
    for args in (("db", "status"), ("db", "status", "--json")):
        result = run(*args, "--db", f"sqlite:///{tmp_path / 'typo.db'}")
        assert_clean_failure(result, "typo.db does not exist: create it with `campaign db upgrade`")
    assert list(tmp_path.iterdir()) == []


def test_refusals_are_bad_input_not_failures(tmp_path: Path) -> None:
    (tmp_path / "n.db").write_text("not a database " * 10)
    with pytest.raises(DatabaseRefused) as caught:
        Store(f"sqlite:///{tmp_path / 'n.db'}")
    assert caught.value.exit_code == 2


def test_an_empty_file_is_an_empty_database(tmp_path: Path, run: Callable[..., Result]) -> None:
    (tmp_path / "new.db").touch()
    result = run("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 0, result.output


# -- passwords in URLs -------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "postgresql+psycopg://bob:Pa55-w0rd!@127.0.0.1:1/db",
    "postgresql+psycopg://bob@127.0.0.1:1/db?password=Pa55-w0rd!",
    "postgresql+psycopg://bob@127.0.0.1:1/db?sslmode=disable&PASSWORD=Pa55-w0rd!",
    "postgresql+psycopg://bob@127.0.0.1:1/db?sslpassword=Pa55-w0rd!",
], ids=["password-in-user-info", "password-parameter", "uppercase-password-parameter",
        "sslpassword-parameter"])
def test_a_password_is_masked_in_every_message(url: str, run: Callable[..., Result]) -> None:
    assert "Pa55" not in safe_url(url) and "***" in safe_url(url)
    for command in (("db", "status"), ("db", "upgrade"), ("queue", "list")):
        result = run(*command, "--db", url)
        assert result.exit_code == 1, result.output  # nothing listens on port 1: a failure
        assert "Pa55" not in result.output and "w0rd" not in result.output
        assert "127.0.0.1" in result.output and "Traceback" not in result.output


def test_safe_url_keeps_the_rest_readable() -> None:
    assert safe_url("postgresql+psycopg://bob@h/db?password=x%22y&sslmode=require") == \
        "postgresql+psycopg://bob@h/db?password=***&sslmode=require"
    assert safe_url("sqlite:///campaign.db") == "sqlite:///campaign.db"
