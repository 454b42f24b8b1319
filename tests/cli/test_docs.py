"""The README shows every command: each command and subcommand has an example invocation
(``$ campaign queue reschedule ...``) in one of its code blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from campaign.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command under ``group``, groups included, depth first."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _invocations(text: str) -> list[str]:
    """Every ``$ campaign ...`` line inside a fenced code block, without the prompt."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and line.startswith("$ campaign "):
            found.append(line.removeprefix("$ ").strip())
    return found


COMMAND_PATHS = list(_commands(cli))


def test_the_tree_is_walked_whole() -> None:
    """The walk reaches the lazily loaded groups' subcommands, not only the top level."""
    assert ("queue", "reschedule") in COMMAND_PATHS and ("db", "status") in COMMAND_PATHS
    assert len(COMMAND_PATHS) >= 24


@pytest.mark.parametrize("path", [pytest.param(p, id="-".join(p)) for p in COMMAND_PATHS])
def test_readme_has_an_example_of(path: tuple[str, ...]) -> None:
    wanted = re.compile(rf"^campaign {re.escape(' '.join(path))}(\s|$)")
    examples = _invocations(README.read_text(encoding="utf-8"))
    assert any(wanted.match(line) for line in examples), \
        f"README.md has no example of `campaign {' '.join(path)} ...` in a code block"
