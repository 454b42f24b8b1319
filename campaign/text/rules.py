"""Length rules, rich-text facets and thread splitting for X, Bluesky and Mastodon posts.

Everything here is pure and runs for every rendered post, so the hot paths avoid per-character
Python loops and test cheap hints (``str.isascii``, ``in``, literal-prefixed regexes) before running
the expensive patterns. Those are compiled on first use: compiling them (and importing ``regex``)
takes ~70 ms that every CLI start-up would otherwise pay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

NETWORKS = ("x", "bluesky", "mastodon")
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
# what a reader does not see: spaces, soft hyphens, zero-width and direction marks
_VISIBLE = re.compile(r"[^\s\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace or invisible characters."""
    return _VISIBLE.search(text) is None
_T = TypeVar("_T")


@dataclass(frozen=True)
class Measure:
    """The counted length of a text on one network, its limit, and whether it can be posted."""

    network: str
    length: int
    limit: int
    fits: bool
    unit: str


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text span (tag, link or mention) addressed by UTF-8 byte offsets."""

    kind: str
    byte_start: int
    byte_end: int
    value: str


@dataclass(frozen=True)
class NetworkLimits:
    """Per-network limits; the defaults are the real networks' values."""

    x_limit: int = 280
    bluesky_graphemes: int = 300
    bluesky_bytes: int = 3000
    mastodon_characters: int = 500
    mastodon_url_length: int = 23


DEFAULT_LIMITS = NetworkLimits()

# --- Top-level domains ---------------------------------------------------------------------------
# twitter-text knows ~1,300 gTLDs; we keep those a campaign post is likely to use (the tests check
# each is real) and every ASCII ccTLD. A domain under a missing gTLD (a brand such as '.dupont')
# counts as plain text here although X counts it as a 23-character link.
_GTLD_NAMES = """
    com net org info biz edu gov mil int mobi name pro tel jobs museum aero coop travel cat post
    asia xxx xyz top app dev page blog news media press social online site website space store
    shop tech technology digital cloud email link live life love world today network one earth
    green eco ngo ong charity foundation fund gives help care family community education school
    university academy college science art design studio photo video film radio events agency
    company group team solutions services consulting business global international africa paris
    bzh alsace corsica quebec berlin london brussels nyc eus gal swiss wiki works work zone city
    club health
"""
_CCTLD_NAMES = """
    ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq
    br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz
    ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw
    gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz
    la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx
    my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro
    rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk
    tl tm tn to tp tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
"""
_TLDS = frozenset(_GTLD_NAMES.split() + _CCTLD_NAMES.split())


def _is_tld(label: str) -> bool:
    low = label.lower()
    return low in _TLDS or (low.startswith("xn--") and len(low) > 4)


# --- Pattern sources -----------------------------------------------------------------------------
# X's character classes follow twitter-text's published regex definitions (data, not code).
_TLD = "(?ai:" + "|".join(sorted(_TLDS)) + r"|xn--[0-9a-z-]+)(?![0-9a-zA-Z@+-])"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_INVALID = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066-\u2069"
_NOT_DOMAIN = r"!'#%&()*+,\\./:;<=>?@\[\]^{|}~$" + _SPACES + _INVALID + _DIRECTIONAL
_D = f"[^{_NOT_DOMAIN}_-]"  # label characters; '-' (and '_' in subdomains) join runs of them
_LATIN = r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
_LATIN += r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
_PATH_CH = rf"[a-zA-Z\u0400-\u04FF0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}]"
_PARENS = rf"\((?:{_PATH_CH}+|{_PATH_CH}*\({_PATH_CH}+\){_PATH_CH}*)\)"
_PATH_END = r"[+\-a-zA-Z\u0400-\u04FF0-9=_#/" + _LATIN + "]"
_QUERY = r"\?[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-zA-Z0-9\-_&=#/]"
# As in twitter-text, where the path-ending alternation is spliced in unbracketed, a balanced
# parenthesis group ends a path segment only on its own: '/p(a)' is one segment, '/p.(a)' is not.
_PATH_UNIT = rf"(?:{_PATH_CH}*(?:{_PARENS}{_PATH_CH}*)*{_PATH_END}|{_PARENS}|@{_PATH_CH}+/)"
_URL_TAIL = rf"(?::[0-9]+)?(/{_PATH_UNIT}*)?(?:{_QUERY})?"
_URL_BEFORE = rf"(?<![A-Za-z0-9@＠$#＃{_INVALID}])"
# Groups: 1 scheme, 2 domain, 3 TLD, 4 path. The exact domain mirrors twitter-text; the fast one
# takes any alphabetic TLD, for the caller to check. Labels match possessively (a label is always
# followed by a dot, so giving characters back never helps) and as runs, which scan much faster.
_SUB_LABEL = f"{_D}++(?:[_-]++{_D}++)*+"
_EXACT_DOMAIN = rf"((?:{_SUB_LABEL}\.)*{_D}++(?:-++{_D}++)*+\.({_TLD}))"
_FAST_DOMAIN = rf"((?:{_SUB_LABEL}\.)+((?:[xX][nN]--[0-9a-zA-Z-]+|[a-zA-Z]+)(?![0-9a-zA-Z@+-])))"
# Code points inside the weight-100 ranges of config v3; all others weigh 200 (2 after scaling).
_LIGHT = "\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037"
# Printable characters that never join a neighbour into a grapheme cluster (UAX #29): Latin,
# Greek, Cyrillic and Armenian letters, general punctuation, currency signs, kana, CJK ideographs;
# not the pictographs among them (© ® ‼ ⁉), which join a preceding emoji ZWJ.
_SIMPLE = "\x20-\x7e\xa0-\xa8\xaa-\xac\xaf-\u02ff\u0370-\u0482\u048a-\u058f\u2010-\u2027"
_SIMPLE += "\u2030-\u203b\u203d-\u2048\u204a-\u205e\u20a0-\u20c0\u3041-\u3096\u30a1-\u30fa"
_SIMPLE += "\u4e00-\u9fff"
# Bluesky tags, as the Bluesky app finds them: '#' at the start or after whitespace.
_TAG_TAIL = r"(?![\uFE0F\u20E3])([^\s\u00AD\u2060\u200A-\u200D\u20E2]+)"

