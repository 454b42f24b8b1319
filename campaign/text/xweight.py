"""X's weighted length (twitter-text config v3): URLs count 23, emoji 2, CJK 2, Latin 1.

It runs for every rendered post, so it avoids per-character Python loops: ASCII text without a
dot costs one ``len``; other text is weighed by squeezing out the light runs, and only texts that
may hold emoji sequences run the (slow, ``regex``) emoji pattern.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from campaign.text.urls import x_url_spans

# Code points inside the weight-100 ranges of config v3; all others weigh 200 (2 after scaling).
_LIGHT = "\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037"
# Compiled on first use by _compile(), for start-up time; `regex` patterns are typed Any.
_NEVER = re.compile("(?!)")
_LIGHT_RUNS = _EMOJI_HINT = _NOT_EMOJI = _NEVER
_EMOJI_SEQ: Any = None


def _compile() -> None:
    global _LIGHT_RUNS, _EMOJI_HINT, _NOT_EMOJI
    _LIGHT_RUNS = re.compile(f"[{_LIGHT}]+")
    # Besides ZWJ, (c) and (R), only these can make an emoji weigh less than its code points.
    _EMOJI_HINT = re.compile("[\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
    # What can never be in an emoji sequence; squeezing it out keeps the slow pattern's input tiny.
    _NOT_EMOJI = re.compile("[^#*0-9\u00a9\u00ae\u200d\u1100-\U0010ffff]+")


def _emoji_sequences() -> Any:
    global _EMOJI_SEQ
    import regex

    element = r"(?:\p{EBase}[\U0001F3FB-\U0001F3FF]|\p{ExtPict}\uFE0F?)"
    _EMOJI_SEQ = regex.compile(
        r"[\U0001F1E6-\U0001F1FF]{2}|[#*0-9]\uFE0F?\u20E3"  # flags and keycaps
        r"|\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"  # subdivision flags
        rf"|{element}(?:\u200D{element})*"
    )
    return _EMOJI_SEQ


def _emoji_discount(text: str) -> int:
    """How much less than the sum of their code points the emoji of URL-free ``text`` weigh."""
    discount = 0
    for emoji in (_EMOJI_SEQ or _emoji_sequences()).findall(_NOT_EMOJI.sub(" ", text)):
        if len(emoji) > 1 or emoji in "\u00a9\u00ae":
            discount += len(emoji) + len(_LIGHT_RUNS.sub("", emoji)) - 2
    return discount


def x_weighted_length(text: str) -> int:
    """X's weighted length (twitter-text config v3): URLs count 23, emoji 2, CJK 2, Latin 1."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # twitter-text counts CR LF as one line feed
    spans = x_url_spans(text) if "." in text else []
    if text.isascii():
        return len(text) + sum(23 - end + start for start, end in spans)
    if _LIGHT_RUNS is _NEVER:
        _compile()
    # Weights add up per code point, so count the whole text once and correct for the URLs.
    heavy = _LIGHT_RUNS.sub("", text)
    weight = len(text) + len(heavy)
    for start, end in spans:
        url = text[start:end]
        weight += 23 - len(url) - (0 if url.isascii() else len(_LIGHT_RUNS.sub("", url)))
    if _EMOJI_HINT.search(heavy) or "\u200d" in text or "\u00a9" in text or "\u00ae" in text:
        # No emoji spans a URL's edge: discount each stretch between URLs on its own.
        edges = [0, *(edge for span in spans for edge in span), len(text)]
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            weight -= _emoji_discount(text[start:end])
    return weight
