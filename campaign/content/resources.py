"""Where the built-in schedules and templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """The built-in ``schedules`` or ``templates`` folder: inside the wheel, else the checkout."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def builtin_schedule() -> Path:
    """The 2021 campaign's schedule file that ships with the tool."""
    return data_dir("schedules") / "endchildlabour2021.yaml"


def builtin_templates() -> Path:
    """The folder of built-in post templates, one subfolder per language."""
    return data_dir("templates") / "posts"
