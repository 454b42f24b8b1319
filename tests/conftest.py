"""Shared fixtures: the built-in schedule, a tiny valid schedule to break in tests, a CLI runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.render import Renderer
from campaign.resources import builtin_schedule
from campaign.schedule import Schedule, load_schedule

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
