"""How many words a text has, counted the way a web form counts them.

A word is a run of characters that are not white space, so «l’élimination» is one word, and so
is «ODD-8.7» or a URL; a lone «—» between spaces is one too, as in the browser's counter. White
space is the set JavaScript's ``\\s`` matches (ECMAScript's WhiteSpace and LineTerminator: the
ASCII spaces and line ends, no-break spaces, the Unicode space separators, U+FEFF), so the
dashboard's live counter (``text.match(/\\S+/g)``) and the store agree on every text. The form's
limits (a title of at most 20 words, a contribution of at most 100) are checked with this rule
everywhere: prompts, imports, the store and the web form.
"""

from __future__ import annotations

import re

# ECMAScript \s: Python's str.split() differs (it splits on U+001C-U+001F and U+0085, keeps U+FEFF)
_WORD = re.compile("[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")

TITLE_MAX_WORDS = 20
CONTRIBUTION_MAX_WORDS = 100


def words(text: str) -> list[str]:
    """The words of ``text``, in order."""
    return _WORD.findall(text)


def count_words(text: str) -> int:
    """How many words ``text`` has (runs of non-space characters)."""
    return len(_WORD.findall(text))
