"""Shared fixtures: the built-in schedule, a tiny valid schedule to break in tests, a CLI runner."""

from __future__ import annotations

import itertools
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.content.render import Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import Schedule, load_schedule
from tests.browser import browser, open_page  # noqa: F401  (one headless Chromium, its pages)
from tests.servers.pds import local_pds  # noqa: F401  (a session fixture: the real Bluesky PDS)

if TYPE_CHECKING:
    from campaign.queue.store import Store
    from campaign.tracking.store import TrackStore

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"

MINIMAL = textwrap.dedent("""\
    schema: 1
    templates: tpl
    campaign:
      id: tiny
      name: {en: Tiny campaign, fr: Petite campagne}
      year: 2030
      hashtag: "#Tiny2030"
      site: https://tiny.example.org
      contact: hi@tiny.example.org
      languages: [en, fr]
      timezone: Europe/Paris
    audiences:
      - id: person
        kind: individual
        name: {en: Person, fr: Personne}
    entries:
      - id: hello
        title: {en: Hello, fr: Bonjour}
        date: 2030-03-01
        audiences: [person]
        template: hello
      - id: later
        title: {en: Later, fr: Plus tard}
        relative_to: hello
        offset_days: 7
        audiences: [person]
        template: hello
    """)


@pytest.fixture(scope="session")
def schedule() -> Schedule:
    """The built-in 2021 campaign, loaded once."""
    return load_schedule(builtin_schedule())


@pytest.fixture(scope="session")
def renderer(schedule: Schedule) -> Renderer:
    """A renderer of the built-in campaign with an empty profile."""
    return Renderer(schedule)


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    """Write the minimal schedule (optionally edited) with its templates; return its path."""

    def make(text: str = MINIMAL, templates: dict[str, str] | None = None) -> Path:
        for lang, body in (templates or {"en": "Hello {{ campaign.hashtag }}",
                                          "fr": "Bonjour {{ campaign.hashtag }}"}).items():
            folder = tmp_path / "tpl" / lang
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "hello.j2").write_text(body, encoding="utf-8")
        path = tmp_path / "tiny.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture
def run() -> Callable[..., Result]:
    """Invoke the CLI in-process and return its result."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)

    return invoke


@pytest.fixture
def db_cli(run: Callable[..., Result], database_url: str) -> Callable[..., Result]:
    """The CLI on this test's database (``--db`` added to every call)."""

    def invoke(*args: object) -> Result:
        return run(*args, "--db", database_url)

    return invoke


# -- queue database backends -------------------------------------------------------------------
BACKENDS = ["sqlite", "postgresql"]
# a test whose subject does not depend on the backend (the store is proven on both elsewhere)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL of a throwaway PostgreSQL cluster; the tests skip (saying why) without one."""
    from tests.pg import find_bin_dir, postgres_server

    if find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed on this machine")
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run PostgreSQL as")
    with postgres_server() as url:
        yield url


_counter = itertools.count()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the backend the test is parametrized with."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    from sqlalchemy import create_engine, text

    admin_url = request.getfixturevalue("pg_admin_url")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Where each backend's migrated template lives, made the first time a test asks: running
    every migration once per session instead of once per test saves minutes of the suite."""
    return {}


def _migrated_template(request: pytest.FixtureRequest, backend: str) -> str:
    """A database at the newest schema to copy from (SQLite: a file; PostgreSQL: a database
    used as TEMPLATE), made once per session."""
    from campaign.queue.engine import Database

    made: dict[str, str] = request.getfixturevalue("_migrated_templates")
    if backend in made:
        return made[backend]
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path_factory").mktemp("template") / "migrated.db"
        url = f"sqlite:///{path}"
    else:
        from sqlalchemy import create_engine, text

        admin_url = request.getfixturevalue("pg_admin_url")
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "migrated_{os.getpid()}"'))
        admin.dispose()
        url = admin_url.rsplit("/", 1)[0] + f"/migrated_{os.getpid()}"
    db = Database(url)
    db.upgrade()
    db.close()  # a template must have no connection left (and SQLite's WAL folded back in)
    made[backend] = url
    return url


def make_migrated(request: pytest.FixtureRequest, url: str) -> None:
    """Bring the test's empty database (``database_url``) to the newest schema by copying the
    session's migrated template into it: the URL stays the same, so the CLI and the stores of a
    test all see one database."""
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    template = _migrated_template(request, backend)
    if backend == "sqlite":
        import shutil

        shutil.copyfile(template.removeprefix("sqlite:///"), url.removeprefix("sqlite:///"))
        return
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(request.getfixturevalue("pg_admin_url"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        source = template.rsplit("/", 1)[1]
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY = FILE_COPY'))
    admin.dispose()


@pytest.fixture
def store(request: pytest.FixtureRequest, database_url: str) -> Iterator[Store]:
    """A migrated Store on the test's backend."""
    from campaign.queue.store import Store

    make_migrated(request, database_url)
    db = Store(database_url)
    yield db
    db.close()


@pytest.fixture
def tracks(request: pytest.FixtureRequest, database_url: str) -> Iterator[TrackStore]:
    """A migrated TrackStore (hashtag tracking) on the test's backend."""
    from campaign.tracking.store import TrackStore

    make_migrated(request, database_url)
    db = TrackStore(database_url)
    yield db
    db.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a database on each backend."""
    own = [m for m in metafunc.definition.iter_markers("parametrize")
           if "database_url" in str(m.args[0])]
    if "database_url" in metafunc.fixturenames and not own:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def _no_public_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches Bluesky's public appview: a test that resolves handles names its server."""
    monkeypatch.setenv("CAMPAIGN_BLUESKY_RESOLVER", "off")
