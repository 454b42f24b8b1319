"""Bluesky posts as observations: an ``app.bsky.feed.post`` record (from a firehose, Jetstream,
an archive) or a ``postView`` (from ``app.bsky.feed.searchPosts``) turned into an
:class:`~campaign.tracking.records.Observation`.

Records on a firehose come from anyone and are checked by nobody before they reach us, so every
field is read defensively: a value of the wrong type is ignored (or, for what a post cannot do
without -- its URI, author DID and date -- refused with :class:`BadRecord`, which the callers
count and report), arrays are read up to a bound, and facets' byte ranges are never trusted
(tags, mentions and links are read from the features themselves, not from the sliced text).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from campaign.tracking.records import (
    MAX_TAG,
    Author,
    Observation,
    PostKind,
    Relation,
    normalise_tag,
    tags_in_text,
    unique,
)

NETWORK = "bluesky"
WEB = "https://bsky.app"
# the lexicon allows far fewer (8 record tags, a few dozen facets in 3,000 bytes of text): more
# is a hostile or broken record, read up to these bounds and no further
MAX_FACETS = 200
MAX_FEATURES = 10
MAX_RECORD_TAGS = 32
MAX_DEPTH = 32  # of the raw record kept as JSON
COUNTS = {"likeCount": "likes", "repostCount": "reposts", "replyCount": "replies",
          "quoteCount": "quotes"}


class BadRecord(ValueError):
    """A record that cannot be read as a post; the message says which field and why."""


def record_post(*, did: str, uri: str, record: Mapping[str, Any], read_at: datetime,
                handle: str = "", cid: str = "", author: Author | None = None,
                metrics: dict[str, int] | None = None) -> Observation:
    """An ``app.bsky.feed.post`` record written by ``did`` at ``uri`` as an observation.

    Raises :class:`BadRecord` when the URI, DID or ``createdAt`` cannot be read."""
    raw = _jsonable(record)  # what a database can hold, read from here on
    return _observation(did=_storable(did), uri=_storable(uri),
                        record=raw if isinstance(raw, Mapping) else record, read_at=read_at,
                        handle=_storable(handle), author=author, metrics=metrics, raw=raw,
                        fallback_date=None)


def post_view(view: Mapping[str, Any], *, read_at: datetime) -> Observation:
    """A searchPosts ``postView`` (author, record, counts) as an observation; ``indexedAt``
    stands in for a missing or unreadable ``createdAt``. Raises :class:`BadRecord`."""
    if not isinstance(view, Mapping):
        raise BadRecord(f"a post view is a JSON object, not {type(view).__name__}")
    view = _jsonable(view)  # what a database can hold (no NUL, no lone surrogate), read from here on
    profile = view.get("author")
    if not isinstance(profile, Mapping):
        raise BadRecord(f"post {_text(view.get('uri'))!r} has no author")
    did = _text(profile.get("did"))
    author = Author(NETWORK, did, _text(profile.get("handle")), _text(profile.get("displayName")),
                    url=f"{WEB}/profile/{did}",
                    followers=_count(profile.get("followersCount")),
                    following=_count(profile.get("followsCount")),
                    posts=_count(profile.get("postsCount")))
    metrics = {name: n for key, name in COUNTS.items()
               if (n := _count(view.get(key))) is not None}
    record = view.get("record")
    return _observation(did=did, uri=_text(view.get("uri")),
                        record=record if isinstance(record, Mapping) else {},
                        read_at=read_at, handle=author.handle, author=author, metrics=metrics,
                        raw=view, fallback_date=view.get("indexedAt"))


def sort_at(view: Mapping[str, Any]) -> datetime | None:
    """The time searchPosts sorts and filters a post view by (``sortAt``: the earlier of its
    ``createdAt`` and ``indexedAt``, so a post dated in the future sorts when it was seen)."""
    record = view.get("record")
    times = [t for t in (_date_or_none(record.get("createdAt") if isinstance(record, Mapping)
                                       else None),
                         _date_or_none(view.get("indexedAt"))) if t is not None]
    return min(times) if times else None


def parse_date(value: Any, field: str = "createdAt") -> datetime:
    """An AT Protocol datetime as an aware UTC datetime (a date without offset is taken as UTC);
    BadRecord naming ``field`` when it is missing or not a date."""
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(f"{field} is missing" if value is None
                        else f"{field} is not a date: {str(value)[:40]!r}")
    try:
        when = datetime.fromisoformat(value.strip()[:64])
    except ValueError:
        raise BadRecord(f"{field} is not a date: {value[:40]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 minus an offset
        raise BadRecord(f"{field} is out of range: {value[:40]!r}") from None


def post_url(did: str, uri: str) -> str:
    """Where a person opens the post: ``https://bsky.app/profile/<did>/post/<rkey>``."""
    return f"{WEB}/profile/{did}/post/{uri.rsplit('/', 1)[-1]}"


# -- the record -------------------------------------------------------------------------------

