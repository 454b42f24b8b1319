"""Mastodon's Status entity (REST API, as a tag timeline returns it) as an Observation.

A status's identity is its ActivityPub ``uri``: the same on every instance that federates it,
while its ``id`` is local to the instance that served it. Content is HTML; it is turned into
plain text with the standard library's parser (never rendered, never evaluated), keeping line
breaks and the text of links (Mastodon hides a long URL's middle in ``<span class="invisible">``
for display: the text of every span is kept, so the full URL stays).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from campaign.tracking.records import (
    MAX_TAG,
    Author,
    Observation,
    PostKind,
    Relation,
    mastodon_acct,
    normalise_tag,
    tags_in_text,
    unique,
)

NETWORK = "mastodon"
_BLOCKS = frozenset({"p", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5",
                     "h6", "div"})
_SKIPPED = frozenset({"script", "style", "template"})  # never text, whatever a server sends


class BadStatus(ValueError):
    """A status the collector cannot read (not a status, no uri, no account, a bad date)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def local_ref(instance: str, status_id: str) -> str:
    """How a status known only by its instance-local id is referred to: the API address that
    answers it on that instance (``https://a.example/api/v1/statuses/123``).

    Mastodon gives a reply's target (``in_reply_to_id``) only as a local id, not its ``uri``; this
    reference is unique across instances and can be resolved later with one GET, but it is not
    the target's ``remote_id``."""
    return f"{_origin(instance)}/api/v1/statuses/{status_id}"


def _origin(instance: str) -> str:
    instance = instance.rstrip("/")
    return instance if "://" in instance else f"https://{instance}"


class _Text(HTMLParser):
    """Plain text and the anchors of a status's HTML content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0  # depth inside elements whose text is not the post's (script, quote-inline)
        self._stack: list[tuple[str, bool]] = []  # open elements, and whether each skips

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        classes = values.get("class", "").split()
        if tag == "br":
            self.parts.append("\n")
            return
        if tag in _BLOCKS:
            self._paragraph()
        if tag in ("img", "hr", "input", "meta", "link", "source", "wbr"):
            return  # void elements never close
        # Mastodon 4.4+ puts a fallback "RE: <link>" paragraph before a quote's content for old
        # clients; it names the quoted post, which the quote relation says already
        skips = tag in _SKIPPED or "quote-inline" in classes
        self._stack.append((tag, skips))
        self._skip += skips
        if tag == "a" and not self._skip:
            rel = values.get("rel", "").split()
            if not ({"mention", "hashtag"} & set(classes)) and "tag" not in rel \
                    and values.get("href", "").startswith(("http://", "https://")):
                self.links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        while self._stack:  # close up to the matching tag (HTML in the wild is not always tidy)
            name, skips = self._stack.pop()
            self._skip -= skips
            if name == tag:
                break
        if tag in _BLOCKS:
            self._paragraph()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def _paragraph(self) -> None:
        if self.parts and self.parts[-1] != "\n\n":
            self.parts.append("\n\n")

    def text(self) -> str:
        lines = "".join(self.parts).replace("\r", "").split("\n")
        joined = "\n".join(line.strip() for line in lines)
        while "\n\n\n" in joined:
            joined = joined.replace("\n\n\n", "\n\n")
        return joined.strip()


def html_text(content: str) -> tuple[str, tuple[str, ...]]:
    """Plain text of Mastodon HTML (a paragraph per blank line, ``<br>`` a line break) and the
    addresses of its links, mentions and hashtags left out."""
    parser = _Text()
    parser.feed(content or "")
    parser.close()
    return parser.text(), unique(parser.links)


def _when(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):  # a status already decoded (by Mastodon.py, say)
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if not isinstance(value, str) or not value:
        raise BadStatus(f"Mastodon status has no {field}")
    try:
        moment = datetime.fromisoformat(value[:64].replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or year 1 / 9999 moved out of range
        raise BadStatus(f"Mastodon status has a {field} that is not a date: {value[:40]!r}") \
            from None


MAX_COUNT = 2**63 - 1  # what a database's BIGINT holds: a bigger count is no count


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value <= MAX_COUNT else None


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list field (tags, mentions); anything else is no items."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _web(value: Any) -> str:
    """An http(s) address, else '' (a ``javascript:`` URL is never kept)."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


def _author(account: Any, instance: str) -> Author:
    if not isinstance(account, Mapping) or not isinstance(account.get("acct"), str) \
            or not account["acct"]:
        raise BadStatus("Mastodon status has no account acct")
    acct = mastodon_acct(account["acct"], instance)
    return Author(NETWORK, acct, handle=acct, display_name=str(account.get("display_name") or ""),
                  url=str(account.get("url") or ""),
                  followers=_count(account.get("followers_count")),
                  following=_count(account.get("following_count")),
                  posts=_count(account.get("statuses_count")))


