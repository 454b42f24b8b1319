"""The policy `campaign amplify auto` follows: which collected posts the secretariat's accounts
repost or quote, how many a day, at what hours (a YAML file; docs/amplify.md lists its keys).

The file is read as untrusted, like the tracking sources (bounded size, no aliases, line numbers
kept: campaign.content.yamlsource), checked with pydantic (an unknown key is refused), and every
problem is one sentence naming the file, line and key: ``policy.yaml, line 7: key quiet_hours:
...`` (exit 2). A policy holds no secret: the accounts are named as ``campaign accounts`` lists
them, and their credentials stay where `campaign accounts add` registered them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from campaign.content.yamlsource import key_path as key_name
from campaign.content.yamlsource import secret_spot
from campaign.tracking.config import SourcesError
from campaign.tracking.matching import bluesky_key, mastodon_key, x_key

NETWORKS = ("x", "bluesky", "mastodon")
ACTIONS = ("repost", "quote")
# a withdrawn pledger is no longer amplified, and a draft is not yet a pledge
STATUSES = ("submitted", "accepted", "fulfilled")
DEFAULT_STATUSES = STATUSES
DEFAULT_PER_DAY, DEFAULT_MIN_AGE, DEFAULT_MAX_AGE = 5, "30m", "3d"
MAX_PER_DAY = 1000
MAX_AGE = timedelta(days=366)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# a key that would hold a secret, and values shaped like one (a bearer token, an API key): a
# policy needs none, and one pasted here would end up in the audit log and in git
_SECRET_KEY = re.compile(r"(?i)token|passw|secret|api_?key|bearer|private|cookie|session|credential")
_SECRET_VALUE = re.compile(r"(?i)\bbearer\s+\S{12,}|\b(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])"
                           r"[A-Za-z0-9_\-]{40,}\b|\b(ghp|gho|xox[abp]|sk)[_-][A-Za-z0-9]{16,}")
_KEYS = {
    "top": "name, accounts, action, quote_text, review, who, pledge_statuses, allow_replies, "
           "allow_quotes, max_per_day, timezone, quiet_hours, min_age, max_age, languages, "
           "hashtags, block",
    "accounts": "account, timezone, max_per_day, quiet_hours",
    "block": "handles, words, domains",
}


class PolicyError(SourcesError):
    """A policy file that cannot be used: ``FILE, line N: key K: what to do`` (exit 2)."""


@dataclass(frozen=True)
class QuietHours:
    """A span of the day, in an account's timezone, when it amplifies nothing (may cross midnight)."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        """Whether a local time of day falls in the span."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class AccountRule:
    """One account that amplifies, with its own day (timezone), cap and quiet hours."""

    name: str  # NETWORK=HANDLE, as `campaign accounts` lists it
    network: str
    handle: str
    timezone: str
    max_per_day: int
    quiet_hours: QuietHours | None
    line: int | None  # where the file names it, for an account the database does not have


@dataclass(frozen=True)
class Block:
    """What is never amplified: these authors, posts with these words, links to these domains."""

    handles: frozenset[tuple[str, str]] = frozenset()  # (network, compared handle)
    words: tuple[str, ...] = ()  # case-folded
    domains: tuple[str, ...] = ()  # lower case, no leading dot


@dataclass(frozen=True)
class Policy:
    """A checked policy: what `decide` follows."""

    path: Path
    name: str
    digest: str  # the SHA-256 of the file's bytes: the audit log says which version decided
    accounts: tuple[AccountRule, ...]
    action: str
    quote_text: Mapping[str, str]  # language -> words of a quote (in the file's order)
    review: bool
    pledgers_only: bool
    handles: frozenset[tuple[str, str]]  # who, when a list is given
    statuses: tuple[str, ...]
    allow_replies: bool
    allow_quotes: bool
    min_age: timedelta
    max_age: timedelta
    languages: tuple[str, ...]  # empty: any
    hashtags: tuple[str, ...]  # normalised; empty: any
    block: Block

    @property
    def label(self) -> str:
        """How the audit log names it: its name and digest."""
        return f"{self.name[:200]} sha256:{self.digest}"

    def text_for(self, language: str) -> tuple[str, str]:
        """The words of a quote for a post in ``language``, and their language: the post's own
        (or its primary language's), else English, else the first the file gives."""
        for lang in (language, language.split("-")[0], "en"):  # fr-CA: the French words
            if lang in self.quote_text:
                return self.quote_text[lang], lang
        lang, text = next(iter(self.quote_text.items()))
        return text, lang


def handle_key(network: str, handle: str) -> str:
    """A handle as compared on its network (see campaign.tracking.matching)."""
    return {"x": x_key, "bluesky": bluesky_key, "mastodon": mastodon_key}[network](handle)