def _observation(*, did: str, uri: str, record: Mapping[str, Any], read_at: datetime,
                 handle: str, author: Author | None, metrics: dict[str, int] | None, raw: Any,
                 fallback_date: Any) -> Observation:
    if not isinstance(uri, str) or not uri.startswith("at://") or uri.count("/") < 4:
        raise BadRecord(f"the post URI is not an at:// URI: {str(uri)[:80]!r}")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise BadRecord(f"post {uri[:80]}: its author is not a DID: {str(did)[:80]!r}")
    if not isinstance(record, Mapping):
        raise BadRecord(f"post {uri[:80]}: the record is not a JSON object")
    try:
        created_at = parse_date(record.get("createdAt"))
    except BadRecord as exc:
        if fallback_date is None:
            raise BadRecord(f"post {uri[:80]}: {exc}") from None
        created_at = parse_date(fallback_date, "indexedAt")
    text = record.get("text", "")
    if not isinstance(text, str):
        raise BadRecord(f"post {uri[:80]}: its text is not a string")

    tags: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    for feature in _features(record.get("facets")):
        kind = feature.get("$type")
        if kind == "app.bsky.richtext.facet#tag":
            tags.append(_text(feature.get("tag")))
        elif kind == "app.bsky.richtext.facet#mention":
            mentions.append(_text(feature.get("did")))
        elif kind == "app.bsky.richtext.facet#link":
            links.append(_text(feature.get("uri")))
    tags.extend(_text(t) for t in _bounded(record.get("tags"), MAX_RECORD_TAGS))

    relations: list[Relation] = []
    kind = PostKind.ORIGINAL
    reply = record.get("reply")
    if isinstance(reply, Mapping) and isinstance(reply.get("parent"), Mapping):
        parent = _text(reply["parent"].get("uri"))
        if parent:
            kind = PostKind.REPLY
            relations.append(Relation(PostKind.REPLY, parent))
    quoted, external = _embed(record.get("embed"))
    if quoted:
        if kind is PostKind.ORIGINAL:
            kind = PostKind.QUOTE
        relations.append(Relation(PostKind.QUOTE, quoted))
    if external:
        links.append(external)

    langs = record.get("langs")
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else ""
    if author is None:
        author = Author(NETWORK, did, handle, url=f"{WEB}/profile/{did}")
    return Observation(
        network=NETWORK, remote_id=uri, author=author, created_at=created_at, text=text,
        read_at=read_at, kind=kind, url=post_url(did, uri), uri=uri, language=language[:16],
        hashtags=unique([normalise_tag(t) for t in tags if len(t) <= MAX_TAG]
                        + list(tags_in_text(text))),
        mentions=unique(mentions), links=unique(links), relations=tuple(relations),
        metrics=dict(metrics or {}), raw=raw)


def _features(facets: Any) -> Iterable[Mapping[str, Any]]:
    """The features of a record's facets, up to the bounds, whatever their byte ranges say."""
    for facet in _bounded(facets, MAX_FACETS):
        if isinstance(facet, Mapping):
            for feature in _bounded(facet.get("features"), MAX_FEATURES):
                if isinstance(feature, Mapping):
                    yield feature


def _embed(embed: Any) -> tuple[str, str]:
    """(quoted post's URI, external link) of a record's embed, '' where there is none."""
    if not isinstance(embed, Mapping):
        return "", ""
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        return _strong_ref(embed.get("record")), ""
    if kind == "app.bsky.embed.recordWithMedia":
        inner = embed.get("record")
        quoted = _strong_ref(inner.get("record")) if isinstance(inner, Mapping) else ""
        return quoted, _embed(embed.get("media"))[1]
    if kind == "app.bsky.embed.external":
        external = embed.get("external")
        return "", _text(external.get("uri")) if isinstance(external, Mapping) else ""
    return "", ""


def _strong_ref(ref: Any) -> str:
    uri = _text(ref.get("uri")) if isinstance(ref, Mapping) else ""
    return uri if uri.startswith("at://") else ""


def _bounded(values: Any, bound: int) -> list[Any]:
    return values[:bound] if isinstance(values, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


MAX_COUNT = 2**63 - 1  # what a database's BIGINT holds: a bigger count is no count


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value <= MAX_COUNT else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """A string as every database takes it: NUL and lone UTF-16 surrogates (JSON may escape
    both) become U+FFFD; anything else as it is."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii() and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value


def _date_or_none(value: Any) -> datetime | None:
    try:
        return parse_date(value)
    except BadRecord:
        return None


_SCALARS = frozenset((int, float, bool, type(None)))


def _jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON can hold it: a record decoded from CBOR carries CIDs and bytes, which
    become their JSON forms (``{"$link": cid}``, ``{"$bytes": base64}``); nesting is bounded."""
    # the firehose's hot path: plain dicts, lists and clean strings by their exact type (an
    # isinstance against Mapping costs more than the rest); the general rules below for others
    kind = type(value)
    if kind is dict and depth < MAX_DEPTH:
        out = {}
        for k, v in value.items():
            if type(k) is not str or "\x00" in k or (not k.isascii() and _SURROGATE.search(k)):
                k = _storable(str(k))
            kv = type(v)
            if kv is str:
                out[k] = v if "\x00" not in v and (v.isascii() or not _SURROGATE.search(v)) \
                    else _storable(v)
            elif kv in _SCALARS:
                out[k] = v
            else:
                out[k] = _jsonable(v, depth + 1)
        return out
    if kind is list and depth < MAX_DEPTH:
        return [v if type(v) in _SCALARS else _jsonable(v, depth + 1) for v in value]
    if isinstance(value, str):
        return _storable(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        return {_storable(str(k)): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode().rstrip("=")}
    return {"$link": str(value)}  # a CID (the only other value DAG-CBOR decodes to)