def _quoted(status: Mapping[str, Any], instance: str) -> tuple[bool, str | None]:
    """Whether the status quotes another, and the quoted post's id when known.

    Mastodon 4.4+: ``quote`` = ``{"state", "quoted_status": Status|null}`` (or, shallow,
    ``{"state", "quoted_status_id"}``); some forks send the quoted Status itself as ``quote`` or
    as ``quoted_status``."""
    quote = status.get("quote") or status.get("quoted_status")
    if not isinstance(quote, Mapping):
        return False, None
    if isinstance(quote.get("uri"), str) and quote["uri"]:
        return True, str(quote["uri"])
    inner = quote.get("quoted_status")
    if isinstance(inner, Mapping) and isinstance(inner.get("uri"), str) and inner["uri"]:
        return True, str(inner["uri"])
    if quote.get("quoted_status_id"):
        return True, local_ref(instance, str(quote["quoted_status_id"]))
    return True, None  # a quote of a post deleted or not shown: still a quote


def status_post(status: Mapping[str, Any], *, instance: str, read_at: datetime) -> Observation:
    """One Status entity as an Observation: remote_id its ``uri``, the author as
    ``user@instance`` (a local ``acct`` gets ``instance``'s domain); raises BadStatus.

    A reblog is a REPOST with its own ``uri`` and the reblogged status's text, tags, mentions and
    links (its wrapper has none, as an X retweet carries the original's text), and a Relation to
    the reblogged ``uri``. A reply's Relation names its target by :func:`local_ref`, as Mastodon
    gives only the instance-local ``in_reply_to_id``. ``instance`` is the instance that served the
    status (``https://a.example`` or ``a.example``)."""
    if not isinstance(status, Mapping):
        raise BadStatus(f"Mastodon status is not an object but {type(status).__name__}")
    uri = status.get("uri")
    if not isinstance(uri, str) or not uri:
        raise BadStatus(f"Mastodon status {status.get('id')!r} has no uri")
    author = _author(status.get("account"), instance)
    created_at = _when(status.get("created_at"), "created_at")
    reblog = status.get("reblog")
    body: Mapping[str, Any] = status
    relations: list[Relation] = []
    kind = PostKind.ORIGINAL
    if isinstance(reblog, Mapping):
        target = reblog.get("uri")
        if not isinstance(target, str) or not target:
            raise BadStatus(f"Mastodon reblog {uri} names a status without uri")
        kind, body = PostKind.REPOST, reblog
        relations.append(Relation(PostKind.REPOST, target))
    else:
        quotes, quoted = _quoted(status, instance)
        if quotes:
            kind = PostKind.QUOTE
            if quoted:
                relations.append(Relation(PostKind.QUOTE, quoted))
        if status.get("in_reply_to_id"):
            relations.append(Relation(PostKind.REPLY,
                                      local_ref(instance, str(status["in_reply_to_id"]))))
            kind = PostKind.REPLY if kind is PostKind.ORIGINAL else kind
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise BadStatus(f"Mastodon status {uri} has content that is not HTML text")
    text, anchors = html_text(content or "")
    spoiler = str(body.get("spoiler_text") or "").strip()
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    tags = [t["name"] for t in _items(body.get("tags")) if isinstance(t.get("name"), str)]
    hashtags = unique([*(normalise_tag(t) for t in tags if len(t) <= MAX_TAG),
                       *tags_in_text(text)])
    mentions = unique(mastodon_acct(m["acct"], instance) for m in _items(body.get("mentions"))
                      if isinstance(m.get("acct"), str) and m["acct"])
    card = body.get("card")
    card_url = [_web(card.get("url"))] if isinstance(card, Mapping) else []
    # servers that do not class their anchors still link mentions and tags to these pages
    own = {str(x.get("url")) for x in [*_items(body.get("mentions")), *_items(body.get("tags"))]}
    anchors = tuple(a for a in anchors if a not in own)
    metrics = {name: value for name, key in (("likes", "favourites_count"),
                                              ("reposts", "reblogs_count"),
                                              ("replies", "replies_count"),
                                              ("quotes", "quotes_count"))
               if (value := _count(status.get(key))) is not None}
    return Observation(
        network=NETWORK, remote_id=uri, author=author, created_at=created_at, text=text,
        read_at=read_at, kind=kind, url=_web(status.get("url")) or _web(uri), uri=uri,
        language=str(status.get("language") or body.get("language") or ""),
        hashtags=hashtags, mentions=mentions, links=unique([*anchors, *card_url]),
        relations=tuple(relations), metrics=metrics, raw=dict(status))
