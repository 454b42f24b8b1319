"""The links X and Mastodon find in a text, following twitter-text's published URL definitions.

The patterns are data taken from twitter-text's regex definitions; they compile on first use.
Scanning tests cheap hints first (a TLD dot, ``://``) and runs a fast pattern that accepts any
alphabetic (or non-ASCII) TLD, falling back to the exact one (every TLD twitter-text knows, in
its order, backtracking) only when needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from campaign.text.tlds import COUNTRY, GENERIC, TLDS

# After a gTLD or ccTLD twitter-text wants none of these (its "(?=[^0-9a-zA-Z@+-]|$)").
_TLD_BREAKERS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@+-\u0130\u0131\u017f\u212a"
)


def _shadowed(order: tuple[str, ...]) -> frozenset[str]:
    # twitter-text tries TLDs in its list's order, and a letter after a non-ASCII TLD does not stop
    # it; so where an earlier TLD is a prefix of a later non-ASCII one, the earlier one wins.
    lowered = [name.lower() for name in order]
    return frozenset(
        name
        for i, name in enumerate(lowered)
        if not name.isascii() and any(name.startswith(prior) for prior in lowered[:i])
    )


_SHADOWED: frozenset[str] = frozenset()  # set by _compile(): it costs milliseconds at start-up


def is_tld(label: str) -> bool:
    """True when ``label`` is a top-level domain twitter-text knows (or any punycode one)."""
    low = label.lower()
    return low in TLDS or (low.startswith("xn--") and len(low) > 4)


def _ends_url_tld(text: str, tld: str, end: int) -> bool:
    """True when twitter-text's pattern would take all of ``tld`` (ending at ``end``) as a TLD."""
    if tld.isascii():
        return is_tld(tld)  # the fast pattern already checked the character after it
    low = tld.lower()
    return (
        low in TLDS
        and low not in _SHADOWED
        and (end == len(text) or text[end] not in _TLD_BREAKERS)
    )


# --- Pattern sources -----------------------------------------------------------------------------
# X's character classes follow twitter-text's published regex definitions (data, not code).
# twitter-text compiles its pattern ignoring case, and Python then lets [a-z] match four more
# letters: 'İ' (U+0130), 'ı' (U+0131), 'ſ' (U+017F) and the Kelvin sign (U+212A).
_AZ = "a-zA-Z\u0130\u0131\u017f\u212a"
_AFTER_TLD = f"(?![0-9{_AZ}@+-])"


_Tree = dict[str, "_Tree"]


def _prefix_tree(names: list[str]) -> str:
    """An alternation of ``names`` as a prefix tree ('c(?:at|o(?:m)?)'), which matches the same."""
    tree: _Tree = {}
    for name in names:
        node = tree
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: _Tree) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


# twitter-text tries the gTLDs, then the ccTLDs, in its list's order, then any punycode, ignoring
# case by Unicode rules ('.РФ' is '.рф'). Only a whole run of letters can be an ASCII TLD (none may
# follow it), so their order cannot matter and a prefix tree, much faster, takes their place.
def _tld() -> str:
    return (
        f"(?i:{_prefix_tree(sorted(name for name in TLDS if name.isascii()))}{_AFTER_TLD}"
        f"|(?:{'|'.join(name for name in GENERIC if not name.isascii())}){_AFTER_TLD}"
        f"|(?:{'|'.join(name for name in COUNTRY if not name.isascii())}){_AFTER_TLD}"
        "|xn--[0-9a-z-]+)"
    )
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_INVALID = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066-\u2069"
_NOT_DOMAIN = r"!'#%&()*+,\\./:;<=>?@\[\]^{|}~$" + _SPACES + _INVALID + _DIRECTIONAL
_D = f"[^{_NOT_DOMAIN}_-]"  # label characters; '-' (and '_' in subdomains) join runs of them
_LATIN = r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
_LATIN += r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
_PATH_CH = rf"[{_AZ}\u0400-\u04FF0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}]"
_PARENS = rf"\((?:{_PATH_CH}+|{_PATH_CH}*\({_PATH_CH}+\){_PATH_CH}*)\)"
_PATH_END = rf"[+\-{_AZ}\u0400-\u04FF0-9=_#/{_LATIN}]"
_QUERY = rf"\?[{_AZ}0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[{_AZ}0-9\-_&=#/]"
# As in twitter-text, where the path-ending alternation is spliced in unbracketed, a balanced
# parenthesis group ends a path segment only on its own: '/p(a)' is one segment, '/p.(a)' is not.
_PATH_UNIT = rf"(?:{_PATH_CH}*(?:{_PARENS}{_PATH_CH}*)*{_PATH_END}|{_PARENS}|@{_PATH_CH}+/)"
_URL_TAIL = rf"(?::[0-9]+)?(/{_PATH_UNIT}*)?(?:{_QUERY})?"
_URL_BEFORE = rf"(?<![{_AZ}0-9@＠$#＃{_INVALID}])"
# Groups: 1 scheme, 2 domain, 3 TLD, 4 path. The exact domain (built by _compile_exact) mirrors
# twitter-text; the fast one takes any alphabetic (or non-ASCII) TLD, for the caller to check.
# Labels match possessively (a label is always followed by a dot, so giving characters back never
# helps) and as runs, which scan much faster.
_SUB_LABEL = f"{_D}++(?:[_-]++{_D}++)*+"
_FAST_TLD = (
    rf"[xX][nN]--[0-9{_AZ}-]+|[{_AZ}]+{_AFTER_TLD}|[^\x00-\x7f{_SPACES}{_INVALID}{_DIRECTIONAL}]+"
)
_FAST_DOMAIN = rf"((?:{_SUB_LABEL}\.)+({_FAST_TLD}))"

