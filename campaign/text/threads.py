"""Splitting a text too long for one post into a thread of posts that each fit."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from campaign.text.graphemes import graphemes
from campaign.text.measure import measure
from campaign.text.networks import DEFAULT_LIMITS, NetworkLimits

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def _longest(count: int, ok: Callable[[int], bool], guess: int | None = None) -> int:
    """Largest ``n`` in 1..count with ``ok(n)`` (assumed monotone), or 0 when none holds.

    With a ``guess``, the search gallops out from it and bisects the bracket it finds: a good
    guess costs two or three calls of ``ok`` (each measures a whole part) instead of log2(count).
    """
    low, high = 0, count
    if guess is not None and count:
        guess = min(max(guess, 1), count)
        step = 1
        if ok(guess):
            low = guess
            while low + step <= count and ok(low + step):
                low, step = low + step, step * 2
            high = min(count, low + step - 1)
        else:
            high = guess - 1
            while high - step >= 1 and not ok(high - step + 1):
                high, step = high - step, step * 2
            low = max(0, high - step)
            if low and not ok(low):  # only when galloping stopped at the floor
                low = 0
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if ok(mid) else (low, mid - 1)
    return low


def _pack(text: str, words: list[tuple[int, int]], network: str, limits: NetworkLimits,
          suffix: str) -> list[str]:
    """Cut ``text`` (its ``words`` as spans) into parts that each fit once ``suffix`` (the widest
    numbering) is appended."""

    def fits(part: str) -> bool:
        return measure(network, part + suffix, limits).fits

    def fitting_words(first: int) -> int:
        # The longest run of whole words from ``first`` that fits, keeping the original spacing;
        # the first guess counts one per character, which latin text mostly is
        start = words[first][0]
        room = budget - len(suffix) + start
        guess = bisect.bisect_right(ends, room, lo=first) - first
        return _longest(len(words) - first, lambda n: fits(text[start : words[first + n - 1][1]]),
                        guess)

    def fitting_clusters(clusters: list[str]) -> int:
        return _longest(len(clusters), lambda n: fits("".join(clusters[:n])))

    def ends_sentence(j: int) -> bool:
        return _SENTENCE_END.search(text, *words[j]) is not None

    ends = [end for _, end in words]
    budget = measure(network, "", limits).limit
    parts: list[str] = []
    i = 0
    while i < len(words):
        if (k := fitting_words(i)) == 0:
            # A single word longer than a post: the only cut inside a word, on grapheme bounds.
            clusters = graphemes(text[words[i][0] : words[i][1]])
            while clusters:
                if (n := fitting_clusters(clusters)) == 0:
                    raise ValueError(f"{clusters[0]!r} cannot fit in a {network} post")
                parts.append("".join(clusters[:n]))
                clusters = clusters[n:]
            i += 1
            continue
        if i + k < len(words):
            # End the part on its last sentence end; only a sentence too long alone splits on words.
            k = next((j - i + 1 for j in range(i + k - 1, i - 1, -1) if ends_sentence(j)), k)
        parts.append(text[words[i][0] : words[i + k - 1][1]])
        i += k
    return parts


def split_thread(
    text: str, network: str, limits: NetworkLimits = DEFAULT_LIMITS, numbered: bool = True
) -> list[str]:
    """Split ``text`` into posts that each fit ``network``; ``numbered`` appends ' (i/n)'."""
    if measure(network, text, limits).fits or not text.strip():
        return [text]
    words = [found.span() for found in _WORD.finditer(text)]
    if not numbered:
        return _pack(text, words, network, limits, "")
    # Up to nine parts, every numbering " (i/n)" is as wide as " (9/9)" and counts the same on
    # every network, so one pack with it gives the answer the general loop below would reach.
    parts = _pack(text, words, network, limits, " (9/9)")
    if len(parts) <= 9:
        return [f"{part} ({number}/{len(parts)})" for number, part in enumerate(parts, 1)]
    total = len(_pack(text, words, network, limits, ""))
    while len(parts := _pack(text, words, network, limits, f" ({total}/{total})")) > total:
        total = len(parts)  # more parts may widen the suffix: pack again until the count holds
    return [f"{part} ({number}/{len(parts)})" for number, part in enumerate(parts, 1)]
