"""Plugins: other installed packages adding networks and export formats through Python entry points.

A package declares, in its ``pyproject.toml``::

    [project.entry-points."campaign.platforms"]
    example = "campaign_example:platform"

    [project.entry-points."campaign.exporters"]
    tsv = "campaign_example:tsv"

(see docs/plugins.md for what each object provides). The installed packages' metadata is read
once per process, and only when a name that is not built in is asked for (or the list of names
is): ``importlib.metadata`` alone costs some 20 ms to import, which ``campaign --help`` and
commands on built-in networks never pay. A plugin's module is imported only when its network or
format is used; one that fails to import, or lacks an attribute, gives one sentence naming it and
its distribution, and never breaks the built-ins.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from campaign.errors import CampaignError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

PLATFORMS = "campaign.platforms"
EXPORTERS = "campaign.exporters"


class PluginError(CampaignError):
    """An installed plugin that cannot be used: it does not import, or lacks what it must give."""

    exit_code = 1

    def __init__(self, kind: str, name: str, distribution: tuple[str, str], problem: str) -> None:
        self.kind, self.name, self.distribution, self.problem = kind, name, distribution, problem
        dist, version = distribution
        super().__init__(f"{kind} plugin '{name}' from distribution {dist} {version} {problem}: "
                         f"fix or upgrade that package, or uninstall it (`pip uninstall {dist}`)")


@functools.cache
def _found(group: str) -> dict[str, EntryPoint]:
    """The entry points of ``group`` by name; when two distributions give one name, the first
    found on the path wins (as for any Python import)."""
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=group):
        found.setdefault(point.name, point)
    return found


def names(group: str) -> tuple[str, ...]:
    """The names plugins declare in ``group``, sorted."""
    return tuple(sorted(_found(group)))


def distribution(group: str, name: str) -> tuple[str, str]:
    """The name and version of the distribution that declares plugin ``name`` of ``group``."""
    dist = _found(group)[name].dist
    return (dist.name, dist.version) if dist is not None else ("(unknown)", "")


def load(group: str, name: str, kind: str, needs: Sequence[str]) -> object:
    """The object plugin ``name`` of ``group`` names, checked to have every attribute of
    ``needs``; PluginError when it cannot be imported or lacks one. KeyError when no plugin
    has that name."""
    point = _found(group)[name]
    try:
        # a plugin is someone else's code: any exception it raises on import is its problem,
        # told in one sentence rather than a traceback
        loaded = point.load()
    except Exception as exc:
        raise PluginError(kind, name, distribution(group, name),
                          f"cannot be loaded ({point.value}: {type(exc).__name__}: {exc})") from None
    missing = [attribute for attribute in needs if not hasattr(loaded, attribute)]
    if missing:
        raise PluginError(kind, name, distribution(group, name),
                          f"does not give {', '.join(missing)} ({point.value})")
    return loaded


def clear() -> None:
    """Forget what was found (after installing a package in a running process)."""
    _found.cache_clear()
