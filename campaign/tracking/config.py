"""The sources `campaign track run` collects from (a YAML file), and the one way every command
turns what it was given into :class:`~campaign.tracking.sources.SourceSpec` values.

The file is read as untrusted (bounded size, no aliases, line numbers kept, see
campaign.content.yamlsource) and checked with pydantic; each problem is one sentence naming the
file, line and key: ``tracking.yaml, line 7: key every: ...``. Secrets never live in it: a source
names a *reference* (``credentials: env:PREFIX`` or ``file:PATH#SECTION``, read with
campaign.platforms.credentials), and a key that looks like a secret (``token``, ``password``...)
is refused before anything else is read. Example: schedules/examples/tracking.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from campaign.content.yamlsource import key_path as _key
from campaign.content.yamlsource import secret_spot
from campaign.errors import CampaignError
from campaign.platforms.credentials import Secrets, Ways
from campaign.tracking.records import is_tag, normalise_tag, unique
from campaign.tracking.sources import COLLECTORS, SourceSpec, default_name

# where each kind reads when no address is given (public endpoints; an instance must be named)
DEFAULT_URLS: dict[str, str] = {
    "x-search": "https://api.x.com",
    "bluesky-search": "https://api.bsky.app",
    "bluesky-firehose": "wss://bsky.network",
    "bluesky-jetstream": "wss://jetstream2.us-east.bsky.network/subscribe",
}
STREAMS = frozenset({"bluesky-firehose", "bluesky-jetstream"})
# the sets of secret fields each kind signs in with (any one set suffices); streams need none
WAYS: dict[str, Ways] = {
    "x-search": (("bearer_token",), ("oauth2_token",),
                 ("consumer_key", "consumer_secret", "access_token", "access_token_secret")),
    "mastodon-tags": (("access_token",),),
    "bluesky-search": (("app_password",),),
}
# the options each kind reads (campaign/platforms/*), with what each value must be: a kind's
# collector takes them as they are, so a typo or a wrong type is refused here, with its key
_FLAG, _TEXT, _URL = "flag", "text", "url"
_Bounds = tuple[float, float, bool]  # lowest, highest, whether the lowest itself is refused
KIND_OPTIONS: dict[str, dict[str, str | _Bounds]] = {
    "x-search": {"query": _TEXT, "price_per_read": (0.0, 100.0, False)},
    "bluesky-search": {"query": _TEXT, "pds": _URL, "window_hours": (0.1, 24 * 366, False),
                       "overlap_minutes": (0.0, 24 * 60, False), "days": (0.0, 3660, True)},
    "bluesky-firehose": {"from_start": _FLAG, "batch_events": (1, 100_000, False),
                         "batch_seconds": (0.0, 3600, True), "idle_seconds": (0.0, 3600, True)},
    "bluesky-jetstream": {"from_start": _FLAG, "rewind_seconds": (0.0, 3600, False)},
    "mastodon-tags": {},
}
# a source's name is kept in checkpoints and runs (track_checkpoints.source: VARCHAR(200)):
# a longer one would fail on PostgreSQL when the first run starts
MAX_SOURCE_NAME = 200
DEFAULT_EVERY = timedelta(minutes=15)
MIN_EVERY, MAX_EVERY = timedelta(seconds=10), timedelta(days=7)
MAX_POSTS = 10_000_000
# a key that would hold a secret: the file holds references to secrets, never secrets
_SECRET_KEY = re.compile(r"(?i)token|passw|secret|api_?key|bearer|private|cookie|session")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SpecProblem(CampaignError):
    """One value of a source that cannot be used: ``key`` names it (a key of the sources file;
    the commands name their options instead)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


class SourcesError(CampaignError):
    """A sources file that cannot be used: ``FILE, line N: key K: what to do`` (exit 2)."""

    def __init__(self, path: Path, line: int | None, key: str, problem: str) -> None:
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: key {key}: {problem}" if key else f"{where}: {problem}")
        self.path, self.line, self.key, self.problem = path, line, key, problem


@dataclass(frozen=True)
class TrackingConfig:
    """What a sources file says: the hashtags, and one spec per source (an instance each)."""

    path: Path
    tags: tuple[str, ...]
    specs: tuple[SourceSpec, ...]


# -- values -------------------------------------------------------------------------------------
def schedule_tags(schedule_path: Path | None = None, year: int | None = None) -> tuple[str, ...]:
    """The schedule's hashtags (its ``hashtag`` then ``hashtags``), normalised: what every
    collector looks for unless told otherwise."""
    from campaign.content.selection import load

    campaign = load(schedule_path, year).campaign
    return unique(normalise_tag(t) for t in (campaign.hashtag, *campaign.hashtags))


