"""A pledger's social handles, one per network, checked and normalised before they are stored, and
a Bluesky handle resolved to its DID (handles change, DIDs do not).

`check_pledge_handle` strips the spaces around a handle and takes a profile link of the network
as well as the handle itself (``https://x.com/ILO`` is ``@ILO``; a query, a fragment or a sub-page
such as ``/about/`` after the profile part are ignored). What is stored, network by network:

- X, Bluesky, Mastodon: the rules of our own accounts' handles, `campaign.platforms.handles.
  check_handle`, not repeated here. X is stored ``@name``; Bluesky as the bare domain in lower case
  (atproto handles are case-insensitive and normalised to lower case); Mastodon as
  ``@user@instance``, the instance in lower case: a pledger's handle must name its instance, a bare
  ``@user`` cannot be found from another server.
- Facebook: ``name``, as written. Facebook's Help Center ("Guidelines for creating a custom
  username", facebook.com/help/105399436216001): only letters A-Z, digits 0-9 and periods, no
  extension such as ``.com`` or ``.net``, at least 5 characters. That minimum is for choosing a new
  username: older ones are shorter (``facebook.com/zuck``, ``facebook.com/ILO``) and still name their
  page, so it is not enforced. The page gives no maximum: we stop at 50, the limit commonly
  reported. A profile without a username is found by its number (``profile.php?id=100064…``),
  which the same rule accepts.
- Instagram: ``name``, in lower case (Instagram does not tell usernames apart by case): 1 to 30
  letters, digits, periods and underscores (Instagram's username rule as the help pages and the
  qainsta.com / Regexp::Pattern::Instagram write-ups state it), not starting or ending with a
  period, and no two periods in a row.
- LinkedIn: ``in/<slug>`` for a person or ``company/<slug>`` for an organisation (also
  ``school/<slug>`` and ``showcase/<slug>``, LinkedIn's other kinds of Page), the kind and the slug
  in lower case (the custom part of the URL is case-insensitive). The kind is kept because LinkedIn
  needs it to find the page: a bare slug is refused with an example of each. LinkedIn Help
  ("Manage your public profile URL", linkedin.com/help/linkedin/answer/87): a member's custom URL is
  3 to 100 characters, no spaces, symbols or special characters, and not the word LinkedIn; we
  accept letters, digits and inner hyphens (assigned URLs hold hyphens: ``john-smith-2a1ba6258``).
  LinkedIn documents no rule for a Page's URL: the same characters, 1 to 100 of them.
- TikTok: ``@name``, as written. TikTok Support ("Changing your username",
  support.tiktok.com/en/getting-started/setting-up-your-profile/changing-your-username): only
  letters, numbers, underscores and periods, and a period cannot end it; 2 to 24 characters, the
  length the help pages and username checkers give.

`resolve_bluesky` asks ``com.atproto.identity.resolveHandle`` of a PDS or appview (the public
appview unless ``CAMPAIGN_BLUESKY_RESOLVER`` says otherwise, see `resolver_from_env`) and returns a
`Resolution`: the DID, or why there is none. Nothing is fatal there: a pledge is stored without a
DID when the service is off, unreachable or says something unexpected (a later ``resolve`` can fill
it), and the caller warns when the service says the handle does not exist. One request, a bounded
time and a bounded body; the answer is untrusted and its DID is checked.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from campaign.errors import CampaignError
from campaign.platforms.handles import HandleError, check_handle
from campaign.text.networks import NETWORK_NAMES

PLEDGE_NETWORKS: tuple[str, ...] = ("x", "bluesky", "mastodon", "facebook", "instagram", "linkedin",
                                    "tiktok")
NETWORK_LABELS: Mapping[str, str] = MappingProxyType({
    **NETWORK_NAMES, "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
    "tiktok": "TikTok",
})
EXAMPLES: Mapping[str, str] = MappingProxyType({
    "x": "@ILO", "bluesky": "ilo.bsky.social", "mastodon": "@ilo@mastodon.social",
    "facebook": "ILO", "instagram": "ilo", "linkedin": "company/ilo", "tiktok": "@ilo",
})
# the address of each network's profile pages, for messages
PROFILE_LINKS: Mapping[str, str] = MappingProxyType({
    "x": "https://x.com/ILO", "bluesky": "https://bsky.app/profile/ilo.bsky.social",
    "mastodon": "https://mastodon.social/@ilo", "facebook": "https://www.facebook.com/ILO",
    "instagram": "https://www.instagram.com/ilo/", "linkedin": "https://www.linkedin.com/company/ilo/",
    "tiktok": "https://www.tiktok.com/@ilo",
})
MAX_INPUT = 300  # a handle or profile link longer than this is refused before any parsing

DEFAULT_RESOLVER = "https://public.api.bsky.app"
RESOLVER_ENV = "CAMPAIGN_BLUESKY_RESOLVER"
MAX_ANSWER_BYTES = 16 * 1024  # a resolveHandle answer is ~50 bytes; more is not an answer


class PledgeHandleError(CampaignError):
    """A pledger's handle that cannot be one on its network; the message gives the rule and an
    example (exit 2)."""

    def __init__(self, network: str, handle: str, problem: str, *, message: str = "") -> None:
        self.network, self.handle, self.problem = network, handle, problem
        if not message:
            label = NETWORK_LABELS.get(network, network)
            shown = handle if len(handle) <= 60 else handle[:60] + "…"
            example = EXAMPLES.get(network)
            tail = f": write e.g. {example} or {PROFILE_LINKS[network]}" if example else ""
            message = f"{label} handle {shown!r} {problem}{tail}"
        super().__init__(message)


# (what is checked, the rule as the message says it)
_FACEBOOK = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9.]{1,50}")
_FACEBOOK_RULE = "up to 50 letters (A-Z), digits and periods, with no extension such as .com"
_INSTAGRAM = re.compile(r"(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9._]{1,30}")
_INSTAGRAM_RULE = ("1 to 30 letters, digits, periods and underscores, not starting or ending with "
                   "a period, no two periods in a row")
_TIKTOK = re.compile(r"(?!.*\.$)[A-Za-z0-9_.]{2,24}")
_TIKTOK_RULE = ("2 to 24 letters, digits, underscores and periods after an optional @, not ending "
                "with a period")
# letters in any script: LinkedIn's assigned URLs keep a name's accents («in/françois-dupont-1a2b»)
_LINKEDIN = re.compile(r"(in|company|school|showcase)/([^\W_](?:(?:[^\W_]|-){0,98}[^\W_])?)",
                       re.IGNORECASE)
_LINKEDIN_RULE = ("in/<name> for a person or company/<name> for an organisation, the name "
                  "letters, digits and inner hyphens (3 to 100 for a person, up to 100 for a Page)")

# hosts of each network's profile links (a www., m., mobile., web. or country prefix is dropped first)
_HOSTS: dict[str, tuple[str, ...]] = {
    "x": ("x.com", "twitter.com"), "bluesky": ("bsky.app",),
    "facebook": ("facebook.com", "fb.com"), "instagram": ("instagram.com",),
    "linkedin": ("linkedin.com",), "tiktok": ("tiktok.com",),
}
_HOST_PREFIX = re.compile(r"^(?:www|m|mobile|web|mbasic|[a-z]{2})\.")
# first path segments of X and Facebook that are pages of the site, not someone's profile
_NOT_PROFILES = {
    "x": {"home", "search", "explore", "i", "intent", "hashtag", "settings", "messages", "share"},
    "facebook": {"groups", "events", "watch", "marketplace", "sharer", "share", "help", "login",
                 "reel", "reels", "photo", "photos", "posts", "videos", "stories", "hashtag",
                 "search", "gaming", "friends", "notifications", "business", "policies",
                 "privacy", "pages", "people"},
    "instagram": {"p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "legal",
                  "developer", "stories"},
}
# Facebook's links that name a profile by its number: /people/<Name>/<id>/, /pages/<Name>/<id>/
# and the old page addresses <Name-of-the-page>-<id>
_FACEBOOK_NUMBER = re.compile(r"(?:.*-)?(\d{5,})")


def check_pledge_handle(network: str, handle: str) -> str:
    """The handle normalised for storage (a profile link of the network taken as its handle), or
    PledgeHandleError saying the network's rule; an unknown network lists `PLEDGE_NETWORKS`."""
    if network not in PLEDGE_NETWORKS:
        raise PledgeHandleError(network, handle, "", message=(
            f"unknown network {network!r} for a pledge handle: choose one of "
            f"{', '.join(PLEDGE_NETWORKS)}"))
    text = handle.strip()
    if not text:
        raise PledgeHandleError(network, handle, "is empty")
    if len(text) > MAX_INPUT:
        raise PledgeHandleError(network, handle, f"is {len(text)} characters long, over the "
                                f"{MAX_INPUT} a handle or profile link may have")
    if _looks_like_link(text):
        text = _from_link(network, handle, text)
    return _NORMALISERS[network](handle, text)


