"""Exports of rendered posts: calendar (ICS), bulk-upload CSV, JSON, Markdown and an HTML share kit,
and the formats plugins add through the ``campaign.exporters`` entry point group.

The built-in formats are listed here in code, as the built-in networks are in the platform
registry (and for the same reasons: see campaign/platforms/registry.py): only a format that is
not built in makes the installed packages' metadata be read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from campaign.content.render import RenderedPost
    from campaign.content.schedule import Schedule

Exporter = Callable[..., None]
FORMATS = ("ics", "csv", "json", "jsonl", "markdown", "html")
SUFFIXES = {"ics": ".ics", "csv": ".csv", "json": ".json", "jsonl": ".jsonl",
            "markdown": ".md", "html": ".html"}
# what an exporter plugin must give
NEEDS = ("name", "suffix", "write")


@dataclass(frozen=True)
class ExportFormat:
    """An export format a plugin adds (any object with these attributes will do).

    ``write(posts, schedule, out, **options)`` writes the rendered posts to ``out`` (whole or not
    at all: ``campaign.atomic.atomic_open`` does that), as the built-in exporters do.
    """

    name: str
    suffix: str
    write: Exporter


def format_names() -> tuple[str, ...]:
    """Every export format: the built-in ones, then those plugins add (sorted)."""
    from campaign import plugins

    return (*FORMATS, *(n for n in plugins.names(plugins.EXPORTERS) if n not in FORMATS))


def suffix(fmt: str) -> str:
    """The file extension of format ``fmt`` ('.ics')."""
    return SUFFIXES[fmt] if fmt in SUFFIXES else export_format(fmt).suffix


def export_format(fmt: str) -> ExportFormat:
    """The plugin format ``fmt``; UsageError naming the formats when none has that name,
    PluginError (naming the plugin and its distribution) when it cannot be loaded."""
    found = _plugins.get(fmt)
    if found is None:
        from campaign import plugins
        from campaign.errors import UsageError

        if fmt not in plugins.names(plugins.EXPORTERS):
            raise UsageError("export format", fmt, format_names())
        try:
            found = _checked(fmt, plugins.load(plugins.EXPORTERS, fmt, "export format", NEEDS),
                             plugins.distribution(plugins.EXPORTERS, fmt))
        except plugins.PluginError as exc:
            found = exc
        _plugins[fmt] = found
    if isinstance(found, Exception):
        raise found
    return found


_plugins: dict[str, ExportFormat | Exception] = {}


def _checked(fmt: str, given: object, dist: tuple[str, str]) -> ExportFormat:
    from campaign.plugins import PluginError

    name, ext, write = (getattr(given, a) for a in NEEDS)
    if name != fmt:
        raise PluginError("export format", fmt, dist, f"names itself {name!r}, not {fmt!r} as "
                          "its entry point does")
    if not (isinstance(ext, str) and ext.startswith(".") and len(ext) > 1):
        raise PluginError("export format", fmt, dist, f"gives suffix {ext!r}, not a file "
                          "extension such as '.tsv'")
    if not callable(write):
        raise PluginError("export format", fmt, dist, "gives a write that is not a function")
    return ExportFormat(name=fmt, suffix=ext, write=write)


def export(fmt: str, posts: Sequence[RenderedPost], schedule: Schedule, out: Path, **options: Any) -> None:
    """Write ``posts`` to ``out`` in format ``fmt``; the file appears whole or not at all."""
    writer: Exporter
    if fmt == "ics":
        from campaign.exporters.ics import write_ics as writer
    elif fmt == "csv":
        from campaign.exporters.csv import write_csv as writer
    elif fmt in ("json", "jsonl"):
        from campaign.exporters.jsonout import write_json as writer

        options["lines"] = fmt == "jsonl"
    elif fmt == "markdown":
        from campaign.exporters.markdown import write_markdown as writer
    elif fmt == "html":
        from campaign.exporters.html import write_html as writer
    else:
        _write_plugin(fmt, posts, schedule, Path(out), options)
        return
    writer(posts, schedule, Path(out), **options)


def write_posts(fmt: str, posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *,
                layout: str = "posts", media_url: str | None = None,
                locale: str = "") -> list[Path]:
    """Write ``posts`` as ``campaign export`` does, each format given the options it takes;
    return the files written (the share kit writes one page per language beside ``out``)."""
    options: dict[str, Any] = {"layout": layout, "media_url": media_url} if fmt == "csv" else {}
    if fmt in ("html", "markdown") and locale:
        options["locale"] = locale
    export(fmt, posts, schedule, out, **options)
    if fmt == "html":
        from campaign.exporters.html import plan_pages

        return [page.path for page in plan_pages(posts, schedule, out, locale=locale)]
    return [Path(out)]


def _write_plugin(fmt: str, posts: Sequence[RenderedPost], schedule: Schedule, out: Path,
                  options: dict[str, Any]) -> None:
    """Write with a plugin format; what its code raises (other than our own errors) is told as
    one sentence naming the plugin, never a traceback."""
    from campaign import plugins
    from campaign.errors import CampaignError

    write = export_format(fmt).write
    try:
        write(posts, schedule, out, **options)
    except CampaignError:
        raise
    except Exception as exc:  # someone else's code: its bug is its own
        raise plugins.PluginError("export format", fmt,
                                  plugins.distribution(plugins.EXPORTERS, fmt),
                                  f"failed writing {out} ({type(exc).__name__}: {exc})") from None
