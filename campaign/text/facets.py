"""Bluesky rich-text facets: the tags, links and mentions of a text, by UTF-8 byte offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, TypeVar

from campaign.text.graphemes import grapheme_length, utf8_length
from campaign.text.urls import is_tld

_T = TypeVar("_T")


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text span (tag, link or mention) addressed by UTF-8 byte offsets."""

    kind: str
    byte_start: int
    byte_end: int
    value: str


# Bluesky tags, as the Bluesky app finds them: '#' at the start or after whitespace.
_TAG_TAIL = r"(?![\uFE0F\u20E3])([^\s\u00AD\u2060\u200A-\u200D\u20E2]+)"
# Compiled on first use by _compile(), for start-up time.
_NEVER = re.compile("(?!)")
_TAG = _TAG_WIDE = _URL_HINT = _LINK = _MENTION = _NEVER


def _compile() -> None:
    global _TAG, _TAG_WIDE, _URL_HINT, _LINK, _MENTION
    _TAG = re.compile(r"#(?<!\S#)" + _TAG_TAIL)  # a literal first character makes the scan fast
    _TAG_WIDE = re.compile(r"[#＃](?<!\S[#＃])" + _TAG_TAIL)
    _URL_HINT = re.compile(r"\.[A-Za-z]")  # every link has a TLD dot; literal prefixes scan fast
    _LINK = re.compile(
        r"(?<![^\s(\[{«“‘\"'<])"  # start of text, whitespace or an opening bracket or quote
        r"(?:(?i:https?://)\S+"
        r"|((?:[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+\.)+([A-Za-z][A-Za-z0-9-]*+))(?![\w-])"
        r"(?:[/?#:]\S*)?)"
    )
    _MENTION = re.compile(
        r"@(?<![^\s(]@)([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?!@|[.-]?[A-Za-z0-9_])"
    )


def _new(cls: type[_T], fields: dict[str, Any]) -> _T:
    # A frozen dataclass's __init__ sets each field through object.__setattr__, which costs as much
    # as counting a short post; handing the instance its dict builds the same object faster.
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made


def _is_punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


_ASCII_PUNCT = "".join(char for char in map(chr, range(128)) if _is_punct(char))


def _clean_tag(raw: str) -> str | None:
    """The tag without trailing punctuation, or None when Bluesky would not take it as a tag."""
    if raw.isascii():
        tag = raw.rstrip(_ASCII_PUNCT)
        # Stripping digits and punctuation from both ends empties a tag made only of them.
        wordy = bool(tag.strip(_ASCII_PUNCT + "0123456789"))
    else:
        end = len(raw)
        while end and _is_punct(raw[end - 1]):
            end -= 1
        tag = raw[:end]
        wordy = any(not ("0" <= char <= "9" or _is_punct(char)) for char in tag)
    if not wordy or (len(tag) > 64 and grapheme_length(tag) > 64):
        return None  # like '#2021', or longer than Bluesky's 64 characters
    return tag


def _clean_link(uri: str) -> str:
    # Trailing punctuation ends the sentence, not the link; ')' belongs to it only when balanced.
    while uri:
        last = uri[-1]
        if not (last in ".,;:!?\"'”’»" or (last == ")" and uri.count(")") > uri.count("("))):
            break
        uri = uri[:-1]
    return uri


def bluesky_facets(text: str) -> list[Facet]:
    """Tags, links and mentions in ``text``, as Bluesky facets with UTF-8 byte offsets."""
    if _TAG is _NEVER:
        _compile()
    spans: list[tuple[int, int, str, str]] = []
    if "#" in text or "＃" in text:
        for hashtag in (_TAG_WIDE if "＃" in text else _TAG).finditer(text):
            if (tag := _clean_tag(hashtag.group(1))) is not None:
                spans.append((hashtag.start(), hashtag.start(1) + len(tag), "tag", tag))
    pos = 0
    while (hint := _URL_HINT.search(text, pos)) is not None:
        link = _LINK.search(text, max(pos, text.rfind(" ", pos, hint.start()) + 1))
        if link is None:
            break
        start, pos = link.span()
        uri = _clean_link(link.group())
        if link.group(1) is None:
            spans.append((start, start + len(uri), "link", uri))
        elif is_tld(link.group(2)):
            spans.append((start, start + len(uri), "link", "https://" + uri))
    if "@" in text:
        for mention in _MENTION.finditer(text):
            handle = mention.group(1)  # Bluesky handles are domain names
            tld = handle.rsplit(".", 1)[-1]
            # .test is the atproto handle suffix of development PDSes (and of our test server)
            if "." in handle and (is_tld(tld) or tld.lower() == "test"):
                spans.append((mention.start(), mention.end(), "mention", handle))
    spans.sort()
    facets: list[Facet] = []
    ascii_text = text.isascii()
    last_end = byte_end = 0
    for start, end, kind, value in spans:
        if start < last_end:
            continue  # never emit overlapping facets; the earlier one wins
        if ascii_text:
            byte_start, byte_end = start, end
        else:  # walk forward, encoding only what lies between facet edges
            byte_start = byte_end + utf8_length(text[last_end:start])
            byte_end = byte_start + utf8_length(text[start:end])
        last_end = end
        fields = {"kind": kind, "byte_start": byte_start, "byte_end": byte_end, "value": value}
        facets.append(_new(Facet, fields))
    return facets


_FEATURES = {"tag": "tag", "link": "uri", "mention": "handle"}  # facet kind -> feature key


def facets_to_atproto(facets: list[Facet]) -> list[dict[str, Any]]:
    """``app.bsky.richtext.facet`` records; a mention carries its handle and ``did: None``."""
    # Resolving a handle to its DID needs the network, so the publisher does it
    # (com.atproto.identity.resolveHandle) and fills "did" before posting.
    records: list[dict[str, Any]] = []
    for facet in facets:
        if facet.kind not in _FEATURES:
            kinds = ", ".join(_FEATURES)
            raise ValueError(f"unknown facet kind {facet.kind!r}; choose one of: {kinds}")
        feature: dict[str, Any] = {"$type": f"app.bsky.richtext.facet#{facet.kind}"}
        if facet.kind == "mention":
            feature["did"] = None
        feature[_FEATURES[facet.kind]] = facet.value
        index = {"byteStart": facet.byte_start, "byteEnd": facet.byte_end}
        records.append({"index": index, "features": [feature]})
    return records