# Compiled on first use: the fast patterns by _compile(), the exact ones (a thousand-and-a-half
# TLD alternatives) by _compile_exact(), only when a text needs them.
_NEVER = re.compile("(?!)")
_X_URL = _SCHEME_URL = _ASCII_DOMAIN = _NEVER
_X_URL_FAST = _SCHEME_URL_FAST = _URL_BEFORE_OK = _TCO = _URL_HINT = _URL_HINT_WIDE = _NEVER
_compiled = _compiled_exact = False
_SCHEME = "((?i:https?://))"


def _compile() -> None:
    global _X_URL_FAST, _SCHEME_URL_FAST, _URL_BEFORE_OK, _TCO, _URL_HINT, _URL_HINT_WIDE, _compiled
    global _SHADOWED
    _SHADOWED = _shadowed(GENERIC + COUNTRY)
    _X_URL_FAST = re.compile(f"{_URL_BEFORE}{_SCHEME}?{_FAST_DOMAIN}{_URL_TAIL}")
    _SCHEME_URL_FAST = re.compile(f"{_URL_BEFORE}{_SCHEME}{_FAST_DOMAIN}{_URL_TAIL}")
    _URL_BEFORE_OK = re.compile(rf"[^{_AZ}0-9@＠$#＃{_INVALID}]")
    _TCO = re.compile(rf"(?i:https?://t\.co/)([{_AZ}0-9]+)(?:{_QUERY})?")
    # Every URL has a TLD dot; literal prefixes scan fast. Non-ASCII TLDs need the wide hint.
    _URL_HINT = re.compile(r"\.[A-Za-z]")
    _URL_HINT_WIDE = re.compile(r"\.[A-Za-z\x80-\U0010ffff]")
    _compiled = True


def _compile_exact() -> None:
    global _X_URL, _SCHEME_URL, _ASCII_DOMAIN, _compiled_exact
    tld = _tld()
    exact_domain = rf"((?:{_SUB_LABEL}\.)*{_D}++(?:-++{_D}++)*+\.({tld}))"
    _X_URL = re.compile(f"{_URL_BEFORE}{_SCHEME}?{exact_domain}{_URL_TAIL}")
    _SCHEME_URL = re.compile(f"{_URL_BEFORE}{_SCHEME}{exact_domain}{_URL_TAIL}")
    _ASCII_DOMAIN = re.compile(rf"(?:[-{_AZ}0-9{_LATIN}]+\.)+{tld}")
    _compiled_exact = True


def _x_url(text: str, pos: int) -> re.Match[str] | None:
    if not _compiled_exact:
        _compile_exact()
    return _X_URL.search(text, pos)


def _x_url_at(text: str, pos: int) -> re.Match[str] | None:
    if not _compiled_exact:
        _compile_exact()
    return _X_URL.match(text, pos)


def _scheme_url_at(text: str, pos: int) -> re.Match[str] | None:
    if not _compiled_exact:
        _compile_exact()
    return _SCHEME_URL.match(text, pos)