# Compiled by _compile() on first use; `regex` patterns are typed Any (the package has no hints).
_NEVER = re.compile("(?!)")
_X_URL = _X_URL_FAST = _SCHEME_URL = _SCHEME_URL_FAST = _URL_BEFORE_OK = _ASCII_DOMAIN = _NEVER
_TCO = _URL_HINT = _LIGHT_RUNS = _EMOJI_HINT = _NOT_EMOJI = _SIMPLE_BODY = _NEVER
_MASTODON_MENTION = _TAG = _TAG_WIDE = _LINK = _MENTION = _NEVER
_EMOJI_SEQ: Any = None
_GRAPHEME: Any = None
_JOINING: Any = None
_compiled = False


def _compile() -> None:
    global _X_URL, _X_URL_FAST, _SCHEME_URL, _SCHEME_URL_FAST, _URL_BEFORE_OK, _ASCII_DOMAIN
    global _TCO, _URL_HINT, _LIGHT_RUNS, _EMOJI_HINT, _NOT_EMOJI, _SIMPLE_BODY, _MASTODON_MENTION
    global _TAG, _TAG_WIDE, _LINK, _MENTION, _EMOJI_SEQ, _GRAPHEME, _JOINING, _compiled
    import regex

    scheme = "((?i:https?://))"
    _X_URL = re.compile(f"{_URL_BEFORE}{scheme}?{_EXACT_DOMAIN}{_URL_TAIL}")
    _X_URL_FAST = re.compile(f"{_URL_BEFORE}{scheme}?{_FAST_DOMAIN}{_URL_TAIL}")
    _SCHEME_URL = re.compile(f"{_URL_BEFORE}{scheme}{_EXACT_DOMAIN}{_URL_TAIL}")
    _SCHEME_URL_FAST = re.compile(f"{_URL_BEFORE}{scheme}{_FAST_DOMAIN}{_URL_TAIL}")
    _URL_BEFORE_OK = re.compile(rf"[^A-Za-z0-9@＠$#＃{_INVALID}]")
    _ASCII_DOMAIN = re.compile(rf"(?:[-a-zA-Z0-9{_LATIN}]+\.)+{_TLD}")
    _TCO = re.compile(rf"(?i:https?://t\.co/)([a-zA-Z0-9]+)(?:{_QUERY})?")
    _URL_HINT = re.compile(r"\.[A-Za-z]")  # every URL has a TLD dot; literal prefixes scan fast
    _LIGHT_RUNS = re.compile(f"[{_LIGHT}]+")
    # Besides ZWJ, (c) and (R), only these can make an emoji weigh less than its code points.
    _EMOJI_HINT = re.compile(
        "[\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
    )
    # What can never be in an emoji sequence; squeezing it out keeps the slow pattern's input tiny.
    _NOT_EMOJI = re.compile("[^#*0-9\u00a9\u00ae\u200d\u1100-\U0010ffff]+")
    element = r"(?:\p{EBase}[\U0001F3FB-\U0001F3FF]|\p{ExtPict}\uFE0F?)"
    _EMOJI_SEQ = regex.compile(
        r"[\U0001F1E6-\U0001F1FF]{2}|[#*0-9]\uFE0F?\u20E3"  # flags and keycaps
        r"|\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"  # subdivision flags
        rf"|{element}(?:\u200D{element})*"
    )
    _GRAPHEME = regex.compile(r"\X")
    # All of a run of simple characters but the last, which is context enough for what follows.
    _SIMPLE_BODY = re.compile(f"[{_SIMPLE}]+(?=[{_SIMPLE}])")
    # Without one of these every code point is an extended grapheme cluster of its own.
    _JOINING = regex.compile(
        r"[\r\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
        r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=RI}]"
    )
    # Mastodon's Account::MENTION_RE: only the local '@user' of '@user@domain' counts.
    _MASTODON_MENTION = re.compile(
        r"(?<![=/\w])@([a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?"
    )
    _TAG = re.compile(r"#(?<!\S#)" + _TAG_TAIL)  # a literal first character makes the scan fast
    _TAG_WIDE = re.compile(r"[#＃](?<!\S[#＃])" + _TAG_TAIL)
    _LINK = re.compile(
        r"(?<![^\s(\[{«“‘\"'<])"  # start of text, whitespace or an opening bracket or quote
        r"(?:(?i:https?://)\S+"
        r"|((?:[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+\.)+([A-Za-z][A-Za-z0-9-]*+))(?![\w-])"
        r"(?:[/?#:]\S*)?)"
    )
    _MENTION = re.compile(
        r"@(?<![^\s(]@)([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?!@|[.-]?[A-Za-z0-9_])"
    )
    _compiled = True