# -- values -------------------------------------------------------------------------------------
class _Problem(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def parse_duration(text: str | int | float) -> timedelta:
    """An age: ``30m``, ``6h``, ``3d``, ``90s``, ``0m`` (a unit is needed)."""
    raw = str(text).strip()
    found = _DURATION.match(raw)
    if not found or isinstance(text, bool):
        raise _Problem(f"{raw[:20]!r} is not a duration: write e.g. 30m, 6h or 3d")
    span = timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])
    if span > MAX_AGE:
        raise _Problem(f"{raw!r} is more than 366 days: a year is the longest age that means "
                       "anything to a campaign")
    return span


def parse_quiet_hours(text: str) -> QuietHours:
    """``22:00-07:00``: from 22:00 to 07:00 the next morning (24-hour clock)."""
    start, sep, end = str(text).partition("-")
    times = [_CLOCK.match(part.strip()) for part in (start, end)]
    if not sep or not all(times):
        raise _Problem(f"{str(text)[:20]!r} is not a span of hours: write e.g. 22:00-07:00 "
                       "(HH:MM-HH:MM, 24-hour clock)")
    first, last = (time(int(m.group(1)), int(m.group(2))) for m in times if m)
    if first == last:
        raise _Problem(f"{text!r} starts and ends at the same time: give a span, or remove "
                       "quiet_hours")
    return QuietHours(first, last)