def _exact(
    fast: re.Match[str] | None, text: str, retry: Callable[[str, int], re.Match[str] | None]
) -> re.Match[str] | None:
    """``fast`` if the exact pattern would match the same, else what ``retry`` (it) finds."""
    if fast is None:
        return None
    domain, tld = fast.group(2, 3)  # a known TLD, and no '_' in the registered name
    if _ends_url_tld(text, tld, fast.end(3)) and (
        "_" not in domain or "_" not in domain.rsplit(".", 2)[-2]
    ):
        return fast
    return retry(text, fast.start())


@lru_cache(maxsize=1024)
def _idna_length(domain: str) -> int | None:
    # Python's IDNA codec (nameprep, punycode) takes tens of microseconds; posts repeat domains.
    try:
        return len(domain.encode("idna"))
    except UnicodeError:
        return None


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the URLs twitter-text extracts from (NFC) ``text``."""
    if not _compiled:
        _compile()
    spans: list[tuple[int, int]] = []
    pos = 0
    url_hint = _URL_HINT if text.isascii() else _URL_HINT_WIDE
    while text.find(".", pos) != -1 and (hint := url_hint.search(text, pos)) is not None:
        # A URL holds no spaces, so one holding this dot starts after the last space before it.
        found = _X_URL_FAST.search(text, max(pos, text.rfind(" ", pos, hint.start()) + 1))
        if found is None:
            break
        scheme, domain, tld, path = found.groups()
        start, end = found.span()
        if start == 0 or "_" in domain or not _ends_url_tld(text, tld, found.end(3)):
            # Unknown TLD or '_' in the registered name: let the exact pattern backtrack.
            if (found := _exact(found, text, _x_url)) is None:
                break
            if found.start() == 0 and _URL_BEFORE_OK.match(text):
                # twitter-text's pattern takes a valid first character as the "before" of a URL.
                found = _exact(_X_URL_FAST.match(text, 1), text, _x_url_at) or found
            scheme, domain, tld, path = found.groups()
            start, end = found.span()
        pos = end + 1  # the character after a match is consumed as the next one's "before"
        if len(domain) > 63 or not domain.isascii() or end - start > 4000:
            # twitter-text drops hosts IDNA cannot encode, such as labels over 63 characters
            if (encoded := _idna_length(domain)) is None:
                continue
            if len(scheme or "https://") + end - start + encoded - len(domain) > 4096:
                continue
        if scheme is None:
            if start and text[start - 1] in "-_./":
                continue
            # Bare domains count only for their ASCII parts; a path extends the last one.
            if domain.strip("-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"):
                if not _compiled_exact:
                    _compile_exact()
                found_parts = _ASCII_DOMAIN.finditer(domain)
                parts = [(start + part.start(), start + part.end()) for part in found_parts]
            else:
                parts = [(start, start + len(domain))]
            if parts and path:
                # twitter-text keeps the URL as the last ASCII part followed by what follows the
                # domain (port, path, query), and skips that many characters: when the domain
                # goes on past its last ASCII part ('x1.한국.net/a' is 'x1.한국/a'), the last
                # characters of the path count as text.
                last_start, last_end = parts[-1]
                parts[-1] = (last_start, last_end + end - start - len(domain))
            spans.extend(parts)
            continue
        tco = _TCO.match(text, start, end) if domain.lower() == "t.co" else None
        if tco is not None:
            if len(tco.group(1)) > 40:
                continue  # twitter-text rejects t.co slugs over 40 characters
            end = tco.end()  # and ignores anything after the slug and query
        spans.append((start, end))
    return spans


def replace_scheme_urls(text: str, url_length: int) -> str:
    """``text`` with each http(s) URL replaced by ``url_length`` placeholder characters."""
    if not _compiled:
        _compile()
    pieces: list[str] = []
    last = pos = 0
    while (colon := text.find("://", pos)) != -1:
        pos = colon + 3
        start = colon - (5 if text[max(0, colon - 5) : colon].lower() == "https" else 4)
        fast = _SCHEME_URL_FAST.match(text, start) if start >= 0 else None
        if (found := _exact(fast, text, _scheme_url_at)) is not None:
            pieces += (text[last:start], "x" * url_length)
            last = pos = found.end()
    return "".join(pieces) + text[last:] if pieces else text