def check_tags(tags: Iterable[str], key: str = "tags") -> tuple[str, ...]:
    """Hashtags as written (``#EndChildLabour2021`` or without '#'), normalised, each once."""
    found = []
    for tag in tags:
        if not isinstance(tag, str) or not is_tag(normalise_tag(tag.strip())):
            raise SpecProblem(key, f"{str(tag)[:40]!r} is not a hashtag: write e.g. "
                              "#EndChildLabour2021 (letters, digits and _)")
        found.append(normalise_tag(tag.strip()))
    result = unique(found)
    if not result:
        raise SpecProblem(key, "no hashtag to look for: give at least one, e.g. "
                          "#EndChildLabour2021")
    return result


def parse_every(text: str | int | float) -> timedelta:
    """How often a source runs: ``15m``, ``1h``, ``90s``, ``1d`` (a bare number is seconds),
    between 10 seconds and 7 days."""
    raw = str(text).strip()
    try:
        seconds = float(raw) if raw[-1:].isdigit() else float(raw[:-1]) * _UNITS[raw[-1:]]
    except (KeyError, ValueError):
        seconds = -1.0
    if not seconds > 0 or seconds != seconds:
        raise SpecProblem("every", f"{raw[:20]!r} is not an interval: write e.g. 15m, 1h or 1d")
    if not MIN_EVERY.total_seconds() <= seconds <= MAX_EVERY.total_seconds():
        raise SpecProblem("every", f"{raw!r} is outside 10s to 7d: a source read more often "
                          "wastes its rate limit, less often misses what scrolled away")
    return timedelta(seconds=seconds)


def parse_since(text: str | datetime | None) -> datetime | None:
    """The oldest moment a first run reads: a day (``2021-06-01``, from midnight UTC) or a
    moment with its offset (``2021-06-01T08:00:00Z``)."""
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text).strip())
        except ValueError:
            raise SpecProblem("since", f"{str(text)[:40]!r} is not a day or moment: write e.g. "
                              "2021-06-01 or 2021-06-01T08:00:00Z") from None
    if moment.tzinfo is None:
        if len(str(text).strip()) > 10:
            raise SpecProblem("since", f"{text!s} has no time zone: add Z (UTC) or an offset, "
                              "e.g. 2021-06-01T08:00:00Z")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def check_url(kind: str, url: str | None) -> str:
    """The address a source reads, checked for its kind: http(s) for APIs, ws(s) for streams;
    never a user or password in it."""
    if not url:
        if kind in DEFAULT_URLS:
            return DEFAULT_URLS[kind]
        raise SpecProblem("base_url", f"{kind} needs the instance's address: write e.g. "
                          "https://mastodon.social")
    # a stream may be named by its host's web address too (a PDS's https://...)
    schemes = ("wss", "ws", "https", "http") if kind in STREAMS else ("http", "https")
    example = DEFAULT_URLS.get(kind, "https://mastodon.social")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in schemes or not host:
        raise SpecProblem("base_url", f"{_shown(url)!r} is not a {'/'.join(schemes)} address: "
                          f"write e.g. {example}")
    if parts.username or parts.password:
        raise SpecProblem("base_url", "the address holds a user or password: remove it, and "
                          "name the secret with credentials: env:PREFIX")
    if parts.query or parts.fragment:
        raise SpecProblem("base_url", f"{_shown(url)!r} has a query or fragment: give the "
                          f"address alone, e.g. {example}")
    return url.strip().rstrip("/")


def _shown(text: str) -> str:
    text = "".join(c for c in str(text) if c.isprintable())
    return text if len(text) <= 60 else text[:60] + "…"


