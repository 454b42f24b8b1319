"""Extended grapheme clusters (UAX #29) and UTF-8 sizes, the units of Bluesky and Mastodon.

Counting runs for every rendered post, so it skips the slow ``regex`` pattern wherever the text
cannot join characters into clusters; the patterns compile on first use (importing ``regex`` takes
time every CLI start-up would otherwise pay).
"""

from __future__ import annotations

import re
from typing import Any

# Printable characters that never join a neighbour into a grapheme cluster (UAX #29): Latin,
# Greek, Cyrillic and Armenian letters, general punctuation, currency signs, kana, CJK ideographs;
# not the pictographs among them (© ® ‼ ⁉), which join a preceding emoji ZWJ.
_SIMPLE = "\x20-\x7e\xa0-\xa8\xaa-\xac\xaf-\u02ff\u0370-\u0482\u048a-\u058f\u2010-\u2027"
_SIMPLE += "\u2030-\u203b\u203d-\u2048\u204a-\u205e\u20a0-\u20c0\u3041-\u3096\u30a1-\u30fa"
_SIMPLE += "\u4e00-\u9fff"
# Compiled on first use by _compile(); `regex` patterns are typed Any (the package has no hints).
_SIMPLE_BODY = re.compile("(?!)")
_GRAPHEME: Any = None
_JOINING: Any = None


def _compile() -> None:
    global _SIMPLE_BODY, _GRAPHEME, _JOINING
    import regex

    # All of a run of simple characters but the last, which is context enough for what follows.
    _SIMPLE_BODY = re.compile(f"[{_SIMPLE}]+(?=[{_SIMPLE}])")
    _GRAPHEME = regex.compile(r"\X")
    # Without one of these every code point is an extended grapheme cluster of its own.
    _JOINING = regex.compile(
        r"[\r\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
        r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=RI}]"
    )


def grapheme_length(text: str) -> int:
    """Number of extended grapheme clusters (user-perceived characters) in ``text``."""
    if text.isascii():
        return len(text) - text.count("\r\n") if "\r" in text else len(text)
    if _JOINING is None:
        _compile()
    reduced = _SIMPLE_BODY.sub("", text)
    if len(reduced) == 1 or _JOINING.search(reduced) is None:
        return len(text)
    return len(text) - len(reduced) + len(_GRAPHEME.findall(reduced))


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text``, in order."""
    if _GRAPHEME is None:
        _compile()
    found: list[str] = _GRAPHEME.findall(text)
    return found


def utf8_length(text: str) -> int:
    """Size of ``text`` in UTF-8 bytes (lone surrogates count as their 3 bytes)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
