"""The SMART check's view of a text: folded for matching, mapped back for quoting.

A pledge is matched in a folded form (NFKC compatibility forms, case folded, accents dropped,
œ as oe, every apostrophe as ``'``, every dash as ``-``, every space as a space), so «L’élimination»,
«l'elimination» and «L’ÉLIMINATION» read alike; each folded character remembers the character of
the pledge it came from, so feedback quotes the pledger's own words as typed. The lexicon's
entries are folded the same way before they are compiled.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

_APOSTROPHES = "\u2019\u2018\u02bc\u02b9\u2032\u00b4\u0060\uff07"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_LINES = "\u2028\u2029\u0085"
_FOLDED: dict[str, str] = {}


def fold_char(ch: str) -> str:
    """One character as the check reads it (possibly several characters, or none)."""
    found = _FOLDED.get(ch)
    if found is not None:
        return found
    if ch in _APOSTROPHES:
        value = "'"
    elif ch in _DASHES:
        value = "-"
    elif ch in _LINES:
        value = "\n"
    elif ch == "\ufeff" or (ch.isspace() and ch not in "\n"):
        value = " "
    else:
        decomposed = unicodedata.normalize("NFKD", ch)
        value = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        value = value.replace("œ", "oe").replace("æ", "ae")
        for inner in value:  # a compatibility form may hold a dash or an apostrophe (U+FE63)
            if inner in _APOSTROPHES or inner in _DASHES:
                value = value.replace(inner, "'" if inner in _APOSTROPHES else "-")
    if len(_FOLDED) < 20_000:  # bounded: a text of rare characters cannot grow it for ever
        _FOLDED[ch] = value
    return value


class _FoldTable(dict[int, str]):
    """``fold_char`` as a table for ``str.translate``, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        value = fold_char(chr(code))
        if len(value) != 1:
            _UNEVEN.add(chr(code))
        if len(self) < 20_000:  # bounded, as _FOLDED is
            self[code] = value
        return value


_UNEVEN: set[str] = set()  # the characters met that fold to none or to several
_TABLE = _FoldTable()


def fold(text: str) -> str:
    """``text`` folded, without the map back (for the lexicon's entries)."""
    return "".join(fold_char(ch) for ch in text)


def fold_pattern(entry: str) -> str:
    """A lexicon entry folded like the text it is matched against, its named groups kept (case
    folding would turn ``(?P<`` into ``(?p<``); a space stands for any white space, and " ?"
    for none or some."""
    folded = fold(entry).replace("(?p<", "(?P<")
    return folded.replace(" ?", r"\s*").replace(" ", r"\s+")


@dataclass(frozen=True)
class Span:
    """Where something was found, in folded positions."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """Whether the two spans share a character."""
        return self.start < other.end and other.start < self.end


class Folded:
    """A pledge's text and its folded form, with the way back from one to the other."""

    __slots__ = ("_where", "origin", "text")

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self._where: list[int] | None = None
        if origin.isascii():  # the common case for English: no map needed
            self.text = origin.lower().replace("`", "'")
            return
        # str.translate folds in C; when every character of the text folds to exactly one, a
        # folded position is the pledge's own position and no map is needed
        self.text = origin.translate(_TABLE)
        if _UNEVEN.isdisjoint(origin):
            return
        parts: list[str] = []
        where: list[int] = []
        for index, ch in enumerate(origin):
            folded = fold_char(ch)
            parts.append(folded)
            where.extend([index] * len(folded))
        self.text = "".join(parts)
        self._where = where

    def original(self, start: int, end: int) -> str:
        """The pledge's own characters behind folded positions ``start`` to ``end``."""
        if self._where is None:
            return self.origin[start:end].strip()
        if start >= end or start >= len(self._where):
            return ""
        first = self._where[start]
        last = self._where[min(end, len(self._where)) - 1]
        return self.origin[first:last + 1].strip()

    def quote(self, span: Span) -> str:
        """The words at ``span`` as the pledger typed them."""
        return self.original(span.start, span.end)


def compile_entries(entries: Iterable[str], *, wrap: bool = True) -> re.Pattern[str]:
    """One pattern matching any of the lexicon's ``entries``, each a whole word or phrase."""
    return re.compile(alternation(entries, wrap=wrap))


