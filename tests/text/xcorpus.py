"""A seeded generator of texts for comparing our X rule with twitter-text.

Texts mix words of many scripts, emoji sequences of every kind and URLs of every shape: with and
without scheme, ports, paths, queries, IDN labels, punycode, brand, internationalised and invalid
TLDs, trailing punctuation and the characters that stop a URL from starting.
"""

from __future__ import annotations

import random

WORDS = [
    # French, Spanish, English with accents and typographic punctuation
    "Journée", "mondiale", "contre", "le", "travail", "des", "enfants", "l’école", "Agissons",
    "«", "»", "—", "–", "…", "€", "ñiños", "¡Hoy!", "¿Qué?", "Día", "niñas", "child", "labour",
    "Ça", "œuvre", "naïve", "Zürich", "São", "Øresund", "İstanbul", "kapı", "straße",
    # combining marks (NFD input), NFC itself
    "e\u0301cole", "cafe\u0301", "n\u0303", "a\u0308\u0301", "\u1e9b\u0323",
    # CJK, kana, Hangul
    "中文", "童工问题", "日本語", "ひらがな", "カタカナ", "한국어", "텍스트", "。", "、", "！",
    # Arabic (with its comma and marks), Hebrew, Devanagari, Thai, Tamil
    "العربية", "عمل", "الأطفال", "،", "مَرْحَبًا", "עברית", "हिन्दी", "बाल", "श्रम", "ภาษาไทย",
    "தமிழ்",
    # Cyrillic, Greek, Armenian, Georgian
    "Кириллица", "пример", "текст", "Ελληνικά", "παιδιά", "Հայերեն", "ქართული",
    # hashtags, mentions, numbers, ASCII punctuation
    "#EndChildLabour2021", "#NiñosLibres", "#日本", "@ILO", "@UNICEF", "160", "1.2.3", "3.14",
    "file.txt", "etc.", "M.Durand", "e.g.", "U.S.A.", "a_b", "x-y", "(note)", "[1]", "{k}",
    "$10", "50%", "a&b", "'quoted'", '"double"', "‼", "⁉", "™", "©", "®", "°C",
]

# RGI emoji of Emoji 12.0 or older only. twitter-text groups only the sequences its emoji data
# lists (the parser's is Emoji 12.0); we group any well-formed one, as current clients show them,
# so newer sequences (🧑‍🦰 is 12.1, 🤝🏽 14.0) and unlisted ones (🙂‍🙂, 🇦🇦) differ on purpose.
EMOJI = [
    # single code points, text and emoji presentation
    "🌍", "😷", "🙂", "🔥", "🧒", "☺", "☺️", "✌", "✌️", "❤", "❤️", "⭐", "🀄", "⌚",
    # skin tones
    "👋🏽", "👍🏿", "🙏🏻", "✌🏼", "🧒🏾", "👩🏼", "🏃🏽‍♀️", "🤝",
    # ZWJ sequences (Emoji 12.0 or older)
    "👨‍👩‍👧‍👦", "👩‍❤️‍👨", "👩‍❤️‍💋‍👩", "🏳️‍🌈", "🏴‍☠️", "👁️‍🗨️", "🧑‍🤝‍🧑", "👨‍🚀", "👩‍🔬",
    "👨🏿‍🦰", "🐕‍🦺", "🤷‍♂️", "🙋‍♀️", "👮🏻‍♂️",
    # keycaps, qualified and not
    "#️⃣", "*️⃣", "0️⃣", "1️⃣", "9️⃣", "1⃣", "#⃣",
    # flags: countries and subdivisions
    "🇫🇷", "🇪🇸", "🇬🇧", "🇨🇭", "🇯🇵", "🇰🇷", "🇮🇳", "🇸🇦", "🇷🇺", "🇧🇷", "🇺🇳", "🇪🇺",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁷󠁬󠁳󠁿",
]