def check_timezone(name: str) -> str:
    """An IANA timezone name, e.g. Europe/Geneva."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise _Problem(f"{str(name)[:40]!r} is not an IANA timezone: write e.g. Europe/Geneva "
                       "or America/Lima") from None
    return str(name)


def parse_handle(text: str) -> tuple[str, str]:
    """``network:handle`` (x:@TravailSN, bluesky:travail.bsky.social, mastodon:@oit@mastodon.social)
    as (network, compared handle)."""
    network, sep, handle = str(text).strip().partition(":")
    if not sep or network not in NETWORKS or not handle.strip().lstrip("@"):
        raise _Problem(f"{str(text)[:60]!r} is not network:handle: write e.g. x:@TravailSN, "
                       "bluesky:travail.bsky.social or mastodon:@oit@mastodon.social")
    return network, handle_key(network, handle)


# -- the file -----------------------------------------------------------------------------------
class _Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str
    timezone: str | None = None
    max_per_day: int | None = Field(default=None, ge=0, le=MAX_PER_DAY)
    quiet_hours: str | None = None


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handles: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    accounts: list[str | _Account] = Field(min_length=1)
    action: Literal["repost", "quote"] = "repost"
    quote_text: dict[str, str] | None = None
    review: bool = False
    who: Literal["pledgers"] | list[str] = "pledgers"
    pledge_statuses: list[str] = Field(default_factory=lambda: list(DEFAULT_STATUSES),
                                       min_length=1)
    allow_replies: bool = False
    allow_quotes: bool = False
    max_per_day: int = Field(default=DEFAULT_PER_DAY, ge=0, le=MAX_PER_DAY)
    timezone: str | None = None
    quiet_hours: str | None = None
    min_age: str | int = DEFAULT_MIN_AGE
    max_age: str | int = DEFAULT_MAX_AGE
    languages: list[str] = Field(default_factory=list)
    hashtags: list[str] | None = None
    block: _Block = Field(default_factory=_Block)


def load_policy(path: Path, *, schedule_path: Path | None = None) -> Policy:
    """The policy a file gives, checked; the timezone and hashtags default to the campaign's
    (the built-in schedule's, or ``schedule_path``'s). PolicyError names the file, line, key."""
    from campaign.content.yamlsource import load_yaml, read_bytes

    source = load_yaml(path)
    digest = hashlib.sha256(read_bytes(path)).hexdigest()
    data = source.data
    if not isinstance(data, dict):
        raise PolicyError(path, 1, "", "a policy is a mapping with at least accounts: (a list): "
                          "see schedules/examples/amplify-policy.yaml")
    _refuse_secrets(data, source.lines, path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        first = _pick(exc.errors(), data)
        loc = _plain_loc(tuple(first["loc"]), data)
        raise PolicyError(path, source.line_of(loc), key_name(loc), _explain(first)) from None

    def fail(problem: str, *loc: str | int) -> PolicyError:
        return PolicyError(path, source.line_of(loc), key_name(loc), problem)

    def checked(parse: Any, value: Any, *loc: str | int) -> Any:
        try:
            return parse(value)
        except _Problem as exc:
            raise fail(exc.problem, *loc) from None

    campaign = _campaign(schedule_path, _mtime(schedule_path)) \
        if parsed.timezone is None or parsed.hashtags is None else None
    zone = checked(check_timezone, parsed.timezone, "timezone") if parsed.timezone \
        else str(campaign.timezone if campaign else "UTC")
    quiet = checked(parse_quiet_hours, parsed.quiet_hours, "quiet_hours") \
        if parsed.quiet_hours else None
    accounts = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(parsed.accounts):
        rule = entry if isinstance(entry, _Account) else _Account(account=entry)
        at: tuple[str | int, ...] = ("accounts", i, "account") if isinstance(entry, _Account) \
            else ("accounts", i)
        network, sep, handle = rule.account.strip().partition("=")
        if network not in NETWORKS or not sep or not handle.strip():
            raise fail(f"{rule.account[:60]!r} is not NETWORK=HANDLE: name an account as "
                       "`campaign accounts list` shows it, e.g. x=@ILO_fr or "
                       "bluesky=ilo.bsky.social (x, bluesky or mastodon)", *at)
        key = f"{network}={handle_key(network, handle)}"
        if key in seen:
            raise fail(f"{rule.account} is listed twice (also line {seen[key]}): list it once",
                       *at)
        seen[key] = source.line_of(at)
        accounts.append(AccountRule(
            name=f"{network}={handle.strip()}", network=network, handle=handle.strip(),
            timezone=checked(check_timezone, rule.timezone, "accounts", i, "timezone")
            if rule.timezone else zone,
            max_per_day=parsed.max_per_day if rule.max_per_day is None else rule.max_per_day,
            quiet_hours=checked(parse_quiet_hours, rule.quiet_hours, "accounts", i,
                                "quiet_hours") if rule.quiet_hours else quiet,
            line=source.line_of(at)))
    texts = _quote_texts(parsed, accounts, fail)
    min_age = checked(parse_duration, parsed.min_age, "min_age")
    max_age = checked(parse_duration, parsed.max_age, "max_age")
    if max_age <= min_age:
        raise fail(f"max_age {parsed.max_age} is not more than min_age {parsed.min_age}: no post "
                   "could ever be amplified", "max_age")
    for i, status in enumerate(parsed.pledge_statuses):
        if status not in STATUSES:
            raise fail(f"{status[:30]!r} is not a status amplified: use "
                       f"{', '.join(STATUSES)} (a withdrawn pledger is never amplified, a draft "
                       "is not yet a pledge)", "pledge_statuses", i)
    handles = frozenset(checked(parse_handle, h, "who", i)
                        for i, h in enumerate(parsed.who)) if isinstance(parsed.who, list) \
        else frozenset()
    if isinstance(parsed.who, list) and not handles:
        raise fail("lists nobody: list handles (network:handle) or write who: pledgers", "who")
    return Policy(
        path=path, name=(parsed.name or path.stem).strip(), digest=digest,
        accounts=tuple(accounts), action=parsed.action, quote_text=texts, review=parsed.review,
        pledgers_only=parsed.who == "pledgers", handles=handles,
        statuses=tuple(dict.fromkeys(parsed.pledge_statuses)),
        allow_replies=parsed.allow_replies, allow_quotes=parsed.allow_quotes,
        min_age=min_age, max_age=max_age,
        languages=tuple(_languages(parsed.languages, fail)),
        hashtags=_hashtags(parsed.hashtags, campaign, fail),
        block=_block(parsed.block, fail))


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path else 0.0
    except OSError:
        return 0.0  # the loader names the problem


@lru_cache(maxsize=4)
def _campaign(path: Path | None, _mtime: float) -> Any:
    """The schedule's campaign (its timezone and hashtags): read once while the file stays the
    same, as the runner reads the policy again every turn."""
    from campaign.content.selection import load

    return load(path).campaign


def _quote_texts(parsed: _File, accounts: Sequence[AccountRule],
                 fail: Any) -> dict[str, str]:
    """The words of a quote, by language, each one post long on every account's network."""
    from campaign.text.measure import measure
    from campaign.text.networks import is_blank
    from campaign.text.threads import split_thread

    if parsed.action == "repost":
        if parsed.quote_text:
            raise fail("a repost has no words of its own: remove quote_text, or write "
                       "action: quote", "quote_text")
        return {}
    if not parsed.quote_text:
        raise fail("a quote needs its words: add quote_text with a text per language, e.g. "
                   "fr: \"Un engagement à suivre 👇 #EndChildLabour2021\"", "action")
    for lang, text in parsed.quote_text.items():
        if is_blank(text):
            raise fail("is empty: write the words of the quote", "quote_text", lang)
        for network in sorted({a.network for a in accounts}):
            if len(split_thread(text, network, numbered=False)) > 1:
                raise fail(f"is {measure(network, text).length} long, more than one {network} "
                           "post: shorten it", "quote_text", lang)
    return dict(parsed.quote_text)