def alternation(entries: Iterable[str], *, wrap: bool = True) -> str:
    """The entries as one alternative, folded, a space standing for any white space; longest
    first, so that «mettre en place» wins over «mettre»."""
    folded = sorted({fold_pattern(e) for e in entries}, key=len, reverse=True)
    body = "|".join(folded) if folded else "(?!)"
    return rf"(?<!\w)(?:{body})(?!\w)" if wrap else f"(?:{body})"


class Taken:
    """Spans already claimed, kept sorted and merged: whether a span overlaps one of them is a
    binary search, not a scan, so that a text of a thousand numbers or years is not checked in
    quadratic time (an imported file's answers are untrusted)."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, found: Iterable[Span] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []  # disjoint intervals: the ends are sorted like the starts
        for span in found:
            self.add(span)

    def overlaps(self, span: Span) -> bool:
        """Whether ``span`` shares a character with a span taken (as `Span.overlaps`)."""
        last = bisect_left(self._starts, span.end) - 1  # the last one starting before its end
        return last >= 0 and self._ends[last] > span.start

    def add(self, span: Span) -> None:
        """Take ``span`` too, merged with those it overlaps."""
        low = bisect_right(self._ends, span.start)  # the first one ending after its start
        high = bisect_left(self._starts, span.end)  # past the last one starting before its end
        start, end = span.start, span.end
        if low < high:
            start, end = min(start, self._starts[low]), max(end, self._ends[high - 1])
        self._starts[low:high] = [start]
        self._ends[low:high] = [end]


def spans(pattern: re.Pattern[str], text: str,
          masked: Sequence[Span] | Taken = ()) -> Iterator[Span]:
    """Where ``pattern`` matches ``text``, leaving out what overlaps a ``masked`` span (a
    `Taken` may grow while this runs: what is added is masked from then on)."""
    taken = masked if isinstance(masked, Taken) else Taken(masked)
    for match in pattern.finditer(text):
        span = Span(match.start(), match.end())
        if not taken.overlaps(span):
            yield span


# a number keeps its decimal and thousands separators («1,5 million», «USD 50,000»): a quote
# cut at the comma would show «Allouer 1»
_WORD_AFTER = re.compile(r"[ \t]+([«“\"]?(?:\d+(?:[.,]\d+)+(?![\w])|[^\s.,;:!?()«»\"“”/]+))")
_NUMBER = re.compile(r"^(?:\d[\d.,]*|x|%)$")


def extend(folded: Folded, span: Span, stopwords: frozenset[str], *, content: int = 2,
           most: int = 6, before: Sequence[Span] = ()) -> Span:
    """``span`` grown over the words that follow, short of punctuation, until it holds
    ``content`` words that are neither function words nor numbers (at most ``most`` words), then
    trimmed of the function words at its end, and stopped ``before`` another finding (a date):
    «Tenir» becomes «Tenir une conférence», «Former» «Former 200 inspecteurs du travail»."""
    stops = sorted(s.start for s in before if s.start >= span.end)
    ends = [span.end]
    position, seen = span.end, 0
    while seen < content and len(ends) <= most:
        match = _WORD_AFTER.match(folded.text, position)
        if match is None or (stops and match.end() > stops[0]):
            break
        position = match.end()
        ends.append(position)
        if not _filler(match[1], stopwords) and not _NUMBER.match(match[1]):
            seen += 1
    while len(ends) > 1 and _filler(folded.text[ends[-2]:ends[-1]].strip(), stopwords):
        ends.pop()
    return Span(span.start, ends[-1])


def extend_noun(folded: Folded, span: Span, stopwords: frozenset[str], *, most: int = 3) -> Span:
    """``span`` grown over the words that follow up to a function word: «X» becomes «X accords»,
    «X collective bargaining agreements»."""
    end = span.end
    for _ in range(most):
        match = _WORD_AFTER.match(folded.text, end)
        if match is None or _filler(match[1], stopwords):
            break
        end = match.end()
    return Span(span.start, end)


def _filler(word: str, stopwords: frozenset[str]) -> bool:
    return word in stopwords or word.endswith("'") or (len(word) < 2 and not word.isdigit()
                                                       and word not in ("x", "%"))