def check_options(kind: str, options: Mapping[str, Any]) -> None:
    """Refuse an option the kind does not read, or a value it cannot use (SpecProblem naming
    ``options.KEY``): a collector would otherwise ignore a misspelt one, or fail on it."""
    known = KIND_OPTIONS.get(kind, {})
    for key, value in options.items():
        what = known.get(str(key))
        name = f"options.{_shown(str(key))}"
        if what is None:
            raise SpecProblem(name, f"{kind} has no option {_shown(str(key))!r}: "
                              + (f"use {', '.join(known)}" if known else "remove it (it takes "
                                 "none)"))
        if isinstance(what, tuple):
            low, high, open_low = what
            # a whole number is read with int(): only a YAML integer will do
            number = _number(value) if not isinstance(low, int) or type(value) is int else None
            if number is None or not (low < number if open_low else low <= number) \
                    or number > high:
                whole = "a whole number" if isinstance(low, int) else "a number"
                span = (f"more than {low:g} and at most {high:g}" if open_low
                        else f"from {low:g} to {high:g}")
                raise SpecProblem(name, f"{_shown(str(value))!r} is not {whole} {span}")
        elif what == _FLAG:
            if not isinstance(value, bool):
                raise SpecProblem(name, f"{_shown(str(value))!r} is not true or false")
        elif what in (_TEXT, _URL):
            if not isinstance(value, str) or not value.strip() or len(value) > 4096:
                raise SpecProblem(name, f"{_shown(str(value))!r} is not a text of 1 to 4,096 "
                                  "characters")
            if what == _URL:
                try:
                    check_url("bluesky-search", value)
                except SpecProblem as exc:
                    raise SpecProblem(name, exc.problem) from None


def _number(value: object) -> float | None:
    """A finite number from YAML (an int, a float or such a text), else None (true is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def load_secrets(kind: str, ref: str | None) -> Secrets | None:
    """The secrets a source's reference points to, with the fields its kind signs in with."""
    from campaign.platforms.credentials import CredentialsError, load

    if not ref:
        return None
    if kind in STREAMS:
        raise SpecProblem("credentials", f"{kind} reads a public stream: remove the credentials")
    try:
        return load(COLLECTORS[kind][0], ref, ways=WAYS.get(kind))
    except CredentialsError as exc:
        raise SpecProblem("credentials", exc.message) from None


def make_spec(kind: str, base_url: str | None, tags: Sequence[str], *,
              credentials: str | None = None, handle: str = "", name: str = "",
              since: str | datetime | None = None, every: str | int | float | None = None,
              max_posts: int | None = None, timeout: float = 30.0,
              options: Mapping[str, Any] | None = None) -> SourceSpec:
    """One checked source: what the commands and the sources file both build; SpecProblem names
    the value that is wrong."""
    if kind not in COLLECTORS:
        raise SpecProblem("kind", f"{_shown(kind)!r} is not a kind of source: use one of "
                          f"{', '.join(sorted(COLLECTORS))}")
    if max_posts is not None and not 1 <= max_posts <= MAX_POSTS:
        raise SpecProblem("max_posts", f"{max_posts} is not between 1 and {MAX_POSTS:,}")
    if kind == "x-search" and not credentials:
        raise SpecProblem("credentials", "X's search needs credentials: give a reference, e.g. "
                          "env:CAMPAIGN_TRACK_X with CAMPAIGN_TRACK_X_BEARER_TOKEN set")
    if kind == "bluesky-search" and credentials and not handle:
        raise SpecProblem("handle", "bluesky-search signs in with credentials as a handle: add "
                          "the handle, e.g. secretariat.bsky.social")
    if kind == "bluesky-search" and not credentials:
        raise SpecProblem("credentials", "Bluesky's search needs a signed-in account: give the "
                          "handle and a reference, e.g. env:CAMPAIGN_TRACK_BLUESKY with "
                          "CAMPAIGN_TRACK_BLUESKY_APP_PASSWORD set (an app password)")
    for key in options or {}:
        if _SECRET_KEY.search(str(key)):
            raise SpecProblem(f"options.{key}", "secrets never go here: keep them in the "
                              "environment or a file and name them with credentials: env:PREFIX")
    check_options(kind, options or {})
    url = check_url(kind, base_url)
    named = name.strip() or default_name(kind, url)
    if len(named) > MAX_SOURCE_NAME:
        raise SpecProblem("name" if name.strip() else "base_url",
                          f"{_shown(named)!r} is {len(named):,} characters, and a source's name "
                          f"({'name' if name.strip() else 'kind:address'}) may have at most "
                          f"{MAX_SOURCE_NAME}: "
                          + ("shorten it" if name.strip() else "give the source a shorter name "
                             "(name: in a sources file)"))
    return SourceSpec(
        kind=kind, base_url=url, tags=check_tags(tags),
        name=name.strip(), secrets=load_secrets(kind, credentials), handle=handle.strip(),
        timeout=timeout, since=parse_since(since),
        every=parse_every(every) if every is not None else None, max_posts=max_posts,
        options=dict(options or {}))


