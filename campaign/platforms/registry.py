"""Which networks exist and what each brings: the built-in ones (X, Bluesky, Mastodon) and those
plugins add through the ``campaign.platforms`` entry point group (see docs/plugins.md).

The built-ins are declared here in code rather than as entry points in our own pyproject: they
then work from a source checkout whatever the installed metadata says (no reinstall after a
change, no stale ``.dist-info`` that breaks X), and naming one never reads any package metadata,
which costs ~20 ms to import. Entry points are read only for names that are not built in, once
per process.

A :class:`Platform` is what a network gives: its name and display name, the text rule its posts
are measured (and split into threads) with, its handle check, which secrets it signs in with,
and the factory of its publisher. Everything else asks this module: schedule validation, account
registration, the handle check, credentials, the runner's publisher pool.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from campaign.errors import UsageError
from campaign.text.networks import NETWORK_NAMES, NETWORKS

if TYPE_CHECKING:
    from campaign.platforms.base import Publisher
    from campaign.platforms.credentials import Secrets
    from campaign.text.measure import Measure
    from campaign.text.networks import NetworkLimits

    Rule = Callable[[str, NetworkLimits], Measure]

# what a plugin platform must give (the rest has defaults)
NEEDS = ("name", "display_name", "measure", "publisher")


class PublisherFactory(Protocol):
    """Makes the publisher of one account (called once per account per runner)."""

    def __call__(self, handle: str, secrets: Secrets, base_url: str, timeout: float,
                 settings: dict[str, Any]) -> Publisher:
        """The publisher for ``handle``, signed in with ``secrets`` on ``base_url`` (the
        account's, '' for the network's default), each call waiting at most ``timeout`` seconds;
        ``settings`` is what an earlier ``accounts test`` kept about the account."""
        ...


@dataclass(frozen=True)
class Platform:
    """What a network brings; plugins give one of these (or any object with these attributes).

    ``measure(text, limits)`` counts a post's text the network's way and says whether it fits
    (``limits`` holds the built-in networks' limits; a plugin's rule may ignore it).
    ``check_handle(handle)`` raises ValueError saying what is wrong with a handle (None: any
    handle without spaces or control characters). ``credential_fields`` lists the ways of
    signing in, each a tuple of the secret fields it needs (``((),)``: no secrets).
    """

    name: str
    display_name: str
    measure: Rule
    publisher: PublisherFactory
    check_handle: Callable[[str], object] | None = None
    handle_example: str = ""
    credential_fields: tuple[tuple[str, ...], ...] = ((),)


def character_rule(network: str, limit: int) -> Rule:
    """A text rule for a plugin network: at most ``limit`` characters as a reader counts them
    (graphemes: an emoji with its skin tone is one), links counted as written."""

    def rule(text: str, limits: NetworkLimits) -> Measure:
        from campaign.text.graphemes import grapheme_length
        from campaign.text.measure import Measure

        length = grapheme_length(text)
        return Measure(network, length, limit, length <= limit, "characters")

    return rule


def network_names() -> tuple[str, ...]:
    """Every network a post can go to: the built-in ones, then those plugins add (sorted)."""
    return _names()


@functools.cache
def _names() -> tuple[str, ...]:
    from campaign import plugins

    return (*NETWORKS, *(n for n in plugins.names(plugins.PLATFORMS) if n not in NETWORKS))


def is_network(name: str) -> bool:
    """Whether ``name`` is a network (built in, or added by a plugin); never imports a plugin."""
    return name in NETWORK_NAMES or name in network_names()


def display_name(name: str) -> str:
    """How people write the network's name ("X", "Bluesky"); ``name`` itself for what is not a
    network (the outbox) or a plugin that cannot be loaded."""
    if name in NETWORK_NAMES:
        return NETWORK_NAMES[name]
    if not is_network(name):
        return name
    from campaign.plugins import PluginError

    try:
        return platform(name).display_name
    except PluginError:
        return name


def platform(name: str) -> Platform:
    """The platform of network ``name``; UsageError naming the choices for an unknown one,
    PluginError (one sentence naming the plugin and its distribution) for a broken plugin."""
    if name in NETWORK_NAMES:
        return _builtin(name)
    if name not in network_names():
        raise UsageError("network", name, network_names())
    return _plugin(name)


def check_network(name: str) -> str:
    """``name`` when it is a network whose platform loads, else the error saying why."""
    platform(name)
    return name


# -- built-in platforms ----------------------------------------------------------------------------
@functools.cache
def _builtin(name: str) -> Platform:
    from campaign.platforms import credentials, handles
    from campaign.text.measure import measure_bluesky, measure_mastodon, measure_x

    rules: dict[str, Rule] = {"x": measure_x, "bluesky": measure_bluesky,
                              "mastodon": measure_mastodon}

    def check(handle: str) -> object:
        return handles.check_handle(name, handle)

    return Platform(name=name, display_name=NETWORK_NAMES[name], measure=rules[name],
                    publisher=_BUILTIN_PUBLISHERS[name], check_handle=check,
                    handle_example=handles.example(name),
                    credential_fields=credentials.BUILTIN_FIELDS[name])




def _x(handle: str, secrets: Secrets, base_url: str, timeout: float,
       settings: dict[str, Any]) -> Publisher:
    from campaign.platforms.x.publisher import XPublisher

    return XPublisher(handle, secrets, base_url, timeout)


def _bluesky(handle: str, secrets: Secrets, base_url: str, timeout: float,
             settings: dict[str, Any]) -> Publisher:
    from campaign.platforms.bluesky.publisher import BlueskyPublisher

    return BlueskyPublisher(handle, secrets, base_url, timeout)


def _mastodon(handle: str, secrets: Secrets, base_url: str, timeout: float,
              settings: dict[str, Any]) -> Publisher:
    from campaign.platforms.mastodon.publisher import MastodonPublisher

    return MastodonPublisher(handle, secrets, base_url, timeout, settings)


_BUILTIN_PUBLISHERS: dict[str, PublisherFactory] = {"x": _x, "bluesky": _bluesky,
                                                    "mastodon": _mastodon}


def credential_fields(network: str) -> tuple[tuple[str, ...], ...]:
    """The ways of signing in on ``network``, each the secret fields it needs."""
    return platform(network).credential_fields


# -- plugin platforms ------------------------------------------------------------------------------
# loaded plugins, and the error of each broken one: a broken plugin is imported once per process
_plugins: dict[str, Platform | Exception] = {}


def _plugin(name: str) -> Platform:
    found = _plugins.get(name)
    if found is None:
        from campaign import plugins

        try:
            loaded = plugins.load(plugins.PLATFORMS, name, "network", NEEDS)
            found = _checked(name, loaded, plugins.distribution(plugins.PLATFORMS, name))
        except plugins.PluginError as exc:
            found = exc
        else:
            from campaign.platforms import credentials, handles
            from campaign.text.measure import add_rule

            # the text rules (measure, threads), handle checks and credentials then know the
            # network by name, as they know the built-ins
            add_rule(name, found.measure)
            handles.add_plugin(name, found.display_name, found.handle_example, found.check_handle)
            credentials.add_fields(name, found.credential_fields)
        _plugins[name] = found
    if isinstance(found, Exception):
        raise found
    return found


def _checked(name: str, given: object, dist: tuple[str, str]) -> Platform:
    """The plugin's object as a Platform, each attribute checked."""
    from campaign.plugins import PluginError

    def bad(problem: str) -> PluginError:
        return PluginError("network", name, dist, problem)

    if getattr(given, "name", None) != name:
        raise bad(f"names itself {getattr(given, 'name', None)!r}, not {name!r} as its entry "
                  "point does")
    display = getattr(given, "display_name", None)
    if not isinstance(display, str) or not display.strip():
        raise bad("gives no display_name (a non-empty string)")
    callables = {a: getattr(given, a, None) for a in ("measure", "publisher", "check_handle")}
    for attribute, value in callables.items():
        if not callable(value) and (value is not None or attribute != "check_handle"):
            raise bad(f"gives a {attribute} that is not a function")
    fields = getattr(given, "credential_fields", ((),))
    if not (isinstance(fields, tuple | list)
            and all(isinstance(f, tuple | list) and all(isinstance(n, str) for n in f)
                    for f in fields) and fields):
        raise bad("gives credential_fields that are not tuples of field names")
    return Platform(name=name, display_name=display, measure=callables["measure"],  # type: ignore[arg-type]
                    publisher=callables["publisher"],  # type: ignore[arg-type]
                    check_handle=callables["check_handle"],
                    handle_example=str(getattr(given, "handle_example", "") or ""),
                    credential_fields=tuple(tuple(f) for f in fields))


def clear() -> None:
    """Forget the plugins found and loaded (tests, or a package installed while running)."""
    from campaign import plugins

    plugins.clear()
    _names.cache_clear()
    _plugins.clear()