def _new(cls: type[_T], fields: dict[str, Any]) -> _T:
    # A frozen dataclass's __init__ sets each field through object.__setattr__, which costs as much
    # as counting a short post; handing the instance its dict builds the same object faster.
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made


_MEASURES_MADE: dict[tuple[str, int, int, bool], Measure] = {}


def _measure(network: str, length: int, limit: int, fits: bool, unit: str) -> Measure:
    # Measures are frozen, so equal ones can be shared rather than built again for every post.
    made = _MEASURES_MADE.get(key := (network, length, limit, fits))
    if made is None:
        if len(_MEASURES_MADE) >= 4096:
            _MEASURES_MADE.clear()
        made = _MEASURES_MADE[key] = Measure(network, length, limit, fits, unit)
    return made


# --- X (twitter-text v3) -------------------------------------------------------------------------
def _exact(
    fast: re.Match[str] | None, text: str, retry: Callable[[str, int], re.Match[str] | None]
) -> re.Match[str] | None:
    """``fast`` if the exact pattern would match the same, else what ``retry`` (it) finds."""
    if fast is None:
        return None
    domain, tld = fast.group(2, 3)  # a known TLD, and no '_' in the registered name
    if _is_tld(tld) and ("_" not in domain or "_" not in domain.rsplit(".", 2)[-2]):
        return fast
    return retry(text, fast.start())


def _x_url_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the URLs twitter-text extracts from (NFC) ``text``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while text.find(".", pos) != -1 and (hint := _URL_HINT.search(text, pos)) is not None:
        # A URL holds no spaces, so one holding this dot starts after the last space before it.
        found = _X_URL_FAST.search(text, max(pos, text.rfind(" ", pos, hint.start()) + 1))
        if found is None:
            break
        scheme, domain, tld, path = found.groups()
        start, end = found.span()
        if start == 0 or tld.lower() not in _TLDS or "_" in domain:
            # Unknown TLD or '_' in the registered name: let the exact pattern backtrack.
            if (found := _exact(found, text, _X_URL.search)) is None:
                break
            if found.start() == 0 and _URL_BEFORE_OK.match(text):
                # twitter-text's pattern takes a valid first character as the "before" of a URL.
                found = _exact(_X_URL_FAST.match(text, 1), text, _X_URL.match) or found
            scheme, domain, tld, path = found.groups()
            start, end = found.span()
        pos = end + 1  # the character after a match is consumed as the next one's "before"
        if len(domain) > 63 or not domain.isascii() or end - start > 4000:
            try:  # twitter-text drops hosts IDNA cannot encode, such as labels over 63 characters
                encoded = len(domain.encode("idna"))
            except UnicodeError:
                continue
            if len(scheme or "https://") + end - start + encoded - len(domain) > 4096:
                continue
        if scheme is None:
            if start and text[start - 1] in "-_./":
                continue
            # Bare domains count only for their ASCII parts; a path extends the last one.
            if domain.strip("-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"):
                found_parts = _ASCII_DOMAIN.finditer(domain)
                parts = [(start + part.start(), start + part.end()) for part in found_parts]
            else:
                parts = [(start, start + len(domain))]
            if parts and path:
                parts[-1] = (parts[-1][0], end)
            spans.extend(parts)
            continue
        tco = _TCO.match(text, start, end) if domain.lower() == "t.co" else None
        if tco is not None:
            if len(tco.group(1)) > 40:
                continue  # twitter-text rejects t.co slugs over 40 characters
            end = tco.end()  # and ignores anything after the slug and query
        spans.append((start, end))
    return spans