def _looks_like_link(text: str) -> bool:
    """Whether ``text`` is a web address: a scheme, or a host (a dot before the first slash)."""
    if re.match(r"(?i)https?://", text):
        return True
    head, slash, _ = text.partition("/")
    return bool(slash) and "." in head and "@" not in head


def _from_link(network: str, original: str, text: str) -> str:
    """The handle a profile link of ``network`` names, before its network's own check."""
    if not re.match(r"(?i)https?://", text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # a malformed address or port
        raise PledgeHandleError(network, original, "is not a web address") from None
    if not host:
        raise PledgeHandleError(network, original, "is not a web address")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if network == "mastodon":
        return _mastodon_link(original, host, port, segments)
    bare = _HOST_PREFIX.sub("", host)
    if bare not in _HOSTS[network]:
        raise PledgeHandleError(network, original, f"is a link to {host}, not to "
                                f"{NETWORK_LABELS[network]}")
    first = segments[0] if segments else ""
    if network == "facebook" and first == "profile.php":
        ids = parse_qs(parts.query).get("id", [""])
        first = ids[0]
    elif network == "facebook" and first in ("people", "pages") and len(segments) >= 3 and \
            segments[2].isdigit():
        first = segments[2]
    elif network == "facebook" and first == "pg" and len(segments) >= 2:
        first = segments[1]
    elif network == "facebook" and first.endswith(".php"):  # a post, a photo, a story
        first = "pages"
    elif network == "facebook" and (number := _FACEBOOK_NUMBER.fullmatch(first)) and \
            "-" in first:
        first = number[1]
    elif network == "instagram" and first == "stories" and len(segments) >= 2:
        first = segments[1]
    elif network == "bluesky":
        if first != "profile" or len(segments) < 2:
            raise PledgeHandleError(network, original, "is not a Bluesky profile link")
        first = segments[1]
        if first.startswith("did:"):
            raise PledgeHandleError(network, original, "names the account by its DID, not its "
                                    "handle: copy the handle shown on the profile")
    elif network == "linkedin":
        first = "/".join(segments[:2])
    elif network in ("tiktok",) and not first.startswith("@"):
        raise PledgeHandleError(network, original, "is not a TikTok profile link (/@name)")
    if not first or first.lower() in _NOT_PROFILES.get(network, ()):
        raise PledgeHandleError(network, original, f"is not a {NETWORK_LABELS[network]} profile link")
    return first


def _mastodon_link(original: str, host: str, port: int | None, segments: list[str]) -> str:
    """``@user@instance`` from ``https://instance/@user`` (or /users/user, or /@user@other)."""
    user = ""
    if segments and segments[0].startswith("@"):
        user = segments[0]
    elif len(segments) >= 2 and segments[0] == "users":
        user = "@" + segments[1]
    if not user:
        raise PledgeHandleError("mastodon", original, "is not a Mastodon profile link (/@user)")
    if "@" in user[1:]:  # a remote account seen from this instance names its own
        return user
    return f"{user}@{host}" + (f":{port}" if port else "")


def _platform(network: str, original: str, candidate: str) -> str:
    """`check_handle`'s verdict on ``candidate``, told about what the pledger wrote."""
    try:
        return check_handle(network, candidate)
    except HandleError as exc:
        problem = exc.problem
        if network == "mastodon" and "@user or @user@instance" in problem:
            # our accounts may omit their instance; a pledger's may not (see _mastodon)
            problem = ("is not valid: a pledger's Mastodon handle is @user@instance (the user "
                       "letters, digits and _, the instance a domain)")
        raise PledgeHandleError(network, original, problem) from None


def _x(original: str, text: str) -> str:
    return "@" + _platform("x", original, text).removeprefix("@")


def _bluesky(original: str, text: str) -> str:
    return _platform("bluesky", original, text).removeprefix("@").lower()


def _mastodon(original: str, text: str) -> str:
    if not text.startswith("@"):
        text = "@" + text
    checked = _platform("mastodon", original, text)
    user, at, instance = checked[1:].partition("@")
    if not at:
        raise PledgeHandleError("mastodon", original, "does not name its instance: a pledger's "
                                "Mastodon handle is @user@instance, as a bare @user cannot be "
                                "found from another server")
    return f"@{user}@{instance.lower()}"


def _refuse_controls(network: str, original: str, text: str) -> None:
    """What `check_handle` refuses first on its networks, for the other four too."""
    if any(not c.isprintable() for c in text):
        raise PledgeHandleError(network, original, "contains a control or invisible character")


def _facebook(original: str, text: str) -> str:
    _refuse_controls("facebook", original, text)
    name = text.removeprefix("@")
    if not _FACEBOOK.fullmatch(name):
        raise PledgeHandleError("facebook", original, f"is not valid: a Facebook username is "
                                f"{_FACEBOOK_RULE}")
    if re.search(r"(?i)\.(?:com|net)$", name):
        raise PledgeHandleError("facebook", original, "ends in a web extension, which a Facebook "
                                f"username may not: it is {_FACEBOOK_RULE}")
    return name


def _instagram(original: str, text: str) -> str:
    _refuse_controls("instagram", original, text)
    name = text.removeprefix("@")
    if not _INSTAGRAM.fullmatch(name):
        raise PledgeHandleError("instagram", original, f"is not valid: an Instagram username is "
                                f"{_INSTAGRAM_RULE}")
    return name.lower()


def _linkedin(original: str, text: str) -> str:
    _refuse_controls("linkedin", original, text)
    path = text.strip("/")
    match = _LINKEDIN.fullmatch(path)
    if not match:
        if "/" not in path:
            raise PledgeHandleError("linkedin", original, "does not say whether it is a person "
                                    "(in/<name>) or an organisation (company/<name>)")
        raise PledgeHandleError("linkedin", original, f"is not valid: a LinkedIn handle is "
                                f"{_LINKEDIN_RULE}")
    kind, slug = match.group(1).lower(), match.group(2).lower()
    if kind == "in" and len(slug) < 3:
        raise PledgeHandleError("linkedin", original, "is too short: a LinkedIn member's name "
                                "after in/ is 3 to 100 letters, digits and inner hyphens")
    if kind == "in" and "linkedin" in slug:
        raise PledgeHandleError("linkedin", original, "contains the word LinkedIn, which a member's "
                                "public URL may not")
    return f"{kind}/{slug}"


def _tiktok(original: str, text: str) -> str:
    _refuse_controls("tiktok", original, text)
    name = text.removeprefix("@")
    if not _TIKTOK.fullmatch(name):
        raise PledgeHandleError("tiktok", original, f"is not valid: a TikTok username is "
                                f"{_TIKTOK_RULE}")
    return "@" + name


_NORMALISERS = {"x": _x, "bluesky": _bluesky, "mastodon": _mastodon, "facebook": _facebook,
                "instagram": _instagram, "linkedin": _linkedin, "tiktok": _tiktok}


# --- Bluesky: handle to DID ------------------------------------------------------------------

Outcome = Literal["resolved", "off", "unreachable", "not_found", "bad_answer"]
_PLC = re.compile(r"did:plc:[a-z2-7]{24}")


@dataclass(frozen=True)
class Resolution:
    """What resolving a Bluesky handle gave: the DID, or None and why (`outcome`, `problem`).

    ``outcome`` is ``resolved`` (``did`` set), ``off`` (no service configured), ``unreachable``
    (connection refused, timeout, a 5xx or 429: try again later), ``not_found`` (the service says
    no account has this handle: warn the pledger) or ``bad_answer`` (the service answered
    something that is not a resolveHandle answer). ``problem`` is one sentence for a warning,
    empty when resolved; it holds nothing the service sent but an XRPC error name, escaped.
    """

    did: str | None
    outcome: Outcome
    problem: str = ""

    @property
    def should_retry(self) -> bool:
        """Whether a later ``resolve`` may get the DID this one did not."""
        return self.outcome in ("off", "unreachable", "bad_answer")


def valid_did(value: object) -> str | None:
    """``value`` when it is a DID atproto accepts (did:plc:<24 base32> or host-level did:web)."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    if _PLC.fullmatch(value):
        return value
    if value.startswith("did:web:"):
        # atproto: a hostname only, the handles' own rules for its labels and top-level domain
        domain = value.removeprefix("did:web:")
        try:
            check_handle("bluesky", domain)
        except HandleError:
            return None
        return value if not domain.startswith("@") else None
    return None


def resolve_bluesky(handle: str, *, service: str | None = None, timeout: float = 5.0) -> Resolution:
    """Resolve ``handle`` to its DID on ``service`` (a PDS or appview base URL): one request,
    ``timeout`` seconds for each network step and for the whole body, never a retry; never raises
    for what the service does (PledgeHandleError for a handle that is not one)."""
    normal = check_pledge_handle("bluesky", handle)
    if not service:
        return Resolution(None, "off", "no Bluesky resolver is configured: the DID is left empty")
    base = service.rstrip("/")
    where = _safe(base)
    if not re.match(r"(?i)https?://[^/?#]", base):
        return Resolution(None, "unreachable", f"the Bluesky resolver {where!r} is not an http(s) "
                          "address: the DID is left empty")
    import httpx  # lazily: `campaign --help` does not pay for it

    url = f"{base}/xrpc/com.atproto.identity.resolveHandle?handle={quote(normal)}"
    deadline = time.monotonic() + timeout
    try:
        # a resolver on this machine is never behind the environment's proxy
        with httpx.Client(timeout=timeout, follow_redirects=False,
                          trust_env=not _is_loopback(base)) as client, \
                client.stream("GET", url, headers={"Accept": "application/json",
                                                   "Accept-Encoding": "identity"}) as response:
            if response.headers.get("content-encoding", "identity").lower() != "identity":
                # raw bytes only: a compressed body could inflate far past the bound in one chunk
                return Resolution(None, "bad_answer", f"{where} answered resolveHandle with a "
                                  "compressed body it was not asked for: the DID is left empty")
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    return Resolution(None, "bad_answer", f"{where} answered more than "
                                      f"{MAX_ANSWER_BYTES // 1024} KiB to resolveHandle: not a "
                                      "Bluesky resolver")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the answer took too long")
            status = response.status_code
    except httpx.TimeoutException:
        return Resolution(None, "unreachable", f"{where} did not answer within {timeout:g} s: "
                          "the DID is left empty for a later resolve")
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return Resolution(None, "unreachable", f"{where} could not be reached "
                          f"({type(exc).__name__}): the DID is left empty for a later resolve")
    return _read_answer(normal, where, status, bytes(body))


def _read_answer(handle: str, where: str, status: int, body: bytes) -> Resolution:
    """The Resolution an HTTP answer means; the body is untrusted."""
    try:
        decoded: object = json.loads(body)
    except ValueError:
        decoded = None
    error = decoded.get("error") if isinstance(decoded, dict) else None
    error_name = error if isinstance(error, str) and re.fullmatch(r"[A-Za-z]{1,40}", error) else ""
    if status == 200:
        did = valid_did(decoded.get("did")) if isinstance(decoded, dict) else None
        if did:
            return Resolution(did, "resolved")
        return Resolution(None, "bad_answer", f"{where} answered resolveHandle for {handle!r} "
                          "without a valid DID: the DID is left empty")
    if status == 400 and (error_name == "HandleNotFound" or (
            isinstance(decoded, dict) and decoded.get("message") == "Unable to resolve handle")):
        return Resolution(None, "not_found", f"Bluesky handle {handle!r} does not exist according "
                          f"to {where}: check it on the pledger's profile")
    if status == 429 or status >= 500:
        return Resolution(None, "unreachable", f"{where} answered HTTP {status}: the DID is left "
                          "empty for a later resolve")
    said = f" {error_name}" if error_name else ""
    return Resolution(None, "bad_answer", f"{where} answered HTTP {status}{said} to resolveHandle: "
                      "is it a Bluesky PDS or appview? The DID is left empty")


def resolve_bluesky_did(handle: str, *, service: str | None = None,
                        timeout: float = 5.0) -> str | None:
    """The DID of ``handle`` on ``service``, or None whatever the reason (see `resolve_bluesky`
    for the reason)."""
    return resolve_bluesky(handle, service=service, timeout=timeout).did


def resolver_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The resolver base URL ``CAMPAIGN_BLUESKY_RESOLVER`` names: an http(s) URL, ``off`` (None),
    or, unset or empty, the public appview."""
    value = (os.environ if environ is None else environ).get(RESOLVER_ENV, "").strip()
    if not value:
        return DEFAULT_RESOLVER
    if value.lower() == "off":
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok or parts.query or parts.fragment:
        raise CampaignError(f"{RESOLVER_ENV}={_safe(value)!r} is not a base URL: set it to e.g. "
                            f"{DEFAULT_RESOLVER} or a PDS's address, or to 'off'")
    return value.rstrip("/")


def _is_loopback(base: str) -> bool:
    host = (urlsplit(base).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def _safe(text: str) -> str:
    """A URL for a message: no control characters, no user:password, at most 80 characters."""
    try:
        parts = urlsplit(text)
        if parts.password or parts.username:
            text = parts._replace(netloc=parts.hostname or "").geturl()
    except ValueError:
        pass
    text = "".join(c for c in text if c.isprintable())
    return text if len(text) <= 80 else text[:80] + "…"