# -- the sources file ---------------------------------------------------------------------------
class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    base_url: str | None = None
    instances: list[str] | None = Field(default=None, min_length=1)  # mastodon-tags
    name: str = ""
    credentials: str | None = None
    handle: str = ""
    every: str | int | float | None = None
    max_posts: int | None = None
    since: str | None = None
    timeout: float = Field(default=30.0, gt=0, le=3600)
    tags: list[str] | None = None  # this source's own, instead of the file's
    options: dict[str, Any] = Field(default_factory=dict)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hashtags: list[str] | None = None
    sources: list[_Source] = Field(min_length=1)


def load_sources(path: Path, *, schedule_path: Path | None = None,
                 year: int | None = None) -> TrackingConfig:
    """The sources a file lists, each checked (secrets loaded from their references); the
    hashtags default to the schedule's. SourcesError names the file, line and key."""
    from campaign.content.yamlsource import load_yaml

    source = load_yaml(path)
    data = source.data
    if not isinstance(data, dict):
        raise SourcesError(path, 1, "", "a sources file is a mapping with sources: (a list) and "
                           "optionally hashtags: see schedules/examples/tracking.yaml")
    _refuse_secrets(data, source.lines, path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise SourcesError(path, source.line_of(loc), _key(loc), _explain(first)) from None

    def line(*loc: str | int) -> int | None:
        return source.line_of(loc)

    try:
        tags = check_tags(parsed.hashtags) if parsed.hashtags is not None else \
            schedule_tags(schedule_path, year)
    except SpecProblem as exc:
        raise SourcesError(path, line("hashtags"), "hashtags", exc.problem) from None
    specs: list[SourceSpec] = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(parsed.sources):
        if entry.instances is not None and entry.base_url is not None:
            raise SourcesError(path, line("sources", i, "instances"), "instances",
                               "give base_url or instances, not both")
        if entry.instances is not None and entry.kind != "mastodon-tags":
            raise SourcesError(path, line("sources", i, "instances"), "instances",
                               "only mastodon-tags reads several instances: use base_url")
        urls: list[str | None] = list(entry.instances) if entry.instances else [entry.base_url]
        for n, url in enumerate(urls):
            try:
                spec = make_spec(
                    entry.kind, url, entry.tags if entry.tags is not None else tags,
                    credentials=entry.credentials, handle=entry.handle,
                    name=entry.name if len(urls) == 1 else "", since=entry.since,
                    every=entry.every if entry.every is not None else "15m",
                    max_posts=entry.max_posts, timeout=entry.timeout, options=entry.options)
            except SpecProblem as exc:
                key, _, option = exc.key.partition(".")
                at: tuple[str | int, ...] = ("sources", i, "instances", n) \
                    if key == "base_url" and entry.instances else ("sources", i, key)
                if key == "options" and option in entry.options:
                    at = (*at, option)  # the line of the option itself
                raise SourcesError(path, line(*at), _key(at[2:]) if len(at) > 3 else exc.key,
                                   exc.problem) from None
            where = line("sources", i)
            if spec.source_name in seen:
                raise SourcesError(path, where, "base_url", f"source {_shown(spec.source_name)} "
                                   f"is listed twice (also line {seen[spec.source_name]}): list "
                                   "it once, or give each a name")
            seen[spec.source_name] = where
            specs.append(spec)
    return TrackingConfig(path, tags, tuple(specs))


def _refuse_secrets(data: Any, lines: Mapping[Any, int], path: Path) -> None:
    """Refuse a key that looks like it holds a secret, wherever it is."""
    found = secret_spot(data, _SECRET_KEY, allow=("credentials",))
    if found:
        raise SourcesError(path, lines.get(found[0]), _key(found[0]), "secrets never go in the "
                           "sources file: keep them in the environment or a file only you can "
                           "read, and write credentials: env:PREFIX or credentials: "
                           "file:PATH#SECTION")


_KEYS = {"top": "hashtags, sources", "source": ", ".join(_Source.model_fields)}


def _explain(error: Mapping[str, Any]) -> str:
    """One pydantic error as what to do."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        known = _KEYS["source"] if len(loc) > 1 else _KEYS["top"]
        return f"is not a known key: use {known}"
    if kind == "missing":
        return "is missing: add it" + (" (one of " + ", ".join(sorted(COLLECTORS)) + ")"
                                       if loc[-1] == "kind" else "")
    if loc and loc[-1] == "sources" and kind == "too_short":
        return "lists no source: add one, e.g. - kind: mastodon-tags"
    message = str(error.get("msg", "is not valid")).rstrip(".")
    return f"{message[:1].lower()}{message[1:]}: see schedules/examples/tracking.yaml"