def _emoji_discount(text: str) -> int:
    """How much less than the sum of their code points the emoji of URL-free ``text`` weigh."""
    discount = 0
    for emoji in _EMOJI_SEQ.findall(_NOT_EMOJI.sub(" ", text)):
        if len(emoji) > 1 or emoji in "\u00a9\u00ae":
            discount += len(emoji) + len(_LIGHT_RUNS.sub("", emoji)) - 2
    return discount


def x_weighted_length(text: str) -> int:
    """X's weighted length (twitter-text config v3): URLs count 23, emoji 2, CJK 2, Latin 1."""
    if not _compiled:
        _compile()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # twitter-text counts CR LF as one line feed
    spans = _x_url_spans(text) if "." in text else []
    if text.isascii():
        return len(text) + sum(23 - end + start for start, end in spans)
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


def measure_x(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for X; like twitter-text, empty text or U+FFFE/FEFF/FFFF never fits."""
    length = x_weighted_length(text)
    limit = limits.x_limit
    fits = 0 < length <= limit and (
        text.isascii() or not ("\ufffe" in text or "\ufeff" in text or "\uffff" in text)
    )
    return _measure("x", length, limit, fits, "weighted characters")


# --- Bluesky and Mastodon ------------------------------------------------------------------------
def _grapheme_length(text: str) -> int:
    # Number of extended grapheme clusters (user-perceived characters).
    if text.isascii():
        return len(text) - text.count("\r\n") if "\r" in text else len(text)
    reduced = _SIMPLE_BODY.sub("", text)
    if len(reduced) == 1 or _JOINING.search(reduced) is None:
        return len(text)
    return len(text) - len(reduced) + len(_GRAPHEME.findall(reduced))


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def measure_bluesky(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for Bluesky: graphemes within the limit and UTF-8 bytes within theirs."""
    if not _compiled:
        _compile()
    length = _grapheme_length(text)
    limit = limits.bluesky_graphemes
    # UTF-8 takes at most 4 bytes per code point, so short texts need no encoding.
    size_ok = len(text) * 4 <= limits.bluesky_bytes or _utf8_length(text) <= limits.bluesky_bytes
    return _measure("bluesky", length, limit, length <= limit and size_ok, "graphemes")


def _mastodon_countable(text: str, url_length: int) -> str:
    """``text`` with each http(s) URL replaced by ``url_length`` placeholder characters."""
    pieces: list[str] = []
    last = pos = 0
    while (colon := text.find("://", pos)) != -1:
        pos = colon + 3
        start = colon - (5 if text[max(0, colon - 5) : colon].lower() == "https" else 4)
        fast = _SCHEME_URL_FAST.match(text, start) if start >= 0 else None
        if (found := _exact(fast, text, _SCHEME_URL.match)) is not None:
            pieces += (text[last:start], "x" * url_length)
            last = pos = found.end()
    return "".join(pieces) + text[last:] if pieces else text


def measure_mastodon(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for Mastodon: graphemes, every http(s) URL as 23, remote mentions local."""
    if not _compiled:
        _compile()
    counted = text
    if "://" in counted:  # Mastodon links only URLs with a scheme: bare domains are plain text
        counted = _mastodon_countable(counted, limits.mastodon_url_length)
    if "@" in counted:
        counted = _MASTODON_MENTION.sub(r"@\1", counted)
    length = _grapheme_length(counted)
    limit = limits.mastodon_characters
    return _measure("mastodon", length, limit, length <= limit, "characters")


_MEASURES = {"x": measure_x, "bluesky": measure_bluesky, "mastodon": measure_mastodon}


def measure(network: str, text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` with the rule of ``network`` (one of :data:`NETWORKS`)."""
    rule = _MEASURES.get(network)
    if rule is None:
        raise ValueError(f"unknown network {network!r}; choose one of: {', '.join(NETWORKS)}")
    return rule(text, limits)


# --- Bluesky facets ------------------------------------------------------------------------------
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
    if not wordy or (len(tag) > 64 and _grapheme_length(tag) > 64):
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
    if not _compiled:
        _compile()
    spans: list[tuple[int, int, str, str]] = []
    if "#" in text or "＃" in text:
        for hashtag in (_TAG_WIDE if "＃" in text else _TAG).finditer(text):
            if (tag := _clean_tag(hashtag.group(1))) is not None:
                spans.append((hashtag.start(), hashtag.start(1) + len(tag), "tag", tag))
    pos = 0
    while (hint := _URL_HINT.search(text, pos)) is not None:  # a TLD dot, as for X
        link = _LINK.search(text, max(pos, text.rfind(" ", pos, hint.start()) + 1))
        if link is None:
            break
        start, pos = link.span()
        uri = _clean_link(link.group())
        if link.group(1) is None:
            spans.append((start, start + len(uri), "link", uri))
        elif _is_tld(link.group(2)):
            spans.append((start, start + len(uri), "link", "https://" + uri))
    if "@" in text:
        for mention in _MENTION.finditer(text):
            handle = mention.group(1)  # Bluesky handles are domain names
            tld = handle.rsplit(".", 1)[-1]
            # .test is the atproto handle suffix of development PDSes (and of our test server)
            if "." in handle and (_is_tld(tld) or tld.lower() == "test"):
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
            byte_start = byte_end + _utf8_length(text[last_end:start])
            byte_end = byte_start + _utf8_length(text[start:end])
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


# --- Threads -------------------------------------------------------------------------------------
_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def _longest(count: int, ok: Callable[[int], bool]) -> int:
    """Largest ``n`` in 1..count with ``ok(n)`` (assumed monotone), or 0 when none holds."""
    low, high = 0, count
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if ok(mid) else (low, mid - 1)
    return low


def _pack(text: str, network: str, limits: NetworkLimits, suffix: str) -> list[str]:
    """Cut ``text`` into parts that each fit once ``suffix`` (the widest numbering) is appended."""

    def fits(part: str) -> bool:
        return measure(network, part + suffix, limits).fits

    def fitting_words(first: int) -> int:
        # The longest run of whole words from ``first`` that fits, keeping the original spacing.
        start = words[first][0]
        return _longest(len(words) - first, lambda n: fits(text[start : words[first + n - 1][1]]))

    def fitting_clusters(clusters: list[str]) -> int:
        return _longest(len(clusters), lambda n: fits("".join(clusters[:n])))

    words = [found.span() for found in _WORD.finditer(text)]
    ends_sentence = [_SENTENCE_END.search(text, start, end) is not None for start, end in words]
    parts: list[str] = []
    i = 0
    while i < len(words):
        if (k := fitting_words(i)) == 0:
            # A single word longer than a post: the only cut inside a word, on grapheme bounds.
            clusters: list[str] = _GRAPHEME.findall(text[words[i][0] : words[i][1]])
            while clusters:
                if (n := fitting_clusters(clusters)) == 0:
                    raise ValueError(f"{clusters[0]!r} cannot fit in a {network} post")
                parts.append("".join(clusters[:n]))
                clusters = clusters[n:]
            i += 1
            continue
        if i + k < len(words):
            # End the part on its last sentence end; only a sentence too long alone splits on words.
            k = next((j - i + 1 for j in range(i + k - 1, i - 1, -1) if ends_sentence[j]), k)
        parts.append(text[words[i][0] : words[i + k - 1][1]])
        i += k
    return parts


def split_thread(
    text: str, network: str, limits: NetworkLimits = DEFAULT_LIMITS, numbered: bool = True
) -> list[str]:
    """Split ``text`` into posts that each fit ``network``; ``numbered`` appends ' (i/n)'."""
    if measure(network, text, limits).fits or not text.strip():
        return [text]
    if not numbered:
        return _pack(text, network, limits, "")
    total = len(_pack(text, network, limits, ""))
    while len(parts := _pack(text, network, limits, f" ({total}/{total})")) > total:
        total = len(parts)  # more parts may widen the suffix: pack again until the count holds
    return [f"{part} ({number}/{len(parts)})" for number, part in enumerate(parts, 1)]