SCHEMES = ["", "", "", "https://", "http://", "HTTPS://", "Http://"]
SUBDOMAINS = ["", "", "", "www.", "sub.", "a.b.", "my-site.", "under_score.", "日本.", "x1."]
LABELS = [
    "example", "endchildlabour2021", "ilo", "my-site", "a", "x1", "123", "unicef", "münchen",
    "пример", "日本語", "한국", "café", "mañana", "a-b-c", "EXAMPLE", "bücher", "xn--80ak6aa92e",
    "under_score", "-lead", "trail-", "a" * 64,
]
TLDS = {
    "common": ["com", "org", "net", "info", "edu", "gov", "COM", "Org"],
    "country": ["fr", "ch", "co.uk", "de", "es", "jp", "kr", "in", "io", "tv", "ly", "co", "UK"],
    "new": ["app", "dev", "xyz", "online", "shop", "blog", "ngo", "paris", "bzh", "swiss"],
    "brand": [
        "dupont", "amazon", "google", "bmw", "apple", "sony", "nike", "ikea", "lego", "youtube",
        "microsoft", "netflix", "unicorn", "barclays", "zara", "toyota", "DUPONT", "Amazon",
        # (.amazon was delegated after twitter-text's list was last updated: text on X)
    ],
    "idn": ["рф", "РФ", "한국", "中国", "中國", "香港", "भारत", "삼성", "онлайн", "みんな", "中文网",
            "ไทย", "مصر", "срб", "укр", "бел", "ελ", "qa", "ευ", "қаз"],
    "punycode": ["xn--p1ai", "xn--3e0b707e", "XN--P1AI", "xn--fiqs8s"],
    "invalid": ["txt", "local", "invalid", "xyz1", "a", "exe", "html", "foo", "한국어", "dupon"],
}
PATHS = [
    "", "", "/", "/fr", "/fr/agir", "/index.html", "/path_(x)", "/p(a)", "/p.(a)", "/a/b/c/",
    "/école", "/日本", "/путь", "/~user", "/a@b", "/@user/", "/a-b_c", "/" + "z" * 40, "/%20x",
    "/a.b.c", "/a,b", "/a;b", "/a!", "/a=b",
]
PORTS = ["", "", "", ":8080", ":80", ":1"]
QUERIES = ["", "", "", "?q=1", "?q=1&x=y", "?a=b#frag", "?", "?x=(y)", "?ref=x.", "#frag"]
TRAILING = ["", "", "", ".", ",", "!", "?", ")", ";", ":", "…", "»", "。", "'", '"', "-", "_"]
BEFORE = ["", "", "", " ", "(", "«", "\"", "@", "$", "#", "a", "-", ".", "/", "é", "日", "_"]
SEPARATORS = [" ", " ", " ", " ", "", "\n", "\r\n", "\u3000", "\u00a0", " — ", "\t"]


def url(rng: random.Random) -> str:
    """A URL-like string of a random shape, with what may precede and follow it."""
    kind = rng.choice(list(TLDS))
    if rng.random() < 0.04:
        slug = "".join(rng.choices("abcXYZ019", k=rng.choice([8, 10, 41])))
        return f"{rng.choice(BEFORE)}{rng.choice(['https://', 'http://'])}t.co/{slug}{rng.choice(QUERIES)}"
    if rng.random() < 0.04:
        return f"{rng.choice(['contact', 'a.b', 'x'])}@{rng.choice(LABELS)}.{rng.choice(TLDS[kind])}"
    return "".join(
        (
            rng.choice(BEFORE),
            rng.choice(SCHEMES),
            rng.choice(SUBDOMAINS),
            rng.choice(LABELS),
            ".",
            rng.choice(TLDS[kind]),
            rng.choice(PORTS),
            rng.choice(PATHS),
            rng.choice(QUERIES),
            rng.choice(TRAILING),
        )
    )


def piece(rng: random.Random, urls: bool) -> str:
    """One word, emoji sequence or URL."""
    roll = rng.random()
    if urls and roll < 0.3:
        return url(rng)
    if roll < 0.55:
        return rng.choice(EMOJI)
    return rng.choice(WORDS)


def text(rng: random.Random, urls: bool = True) -> str:
    """A text of a few pieces, or (one in ten) a long one near X's 280 limit."""
    count = rng.randint(1, 12) if rng.random() >= 0.1 else rng.randint(40, 90)
    parts: list[str] = []
    for _ in range(count):
        parts += (piece(rng, urls), rng.choice(SEPARATORS))
    return "".join(parts[:-1])


def corpus(count: int, seed: int, urls: bool = True) -> list[str]:
    """``count`` texts, the same ones for the same seed."""
    rng = random.Random(seed)
    return [near_limit(rng) if rng.random() < 0.05 else text(rng, urls) for _ in range(count)]


def near_limit(rng: random.Random) -> str:
    """Latin words, maybe a URL, padded to about 280 code points: both sides of X's limit."""
    body = " ".join(rng.choice(WORDS[:31]) for _ in range(rng.randint(5, 30)))
    if rng.random() < 0.5:
        body += " " + url(rng)
    return body + " " + "x" * max(0, rng.randint(270, 290) - len(body) - 1)
