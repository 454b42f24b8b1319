"""What a handle looks like on each network, checked before it is stored or shown.

- X: ``@name``, 1 to 15 letters, digits or ``_`` (the ``@`` is optional);
- Bluesky: a domain name (atproto handle syntax): dot-separated labels of letters, digits and
  inner hyphens, a top-level domain that does not start with a digit, at most 253 characters
  (``.test`` is accepted: test servers use it; ``@`` in front is tolerated);
- Mastodon: ``@user`` or ``@user@instance`` (user of letters, digits and ``_``, with ``.`` or
  ``-`` inside as remote accounts may have; the instance a domain, with a port for a test server).

A network a plugin adds checks its handles with its platform's ``check_handle`` (after the
checks every handle gets: no control characters, not empty). What has no rule (the outbox, a
plugin network without a check) takes any handle without control characters or spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from campaign.errors import CampaignError
from campaign.text.networks import NETWORK_NAMES

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+{_TLD}"
_RULES: dict[str, tuple[re.Pattern[str], str, str]] = {
    "x": (re.compile(r"@?[A-Za-z0-9_]{1,15}"),
          "1 to 15 letters, digits or _ after an optional @", "@ILO_fr"),
    "bluesky": (re.compile(rf"@?{_DOMAIN}"),
                "a domain name such as name.bsky.social (letters, digits, hyphens, dots)",
                "ilo.bsky.social"),
    "mastodon": (re.compile(rf"@?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
                            rf"(?:@{_DOMAIN}(?::[0-9]{{1,5}})?)?"),
                 "@user or @user@instance (letters, digits and _)", "@ilo@mastodon.social"),
}
MAX_DOMAIN = 253
# the atproto handle specification reserves these; .test stays allowed for test servers
_RESERVED_TLDS = ("alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion")
MAX_OTHER = 200
# networks plugins add, told by the registry when it loads one (this module never imports the
# registry: the registry imports it): display name, example handle, the plugin's own check
_PLUGINS: dict[str, tuple[str, str, Callable[[str], object] | None]] = {}


def add_plugin(network: str, display: str, example_handle: str,
               check: Callable[[str], object] | None) -> None:
    """Know a plugin network's handles: how it is named, an example, its own check (or None)."""
    _PLUGINS[network] = (display, example_handle, check)


def _display_name(network: str) -> str:
    """The network's name as people write it (a plugin's own display name)."""
    return NETWORK_NAMES.get(network) or (_PLUGINS[network][0] if network in _PLUGINS else network)


class HandleError(CampaignError):
    """A handle that cannot be one on its network; the message gives an example."""

    def __init__(self, network: str, handle: str, problem: str) -> None:
        self.network, self.handle, self.problem = network, handle, problem
        shown = handle if len(handle) <= 60 else handle[:60] + "…"
        example = f": write e.g. {_example(network)}" if _example(network) else ""
        super().__init__(f"{_display_name(network)} handle {shown!r} {problem}{example}")


def check_handle(network: str, handle: str) -> str:
    """``handle`` when it is a valid handle on ``network``, else HandleError saying why."""
    for char in handle:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise HandleError(network, handle, f"contains control character U+{ord(char):04X}")
    if not handle.strip():
        raise HandleError(network, handle, "is empty")
    if network not in _RULES and network in _PLUGINS:
        _check_plugin(network, handle)
    if network not in _RULES:
        if len(handle) > MAX_OTHER or any(c.isspace() for c in handle):
            raise HandleError(network, handle, f"must be at most {MAX_OTHER} characters, "
                              "without spaces")
        return handle
    pattern, rule, _ = _RULES[network]
    if not pattern.fullmatch(handle):
        raise HandleError(network, handle, f"is not valid: a {_display_name(network)} handle is {rule}")
    if network == "bluesky":
        domain = handle.removeprefix("@")
        if len(domain) > MAX_DOMAIN:
            raise HandleError(network, handle, f"is {len(domain)} characters long, over the "
                              f"{MAX_DOMAIN} a domain name may have")
        tld = domain.rsplit(".", 1)[-1].lower()
        if tld in _RESERVED_TLDS:
            raise HandleError(network, handle, f"ends in .{tld}, which Bluesky does not accept "
                              "(use .test for a test server)")
    if network == "mastodon" and "@" in handle.removeprefix("@"):
        instance = handle.removeprefix("@").split("@", 1)[1].split(":", 1)[0]
        if len(instance) > MAX_DOMAIN:
            raise HandleError(network, handle, f"has an instance name of {len(instance)} "
                              f"characters, over the {MAX_DOMAIN} a domain name may have")
    return handle


def example(network: str) -> str:
    """A handle that is valid on a built-in network, for messages."""
    return _RULES[network][2]


def _example(network: str) -> str:
    if network in _RULES:
        return _RULES[network][2]
    return _PLUGINS[network][1] if network in _PLUGINS else ""


def _check_plugin(network: str, handle: str) -> None:
    """The plugin network's own check, its ValueError told as a HandleError."""
    check = _PLUGINS[network][2]
    if check is None:
        return
    try:
        check(handle)
    except ValueError as exc:
        raise HandleError(network, handle, str(exc) or "is not valid") from None


def same_account(a: str, b: str) -> bool:
    """Whether two handles name one account: a leading '@' and letter case do not count (X,
    Bluesky and Mastodon all match handles without regard to case)."""
    return a.lstrip("@").casefold() == b.lstrip("@").casefold()