def _languages(values: Sequence[str], fail: Any) -> list[str]:
    found = []
    for i, lang in enumerate(values):
        code = str(lang).strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", code):
            raise fail(f"{str(lang)[:20]!r} is not a language code: write e.g. fr, en or es",
                       "languages", i)
        found.append(code)
    return list(dict.fromkeys(found))


def _hashtags(values: Sequence[str] | None, campaign: Any, fail: Any) -> tuple[str, ...]:
    from campaign.tracking.config import SpecProblem, check_tags
    from campaign.tracking.records import normalise_tag, unique

    if values is None:
        return unique(normalise_tag(t) for t in (campaign.hashtag, *campaign.hashtags))
    if not values:
        return ()  # an empty list: any post, with or without the campaign's tags
    try:
        return check_tags(values, "hashtags")
    except SpecProblem as exc:
        raise fail(exc.problem, "hashtags") from None


def _block(block: _Block, fail: Any) -> Block:
    handles = []
    for i, text in enumerate(block.handles):
        try:
            handles.append(parse_handle(text))
        except _Problem as exc:
            raise fail(exc.problem, "block", "handles", i) from None
    words = []
    for i, word in enumerate(block.words):
        if not word.strip():
            raise fail("is empty: write a word or phrase, or remove it", "block", "words", i)
        words.append(" ".join(word.casefold().split()))
    domains = []
    for i, domain in enumerate(block.domains):
        name = domain.strip().lower().lstrip(".")
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", name):
            raise fail(f"{domain[:60]!r} is not a domain: write e.g. example.com (no "
                       "https://, no path)", "block", "domains", i)
        domains.append(name)
    return Block(frozenset(handles), tuple(dict.fromkeys(words)), tuple(dict.fromkeys(domains)))


def _refuse_secrets(data: Any, lines: Mapping[Any, int], path: Path) -> None:
    """Refuse a key that looks like it holds a secret, or a value shaped like one."""
    found = secret_spot(data, _SECRET_KEY, _SECRET_VALUE)
    if found is None:
        return
    at, is_value = found
    if is_value:
        raise PolicyError(path, lines.get(at), key_name(at), "this value looks like a secret "
                          "(a token or key): a policy needs none, and what it holds is copied "
                          "into the audit log: remove it")
    raise PolicyError(path, lines.get(at), key_name(at), "secrets never go in a policy: it "
                      "needs none (each account's credentials are registered with campaign "
                      "accounts add): remove it")


def _plain_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """A pydantic location as a path in the file: without the union's branch names
    (``accounts.0.str``, ``accounts.0._Account.timezone``)."""
    plain: list[str | int] = []
    node = data
    for n, part in enumerate(loc):
        if isinstance(node, dict) and n == len(loc) - 1 and part not in node:
            plain.append(str(part))  # a missing key: named, at its mapping's line
        elif isinstance(node, list) and isinstance(part, int):
            plain.append(part)
            node = node[part] if part < len(node) else None
        elif isinstance(node, dict) and part in node:
            plain.append(str(part))
            node = node[part]
        # else: a branch name of a union (str, _Account, list[str]...): not in the file
    return tuple(plain)


def _pick(errors: Sequence[Any], data: Any) -> Any:
    """The error to tell: an unknown key first, else the one deepest in the file (a union's
    members each report; the one that got furthest says what is wrong)."""
    return max(errors, key=lambda e: (e["type"] == "extra_forbidden",
                                      len(_plain_loc(tuple(e["loc"]), data))))


def _explain(error: Mapping[str, Any]) -> str:
    """One pydantic error as what to do."""
    kind, loc = error["type"], tuple(str(p) for p in error["loc"])
    if kind == "extra_forbidden":
        known = _KEYS["accounts"] if loc[0] == "accounts" else _KEYS["block"] \
            if loc[0] == "block" else _KEYS["top"]
        return f"is not a known key: use {known}"
    if kind == "missing":
        return "is missing: add it" + (", e.g. accounts: [x=@ILO_fr]" if loc[-1] == "accounts"
                                       else "")
    if loc and loc[0] == "accounts" and kind == "too_short":
        return "lists no account: add one, e.g. - bluesky=ilo.bsky.social"
    if loc and loc[0] == "who":
        return "is pledgers, or a list of network:handle (e.g. [x:@TravailSN])"
    if loc and loc[0] == "action":
        return f"is not an action: use {' or '.join(ACTIONS)}"
    message = str(error.get("msg", "is not valid")).rstrip(".")
    return f"{message[:1].lower()}{message[1:]}: see schedules/examples/amplify-policy.yaml"
