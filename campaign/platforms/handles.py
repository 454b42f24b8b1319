"""What a handle looks like on each network, checked before it is stored or shown.

- X: ``@name``, 1 to 15 letters, digits or ``_`` (the ``@`` is optional);
- Bluesky: a domain name (atproto handle syntax): dot-separated labels of letters, digits and
  inner hyphens, a top-level domain that does not start with a digit, at most 253 characters
  (``.test`` is accepted: test servers use it; ``@`` in front is tolerated);
- Mastodon: ``@user`` or ``@user@instance`` (user of letters, digits and ``_``, with ``.`` or
  ``-`` inside as remote accounts may have; the instance a domain, with a port for a test server).

Networks without a rule (the outbox, say) take any handle without control characters or spaces.
"""

from __future__ import annotations

import re
import unicodedata

from campaign.errors import CampaignError
from campaign.text.rules import NETWORK_NAMES

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


class HandleError(CampaignError):
    """A handle that cannot be one on its network; the message gives an example."""

    def __init__(self, network: str, handle: str, problem: str) -> None:
        self.network, self.handle = network, handle
        shown = handle if len(handle) <= 60 else handle[:60] + "…"
        example = f": write e.g. {_RULES[network][2]}" if network in _RULES else ""
        super().__init__(f"{NETWORK_NAMES.get(network, network)} handle {shown!r} {problem}{example}")


def check_handle(network: str, handle: str) -> str:
    """``handle`` when it is a valid handle on ``network``, else HandleError saying why."""
    for char in handle:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise HandleError(network, handle, f"contains control character U+{ord(char):04X}")
    if not handle.strip():
        raise HandleError(network, handle, "is empty")
    if network not in _RULES:
        if len(handle) > MAX_OTHER or any(c.isspace() for c in handle):
            raise HandleError(network, handle, f"must be at most {MAX_OTHER} characters, "
                              "without spaces")
        return handle
    pattern, rule, _ = _RULES[network]
    if not pattern.fullmatch(handle):
        raise HandleError(network, handle, f"is not valid: a {NETWORK_NAMES[network]} handle is {rule}")
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


def same_account(a: str, b: str) -> bool:
    """Whether two handles name one account: a leading '@' and letter case do not count (X,
    Bluesky and Mastodon all match handles without regard to case)."""
    return a.lstrip("@").casefold() == b.lstrip("@").casefold()
